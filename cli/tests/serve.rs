//! `tfw-bench serve --record FILE --set-cookie NAME`: the record holds every request once
//! serve stops, however it stops (SIGTERM, --duration, its stdin closing), each connection's
//! cookie comes back in the record, and bad values are setup errors (exit 2).

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect to serve");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads one response (head and Content-Length body); returns its head.
fn response(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = loop {
            // A signal to this test process (EINTR) is no answer: read again.
            match s.read(&mut b) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r.expect("response"),
            }
        };
        assert_eq!(n, 1, "closed mid-head");
        head.push(b[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let len: usize = field(&head, "content-length").map_or(0, |v| v.parse().unwrap());
    s.read_exact(&mut vec![0; len]).unwrap();
    head
}

fn field<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Two connections: each gets its cookie with the first response and sends it back with a
/// POST; returns the cookies.
fn talk(addr: &str) -> Vec<String> {
    (0..2)
        .map(|i| {
            let mut s = connect(addr);
            write!(s, "GET /login/{i} HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
            let cookie = field(&response(&mut s), "set-cookie")
                .expect("Set-Cookie")
                .to_string();
            write!(
                s,
                "POST /data HTTP/1.1\r\nCookie: {cookie}\r\nContent-Length: 3\r\n\r\nabc"
            )
            .unwrap();
            let head = response(&mut s);
            assert_eq!(field(&head, "set-cookie"), None);
            cookie
        })
        .collect()
}

/// The record after `talk`: per connection a GET without cookie, then a POST with its own.
fn check_record(path: &Path, cookies: &[String]) {
    let text = std::fs::read_to_string(path).unwrap();
    let recs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 4, "{text}");
    for (i, cookie) in cookies.iter().enumerate() {
        let (get, post) = (&recs[2 * i], &recs[2 * i + 1]);
        let conn = &get["conn"];
        assert_eq!(cookie, &format!("sid=c{conn}"));
        assert_eq!(
            (&get["method"], &get["path"], &get["index"], &get["cookie"]),
            (
                &Value::from("GET"),
                &Value::from(format!("/login/{i}")),
                &Value::from(0),
                &Value::Null
            )
        );
        assert_eq!(get["headers"], serde_json::json!([["Host", "a"]]));
        assert_eq!(&post["conn"], conn);
        assert_eq!(post["index"], 1);
        assert_eq!(post["method"], "POST");
        assert_eq!(post["cookie"], cookie.as_str());
        assert_eq!(post["body_len"], 3);
    }
}

fn addr_of(line: &str) -> String {
    line.trim_start_matches("tfw-bench serve: listening on ")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn record_is_complete_after_sigterm() {
    let path = tmp_file("record-term.jsonl", b"stale\n");
    let srv = spawn(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--record",
        path.to_str().unwrap(),
        "--set-cookie",
        "sid",
    ]);
    let line = srv.wait_line("tfw-bench serve: listening on ").unwrap();
    let cookies = talk(&addr_of(&line));
    kill("-TERM", &srv.child.id().to_string());
    let out = srv.finish();
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out.stdout.contains("served requests=4 "), "{}", out.show());
    check_record(&path, &cookies);
    let _ = std::fs::remove_file(path);
}

#[test]
fn record_is_complete_after_duration() {
    let path = tmp_file("record-duration.jsonl", b"");
    let srv = spawn(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--record",
        path.to_str().unwrap(),
        "--set-cookie",
        "sid",
        // Long enough for `talk` on a busy machine; serve then ends by itself.
        "--duration",
        "5s",
    ]);
    let line = srv.wait_line("tfw-bench serve: listening on ").unwrap();
    let cookies = talk(&addr_of(&line));
    let out = srv.finish();
    assert_eq!(out.code(), Some(0), "{}", out.show());
    check_record(&path, &cookies);
    let _ = std::fs::remove_file(path);
}

/// As a parent process runs it: `--announce --exit-on-stdin-eof`, stopped by closing stdin.
#[test]
fn record_is_complete_after_stdin_eof() {
    let path = tmp_file("record-eof.jsonl", b"");
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--announce"])
        .args(["--exit-on-stdin-eof", "--set-cookie", "sid", "--record"])
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .expect("announce line");
    let cookies = talk(addr);
    drop(child.stdin.take());
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve did not exit after its stdin closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    check_record(&path, &cookies);
    let _ = std::fs::remove_file(path);
}

#[test]
fn record_path_not_writable() {
    let out = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--duration",
        "1s",
        "--record",
        "/nonexistent-dir/r.jsonl",
    ]);
    assert_setup_error(
        &out,
        "--record /nonexistent-dir/r.jsonl: cannot create the file",
    );
}

#[test]
fn bad_cookie_names() {
    for bad in ["", "two words", "a=b", "semi;colon", "caf\u{e9}"] {
        let out = run(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--duration",
            "1s",
            "--set-cookie",
            bad,
        ]);
        assert_setup_error(&out, "is not a cookie name");
    }
}
