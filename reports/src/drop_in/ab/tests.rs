//! The ab printer's layout and number formatting, pinned against ab 2.3's own output.

use super::*;
use std::time::Duration;
use tfw_engine::result::RunResult;
use tfw_engine::stats::Stats;

/// 200 responses over 0.5 s on 4 connections: 190×200 and 10×404, latencies 1..=200 ms (in
/// 1 ms steps), 4 connects of 120 µs, 100 bytes received and 80 sent per request.
fn run(errors: &[ErrorKind]) -> RunResult {
    let mut s = Stats::new();
    for _ in 0..4 {
        s.connected(120);
    }
    s.requests_sent(200, 200 * 80);
    for v in 1..=200u64 {
        s.response(if v <= 190 { 200 } else { 404 }, v * 1000);
    }
    s.bytes_read(200 * 100);
    for &e in errors {
        s.error(e);
    }
    crate::drop_in::test_run(s.take_snapshot(), Duration::from_millis(500), Vec::new())
}

fn facts() -> AbFacts {
    AbFacts {
        server_software: "nginx/1.22.1".into(),
        hostname: "127.0.0.1".into(),
        port: 8080,
        tls: None,
        path: "/index.html".into(),
        doc_len: 20,
        variable_length: false,
        concurrency: 4,
        keepalive: false,
        send_body: false,
        confidence: true,
        percentiles: true,
    }
}

#[test]
fn the_results_block_has_abs_lines_in_abs_order() {
    let out = results(&run(&[]), &facts());
    let head = "\n\nServer Software:        nginx/1.22.1\n\
Server Hostname:        127.0.0.1\n\
Server Port:            8080\n\
\n\
Document Path:          /index.html\n\
Document Length:        20 bytes\n\
\n\
Concurrency Level:      4\n\
Time taken for tests:   0.500 seconds\n\
Complete requests:      200\n\
Failed requests:        0\n\
Non-2xx responses:      10\n\
Total transferred:      20000 bytes\n\
HTML transferred:       4000 bytes\n\
Requests per second:    400.00 [#/sec] (mean)\n\
Time per request:       10.000 [ms] (mean)\n\
Time per request:       2.500 [ms] (mean, across all concurrent requests)\n\
Transfer rate:          39.06 [Kbytes/sec] received\n\
\n\
Connection Times (ms)\n\
\x20             min  mean[+/-sd] median   max\n";
    assert!(out.starts_with(head), "{out}");
    // 196 requests on open connections count 0 ms of connect, 4 count 120 µs.
    assert!(
        out.contains("\nConnect:        0    0   0.0      0       0\n"),
        "{out}"
    );
    // 1..=200 ms: mean 100.5 → 100 (integer µs mean 100500 rounds to 101), median index 100.
    let total = out.lines().find(|l| l.starts_with("Total:")).unwrap();
    let f: Vec<&str> = total.split_whitespace().collect();
    assert_eq!(f[1], "1");
    assert_eq!(f[2], "101");
    assert_eq!(f[3], "57.9");
    assert_eq!(f[5], "200");
    assert!(out.contains("\nPercentage of the requests served within a certain time (ms)\n  50%    100\n  66%    132\n"), "{out}");
    assert!(
        out.ends_with("  99%    198\n 100%    200 (longest request)\n"),
        "{out}"
    );
}

#[test]
fn failures_are_broken_down_and_options_change_the_block() {
    let r = run(&[
        ErrorKind::Connect,
        ErrorKind::Read,
        ErrorKind::Timeout,
        ErrorKind::Parse,
        ErrorKind::Write,
    ]);
    let mut f = facts();
    f.keepalive = true;
    f.send_body = true;
    f.variable_length = true;
    f.confidence = false;
    f.percentiles = false;
    let out = results(&r, &f);
    assert!(out.contains("Failed requests:        4\n   (Connect: 1, Receive: 2, Length: 0, Exceptions: 1)\nWrite errors:           1\n"), "{out}");
    assert!(out.contains("Document Length:        Variable\n"), "{out}");
    assert!(out.contains("Keep-Alive requests:    200\n"), "{out}");
    assert!(out.contains("Total body sent:        16000\n"), "{out}");
    assert!(out.contains("Transfer rate:          39.06 [Kbytes/sec] received\n                        31.25 kb/s sent\n                        70.31 kb/s total\n"), "{out}");
    assert!(
        out.contains("              min   avg   max\nConnect:        0     0    0\n"),
        "{out}"
    );
    assert!(out.contains("Total:          1   101  200\n"), "{out}");
    assert!(!out.contains("Percentage"), "{out}");
    assert!(!out.contains("WARNING") && !out.contains("ERROR"), "{out}");
}

#[test]
fn tls_lines_follow_the_port() {
    let mut f = facts();
    f.tls = Some(AbTls {
        protocol: Some("TLSv1.3,TLS_AES_256_GCM_SHA384".into()),
        temp_key: Some("X25519 253 bits".into()),
        server_name: Some("localhost".into()),
    });
    let out = results(&run(&[]), &f);
    assert!(out.contains("Server Port:            8080\nSSL/TLS Protocol:       TLSv1.3,TLS_AES_256_GCM_SHA384\nServer Temp Key:        X25519 253 bits\nTLS Server Name:        localhost\n\nDocument Path:"), "{out}");
}

#[test]
fn banner_progress_and_csv() {
    assert_eq!(
        banner().lines().next(),
        Some("This is ApacheBench, Version 2.3 <$Revision$>")
    );
    assert!(banner().ends_with("http://www.apache.org/\n\n"));
    assert!(usage("ab").starts_with("Usage: ab [options] [http[s]://]hostname[:port]/path\nOptions are:\n    -n requests     Number of requests to perform\n"));
    assert_eq!(heartbeat(150, false), 0);
    assert_eq!(heartbeat(200, false), 100);
    assert_eq!(heartbeat(5000, false), 500);
    assert_eq!(heartbeat(5000, true), 0);
    assert_eq!(benchmarking("h", 0), "Benchmarking h (be patient)...");
    assert_eq!(benchmarking("h", 100), "Benchmarking h (be patient)\n");
    assert_eq!(
        completed_lines(100, 0, 250),
        "Completed 100 requests\nCompleted 200 requests\n"
    );
    assert_eq!(completed_lines(100, 200, 250), "");
    assert_eq!(completed_lines(0, 0, 250), "");
    let csv = csv_percentages(&run(&[]));
    assert!(
        csv.starts_with("Percentage served,Time in ms\n0,1.000\n1,2.000\n"),
        "{csv}"
    );
    // The longest, within the histogram's precision (3 significant digits).
    let last = csv.lines().last().unwrap().strip_prefix("100,").unwrap();
    let ms: f64 = last.parse().unwrap();
    assert!(
        (ms - 200.0).abs() <= 0.2 && last.len() == "200.000".len(),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 102);
}
