//! The printer against figures whose wrk output was worked out by hand from wrk's rules
//! (src/wrk.c, src/stats.c, src/units.c), and against the output of the real wrk 4.1.0 for a
//! run in which nothing answered.

use super::*;
use std::time::Duration;
use tfw_engine::result::Interval;
use tfw_engine::stats::Snapshot;

fn result(latencies: &[(u64, u64)], intervals: &[(f64, u64)], elapsed: Duration) -> RunResult {
    let mut totals = Snapshot::empty();
    for &(v, n) in latencies {
        totals.latency.record_n(v, n).unwrap();
        totals.counters.responses += n;
    }
    let intervals = intervals
        .iter()
        .map(|&(t_s, responses)| {
            let mut snapshot = Snapshot::empty();
            snapshot.counters.responses = responses;
            Interval { t_s, snapshot }
        })
        .collect();
    crate::drop_in::test_run(totals, elapsed, intervals)
}

#[test]
fn header_lines() {
    let run = WrkRun {
        url: "http://127.0.0.1:8080/index.html",
        threads: 12,
        connections: 400,
        duration_s: 30,
    };
    assert_eq!(
        header(&run),
        "Running 30s test @ http://127.0.0.1:8080/index.html\n  12 threads and 400 connections\n"
    );
    let run = WrkRun {
        duration_s: 120,
        ..run
    };
    assert!(header(&run).starts_with("Running 2m test @ "));
}

#[test]
fn a_run_in_wrks_layout() {
    // Latency 100 us x3 and 200 us x1: mean 125, stdev sqrt(7500 / 3) = 50, within
    // [75, 175]: 3 of 4. Req/Sec, 2 threads: 100 responses in 0.1 s -> 500/s each, 200 ->
    // 1000/s each, an empty interval skipped: mean 750, stdev sqrt(4 * 250^2 / 3) = 288.68.
    let mut r = result(
        &[(100, 3), (200, 1)],
        &[(0.1, 100), (0.2, 200), (0.3, 0)],
        Duration::from_secs(1),
    );
    r.totals.counters.bytes_read = 1024;
    r.totals.counters.status = vec![(200, 2), (302, 1), (404, 1)];
    let text = report(&r, 2, true);
    let want = "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n\
                \x20   Latency   125.00us   50.00us 200.00us   75.00%\n\
                \x20   Req/Sec   750.00    288.68     1.00k   100.00%\n\
                \x20 Latency Distribution\n\
                \x20    50%  100.00us\n\
                \x20    75%  100.00us\n\
                \x20    90%  200.00us\n\
                \x20    99%  200.00us\n\
                \x20 4 requests in 1.00s, 1.00KB read\n\
                \x20 Non-2xx or 3xx responses: 1\n\
                Requests/sec:      4.00\n\
                Transfer/sec:      1.00KB\n";
    assert_eq!(text, want, "\n{text}");
}

#[test]
fn socket_errors_only_when_some() {
    let mut r = result(&[(1500, 2)], &[(0.1, 2)], Duration::from_millis(2500));
    let text = report(&r, 1, false);
    assert!(!text.contains("Socket errors"), "{text}");
    assert!(!text.contains("Non-2xx"), "{text}");
    assert!(!text.contains("Latency Distribution"), "{text}");
    assert!(
        text.contains("  2 requests in 2.50s, 0.00B read\n"),
        "{text}"
    );
    r.totals.counters.errors[ErrorKind::Connect as usize] = 3;
    r.totals.counters.errors[ErrorKind::Tls as usize] = 1;
    r.totals.counters.errors[ErrorKind::Parse as usize] = 2;
    r.totals.counters.errors[ErrorKind::Timeout as usize] = 5;
    let text = report(&r, 1, false);
    assert!(
        text.contains(
            "\n  Socket errors: connect 4, read 2, write 0, timeout 5\nRequests/sec:      0.80\n"
        ),
        "{text}"
    );
    // 1.5 ms: 1500 >= 850 us.
    assert!(text.contains("    Latency     1.50ms"), "{text}");
}

#[test]
fn nothing_answered_prints_as_wrk_4_1_0_does() {
    // `wrk -d1 -t1 -c2 --latency` against a listener that never answers (Debian's wrk
    // 4.1.0-3): zeros, and -nan for the share within a stdev.
    let r = result(&[], &[], Duration::from_micros(1_002_000));
    let want = "  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 1.00s, 0.00B read
Requests/sec:      0.00
Transfer/sec:       0.00B
";
    assert_eq!(report(&r, 1, true), want);
}

#[test]
fn request_samples_count_per_thread() {
    let r = result(
        &[],
        &[(0.1, 30), (0.15, 0), (0.25, 60)],
        Duration::from_secs(1),
    );
    let h = requests_histogram(&r, 3);
    // 30 in 0.1 s over 3 threads: 100/s; 60 in 0.1 s: 200/s; 3 samples each.
    assert_eq!(h.len(), 6);
    assert_eq!(h.min(), 100);
    assert_eq!(h.max(), 200);
}

#[test]
fn status_errors_are_above_399() {
    let mut r = result(&[], &[], Duration::from_secs(1));
    r.totals.counters.status = vec![(101, 1), (200, 5), (399, 2), (400, 3), (503, 4)];
    assert_eq!(errors(&r).status, 7);
}
