//! The target's counters, kernel-log scan and status as JSON objects: what `tfw-bench remote
//! --json` prints, and the pieces of the run document's `target` field (`counters`,
//! `kernel_log`, see reports/schema/run.schema.json). Field names are a contract: only added.

use serde_json::{json, Map, Value};
use tfw_testbed::counters::{Counters, Delta};
use tfw_testbed::kernel_log::Scan;
use tfw_testbed::target::{LogMark, Status};

/// One reading: `{"source", "entries": [{"name", "value", "counter"}], "values": {name:
/// value}, "unknown_lines": [..]}` (entries keep the reading's order; values are for lookups).
pub fn counters_json(c: &Counters) -> Value {
    json!({
        "source": c.source,
        "entries": c.entries.iter().map(|e| json!({
            "name": e.name, "value": e.value, "counter": e.counter,
        })).collect::<Vec<_>>(),
        "values": values(c),
        "unknown_lines": c.unknown,
    })
}

/// Before and after a run, the run document's `target.counters`: `{"source", "before":
/// {name: u64}, "after": {name: u64}, "delta": {name: i64} (counters in both readings only),
/// "unknown_lines": [..]}` (the unknown lines of both readings, each once).
pub fn delta_json(before: &Counters, after: &Counters, d: &[Delta]) -> Value {
    let mut delta = Map::new();
    for x in d {
        if let (true, Some(v)) = (x.counter, x.delta) {
            delta.insert(x.name.clone(), json!(v));
        }
    }
    let mut unknown: Vec<&String> = Vec::new();
    for l in before.unknown.iter().chain(after.unknown.iter()) {
        if !unknown.contains(&l) {
            unknown.push(l);
        }
    }
    let source = if after.source.is_empty() {
        &before.source
    } else {
        &after.source
    };
    json!({
        "source": source,
        "before": values(before),
        "after": values(after),
        "delta": delta,
        "unknown_lines": unknown,
    })
}

/// A kernel-log scan, the run document's `target.kernel_log`: `{"findings": [{"kind",
/// "line"}], "ignored": n}`; kind is "Oops", "Warning", "Bug", "Error" or "CallTrace".
pub fn scan_json(s: &Scan) -> Value {
    json!({
        "findings": s.findings.iter().map(|f| json!({
            "kind": kind_name(f),
            "line": f.line,
        })).collect::<Vec<_>>(),
        "ignored": s.ignored,
    })
}

/// `{"running": bool, "detail": str}`.
pub fn status_json(s: &Status) -> Value {
    json!({ "running": s.running, "detail": s.detail })
}

/// `{"mark": str}`: a kernel-log mark to pass to `dmesg --since` later.
pub fn mark_json(m: &LogMark) -> Value {
    json!({ "mark": m.0 })
}

fn values(c: &Counters) -> Map<String, Value> {
    c.entries
        .iter()
        .map(|e| (e.name.clone(), json!(e.value)))
        .collect()
}

/// The kind's name as serde spells it (the variant's name).
fn kind_name(f: &tfw_testbed::kernel_log::Finding) -> Value {
    serde_json::to_value(f.kind).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfw_testbed::counters::Entry;
    use tfw_testbed::kernel_log::{Finding, Kind};

    fn reading(source: &str, vals: &[(&str, u64, bool)], unknown: &[&str]) -> Counters {
        Counters {
            source: source.into(),
            entries: vals
                .iter()
                .map(|&(n, v, c)| Entry {
                    name: n.into(),
                    value: v,
                    counter: c,
                })
                .collect(),
            unknown: unknown.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_reading_keeps_order_values_and_unknown_lines() {
        let c = reading("perfstat", &[("b", 2, true), ("a", 1, false)], &["odd: x"]);
        let v = counters_json(&c);
        assert_eq!(v["source"], "perfstat");
        assert_eq!(v["entries"][0]["name"], "b");
        assert_eq!(v["entries"][1]["counter"], false);
        assert_eq!(v["values"]["a"], 1);
        assert_eq!(v["values"]["b"], 2);
        assert_eq!(v["unknown_lines"][0], "odd: x");
    }

    #[test]
    fn before_and_after_have_deltas_for_counters_only() {
        let b = reading(
            "stub_status",
            &[("requests", 5, true), ("active", 1, false)],
            &["u"],
        );
        let a = reading(
            "stub_status",
            &[("requests", 9, true), ("active", 3, false)],
            &["u"],
        );
        let d = vec![
            Delta {
                name: "requests".into(),
                before: Some(5),
                after: Some(9),
                delta: Some(4),
                counter: true,
            },
            Delta {
                name: "active".into(),
                before: Some(1),
                after: Some(3),
                delta: None,
                counter: false,
            },
        ];
        let v = delta_json(&b, &a, &d);
        assert_eq!(v["source"], "stub_status");
        assert_eq!(v["before"]["requests"], 5);
        assert_eq!(v["after"]["active"], 3);
        assert_eq!(v["delta"]["requests"], 4);
        assert!(v["delta"].get("active").is_none());
        assert_eq!(v["unknown_lines"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn scan_status_and_mark() {
        let s = Scan {
            findings: vec![Finding {
                kind: Kind::CallTrace,
                line: "Call Trace:".into(),
            }],
            ignored: 3,
        };
        let v = scan_json(&s);
        assert_eq!(v["findings"][0]["kind"], "CallTrace");
        assert_eq!(v["findings"][0]["line"], "Call Trace:");
        assert_eq!(v["ignored"], 3);
        let st = status_json(&Status {
            running: false,
            detail: "exit 1".into(),
        });
        assert_eq!(st, json!({"running": false, "detail": "exit 1"}));
        assert_eq!(mark_json(&LogMark("42".into())), json!({"mark": "42"}));
    }
}
