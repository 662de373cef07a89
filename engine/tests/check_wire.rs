//! The checker's sans-IO wire against real peers: `ClientWire` (HTTP/1.1 and h2c) over
//! loopback sockets to the engine's built-in server, `ClientWire`'s HTTP/2 bytes fed to the
//! server's own HTTP/2 side (`H2Server`) and back, and `ClientWire` against `BackendWire`
//! with `response_bytes` over a socket, segment by segment.

mod common;

use common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use tfw_engine::check::wire::{response_bytes, segments, BackendWire, ClientWire};
use tfw_engine::check::{
    Chunking, ClientDef, ClientLog, ClientProto, Frame, HeaderBlock, Indexing, Request, Response,
    ResponseAction, MARKER_HEADER,
};
use tfw_engine::plan::IoMode;
use tfw_engine::proto::h1::build_response;
use tfw_engine::proto::h2::frame::code;
use tfw_engine::proto::h2::server::Fields;
use tfw_engine::proto::h2::{response_from_h1, H2RequestSink, H2Server};
use tfw_engine::start_server;

fn def(proto: ClientProto, addr: std::net::SocketAddr) -> ClientDef {
    ClientDef {
        name: "c".into(),
        connect: addr,
        proto,
        tls: None,
        authority: addr.to_string(),
        scheme: "http".into(),
        segmenting: Default::default(),
        settings: vec![],
        preface: true,
        auto_ack: true,
    }
}

fn req(method: &str, target: &str) -> Request {
    Request {
        method: method.into(),
        target: target.into(),
        version: "HTTP/1.1".into(),
        authority: None,
        headers: vec![("accept".into(), "*/*".into())],
        body: vec![],
        chunked: None,
    }
}

