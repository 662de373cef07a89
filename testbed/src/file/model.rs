//! The test-bed file's types: what [`super::Testbed::parse`] makes of a file, and its error.

use std::collections::BTreeMap;
use std::path::PathBuf;
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
    /// The keys this program does not interpret (tempesta-test's `ab`, `wrk`, `nginx`,
    /// `resources`, ...), by section (`""` for keys outside any section), as text: template
    /// values only (so strings, numbers or booleans; an array or a table is an error).
    pub extra: BTreeMap<String, BTreeMap<String, String>>,
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

/// A bad test-bed file: one line naming the file, the line (when known) and the key.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.line_text())]
pub struct FileError {
    pub file: String,
    /// 1-based line of the error; 0 when it is about the whole file (cannot read it).
    pub line: usize,
    /// `key: what is wrong`.
    pub message: String,
}

impl FileError {
    pub fn new(file: &str, line: usize, key: &str, what: impl std::fmt::Display) -> FileError {
        FileError {
            file: file.to_string(),
            line,
            message: format!("{key}: {what}"),
        }
    }

    fn line_text(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", self.file, self.message)
        } else {
            format!("{}:{}: {}", self.file, self.line, self.message)
        }
    }
}
