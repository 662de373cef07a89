//! `stress` over HTTP/2: against a real nginx (h2 over TLS by ALPN with `-m 10`, and h2c)
//! counts are exact and equal nginx's own; against the built-in target h2c and h2, `-n` is
//! exact per stream, `--rate` keeps its schedule, and a target that sends GOAWAY every N
//! requests loses nothing (streams above the GOAWAY's last id are sent again). A server that
//! does not speak HTTP/2, or does not accept h2 by ALPN, is a clear error; `--summary h2load`
//! prints h2load's lines; the JSON validates against the schema.

mod common;

use common::nginx::Nginx;
use common::schema::{run_schema, schema_violations};
use common::{assert_setup_error, count, serve, served_requests, FaultServer, Running};
use serde_json::Value;

use common::errors_total as errors;
use common::stress_json as stress;

fn valid(doc: &Value) {
    let v = schema_violations(&run_schema(), doc);
    assert!(v.is_empty(), "schema violations: {v:?}");
}

/// Stops `serve` and returns the requests it counted.
fn stop(srv: Running) -> u64 {
    served_requests(&common::stop_serve(srv))
}

#[test]
fn h2_over_tls_with_10_streams_counts_match_nginx() {
    let ng = Nginx::start("h2-tls");
    let url = format!("https://127.0.0.1:{}/", ng.tls);
    let before = ng.requests();
    let (out, doc) = stress(
        &[
            &url,
            "--h2",
            "-m",
            "10",
            "-c",
            "4",
            "-n",
            "5000",
            "--summary",
            "h2load",
        ],
        "h2-tls",
    );
    let after = ng.requests();
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(count(&doc, &["responses"]), 5000, "{}", out.show());
    assert_eq!(count(&doc, &["requests"]), 5000);
    assert_eq!(errors(&doc), 0, "{}", out.show());
    assert_eq!(after - before - 1, 5000, "nginx's count");
    assert_eq!(doc["protocol"], "h2");
    assert_eq!(count(&doc, &["h2", "streams"]), 10);
    valid(&doc);
    assert!(
        out.stdout.contains(
            "requests: 5000 total, 5000 started, 5000 done, 5000 succeeded, 0 failed, 0 errored, 0 timeout"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("status codes: 5000 2xx, 0 3xx, 0 4xx, 0 5xx"),
        "{}",
        out.stdout
    );
}

#[test]
fn h2c_counts_match_nginx_also_for_64k_bodies() {
    let ng = Nginx::start("h2c");
    for (path, n) in [("/", 3000u64), ("/64k.bin", 300)] {
        let url = format!("http://127.0.0.1:{}{path}", ng.h2c);
        let before = ng.requests();
        let ns = n.to_string();
        let (out, doc) = stress(&[&url, "--h2c", "-m", "8", "-c", "2", "-n", &ns], "h2c");
        let after = ng.requests();
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(count(&doc, &["responses"]), n, "{}", out.show());
        assert_eq!(errors(&doc), 0, "{}", out.show());
        assert_eq!(after - before - 1, n, "nginx's count");
        assert_eq!(doc["protocol"], "h2c");
        if path == "/64k.bin" {
            // Bodies arrive whole: at least 64 KiB per response was read.
            assert!(count(&doc, &["bytes_read"]) >= n * 65536);
        }
    }
}

#[test]
fn builtin_target_h2c_and_h2_exact_counts() {
    for (flag, proto) in [("--h2c", "h2c"), ("--h2", "h2")] {
        let (out, doc) = stress(
            &[flag, "-m", "8", "-c", "3", "-n", "4000"],
            &format!("h2-builtin-{proto}"),
        );
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(count(&doc, &["responses"]), 4000, "{}", out.show());
        assert_eq!(count(&doc, &["builtin_target", "requests"]), 4000);
        assert_eq!(errors(&doc), 0, "{}", out.show());
        assert_eq!(doc["protocol"], proto);
    }
}

#[test]
fn h2_with_a_fixed_rate_and_a_count() {
    let (srv, addr) = serve(&[]);
    let url = format!("http://{addr}/");
    let (out, doc) = stress(
        &[
            &url, "--h2c", "-m", "4", "-c", "2", "-R", "1000", "-n", "700",
        ],
        "h2-rate",
    );
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(count(&doc, &["responses"]), 700, "{}", out.show());
    assert_eq!(count(&doc, &["requests"]), 700);
    assert_eq!(errors(&doc), 0);
    assert!(doc["rate"].is_object());
    valid(&doc);
    assert_eq!(stop(srv), 700);
}

#[test]
fn goaway_every_10_requests_loses_nothing() {
    // On HTTP/2 the built-in target's --close-after N sends GOAWAY after N requests.
    let (srv, addr) = serve(&["--close-after", "10"]);
    let url = format!("http://{addr}/");
    let (out, doc) = stress(
        &[&url, "--h2c", "-m", "5", "-c", "2", "-n", "1000"],
        "h2-goaway",
    );
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(count(&doc, &["responses"]), 1000, "{}", out.show());
    assert_eq!(errors(&doc), 0, "{}", out.show());
    assert!(
        count(&doc, &["h2", "goaways"]) >= 1000 / 10 - 2,
        "{}",
        out.show()
    );
    // Every request was answered or refused (and sent again).
    assert_eq!(
        count(&doc, &["requests"]),
        1000 + count(&doc, &["h2", "refused"])
    );
    valid(&doc);
    assert_eq!(stop(srv), 1000);
}

#[test]
fn a_server_that_does_not_speak_http2_is_a_clear_error() {
    // An HTTP/1.1-only server answers the preface with bytes that are not a SETTINGS frame.
    let fault = FaultServer::answering(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let url = format!("http://{}/", fault.addr);
    let (out, doc) = stress(&[&url, "--h2c", "-c", "2", "-d", "1s"], "h2-not");
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(count(&doc, &["responses"]), 0);
    assert!(count(&doc, &["errors", "parse"]) > 0, "{}", out.show());
}

#[test]
fn a_tls_server_without_h2_alpn_is_a_clear_error() {
    let ng = Nginx::start("h2-noalpn");
    // The tickets port is TLS without http2.
    let url = format!("https://127.0.0.1:{}/", ng.tickets);
    let (out, doc) = stress(&[&url, "--h2", "-c", "2", "-d", "1s"], "h2-noalpn");
    assert_setup_error(&out, "did not accept h2 by ALPN");
    assert!(count(&doc, &["errors", "tls"]) > 0);
}
