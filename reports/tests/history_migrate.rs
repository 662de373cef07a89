//! A history written by an older tfw-bench (schema version 1, without the target's revision
//! and kernel) is migrated in place when opened: its invocations read back with the facts
//! unknown, and new invocations store them.

use std::path::PathBuf;
use tfw_reports::history::db::{History, NewInvocation, TargetFacts, SCHEMA_VERSION};
use tfw_reports::history::host::HostFacts;
use tfw_reports::history::listing;
use tfw_reports::history::schema::schema_v1;

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

#[test]
fn a_version_1_history_is_migrated_and_keeps_its_invocations() {
    let db = tmp_db("v1");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(schema_v1()).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO invocations (started_unix_s, tool_version, target_version, kernel,
                 cpu_model, cpu_cores, matrix) VALUES (1764696000, '0.3.0', 'old', 'Linux 6.1 x86_64',
                 'Test CPU', 2, '')",
            [],
        )
        .unwrap();
    }
    let mut h = History::open(&db).unwrap();
    let old = h.invocation(1).unwrap();
    assert_eq!(old.target_version.as_deref(), Some("old"));
    assert!(old.target.is_empty());

    let id = h
        .begin_invocation(&NewInvocation {
            started_unix_s: 1_764_700_000.0,
            tool_version: "0.4.0".into(),
            tool_commit: None,
            target_version: Some("v0.8.0-3-gabcdef0".into()),
            host: HostFacts::from_proc("", "6.8.0", "x86_64"),
            matrix: String::new(),
        })
        .unwrap();
    let facts = TargetFacts {
        revision: Some("v0.8.0-3-gabcdef0".into()),
        kernel: Some("5.10.35.tfw-04d37a1".into()),
    };
    h.record_target(id, &facts).unwrap();
    drop(h);

    let conn = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    drop(conn);
    let h = History::open_existing(&db).unwrap();
    assert_eq!(h.invocation(id).unwrap().target, facts);
    let list = listing::invocations_table(&h.invocations().unwrap());
    assert!(list.contains("5.10.35.tfw-04d37a1"), "{list}");
    let show = listing::invocation_details(&h.invocation(id).unwrap(), &[]);
    assert!(
        show.contains("revision v0.8.0-3-gabcdef0; kernel 5.10.35.tfw-04d37a1"),
        "{show}"
    );
    assert_eq!(h.integrity_check().unwrap(), "ok");
}
