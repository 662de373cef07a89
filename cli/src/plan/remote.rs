//! `tfw-bench remote`: the options checked and turned into a plan before anything connects,
//! so that bad input is one line and exit 2 without touching the host: the test-bed file
//! read and validated, files to upload read, regular expressions compiled, the `--json`
//! flag only where it means something, the upload mode a real mode.

use crate::cli::remote::{RemoteAction, RemoteOpts};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::Duration;
use tfw_testbed::file::Testbed;
use tfw_testbed::host::{Cmd, ConnectOptions};
use tfw_testbed::target::LogMark;

/// What to do, checked.
pub struct Plan {
    pub testbed: Testbed,
    pub connect: ConnectOptions,
    pub json: bool,
    pub action: Action,
}

pub enum Action {
    Start {
        config: Option<Vec<u8>>,
    },
    Stop,
    Reload {
        config: Option<Vec<u8>>,
    },
    Status,
    Perfstat,
    /// `dmesg --mark`.
    Mark,
    /// `dmesg [--since MARK]`: the log after the mark, else all of it; `ignore` holds the
    /// test-bed's list and the command line's.
    Scan {
        since: Option<LogMark>,
        ignore: Vec<String>,
    },
    Exec {
        cmd: Cmd,
        timeout: Duration,
    },
    Upload {
        data: Vec<u8>,
        remote: String,
        mode: i32,
    },
    Download {
        remote: String,
        local: PathBuf,
    },
}

impl Action {
    /// True for the actions that control the target (they need `[tempesta] kind`); the
    /// others only need its host.
    pub fn needs_kind(&self) -> bool {
        matches!(
            self,
            Action::Start { .. }
                | Action::Stop
                | Action::Reload { .. }
                | Action::Status
                | Action::Perfstat
        )
    }
}

pub fn plan(o: RemoteOpts) -> Result<Plan> {
    if o.json
        && !matches!(
            o.action,
            RemoteAction::Status | RemoteAction::Perfstat | RemoteAction::Dmesg { .. }
        )
    {
        bail!("--json applies to status, perfstat and dmesg only");
    }
    let Some(path) = &o.testbed else {
        bail!("remote: --testbed FILE is required (the test-bed file naming the target)");
    };
    let testbed = Testbed::load(path)?;
    let g = &testbed.general;
    let connect = ConnectOptions {
        known_hosts: g.known_hosts.clone(),
        accept_new_host_key: o.accept_new_host_key,
        connect_timeout: g.connect_timeout,
    };
    let command_timeout = g.command_timeout;
    let action = match o.action {
        RemoteAction::Start { config } => Action::Start {
            config: read_config(config)?,
        },
        RemoteAction::Stop => Action::Stop,
        RemoteAction::Reload { config } => Action::Reload {
            config: read_config(config)?,
        },
        RemoteAction::Status => Action::Status,
        RemoteAction::Perfstat => Action::Perfstat,
        RemoteAction::Dmesg { mark: true, .. } => Action::Mark,
        RemoteAction::Dmesg { since, ignore, .. } => {
            let since = since.map(|m| check_mark(&m)).transpose()?;
            let mut all = testbed.general.dmesg_ignore.clone();
            all.extend(ignore);
            // Compiles every expression: a bad one is named now, before connecting.
            tfw_testbed::kernel_log::scan("", &all)
                .map_err(|e| anyhow::anyhow!("dmesg ignore list: {}", one_line(&e)))?;
            Action::Scan { since, ignore: all }
        }
        RemoteAction::Exec { timeout, argv } => {
            if argv.first().is_none_or(|p| p.is_empty()) {
                bail!("exec: no program given (exec -- PROGRAM ARGS...)");
            }
            let mut cmd = Cmd::new(&argv[0]);
            for a in &argv[1..] {
                cmd = cmd.arg(a);
            }
            let timeout = match timeout {
                Some(t) => {
                    let d = crate::parse::duration(&t).context("exec --timeout")?;
                    if d.is_zero() {
                        bail!("exec --timeout {t}: must be above zero");
                    }
                    d
                }
                None => command_timeout,
            };
            Action::Exec { cmd, timeout }
        }
        RemoteAction::Upload {
            local,
            remote,
            mode,
        } => {
            let data = std::fs::read(&local)
                .with_context(|| format!("upload: cannot read {}", local.display()))?;
            Action::Upload {
                data,
                remote: check_remote(&remote)?,
                mode: parse_mode(&mode)?,
            }
        }
        RemoteAction::Download { remote, local } => {
            if local.is_dir() {
                bail!(
                    "download: {} is a directory; give the local file's name",
                    local.display()
                );
            }
            Action::Download {
                remote: check_remote(&remote)?,
                local,
            }
        }
    };
    Ok(Plan {
        testbed,
        connect,
        json: o.json,
        action,
    })
}

fn read_config(path: Option<PathBuf>) -> Result<Option<Vec<u8>>> {
    path.map(|p| {
        std::fs::read(&p).with_context(|| format!("--config: cannot read {}", p.display()))
    })
    .transpose()
}

/// A multi-line message (the regex crate's) as one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A mark as `dmesg --mark` printed it: one non-empty line.
fn check_mark(m: &str) -> Result<LogMark> {
    let t = m.trim();
    if t.is_empty() || t.contains('\n') {
        bail!("--since {m:?}: not a mark (pass what `dmesg --mark` printed, quoted)");
    }
    Ok(LogMark(t.to_string()))
}

fn check_remote(p: &str) -> Result<String> {
    if p.is_empty() || p.contains('\0') {
        bail!("remote path {p:?}: empty or holds a NUL byte");
    }
    Ok(p.to_string())
}

/// An octal file mode, 0 to 07777 ("0644", "644", "0o600").
fn parse_mode(s: &str) -> Result<i32> {
    let digits = s.strip_prefix("0o").unwrap_or(s);
    match i32::from_str_radix(digits, 8) {
        Ok(m) if !digits.is_empty() && (0..=0o7777).contains(&m) => Ok(m),
        _ => bail!("--mode {s:?}: not an octal file mode (e.g. 0644, 0600)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(parse_mode("0644").unwrap(), 0o644);
        assert_eq!(parse_mode("600").unwrap(), 0o600);
        assert_eq!(parse_mode("0o755").unwrap(), 0o755);
        for bad in ["", "0o", "0999", "rw-r--r--", "10000", "-1"] {
            assert!(parse_mode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn marks() {
        assert_eq!(
            check_mark(" tfw-bench mark 0123 \n").unwrap(),
            LogMark("tfw-bench mark 0123".into())
        );
        assert!(check_mark("").is_err());
        assert!(check_mark("a\nb").is_err());
    }
}
