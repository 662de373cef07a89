//! What the `regress` job says while it works, apart from its summary ([`super::summary`]):
//! the plan of the matrix, the invocation it opened, one progress line per run ("[2/5] h1-small
//! ... requests/s 181,235, ..."), the exports written, and the phrases the summary quotes (what
//! the baseline is, the minimum effects). Pure functions, so that the exact text is pinned by
//! tests here; the binary only prints them (the progress on stderr, the plan on stdout for
//! `--dry-run`).

use super::compare::{Metric, Thresholds};
use super::db::TargetFacts;
use super::matrix::Scenario;
use super::run::RunFigures;
use super::summary::format_value;
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

/// What the comparison is made against.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Baseline {
    /// The runs of the last K invocations that ran the scenario (same load settings).
    Last(usize),
    /// The runs of one invocation.
    Invocation(i64),
}

impl Baseline {
    /// The baseline in words, as the summary shows it.
    pub fn describe(self) -> String {
        match self {
            Baseline::Last(1) => "the last invocation that ran the scenario".to_string(),
            Baseline::Last(k) => format!("the last {k} invocations that ran the scenario"),
            Baseline::Invocation(id) => format!("invocation {id}"),
        }
    }
}

/// The minimum effects in words: "5 %", or "5 % (p99_us 10 %)" with per-metric ones.
pub fn describe_effects(t: &Thresholds) -> String {
    let mut s = format!("{} %", t.min_effect * 100.0);
    let extra: Vec<String> = t
        .per_metric
        .iter()
        .map(|(k, v)| format!("{} {} %", k.key(), v * 100.0))
        .collect();
    if !extra.is_empty() {
        let _ = write!(s, " ({})", extra.join(", "));
    }
    s
}

/// "Matrix: SOURCE: N scenario(s); S s of load" and one line per scenario: repeats, length,
/// target.
pub fn plan_text(plan: &[Scenario], source: &str) -> String {
    let load: Duration = plan.iter().map(|s| s.duration * s.repeats).sum();
    let mut text = format!(
        "Matrix: {source}: {} scenario(s); {:.0} s of load\n",
        plan.len(),
        load.as_secs_f64()
    );
    for s in plan {
        let _ = writeln!(
            text,
            "  {:<20} {} x {:.1} s, {}",
            s.name,
            s.repeats,
            s.duration.as_secs_f64(),
            s.url.as_deref().unwrap_or("built-in target")
        );
    }
    text
}

/// "invocation ID; history FILE": the invocation opened in the history.
pub fn invocation_started(id: i64, history: &Path) -> String {
    format!("invocation {id}; history {}\n", history.display())
}

/// After [`invocation_started`] with `--testbed`: what was read from the controlled target.
pub fn target_facts(t: &TargetFacts) -> String {
    format!(
        "target: revision {}, kernel {}\n",
        t.revision.as_deref().unwrap_or("unknown"),
        t.kernel.as_deref().unwrap_or("unknown")
    )
}

/// The start of a run's progress line, "[ROUND/REPEATS] NAME ... ", ended by one of
/// [`run_figures_line`], [`run_failed`] or [`RUN_INTERRUPTED`] when the run is over.
pub fn run_started(round: u32, repeats: u32, name: &str) -> String {
    format!("[{round}/{repeats}] {name} ... ")
}

/// The end of the progress line of a run that was interrupted.
pub const RUN_INTERRUPTED: &str = "interrupted\n";

/// The end of the progress line of a run that failed, and why.
pub fn run_failed(why: &str) -> String {
    format!("failed: {why}\n")
}

/// The end of the progress line of a run that was stored: its metrics, "requests/s 181,235,
/// p50 latency 412µs, ...".
pub fn run_figures_line(f: &RunFigures) -> String {
    let mut s = Metric::ALL
        .iter()
        .filter_map(|&m| {
            f.get(m.key())
                .map(|v| format!("{} {}", m.label(), format_value(m, v)))
        })
        .collect::<Vec<_>>()
        .join(", ");
    s.push('\n');
    s
}

/// After writing a BMF export.
pub fn bmf_written(path: &Path) -> String {
    format!("BMF export: {}\n", path.display())
}

