//! Tempesta through its own service script, as tempesta-test drives it
//! (framework/services/tempesta.py, `Tempesta._do_run`): the config written to
//! `workdir/config`, then `srcdir/scripts/tempesta.sh --start|--reload|--stop` with
//! `TFW_CFG_PATH` (the config), `TFW_CFG_TMPL` (`workdir/tempesta_tmp.conf`, tempesta-test's
//! `tmp_config` default; the script writes the pre-processed config there) and `TFW_DEV`
//! (tempesta-test's `interfaces`, when set). Start and reload are confirmed by the line
//! "[tempesta fw] Tempesta FW is ready" in the kernel log after a mark taken before the
//! script ran: fw/main.c `tfw_start()` logs "Tempesta FW is ready" (through T_LOG_NL, whose
//! lib/log.h banner is "[tempesta fw] ") after both a start and a live reconfiguration;
//! tempesta-test waits for the same line (framework/test_suite/tester.py,
//! `start_tempesta`).
//!
//! Whether it runs: scripts/tempesta.sh reads `sysctl net.tempesta.state` ("start" after a
//! start, "stop" after a stop; absent while the modules are not loaded); we read the same
//! value from its /proc/sys file.

use super::{failed, klog, last_line, remote_path, Target, TargetError};
use super::{LogMark, Status};
use crate::counters::Counters;
use crate::file::TargetKind;
use crate::host::{Cmd, Output};
use std::time::{Duration, Instant};

/// What fw/main.c logs when a start or a reconfiguration is done.
pub const READY_LINE: &str = "Tempesta FW is ready";

struct Setup {
    script: String,
    config_path: String,
    tmpl_path: String,
    interfaces: String,
    config_file: Option<std::path::PathBuf>,
}

fn setup(t: &Target) -> Setup {
    let TargetKind::Tempesta {
        srcdir,
        config,
        config_file,
        interfaces,
    } = t.kind().expect("dispatched on the kind")
    else {
        unreachable!("tempesta:: called for a command target")
    };
    Setup {
        script: format!("{}/scripts/tempesta.sh", srcdir.trim_end_matches('/')),
        config_path: remote_path(t.workdir(), config),
        tmpl_path: remote_path(t.workdir(), "tempesta_tmp.conf"),
        interfaces: interfaces.clone(),
        config_file: config_file.clone(),
    }
}

fn script(s: &Setup, action: &str) -> Cmd {
    let mut cmd = Cmd::new(&s.script)
        .arg(action)
        .env("TFW_CFG_PATH", &s.config_path)
        .env("TFW_CFG_TMPL", &s.tmpl_path);
    if !s.interfaces.is_empty() {
        cmd = cmd.env("TFW_DEV", &s.interfaces);
    }
    cmd
}

/// Waits, polling the kernel log after `mark`, for the ready line.
fn wait_ready(t: &mut Target, mark: &LogMark, action: &str) -> Result<(), TargetError> {
    let timeout = t.testbed.general.ready_timeout;
    let deadline = Instant::now() + timeout;
    loop {
        // A mark scrolled out by a chatty start leaves only newer lines: search them all.
        let (log, _) = klog::since_or_all(t, mark)?;
        if log.lines().any(|l| l.contains(READY_LINE)) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let n = log.lines().count();
            return Err(t.err(format!(
                "tempesta.sh {action} ran but \"{READY_LINE}\" did not appear in the kernel log within {timeout:?} ({n} log lines since the mark)"
            )));
        }
        std::thread::sleep(
            Duration::from_millis(200).min(deadline.saturating_duration_since(Instant::now())),
        );
    }
}

/// `--start` (or `--reload`): upload the config, mark the log, run the script, wait for
/// the ready line.
pub(super) fn start(
    t: &mut Target,
    config: Option<&[u8]>,
    reload: bool,
) -> Result<Output, TargetError> {
    let s = setup(t);
    let action = if reload { "--reload" } else { "--start" };
    if let Some(data) = t.config_data(config, s.config_file.as_deref())? {
        t.put(&data, &s.config_path)?;
    }
    let mark = klog::mark(t)?;
    let out = t.run(&script(&s, action))?;
    if out.status != 0 {
        return Err(t.err(failed(&format!("{} {action}", s.script), &out)));
    }
    wait_ready(t, &mark, action)?;
    Ok(out)
}

/// `--stop`, unless Tempesta's modules are not loaded at all.
pub(super) fn stop(t: &mut Target) -> Result<Output, TargetError> {
    let s = setup(t);
    if state(t)?.is_none() {
        return Ok(Output::default());
    }
    let out = t.run(&script(&s, "--stop"))?;
    if out.status != 0 {
        return Err(t.err(failed(&format!("{} --stop", s.script), &out)));
    }
    Ok(out)
}

/// The value of net.tempesta.state; None when the file is absent (modules not loaded).
fn state(t: &mut Target) -> Result<Option<String>, TargetError> {
    let path = t.paths.state.clone();
    let out = t.run(
        &Cmd::new("sh")
            .arg("-c")
            .arg("test ! -e \"$1\" || cat \"$1\"")
            .arg("sh")
            .arg(&path),
    )?;
    if out.status != 0 {
        return Err(t.err(failed(&format!("reading {path}"), &out)));
    }
    if out.stdout.is_empty() {
        return Ok(None);
    }
    Ok(Some(last_line(&out.stdout).unwrap_or_default()))
}

pub(super) fn status(t: &mut Target) -> Result<Status, TargetError> {
    let path = t.paths.state.clone();
    Ok(match state(t)? {
        None => Status {
            running: false,
            detail: format!("Tempesta's modules are not loaded (no {path})"),
        },
        Some(v) => Status {
            // "start", or "start (failed reconfig)": still running the old config.
            running: v.starts_with("start"),
            detail: format!("net.tempesta.state = {v} ({path})"),
        },
    })
}

pub(super) fn counters(t: &mut Target) -> Result<Counters, TargetError> {
    let path = t.paths.perfstat.clone();
    let out = t.run(&Cmd::new("cat").arg(&path))?;
    if out.status != 0 {
        return Err(t.err(failed(&format!("cat {path}"), &out)));
    }
    Ok(crate::perfstat::parse(&String::from_utf8_lossy(&out.stdout)).counters())
}
