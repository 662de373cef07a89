//! `tfw-bench regress` and `tfw-bench history` end to end, against the built-in target: a
//! synthetic regression (the target's delay) is flagged and unchanged figures are not; the
//! history survives kill -9 in the middle of a write; the exports validate; every kind of
//! scenario runs; bad setups exit 2 with one clear line.
//!
//! No timing thresholds: the statistics decide. The unchanged case is unchanged by
//! construction (a real run's figures stored again as the next invocation), so machine noise
//! cannot move it; the synthetic regression (the target's delay raised from 1 ms to 5 ms)
//! exceeds the minimum effect by far.

mod common;

use common::{assert_setup_error, read_json, run, spawn_with, Out};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use tfw_reports::history::compare::{compare, Metric, Verdict};
use tfw_reports::history::db::{History, NewInvocation, NewRun};
use tfw_reports::history::host::HostFacts;
use tfw_reports::history::matrix::Matrix;
use tfw_reports::history::run::RunFigures;

/// A fresh directory for one test.
fn tmp_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("regress-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `regress` with the matrix, history and output directory of `dir`, plus `extra`.
fn regress(dir: &Path, matrix: &Path, out: &str, extra: &[&str]) -> Out {
    let db = dir.join("history.db");
    let out = dir.join(out);
    let mut args = vec![
        "regress",
        "--matrix",
        s(matrix),
        "--history",
        s(&db),
        "--out",
        s(&out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The summary row of `scenario`/`metric`: its cells.
fn row<'a>(summary: &'a str, scenario: &str, metric: &str) -> Vec<&'a str> {
    summary
        .lines()
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
        .find(|c| c.len() > 3 && c[1] == scenario && c[2] == metric)
        .unwrap_or_else(|| panic!("no row {scenario}/{metric} in\n{summary}"))
}

fn verdict<'a>(summary: &'a str, scenario: &str, metric: &str) -> &'a str {
    row(summary, scenario, metric)[7].trim_matches('*')
}

const METRICS: [&str; 5] = [
    "requests/s",
    "p50 latency",
    "p99 latency",
    "client CPU/response",
    "errors",
];

/// One closed-loop HTTP/1.1 scenario: 4 connections, 6 repeats of 1 s, against the built-in
/// target answering after `delay`.
///
/// The baseline runs use a 1 ms delay, so what is measured is dominated by the target's
/// timer rather than by CPU time. The regression is a 5 ms delay: requests/s at most
/// 4 / 5 ms = 800 against ~2,700 (−70 %), p50 above 5 ms against ~1.2 ms (+300 %). The
/// minimum effect sits far below that: 50 %, and 200 % for the p99 tail.
fn matrix(delay: &str) -> String {
    format!(
        "[compare]\nalpha = 0.05\nmin_effect = 0.5\nmin_effect_by_metric = {{ p99_us = 2.0 }}\n\n\
         [[scenario]]\nname = \"h1\"\nconnections = 4\nduration = \"1s\"\nrepeats = 6\ndelay = \"{delay}\"\n"
    )
}

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

