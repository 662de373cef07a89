//! The SQLite history on real files: what is stored reads back, baselines and trends pick the
//! right runs, prune deletes whole invocations, a newer schema is refused, and a reopened file
//! keeps everything.

use serde_json::json;
use std::path::PathBuf;
use tfw_reports::history::db::{History, HistoryError, NewInvocation, NewRun, SCHEMA_VERSION};
use tfw_reports::history::host::HostFacts;
use tfw_reports::history::run::RunFigures;

fn tmp_db(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let p = dir.join(format!("history-{name}-{}.db", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let mut f = p.as_os_str().to_owned();
        f.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(f));
    }
    p
}

fn invocation(started: f64, target: &str) -> NewInvocation {
    NewInvocation {
        started_unix_s: started,
        tool_version: "0.1.0".into(),
        tool_commit: Some("abc1234".into()),
        target_version: Some(target.into()),
        host: HostFacts {
            kernel: "Linux 6.18.0 x86_64".into(),
            cpu_model: "Test CPU".into(),
            cpu_cores: 2,
        },
        matrix: "[[scenario]]\nname = \"a\"\n".into(),
    }
}

/// A run document as `stress --json` writes it (the fields the history reads).
fn doc(rps: f64, p50: f64) -> serde_json::Value {
    let mut h = hdrhistogram::Histogram::<u64>::new(3).unwrap();
    h.record(p50 as u64).unwrap();
    json!({
        "rps": rps,
        "responses": (rps * 2.0) as u64,
        "duration_s": 2.0,
        "latency_us": {"p50": p50, "p90": p50 * 1.5, "p99": p50 * 2.0, "p999": p50 * 3.0, "max": p50 * 4.0},
        "errors": {"connect": 0, "read": 1, "write": 0, "timeout": 2, "parse": 0},
        "cpu": {"us_per_response": 9.5},
        "settings": {"connections": 10},
        "started_unix_s": 1_700_000_000.5,
        "latency_hdr": tfw_reports::json::histogram_base64(&h),
    })
}

fn store(h: &mut History, inv: i64, scenario: &str, key: &str, round: u32, rps: f64) -> i64 {
    let figures = RunFigures::from_json(&doc(rps, 100.0)).unwrap();
    let sj = json!({"name": scenario});
    h.insert_run(&NewRun {
        invocation_id: inv,
        scenario,
        load_key: key,
        round,
        scenario_json: &sj,
        figures: &figures,
    })
    .unwrap()
}

#[test]
fn runs_read_back_with_their_metrics_and_histogram() {
    let path = tmp_db("readback");
    let mut h = History::open(&path).unwrap();
    let inv = h
        .begin_invocation(&invocation(1000.0, "tempesta 0.8"))
        .unwrap();
    let id = store(&mut h, inv, "h1", "k", 1, 5000.0);
    h.finish_invocation(inv, 1010.0).unwrap();
    drop(h);

    let h = History::open_existing(&path).unwrap();
    assert_eq!(h.integrity_check().unwrap(), "ok");
    let row = h.invocation(inv).unwrap();
    assert_eq!(row.target_version.as_deref(), Some("tempesta 0.8"));
    assert_eq!(row.tool_commit.as_deref(), Some("abc1234"));
    assert_eq!(row.host.cpu_model, "Test CPU");
    assert_eq!(row.finished_unix_s, Some(1010.0));
    assert_eq!(
        (row.runs, row.scenarios.clone()),
        (1, vec!["h1".to_string()])
    );
    let runs = h.runs_of(inv).unwrap();
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    assert_eq!(r.id, id);
    assert_eq!(r.metrics["rps"], 5000.0);
    assert_eq!(r.metrics["p50_us"], 100.0);
    assert_eq!(r.metrics["p99_us"], 200.0);
    assert_eq!(r.metrics["cpu_us_per_response"], 9.5);
    assert_eq!(r.metrics["errors"], 3.0);
    assert_eq!(r.metrics["responses"], 10000.0);
    assert_eq!(r.started_unix_s, 1_700_000_000.5);
    let errors: serde_json::Value = serde_json::from_str(&r.errors_json).unwrap();
    assert_eq!(errors["timeout"], 2);
    // The histogram is stored as V2+DEFLATE bytes and decodes to what was recorded.
    let bytes = h.histogram(id).unwrap().unwrap();
    assert_eq!(bytes.len(), r.histogram_bytes);
    let hist: hdrhistogram::Histogram<u64> = hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .unwrap();
    assert_eq!(hist.len(), 1);
    assert!(hist.equivalent(hist.value_at_quantile(0.5), 100));
}

