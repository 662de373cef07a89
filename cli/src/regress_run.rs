//! One run of one regression scenario: start the built-in target (unless the scenario has a
//! URL), run `tfw-bench stress` (or `handshake`) as a child process of this same executable
//! with `--json`, wait for it (bounded), stop the target, and read the run's JSON.
//!
//! Child processes, not in-process runs: each run gets a fresh process (no state carried from
//! the run before), the same code path users run, and its own fd table (10,000 connections on
//! each side do not fit in one).

use crate::target::ChildTarget;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tfw_reports::history::matrix::{Kind, Protocol, Scenario};
use tfw_reports::report::target::TargetDoc;

/// Where the built-in target and the client run.
#[derive(Clone, Copy, Debug)]
pub struct Cpus {
    pub target: usize,
    pub client: usize,
}

impl Cpus {
    /// Target on the first CPU this process may use, client on the second (on a single CPU
    /// they share it).
    pub fn pick() -> Option<Cpus> {
        let allowed = tfw_engine::cpu::allowed_cpus();
        let target = *allowed.first()?;
        Some(Cpus {
            target,
            client: allowed.get(1).copied().unwrap_or(target),
        })
    }
}

/// Why a run gave no result.
#[derive(Debug)]
pub enum RunError {
    /// Stopped by SIGINT/SIGTERM.
    Interrupted,
    /// The target or the client failed; the text says how.
    Failed(String),
}

/// A finished run.
pub struct Done {
    pub json_path: PathBuf,
    pub doc: serde_json::Value,
}

/// How long a client may run beyond its duration (start-up, drain up to its 5 s timeout,
/// writing the JSON) before it is taken for hung and killed.
const GRACE: Duration = Duration::from_secs(60);

/// Runs `sc` once. Files go to `dir`: `<name>-<round>.json` (the run) and `<name>-<round>.log`
/// (the client's text output). `control` (`--testbed FILE` and its companions) is passed on
/// to the client, which then restarts the test-bed's target and watches it.
pub fn run_once(
    exe: &Path,
    sc: &Scenario,
    round: u32,
    cpus: Cpus,
    dir: &Path,
    control: &[String],
    stop: &AtomicBool,
) -> Result<Done, RunError> {
    let base = format!("{}-{round}", sc.name);
    let json_path = dir.join(format!("{base}.json"));
    let log_path = dir.join(format!("{base}.log"));
    let _ = std::fs::remove_file(&json_path);
    let target = match &sc.url {
        Some(_) => None,
        None => Some(start_target(sc, cpus)?),
    };
    let dest = destination(sc, target.as_ref().map(|t| t.addr))?;
    let mut args = client_args(sc, &dest, &json_path, target.is_some().then_some(cpus));
    args.extend(control.iter().cloned());
    let log = File::create(&log_path)
        .map_err(|e| RunError::Failed(format!("cannot write {}: {e}", log_path.display())))?;
    let log2 = log
        .try_clone()
        .map_err(|e| RunError::Failed(format!("{}: {e}", log_path.display())))?;
    let child = Command::new(exe)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| RunError::Failed(format!("cannot start the client: {e}")))?;
    let status = wait(child, sc.duration + GRACE, stop);
    if let Some(t) = target {
        // Its counts are in the client's log already; a target that will not exit is killed.
        let _ = t.stop();
    }
    match status? {
        0 => {}
        130 => return Err(RunError::Interrupted),
        code => {
            if let Some(why) = findings(&json_path) {
                return Err(RunError::Failed(format!(
                    "{why} (the client exited with status {code}; run: {})",
                    json_path.display()
                )));
            }
            return Err(RunError::Failed(format!(
                "the client exited with status {code}: {} (log: {})",
                last_error(&log_path).unwrap_or_else(|| "no error message".to_string()),
                log_path.display()
            )));
        }
    }
    let text = std::fs::read_to_string(&json_path)
        .map_err(|e| RunError::Failed(format!("no run JSON {}: {e}", json_path.display())))?;
    let doc = serde_json::from_str(&text)
        .map_err(|e| RunError::Failed(format!("{} is not JSON: {e}", json_path.display())))?;
    Ok(Done { json_path, doc })
}