#[test]
fn history_list_show_prune() {
    let dir = tmp_dir("history");
    let m = write(
        &dir,
        "m.toml",
        "[[scenario]]\nname = \"a\"\nconnections = 2\nduration = \"200ms\"\nrepeats = 1\n\
         [[scenario]]\nname = \"b\"\nconnections = 2\nduration = \"200ms\"\nrepeats = 2\nbody_size = 1000\n",
    );
    for v in ["t1", "t2", "t3"] {
        let o = regress(&dir, &m, "out", &["--target-version", v]);
        assert_eq!(o.code().map(|c| c <= 1), Some(true), "{}", o.show());
    }
    let db = dir.join("history.db");
    let hist = |args: &[&str]| {
        let mut a = vec!["history"];
        a.extend_from_slice(args);
        a.extend(["--history", s(&db)]);
        run(&a)
    };

    let list = hist(&["list"]);
    assert_eq!(list.code(), Some(0), "{}", list.show());
    let rows: Vec<Vec<&str>> = list
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{}", list.stdout);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], (i + 1).to_string());
        assert!(r.contains(&"finished"));
        assert!(r.contains(&format!("t{}", i + 1).as_str()));
        assert_eq!(r[r.len() - 2], "3", "runs: {r:?}");
        assert_eq!(r[r.len() - 1], "a,b");
    }

    let show = hist(&["show", "2"]);
    assert_eq!(show.code(), Some(0), "{}", show.show());
    assert!(show.stdout.contains("invocation 2"));
    assert!(show.stdout.contains("target    t2"));
    assert!(show.stdout.contains("CPUs"));
    let run_rows: Vec<&str> = show
        .stdout
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|n| n == "a" || n == "b")
        })
        .collect();
    assert_eq!(run_rows.len(), 3, "{}", show.stdout);

    let e = hist(&["show", "99"]);
    assert_setup_error(&e, "no invocation 99");

    let p = hist(&["prune", "--keep", "2"]);
    assert_eq!(p.code(), Some(0), "{}", p.show());
    assert!(
        p.stdout.contains("pruned 1 invocation(s); 2 left"),
        "{}",
        p.stdout
    );
    let list = hist(&["list"]);
    let ids: Vec<&str> = list
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(ids, ["2", "3"]);

    let p = hist(&["prune", "--before", "2000-01-01"]);
    assert!(
        p.stdout.contains("pruned 0 invocation(s); 2 left"),
        "{}",
        p.show()
    );
    let p = hist(&["prune", "--before", "2999-01-01"]);
    assert!(
        p.stdout.contains("pruned 2 invocation(s); 0 left"),
        "{}",
        p.show()
    );
    assert_eq!(hist(&["list"]).stdout.trim(), "no invocations");

    let bad = hist(&["prune", "--before", "someday"]);
    assert_setup_error(&bad, "bad date");
    let missing = run(&["history", "list", "--history", s(&dir.join("nope.db"))]);
    assert_setup_error(&missing, "does not exist");
    assert!(!dir.join("nope.db").exists());
    let none = run(&["history", "list"]);
    assert_setup_error(&none, "--history FILE is required");
}

/// Every kind of scenario runs: closed loop, fixed rate, and a handshake storm over TLS 1.3
/// against the built-in target; none is skipped, in the plan or in the summary.
#[test]
fn every_kind_of_scenario_runs() {
    let dir = tmp_dir("kinds");
    let m = write(
        &dir,
        "m.toml",
        "[defaults]\nconnections = 2\nduration = \"200ms\"\nrepeats = 1\n\
         [[scenario]]\nname = \"plain\"\n\
         [[scenario]]\nname = \"paced\"\nrate = 200\n\
         [[scenario]]\nname = \"hs\"\nkind = \"handshake\"\ntls = \"1.3\"\n",
    );

    // --dry-run shows the plan and runs nothing.
    let dry = regress(&dir, &m, "dry", &["--dry-run"]);
    assert_eq!(dry.code(), Some(0), "{}", dry.show());
    assert!(
        dry.stdout.contains("3 scenario(s); 1 s of load"),
        "{}",
        dry.stdout
    );
    for name in ["plain", "paced", "hs"] {
        assert!(
            dry.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(name)
                    && l.ends_with("1 x 0.2 s, built-in target")),
            "{name} in\n{}",
            dry.stdout
        );
    }
    assert!(!dry.stdout.contains("skipped: "), "{}", dry.stdout);
    assert!(!dir.join("dry").exists());

    let o = regress(&dir, &m, "out", &[]);
    assert_eq!(o.code(), Some(0), "{}", o.show());
    let summary = std::fs::read_to_string(dir.join("out/summary.md")).unwrap();
    assert_eq!(summary, o.stdout);
    for name in ["plain", "paced"] {
        assert_eq!(
            verdict(&summary, name, "requests/s"),
            "unchanged (no baseline)",
            "{summary}"
        );
        let doc = read_json(&dir.join(format!("out/runs/{name}-1.json")));
        assert!(doc["responses"].as_u64().unwrap() > 0, "{doc:#}");
    }
    let hs = read_json(&dir.join("out/runs/hs-1.json"));
    assert_eq!(hs["mode"], "handshake");
    assert!(hs["handshakes"].as_u64().unwrap() > 0, "{hs:#}");
    assert!(
        hs["negotiated"].as_str().unwrap().starts_with("TLSv1_3"),
        "{hs:#}"
    );
    assert!(
        summary.contains("0 scenario(s) skipped, 0 failed"),
        "{summary}"
    );
    assert!(!summary.contains("skipped: "), "{summary}");
    let html = std::fs::read_to_string(dir.join("out/report.html")).unwrap();
    assert!(!html.contains("skipped: "));
}

