//! The target's types and the small helpers its kinds share (paths on the host, one-line
//! failures): apart from `mod.rs`, so that `tempesta`, `command` and `klog` depend on these and
//! `mod.rs` on them, never round in a circle.

use crate::file::Testbed;
use crate::host::{Host, HostError, Output};
use std::time::Duration;

/// A target's errors, each one line. The host's error is boxed: it is large, and every
/// target call returns this.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Host(Box<HostError>),
    #[error("{0}")]
    Other(String),
}

impl From<HostError> for TargetError {
    fn from(e: HostError) -> Self {
        TargetError::Host(Box::new(e))
    }
}

/// What a start, reload or stop did.
#[derive(Clone, Debug)]
pub struct Action {
    pub took: Duration,
    pub output: Output,
}

/// Whether the target runs.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Status {
    pub running: bool,
    /// One line on how that was found out.
    pub detail: String,
}

/// A point in the kernel log; what comes after it is read by [`Target::log_since`].
/// It holds the unique line written to `/dev/kmsg` (`tfw-bench mark <hex>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogMark(pub String);

/// The target's revision and kernel, for the history.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Facts {
    /// `git describe --always --dirty` of srcdir (Tempesta), None for a command target.
    pub revision: Option<String>,
    /// `uname -r` on the target host.
    pub kernel: Option<String>,
}

/// Where Tempesta shows its state and counters on the target host. The defaults are the
/// real ones; `perfstat = "..."` and `state = "..."` in the test-bed's `[tempesta]` (kept
/// by the file parser among the keys it does not interpret) override them, as the tests
/// do to point at the stand-in's files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TempestaPaths {
    /// fw/procfs.c's perfstat.
    pub perfstat: String,
    /// The sysctl `net.tempesta.state` that tempesta.sh reads ("start", "stop"; absent
    /// while the modules are not loaded).
    pub state: String,
}

impl Default for TempestaPaths {
    fn default() -> Self {
        TempestaPaths {
            perfstat: "/proc/tempesta/perfstat".into(),
            state: "/proc/sys/net/tempesta/state".into(),
        }
    }
}

/// The target of a test-bed, its host connected.
pub struct Target {
    pub host: Box<dyn Host>,
    pub testbed: Testbed,
    /// Tempesta's procfs/sysctl paths (kind `tempesta` only).
    pub paths: TempestaPaths,
}

/// `path` on the target host: as is when absolute, else under `workdir`.
pub(crate) fn remote_path(workdir: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", workdir.trim_end_matches('/'), path)
    }
}

/// The last non-empty line of `bytes`, for one-line errors.
pub(crate) fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// One line on a failed command: `WHAT failed (exit N): stderr: ...; stdout: ...`.
pub(crate) fn failed(what: &str, out: &Output) -> String {
    let mut msg = format!("{what} failed (exit {})", out.status);
    let err = last_line(&out.stderr);
    let std = last_line(&out.stdout);
    if err.is_none() && std.is_none() {
        msg.push_str(", no output");
    }
    if let Some(e) = err {
        msg.push_str(&format!("; stderr: {e}"));
    }
    if let Some(o) = std {
        msg.push_str(&format!("; stdout: {o}"));
    }
    msg
}
