//! The target on its host: start, stop, reload, status, counters, kernel log, facts.
//! Tempesta through `srcdir/scripts/tempesta.sh` with tempesta-test's environment
//! (ready by "Tempesta FW is ready" in the kernel log) in [`tempesta`]; a `command` target
//! through the user's commands (ready by its URL answering) in [`command`]. The kernel-log
//! mark is [`klog`], the HTTP probe of ready and stats URLs from this machine [`probe`].

mod command;
mod klog;
pub mod probe;
mod tempesta;
mod types;

use types::{failed, last_line};
pub use types::{Action, Facts, LogMark, Status, Target, TargetError, TempestaPaths};

use crate::counters::Counters;
use crate::file::{TargetKind, Testbed};
use crate::host::{ConnectOptions, Host, Output};
use std::time::Instant;

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
    use super::types::remote_path;
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
