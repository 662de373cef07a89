//! Comparing runs metric by metric: which figures are compared, which direction is better, the
//! change in % against the first (baseline) run, and the comparison table of the report page.

use super::chart::thousands;
use super::html::{self, Cell};
use super::model::{Latency, Run, RunDoc};
use crate::units::format_time_us;

/// Which direction of change is an improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// A count that depends on the settings (no colour).
    Neither,
}

/// A figure of a run document that runs are compared on.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    pub name: &'static str,
    pub better: Better,
    /// The value, `None` when the document does not have it.
    pub value: fn(&RunDoc) -> Option<f64>,
    /// The value as shown.
    pub format: fn(f64) -> String,
}

/// A count with thousands separators.
pub fn format_count(v: f64) -> String {
    thousands(v.round() as i64)
}

/// A rate with one decimal: `12,345.6`.
pub fn format_rate(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    format!("{}.{}", thousands(tenths / 10), (tenths % 10).abs())
}

fn format_cpu(v: f64) -> String {
    format!("{v:.2}")
}

macro_rules! lat {
    ($name:expr, $field:ident) => {
        Metric {
            name: $name,
            better: Better::Lower,
            value: |d| Some(d.latency_us.$field),
            format: format_time_us,
        }
    };
}

macro_rules! uncorrected {
    ($name:expr, $field:ident) => {
        Metric {
            name: $name,
            better: Better::Lower,
            value: |d| {
                d.latency_uncorrected_us
                    .as_ref()
                    .map(|l: &Latency| l.$field)
            },
            format: format_time_us,
        }
    };
}

/// The compared metrics, in table order.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "requests/s",
        better: Better::Higher,
        value: |d| Some(d.rps),
        format: format_rate,
    },
    Metric {
        name: "requests",
        better: Better::Neither,
        value: |d| Some(d.requests as f64),
        format: format_count,
    },
    Metric {
        name: "responses",
        better: Better::Neither,
        value: |d| Some(d.responses as f64),
        format: format_count,
    },
    Metric {
        name: "errors",
        better: Better::Lower,
        value: |d| Some(d.total_errors() as f64),
        format: format_count,
    },
    lat!("latency mean", mean),
    lat!("latency p50", p50),
    lat!("latency p90", p90),
    lat!("latency p99", p99),
    lat!("latency p99.9", p999),
    lat!("latency p99.99", p9999),
    lat!("latency max", max),
    uncorrected!("uncorrected p50", p50),
    uncorrected!("uncorrected p99", p99),
    uncorrected!("uncorrected p99.9", p999),
    Metric {
        name: "CPU µs/response",
        better: Better::Lower,
        value: |d| Some(d.cpu.us_per_response),
        format: format_cpu,
    },
];

/// The change from `base` to `v` in % of `base`; `None` when `base` is 0 and `v` is not.
pub fn delta_pct(base: f64, v: f64) -> Option<f64> {
    if base == 0.0 {
        return (v == 0.0).then_some(0.0);
    }
    let d = (v - base) / base.abs() * 100.0;
    d.is_finite().then_some(d)
}

/// A change as shown: `+3.2%`, `-0.4%`, `0.0%`.
pub fn format_delta(d: f64) -> String {
    let r = (d * 10.0).round() / 10.0;
    if r == 0.0 {
        "0.0%".to_string()
    } else {
        format!("{r:+.1}%")
    }
}

/// The CSS class of a change `d` (%) for a metric: `better`, `worse` or none.
pub fn delta_class(better: Better, d: f64) -> &'static str {
    let r = (d * 10.0).round();
    match better {
        Better::Neither => "num",
        _ if r == 0.0 => "num",
        Better::Higher if r > 0.0 => "better",
        Better::Lower if r < 0.0 => "better",
        _ => "worse",
    }
}

/// The comparison table: one row per metric any run has, the first run's value, then each
/// other run's value and its change in % against the first.
pub fn table(runs: &[Run]) -> String {
    let Some(base) = runs.first() else {
        return String::new();
    };
    let mut header = vec![Cell::text("metric"), Cell::num(base.label.as_str())];
    for r in &runs[1..] {
        header.push(Cell::num(r.label.as_str()));
        header.push(Cell::num(format!("Δ % vs {}", base.label)));
    }
    let mut rows = Vec::new();
    for m in METRICS {
        let values: Vec<Option<f64>> = runs.iter().map(|r| (m.value)(&r.doc)).collect();
        if values.iter().all(Option::is_none) {
            continue;
        }
        let shown = |v: Option<f64>| v.map_or_else(|| "—".to_string(), m.format);
        let mut row = vec![Cell::text(m.name), Cell::num(shown(values[0]))];
        for &v in &values[1..] {
            row.push(Cell::num(shown(v)));
            row.push(match (values[0], v) {
                (Some(b), Some(v)) => match delta_pct(b, v) {
                    Some(d) => Cell::num(format_delta(d)).with_class(delta_class(m.better, d)),
                    None => Cell::num("n/a"),
                },
                _ => Cell::num("—"),
            });
        }
        rows.push(row);
    }
    html::table(&header, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/run.sample.json");

    #[test]
    fn deltas() {
        assert_eq!(delta_pct(100.0, 103.2), Some(3.200000000000003));
        assert_eq!(delta_pct(0.0, 0.0), Some(0.0));
        assert_eq!(delta_pct(0.0, 5.0), None);
        assert_eq!(format_delta(3.24), "+3.2%");
        assert_eq!(format_delta(-0.04), "0.0%");
        assert_eq!(format_delta(-12.06), "-12.1%");
        assert_eq!(delta_class(Better::Lower, -5.0), "better");
        assert_eq!(delta_class(Better::Lower, 5.0), "worse");
        assert_eq!(delta_class(Better::Higher, 5.0), "better");
        assert_eq!(delta_class(Better::Neither, 5.0), "num");
        assert_eq!(delta_class(Better::Higher, 0.01), "num");
    }

    #[test]
    fn formats() {
        assert_eq!(format_rate(12345.66), "12,345.7");
        assert_eq!(format_rate(0.0), "0.0");
        assert_eq!(format_count(1_000_000.0), "1,000,000");
    }

    #[test]
    fn table_against_the_first_run() {
        let base = Run::parse("base", SAMPLE).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v["rps"] = 550.0.into();
        v["latency_us"]["p99"] = 891.0.into();
        v["latency_uncorrected_us"] = serde_json::json!({"p50": 100.0, "p99": 200.0});
        let new = Run::parse("new", &v.to_string()).unwrap();
        let t = table(&[base, new]);
        assert!(t.contains("<th class=\"num\">Δ % vs base</th>"), "{t}");
        assert!(t.contains("<td>requests/s</td><td class=\"num\">500.0</td><td class=\"num\">550.0</td><td class=\"better\">+10.0%</td>"), "{t}");
        assert!(t.contains("<td>latency p99</td><td class=\"num\">990µs</td><td class=\"num\">891µs</td><td class=\"better\">-10.0%</td>"), "{t}");
        // Only the second run has uncorrected figures: shown, with no change.
        assert!(t.contains("<td>uncorrected p99</td><td class=\"num\">—</td><td class=\"num\">200µs</td><td class=\"num\">—</td>"), "{t}");
    }
}
