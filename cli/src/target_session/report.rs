//! What a `--testbed` run reports about its target: the run document's object (the
//! contract in docs/target-runs.md and reports/schema/run.schema.json) and the text section
//! printed after the client's summary. Pure functions of the session's readings; the counter
//! and kernel-log tables are `tfw_reports::remote`'s.

use serde_json::{json, Map, Value};
use std::path::Path;
use std::time::Duration;
use tfw_testbed::counters::Counters;
use tfw_testbed::kernel_log::Scan;
use tfw_testbed::target::Facts;

/// One reload during the load.
#[derive(Clone, Debug)]
pub struct Reload {
    /// Seconds since the load began.
    pub at_s: f64,
    pub took_s: f64,
    /// None: it succeeded.
    pub error: Option<String>,
}

/// What a session read, for the printers.
pub struct Readings<'a> {
    pub testbed: &'a Path,
    pub kind: &'a str,
    pub host: &'a str,
    pub facts: &'a Facts,
    pub start_took: Duration,
    pub before: Option<&'a Counters>,
    pub after: Option<&'a Counters>,
    pub reloads: &'a [Reload],
    /// None: the kernel log could not be read.
    pub scan: Option<&'a Scan>,
}

/// The end of a session: what to print and write, and what fails the run.
pub struct SessionEnd {
    /// The run document's target object.
    pub json: Value,
    /// The "Target" section.
    pub text: String,
    /// Kernel-log findings since the run began (they fail the run).
    pub findings: usize,
    /// False when the kernel log could not be read (that fails the run too).
    pub log_read: bool,
}

impl SessionEnd {
    /// The error line that fails the run, if any: findings, or a kernel log not read.
    pub fn failure(&self) -> Option<String> {
        if self.findings > 0 {
            Some(format!(
                "kernel log since the run began has {} finding(s)",
                self.findings
            ))
        } else if !self.log_read {
            Some("the target's kernel log could not be read after the run".into())
        } else {
            None
        }
    }
}

fn values(c: &Counters) -> Value {
    let m: Map<String, Value> = c
        .entries
        .iter()
        .map(|e| (e.name.clone(), json!(e.value)))
        .collect();
    Value::Object(m)
}

/// The counters object: before, after, the counters' deltas, the lines not understood.
fn counters_json(before: &Counters, after: &Counters) -> Value {
    let delta: Map<String, Value> = tfw_testbed::counters::delta(before, after)
        .into_iter()
        .filter(|d| d.counter)
        .filter_map(|d| d.delta.map(|v| (d.name, json!(v))))
        .collect();
    let mut unknown: Vec<&String> = before.unknown.iter().collect();
    for u in &after.unknown {
        if !unknown.contains(&u) {
            unknown.push(u);
        }
    }
    json!({
        "source": after.source,
        "before": values(before),
        "after": values(after),
        "delta": delta,
        "unknown_lines": unknown,
    })
}

/// The run document's object for the target.
pub fn json(r: &Readings) -> Value {
    let counters = match (r.before, r.after) {
        (Some(b), Some(a)) => counters_json(b, a),
        _ => Value::Null,
    };
    let reloads: Vec<Value> = r
        .reloads
        .iter()
        .map(|x| {
            json!({"at_s": x.at_s, "took_s": x.took_s, "ok": x.error.is_none(), "error": x.error})
        })
        .collect();
    let kernel_log = match r.scan {
        Some(s) => json!({
            "findings": s.findings.iter().map(|f| json!({"kind": f.kind, "line": f.line})).collect::<Vec<_>>(),
            "ignored": s.ignored,
        }),
        None => Value::Null,
    };
    json!({
        "testbed": r.testbed.display().to_string(),
        "kind": r.kind,
        "host": r.host,
        "revision": r.facts.revision,
        "kernel": r.facts.kernel,
        "start": {"took_s": r.start_took.as_secs_f64()},
        "counters": counters,
        "reloads": reloads,
        "kernel_log": kernel_log,
    })
}

