//! The human summary: expected lines and units, empty runs, interrupted and unanswered
//! marking, per-worker CPU, and the golden example in testdata/.

mod common;

use common::{constant_latency, empty, golden, sample};
use tfw_reports::summary;

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

fn has_line(s: &str, line: &str) -> bool {
    s.lines().any(|l| l == line)
}

#[test]
fn sample_lines() {
    let s = summary(&sample());
    assert!(s.ends_with('\n'));
    for l in lines(&s) {
        assert!(
            l.starts_with("  "),
            "indented under the binary's header: {l:?}"
        );
    }
    let expected = [
        "  2 workers (CPUs 0,1), 100 connections requested, 100 established, pipeline 1",
        "  io: io_uring, multishot recv + buffer ring, single issuer, defer taskrun",
        "  Latency     mean 500µs  stdev 289µs  max 1.00ms",
        "  Latency distribution",
        "       50%    500µs",
        "       75%    750µs",
        "       90%    900µs",
        "       99%    990µs",
        "     99.9%    999µs",
        "    99.99%   1.00ms",
        "  1105 requests, 1000 responses in 2.00s, 195.31KB read, 86.33KB written",
        "  Requests/sec: 500.00",
        "  Transfer/sec: 97.66KB",
        "  Status: 200: 990, 404: 10",
        "  Non-2xx or 3xx responses: 10",
        "  Errors: connect 0, read 1, write 0, timeout 2, parse 0, tls 0, reset 0",
        "  Client CPU: user 0.25s, sys 0.75s (1.00ms per response), max RSS 24.00MB",
        "  Worker CPU: cpu0 0.50s (50 conns), cpu1 0.50s (50 conns)",
    ];
    for e in expected {
        assert!(has_line(&s, e), "missing {e:?} in\n{s}");
    }
    assert_eq!(lines(&s).len(), expected.len(), "\n{s}");
    assert!(!s.contains("INTERRUPTED"));
    assert!(!s.contains("Unanswered"));
}

#[test]
fn millisecond_units() {
    // 1500 µs → 1.50ms everywhere; stdev of a constant is 0.
    let s = summary(&constant_latency(1500, 10));
    assert!(
        has_line(&s, "  Latency     mean 1.50ms  stdev 0µs  max 1.50ms"),
        "{s}"
    );
    assert!(has_line(&s, "       50%   1.50ms"), "{s}");
    assert!(has_line(&s, "    99.99%   1.50ms"), "{s}");
    // 10 responses in 1 s, 10000 B read.
    assert!(has_line(&s, "  Requests/sec: 10.00"), "{s}");
    assert!(has_line(&s, "  Transfer/sec: 9.77KB"), "{s}");
    // 1 s of CPU over 10 responses.
    assert!(s.contains("(100ms per response)"), "{s}");
}

#[test]
fn second_units() {
    let s = summary(&constant_latency(2_500_000, 3));
    assert!(s.contains("mean 2.50s"), "{s}");
    assert!(has_line(&s, "       50%    2.50s"), "{s}");
}

#[test]
fn empty_run() {
    let s = summary(&empty());
    for bad in ["NaN", "nan", "inf"] {
        assert!(!s.contains(bad), "{bad} in\n{s}");
    }
    let expected = [
        "  1 worker (CPU 0), 100 connections requested, 0 established, pipeline 1",
        "  io: epoll (io_uring unavailable: io_uring_setup: Operation not permitted)",
        "  Latency     none (no responses)",
        "  0 requests, 0 responses in 0.00s, 0B read, 0B written",
        "  Requests/sec: 0.00",
        "  Transfer/sec: 0B",
        "  Status: none",
        "  Errors: connect 100, read 0, write 0, timeout 0, parse 0, tls 0, reset 0",
        "  Client CPU: user 0.00s, sys 0.00s (no responses), max RSS 0B",
    ];
    for e in expected {
        assert!(has_line(&s, e), "missing {e:?} in\n{s}");
    }
    assert!(!s.contains("Latency distribution"));
    assert!(!s.contains("Worker CPU"), "one worker: no per-worker line");
}

