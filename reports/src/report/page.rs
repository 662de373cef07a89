//! The report page: the comparison of the runs, the plots inline, and for each run its
//! settings and summary tables (counts, status codes, errors by kind, latency, client CPU).

use super::compare::{self, format_count, format_rate};
use super::html::{self, Cell};
use super::model::{Latency, Run, RunDoc};
use super::target;
use crate::units::{format_bytes, format_time_us};
use serde_json::Value;

/// A plot for the page: its SVG markup and caption.
pub struct Figure<'a> {
    pub svg: &'a str,
    pub caption: &'a str,
}

/// The whole page for `runs` (first = baseline) with `figures` in order; `notes` are shown
/// above the plots (e.g. a plot that could not be drawn from these files).
pub fn report_page(runs: &[Run], figures: &[Figure], notes: &[String]) -> String {
    let labels: Vec<&str> = runs.iter().map(|r| r.label.as_str()).collect();
    let mut body = format!(
        "<h1>tfw-bench report</h1>\n<p>{} {}: {}</p>\n",
        runs.len(),
        if runs.len() == 1 { "run" } else { "runs" },
        html::escape(&labels.join(", "))
    );
    if runs.len() > 1 {
        body.push_str(&html::section(
            "Comparison",
            &format!(
                "{}{}",
                html::note(&format!(
                    "Each run against the first ({}); green is better, red worse.",
                    runs[0].label
                )),
                compare::table(runs)
            ),
        ));
    }
    let mut plots: String = notes.iter().map(|n| html::note(n)).collect();
    for f in figures {
        plots.push_str(&html::inline_svg(f.svg, f.caption));
    }
    body.push_str(&html::section("Plots", &plots));
    for r in runs {
        body.push_str(&html::section(&format!("Run {}", r.label), &run_tables(r)));
    }
    html::page("tfw-bench report", &body)
}

/// The tables of one run.
fn run_tables(r: &Run) -> String {
    let d = &r.doc;
    let mut out = String::new();
    if d.interrupted {
        out.push_str(&html::note(
            "Interrupted: stopped by a signal; the figures cover the partial run.",
        ));
    }
    out.push_str("<div class=\"runs\">\n<div>\n<h3>Run</h3>\n");
    out.push_str(&html::kv_table(&overview(d)));
    out.push_str("<h3>Settings</h3>\n");
    if d.settings.is_empty() {
        out.push_str(&html::note(
            "No settings recorded (written by an older tfw-bench).",
        ));
    } else {
        let rows: Vec<(String, String)> = d
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), setting_value(v)))
            .collect();
        out.push_str(&html::kv_table(&rows));
    }
    out.push_str("</div>\n<div>\n<h3>Counts</h3>\n");
    out.push_str(&html::table(&[], &counts(d)));
    out.push_str("<h3>Latency</h3>\n");
    out.push_str(&latency_table(
        &d.latency_us,
        d.latency_uncorrected_us.as_ref(),
    ));
    out.push_str("<h3>Client CPU</h3>\n");
    out.push_str(&html::table(
        &[],
        &[
            num_row("user", format!("{:.2}s", d.cpu.user_s)),
            num_row("sys", format!("{:.2}s", d.cpu.sys_s)),
            num_row("µs per response", format!("{:.2}", d.cpu.us_per_response)),
        ],
    ));
    out.push_str("</div>\n</div>\n");
    if let Some(t) = &d.control {
        out.push_str(&target::section(t));
    }
    out
}

fn overview(d: &RunDoc) -> Vec<(String, String)> {
    let mut rows = vec![("target".to_string(), d.target.clone())];
    if let Some(t) = d.started_unix_s.filter(|t| *t > 0.0) {
        rows.push(("started".to_string(), utc_datetime(t)));
    }
    rows.push(("duration".to_string(), format!("{:.2}s", d.duration_s)));
    rows.push((
        "connections".to_string(),
        format!(
            "{} requested, {} established, {} connects",
            d.connections.requested, d.connections.established, d.connections.connects
        ),
    ));
    rows.push(("pipeline".to_string(), d.pipeline.to_string()));
    let version = match &d.commit {
        Some(c) => format!("{} ({c})", d.version),
        None => d.version.clone(),
    };
    rows.push(("tfw-bench".to_string(), version));
    rows
}

