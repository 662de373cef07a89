//! `--testbed` around a run (`stress`, `handshake`, `check`): the target of a test-bed file
//! (re)started with the run's config before the load, its counters read before and after,
//! reloaded every `--reload-every` during the load, and its kernel log since the start
//! scanned for what fails a Tempesta test (Oops, WARNING, BUG, ERROR, call traces), as
//! tempesta-test does around each test (framework/services/tempesta.py and
//! framework/helpers/dmesg.py in tempesta-tech/tempesta-test).
//!
//! Setup errors (the test-bed file, the host, the start) are returned before any load runs;
//! what goes wrong after the load (a failed reload, counters that cannot be read) is
//! recorded, not fatal. The results are the run document's [`JSON_KEY`] object and a text
//! section ([`report`]).

mod report;

use crate::cli::target::TargetOpts;
use crate::parse;
use anyhow::{bail, Context, Result};
use report::Reload;
pub use report::SessionEnd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tfw_testbed::counters::Counters;
use tfw_testbed::file::{TargetKind, Testbed};
use tfw_testbed::host::ConnectOptions;
use tfw_testbed::target::{Facts, LogMark, Target};

/// The run document's key for the target's object. Not `target`: that key already holds the
/// run's URL (a string) in every run document, and fields are never renamed.
pub const JSON_KEY: &str = "target_control";

/// The shortest `--reload-every` (a reload waits for the target to be ready again).
const MIN_RELOAD_EVERY: Duration = Duration::from_millis(100);

/// The target of a test-bed, controlled around one run.
pub struct TargetSession {
    testbed_path: PathBuf,
    kind: &'static str,
    host: String,
    facts: Facts,
    start_took: Duration,
    mark: LogMark,
    before: Option<Counters>,
    dmesg_ignore: Vec<String>,
    reload_every: Option<Duration>,
    /// The run's config (`--target-config` or the caller's; None: the test-bed's own).
    default_config: Option<Vec<u8>>,
    /// The config the target was last started with, reloaded with.
    config: Option<Vec<u8>>,
    /// None while the reload thread owns it.
    target: Option<Target>,
    reloader: Option<Reloader>,
    reloads: Vec<Reload>,
}

struct Reloader {
    done: Arc<AtomicBool>,
    handle: JoinHandle<(Target, Vec<Reload>)>,
}

impl TargetSession {
    /// Nothing without `--testbed`; else the test-bed's target connected, its facts read, the
    /// kernel log marked, the target restarted with `--target-config` (else `config`, else
    /// the test-bed's config_file) and its counters read. Every error here stops the run
    /// before the load.
    pub fn begin(opts: &TargetOpts, config: Option<Vec<u8>>) -> Result<Option<TargetSession>> {
        let Some(path) = &opts.testbed else {
            return Ok(None);
        };
        let reload_every = match &opts.reload_every {
            Some(s) => {
                let d = parse::duration(s).context("--reload-every")?;
                if d < MIN_RELOAD_EVERY {
                    bail!("--reload-every {s}: at least 100ms");
                }
                Some(d)
            }
            None => None,
        };
        let config = match &opts.target_config {
            Some(p) => Some(
                std::fs::read(p)
                    .with_context(|| format!("--target-config {}: cannot read", p.display()))?,
            ),
            None => config,
        };
        let tb = Testbed::load(path)?;
        let kind = match &tb.tempesta.kind {
            Some(TargetKind::Tempesta { .. }) => "tempesta",
            Some(TargetKind::Command { .. }) => "command",
            None => bail!(
                "{}: names no target to control (no [tempesta] kind); set kind = \"tempesta\" or \"command\"",
                path.display()
            ),
        };
        let copts = ConnectOptions {
            known_hosts: tb.general.known_hosts.clone(),
            accept_new_host_key: opts.accept_new_host_key,
            connect_timeout: tb.general.connect_timeout,
        };
        let mut target = Target::open(&tb, &copts).context("the test-bed's target")?;
        #[cfg(feature = "test-hooks")]
        standin_paths(&mut target);
        let host = target.host.name().to_string();
        let facts = target
            .facts()
            .with_context(|| format!("{host}: cannot read the target's revision and kernel"))?;
        let mark = target
            .log_mark()
            .with_context(|| format!("{host}: cannot read the kernel log"))?;
        let start_took = restart(&mut target, config.as_deref())?;
        let before = target
            .counters()
            .with_context(|| format!("{host}: cannot read the target's counters"))?;
        Ok(Some(TargetSession {
            testbed_path: path.clone(),
            kind,
            host,
            facts,
            start_took,
            mark,
            before,
            dmesg_ignore: tb.general.dmesg_ignore.clone(),
            reload_every,
            default_config: config.clone(),
            config,
            target: Some(target),
            reloader: None,
            reloads: Vec::new(),
        }))
    }

    /// Restarts the target with `config` (None: the run's default) and reads its counters
    /// anew: `check` does this before each group of cases with a config of its own.
    pub fn restart(&mut self, config: Option<&[u8]>) -> Result<Duration> {
        self.config = match config {
            Some(c) => Some(c.to_vec()),
            None => self.default_config.clone(),
        };
        let target = self
            .target
            .as_mut()
            .context("the target is being reloaded")?;
        let took = restart(target, self.config.as_deref())?;
        self.before = target
            .counters()
            .with_context(|| format!("{}: cannot read the target's counters", self.host))?;
        Ok(took)
    }

