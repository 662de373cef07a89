//! `tfw-bench regress`: the nightly performance regression job.
//!
//! Reads the matrix (or the built-in default), finds out which scenarios this binary can run,
//! runs every scenario `repeats` times interleaved (round 1 of all scenarios, then round 2,
//! ...: machine noise spreads over all of them instead of hitting one), stores each run in the
//! history as it finishes (one transaction per run), compares each metric with the baseline
//! (Mann–Whitney U plus a minimum effect, see tfw_reports::history::compare), and writes
//! summary.md (also printed), report.html and the exports.
//!
//! Exit status: 0 nothing regressed, 1 something regressed, 2 broken setup (bad matrix or
//! option, unwritable history or output, target unreachable, a scenario that could not run),
//! 130 interrupted.
//!
//! Test-only: with `TFW_BENCH_TEST_PAUSE_IN_WRITE=N` in the environment, the N-th run's write
//! prints `test-hook: paused inside the write of run N` on stdout and sleeps for up to 60 s
//! inside its transaction, so a test can kill -9 the process mid-write.

use crate::caps::Capabilities;
use crate::cli_history::RegressOpts;
use crate::regress_out;
use crate::regress_run::{self, Cpus, RunError};
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tfw_reports::history::compare::{compare, Comparison, Metric};
use tfw_reports::history::db::{History, NewInvocation, NewRun};
use tfw_reports::history::host::HostFacts;
use tfw_reports::history::matrix::{Matrix, Scenario};
use tfw_reports::history::run::RunFigures;
use tfw_reports::history::summary::{Outcome, ScenarioOutcome, ScenarioStatus};

/// The default matrix, for `regress` without `--matrix`.
pub const DEFAULT_MATRIX: &str = include_str!("../matrix/default.toml");

/// Exit codes.
const EXIT_REGRESSED: i32 = 1;
const EXIT_SETUP: i32 = 2;
const EXIT_INTERRUPTED: i32 = crate::stress::EXIT_INTERRUPTED;

/// The test hook's environment variable (see the module docs).
const PAUSE_HOOK_ENV: &str = "TFW_BENCH_TEST_PAUSE_IN_WRITE";

/// What the comparison is made against.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Baseline {
    /// The runs of the last K invocations that ran the scenario (same load settings).
    Last(usize),
    /// The runs of one invocation.
    Invocation(i64),
}

impl Baseline {
    fn parse(s: &str) -> Result<Baseline> {
        if let Some(k) = s.strip_prefix("last:") {
            match k.parse::<usize>() {
                Ok(k) if k > 0 => return Ok(Baseline::Last(k)),
                _ => bail!("--baseline {s:?}: expected last:K with K at least 1"),
            }
        }
        match s.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Baseline::Invocation(id)),
            _ => bail!(
                "--baseline {s:?}: expected last:K or an invocation id (tfw-bench history list)"
            ),
        }
    }

    fn describe(self) -> String {
        match self {
            Baseline::Last(1) => "the last invocation that ran the scenario".to_string(),
            Baseline::Last(k) => format!("the last {k} invocations that ran the scenario"),
            Baseline::Invocation(id) => format!("invocation {id}"),
        }
    }
}

/// A scenario and whether it can run here.
struct Planned {
    scenario: Scenario,
    skip: Option<String>,
}