fn num_row(name: &str, value: String) -> Vec<Cell> {
    vec![Cell::text(name), Cell::num(value)]
}

fn counts(d: &RunDoc) -> Vec<Vec<Cell>> {
    let mut rows = vec![
        num_row("requests", format_count(d.requests as f64)),
        num_row("responses", format_count(d.responses as f64)),
        num_row("unanswered", format_count(d.unanswered as f64)),
        num_row("requests/s", format_rate(d.rps)),
        num_row("read", format_bytes(d.bytes_read as f64)),
        num_row("written", format_bytes(d.bytes_written as f64)),
    ];
    for (code, n) in &d.status {
        rows.push(num_row(&format!("status {code}"), format_count(*n as f64)));
    }
    for (kind, n) in &d.errors {
        rows.push(num_row(&format!("{kind} errors"), format_count(*n as f64)));
    }
    rows
}

/// Reads one statistic of a latency summary.
type Stat = fn(&Latency) -> f64;

/// Latency statistics, with a second column for the uncorrected figures when the run has them.
fn latency_table(l: &Latency, uncorrected: Option<&Latency>) -> String {
    let stats: [(&str, Stat); 10] = [
        ("min", |l| l.min),
        ("mean", |l| l.mean),
        ("stdev", |l| l.stdev),
        ("p50", |l| l.p50),
        ("p75", |l| l.p75),
        ("p90", |l| l.p90),
        ("p99", |l| l.p99),
        ("p99.9", |l| l.p999),
        ("p99.99", |l| l.p9999),
        ("max", |l| l.max),
    ];
    let mut header = vec![Cell::text(""), Cell::num("latency")];
    if uncorrected.is_some() {
        header.push(Cell::num("uncorrected"));
    }
    let rows: Vec<Vec<Cell>> = stats
        .iter()
        .map(|(name, get)| {
            let mut row = vec![Cell::text(*name), Cell::num(format_time_us(get(l)))];
            if let Some(u) = uncorrected {
                row.push(Cell::num(format_time_us(get(u))));
            }
            row
        })
        .collect();
    html::table(&header, &rows)
}

/// A setting as shown: strings as they are, null as "—", anything else as compact JSON.
fn setting_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

/// `unix_s` (seconds since the epoch) as `YYYY-MM-DD hh:mm:ss UTC`.
pub fn utc_datetime(unix_s: f64) -> String {
    let secs = unix_s.floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/run.sample.json");

    #[test]
    fn dates() {
        assert_eq!(utc_datetime(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_datetime(1_700_000_000.5), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc_datetime(951_782_400.0), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn one_run_page() {
        let run = Run::parse("base", SAMPLE).unwrap();
        let p = report_page(
            std::slice::from_ref(&run),
            &[Figure {
                svg: "<svg width=\"1\"></svg>",
                caption: "a plot",
            }],
            &["a note".to_string()],
        );
        assert!(!p.contains("Comparison"), "no comparison for one run");
        for want in [
            "<h2>Run base</h2>",
            "<td>connections</td><td>2</td>",
            "<td>target</td><td>http://127.0.0.1:8080/</td>",
            "<td>started</td><td>2023-11-14 22:13:20 UTC</td>",
            "<td>status 404</td><td class=\"num\">10</td>",
            "<td>timeout errors</td><td class=\"num\">2</td>",
            "<td>p99</td><td class=\"num\">990µs</td>",
            "<td>µs per response</td><td class=\"num\">1000.00</td>",
            "<p class=\"note\">a note</p>",
            "aria-label=\"a plot\"",
        ] {
            assert!(p.contains(want), "lacks {want}");
        }
        assert!(!p.contains("uncorrected"));
    }

    #[test]
    fn uncorrected_latency_gets_a_column() {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v["latency_uncorrected_us"] = serde_json::json!({"p99": 400.0});
        let run = Run::parse("fixed", &v.to_string()).unwrap();
        let p = report_page(&[run], &[], &[]);
        assert!(p.contains("<th class=\"num\">uncorrected</th>"));
        assert!(p.contains("<td>p99</td><td class=\"num\">990µs</td><td class=\"num\">400µs</td>"));
    }
}