#[test]
fn baselines_and_trends_pick_the_right_runs() {
    let path = tmp_db("baseline");
    let mut h = History::open(&path).unwrap();
    let mut invs = Vec::new();
    for i in 0..4 {
        let inv = h
            .begin_invocation(&invocation(1000.0 + i as f64, "t"))
            .unwrap();
        for round in 1..=2 {
            store(
                &mut h,
                inv,
                "a",
                "k1",
                round,
                100.0 * (i + 1) as f64 + round as f64,
            );
        }
        // Another scenario, and the same name with other load settings.
        store(&mut h, inv, "b", "k1", 1, 1.0);
        if i == 1 {
            store(&mut h, inv, "a", "k2", 1, 7.0);
        }
        invs.push(inv);
    }
    let last = *invs.last().unwrap();
    assert_eq!(
        h.last_invocations_with("a", "k1", last, 2).unwrap(),
        vec![invs[2], invs[1]]
    );
    assert_eq!(
        h.last_invocations_with("a", "k2", last, 5).unwrap(),
        vec![invs[1]]
    );
    assert!(h
        .last_invocations_with("a", "k1", invs[0], 3)
        .unwrap()
        .is_empty());
    assert_eq!(
        h.samples("a", "k1", "rps", &[invs[1], invs[2]]).unwrap(),
        vec![201.0, 202.0, 301.0, 302.0]
    );
    assert_eq!(h.samples("a", "k2", "rps", &[invs[1]]).unwrap(), vec![7.0]);
    let trend = h.trend("a", "k1", "rps").unwrap();
    assert_eq!(trend.len(), 4);
    assert_eq!(trend[3].invocation_id, last);
    assert_eq!(trend[3].started_unix_s, 1003.0);
    assert_eq!(trend[3].values, vec![401.0, 402.0]);
    assert!(h.has_invocation(invs[0]).unwrap());
    assert!(!h.has_invocation(999).unwrap());
}

#[test]
fn prune_deletes_whole_invocations() {
    let path = tmp_db("prune");
    let mut h = History::open(&path).unwrap();
    let mut invs = Vec::new();
    for i in 0..5 {
        let inv = h
            .begin_invocation(&invocation(1000.0 * (i + 1) as f64, "t"))
            .unwrap();
        store(&mut h, inv, "a", "k", 1, 1.0);
        invs.push(inv);
    }
    assert_eq!(h.prune_before(2500.0).unwrap(), 2);
    assert_eq!(h.prune_keep(2).unwrap(), 1);
    let left: Vec<i64> = h.invocations().unwrap().iter().map(|i| i.id).collect();
    assert_eq!(left, vec![invs[3], invs[4]]);
    // Their runs and metrics went with them.
    assert!(h.runs_of(invs[0]).unwrap().is_empty());
    assert!(h.samples("a", "k", "rps", &invs[..3]).unwrap().is_empty());
    assert_eq!(h.samples("a", "k", "rps", &invs[3..]).unwrap().len(), 2);
    assert_eq!(h.prune_keep(10).unwrap(), 0);
    assert_eq!(h.integrity_check().unwrap(), "ok");
    assert!(matches!(
        h.invocation(invs[0]),
        Err(HistoryError::NoInvocation(_))
    ));
}

#[test]
fn a_newer_schema_is_refused_and_a_missing_file_is_not_created_for_reading() {
    let path = tmp_db("newer");
    drop(History::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let e = History::open(&path).err().expect("refused");
    assert!(matches!(e, HistoryError::NewerSchema { .. }), "{e}");
    assert!(e.to_string().contains("newer tfw-bench"), "{e}");

    let missing = tmp_db("missing");
    assert!(matches!(
        History::open_existing(&missing),
        Err(HistoryError::Missing(_))
    ));
    assert!(!missing.exists());
}

#[test]
fn a_file_that_is_not_a_database_is_an_open_error() {
    let path = tmp_db("garbage");
    std::fs::write(
        &path,
        b"this is not an SQLite file, just text, long enough to have a header",
    )
    .unwrap();
    let e = History::open(&path).err().expect("refused");
    assert!(matches!(e, HistoryError::NotADatabase(_)), "{e}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    // Even a tiny one, which SQLite would take for an empty database and overwrite.
    std::fs::write(&path, b"x").unwrap();
    assert!(matches!(
        History::open(&path),
        Err(HistoryError::NotADatabase(_))
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"x");
    // A directory is an open error naming it.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let e = History::open(&dir).err().expect("refused");
    assert!(matches!(e, HistoryError::Open { .. }), "{e}");
}
