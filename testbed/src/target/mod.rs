//! The target on its host: start, stop, reload, status, counters, kernel log, facts.
//! Tempesta through `srcdir/scripts/tempesta.sh` with tempesta-test's environment
//! (ready by "Tempesta FW is ready" in the kernel log); a `command` target through the
//! user's commands (ready by its URL answering).
//!
//! OWNER: helper "target" (H3).

use crate::counters::Counters;
use crate::file::Testbed;
use crate::host::{ConnectOptions, Host, HostError, Output};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Host(#[from] HostError),
    #[error("{0}")]
    Other(String),
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

/// The target of a test-bed, its host connected.
pub struct Target {
    pub host: Box<dyn Host>,
    pub testbed: Testbed,
}

impl Target {
    /// Connects to the target's host. Errors when the test-bed names no target (no `kind`).
    pub fn open(tb: &Testbed, opts: &ConnectOptions) -> Result<Target, TargetError> {
        let _ = (tb, opts);
        todo!("H3")
    }
    /// Uploads `config` (else the test-bed's config_file, if any), starts, waits until ready.
    pub fn start(&mut self, config: Option<&[u8]>) -> Result<Action, TargetError> {
        let _ = config;
        todo!("H3")
    }
    /// Stops the target (not running is no error).
    pub fn stop(&mut self) -> Result<Action, TargetError> {
        todo!("H3")
    }
    /// Stop (if running) and start.
    pub fn restart(&mut self, config: Option<&[u8]>) -> Result<Action, TargetError> {
        let _ = config;
        todo!("H3")
    }
    /// Uploads `config` if given, reloads, waits until ready.
    pub fn reload(&mut self, config: Option<&[u8]>) -> Result<Action, TargetError> {
        let _ = config;
        todo!("H3")
    }
    pub fn status(&mut self) -> Result<Status, TargetError> {
        todo!("H3")
    }
    /// The counters now: perfstat (Tempesta), stub_status (command target with stats_url),
    /// None when the target has none.
    pub fn counters(&mut self) -> Result<Option<Counters>, TargetError> {
        todo!("H3")
    }
    /// The kernel log's end now.
    pub fn log_mark(&mut self) -> Result<LogMark, TargetError> {
        todo!("H3")
    }
    /// The kernel log after `mark`.
    pub fn log_since(&mut self, mark: &LogMark) -> Result<String, TargetError> {
        let _ = mark;
        todo!("H3")
    }
    pub fn facts(&mut self) -> Result<Facts, TargetError> {
        todo!("H3")
    }
    /// Runs an arbitrary command on the target's host with the command timeout.
    pub fn exec(&mut self, cmd: &crate::host::Cmd) -> Result<Output, TargetError> {
        let _ = cmd;
        todo!("H3")
    }
}
