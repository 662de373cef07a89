//! Hand-built `RunResult`s shared by the integration tests, and golden-file helpers.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;
use tfw_engine::result::{CpuUsage, Interval, IoInfo, RunResult, WorkerInfo};
use tfw_engine::stats::{ErrorKind, Snapshot, Stats};

/// io_uring with every fast path but registered files.
pub fn fast_io() -> IoInfo {
    IoInfo {
        backend: "io_uring",
        multishot_recv: true,
        buffer_ring: true,
        registered_files: false,
        single_issuer: true,
        defer_taskrun: true,
        fallback_reason: String::new(),
    }
}

/// A run from interval snapshots: totals are their merge.
pub fn run_from(intervals: Vec<Interval>, elapsed: Duration) -> RunResult {
    let mut totals = Snapshot::empty();
    for i in &intervals {
        totals.add(&i.snapshot);
    }
    RunResult {
        target: "http://127.0.0.1:8080/".to_string(),
        elapsed,
        conns_requested: 100,
        conns_established: 100,
        totals,
        intervals,
        io: fast_io(),
        cpu: CpuUsage {
            user_s: 0.25,
            sys_s: 0.75,
            max_rss_kib: 24_576,
        },
        workers: vec![
            WorkerInfo {
                cpu: 0,
                conns: 50,
                cpu_s: 0.5,
                busy: 0.25,
            },
            WorkerInfo {
                cpu: 1,
                conns: 50,
                cpu_s: 0.5,
                busy: 0.25,
            },
        ],
        pipeline: 1,
        interrupted: false,
        unanswered: 0,
        first_connect_error: None,
        rate: None,
        warmup: std::time::Duration::ZERO,
        protocol: "http/1.1",
        tls_negotiated: None,
        script_error: None,
    }
}

/// Two 1 s intervals over 2 s:
/// - first: 600 requests, 500 responses (latency 1..=500 µs, 490×200 + 10×404), 2 timeouts;
/// - second: 505 requests, 500 responses (latency 501..=1000 µs, all 200), 1 read error.
///
/// Totals: 1105 requests, 1000 responses, latencies 1..=1000 µs, 3 errors, 100 connects.
pub fn sample() -> RunResult {
    let mut s = Stats::new();
    for _ in 0..100 {
        s.connected(120);
    }
    s.requests_sent(600, 600 * 80);
    for v in 1..=500u64 {
        s.response(if v <= 490 { 200 } else { 404 }, v);
    }
    s.bytes_read(500 * 200);
    s.error(ErrorKind::Timeout);
    s.error(ErrorKind::Timeout);
    let first = s.take_snapshot();

    s.requests_sent(505, 505 * 80);
    for v in 501..=1000u64 {
        s.response(200, v);
    }
    s.bytes_read(500 * 200);
    s.error(ErrorKind::Read);
    let second = s.take_snapshot();

    run_from(
        vec![
            Interval {
                t_s: 1.0,
                snapshot: first,
            },
            Interval {
                t_s: 2.0,
                snapshot: second,
            },
        ],
        Duration::from_secs(2),
    )
}

/// A run where nothing answered: a refused connect per connection, no responses, one empty
/// interval, no elapsed time.
pub fn empty() -> RunResult {
    let mut s = Stats::new();
    for _ in 0..100 {
        s.error(ErrorKind::Connect);
    }
    let mut r = run_from(
        vec![Interval {
            t_s: 0.0,
            snapshot: s.take_snapshot(),
        }],
        Duration::ZERO,
    );
    r.conns_established = 0;
    r.io = IoInfo {
        backend: "epoll",
        fallback_reason: "io_uring_setup: Operation not permitted".to_string(),
        ..IoInfo::default()
    };
    r.cpu = CpuUsage::default();
    r.workers.truncate(1);
    r.workers[0].cpu_s = 0.0;
    r
}

/// Every response at the same latency.
pub fn constant_latency(latency_us: u64, n: u64) -> RunResult {
    let mut s = Stats::new();
    s.requests_sent(n, n * 100);
    for _ in 0..n {
        s.response(200, latency_us);
    }
    s.bytes_read(n * 1000);
    run_from(
        vec![Interval {
            t_s: 1.0,
            snapshot: s.take_snapshot(),
        }],
        Duration::from_secs(1),
    )
}

/// `testdata/<name>` in this crate.
pub fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

/// The golden file's text; with `UPDATE_GOLDEN=1` it is (re)written from `actual` first.
pub fn golden(name: &str, actual: &str) -> String {
    let path = testdata(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
    }
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create)",
            path.display()
        )
    })
}
