//! Frame-level HTTP/2 steps (`frames = [...]`) against real HTTP/2 servers: the built-in
//! server over h2c (prior knowledge) and nginx over TLS (ALPN h2) and h2c. A DATA frame on
//! stream 0 is a connection error (RFC 9113 section 6.1): GOAWAY PROTOCOL_ERROR; a HEADERS
//! frame built from fields (HPACK, with and without Huffman) gets a response.

mod check_support;
mod common;

use check_support::*;
use common::nginx::Nginx;
use common::*;

fn frames_file(connect: &str, tls: bool) -> String {
    let backend = free_addr();
    format!(
        r#"[defaults]
timeout = "5s"

[backends.unused]
listen = "{backend}"

[clients.h2]
connect = "{connect}"
proto = "h2"
tls = {tls}

[[case]]
name = "data_on_stream_0"

[[case.step]]
frames = [{{ type = "data", stream = 0, payload = "not allowed" }}]

[[case.step]]
expect = "goaway"
code = "PROTOCOL_ERROR"

[[case]]
name = "headers_frame"
matrix = {{ huffman = {{ plain = "false", huffman = "true" }} }}

[[case.step]]
frames = [{{ type = "headers", stream = 1, end_stream = true, huffman = "${{huffman}}", fields = [[":method", "GET"], [":scheme", "{scheme}"], [":path", "/"], [":authority", "{connect}"]] }}]

[[case.step]]
expect = "response"
status = 200
"#,
        scheme = if tls { "https" } else { "http" },
    )
}

fn run_frames(stem: &str, connect: &str, tls: bool) {
    let file = check_file(stem, &frames_file(connect, tls));
    let out = check(&["-v", file.to_str().unwrap()]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(summary(&out), (3, 0, 0), "{}", out.show());
}

#[test]
fn frames_against_serve_h2c() {
    let (srv, addr) = serve(&[]);
    run_frames("serve_h2c", &addr, false);
    drop(srv);
}

#[test]
fn frames_against_nginx_tls() {
    let nginx = Nginx::start("check-frames-tls");
    run_frames("nginx_tls", &format!("127.0.0.1:{}", nginx.tls), true);
}

#[test]
fn frames_against_nginx_h2c() {
    let nginx = Nginx::start("check-frames-h2c");
    run_frames("nginx_h2c", &format!("127.0.0.1:{}", nginx.h2c), false);
}
