//! The kernel-log scan on recorded Tempesta kernel logs (testdata/dmesg/README.md says
//! where each comes from).

use std::path::Path;
use tfw_testbed::kernel_log::{scan, Kind};

fn sample(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/dmesg")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn kernel_bug_with_its_trace_then_a_lone_trace() {
    let s = scan(&sample("bug-b8a8228b.log"), &[]).unwrap();
    let kinds: Vec<Kind> = s.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [Kind::Bug, Kind::CallTrace], "{s:#?}");
    let bug = &s.findings[0].line;
    assert!(
        bug.starts_with("[17193.217477] Kernel BUG at ffffffffc04f06e7"),
        "{bug}"
    );
    assert!(bug.contains("Call Trace:"));
    assert!(bug.contains("tfw_clean_srv_groups+0x135/0x150 [tempesta_fw]"));
    assert!(bug
        .lines()
        .last()
        .unwrap()
        .contains("entry_SYSCALL_64_fastpath"));
    let slab = &s.findings[1].line;
    assert!(slab.contains("kmem_cache_destroy+0x23e/0x250"));
    assert!(slab.contains("tfw_exit+0x2b/0x60 [tempesta_fw]"));
    assert_eq!(s.ignored, 0);
}

#[test]
fn ubsan_report_is_a_call_trace_and_can_be_ignored() {
    let log = sample("ubsan-c2982989.log");
    let s = scan(&log, &[]).unwrap();
    assert_eq!(s.findings.len(), 1, "{s:#?}");
    assert_eq!(s.findings[0].kind, Kind::CallTrace);
    assert_eq!(s.findings[0].line.lines().count(), 15);
    let s = scan(&log, &[r"tfw_ctlfn_state_io\+".to_string()]).unwrap();
    assert!(s.findings.is_empty());
    assert_eq!(s.ignored, 1);
}

#[test]
fn tdb_error_bug_and_oops() {
    let s = scan(&sample("tdb-oops-issue-1040.log"), &[]).unwrap();
    let kinds: Vec<Kind> = s.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [Kind::Error, Kind::Bug, Kind::Oops]);
    assert!(s.findings[0]
        .line
        .ends_with("[tdb] ERROR: Cannot fallocate file, -95"));
    let s = scan(
        &sample("tdb-oops-issue-1040.log"),
        &["^.*\\[tdb\\] ERROR".into()],
    )
    .unwrap();
    assert_eq!((s.findings.len(), s.ignored), (2, 1));
}

#[test]
fn warning_line() {
    let s = scan(&sample("warning-issue-1840.log"), &[]).unwrap();
    assert_eq!(s.findings.len(), 1);
    assert_eq!(s.findings[0].kind, Kind::Warning);
    assert!(s.findings[0]
        .line
        .contains("at tempesta_new_clntsk+0x3b/0x50"));
}

#[test]
fn clean_start_has_no_findings() {
    let log = sample("clean-start-issue-2562.log");
    assert!(log.lines().count() > 30);
    let s = scan(&log, &[]).unwrap();
    assert!(s.findings.is_empty(), "{s:#?}");
    assert_eq!(s.ignored, 0);
}
