//! `tfw-bench serve` is the checker's backend too, so every real client must get correct
//! answers from it: curl (HTTP/1.1, h2c by prior knowledge, h2 over TLS), ab with and without
//! keep-alive (its keep-alive is HTTP/1.0's: the response must confirm it, or ab waits for a
//! close), wrk, h2load (h2c and TLS), nghttp (h2c and TLS) and Python's http.client (several
//! requests on one connection, over HTTP/1.1 and HTTP/1.0 keep-alive), and a raw socket sending
//! a malformed request gets 400. Exact counts from each client's summary and from serve's own;
//! every child is bounded in time (`Running::finish` kills it by pid past the limit).

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

/// Runs a client to its end (killed past `LIMIT`) and checks that it exited 0.
fn client(cmd: &str, args: &[&str]) -> Out {
    let out = spawn_with(Command::new(cmd).args(args)).finish();
    assert_eq!(out.code(), Some(0), "{cmd} {args:?}\n{}", out.show());
    out
}

/// The number on the line of `text` starting with `label`, e.g. ab's "Complete requests:".
fn number_after(text: &str, label: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{text}"));
    let rest = line.trim_start()[label.len()..].trim_start();
    rest.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line:?}"))
}

/// curl's output: per transfer, the body, the HTTP version and whether it made a new
/// connection (`xx 1.1 1;`), so reusing a connection shows as `0`.
fn curl(args: &[&str]) -> String {
    let mut all = vec![
        "-sS",
        "--max-time",
        "20",
        "-w",
        " %{http_version} %{num_connects};",
    ];
    all.extend_from_slice(args);
    client("curl", &all).stdout
}

#[test]
fn curl_over_http11_h2c_and_tls_h2() {
    let (srv, addr) = serve(&[]);
    let url = format!("http://{addr}/");
    assert_eq!(curl(&["--http1.1", &url, &url]), "xx 1.1 1;xx 1.1 0;");
    // One URL: curl 7.88 fails a second request on a prior-knowledge h2c connection with
    // "Error in the HTTP2 framing layer" against nginx too (nghttp below reuses it).
    let h2c = curl(&["--http2-prior-knowledge", &url]);
    assert_eq!(h2c, "xx 2 1;");
    let out = stop_serve(srv);
    assert_eq!(served_requests(&out), 3, "{}", out.show());

    let (srv, addr) = serve_tls(&[]);
    let url = format!("https://{addr}/");
    assert_eq!(curl(&["-k", &url, &url]), "xx 2 1;xx 2 0;");
    assert_eq!(curl(&["-k", "--http1.1", &url]), "xx 1.1 1;");
    let out = stop_serve(srv);
    assert_eq!(served_requests(&out), 3, "{}", out.show());
}

#[test]
fn ab_with_and_without_keep_alive() {
    let (srv, addr) = serve(&[]);
    let url = format!("http://{addr}/");
    // -s: ab's own timeout per response, so a server waiting for ab hangs nothing.
    let closed = client("ab", &["-q", "-s", "20", "-n", "300", "-c", "4", &url]).stdout;
    assert_eq!(number_after(&closed, "Complete requests:"), 300, "{closed}");
    assert_eq!(number_after(&closed, "Failed requests:"), 0, "{closed}");
    let kept = client(
        "ab",
        &["-q", "-k", "-s", "20", "-n", "300", "-c", "4", &url],
    )
    .stdout;
    assert_eq!(number_after(&kept, "Complete requests:"), 300, "{kept}");
    assert_eq!(number_after(&kept, "Failed requests:"), 0, "{kept}");
    assert_eq!(number_after(&kept, "Keep-Alive requests:"), 300, "{kept}");
    let out = stop_serve(srv);
    assert_eq!(served_requests(&out), 600, "{}", out.show());
    assert!(out.stdout.contains(" parse_errors=0"), "{}", out.show());
}