/// After writing a github-action-benchmark export, as its two files.
pub fn gab_written(smaller: &Path, bigger: &Path) -> String {
    format!(
        "github-action-benchmark export: {} (customSmallerIsBetter), {} (customBiggerIsBetter)\n",
        smaller.display(),
        bigger.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::matrix::Matrix;
    use serde_json::json;

    #[test]
    fn baselines_and_effects() {
        assert_eq!(
            Baseline::Last(1).describe(),
            "the last invocation that ran the scenario"
        );
        assert_eq!(
            Baseline::Last(3).describe(),
            "the last 3 invocations that ran the scenario"
        );
        assert_eq!(Baseline::Invocation(17).describe(), "invocation 17");
        let mut t = Thresholds {
            alpha: 0.05,
            min_effect: 0.05,
            per_metric: Default::default(),
        };
        assert_eq!(describe_effects(&t), "5 %");
        t.per_metric.insert(Metric::P99, 0.1);
        t.per_metric.insert(Metric::Rps, 0.025);
        assert_eq!(describe_effects(&t), "5 % (rps 2.5 %, p99_us 10 %)");
    }

    #[test]
    fn plan() {
        let m = Matrix::parse(
            r#"
            [[scenario]]
            name = "h1-small"
            duration = "10s"
            repeats = 5

            [[scenario]]
            name = "nginx-h2"
            url = "https://127.0.0.1:8443/"
            protocol = "h2"
            duration = "2500ms"
            repeats = 3
            "#,
        )
        .unwrap();
        assert_eq!(
            plan_text(&m.scenarios, "bench/matrix/nightly.toml"),
            "Matrix: bench/matrix/nightly.toml: 2 scenario(s); 58 s of load\n\
             \x20 h1-small             5 x 10.0 s, built-in target\n\
             \x20 nginx-h2             3 x 2.5 s, https://127.0.0.1:8443/\n"
        );
        assert_eq!(
            plan_text(&[], "the default matrix"),
            "Matrix: the default matrix: 0 scenario(s); 0 s of load\n"
        );
    }

    #[test]
    fn progress_lines() {
        assert_eq!(
            invocation_started(4, Path::new("/var/lib/tfw/history.db")),
            "invocation 4; history /var/lib/tfw/history.db\n"
        );
        assert_eq!(run_started(2, 5, "h1-small"), "[2/5] h1-small ... ");
        assert_eq!(
            run_failed("the client exited with status 2"),
            "failed: the client exited with status 2\n"
        );
        assert_eq!(RUN_INTERRUPTED, "interrupted\n");
        let doc = json!({
            "rps": 181234.6,
            "latency_us": {"p50": 412.0, "p99": 1830.0},
            "cpu": {"us_per_response": 5.523},
            "errors": {"timeout": 2, "reset": 1},
        });
        let f = RunFigures::from_json(&doc).unwrap();
        assert_eq!(
            run_figures_line(&f),
            "requests/s 181,235, p50 latency 412µs, p99 latency 1.83ms, \
             client CPU/response 5.52µs, errors 3\n"
        );
    }

    #[test]
    fn export_lines() {
        assert_eq!(
            bmf_written(Path::new("out/bench.json")),
            "BMF export: out/bench.json\n"
        );
        assert_eq!(
            gab_written(Path::new("out/gab.json"), Path::new("out/gab.bigger.json")),
            "github-action-benchmark export: out/gab.json (customSmallerIsBetter), \
             out/gab.bigger.json (customBiggerIsBetter)\n"
        );
    }

    #[test]
    fn target_facts_line() {
        let t = TargetFacts {
            revision: Some("v0.8.0-1-gabcdef0".into()),
            kernel: Some("5.10.35.tfw-04d37a1".into()),
        };
        assert_eq!(
            target_facts(&t),
            "target: revision v0.8.0-1-gabcdef0, kernel 5.10.35.tfw-04d37a1\n"
        );
        assert_eq!(
            target_facts(&TargetFacts::default()),
            "target: revision unknown, kernel unknown\n"
        );
    }
}
