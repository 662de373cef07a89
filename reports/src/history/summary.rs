//! What a `regress` invocation found, for people: a Markdown table for CI logs (also printed)
//! and the same table as HTML for the report page.
//!
//! Every scenario of the matrix appears: compared, skipped (with why), or failed (with why),
//! so nothing is silently dropped.

use super::compare::{Comparison, Metric, Verdict};
use super::db::TargetFacts;
use crate::report::html::{escape, kv_table, note, page, section, table, Cell};
use crate::units::format_time_us;

/// What happened to one scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioStatus {
    /// Ran this many times.
    Ran(usize),
    /// Not run: the binary lacks a feature it needs.
    Skipped(String),
    /// Could not run (setup error, target unreachable, run died).
    Failed(String),
}

/// One scenario's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioOutcome {
    pub name: String,
    pub description: Option<String>,
    pub status: ScenarioStatus,
    /// Invocation ids the baseline came from (empty: no baseline yet).
    pub baseline_invocations: Vec<i64>,
    pub comparisons: Vec<Comparison>,
}

/// One invocation's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub invocation_id: i64,
    pub target_version: Option<String>,
    /// What `regress --testbed` read from the controlled target (revision, kernel).
    pub target: TargetFacts,
    /// How the baseline was chosen, e.g. "last 3 invocations".
    pub baseline: String,
    pub alpha: f64,
    /// e.g. "5 % (p99_us 10 %)".
    pub min_effect: String,
    pub scenarios: Vec<ScenarioOutcome>,
    /// Stopped by a signal before the end.
    pub interrupted: bool,
}

impl Outcome {
    fn count(&self, v: Verdict) -> usize {
        self.scenarios
            .iter()
            .flat_map(|s| &s.comparisons)
            .filter(|c| c.verdict == v && c.p_value.is_some())
            .count()
    }

    pub fn regressed(&self) -> usize {
        self.count(Verdict::Regressed)
    }

    pub fn improved(&self) -> usize {
        self.count(Verdict::Improved)
    }

    pub fn skipped(&self) -> usize {
        self.scenarios
            .iter()
            .filter(|s| matches!(s.status, ScenarioStatus::Skipped(_)))
            .count()
    }

    pub fn failed(&self) -> usize {
        self.scenarios
            .iter()
            .filter(|s| matches!(s.status, ScenarioStatus::Failed(_)))
            .count()
    }

    /// One line: "2 regressed, 1 improved, 12 unchanged; 3 scenarios skipped, 0 failed".
    pub fn verdict_line(&self) -> String {
        let all: usize = self.scenarios.iter().map(|s| s.comparisons.len()).sum();
        let (r, i) = (self.regressed(), self.improved());
        format!(
            "{r} regressed, {i} improved, {} unchanged; {} scenario(s) skipped, {} failed{}",
            all - r - i,
            self.skipped(),
            self.failed(),
            if self.interrupted {
                "; interrupted"
            } else {
                ""
            }
        )
    }
}

/// A metric's value for a table cell.
pub fn format_value(m: Metric, v: f64) -> String {
    match m {
        Metric::Rps => group_thousands(v),
        Metric::P50 | Metric::P99 => format_time_us(v),
        Metric::Cpu => format!("{v:.2}µs"),
        Metric::Errors => group_thousands(v),
    }
}

fn group_thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The cells of one comparison row: baseline, current, change, p, verdict.
fn cells(c: &Comparison) -> [String; 5] {
    let med = |v: Option<f64>, n: usize| match v {
        Some(x) => format!("{} (n={n})", format_value(c.metric, x)),
        None => "—".to_string(),
    };
    let change = match c.change {
        Some(x) if x.is_infinite() => "new".to_string(),
        Some(x) => format!("{:+.1} %", x * 100.0),
        None => "—".to_string(),
    };
    let p = c.p_value.map_or("—".to_string(), |p| format!("{p:.4}"));
    let verdict = match (c.verdict, c.p_value) {
        (_, None) => "unchanged (no baseline)".to_string(),
        (v, _) => v.as_str().to_string(),
    };
    [
        med(c.baseline_median, c.baseline.len()),
        med(c.current_median, c.current.len()),
        change,
        p,
        verdict,
    ]
}