#[test]
fn broken_setups_exit_2_with_one_clear_line() {
    let dir = tmp_dir("bad");
    let good = write(
        &dir,
        "good.toml",
        "[[scenario]]\nname = \"a\"\nconnections = 1\nduration = \"100ms\"\nrepeats = 1\n",
    );
    let cases: Vec<(String, &str)> = vec![
        ("[[scenario]\nname = \"a\"\n".into(), "bad matrix"),
        (
            "[[scenario]]\nname = \"a\"\nconections = 5\n".into(),
            "unknown field `conections`",
        ),
        (
            "[[scenario]]\nname = \"a\"\nrepeats = 0\n".into(),
            "repeats",
        ),
        ("".into(), "no [[scenario]]"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let m = write(&dir, &format!("bad{i}.toml"), text);
        let o = regress(&dir, &m, "out", &[]);
        assert_setup_error(&o, want);
    }
    let o = regress(&dir, &dir.join("absent.toml"), "out", &[]);
    assert_setup_error(&o, "cannot read matrix");

    // A history path nothing can create (even root): under a regular file.
    let file = write(&dir, "plain-file", "x");
    let db = file.join("history.db");
    let out = dir.join("out");
    let o = run(&[
        "regress",
        "--matrix",
        s(&good),
        "--history",
        s(&db),
        "--out",
        s(&out),
    ]);
    assert_setup_error(&o, "cannot open history");
    // A history file that is not a database.
    let o = run(&[
        "regress",
        "--matrix",
        s(&good),
        "--history",
        s(&file),
        "--out",
        s(&out),
    ]);
    assert_setup_error(&o, "cannot open history");
    // An output directory that cannot be made.
    let o = run(&[
        "regress",
        "--matrix",
        s(&good),
        "--history",
        s(&dir.join("h.db")),
        "--out",
        s(&file.join("out")),
    ]);
    assert_setup_error(&o, "cannot create output directory");

    // Options.
    let bad_opts: [(&[&str], &str); 6] = [
        (&["--baseline", "yesterday"], "--baseline"),
        (&["--baseline", "42"], "no such invocation"),
        (&["--export", "csv", "x.csv"], "unknown format"),
        (&["--duration", "fast"], "--duration"),
        (&["--alpha", "1.5"], "--alpha"),
        (&["--url", "ftp://127.0.0.1/"], "url"),
    ];
    for (extra, want) in bad_opts {
        let o = regress(&dir, &good, "out", extra);
        assert_setup_error(&o, want);
    }

    // An unreachable real target: found before any run.
    let url = format!("http://127.0.0.1:{}/", common::closed_port());
    let o = regress(&dir, &good, "out", &["--url", &url]);
    assert_setup_error(&o, "unreachable");
    let list = run(&["history", "list", "--history", s(&dir.join("history.db"))]);
    assert_eq!(list.stdout.trim(), "no invocations", "{}", list.show());
}
