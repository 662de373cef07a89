//! The controlled target of a run (`stress --testbed`): what the run document says about it
//! (host, kind, revision, kernel, counters before and after, reloads, kernel-log findings),
//! read back leniently, and its box on the report page.
//!
//! Where it is in the document: `stress`/`handshake --testbed` write it under
//! `"target_control"` (cli/src/target_session.rs), beside `"target"`, which holds the URL
//! loaded (a string) in every document. Documents that carry the object under `"target"`
//! itself (the first draft of the format) or `"testbed"` are read too: the first of
//! these keys that holds an object is taken.

use super::html::{self, Cell};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The keys a control object may be under, in order.
pub const KEYS: [&str; 3] = ["target", "target_control", "testbed"];

/// The legend entry of the reload marks on the time-series plots.
pub const RELOAD_LABEL: &str = "target reload";

/// `start`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct StartDoc {
    pub took_s: f64,
}

/// `counters`: the target's own counters before and after the run.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CountersDoc {
    /// "perfstat" (Tempesta) or "stub_status" (nginx).
    pub source: String,
    pub before: BTreeMap<String, u64>,
    pub after: BTreeMap<String, u64>,
    /// after − before, for the counters (not for gauges such as response times).
    pub delta: BTreeMap<String, i64>,
    /// Lines of the source that were not understood (kept, not dropped).
    pub unknown_lines: Vec<String>,
}

/// One reload during the load.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ReloadDoc {
    /// Seconds since the measured run began.
    pub at_s: f64,
    pub took_s: f64,
    pub ok: bool,
    pub error: Option<String>,
}

/// One kernel-log finding.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct FindingDoc {
    /// "Oops", "Warning", "Bug", "Error" or "CallTrace".
    pub kind: String,
    pub line: String,
}

/// `kernel_log`: the findings since the run began.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct KernelLogDoc {
    pub findings: Vec<FindingDoc>,
    /// Lines that matched the ignore list.
    pub ignored: u64,
}

/// The control object of a run document.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct TargetDoc {
    /// The test-bed file.
    pub testbed: String,
    /// "tempesta" or "command".
    pub kind: String,
    /// "user@host:port" or "localhost".
    pub host: String,
    pub revision: Option<String>,
    pub kernel: Option<String>,
    pub start: Option<StartDoc>,
    pub counters: Option<CountersDoc>,
    pub reloads: Vec<ReloadDoc>,
    pub kernel_log: Option<KernelLogDoc>,
}

impl TargetDoc {
    /// The control object of `doc`, if it has one (see the module's doc for where); a
    /// malformed one is an error naming its key.
    pub fn of(doc: &Value) -> Option<Result<TargetDoc, String>> {
        let (key, v) = KEYS
            .iter()
            .find_map(|k| doc.get(k).filter(|v| v.is_object()).map(|v| (*k, v)))?;
        Some(serde_json::from_value(v.clone()).map_err(|e| format!("\"{key}\": {e}")))
    }

    /// The kernel-log findings (none when the log was not read).
    pub fn findings(&self) -> &[FindingDoc] {
        self.kernel_log.as_ref().map_or(&[], |k| &k.findings)
    }

    /// One line on the findings, for a failed run's reason: their number and the first.
    pub fn findings_line(&self) -> Option<String> {
        let f = self.findings();
        let first = f.first()?;
        Some(format!(
            "{} kernel-log finding(s) on the target, first {}: {}",
            f.len(),
            first.kind,
            first.line.trim()
        ))
    }
}

