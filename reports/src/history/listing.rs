//! What `tfw-bench history` prints: the table of invocations (`list`), one invocation with its
//! runs (`show ID`) and the line after `prune`. Pure functions of the rows the history returns,
//! so that the tables' exact text is pinned by tests here; the binary only prints them.

use super::compare::Metric;
use super::db::{InvocationRow, RunRow};
use super::summary::format_value;
use super::when::format_unix;
use std::fmt::Write;

/// `history list`: one line per invocation under a header, or "no invocations".
pub fn invocations_table(invs: &[InvocationRow]) -> String {
    if invs.is_empty() {
        return "no invocations\n".to_string();
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>5}  {:<19}  {:<10}  {:<18}  {:<16}  {:<20}  {:<16}  {:>4}  scenarios",
        "id",
        "started (UTC)",
        "state",
        "tfw-bench",
        "target",
        "target revision",
        "target kernel",
        "runs"
    );
    for inv in invs {
        let _ = writeln!(
            s,
            "{:>5}  {:<19}  {:<10}  {:<18}  {:<16}  {:<20}  {:<16}  {:>4}  {}",
            inv.id,
            format_unix(inv.started_unix_s),
            if inv.finished_unix_s.is_some() {
                "finished"
            } else {
                "unfinished"
            },
            version(inv),
            inv.target_version.as_deref().unwrap_or("-"),
            inv.target.revision.as_deref().unwrap_or("-"),
            inv.target.kernel.as_deref().unwrap_or("-"),
            inv.runs,
            inv.scenarios.join(",")
        );
    }
    s
}

/// `history show ID`: the invocation's facts, then a table of its runs and their metrics.
pub fn invocation_details(inv: &InvocationRow, runs: &[RunRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "invocation {}", inv.id);
    let _ = writeln!(s, "  started   {} UTC", format_unix(inv.started_unix_s));
    match inv.finished_unix_s {
        Some(f) => _ = writeln!(s, "  finished  {} UTC", format_unix(f)),
        None => s.push_str("  finished  no (still running, interrupted or killed)\n"),
    }
    let _ = writeln!(s, "  tfw-bench {}", version(inv));
    let _ = writeln!(s, "  target    {}", target_line(inv));
    let _ = writeln!(
        s,
        "  host      {}; {}; {} CPUs",
        inv.host.kernel, inv.host.cpu_model, inv.host.cpu_cores
    );
    let _ = writeln!(s, "  runs      {}", runs.len());
    if runs.is_empty() {
        return s;
    }
    let _ = write!(s, "\n{:>6}  {:<20} {:>5}", "run", "scenario", "round");
    for m in Metric::ALL {
        let _ = write!(s, "  {:>14}", m.key());
    }
    let _ = writeln!(s, "  {:>8}", "hdr B");
    for r in runs {
        let _ = write!(s, "{:>6}  {:<20} {:>5}", r.id, r.scenario, r.round);
        for m in Metric::ALL {
            let v = r
                .metrics
                .get(m.key())
                .map_or("-".to_string(), |&v| format_value(m, v));
            let _ = write!(s, "  {v:>14}");
        }
        let _ = writeln!(s, "  {:>8}", r.histogram_bytes);
    }
    s
}

/// After `history prune`: how many invocations went and how many are left.
pub fn pruned_line(pruned: usize, left: usize) -> String {
    format!("pruned {pruned} invocation(s); {left} left\n")
}

/// The target's version as given, then what `regress --testbed` read from the target
/// (`git describe` of its source tree, its host's kernel) when known.
fn target_line(inv: &InvocationRow) -> String {
    let mut s = inv
        .target_version
        .clone()
        .unwrap_or_else(|| "-".to_string());
    if let Some(r) = &inv.target.revision {
        s.push_str(&format!("; revision {r}"));
    }
    if let Some(k) = &inv.target.kernel {
        s.push_str(&format!("; kernel {k}"));
    }
    s
}