    /// The load begins now: with `--reload-every`, a thread takes the target and reloads it
    /// every period until [`TargetSession::load_ended`] or `stop`.
    pub fn load_started(&mut self, stop: Arc<AtomicBool>) {
        let Some(every) = self.reload_every else {
            return;
        };
        let Some(target) = self.target.take() else {
            return;
        };
        let done = Arc::new(AtomicBool::new(false));
        let config = self.config.clone();
        let d = done.clone();
        let handle = std::thread::Builder::new()
            .name("target-reload".into())
            .spawn(move || reload_loop(target, config, every, &d, &stop));
        match handle {
            Ok(handle) => self.reloader = Some(Reloader { done, handle }),
            Err(e) => eprintln!("tfw-bench: warning: cannot start the reload thread: {e}"),
        }
    }

    /// The load ended: the reload thread (if any) is stopped and gives the target back.
    pub fn load_ended(&mut self) {
        if let Some(r) = self.reloader.take() {
            r.done.store(true, Ordering::Relaxed);
            match r.handle.join() {
                Ok((target, reloads)) => {
                    self.target = Some(target);
                    self.reloads.extend(reloads);
                }
                Err(_) => eprintln!("tfw-bench: warning: the reload thread panicked"),
            }
        }
    }

    /// After the run: counters after, the kernel log since the mark scanned; the JSON object
    /// and the text section. Never fails: what cannot be read is said in `problems`.
    pub fn end(mut self) -> SessionEnd {
        self.load_ended();
        let mut problems = Vec::new();
        let mut after = None;
        let mut scan = None;
        match self.target.as_mut() {
            Some(target) => {
                match target.counters() {
                    Ok(c) => after = c,
                    Err(e) => problems.push(format!("cannot read the target's counters: {e}")),
                }
                match target.log_since(&self.mark) {
                    Ok(log) => match tfw_testbed::kernel_log::scan(&log, &self.dmesg_ignore) {
                        Ok(s) => scan = Some(s),
                        Err(e) => problems.push(format!("dmesg_ignore: {e}")),
                    },
                    Err(e) => problems.push(format!("cannot read the kernel log: {e}")),
                }
            }
            None => problems.push("the target was lost by the reload thread".into()),
        }
        let r = report::Readings {
            testbed: &self.testbed_path,
            kind: self.kind,
            host: &self.host,
            facts: &self.facts,
            start_took: self.start_took,
            before: self.before.as_ref(),
            after: after.as_ref(),
            reloads: &self.reloads,
            scan: scan.as_ref(),
        };
        SessionEnd {
            json: report::json(&r),
            text: report::text(&r, &problems),
            findings: scan.as_ref().map_or(0, |s| s.findings.len()),
            log_read: scan.is_some(),
        }
    }
}

/// The tests' build only (feature `test-hooks`): `TFW_BENCH_TEST_TEMPESTA_RUN=DIR` points a
/// Tempesta target at the stand-in's state and perfstat files (testbed/testdata/standin:
/// `DIR/state`, `DIR/perfstat`), which the test-bed file has no keys for.
#[cfg(feature = "test-hooks")]
fn standin_paths(target: &mut Target) {
    if let Ok(dir) = std::env::var("TFW_BENCH_TEST_TEMPESTA_RUN") {
        target.paths = tfw_testbed::target::TempestaPaths {
            perfstat: format!("{dir}/perfstat"),
            state: format!("{dir}/state"),
        };
    }
}

/// Restart with `config`; the error names the host.
fn restart(target: &mut Target, config: Option<&[u8]>) -> Result<Duration> {
    let host = target.host.name().to_string();
    let action = target
        .restart(config)
        .with_context(|| format!("{host}: cannot start the target"))?;
    Ok(action.took)
}

/// Reloads `target` every `every` from now until `done` or `stop`; a failed reload is
/// recorded and the next one is tried on time.
fn reload_loop(
    mut target: Target,
    config: Option<Vec<u8>>,
    every: Duration,
    done: &AtomicBool,
    stop: &AtomicBool,
) -> (Target, Vec<Reload>) {
    let t0 = Instant::now();
    let mut next = t0 + every;
    let mut reloads = Vec::new();
    loop {
        loop {
            if done.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                return (target, reloads);
            }
            let now = Instant::now();
            if now >= next {
                break;
            }
            std::thread::sleep((next - now).min(Duration::from_millis(20)));
        }
        let at = t0.elapsed();
        let res = target.reload(config.as_deref());
        let took = t0.elapsed() - at;
        reloads.push(Reload {
            at_s: at.as_secs_f64(),
            took_s: took.as_secs_f64(),
            error: res.err().map(|e| e.to_string()),
        });
        next += every;
        let now = Instant::now();
        if next < now {
            // A reload took longer than the period: the next one a period from now.
            next = now + every;
        }
    }
}
