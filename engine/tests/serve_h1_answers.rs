//! What the built-in target answers an HTTP/1.x client that is not a load generator: HTTP/1.0
//! keep-alive confirmed in the response (else `ab -k` waits for a close), and requests that
//! cannot be parsed answered with 400 (431 for a head too large) and a close, after the
//! responses owed before them, as nginx does. A raw std::net client, for each I/O mode.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use tfw_engine::plan::{IoMode, ServePlan};
use tfw_engine::proto::h1::MAX_HEAD;
use tfw_engine::{start_server, ServerHandle};

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const KEPT: &str =
    "HTTP/1.1 200 OK\r\nServer: tfw-bench\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n";

fn target(sp: &ServePlan) -> (ServerHandle, TcpStream) {
    watch_worker_panics();
    let server = start_server(sp).expect("start the built-in target");
    let s = connect(server.addr);
    (server, s)
}

/// Exactly `n` bytes, as text (a short read fails the test with what came).
fn read_n(s: &mut TcpStream, n: usize) -> String {
    let mut got = vec![0u8; n];
    s.read_exact(&mut got).expect("a complete response");
    String::from_utf8_lossy(&got).into_owned()
}

/// Everything until the server closes; panics if it does not (within the read timeout).
fn read_to_close(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    s.read_to_end(&mut got)
        .expect("the server closed the connection");
    String::from_utf8_lossy(&got).into_owned()
}

/// HTTP/1.0 with keep-alive, one request at a time: each response says keep-alive and the
/// connection stays; a HEAD gets the head alone; HTTP/1.0 without keep-alive gets the close
/// variant and the close.
fn http10_keep_alive(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let (server, mut s) = target(&sp);
    let kept = format!("{KEPT}ok");
    for _ in 0..3 {
        s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\nConnection: Keep-Alive\r\n\r\n")
            .unwrap();
        assert_eq!(read_n(&mut s, kept.len()), kept);
    }
    s.write_all(b"HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    assert_eq!(read_n(&mut s, KEPT.len()), KEPT);
    // Pipelined, mixed with HTTP/1.1.
    s.write_all(&[b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", GET].concat())
        .unwrap();
    let both = format!("{kept}{}", String::from_utf8_lossy(&sp.response));
    assert_eq!(read_n(&mut s, both.len()), both);
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(
        read_to_close(&mut s),
        String::from_utf8_lossy(&sp.response_close)
    );
    let t = server.stop();
    assert_eq!((t.requests, t.responses, t.parse_errors), (7, 7, 0));
    assert_no_worker_panics();
}

/// Requests before a malformed one are answered first, then 400 with `Connection: close`,
/// then the close; bytes after the bad request are not taken for requests.
fn bad_request_after_good_ones(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let (server, mut s) = target(&sp);
    let bad = b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
    s.write_all(&[GET, GET, bad, GET].concat()).unwrap();
    let got = read_to_close(&mut s);
    let two = String::from_utf8_lossy(&sp.response).repeat(2);
    let rest = got.strip_prefix(&two).unwrap_or_else(|| panic!("{got:?}"));
    assert!(rest.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{rest:?}");
    assert!(rest.contains("\r\nConnection: close\r\n"), "{rest:?}");
    assert!(rest.ends_with("\r\n\r\nBad Request\n"), "{rest:?}");
    let t = server.stop();
    assert_eq!((t.requests, t.responses, t.parse_errors), (2, 3, 1));
    assert_no_worker_panics();
}

/// With `--delay`, the responses owed wait for their time and the 400 still comes last.
fn bad_request_with_delay(io: IoMode) {
    let mut sp = serve_plan(io, b"ok");
    sp.delay = Duration::from_millis(20);
    let (server, mut s) = target(&sp);
    s.write_all(&[GET, b"NOT HTTP AT ALL\r\n\r\n"].concat())
        .unwrap();
    let got = read_to_close(&mut s);
    let one = String::from_utf8_lossy(&sp.response);
    let rest = got.strip_prefix(&*one).unwrap_or_else(|| panic!("{got:?}"));
    assert!(rest.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{rest:?}");
    let t = server.stop();
    assert_eq!((t.requests, t.responses, t.parse_errors), (1, 2, 1));
    assert_no_worker_panics();
}

/// A head that never ends within `MAX_HEAD` bytes: 431, then the close. Exactly one byte too
/// many is sent, so the server has read everything when it closes (no RST).
fn head_too_large(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let (server, mut s) = target(&sp);
    let mut head = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
    head.resize(MAX_HEAD + 1, b'a');
    s.write_all(&head).unwrap();
    let got = read_to_close(&mut s);
    assert!(
        got.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{got:?}"
    );
    assert!(got.contains("\r\nConnection: close\r\n"), "{got:?}");
    let t = server.stop();
    assert_eq!((t.requests, t.responses, t.parse_errors), (0, 1, 1));
    assert_no_worker_panics();
}

per_io_mode!(
    http10_keep_alive,
    bad_request_after_good_ones,
    bad_request_with_delay,
    head_too_large,
);