/// The target's box of a run on the report page: facts, counters before/after/delta,
/// reloads and kernel-log findings.
pub fn section(t: &TargetDoc) -> String {
    let mut out = String::from("<h3>Target</h3>\n");
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_string());
    let mut facts = vec![
        ("host".to_string(), t.host.clone()),
        ("kind".to_string(), t.kind.clone()),
        ("revision".to_string(), or_dash(&t.revision)),
        ("kernel".to_string(), or_dash(&t.kernel)),
        ("test-bed".to_string(), t.testbed.clone()),
    ];
    if let Some(s) = &t.start {
        facts.push(("start took".to_string(), format!("{:.2}s", s.took_s)));
    }
    out.push_str("<div class=\"target\">\n");
    out.push_str(&html::kv_table(&facts));
    out.push_str(&counters_table(t.counters.as_ref()));
    out.push_str(&reloads_table(&t.reloads));
    out.push_str(&findings_list(t.kernel_log.as_ref()));
    out.push_str("</div>\n");
    out
}

fn counters_table(c: Option<&CountersDoc>) -> String {
    let Some(c) = c else {
        return html::note("No counters: the target has none (no perfstat or stats_url).");
    };
    let mut out = format!("<h4>Counters ({})</h4>\n", html::escape(&c.source));
    let names: std::collections::BTreeSet<&String> =
        c.before.keys().chain(c.after.keys()).collect();
    let num = |v: Option<&u64>| Cell::num(v.map_or("—".to_string(), |v| v.to_string()));
    let rows: Vec<Vec<Cell>> = names
        .into_iter()
        .map(|n| {
            let delta = match c.delta.get(n) {
                Some(d) if *d > 0 => format!("+{d}"),
                Some(d) => d.to_string(),
                None => "—".to_string(),
            };
            vec![
                Cell::text(n.as_str()),
                num(c.before.get(n)),
                num(c.after.get(n)),
                Cell::num(delta),
            ]
        })
        .collect();
    let header = [
        Cell::text("counter"),
        Cell::num("before"),
        Cell::num("after"),
        Cell::num("delta"),
    ];
    out.push_str(&html::table(&header, &rows));
    if !c.unknown_lines.is_empty() {
        out.push_str(&html::note(&format!(
            "Lines not understood (kept): {}",
            c.unknown_lines.join(" | ")
        )));
    }
    out
}

fn reloads_table(reloads: &[ReloadDoc]) -> String {
    if reloads.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<Cell>> = reloads
        .iter()
        .map(|r| {
            vec![
                Cell::num(format!("{:.2}s", r.at_s)),
                Cell::num(format!("{:.2}s", r.took_s)),
                Cell::text(match (&r.error, r.ok) {
                    (_, true) => "ok".to_string(),
                    (Some(e), false) => format!("failed: {e}"),
                    (None, false) => "failed".to_string(),
                }),
            ]
        })
        .collect();
    let header = [Cell::num("at"), Cell::num("took"), Cell::text("result")];
    format!(
        "<h4>Reloads ({})</h4>\n{}",
        reloads.len(),
        html::table(&header, &rows)
    )
}

