//! The target on its host: start, stop, reload, status, counters, kernel log, facts.
//! Tempesta through `srcdir/scripts/tempesta.sh` with tempesta-test's environment
//! (ready by "Tempesta FW is ready" in the kernel log) in [`tempesta`]; a `command` target
//! through the user's commands (ready by its URL answering) in [`command`]. The kernel-log
//! mark is [`klog`], the HTTP probe of ready and stats URLs from this machine [`probe`].
//!
//! OWNER: helper "target" (H3).

mod command;
mod klog;
pub mod probe;
mod tempesta;

use crate::counters::Counters;
use crate::file::{TargetKind, Testbed};
use crate::host::{ConnectOptions, Host, HostError, Output};
use std::time::{Duration, Instant};

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

impl Target {
    /// Connects to the target's host. Errors when the test-bed names no target (no `kind`).
    pub fn open(tb: &Testbed, opts: &ConnectOptions) -> Result<Target, TargetError> {
        if tb.tempesta.kind.is_none() {
            return Err(TargetError::Other(format!(
                "{}: [tempesta] names no target to control: set kind = \"tempesta\" or \"command\"",
                tb.source
            )));
        }
        let host = crate::host::connect(&tb.tempesta.host, opts)?;
        Ok(Target::with_host(host, tb.clone()))
    }

    /// A target on an already connected host.
    pub fn with_host(host: Box<dyn Host>, testbed: Testbed) -> Target {
        let mut paths = TempestaPaths::default();
        if let Some(keys) = testbed.extra.get("tempesta") {
            if let Some(p) = keys.get("perfstat") {
                paths.perfstat = p.clone();
            }
            if let Some(p) = keys.get("state") {
                paths.state = p.clone();
            }
        }
        Target {
            host,
            testbed,
            paths,
        }
    }

    /// The target's kind; an error when the test-bed names none (a target made by
    /// [`Target::with_host`] for the host alone).
    pub(crate) fn kind(&self) -> Result<&TargetKind, TargetError> {
        self.testbed.tempesta.kind.as_ref().ok_or_else(|| {
            TargetError::Other(format!(
                "{}: [tempesta] names no target to control: set kind = \"tempesta\" or \"command\"",
                self.testbed.source
            ))
        })
    }

    pub(crate) fn err(&self, msg: impl std::fmt::Display) -> TargetError {
        TargetError::Other(format!("{}: {msg}", self.host.name()))
    }

    pub(crate) fn workdir(&self) -> &str {
        &self.testbed.tempesta.workdir
    }

    /// Runs `cmd` with the command timeout.
    pub(crate) fn run(&mut self, cmd: &crate::host::Cmd) -> Result<Output, TargetError> {
        let t = self.testbed.general.command_timeout;
        Ok(self.host.exec(cmd, t)?)
    }

    /// Writes `data` to `path` on the host, making its directory first.
    pub(crate) fn put(&mut self, data: &[u8], path: &str) -> Result<(), TargetError> {
        if let Some((dir, _)) = path.rsplit_once('/') {
            if !dir.is_empty() {
                let out = self.run(&crate::host::Cmd::new("mkdir").arg("-p").arg(dir))?;
                if out.status != 0 {
                    return Err(self.err(failed(&format!("mkdir -p {dir}"), &out)));
                }
            }
        }
        Ok(self.host.upload(data, path, 0o644)?)
    }

    /// The config to upload: the run's own, else the test-bed's `config_file`, else none.
    pub(crate) fn config_data(
        &self,
        config: Option<&[u8]>,
        file: Option<&std::path::Path>,
    ) -> Result<Option<Vec<u8>>, TargetError> {
        if let Some(c) = config {
            return Ok(Some(c.to_vec()));
        }
        match file {
            Some(f) => std::fs::read(f).map(Some).map_err(|e| {
                TargetError::Other(format!(
                    "{}: cannot read config_file {}: {e}",
                    self.testbed.source,
                    f.display()
                ))
            }),
            None => Ok(None),
        }
    }

    /// Uploads `config` (else the test-bed's config_file, if any), starts, waits until ready.
    pub fn start(&mut self, config: Option<&[u8]>) -> Result<Action, TargetError> {
        let began = Instant::now();
        let output = match self.kind()? {
            TargetKind::Tempesta { .. } => tempesta::start(self, config, false)?,
            TargetKind::Command { .. } => command::start(self, config, false)?,
        };
        Ok(Action {
            took: began.elapsed(),
            output,
        })
    }