fn status_text(s: &ScenarioStatus) -> Option<String> {
    match s {
        ScenarioStatus::Ran(_) => None,
        ScenarioStatus::Skipped(why) => Some(format!("skipped: {why}")),
        ScenarioStatus::Failed(why) => Some(format!("failed: {why}")),
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown summary.
pub fn markdown(o: &Outcome) -> String {
    let mut s = format!("## tfw-bench regress: invocation {}\n\n", o.invocation_id);
    if let Some(t) = &o.target_version {
        s.push_str(&format!("Target version: {}  \n", md_escape(t)));
    }
    if let Some(r) = &o.target.revision {
        s.push_str(&format!("Target revision: {}  \n", md_escape(r)));
    }
    if let Some(k) = &o.target.kernel {
        s.push_str(&format!("Target kernel: {}  \n", md_escape(k)));
    }
    s.push_str(&format!(
        "Baseline: {}; Mann–Whitney U, alpha {}, minimum effect {}\n\n",
        o.baseline, o.alpha, o.min_effect
    ));
    s.push_str("| scenario | metric | baseline median | current median | change | p | verdict |\n");
    s.push_str("|---|---|---:|---:|---:|---:|---|\n");
    for sc in &o.scenarios {
        if let Some(t) = status_text(&sc.status) {
            s.push_str(&format!(
                "| {} | — | — | — | — | — | {} |\n",
                sc.name,
                md_escape(&t)
            ));
        }
        for c in &sc.comparisons {
            let [b, cur, ch, p, v] = cells(c);
            let v = if c.verdict == Verdict::Regressed {
                format!("**{v}**")
            } else {
                v
            };
            s.push_str(&format!(
                "| {} | {} | {b} | {cur} | {ch} | {p} | {v} |\n",
                sc.name,
                c.metric.label()
            ));
        }
    }
    s.push_str(&format!("\n**Result:** {}\n", o.verdict_line()));
    s
}

/// The comparison table as HTML (the verdict cell coloured: `worse` regressed, `better`
/// improved).
pub fn html_table(o: &Outcome) -> String {
    let header: Vec<Cell> = [
        "scenario",
        "metric",
        "baseline median",
        "current median",
        "change",
        "p",
        "verdict",
    ]
    .into_iter()
    .map(Cell::text)
    .collect();
    let mut rows = Vec::new();
    for sc in &o.scenarios {
        if let Some(t) = status_text(&sc.status) {
            let mut r = vec![Cell::text(sc.name.as_str())];
            r.extend((0..5).map(|_| Cell::text("—")));
            r.push(Cell::text(t));
            rows.push(r);
        }
        for c in &sc.comparisons {
            let [b, cur, ch, p, v] = cells(c);
            let class = match c.verdict {
                Verdict::Regressed => "worse",
                Verdict::Improved => "better",
                Verdict::Unchanged => "",
            };
            rows.push(vec![
                Cell::text(sc.name.as_str()),
                Cell::text(c.metric.label()),
                Cell::num(b),
                Cell::num(cur),
                Cell::num(ch),
                Cell::num(p),
                Cell::text(v).with_class(class),
            ]);
        }
    }
    table(&header, &rows)
}

/// A self-contained HTML page: the invocation's facts, the comparison table, then `extra`
/// (HTML such as the trend plots, inserted as is).
pub fn html_page(o: &Outcome, extra: &str) -> String {
    let title = format!("tfw-bench regress: invocation {}", o.invocation_id);
    let mut facts = vec![
        ("baseline".to_string(), o.baseline.clone()),
        (
            "test".to_string(),
            format!(
                "Mann–Whitney U (two-sided), alpha {}, minimum effect {}",
                o.alpha, o.min_effect
            ),
        ),
        ("result".to_string(), o.verdict_line()),
    ];
    let mut target = Vec::new();
    if let Some(t) = &o.target_version {
        target.push(("target version".to_string(), t.clone()));
    }
    if let Some(r) = &o.target.revision {
        target.push(("target revision".to_string(), r.clone()));
    }
    if let Some(k) = &o.target.kernel {
        target.push(("target kernel".to_string(), k.clone()));
    }
    facts.splice(0..0, target);
    let body = format!(
        "<h1>{}</h1>\n{}{}{extra}",
        escape(&title),
        kv_table(&facts),
        section("Comparison with the baseline", &html_table(o)),
    );
    page(&title, &body)
}

/// The page's link to a scenario's full run plots (`tfw-bench report`'s, in
/// `scenarios/NAME/`).
pub fn runs_link(scenario: &str) -> String {
    format!(
        "<p>All plots of these runs: <a href=\"scenarios/{0}/{1}\">scenarios/{0}/{1}</a></p>\n",
        escape(scenario),
        crate::report::HTML_FILE
    )
}

/// The note standing in for a scenario's run plots that could not be made.
pub fn no_run_plots(why: &dyn std::fmt::Display) -> String {
    note(&format!("No run plots: {why}"))
}

/// The note standing in for a plot that could not be drawn.
pub fn not_drawn(title: &str, why: &dyn std::fmt::Display) -> String {
    note(&format!("{title}: not drawn ({why})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(0.0), "0");
        assert_eq!(group_thousands(999.0), "999");
        assert_eq!(group_thousands(75884.4), "75,884");
        assert_eq!(group_thousands(1234567.0), "1,234,567");
    }

    #[test]
    fn page_pieces() {
        assert_eq!(
            runs_link("h1-small"),
            "<p>All plots of these runs: <a href=\"scenarios/h1-small/report.html\">\
             scenarios/h1-small/report.html</a></p>\n"
        );
        assert_eq!(
            no_run_plots(&"no runs to report"),
            "<p class=\"note\">No run plots: no runs to report</p>\n"
        );
        assert_eq!(
            not_drawn("h1-small: requests/s", &"no data"),
            "<p class=\"note\">h1-small: requests/s: not drawn (no data)</p>\n"
        );
    }

    fn outcome(target: TargetFacts) -> Outcome {
        Outcome {
            invocation_id: 3,
            target_version: target.revision.clone(),
            target,
            baseline: "last 3 invocations".to_string(),
            alpha: 0.05,
            min_effect: "5 %".to_string(),
            scenarios: vec![ScenarioOutcome {
                name: "h1".to_string(),
                description: None,
                status: ScenarioStatus::Failed(
                    "the target's kernel log has findings: WARNING: at fw/sock.c".to_string(),
                ),
                baseline_invocations: Vec::new(),
                comparisons: Vec::new(),
            }],
            interrupted: false,
        }
    }

    #[test]
    fn the_target_facts_are_shown() {
        let o = outcome(TargetFacts {
            revision: Some("v0.8.0-12-g1a2b3c4".to_string()),
            kernel: Some("5.10.35.tfw-04d37a1".to_string()),
        });
        let md = markdown(&o);
        assert!(
            md.contains("Target revision: v0.8.0-12-g1a2b3c4  \n"),
            "{md}"
        );
        assert!(
            md.contains("Target kernel: 5.10.35.tfw-04d37a1  \n"),
            "{md}"
        );
        assert!(
            md.contains("| h1 | — | — | — | — | — | failed: the target's kernel log has findings"),
            "{md}"
        );
        let page = html_page(&o, "");
        assert!(page.contains("<td>target revision</td><td>v0.8.0-12-g1a2b3c4</td>"));
        assert!(page.contains("<td>target kernel</td><td>5.10.35.tfw-04d37a1</td>"));
        let none = markdown(&outcome(TargetFacts::default()));
        assert!(!none.contains("Target revision") && !none.contains("Target kernel"));
    }

    #[test]
    fn escaping() {
        assert_eq!(md_escape("a|b\nc"), "a\\|b c");
    }
}
