//! The test-bed file (TOML): where the client, the target (`[tempesta]`) and the servers are,
//! how to reach them, and how to control the target. Section and key names are those of
//! tempesta-test's `tests_config.ini` (`[general]`, `[client]`, `[tempesta]`, `[server]`;
//! `ip`, `hostname`, `port`, `user`, `ssh_key`, `srcdir`, `workdir`, `config`), so a Tempesta
//! developer reads it at once; `kind` says whether the target is Tempesta or a `command`
//! target. Every key of every section is also a `${section_key}` template value.
//!
//! OWNER: helper "file" (H1). The public names below are used by the other modules and the CLI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A test-bed file, read and validated.
#[derive(Clone, Debug)]
pub struct Testbed {
    /// The file's name, for messages.
    pub source: String,
    pub general: General,
    pub client: HostRole,
    /// The target (the `[tempesta]` section, whatever the target is).
    pub tempesta: TargetRole,
    pub server: HostRole,
}

/// `[general]`.
#[derive(Clone, Debug)]
pub struct General {
    /// known_hosts file (OpenSSH format; default `~/.ssh/known_hosts`).
    pub known_hosts: PathBuf,
    /// Bound on a TCP connect plus the SSH handshake and authentication.
    pub connect_timeout: Duration,
    /// Bound on every remote command (unless a call gives its own).
    pub command_timeout: Duration,
    /// Bound on the target's readiness after a start or reload.
    pub ready_timeout: Duration,
    /// Kernel-log lines matching any of these regular expressions are not findings.
    pub dmesg_ignore: Vec<String>,
}

/// Where a role runs and how to reach it: `hostname = "localhost"` is this machine, no SSH.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostSpec {
    /// Address of the role in the test network (what loads are sent to).
    pub ip: String,
    /// SSH host name or address; "localhost" runs locally without SSH.
    pub hostname: String,
    /// SSH port.
    pub port: u16,
    /// SSH user.
    pub user: String,
    /// Private key file; None: the SSH agent (then the default keys ~/.ssh/id_*).
    pub ssh_key: Option<PathBuf>,
}

impl HostSpec {
    /// True when commands run on this machine, without SSH.
    pub fn is_local(&self) -> bool {
        self.hostname == "localhost"
    }
}

/// `[client]` or `[server]`.
#[derive(Clone, Debug)]
pub struct HostRole {
    pub host: HostSpec,
    pub workdir: String,
}

/// `[tempesta]`: the target.
#[derive(Clone, Debug)]
pub struct TargetRole {
    pub host: HostSpec,
    /// Remote working directory (configs are uploaded here).
    pub workdir: String,
    /// None: the file names no target to control (only addresses and template values).
    pub kind: Option<TargetKind>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// TempestaFW through `srcdir/scripts/tempesta.sh`.
    Tempesta {
        /// Tempesta's source tree on the target host.
        srcdir: String,
        /// Remote config path, relative to `workdir` unless absolute (tempesta-test's `config`).
        config: String,
        /// A local config file uploaded to `config` on start and reload (relative to the
        /// test-bed file's directory), unless a run brings its own.
        config_file: Option<PathBuf>,
        /// TFW_DEV for tempesta.sh (tempesta-test's `interfaces`); empty: all.
        interfaces: String,
    },
    /// Any other target: shell commands of the user's own (run by `sh -c` on the host).
    Command {
        start: String,
        stop: String,
        reload: Option<String>,
        /// Exits 0 while the target runs.
        status: Option<String>,
        /// Ready when a GET of this URL answers (any status) after start and reload.
        ready_url: Option<String>,
        /// nginx stub_status URL: its counters before and after a run.
        stats_url: Option<String>,
        /// Remote config path (relative to workdir unless absolute): a run's config is
        /// uploaded there before start and reload.
        config: Option<String>,
        config_file: Option<PathBuf>,
    },
}

/// A bad test-bed file: one line naming the file and the key.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct FileError {
    pub file: String,
    pub message: String,
}

impl Testbed {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Testbed, FileError> {
        let _ = path;
        todo!("H1")
    }

    /// Parses and validates `text`; `name` names the file in errors, `dir` resolves relative
    /// paths.
    pub fn parse(name: &str, text: &str, dir: &Path) -> Result<Testbed, FileError> {
        let _ = (name, text, dir);
        todo!("H1")
    }

    /// `${section_key}` template values: every key of every section (`tempesta_ip`, ...).
    pub fn vars(&self) -> BTreeMap<String, String> {
        todo!("H1")
    }
}