fn start_target(sc: &Scenario, cpus: Cpus) -> Result<ChildTarget, RunError> {
    let body = sc.body_size.to_string();
    let delay = format!("{}us", sc.delay.as_micros());
    let mut args = vec!["--body-size", body.as_str()];
    if !sc.delay.is_zero() {
        args.extend(["--delay", delay.as_str()]);
    }
    if sc.uses_tls() {
        args.push("--tls");
    }
    ChildTarget::start_with(cpus.target, &args)
        .map_err(|e| RunError::Failed(format!("built-in target: {e:#}")))
}

/// The client's destination: a URL for `stress`, HOST:PORT for `handshake`.
fn destination(sc: &Scenario, builtin: Option<std::net::SocketAddr>) -> Result<String, RunError> {
    match (sc.kind, builtin, &sc.url) {
        (Kind::Load, Some(addr), _) => {
            let scheme = if sc.uses_tls() { "https" } else { "http" };
            Ok(format!("{scheme}://{addr}/"))
        }
        (Kind::Handshake, Some(addr), _) => Ok(addr.to_string()),
        (Kind::Load, None, Some(u)) => Ok(u.clone()),
        (Kind::Handshake, None, Some(u)) => {
            let t = tfw_scenarios::Target::parse(u)
                .map_err(|e| RunError::Failed(format!("{u}: {e}")))?;
            Ok(if t.host.contains(':') {
                format!("[{}]:{}", t.host, t.port)
            } else {
                format!("{}:{}", t.host, t.port)
            })
        }
        (_, None, None) => Err(RunError::Failed("no target".to_string())),
    }
}

/// The client's command line (after the executable).
fn client_args(sc: &Scenario, dest: &str, json: &Path, pin: Option<Cpus>) -> Vec<String> {
    let command = match sc.kind {
        Kind::Load => "stress",
        Kind::Handshake => "handshake",
    };
    let mut a: Vec<String> = vec![command.into(), dest.into(), "--json".into()];
    a.push(json.display().to_string());
    a.push("--quiet".into());
    if let Some(c) = pin {
        a.extend(["--cpus".into(), c.client.to_string()]);
    }
    a.extend(["--conns".into(), sc.connections.to_string()]);
    a.extend([
        "--duration".into(),
        format!("{}ms", sc.duration.as_millis()),
    ]);
    match sc.protocol {
        Protocol::Http1 => {}
        Protocol::H2 => a.push("--h2".into()),
        Protocol::H2c => a.push("--h2c".into()),
    }
    let mut opt = |flag: &str, v: Option<String>| {
        if let Some(v) = v {
            a.extend([flag.to_string(), v]);
        }
    };
    opt("--streams", sc.streams.map(|v| v.to_string()));
    opt("--pipeline", sc.pipeline.map(|v| v.to_string()));
    opt("--rate", sc.rate.map(|v| v.to_string()));
    opt("--tls", sc.tls.clone());
    for h in &sc.headers {
        a.extend(["--header".into(), h.clone()]);
    }
    a
}

/// Waits for the child's exit status; kills it (and says so) after `limit` or when `stop` is
/// raised.
fn wait(mut child: Child, limit: Duration, stop: &AtomicBool) -> Result<i32, RunError> {
    let end = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return Ok(st.code().unwrap_or(128 + 9)),
            Ok(None) => {}
            Err(e) => return Err(RunError::Failed(format!("waiting for the client: {e}"))),
        }
        if stop.load(Ordering::Relaxed) {
            // A terminal's Ctrl-C reaches the child too; give it a moment to write its files.
            let grace = Instant::now() + Duration::from_secs(3);
            while Instant::now() < grace {
                if let Ok(Some(_)) = child.try_wait() {
                    return Err(RunError::Interrupted);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::Interrupted);
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::Failed(format!(
                "the client did not finish within {}s: killed",
                limit.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The controlled target's kernel-log findings in a run's document, as one line (what fails
/// a `--testbed` run that otherwise went well).
fn findings(json: &Path) -> Option<String> {
    let text = std::fs::read_to_string(json).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    TargetDoc::of(&doc)?.ok()?.findings_line()
}

/// The last `tfw-bench: error:` line of a client log.
fn last_error(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .rev()
        .find(|l| l.contains("error:"))
        .map(|l| l.trim().to_string())
}