#[test]
fn wrk_short_run() {
    let (srv, addr) = serve(&[]);
    let url = format!("http://{addr}/");
    let out = client(
        "wrk",
        &["-t", "1", "-c", "4", "-d", "1s", "--timeout", "5s", &url],
    )
    .stdout;
    // "N requests in 1.00s, ..."
    let n: u64 = out
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no request count in\n{out}"));
    assert!(n > 0, "{out}");
    assert!(!out.contains("Socket errors"), "{out}");
    assert!(!out.contains("Non-2xx"), "{out}");
    let served = stop_serve(srv);
    assert!(served_requests(&served) >= n, "{}", served.show());
    assert!(
        served.stdout.contains(" parse_errors=0"),
        "{}",
        served.show()
    );
}

#[test]
fn h2load_and_nghttp_over_h2c_and_tls() {
    for tls in [false, true] {
        let (srv, addr) = if tls { serve_tls(&[]) } else { serve(&[]) };
        let scheme = if tls { "https" } else { "http" };
        let url = format!("{scheme}://{addr}/");
        let out = client("h2load", &["-n", "200", "-c", "2", "-m", "4", &url]).stdout;
        let all = "requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed, 0 errored";
        assert!(out.contains(all), "{out}");
        // nghttp prints the bodies; two requests on one connection.
        let two = [url.clone(), format!("{url}a")];
        let out = client("nghttp", &["-t", "20", &two[0], &two[1]]).stdout;
        assert_eq!(out, "xxxx", "nghttp over {scheme}");
        let out = client("nghttp", &["-v", "-t", "20", &url]).stdout;
        assert!(out.contains(":status: 200"), "{out}");
        let served = stop_serve(srv);
        assert_eq!(served_requests(&served), 203, "{}", served.show());
    }
}

/// Python's http.client: three requests on one HTTP/1.1 connection, then three HTTP/1.0
/// requests asking for keep-alive on another (the response must say keep-alive, else
/// http.client closes), each connection reused (the same socket), then HTTP/1.0 without
/// keep-alive, which the server closes.
const PYTHON_CLIENT: &str = r#"
import http.client, sys
host, port = sys.argv[1].rsplit(":", 1)

def session(version):
    c = http.client.HTTPConnection(host, int(port), timeout=20)
    if version == 10:
        c._http_vsn, c._http_vsn_str = 10, "HTTP/1.0"
    sock = None
    for i in range(3):
        headers = {"Connection": "keep-alive"} if version == 10 else {}
        c.request("GET", "/%d" % i, headers=headers)
        r = c.getresponse()
        assert r.status == 200, r.status
        assert r.read() == b"xx"
        if version == 10:
            assert r.getheader("Connection") == "keep-alive", r.getheaders()
        assert not r.will_close, (version, i)
        assert sock is None or c.sock is sock, "a new connection for request %d" % i
        sock = c.sock
    c.close()

session(11)
session(10)
c = http.client.HTTPConnection(host, int(port), timeout=20)
c._http_vsn, c._http_vsn_str = 10, "HTTP/1.0"
c.request("GET", "/last")
r = c.getresponse()
assert r.status == 200 and r.read() == b"xx"
assert r.will_close and r.getheader("Connection") == "close", r.getheaders()
print("ok")
"#;

#[test]
fn python_http_client_keeps_connections() {
    let (srv, addr) = serve(&[]);
    let out = client("python3", &["-c", PYTHON_CLIENT, &addr]);
    assert_eq!(out.stdout.trim(), "ok", "{}", out.show());
    let served = stop_serve(srv);
    assert_eq!(served_requests(&served), 7, "{}", served.show());
    assert!(
        served.stdout.contains(" connections=3 "),
        "{}",
        served.show()
    );
}

#[test]
fn malformed_request_gets_400_then_close() {
    let (srv, addr) = serve(&[]);
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).expect("the server closes");
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{got:?}");
    assert!(got.contains("\r\nConnection: close\r\n"), "{got:?}");
    let out = stop_serve(srv);
    assert!(out.stdout.contains(" parse_errors=1"), "{}", out.show());
}
