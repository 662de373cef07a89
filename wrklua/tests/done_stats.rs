//! done(summary, latency, requests): the summary table and the stats userdata over HDR
//! histograms (min, max, mean, stdev, percentile, s(i), #s), as wrk's script.c exposes them.

mod support;

use hdrhistogram::Histogram;
use support::loaded;
use tfw_wrklua::{Summary, SummaryErrors};

/// A latency histogram (µs) with a spread of values, and a requests/s one.
fn histograms() -> (Histogram<u64>, Histogram<u64>) {
    let mut latency = Histogram::<u64>::new(3).expect("histogram");
    for i in 1..=500u64 {
        latency.record(100 + i * i).expect("record");
    }
    latency.record_n(250, 40).expect("record");
    let mut requests = Histogram::<u64>::new(3).expect("histogram");
    for r in [900u64, 1000, 1000, 1100] {
        requests.record(r).expect("record");
    }
    (latency, requests)
}

#[test]
fn done_sees_summary_and_histograms() {
    let script = loaded(
        "report.lua",
        r#"
done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("%d %d %d\n", summary.duration, summary.requests, summary.bytes))
   io.write(string.format("%d %d %d %d %d\n", e.connect, e.read, e.write, e.status, e.timeout))
   for _, p in ipairs({ 50, 75, 90, 99, 99.9 }) do
      io.write(string.format("%g %d\n", p, latency:percentile(p)))
   end
   io.write(string.format("%d %d %.3f %.3f\n", latency.min, latency.max, latency.mean, latency.stdev))
   local v, n = latency(1)
   io.write(string.format("%d %d %d\n", #latency, v, n))
   io.write(string.format("%d %d %.3f\n", requests.min, requests.max, requests.mean))
end
"#,
        1,
    );
    let (latency, requests) = histograms();
    let summary = Summary {
        duration_us: 10_000_123,
        requests: 54_321,
        bytes: 9_876_543,
        errors: SummaryErrors {
            connect: 1,
            read: 2,
            write: 3,
            status: 4,
            timeout: 5,
        },
    };
    let mut out = Vec::new();
    script
        .done_to(&mut out, &summary, &latency, &requests)
        .expect("done()");
    let text = String::from_utf8(out).expect("utf-8");

    let mut expected = vec![
        "10000123 54321 9876543".to_string(),
        "1 2 3 4 5".to_string(),
    ];
    for p in [50.0, 75.0, 90.0, 99.0, 99.9] {
        expected.push(format!("{p} {}", latency.value_at_percentile(p)));
    }
    expected.push(format!(
        "{} {} {:.3} {:.3}",
        latency.min(),
        latency.max(),
        latency.mean(),
        latency.stdev()
    ));
    let first = latency.iter_recorded().next().expect("a value");
    expected.push(format!(
        "{} {} {}",
        latency.iter_recorded().count(),
        latency.highest_equivalent(first.value_iterated_to()),
        first.count_at_value()
    ));
    expected.push(format!(
        "{} {} {:.3}",
        requests.min(),
        requests.max(),
        requests.mean()
    ));
    assert_eq!(text.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn percentile_outside_0_to_100_is_an_error_with_its_line() {
    let script = loaded(
        "pct.lua",
        "done = function(s, latency)\n   print(latency:percentile(150))\nend\n",
        1,
    );
    let (latency, requests) = histograms();
    let err = script
        .done_to(&mut Vec::new(), &Summary::default(), &latency, &requests)
        .expect_err("150 is refused");
    assert!(
        err.0.contains("percentile 150 is not between 0 and 100"),
        "{err}"
    );
    assert!(err.0.contains("pct.lua:2:"), "{err}");
}

#[test]
fn print_is_restored_after_done_and_no_done_prints_nothing() {
    let script = loaded(
        "twice.lua",
        "done = function(s) print(\"requests\", s.requests) end\n",
        1,
    );
    let (latency, requests) = histograms();
    for n in [7u64, 8] {
        let mut out = Vec::new();
        let summary = Summary {
            requests: n,
            ..Summary::default()
        };
        script
            .done_to(&mut out, &summary, &latency, &requests)
            .expect("done()");
        assert_eq!(out, format!("requests\t{n}\n").into_bytes());
    }

    let quiet = loaded(
        "quiet.lua",
        "request = function() return wrk.format() end\n",
        1,
    );
    let mut out = Vec::new();
    quiet
        .done_to(&mut out, &Summary::default(), &latency, &requests)
        .expect("no done()");
    assert!(out.is_empty());
}
