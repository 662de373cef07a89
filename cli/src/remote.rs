//! `tfw-bench remote`: drive the target of a test-bed by hand — start, stop, reload, status,
//! counters, the kernel log, a command, a file either way — through the same
//! `tfw_testbed::target::Target` that `stress --testbed` uses. Options are checked first
//! (`plan::remote`); then the host is connected (host key verified) and one action runs.
//! Printing is `tfw_reports::remote`'s.

use crate::cli::exit;
use crate::cli::remote::RemoteOpts;
use crate::plan::remote::{Action, Plan};
use anyhow::{Context, Result};
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tfw_reports::remote as print;
use tfw_testbed::host::{Cmd, Output};
use tfw_testbed::target::Target;

pub fn run(o: RemoteOpts) -> Result<i32> {
    // One action, no results to save: the first SIGINT/SIGTERM ends it at once, as
    // interrupted (the SSH session closes with the process).
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let now = Arc::new(AtomicBool::new(true));
        let _ = signal_hook::flag::register_conditional_shutdown(sig, exit::INTERRUPTED, now);
    }
    let p = crate::plan::remote::plan(o)?;
    let mut t = open(&p)?;
    let Plan { json, action, .. } = p;
    match action {
        Action::Start { config } => {
            let a = t.start(config.as_deref())?;
            pass_through(&a.output)?;
            println!("target started, ready in {:.2}s", a.took.as_secs_f64());
            Ok(0)
        }
        Action::Stop => {
            let a = t.stop()?;
            pass_through(&a.output)?;
            println!("target stopped in {:.2}s", a.took.as_secs_f64());
            Ok(0)
        }
        Action::Reload { config } => {
            let a = t.reload(config.as_deref())?;
            pass_through(&a.output)?;
            println!("target reloaded, ready in {:.2}s", a.took.as_secs_f64());
            Ok(0)
        }
        Action::Status => {
            let s = t.status()?;
            if json {
                println!("{}", print::status_json(&s));
            } else {
                print!("{}", print::status_text(&s));
            }
            Ok(if s.running { 0 } else { exit::FAILED })
        }
        Action::Perfstat => match t.counters()? {
            Some(c) => {
                if json {
                    println!("{}", print::counters_json(&c));
                } else {
                    print!("{}", print::counters_text(&c));
                }
                Ok(0)
            }
            None => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "source": null, "entries": [], "values": {}, "unknown_lines": [] })
                    );
                }
                eprintln!(
                    "tfw-bench: the target has no counters (a command target needs stats_url)"
                );
                Ok(exit::FAILED)
            }
        },
        Action::Mark => {
            let m = t.log_mark()?;
            if json {
                println!("{}", print::mark_json(&m));
            } else {
                println!("{}", m.0);
            }
            Ok(0)
        }
        Action::Scan { since, ignore } => {
            let log = match &since {
                Some(m) => t.log_since(m)?,
                None => whole_log(&mut t)?,
            };
            let s = tfw_testbed::kernel_log::scan(&log, &ignore)
                .map_err(|e| anyhow::anyhow!("dmesg: {e}"))?;
            if json {
                println!("{}", print::scan_json(&s));
            } else {
                print!("{}", print::findings_text(&s));
            }
            Ok(if s.findings.is_empty() {
                0
            } else {
                exit::FAILED
            })
        }
        Action::Exec { cmd, timeout } => {
            let out = t.host.exec(&cmd, timeout)?;
            pass_through(&out)?;
            Ok(out.status)
        }
        Action::Upload { data, remote, mode } => {
            t.host.upload(&data, &remote, mode)?;
            println!(
                "uploaded {} bytes to {}:{remote}",
                data.len(),
                t.host.name()
            );
            Ok(0)
        }
        Action::Download { remote, local } => {
            let data = t.host.download(&remote)?;
            std::fs::write(&local, &data)
                .with_context(|| format!("download: cannot write {}", local.display()))?;
            println!(
                "downloaded {} bytes from {}:{remote} to {}",
                data.len(),
                t.host.name(),
                local.display()
            );
            Ok(0)
        }
    }
}

/// The target (when the action controls it: the test-bed must name its kind), or its host
/// alone wrapped as one (exec, files, the kernel log need no kind).
fn open(p: &Plan) -> Result<Target> {
    if p.action.needs_kind() {
        #[allow(unused_mut)]
        let mut t = Target::open(&p.testbed, &p.connect)?;
        #[cfg(feature = "test-hooks")]
        test_paths(&mut t);
        Ok(t)
    } else {
        let host = tfw_testbed::host::connect(&p.testbed.tempesta.host, &p.connect)?;
        Ok(Target::with_host(host, p.testbed.clone()))
    }
}

/// Tests only (the `test-hooks` feature): with `TFW_BENCH_TEST_TEMPESTA_RUN=DIR`, Tempesta's
/// state and perfstat are read from `DIR/state` and `DIR/perfstat`, where the stand-in
/// tempesta.sh of testbed/testdata/standin writes them (real Tempesta cannot run in tests).
#[cfg(feature = "test-hooks")]
fn test_paths(t: &mut Target) {
    if let Some(dir) = std::env::var_os("TFW_BENCH_TEST_TEMPESTA_RUN") {
        let dir = std::path::PathBuf::from(dir);
        t.paths.perfstat = dir.join("perfstat").display().to_string();
        t.paths.state = dir.join("state").display().to_string();
    }
}

/// The kernel log as `dmesg` prints it now.
fn whole_log(t: &mut Target) -> Result<String> {
    let out = t.exec(&Cmd::new("dmesg"))?;
    if out.status != 0 {
        let why = String::from_utf8_lossy(&out.stderr);
        anyhow::bail!(
            "{}: dmesg failed (exit {}): {}",
            t.host.name(),
            out.status,
            why.lines().last().unwrap_or("no output")
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A remote command's output on ours: its stdout on stdout, its stderr on stderr.
fn pass_through(out: &Output) -> Result<()> {
    std::io::stdout().write_all(&out.stdout)?;
    std::io::stdout().flush()?;
    std::io::stderr().write_all(&out.stderr)?;
    Ok(())
}
