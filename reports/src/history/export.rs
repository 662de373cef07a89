//! Exports of an invocation's results for existing dashboards: Bencher's Metric Format (BMF)
//! and github-action-benchmark's custom JSON. Schemas: `schema/bmf.schema.json` and
//! `schema/gab.schema.json`.
//!
//! Every value is the median of the scenario's repeats in this invocation; BMF's bounds are
//! the smallest and largest repeat. github-action-benchmark takes one direction per file
//! (`customSmallerIsBetter` or `customBiggerIsBetter`), so [`gab`] gives the entries of one
//! direction and the binary writes two files.

use super::compare::{Comparison, Direction};
use serde_json::{json, Map, Value};

fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (finite(lo), finite(hi))
}

/// `{"<scenario>": {"<metric>": {"value", "lower_value", "upper_value"}}}`; comparisons
/// without current repeats are left out.
pub fn bmf(comparisons: &[Comparison]) -> Value {
    let mut out = Map::new();
    for c in comparisons {
        let Some(median) = c.current_median else {
            continue;
        };
        let (lo, hi) = min_max(&c.current);
        let bench = out
            .entry(c.scenario.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = bench {
            m.insert(
                c.metric.key().to_string(),
                json!({"value": finite(median), "lower_value": lo, "upper_value": hi}),
            );
        }
    }
    Value::Object(out)
}

/// github-action-benchmark entries `{"name", "unit", "value", "range", "extra"}` of the
/// metrics that go `direction`.
pub fn gab(comparisons: &[Comparison], direction: Direction) -> Value {
    let entries: Vec<Value> = comparisons
        .iter()
        .filter(|c| c.metric.direction() == direction)
        .filter_map(|c| {
            let median = c.current_median?;
            let (lo, hi) = min_max(&c.current);
            let mut extra = format!("{} repeats, min {lo} max {hi}", c.current.len());
            if let (Some(b), Some(ch), Some(p)) = (c.baseline_median, c.change, c.p_value) {
                extra.push_str(&format!(
                    "; baseline median {b} ({} repeats), change {:+.1} %, p = {p:.4}: {}",
                    c.baseline.len(),
                    ch * 100.0,
                    c.verdict.as_str()
                ));
            }
            Some(json!({
                "name": format!("{} {}", c.scenario, c.metric.label()),
                "unit": c.metric.unit(),
                "value": finite(median),
                "range": format!("± {}", finite((hi - lo) / 2.0)),
                "extra": extra,
            }))
        })
        .collect();
    Value::Array(entries)
}

/// The JSON Schema of [`bmf`]'s output.
pub const BMF_SCHEMA: &str = include_str!("../../schema/bmf.schema.json");
/// The JSON Schema of [`gab`]'s output.
pub const GAB_SCHEMA: &str = include_str!("../../schema/gab.schema.json");