/// The "Target" section: host and facts, the counters' table, the reloads, the findings.
pub fn text(r: &Readings, problems: &[String]) -> String {
    let mut s = String::from("\nTarget\n");
    s.push_str(&format!(
        "  {} ({} target, test-bed {})\n",
        r.host,
        r.kind,
        r.testbed.display()
    ));
    s.push_str(&format!(
        "  revision {}, kernel {}, started in {:.2}s\n",
        r.facts.revision.as_deref().unwrap_or("-"),
        r.facts.kernel.as_deref().unwrap_or("-"),
        r.start_took.as_secs_f64()
    ));
    match (r.before, r.after) {
        (Some(b), Some(a)) => {
            s.push_str(&tfw_reports::remote::delta_text(
                &tfw_testbed::counters::delta(b, a),
            ));
        }
        (None, _) => s.push_str("  no counters (the target has no perfstat or stats_url)\n"),
        (Some(_), None) => s.push_str("  counters after the run: not read\n"),
    }
    if !r.reloads.is_empty() {
        let failed = r.reloads.iter().filter(|x| x.error.is_some()).count();
        let max = r.reloads.iter().map(|x| x.took_s).fold(0.0, f64::max);
        s.push_str(&format!(
            "  reloads: {} ({} failed), the longest {:.2}s\n",
            r.reloads.len(),
            failed,
            max
        ));
        for x in r.reloads.iter().filter(|x| x.error.is_some()) {
            s.push_str(&format!(
                "    at {:.2}s failed: {}\n",
                x.at_s,
                x.error.as_deref().unwrap_or_default()
            ));
        }
    }
    match r.scan {
        Some(scan) => s.push_str(&tfw_reports::remote::findings_text(scan)),
        None => s.push_str("  kernel log: not read\n"),
    }
    for p in problems {
        s.push_str(&format!("  {p}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfw_testbed::counters::Entry;

    fn reading(requests: u64, active: u64) -> Counters {
        Counters {
            source: "stub_status".into(),
            entries: vec![
                Entry {
                    name: "requests".into(),
                    value: requests,
                    counter: true,
                },
                Entry {
                    name: "active".into(),
                    value: active,
                    counter: false,
                },
            ],
            unknown: vec!["odd line".into()],
        }
    }

    #[test]
    fn failure_lines() {
        let mut end = SessionEnd {
            json: Value::Null,
            text: String::new(),
            findings: 2,
            log_read: true,
        };
        assert_eq!(
            end.failure().unwrap(),
            "kernel log since the run began has 2 finding(s)"
        );
        end.findings = 0;
        assert!(end.failure().is_none());
        end.log_read = false;
        assert!(end.failure().unwrap().contains("could not be read"));
    }

    #[test]
    fn reloads_and_no_counters_in_json() {
        let facts = Facts {
            revision: None,
            kernel: Some("6.1.0".into()),
        };
        let reloads = [Reload {
            at_s: 0.5,
            took_s: 0.1,
            error: Some("boom".into()),
        }];
        let r = Readings {
            testbed: Path::new("tb.toml"),
            kind: "command",
            host: "localhost",
            facts: &facts,
            start_took: Duration::from_millis(250),
            before: None,
            after: None,
            reloads: &reloads,
            scan: None,
        };
        let v = json(&r);
        assert_eq!(v["kind"], "command");
        assert_eq!(v["kernel"], "6.1.0");
        assert!(v["revision"].is_null());
        assert!(v["counters"].is_null());
        assert_eq!(v["start"]["took_s"], 0.25);
        assert_eq!(v["reloads"][0]["ok"], false);
        assert_eq!(v["reloads"][0]["error"], "boom");
        assert!(v["kernel_log"].is_null());
    }

    #[test]
    fn counters_json_has_the_counters_deltas_only() {
        let before = reading(10, 3);
        let mut after = reading(25, 1);
        after.unknown.push("new line".into());
        let v = counters_json(&before, &after);
        assert_eq!(v["source"], "stub_status");
        assert_eq!(v["before"]["requests"], 10);
        assert_eq!(v["after"]["active"], 1);
        assert_eq!(v["delta"]["requests"], 15);
        assert!(v["delta"].get("active").is_none(), "a gauge has no delta");
        assert_eq!(v["unknown_lines"], json!(["odd line", "new line"]));
    }
}