#[test]
fn interrupted_is_marked_first() {
    let mut r = sample();
    r.interrupted = true;
    r.elapsed = std::time::Duration::from_millis(1234);
    let s = summary(&r);
    assert_eq!(
        lines(&s)[0],
        "  INTERRUPTED: stopped by a signal after 1.23s; figures cover the partial run"
    );
}

#[test]
fn unanswered_shown_only_when_nonzero() {
    let mut r = sample();
    r.unanswered = 105;
    let s = summary(&r);
    assert!(
        has_line(
            &s,
            "  Unanswered: 105 requests had no response when the drain ended"
        ),
        "{s}"
    );
    r.unanswered = 1;
    assert!(summary(&r).contains("  Unanswered: 1 request had no response"));
}

#[test]
fn many_workers_collapse_cpu_ranges() {
    let mut r = sample();
    r.workers = (0..4)
        .chain(8..9)
        .map(|cpu| tfw_engine::result::WorkerInfo {
            cpu,
            conns: 20,
            cpu_s: 0.2,
            busy: 0.25,
        })
        .collect();
    let s = summary(&r);
    assert!(s.contains("  5 workers (CPUs 0-3,8), "), "{s}");
    assert!(s.contains("cpu8 0.20s (20 conns)"), "{s}");
}

#[test]
fn golden_example_summary() {
    let s = summary(&sample());
    assert_eq!(
        s,
        golden("summary.sample.txt", &s),
        "summary changed; if intended, rerun with UPDATE_GOLDEN=1 and review the diff"
    );
}

/// A saturated worker and an open-loop schedule that was not kept are warned about, in the
/// summary and the JSON; a calm run has no warnings.
#[test]
fn saturation_and_schedule_warnings() {
    let calm = sample();
    assert!(tfw_reports::warnings::warnings(&calm).is_empty());
    assert!(!summary(&calm).contains("WARNING"));

    let mut busy = sample();
    busy.workers[1].busy = 0.97;
    let w = tfw_reports::warnings::warnings(&busy);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("CPU 1") && w[0].contains("97%"), "{w:?}");
    assert!(summary(&busy).contains("  WARNING: worker on CPU 1"));
    let doc = tfw_reports::to_json(&busy, &tfw_reports::Meta::default());
    assert_eq!(doc["workers"][1]["saturated"], true);
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 1);

    let mut behind = sample();
    behind.rate = Some(tfw_engine::result::RateInfo {
        target_rps: 1000.0,
        unsent: 300,
    });
    behind.totals.counters.late = 50;
    behind.totals.counters.max_lag_us = 250_000;
    let w = tfw_reports::warnings::warnings(&behind);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("1000 requests/s was not kept"), "{w:?}");
    assert!(w[0].contains("300 never sent"), "{w:?}");
    let s = summary(&behind);
    assert!(s.contains("corrected  uncorrected"), "{s}");
    assert!(s.contains("Rate: asked 1000.00/s"), "{s}");
}

#[test]
fn h2load_lines_follow_h2loads_meanings() {
    // sample(): 1105 requests, 990 x 200 + 10 x 404, a read error and two timeouts.
    let s = tfw_reports::h2load::h2load_lines(&sample(), None);
    assert_eq!(
        s,
        "requests: 1105 total, 1105 started, 1003 done, 990 succeeded, 13 failed, 3 errored, 2 timeout\n\
         status codes: 990 2xx, 0 3xx, 10 4xx, 0 5xx\n"
    );
    // With -n, total is what was asked.
    let s = tfw_reports::h2load::h2load_lines(&sample(), Some(2000));
    assert!(s.starts_with("requests: 2000 total, 1105 started,"), "{s}");
}