fn findings_list(k: Option<&KernelLogDoc>) -> String {
    let Some(k) = k else {
        return html::note("The kernel log was not read.");
    };
    let mut out = format!("<h4>Kernel log: {} finding(s)", k.findings.len());
    if k.ignored > 0 {
        out.push_str(&format!(", {} line(s) ignored", k.ignored));
    }
    out.push_str("</h4>\n");
    if k.findings.is_empty() {
        return out;
    }
    out.push_str("<ul class=\"findings\">\n");
    for f in &k.findings {
        out.push_str(&format!(
            "<li><b>{}</b> <code>{}</code></li>\n",
            html::escape(&f.kind),
            html::escape(&f.line)
        ));
    }
    out.push_str("</ul>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{build, Run, Size, HTML_FILE};

    /// A real `stress --json` document with a control object (see testdata/README.md).
    const TESTBED: &str = include_str!("../../testdata/run.testbed.json");

    #[test]
    fn the_control_object_is_read_beside_the_url_or_under_target() {
        let run = Run::parse("tb", TESTBED).unwrap();
        let t = run.doc.control.as_ref().expect("control object");
        assert_eq!((t.kind.as_str(), t.host.as_str()), ("command", "localhost"));
        assert_eq!(t.kernel.as_deref(), Some("6.8.0-1021-gcp"));
        assert_eq!(t.reloads.len(), 2);
        assert_eq!(t.counters.as_ref().unwrap().delta["requests"], 4797);
        assert_eq!(run.doc.target, "http://127.0.0.1:18661/");
        assert!(t.findings_line().unwrap().starts_with(
            "1 kernel-log finding(s) on the target, first Warning: [ 1234.567890] WARNING:"
        ));

        // Under "target" itself (no URL then).
        let mut v: Value = serde_json::from_str(TESTBED).unwrap();
        let obj = v["target_control"].take();
        v.as_object_mut().unwrap().remove("target_control");
        v["target"] = obj;
        let run = Run::parse("tb", &v.to_string()).unwrap();
        assert_eq!(run.doc.target, "");
        assert_eq!(run.doc.control.unwrap().reloads[1].at_s, 2.0);

        // No object: no control; a malformed one: an error naming the key.
        v["target"] = Value::from("http://127.0.0.1:18661/");
        assert!(Run::parse("plain", &v.to_string())
            .unwrap()
            .doc
            .control
            .is_none());
        v["target_control"] = serde_json::json!({"reloads": "often"});
        let e = Run::parse("bad", &v.to_string()).unwrap_err();
        assert!(e.to_string().contains("\"target_control\""), "{e}");
    }

    #[test]
    fn the_page_has_the_target_box_and_the_plots_the_reload_marks() {
        let run = Run::parse("tb", TESTBED).unwrap();
        let files = build(&[run], Size::DEFAULT).unwrap();
        let page = String::from_utf8(files.last().unwrap().bytes.clone()).unwrap();
        for want in [
            "<h3>Target</h3>",
            "<td>host</td><td>localhost</td>",
            "<td>kind</td><td>command</td>",
            "<td>revision</td><td>—</td>",
            "<td>kernel</td><td>6.8.0-1021-gcp</td>",
            "<h4>Counters (stub_status)</h4>",
            "<th class=\"num\">before</th><th class=\"num\">after</th><th class=\"num\">delta</th>",
            "<td>requests</td><td class=\"num\">3</td><td class=\"num\">4800</td><td class=\"num\">+4797</td>",
            "<td>active</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">—</td>",
            "<h4>Reloads (2)</h4>",
            "failed: reload: exit status 1",
            "<h4>Kernel log: 1 finding(s), 2 line(s) ignored</h4>",
            "<b>Warning</b> <code>[ 1234.567890] WARNING: CPU: 1 PID: 0 at fw/sock.c:1145",
        ] {
            assert!(page.contains(want), "page lacks {want}");
        }
        // The time-series plots mark both reloads and say what the marks are.
        let rps = files
            .iter()
            .find(|f| f.name == "requests-per-second.svg")
            .unwrap();
        let svg = String::from_utf8(rps.bytes.clone()).unwrap();
        let texts = crate::report::chart::svg_texts(&svg);
        assert!(texts.iter().any(|t| t == RELOAD_LABEL), "{texts:?}");
        assert_eq!(svg.matches("stroke=\"#B03060\"").count(), 3);
        assert!(page.contains(RELOAD_LABEL));
        assert!(!files
            .iter()
            .any(|f| f.name == HTML_FILE && f.bytes.is_empty()));
    }

    #[test]
    fn a_run_without_counters_or_kernel_log_says_so() {
        let t = TargetDoc {
            host: "tempesta@10.0.0.2:22".into(),
            kind: "tempesta".into(),
            revision: Some("v0.8.0-12-g1a2b3c4".into()),
            ..TargetDoc::default()
        };
        let s = section(&t);
        assert!(s.contains("<td>revision</td><td>v0.8.0-12-g1a2b3c4</td>"));
        assert!(s.contains("No counters"));
        assert!(s.contains("The kernel log was not read."));
        assert!(!s.contains("Reloads"));
        assert!(t.findings_line().is_none());
    }
}