pub fn run(o: RegressOpts, stop: Arc<AtomicBool>) -> Result<i32> {
    let exe = std::env::current_exe().context("cannot find the tfw-bench executable")?;
    let (matrix_text, source) = match &o.matrix {
        Some(p) => (
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read matrix {}", p.display()))?,
            p.display().to_string(),
        ),
        None => (DEFAULT_MATRIX.to_string(), "the default matrix".to_string()),
    };
    let mut matrix = Matrix::parse(&matrix_text).with_context(|| format!("bad matrix {source}"))?;
    let duration = o
        .duration
        .as_deref()
        .map(crate::parse::duration)
        .transpose()
        .context("--duration")?;
    matrix
        .set_overrides(o.repeats, duration, o.url.as_deref())
        .context("bad option")?;
    if let Some(a) = o.alpha {
        if !(a > 0.0 && a < 1.0) {
            bail!("--alpha {a}: must be between 0 and 1");
        }
        matrix.thresholds.alpha = a;
    }
    if let Some(e) = o.min_effect {
        if !(e.is_finite() && e >= 0.0) {
            bail!("--min-effect {e}: must be 0 or above (0.05 = 5 %)");
        }
        matrix.thresholds.min_effect = e;
        matrix.thresholds.per_metric.clear();
    }
    let baseline = Baseline::parse(&o.baseline)?;
    let exports = regress_out::parse_exports(&o.export)?;
    for s in &matrix.scenarios {
        if let Some(u) = &s.url {
            tfw_scenarios::Target::parse(u)
                .with_context(|| format!("scenario {:?}: url {u:?}", s.name))?;
        }
    }
    let caps = Capabilities::detect(&exe, &["stress", "serve", "handshake"]);
    let plan: Vec<Planned> = matrix
        .scenarios
        .iter()
        .map(|s| Planned {
            scenario: s.clone(),
            skip: caps.missing(&s.requirements()),
        })
        .collect();
    print_plan(&plan, &source, o.dry_run);
    if o.dry_run {
        return Ok(0);
    }

    let runs_dir = o.out.join("runs");
    std::fs::create_dir_all(&runs_dir)
        .with_context(|| format!("cannot create output directory {}", runs_dir.display()))?;
    check_writable(&o.out)?;
    let mut history = History::open(&o.history)?;
    if let Baseline::Invocation(id) = baseline {
        if !history.has_invocation(id)? {
            bail!(
                "--baseline {id}: no such invocation in {}",
                o.history.display()
            );
        }
    }
    preflight(&plan)?;
    let cpus = Cpus::pick().context("no CPU available")?;
    let invocation_id = history.begin_invocation(&NewInvocation {
        started_unix_s: now_s(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        tool_commit: option_env!("TFW_BENCH_COMMIT").map(str::to_string),
        target_version: o.target_version.clone(),
        host: host_facts(),
        matrix: matrix_text,
    })?;
    eprintln!(
        "invocation {invocation_id}; history {}",
        o.history.display()
    );

    let mut status: Vec<ScenarioStatus> = plan
        .iter()
        .map(|p| match &p.skip {
            Some(why) => ScenarioStatus::Skipped(why.clone()),
            None => ScenarioStatus::Ran(0),
        })
        .collect();
    let pause_at: Option<u64> = std::env::var(PAUSE_HOOK_ENV)
        .ok()
        .and_then(|v| v.parse().ok());
    let mut stored = 0u64;
    let mut run_files: Vec<Vec<std::path::PathBuf>> = vec![Vec::new(); plan.len()];
    let mut interrupted = false;
    let rounds = plan.iter().map(|p| p.scenario.repeats).max().unwrap_or(0);
    'rounds: for round in 1..=rounds {
        for (i, p) in plan.iter().enumerate() {
            let sc = &p.scenario;
            if round > sc.repeats || !matches!(status[i], ScenarioStatus::Ran(_)) {
                continue;
            }
            if stop.load(Ordering::Relaxed) {
                interrupted = true;
                break 'rounds;
            }
            eprint!("[{round}/{}] {} ... ", sc.repeats, sc.name);
            let _ = std::io::stderr().flush();
            let done = match regress_run::run_once(&exe, sc, round, cpus, &caps, &runs_dir, &stop) {
                Ok(d) => d,
                Err(RunError::Interrupted) => {
                    eprintln!("interrupted");
                    interrupted = true;
                    break 'rounds;
                }
                Err(RunError::Failed(why)) => {
                    eprintln!("failed: {why}");
                    status[i] = ScenarioStatus::Failed(why);
                    continue;
                }
            };
            let figures = match RunFigures::from_json(&done.doc) {
                Ok(f) => f,
                Err(e) => {
                    let why = format!("{}: {e}", done.json_path.display());
                    eprintln!("failed: {why}");
                    status[i] = ScenarioStatus::Failed(why);
                    continue;
                }
            };
            let scenario_json = sc.to_json();
            let load_key = sc.load_key();
            let run = NewRun {
                invocation_id,
                scenario: &sc.name,
                load_key: &load_key,
                round,
                scenario_json: &scenario_json,
                figures: &figures,
            };
            stored += 1;
            let n = stored;
            history.insert_run_with_hook(&run, || {
                if pause_at == Some(n) {
                    println!("test-hook: paused inside the write of run {n}");
                    let _ = std::io::stdout().flush();
                    std::thread::sleep(Duration::from_secs(60));
                }
            })?;
            if let ScenarioStatus::Ran(k) = &mut status[i] {
                *k += 1;
            }
            run_files[i].push(done.json_path.clone());
            eprintln!("{}", one_line(&figures));
        }
    }
    history.finish_invocation(invocation_id, now_s())?;

    let mut scenarios = Vec::with_capacity(plan.len());
    for (p, mut st) in plan.iter().zip(status) {
        if st == ScenarioStatus::Ran(0) {
            // Only an interrupted invocation leaves a runnable scenario without a run.
            st = ScenarioStatus::Skipped("interrupted before its first run".to_string());
        }
        let sc = &p.scenario;
        let load_key = sc.load_key();
        let (baseline_ids, comparisons) = match st {
            ScenarioStatus::Ran(n) if n > 0 => {
                let ids = match baseline {
                    Baseline::Last(k) => {
                        history.last_invocations_with(&sc.name, &load_key, invocation_id, k)?
                    }
                    Baseline::Invocation(id) => vec![id],
                };
                let comps =
                    compare_scenario(&history, sc, &load_key, invocation_id, &ids, &matrix)?;
                (ids, comps)
            }
            _ => (Vec::new(), Vec::new()),
        };
        scenarios.push(ScenarioOutcome {
            name: sc.name.clone(),
            description: sc.description.clone(),
            status: st,
            baseline_invocations: baseline_ids,
            comparisons,
        });
    }
    let outcome = Outcome {
        invocation_id,
        target_version: o.target_version.clone(),
        baseline: baseline.describe(),
        alpha: matrix.thresholds.alpha,
        min_effect: describe_effects(&matrix),
        scenarios,
        interrupted,
    };
    let with_files: Vec<(Scenario, Vec<std::path::PathBuf>)> = plan
        .iter()
        .map(|p| p.scenario.clone())
        .zip(run_files)
        .collect();
    regress_out::write_all(&o.out, &outcome, &history, &with_files, &exports)?;

    Ok(if outcome.failed() > 0 {
        EXIT_SETUP
    } else if interrupted {
        EXIT_INTERRUPTED
    } else if outcome.regressed() > 0 {
        EXIT_REGRESSED
    } else {
        0
    })
}

