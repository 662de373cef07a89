//! `tfw-bench regress` end to end, against the built-in target: a synthetic regression (the
//! target's delay) is flagged and unchanged figures are not; the history survives kill -9 in
//! the middle of a write; the exports validate. `history` (list, show, prune) and
//! `regress_setups` (every kind of scenario, broken setups) test the rest of the command.
//!
//! No timing thresholds: the statistics decide. The unchanged case is unchanged by
//! construction (a real run's figures stored again as the next invocation), so machine noise
//! cannot move it; the synthetic regression (the target's delay raised from 1 ms to 5 ms)
//! exceeds the minimum effect by far.

mod common;

use common::regress::{matrix, regress, row, s, tmp_dir, verdict, write};
use common::{read_json, run, spawn_with};
use serde_json::Value;
use std::process::Command;
use tfw_reports::history::compare::{compare, Metric, Verdict};
use tfw_reports::history::db::{History, NewInvocation, NewRun};
use tfw_reports::history::host::HostFacts;
use tfw_reports::history::matrix::Matrix;
use tfw_reports::history::run::RunFigures;

const METRICS: [&str; 5] = [
    "requests/s",
    "p50 latency",
    "p99 latency",
    "client CPU/response",
    "errors",
];

/// The text of every `<text>` element of an SVG document, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is XML");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn validator(schema: &str) -> jsonschema::Validator {
    let s: Value = serde_json::from_str(schema).unwrap();
    jsonschema::draft202012::new(&s).unwrap()
}

fn assert_valid(schema: &str, doc: &Value, what: &str) {
    let errs: Vec<String> = validator(schema)
        .iter_errors(doc)
        .map(|e| e.to_string())
        .collect();
    assert!(errs.is_empty(), "{what}: {errs:#?}\n{doc:#}");
}

#[test]
fn a_delayed_target_is_flagged_and_unchanged_figures_are_not() {
    let dir = tmp_dir("synthetic");
    let m1 = write(&dir, "usual.toml", &matrix("1ms"));
    let m5 = write(&dir, "slow.toml", &matrix("5ms"));

    // 1: the baseline; nothing to compare with yet.
    let first = regress(&dir, &m1, "out1", &["--target-version", "v1"]);
    assert_eq!(first.code(), Some(0), "{}", first.show());
    for m in METRICS {
        assert_eq!(verdict(&first.stdout, "h1", m), "unchanged (no baseline)");
    }
    let out1 = dir.join("out1");
    for round in 1..=6 {
        let doc = read_json(&out1.join(format!("runs/h1-{round}.json")));
        assert!(doc["responses"].as_u64().unwrap() > 0);
        assert!(doc["latency_hdr"].as_str().is_some_and(|h| !h.is_empty()));
    }
    assert_eq!(
        std::fs::read_to_string(out1.join("summary.md")).unwrap(),
        first.stdout
    );

    // 2: the same figures again, unchanged by construction: invocation 2 stores invocation 1's
    // run documents once more, as `regress` stores a run. Compared with invocation 1 by the
    // comparison `regress` makes, nothing regressed, and nothing changed at all.
    let db = dir.join("history.db");
    let m = Matrix::parse(&matrix("1ms")).unwrap();
    let sc = &m.scenarios[0];
    let load_key = sc.load_key();
    {
        let mut h = History::open(&db).unwrap();
        let inv2 = h
            .begin_invocation(&NewInvocation {
                started_unix_s: now_s(),
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                tool_commit: None,
                target_version: None,
                host: HostFacts::from_proc("", "", std::env::consts::ARCH),
                matrix: matrix("1ms"),
            })
            .unwrap();
        assert_eq!(inv2, 2);
        for round in 1..=6 {
            let doc = read_json(&out1.join(format!("runs/h1-{round}.json")));
            h.insert_run(&NewRun {
                invocation_id: inv2,
                scenario: "h1",
                load_key: &load_key,
                round,
                scenario_json: &sc.to_json(),
                figures: &RunFigures::from_json(&doc).unwrap(),
            })
            .unwrap();
        }
        h.finish_invocation(inv2, now_s()).unwrap();
        for metric in Metric::ALL {
            let base = h.samples("h1", &load_key, metric.key(), &[1]).unwrap();
            let cur = h.samples("h1", &load_key, metric.key(), &[inv2]).unwrap();
            assert_eq!(base.len(), 6, "{}", metric.key());
            let c = compare("h1", metric, &base, &cur, &m.thresholds);
            assert_eq!(c.verdict, Verdict::Unchanged, "{c:?}");
            assert_eq!(c.change, Some(0.0), "{c:?}");
        }
    }

    // 3: the target answers after 5 ms instead of 1 ms; compared with the last 3 invocations
    // (1 and 2).
    let slow = regress(
        &dir,
        &m5,
        "out3",
        &[
            "--baseline",
            "last:3",
            "--export",
            "bmf",
            s(&dir.join("bmf.json")),
            "--export",
            "gab",
            s(&dir.join("gab.json")),
        ],
    );
    assert_eq!(slow.code(), Some(1), "{}", slow.show());
    assert_eq!(
        verdict(&slow.stdout, "h1", "requests/s"),
        "regressed",
        "{}",
        slow.stdout
    );
    assert_eq!(
        verdict(&slow.stdout, "h1", "p50 latency"),
        "regressed",
        "{}",
        slow.stdout
    );
    let r = row(&slow.stdout, "h1", "requests/s");
    assert!(
        r[3].ends_with("(n=12)"),
        "baseline of two invocations: {r:?}"
    );
    assert!(r[5].starts_with('-'), "throughput went down: {r:?}");

    // The exports hold this invocation's medians and validate against their formats.
    let bmf = read_json(&dir.join("bmf.json"));
    assert_valid(tfw_reports::history::export::BMF_SCHEMA, &bmf, "bmf");
    let p50 = bmf["h1"]["p50_us"]["value"].as_f64().unwrap();
    assert!(p50 >= 5000.0, "p50 {p50} µs under a 5 ms delay");
    let smaller = read_json(&dir.join("gab.json"));
    let bigger = read_json(&dir.join("gab.bigger.json"));
    assert_valid(
        tfw_reports::history::export::GAB_SCHEMA,
        &smaller,
        "gab smaller",
    );
    assert_valid(
        tfw_reports::history::export::GAB_SCHEMA,
        &bigger,
        "gab bigger",
    );
    assert_eq!(bigger.as_array().unwrap().len(), 1);
    assert_eq!(bigger[0]["name"], "h1 requests/s");
    assert_eq!(smaller.as_array().unwrap().len(), 4);

    // The page: the comparison table, the scenario's trends across the three invocations and
    // the plots of this invocation's repeats; nothing loaded from outside.
    let out3 = dir.join("out3");
    let html = std::fs::read_to_string(out3.join("report.html")).unwrap();
    assert!(
        html.contains("<td>requests/s</td>") && html.contains("<td class=\"worse\">regressed</td>"),
        "{html}"
    );
    assert_eq!(html.matches("<svg").count(), 4, "3 trends and the spectrum");
    assert!(html.contains("href=\"scenarios/h1/report.html\""));
    for outside in [
        "src=\"http",
        "href=\"http",
        "url(",
        "<script",
        "<link",
        "<img",
    ] {
        assert!(!html.contains(outside), "{outside} in report.html");
    }
    for stem in ["h1-rps", "h1-latency", "h1-cpu"] {
        let svg = std::fs::read_to_string(out3.join(format!("trends/{stem}.svg"))).unwrap();
        let texts = svg_texts(&svg);
        assert!(texts.iter().any(|t| t == "invocation"), "{stem}: {texts:?}");
        for inv in ["1", "2", "3"] {
            assert!(
                texts.iter().any(|t| t == inv),
                "{stem}: tick {inv} in {texts:?}"
            );
        }
        assert!(
            texts.iter().any(|t| t.ends_with("median")),
            "{stem}: {texts:?}"
        );
        let png = std::fs::read(out3.join(format!("trends/{stem}.png"))).unwrap();
        let info = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        assert_eq!((info.info().width, info.info().height), (1000, 600));
    }
    assert!(out3.join("scenarios/h1/latency-spectrum.svg").exists());

    // history list: three finished invocations, the first with its target version.
    let list = run(&["history", "list", "--history", s(&dir.join("history.db"))]);
    assert_eq!(list.code(), Some(0), "{}", list.show());
    let rows: Vec<&str> = list.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{}", list.stdout);
    assert!(rows[0].contains("v1") && rows.iter().all(|r| r.contains("finished")));
}