/// Writes `out` (in `seg`-byte segments, one write each), then reads until nothing is
/// awaited, the peer closes, or 10 s pass (a hang fails the test).
fn exchange(
    s: &mut TcpStream,
    w: &mut ClientWire,
    log: &mut ClientLog,
    out: &mut Vec<u8>,
    seg: usize,
) {
    let start = Instant::now();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        for part in segments(out, seg) {
            s.write_all(part).unwrap();
        }
        out.clear();
        if w.awaiting() == 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no answer: {log:?}"
        );
        match s.read(&mut buf) {
            Ok(0) => {
                w.on_eof(log);
                return;
            }
            Ok(n) => w.on_data(&buf[..n], start.elapsed(), log, out),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Reads until the peer closes (bounded), feeding everything to the wire.
fn until_closed(s: &mut TcpStream, w: &mut ClientWire, log: &mut ClientLog) {
    let start = Instant::now();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = vec![];
    while start.elapsed() < Duration::from_secs(10) {
        match s.read(&mut buf) {
            Ok(0) => {
                w.on_eof(log);
                return;
            }
            Ok(n) => w.on_data(&buf[..n], start.elapsed(), log, &mut out),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {
                w.on_eof(log);
                return;
            }
        }
    }
    panic!("the peer never closed");
}

#[test]
fn h1_client_against_the_builtin_server() {
    watch_worker_panics();
    let server = start_server(&serve_plan(IoMode::Auto, b"hello")).unwrap();
    let mut s = connect(server.addr);
    s.set_nodelay(true).unwrap();
    let mut w = ClientWire::new(&def(ClientProto::H1, server.addr), "c1");
    let mut log = ClientLog::default();
    let mut out = vec![];
    let mut post = req("POST", "/upload");
    post.body = vec![b'p'; 100_000];
    post.chunked = Some(Chunking {
        sizes: vec![1000, 7],
        extension: "e=1".into(),
        trailers: vec![("x-t".into(), "1".into())],
    });
    let mut old = req("GET", "/old");
    old.version = "HTTP/1.0".into();
    old.headers.push(("Connection".into(), "keep-alive".into()));
    w.on_open(&mut out);
    assert!(out.is_empty());
    w.send_requests(
        &[req("GET", "/"), req("HEAD", "/"), post, old],
        &mut log,
        &mut out,
    );
    exchange(&mut s, &mut w, &mut log, &mut out, 0);
    assert_eq!(log.parse_error, None);
    let got: Vec<_> = log
        .responses
        .iter()
        .map(|r| (r.status, r.body.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (200, b"hello".to_vec()),
            (200, vec![]),
            (200, b"hello".to_vec()),
            (200, b"hello".to_vec())
        ]
    );
    assert_eq!(
        log.responses[3].header_values("connection").next(),
        Some("keep-alive")
    );
    // One byte per write: the same answers.
    w.send_requests(&[req("GET", "/again")], &mut log, &mut out);
    exchange(&mut s, &mut w, &mut log, &mut out, 1);
    assert_eq!(log.responses.len(), 5);
    // Malformed bytes get the server's 400 and a close.
    w.send_raw(
        b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        &mut log,
        &mut out,
    );
    s.write_all(&out).unwrap();
    until_closed(&mut s, &mut w, &mut log);
    assert_eq!(log.responses.len(), 6);
    assert_eq!(log.responses[5].status, 400);
    assert_no_worker_panics();
}

#[test]
fn h2c_client_against_the_builtin_server() {
    watch_worker_panics();
    let server = start_server(&serve_plan(IoMode::Auto, b"hello")).unwrap();
    let mut s = connect(server.addr);
    let mut w = ClientWire::new(&def(ClientProto::H2, server.addr), "c2");
    let mut log = ClientLog::default();
    let mut out = vec![];
    w.on_open(&mut out);
    let mut big = req("POST", "/big");
    big.body = vec![b'b'; 300_000];
    let mut trailers = req("PUT", "/t");
    trailers.body = b"abc".to_vec();
    trailers.chunked = Some(Chunking {
        sizes: vec![1],
        extension: String::new(),
        trailers: vec![("x-trailer".into(), "t".into())],
    });
    w.send_requests(
        &[req("GET", "/"), req("HEAD", "/h"), big, trailers],
        &mut log,
        &mut out,
    );
    exchange(&mut s, &mut w, &mut log, &mut out, 0);
    assert_eq!(log.parse_error, None, "{:?}", log.frames);
    let got: Vec<_> = log
        .responses
        .iter()
        .map(|r| (r.status, r.stream, r.body.clone()))
        .collect();
    assert_eq!(got.len(), 4);
    for (status, _, _) in &got {
        assert_eq!(*status, 200);
    }
    let by_stream = |id| {
        got.iter()
            .find(|(_, s, _)| *s == Some(id))
            .unwrap()
            .2
            .clone()
    };
    assert_eq!(by_stream(1), b"hello");
    assert_eq!(by_stream(3), b"", "HEAD");
    assert_eq!(by_stream(5), b"hello");
    assert_eq!(by_stream(7), b"hello");
    assert!(
        log.frames.iter().any(|f| f.kind == 4),
        "the server's SETTINGS"
    );
    // A DATA frame on stream 0: GOAWAY PROTOCOL_ERROR, then the server closes.
    let frames = [Frame::Data {
        stream: 0,
        end_stream: false,
        pad: None,
        payload: b"x".to_vec(),
    }];
    w.send_frames(&frames, &mut log, &mut out);
    s.write_all(&out).unwrap();
    until_closed(&mut s, &mut w, &mut log);
    let goaway = log.frames.iter().find(|f| f.kind == 7).expect("GOAWAY");
    assert_eq!(goaway.code, Some(code::PROTOCOL_ERROR));
    assert_no_worker_panics();
}

/// The server side's requests, by stream.
#[derive(Default)]
struct Seen(Vec<(u32, Pairs, u64)>);

type Pairs = Vec<(String, String)>;

impl H2RequestSink for Seen {
    fn request(&mut self, stream: u32, fields: &Fields, body_len: u64) {
        let f = fields
            .iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        self.0.push((stream, f, body_len));
    }
}

#[test]
fn h2_client_and_the_server_side_sans_io() {
    let addr = "127.0.0.1:1".parse().unwrap();
    let mut w = ClientWire::new(&def(ClientProto::H2, addr), "c3");
    let mut server = H2Server::new(16);
    let resp = response_from_h1(&build_response(
        201,
        &[("x-r".to_string(), "1".to_string())],
        b"created",
        false,
    ))
    .unwrap();
    let (mut log, mut seen) = (ClientLog::default(), Seen::default());
    let (mut to_server, mut to_client) = (vec![], vec![]);
    w.on_open(&mut to_server);
    let mut r = req("POST", "/p?q");
    r.headers.push(("Cookie".into(), "a=1".into()));
    r.body = vec![b'z'; 70_000];
    w.send_requests(&[r, req("GET", "/")], &mut log, &mut to_server);
    // Frames a case writes: a HEADERS block in every representation, Huffman-coded.
    let fields = |path: &str| {
        vec![
            (":method".to_string(), "GET".to_string()),
            (":scheme".into(), "http".into()),
            (":authority".into(), "a.test".into()),
            (":path".into(), path.to_string()),
            ("x-case".into(), "1".into()),
        ]
    };
    let mut frames = vec![];
    for (i, indexing) in [Indexing::Indexed, Indexing::Literal, Indexing::NeverIndexed]
        .into_iter()
        .enumerate()
    {
        frames.push(Frame::Headers {
            stream: 5 + 2 * i as u32,
            end_stream: true,
            end_headers: true,
            pad: Some(3),
            priority: Some((0, false, 15)),
            block: HeaderBlock::Fields {
                fields: fields(&format!("/f{i}")),
                huffman: i != 1,
                indexing,
            },
        });
    }
    w.send_frames(&frames, &mut log, &mut to_server);
    let mut answered = 0;
    for _ in 0..100 {
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        let bytes = std::mem::take(&mut to_server);
        server.feed(&bytes, &mut to_client, &mut seen).unwrap();
        for (stream, _, _) in &seen.0[answered..] {
            assert!(server.respond(*stream, &resp, &mut to_client));
        }
        answered = seen.0.len();
        let bytes = std::mem::take(&mut to_client);
        w.on_data(&bytes, Duration::ZERO, &mut log, &mut to_server);
    }
    assert_eq!(log.parse_error, None);
    assert_eq!(w.awaiting(), 0);
    assert_eq!(seen.0.len(), 5);
    seen.0.sort_by_key(|(stream, _, _)| *stream);
    let (stream, fields_seen, body_len) = &seen.0[0];
    assert_eq!((*stream, *body_len), (1, 70_000));
    let get = |name: &str| {
        fields_seen
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get(":path"), Some("/p?q"));
    assert_eq!(get(":authority"), Some("127.0.0.1:1"));
    assert_eq!(get("cookie"), Some("a=1"));
    assert_eq!(get(MARKER_HEADER), Some("c3"));
    for (i, (stream, f, _)) in seen.0[2..].iter().enumerate() {
        assert_eq!(*stream, 5 + 2 * i as u32);
        assert_eq!(f, &fields(&format!("/f{i}")));
    }
    assert_eq!(log.responses.len(), 5);
    for r in &log.responses {
        assert_eq!((r.status, &r.body[..]), (201, &b"created"[..]));
        assert_eq!(r.header_values("x-r").next(), Some("1"));
    }
}

fn scripted(status: u16, body: &[u8]) -> Response {
    Response {
        status,
        reason: None,
        version: "HTTP/1.1".into(),
        headers: vec![("x-s".into(), "1".into())],
        body: body.to_vec(),
        chunked: None,
        raw: None,
        delay: Duration::ZERO,
        batch: 0,
        action: ResponseAction::Keep,
    }
}

#[test]
fn h1_client_against_the_backend_wire_over_a_socket() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let backend = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.set_nodelay(true).unwrap();
        let mut b = BackendWire::new();
        let mut seen = vec![];
        let mut buf = [0u8; 4096];
        let mut n_answered = 0;
        while seen.len() < 4 {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "client closed early");
            b.on_data(&buf[..n], &mut seen).unwrap();
            for a in &seen[n_answered..] {
                let mut r = scripted(200, a.message.target.as_bytes());
                if a.message.target == "/chunked" {
                    r.chunked = Some(Chunking {
                        sizes: vec![2],
                        extension: "x".into(),
                        trailers: vec![("x-t".into(), "9".into())],
                    });
                }
                if a.message.target == "/nobody" {
                    r.status = 204;
                }
                for seg in segments(&response_bytes(&r, a.head_request), 3) {
                    s.write_all(seg).unwrap();
                }
            }
            n_answered = seen.len();
        }
        seen
    });
    let mut s = connect(addr);
    s.set_nodelay(true).unwrap();
    let mut w = ClientWire::new(&def(ClientProto::H1, addr), "c4");
    let (mut log, mut out) = (ClientLog::default(), vec![]);
    let mut post = req("POST", "/chunked");
    post.body = b"0123456789".to_vec();
    post.chunked = Some(Chunking::default());
    let reqs = [
        req("GET", "/a"),
        req("HEAD", "/head"),
        post,
        req("GET", "/nobody"),
    ];
    w.send_requests(&reqs, &mut log, &mut out);
    exchange(&mut s, &mut w, &mut log, &mut out, 5);
    let seen = backend.join().unwrap();
    for (a, sent) in seen.iter().zip(&log.sent) {
        assert_eq!(a.marker.as_deref(), Some("c4"));
        assert_eq!(a.message.headers, sent.headers);
        assert_eq!(a.message.body, sent.body);
    }
    assert!(seen[1].head_request);
    let got: Vec<_> = log
        .responses
        .iter()
        .map(|r| (r.status, r.body.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (200, b"/a".to_vec()),
            (200, vec![]),
            (200, b"/chunked".to_vec()),
            (204, vec![])
        ]
    );
    assert_eq!(
        log.responses[2].trailers,
        [("x-t".to_string(), "9".to_string())]
    );
}
