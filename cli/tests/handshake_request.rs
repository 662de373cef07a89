//! `tfw-bench handshake --request`: after every handshake one HTTP/1.1 GET is sent and its
//! response read before the reset. Against nginx the requests nginx counted (stub_status)
//! equal the handshakes plus the slow start's (reported apart) exactly, for TLS 1.2 and 1.3, with resumption, for a 404 and for a
//! 64 KiB body spanning several records; against `tfw-bench serve --tls` the target's own
//! count matches and its status is the one counted. Bad paths are setup errors.

mod common;

use common::nginx::Nginx;
use common::tls_nginx::handshake;
use common::{run, serve_tls, stop_serve};
use serde_json::Value;

/// Checks a run that made `n` handshakes, each answered with a `class` status.
fn check(doc: &Value, n: u64, class: &str) {
    assert_eq!(doc["handshakes"], n, "{doc}");
    assert_eq!(doc["errors"]["total"], 0, "{doc}");
    let r = &doc["requests"];
    assert_eq!(r["answered"], n, "{doc}");
    assert_eq!(r["failed"], 0, "{doc}");
    assert_eq!(r["status"][class], n, "{doc}");
    let classes: u64 = ["1xx", "2xx", "3xx", "4xx", "5xx"]
        .iter()
        .map(|k| r["status"][k].as_u64().unwrap())
        .sum();
    assert_eq!(classes, n, "{doc}");
    assert_eq!(doc["latency_us"]["count"], n, "handshake latencies: {doc}");
}

#[test]
fn one_request_per_handshake_against_nginx() {
    let ng = Nginx::start("request");
    let target = format!("127.0.0.1:{}", ng.tls);
    for v in ["1.2", "1.3"] {
        let before = ng.requests();
        let args = [&target, "-n", "200", "-c", "8", "--tls", v, "--request"];
        let (out, doc) = handshake(&args, "req");
        assert_eq!(out.code(), Some(0), "{}", out.show());
        check(&doc, 200, "2xx");
        assert_eq!(doc["requests"]["path"], "/");
        // nginx answered exactly those, the slow start's (not counted) and the stub_status
        // request that reads the count.
        let warm = doc["requests"]["answered_in_slow_start"].as_u64().unwrap();
        assert!(
            warm >= 1,
            "every peer's first attempt is in the slow start: {doc}"
        );
        assert_eq!(ng.requests() - before, 200 + warm + 1, "TLS {v}: {doc}");
        for line in [
            "One request per connection: GET /",
            "REQUESTS:",
            "200 answered (1xx 0, 2xx 200",
        ] {
            assert!(out.stdout.contains(line), "{line:?}\n{}", out.show());
        }
        assert!(out.stdout.contains("request 0"), "{}", out.show());
    }
    // A missing file: every response is a 404, which is an answer, not an error.
    let (out, doc) = handshake(
        &[&target, "-n", "50", "-c", "4", "--request", "/missing"],
        "404",
    );
    assert_eq!(out.code(), Some(0), "{}", out.show());
    check(&doc, 50, "4xx");
    // A 64 KiB body: several TLS records and receives per response, over two workers.
    let before = ng.requests();
    let args = [
        &target,
        "-n",
        "60",
        "-c",
        "6",
        "-t",
        "2",
        "--request",
        "/64k.bin",
    ];
    let (out, doc) = handshake(&args, "64k");
    assert_eq!(out.code(), Some(0), "{}", out.show());
    check(&doc, 60, "2xx");
    let warm = doc["requests"]["answered_in_slow_start"].as_u64().unwrap();
    assert_eq!(ng.requests() - before, 60 + warm + 1, "{doc}");
    // Resumed sessions (TLS 1.3 tickets arrive before the response) answer as well.
    let tickets = format!("127.0.0.1:{}", ng.tickets);
    for v in ["1.2", "1.3"] {
        let args = [
            &tickets,
            "-n",
            "100",
            "-c",
            "4",
            "--tls",
            v,
            "--tickets",
            "on",
            "--request",
        ];
        let (out, doc) = handshake(&args, "resumed");
        assert_eq!(out.code(), Some(0), "{}", out.show());
        check(&doc, 100, "2xx");
        assert!(doc["resumed"].as_u64().unwrap() > 0, "TLS {v}: {doc}");
    }
    // Without --request: no REQUESTS line, `requests` is null.
    let (out, doc) = handshake(&[&target, "-n", "20"], "noreq");
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(!out.stdout.contains("REQUESTS:"), "{}", out.show());
    assert!(doc["requests"].is_null(), "{doc}");
}

#[test]
fn one_request_per_handshake_against_serve_tls() {
    let (srv, addr) = serve_tls(&["--status", "503", "--body-size", "30000"]);
    let mut sent = 0;
    for v in ["1.2", "1.3"] {
        let args = [
            &addr,
            "-n",
            "150",
            "-c",
            "5",
            "--tls",
            v,
            "--request",
            "/x?y=1",
        ];
        let (out, doc) = handshake(&args, "serve");
        assert_eq!(out.code(), Some(0), "{}", out.show());
        check(&doc, 150, "5xx");
        sent += 150 + doc["requests"]["answered_in_slow_start"].as_u64().unwrap();
    }
    let out = stop_serve(srv);
    let want = format!("served requests={sent} responses={sent} ");
    assert!(out.stdout.contains(&want), "{want}\n{}", out.show());
}

#[test]
fn bad_request_paths_are_setup_errors() {
    for path in ["index.html", "/a b", "http://x/"] {
        let out = run(&["handshake", "127.0.0.1:1", "--request", path]);
        assert_eq!(out.code(), Some(2), "{path:?}\n{}", out.show());
        assert!(
            out.stderr.contains("--request") && out.stderr.contains("expected a path"),
            "{}",
            out.show()
        );
    }
}