fn compare_scenario(
    history: &History,
    sc: &Scenario,
    load_key: &str,
    invocation_id: i64,
    baseline_ids: &[i64],
    matrix: &Matrix,
) -> Result<Vec<Comparison>> {
    let mut out = Vec::new();
    for m in Metric::ALL {
        let base = history.samples(&sc.name, load_key, m.key(), baseline_ids)?;
        let cur = history.samples(&sc.name, load_key, m.key(), &[invocation_id])?;
        out.push(compare(&sc.name, m, &base, &cur, &matrix.thresholds));
    }
    Ok(out)
}

fn describe_effects(m: &Matrix) -> String {
    let t = &m.thresholds;
    let mut s = format!("{} %", t.min_effect * 100.0);
    let extra: Vec<String> = t
        .per_metric
        .iter()
        .map(|(k, v)| format!("{} {} %", k.key(), v * 100.0))
        .collect();
    if !extra.is_empty() {
        s.push_str(&format!(" ({})", extra.join(", ")));
    }
    s
}

fn print_plan(plan: &[Planned], source: &str, to_stdout: bool) {
    let load: Duration = plan
        .iter()
        .filter(|p| p.skip.is_none())
        .map(|p| p.scenario.duration * p.scenario.repeats)
        .sum();
    let mut text = format!(
        "Matrix: {source}: {} scenario(s), {} to run, {} skipped; {:.0} s of load\n",
        plan.len(),
        plan.iter().filter(|p| p.skip.is_none()).count(),
        plan.iter().filter(|p| p.skip.is_some()).count(),
        load.as_secs_f64()
    );
    for p in plan {
        let s = &p.scenario;
        let what = match &p.skip {
            Some(why) => format!("skipped: {why}"),
            None => format!(
                "{} x {:.1} s, {}",
                s.repeats,
                s.duration.as_secs_f64(),
                s.url.as_deref().unwrap_or("built-in target")
            ),
        };
        text.push_str(&format!("  {:<20} {what}\n", s.name));
    }
    if to_stdout {
        print!("{text}");
    } else {
        eprint!("{text}");
    }
}

/// A real target that refuses connections is a broken setup: found before anything runs.
fn preflight(plan: &[Planned]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for p in plan.iter().filter(|p| p.skip.is_none()) {
        let Some(u) = &p.scenario.url else { continue };
        if !seen.insert(u.clone()) {
            continue;
        }
        let t = tfw_scenarios::Target::parse(u).with_context(|| format!("url {u:?}"))?;
        let addr = t
            .resolve()
            .with_context(|| format!("target {u} cannot be resolved"))?;
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .with_context(|| format!("target {u} is unreachable ({addr})"))?;
    }
    Ok(())
}

fn check_writable(dir: &Path) -> Result<()> {
    let probe = dir.join(".tfw-bench-write-test");
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write in output directory {}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn host_facts() -> HostFacts {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    HostFacts::from_proc(&cpuinfo, &release, std::env::consts::ARCH)
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn one_line(f: &RunFigures) -> String {
    use tfw_reports::history::summary::format_value;
    Metric::ALL
        .iter()
        .filter_map(|&m| {
            f.get(m.key())
                .map(|v| format!("{} {}", m.label(), format_value(m, v)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines() {
        assert_eq!(Baseline::parse("last:3").unwrap(), Baseline::Last(3));
        assert_eq!(Baseline::parse("17").unwrap(), Baseline::Invocation(17));
        assert!(Baseline::parse("last:0").is_err());
        assert!(Baseline::parse("last:x").is_err());
        assert!(Baseline::parse("yesterday").is_err());
        assert!(Baseline::parse("-1").is_err());
    }

    #[test]
    fn the_default_matrix_parses() {
        let m = Matrix::parse(DEFAULT_MATRIX).unwrap();
        assert_eq!(m.scenarios.len(), 7);
    }
}
