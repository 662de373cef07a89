//! `tfw-bench regress`: the nightly performance regression job.
//!
//! Reads the matrix (or the built-in default), runs every scenario `repeats` times interleaved (round 1 of all scenarios, then round 2,
//! ...: machine noise spreads over all of them instead of hitting one), stores each run in the
//! history as it finishes (one transaction per run), compares each metric with the baseline
//! (Mann–Whitney U plus a minimum effect, see tfw_reports::history::compare), and writes
//! summary.md (also printed), report.html and the exports. What it prints is
//! `tfw_reports::history`'s (`job` for the plan and the progress lines, `summary`).
//!
//! With `--testbed FILE` the scenarios load the test-bed's target (its URL from `--url` or
//! the matrix; the built-in target is not used): before the matrix, the target's host is
//! reached and its facts read (revision: `git describe` of Tempesta's srcdir; kernel: `uname
//! -r` there) into the history; each child `stress` gets `--testbed` and its companions, so
//! each run restarts the target and records its counters and kernel log. A run failed by
//! kernel-log findings is a failed scenario with the findings as its reason, not a regression.
//!
//! Exit status: 0 nothing regressed, 1 something regressed, 2 broken setup (bad matrix or
//! option, unwritable history or output, target unreachable, a scenario that could not run),
//! 130 interrupted.
//!
//! Built with the `test-hooks` feature (the tests' build only), a run's write can pause inside
//! its transaction: see `test_hooks.rs`.

use crate::cli::exit;
use crate::cli::history::RegressOpts;
use crate::cli::target::TargetOpts;
use crate::regress_out;
use crate::regress_run::{self, Cpus, RunError};
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tfw_reports::history::compare::{compare, Comparison, Metric};
use tfw_reports::history::db::{History, NewInvocation, NewRun, TargetFacts};
use tfw_reports::history::host::HostFacts;
use tfw_reports::history::job::{self, Baseline};
use tfw_reports::history::matrix::{Matrix, Scenario};
use tfw_reports::history::run::RunFigures;
use tfw_reports::history::summary::{Outcome, ScenarioOutcome, ScenarioStatus};

/// The default matrix, for `regress` without `--matrix`.
pub const DEFAULT_MATRIX: &str = include_str!("../matrix/default.toml");

