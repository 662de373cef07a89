//! The built-in target's `record` and `set_cookie` options against raw std clients: every
//! request becomes one JSON line (worker, connection, index, method, path, cookie, headers,
//! body length), and each connection's first response sets a cookie of its own, which the
//! record then shows coming back.

mod common;

use common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use tfw_engine::plan::{IoMode, ServePlan};
use tfw_engine::worker::record::Recorder;
use tfw_engine::{start_server, start_server_recording};

/// A fresh record file path for `name`.
fn record_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tfw-engine-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.jsonl"))
}

/// A plan (with `cookie` as `set_cookie`) and a fresh record file to serve it with.
fn recording_plan(
    io: IoMode,
    name: &str,
    cookie: Option<&str>,
) -> (ServePlan, Arc<Recorder>, PathBuf) {
    let path = record_path(name);
    let mut sp = serve_plan(io, b"hello");
    sp.set_cookie = cookie.map(str::to_owned);
    (sp, Recorder::create(&path).unwrap(), path)
}

/// One response: its head and body (none after a HEAD request).
fn read_response(s: &mut TcpStream, head_request: bool) -> (String, Vec<u8>) {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut b).expect("response head"), 1, "closed mid-head");
        head.push(b[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let len = header(&head, "content-length").map_or(0, |v| v.parse().unwrap());
    let mut body = vec![0; if head_request { 0 } else { len }];
    s.read_exact(&mut body).unwrap();
    (head, body)
}

/// The value of the (first) field `name` of a head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn records(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

/// Three connections: a GET gets the cookie, then a POST split over two writes and a HEAD,
/// pipelined, send it back; the record shows each connection's own cookie.
fn cookie_replay(io: IoMode) {
    watch_worker_panics();
    let (sp, rec, path) = recording_plan(io, &format!("replay-{io:?}"), Some("sid"));
    let server = start_server_recording(&sp, rec.clone()).unwrap();
    let mut cookies = Vec::new();
    for _ in 0..3 {
        let mut s = connect(server.addr);
        s.write_all(b"GET /first?x=1 HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\r\n")
            .unwrap();
        let (head, body) = read_response(&mut s, false);
        assert_eq!(body, b"hello");
        let set = header(&head, "set-cookie").expect("Set-Cookie on the first response");
        let pair = set.to_owned();
        assert!(pair.starts_with("sid=c"), "{pair}");
        let later = format!(
            "POST /p HTTP/1.1\r\nHost: t\r\nCookie: {pair}\r\nContent-Length: 5\r\n\r\nabcde\
             HEAD /h HTTP/1.1\r\nCookie: {pair}\r\nCookie: extra=1\r\n\r\n"
        );
        let (a, b) = later.as_bytes().split_at(60);
        s.write_all(a).unwrap();
        s.flush().unwrap();
        s.write_all(b).unwrap();
        for head_request in [false, true] {
            let (head, _) = read_response(&mut s, head_request);
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert_eq!(header(&head, "set-cookie"), None, "only the first response");
        }
        cookies.push(pair);
    }
    let totals = server.stop();
    assert_eq!(totals.requests, 9);
    rec.finish().unwrap();
    let recs = records(&path);
    assert_eq!(recs.len(), 9, "{recs:#?}");
    let mut conns: Vec<u64> = Vec::new();
    for (i, pair) in cookies.iter().enumerate() {
        let of_conn = &recs[i * 3..i * 3 + 3];
        let conn = of_conn[0]["conn"].as_u64().unwrap();
        assert_eq!(
            pair,
            &format!("sid=c{conn}"),
            "the cookie names its connection"
        );
        conns.push(conn);
        let want = [
            ("GET", "/first?x=1", Value::Null, 0),
            ("POST", "/p", Value::from(pair.as_str()), 5),
            ("HEAD", "/h", Value::from(format!("{pair}; extra=1")), 0),
        ];
        for (index, (r, (method, p, cookie, body_len))) in of_conn.iter().zip(want).enumerate() {
            assert_eq!(r["worker"], 0);
            assert_eq!(r["conn"].as_u64(), Some(conn));
            assert_eq!(r["index"].as_u64(), Some(index as u64));
            assert_eq!(r["method"], method);
            assert_eq!(r["path"], p);
            assert_eq!(r["cookie"], cookie, "{r}");
            assert_eq!(r["body_len"].as_u64(), Some(body_len));
        }
        assert_eq!(
            of_conn[0]["headers"],
            serde_json::json!([["Host", "t"], ["X-A", "1"]])
        );
        assert_eq!(
            of_conn[1]["headers"],
            serde_json::json!([["Host", "t"], ["Content-Length", "5"]])
        );
    }
    conns.dedup();
    assert_eq!(conns.len(), 3, "one id per connection");
}

/// With `close_after` 1 the cookie response is also the last: it carries both fields; a HEAD
/// first request gets the head alone with its cookie.
fn cookie_on_the_last_and_head_responses(io: IoMode) {
    watch_worker_panics();
    let (mut sp, rec, path) = recording_plan(io, &format!("last-{io:?}"), Some("k"));
    sp.close_after = 1;
    let server = start_server_recording(&sp, rec).unwrap();
    for (method, head_request) in [("GET", false), ("HEAD", true)] {
        let mut s = connect(server.addr);
        write!(s, "{method} / HTTP/1.1\r\n\r\n").unwrap();
        let (head, body) = read_response(&mut s, head_request);
        assert!(header(&head, "set-cookie").is_some_and(|v| v.starts_with("k=c")));
        assert_eq!(header(&head, "connection"), Some("close"));
        assert_eq!(header(&head, "content-length"), Some("5"));
        assert_eq!(body.len(), if head_request { 0 } else { 5 });
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "nothing after the last response");
    }
    server.stop();
    let recs = records(&path);
    let methods: Vec<&str> = recs.iter().map(|r| r["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["GET", "HEAD"]);
}

/// Two workers: connection ids stay unique and say which worker took them; every request
/// of every connection is recorded once, in order.
fn two_workers_unique_ids(io: IoMode) {
    watch_worker_panics();
    let (mut sp, rec, path) = recording_plan(io, &format!("two-{io:?}"), None);
    sp.cpus = two_cpus();
    let workers = sp.cpus.len() as u64;
    let server = start_server_recording(&sp, rec).unwrap();
    let mut streams = Vec::new();
    for i in 0..16 {
        let mut s = connect(server.addr);
        for k in 0..3 {
            write!(s, "GET /c{i}/r{k} HTTP/1.1\r\n\r\n").unwrap();
        }
        for _ in 0..3 {
            read_response(&mut s, false);
        }
        streams.push(s);
    }
    drop(streams);
    server.stop();
    let recs = records(&path);
    assert_eq!(recs.len(), 48);
    let mut by_conn = std::collections::BTreeMap::<u64, Vec<(u64, String)>>::new();
    for r in &recs {
        let conn = r["conn"].as_u64().unwrap();
        assert_eq!(conn % workers, r["worker"].as_u64().unwrap(), "{r}");
        assert_eq!(r["cookie"], Value::Null);
        let entry = (
            r["index"].as_u64().unwrap(),
            r["path"].as_str().unwrap().into(),
        );
        by_conn.entry(conn).or_default().push(entry);
    }
    assert_eq!(by_conn.len(), 16);
    let mut clients: Vec<String> = by_conn
        .values()
        .map(|reqs| {
            let client = reqs[0].1.split('/').nth(1).unwrap().to_owned();
            let want: Vec<(u64, String)> = (0..3).map(|k| (k, format!("/{client}/r{k}"))).collect();
            assert_eq!(reqs, &want);
            client
        })
        .collect();
    clients.sort();
    clients.dedup();
    assert_eq!(clients.len(), 16, "each connection's requests are its own");
}

/// Without the options nothing changes: no cookie, no record.
fn off_by_default(io: IoMode) {
    let (server, _sp, mut s) = {
        watch_worker_panics();
        let sp = serve_plan(io, b"hello");
        let server = start_server(&sp).unwrap();
        let s = connect(server.addr);
        (server, sp, s)
    };
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let (head, body) = read_response(&mut s, false);
    assert_eq!(
        (header(&head, "set-cookie"), &body[..]),
        (None, &b"hello"[..])
    );
    assert_eq!(server.stop().requests, 1);
}

per_io_mode!(
    cookie_replay,
    cookie_on_the_last_and_head_responses,
    two_workers_unique_ids,
    off_by_default,
);