/// "0.4.0 (abc1234)", or the version alone when the commit is unknown.
fn version(inv: &InvocationRow) -> String {
    match &inv.tool_commit {
        Some(c) => format!("{} ({c})", inv.tool_version),
        None => inv.tool_version.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::db::TargetFacts;
    use crate::history::host::HostFacts;

    fn invocation(id: i64, finished: bool) -> InvocationRow {
        InvocationRow {
            id,
            started_unix_s: 1_764_696_000.0,
            finished_unix_s: finished.then_some(1_764_696_123.0),
            tool_version: "0.4.0".to_string(),
            tool_commit: finished.then(|| "8496cd6".to_string()),
            target_version: finished.then(|| "tempesta-0.8".to_string()),
            target: TargetFacts {
                revision: finished.then(|| "v0.8.0-12-g1a2b3c4".to_string()),
                kernel: finished.then(|| "5.10.35.tfw-04d37a1".to_string()),
            },
            host: HostFacts {
                kernel: "Linux 6.8.0 x86_64".to_string(),
                cpu_model: "AMD EPYC 7B13".to_string(),
                cpu_cores: 2,
            },
            matrix: String::new(),
            runs: if finished { 4 } else { 0 },
            scenarios: if finished {
                vec!["h1-small".to_string(), "h2-100-streams".to_string()]
            } else {
                Vec::new()
            },
        }
    }

    fn run(id: i64, scenario: &str, round: u32, metrics: &[(&str, f64)]) -> RunRow {
        RunRow {
            id,
            invocation_id: 1,
            scenario: scenario.to_string(),
            load_key: String::new(),
            round,
            started_unix_s: 1_764_696_001.0,
            settings_json: "{}".to_string(),
            errors_json: "{}".to_string(),
            metrics: metrics.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
            histogram_bytes: 1834,
        }
    }

    #[test]
    fn list() {
        assert_eq!(invocations_table(&[]), "no invocations\n");
        let text = invocations_table(&[invocation(1, true), invocation(12, false)]);
        assert_eq!(
            text,
            "   id  started (UTC)        state       tfw-bench           target            target revision       target kernel     runs  scenarios\n\
             \x20   1  2025-12-02 17:20:00  finished    0.4.0 (8496cd6)     tempesta-0.8      v0.8.0-12-g1a2b3c4    5.10.35.tfw-04d37a1     4  h1-small,h2-100-streams\n\
             \x20  12  2025-12-02 17:20:00  unfinished  0.4.0               -                 -                     -                    0  \n"
        );
    }

    #[test]
    fn show() {
        let runs = [
            run(
                7,
                "h1-small",
                1,
                &[
                    ("rps", 181_234.4),
                    ("p50_us", 412.0),
                    ("p99_us", 1_830.0),
                    ("cpu_us_per_response", 5.52),
                    ("errors", 0.0),
                ],
            ),
            run(8, "h2-100-streams", 2, &[("rps", 95_000.0)]),
        ];
        let text = invocation_details(&invocation(1, true), &runs);
        assert_eq!(
            text,
            "invocation 1\n\
             \x20 started   2025-12-02 17:20:00 UTC\n\
             \x20 finished  2025-12-02 17:22:03 UTC\n\
             \x20 tfw-bench 0.4.0 (8496cd6)\n\
             \x20 target    tempesta-0.8; revision v0.8.0-12-g1a2b3c4; kernel 5.10.35.tfw-04d37a1\n\
             \x20 host      Linux 6.8.0 x86_64; AMD EPYC 7B13; 2 CPUs\n\
             \x20 runs      2\n\
             \n\
             \x20  run  scenario             round             rps          p50_us          p99_us  cpu_us_per_response          errors     hdr B\n\
             \x20    7  h1-small                 1         181,234           412µs          1.83ms          5.52µs               0      1834\n\
             \x20    8  h2-100-streams           2          95,000               -               -               -               -      1834\n"
        );

        let unfinished = invocation_details(&invocation(12, false), &[]);
        assert_eq!(
            unfinished,
            "invocation 12\n\
             \x20 started   2025-12-02 17:20:00 UTC\n\
             \x20 finished  no (still running, interrupted or killed)\n\
             \x20 tfw-bench 0.4.0\n\
             \x20 target    -\n\
             \x20 host      Linux 6.8.0 x86_64; AMD EPYC 7B13; 2 CPUs\n\
             \x20 runs      0\n"
        );
    }

    #[test]
    fn prune() {
        assert_eq!(pruned_line(3, 10), "pruned 3 invocation(s); 10 left\n");
    }
}