#[test]
fn kill_9_in_the_middle_of_a_write_loses_only_that_run() {
    let dir = tmp_dir("kill9");
    let m = write(
        &dir,
        "m.toml",
        "[[scenario]]\nname = \"k\"\nconnections = 2\nduration = \"300ms\"\nrepeats = 4\n",
    );
    let db = dir.join("history.db");
    let out = dir.join("out");
    let mut cmd = Command::new(common::bin());
    cmd.args([
        "regress",
        "--matrix",
        s(&m),
        "--history",
        s(&db),
        "--out",
        s(&out),
    ])
    .env("TFW_BENCH_TEST_PAUSE_IN_WRITE", "3");
    let mut p = spawn_with(&mut cmd);
    let line = p.wait_line("test-hook: paused inside the write of run 3");
    assert!(line.is_some(), "the hook never ran");
    p.child.kill().unwrap(); // SIGKILL while run 3's transaction is open
    let out9 = p.finish();
    assert_eq!(out9.code(), None, "killed by a signal: {}", out9.show());

    // The file opens, is sound, and holds runs 1 and 2 whole and nothing of run 3.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let rounds: Vec<u32> = conn
        .prepare("SELECT round FROM runs ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rounds, vec![1, 2]);
    let orphans: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM run_metrics WHERE run_id NOT IN (SELECT id FROM runs)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    let per_run: Vec<i64> = conn
        .prepare("SELECT COUNT(*) FROM run_metrics GROUP BY run_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(per_run.len(), 2);
    assert!(per_run.iter().all(|&n| n >= 5), "{per_run:?}");
    drop(conn);

    // history shows the killed invocation as unfinished, with its two runs.
    let show = run(&["history", "show", "1", "--history", s(&db)]);
    assert_eq!(show.code(), Some(0), "{}", show.show());
    assert!(show.stdout.contains("runs      2"), "{}", show.stdout);
    assert!(show.stdout.contains("finished  no"), "{}", show.stdout);

    // The next invocation uses the file as is, and the surviving runs are its baseline.
    let next = run(&[
        "regress",
        "--matrix",
        s(&m),
        "--history",
        s(&db),
        "--out",
        s(&out),
        "--repeats",
        "2",
    ]);
    assert!(matches!(next.code(), Some(0 | 1)), "{}", next.show());
    let r = row(&next.stdout, "k", "requests/s");
    assert!(r[3].ends_with("(n=2)") && r[4].ends_with("(n=2)"), "{r:?}");
}