    /// Stops the target (not running is no error).
    pub fn stop(&mut self) -> Result<Action, TargetError> {
        let began = Instant::now();
        let output = match self.kind()? {
            TargetKind::Tempesta { .. } => tempesta::stop(self)?,
            TargetKind::Command { .. } => command::stop(self)?,
        };
        Ok(Action {
            took: began.elapsed(),
            output,
        })
    }

    /// Stop (if running) and start.
    pub fn restart(&mut self, config: Option<&[u8]>) -> Result<Action, TargetError> {
        let began = Instant::now();
        // Stop unless surely stopped (a target that cannot tell is stopped anyway).
        match self.status() {
            Ok(s) if !s.running => {}
            _ => {
                self.stop()?;
            }
        }
        let started = self.start(config)?;
        Ok(Action {
            took: began.elapsed(),
            output: started.output,
        })
    }

    /// Uploads `config` if given, reloads, waits until ready.
    pub fn reload(&mut self, config: Option<&[u8]>) -> Result<Action, TargetError> {
        let began = Instant::now();
        let output = match self.kind()? {
            TargetKind::Tempesta { .. } => tempesta::start(self, config, true)?,
            TargetKind::Command { .. } => command::start(self, config, true)?,
        };
        Ok(Action {
            took: began.elapsed(),
            output,
        })
    }

    pub fn status(&mut self) -> Result<Status, TargetError> {
        match self.kind()? {
            TargetKind::Tempesta { .. } => tempesta::status(self),
            TargetKind::Command { .. } => command::status(self),
        }
    }

    /// The counters now: perfstat (Tempesta), stub_status (command target with stats_url),
    /// None when the target has none.
    pub fn counters(&mut self) -> Result<Option<Counters>, TargetError> {
        match self.kind()? {
            TargetKind::Tempesta { .. } => tempesta::counters(self).map(Some),
            TargetKind::Command { .. } => command::counters(self),
        }
    }

    /// The kernel log's end now: a unique line written to `/dev/kmsg`.
    pub fn log_mark(&mut self) -> Result<LogMark, TargetError> {
        klog::mark(self)
    }

    /// The kernel log after `mark` (`dmesg` after the line holding it).
    pub fn log_since(&mut self, mark: &LogMark) -> Result<String, TargetError> {
        klog::since(self, mark)
    }

    /// The kernel log after `mark`, scanned with the test-bed's `dmesg_ignore`.
    pub fn log_scan(&mut self, mark: &LogMark) -> Result<crate::kernel_log::Scan, TargetError> {
        let log = self.log_since(mark)?;
        crate::kernel_log::scan(&log, &self.testbed.general.dmesg_ignore)
            .map_err(|e| TargetError::Other(format!("{}: {e}", self.testbed.source)))
    }

    pub fn facts(&mut self) -> Result<Facts, TargetError> {
        use crate::host::Cmd;
        let revision = match self.kind()?.clone() {
            TargetKind::Tempesta { srcdir, .. } => {
                let out = self.run(
                    &Cmd::new("git")
                        .arg("-C")
                        .arg(&srcdir)
                        .arg("describe")
                        .arg("--always")
                        .arg("--dirty")
                        .arg("--tags"),
                )?;
                (out.status == 0).then(|| last_line(&out.stdout)).flatten()
            }
            TargetKind::Command { .. } => None,
        };
        let out = self.run(&Cmd::new("uname").arg("-r"))?;
        let kernel = (out.status == 0).then(|| last_line(&out.stdout)).flatten();
        Ok(Facts { revision, kernel })
    }

    /// Runs an arbitrary command on the target's host with the command timeout.
    pub fn exec(&mut self, cmd: &crate::host::Cmd) -> Result<Output, TargetError> {
        self.run(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_failure_lines() {
        assert_eq!(remote_path("/tmp/t/", "a.conf"), "/tmp/t/a.conf");
        assert_eq!(remote_path("/tmp/t", "/etc/a.conf"), "/etc/a.conf");
        let out = Output {
            status: 1,
            stdout: b"[tempesta] Starting\n[tempesta] ERROR: no config\n\n".to_vec(),
            stderr: Vec::new(),
        };
        assert_eq!(
            failed("tempesta.sh --start", &out),
            "tempesta.sh --start failed (exit 1); stdout: [tempesta] ERROR: no config"
        );
        assert_eq!(
            failed("x", &Output::default()),
            "x failed (exit 0), no output"
        );
    }
}
