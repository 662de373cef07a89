//! A `command` target: any server under test, controlled by the user's own shell commands
//! (`sh -c TEXT` on the target host, in `workdir`, with `TFW_CONFIG` set to the remote
//! config path when the test-bed names one), ready when its `ready_url` answers from this
//! machine, counted by nginx's stub_status at `stats_url`.

use super::{failed, probe, remote_path, Status, Target, TargetError};
use crate::counters::{parse_stub_status, Counters};
use crate::file::TargetKind;
use crate::host::{Cmd, Output};

struct Setup {
    start: String,
    stop: String,
    reload: Option<String>,
    status: Option<String>,
    ready_url: Option<String>,
    stats_url: Option<String>,
    config_path: Option<String>,
    config_file: Option<std::path::PathBuf>,
}

fn setup(t: &Target) -> Setup {
    let TargetKind::Command {
        start,
        stop,
        reload,
        status,
        ready_url,
        stats_url,
        config,
        config_file,
    } = t.kind().expect("dispatched on the kind")
    else {
        unreachable!("command:: called for a tempesta target")
    };
    Setup {
        start: start.clone(),
        stop: stop.clone(),
        reload: reload.clone(),
        status: status.clone(),
        ready_url: ready_url.clone(),
        stats_url: stats_url.clone(),
        config_path: config.as_ref().map(|c| remote_path(t.workdir(), c)),
        config_file: config_file.clone(),
    }
}

/// The user's `script` under `sh -c`, in workdir (made first), with TFW_CONFIG.
fn shell(t: &mut Target, s: &Setup, script: &str) -> Result<Output, TargetError> {
    let workdir = t.workdir().to_string();
    let out = t.run(&Cmd::new("mkdir").arg("-p").arg(&workdir))?;
    if out.status != 0 {
        return Err(t.err(failed(&format!("mkdir -p {workdir}"), &out)));
    }
    let mut cmd = Cmd::shell(script).cwd(&workdir);
    if let Some(p) = &s.config_path {
        cmd = cmd.env("TFW_CONFIG", p);
    }
    t.run(&cmd)
}

/// Start (or reload): upload the config, run the command, wait for ready_url.
pub(super) fn start(
    t: &mut Target,
    config: Option<&[u8]>,
    reload: bool,
) -> Result<Output, TargetError> {
    let s = setup(t);
    let (what, script) = if reload {
        match &s.reload {
            Some(r) => ("reload", r.clone()),
            None => return Err(t.err("the test-bed's [tempesta] has no reload command")),
        }
    } else {
        ("start", s.start.clone())
    };
    if let Some(data) = t.config_data(config, s.config_file.as_deref())? {
        let Some(path) = s.config_path.clone() else {
            return Err(t.err(
                "a config to upload was given but the test-bed's [tempesta] has no config (remote path)",
            ));
        };
        t.put(&data, &path)?;
    }
    let out = shell(t, &s, &script)?;
    if out.status != 0 {
        return Err(t.err(failed(&format!("{what} command"), &out)));
    }
    if let Some(url) = &s.ready_url {
        let timeout = t.testbed.general.ready_timeout;
        probe::wait_ready(url, timeout).map_err(|e| t.err(format!("after {what}: {e}")))?;
    }
    Ok(out)
}

/// Stop; a failing stop command is no error when the target is not running anyway.
pub(super) fn stop(t: &mut Target) -> Result<Output, TargetError> {
    let s = setup(t);
    let out = shell(t, &s, &s.stop.clone())?;
    if out.status != 0 {
        let why = failed("stop command", &out);
        return match status(t) {
            Ok(st) if !st.running => Ok(out),
            _ => Err(t.err(why)),
        };
    }
    Ok(out)
}

pub(super) fn status(t: &mut Target) -> Result<Status, TargetError> {
    let s = setup(t);
    if let Some(cmd) = &s.status {
        let out = shell(t, &s, &cmd.clone())?;
        let detail = match super::last_line(&out.stdout).or(super::last_line(&out.stderr)) {
            Some(l) => format!("status command exited {}: {l}", out.status),
            None => format!("status command exited {}", out.status),
        };
        return Ok(Status {
            running: out.status == 0,
            detail,
        });
    }
    if let Some(url) = &s.ready_url {
        return Ok(
            match probe::answers(url, t.testbed.general.connect_timeout) {
                Ok(()) => Status {
                    running: true,
                    detail: format!("{url} answers"),
                },
                Err(e) => Status {
                    running: false,
                    detail: format!("{url} does not answer: {e}"),
                },
            },
        );
    }
    Err(t.err("cannot tell whether the target runs: [tempesta] has neither status nor ready_url"))
}

pub(super) fn counters(t: &mut Target) -> Result<Option<Counters>, TargetError> {
    let s = setup(t);
    let Some(url) = s.stats_url else {
        return Ok(None);
    };
    let timeout = t.testbed.general.command_timeout;
    let (code, body) = probe::get(&url, timeout).map_err(|e| t.err(format!("stats_url: {e}")))?;
    if code != 200 {
        return Err(t.err(format!("stats_url {url} answered {code}, not 200")));
    }
    parse_stub_status(&String::from_utf8_lossy(&body))
        .map(Some)
        .map_err(|e| t.err(format!("{url}: {e}")))
}