/// `--baseline last:K|ID`.
fn parse_baseline(s: &str) -> Result<Baseline> {
    if let Some(k) = s.strip_prefix("last:") {
        match k.parse::<usize>() {
            Ok(k) if k > 0 => return Ok(Baseline::Last(k)),
            _ => bail!("--baseline {s:?}: expected last:K with K at least 1"),
        }
    }
    match s.parse::<i64>() {
        Ok(id) if id > 0 => Ok(Baseline::Invocation(id)),
        _ => {
            bail!("--baseline {s:?}: expected last:K or an invocation id (tfw-bench history list)")
        }
    }
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
    let baseline = parse_baseline(&o.baseline)?;
    let exports = regress_out::parse_exports(&o.export)?;
    for s in &matrix.scenarios {
        if let Some(u) = &s.url {
            tfw_scenarios::Target::parse(u)
                .with_context(|| format!("scenario {:?}: url {u:?}", s.name))?;
        }
    }
    let control = control_args(&o.control)?;
    if o.control.testbed.is_some() {
        if let Some(sc) = matrix.scenarios.iter().find(|s| s.url.is_none()) {
            bail!(
                "scenario {:?} has no URL: with --testbed the load goes to the test-bed's \
                 target, give its URL with --url (or a url per scenario in the matrix)",
                sc.name
            );
        }
    }
    let plan = matrix.scenarios.clone();
    let plan_text = job::plan_text(&plan, &source);
    if o.dry_run {
        print!("{plan_text}");
    } else {
        eprint!("{plan_text}");
    }
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
    // With a test-bed, each run (re)starts the target: it need not answer yet.
    let target = match target_facts(&o.control)? {
        Some(t) => t,
        None => {
            preflight(&plan)?;
            TargetFacts::default()
        }
    };
    let target_version = o.target_version.clone().or_else(|| target.revision.clone());
    let cpus = Cpus::pick().context("no CPU available")?;
    let invocation_id = history.begin_invocation(&NewInvocation {
        started_unix_s: now_s(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        tool_commit: option_env!("TFW_BENCH_COMMIT").map(str::to_string),
        target_version: target_version.clone(),
        host: host_facts(),
        matrix: matrix_text,
    })?;
    if !target.is_empty() {
        history.record_target(invocation_id, &target)?;
    }
    eprint!("{}", job::invocation_started(invocation_id, &o.history));
    if o.control.testbed.is_some() {
        eprint!("{}", job::target_facts(&target));
    }

    let mut status = vec![ScenarioStatus::Ran(0); plan.len()];
    #[cfg(feature = "test-hooks")]
    let mut stored = 0u64;
    let mut run_files: Vec<Vec<std::path::PathBuf>> = vec![Vec::new(); plan.len()];
    let mut interrupted = false;
    let rounds = plan.iter().map(|sc| sc.repeats).max().unwrap_or(0);
    'rounds: for round in 1..=rounds {
        for (i, sc) in plan.iter().enumerate() {
            if round > sc.repeats || !matches!(status[i], ScenarioStatus::Ran(_)) {
                continue;
            }
            if stop.load(Ordering::Relaxed) {
                interrupted = true;
                break 'rounds;
            }
            eprint!("{}", job::run_started(round, sc.repeats, &sc.name));
            let _ = std::io::stderr().flush();
            let done =
                match regress_run::run_once(&exe, sc, round, cpus, &runs_dir, &control, &stop) {
                    Ok(d) => d,
                    Err(RunError::Interrupted) => {
                        eprint!("{}", job::RUN_INTERRUPTED);
                        interrupted = true;
                        break 'rounds;
                    }
                    Err(RunError::Failed(why)) => {
                        eprint!("{}", job::run_failed(&why));
                        status[i] = ScenarioStatus::Failed(why);
                        continue;
                    }
                };
            let figures = match RunFigures::from_json(&done.doc) {
                Ok(f) => f,
                Err(e) => {
                    let why = format!("{}: {e}", done.json_path.display());
                    eprint!("{}", job::run_failed(&why));
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
            #[cfg(feature = "test-hooks")]
            {
                stored += 1;
                history.insert_run_with_hook(&run, || crate::test_hooks::pause_in_write(stored))?;
            }
            #[cfg(not(feature = "test-hooks"))]
            history.insert_run(&run)?;
            if let ScenarioStatus::Ran(k) = &mut status[i] {
                *k += 1;
            }
            run_files[i].push(done.json_path.clone());
            eprint!("{}", job::run_figures_line(&figures));
        }
    }
    history.finish_invocation(invocation_id, now_s())?;

    let mut scenarios = Vec::with_capacity(plan.len());
    for (sc, mut st) in plan.iter().zip(status) {
        if st == ScenarioStatus::Ran(0) {
            // Only an interrupted invocation leaves a runnable scenario without a run.
            st = ScenarioStatus::Skipped("interrupted before its first run".to_string());
        }
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
        target_version,
        target,
        baseline: baseline.describe(),
        alpha: matrix.thresholds.alpha,
        min_effect: job::describe_effects(&matrix.thresholds),
        scenarios,
        interrupted,
    };
    let with_files: Vec<(Scenario, Vec<std::path::PathBuf>)> =
        plan.iter().cloned().zip(run_files).collect();
    regress_out::write_all(&o.out, &outcome, &history, &with_files, &exports)?;

    Ok(if outcome.failed() > 0 {
        exit::SETUP
    } else if interrupted {
        exit::INTERRUPTED
    } else if outcome.regressed() > 0 {
        exit::REGRESSED
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

/// The arguments every child run gets for `--testbed` and its companions (checked here, so
/// that a bad one stops the job before anything runs).
fn control_args(o: &TargetOpts) -> Result<Vec<String>> {
    let Some(tb) = &o.testbed else {
        return Ok(Vec::new());
    };
    let mut a = vec!["--testbed".to_string(), absolute(tb)?];
    if let Some(c) = &o.target_config {
        std::fs::metadata(c)
            .with_context(|| format!("--target-config {}: cannot read it", c.display()))?;
        a.extend(["--target-config".to_string(), absolute(c)?]);
    }
    if let Some(d) = &o.reload_every {
        let every = crate::parse::duration(d).with_context(|| format!("--reload-every {d:?}"))?;
        if every.is_zero() {
            bail!("--reload-every {d:?}: must be above zero");
        }
        a.extend(["--reload-every".to_string(), d.clone()]);
    }
    if o.accept_new_host_key {
        a.push("--accept-new-host-key".to_string());
    }
    Ok(a)
}

/// `p` made absolute against the working directory (the children share it; the runs'
/// documents then name the file wherever they are read).
fn absolute(p: &Path) -> Result<String> {
    Ok(std::path::absolute(p)
        .with_context(|| format!("{}", p.display()))?
        .display()
        .to_string())
}

/// `--testbed`: reaches the target's host (host key verified, authenticated) and reads its
/// revision and kernel. Anything wrong stops the job (exit 2) before the matrix runs.
fn target_facts(o: &TargetOpts) -> Result<Option<TargetFacts>> {
    use tfw_testbed::{file::Testbed, host::ConnectOptions, target::Target};
    let Some(path) = &o.testbed else {
        return Ok(None);
    };
    let tb = Testbed::load(path)?;
    if tb.tempesta.kind.is_none() {
        bail!(
            "{}: [tempesta] has no kind: regress --testbed needs a target to control \
             (kind = \"tempesta\" or \"command\")",
            path.display()
        );
    }
    let opts = ConnectOptions {
        known_hosts: tb.general.known_hosts.clone(),
        accept_new_host_key: o.accept_new_host_key,
        connect_timeout: tb.general.connect_timeout,
    };
    let mut t = Target::open(&tb, &opts)?;
    let f = t
        .facts()
        .context("cannot read the target's revision and kernel")?;
    Ok(Some(TargetFacts {
        revision: f.revision,
        kernel: f.kernel,
    }))
}

/// A real target that refuses connections is a broken setup: found before anything runs.
fn preflight(plan: &[Scenario]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for sc in plan {
        let Some(u) = &sc.url else { continue };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines() {
        assert_eq!(parse_baseline("last:3").unwrap(), Baseline::Last(3));
        assert_eq!(parse_baseline("17").unwrap(), Baseline::Invocation(17));
        assert!(parse_baseline("last:0").is_err());
        assert!(parse_baseline("last:x").is_err());
        assert!(parse_baseline("yesterday").is_err());
        assert!(parse_baseline("-1").is_err());
    }

    #[test]
    fn the_default_matrix_parses() {
        let m = Matrix::parse(DEFAULT_MATRIX).unwrap();
        assert_eq!(m.scenarios.len(), 7);
    }
}
