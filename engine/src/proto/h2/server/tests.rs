//! The server side against scripted clients written as bytes: what it sends back is split
//! with the frame reader and its header blocks decoded with the HPACK decoder.

use super::*;
use crate::proto::h2::frame::{self, code, flag, setting, Head, Kind, PREFACE};
use crate::proto::h2::hpack;
use crate::proto::h2::hpack::HeaderDecoder;
use crate::proto::h2::test_support::{self, decode_fresh, fields};

/// A frame the server sent.
#[derive(Debug)]
struct Frame {
    head: Head,
    payload: Vec<u8>,
}

/// Splits server output into frames.
fn frames(out: &[u8]) -> Vec<Frame> {
    test_support::frames(out)
        .into_iter()
        .map(|(head, payload)| Frame { head, payload })
        .collect()
}

/// Decoded fields as text.
type Texts = Vec<(String, String)>;

/// Requests the sink was given: (stream, fields, body_len).
#[derive(Default)]
struct Got(Vec<(u32, Texts, u64)>);

impl H2RequestSink for Got {
    fn request(&mut self, stream: u32, fields: &Fields, body_len: u64) {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let f = fields.iter().map(|(n, v)| (text(n), text(v))).collect();
        self.0.push((stream, f, body_len));
    }
}

/// A request header block: GET (or `method`) `path`, with `extra` fields.
fn block(method: &str, path: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut b = Vec::new();
    hpack::encode_literal(&mut b, b":method", method.as_bytes());
    hpack::encode_literal(&mut b, b":scheme", b"http");
    hpack::encode_literal(&mut b, b":path", path.as_bytes());
    hpack::encode_literal(&mut b, b":authority", b"localhost");
    for (n, v) in extra {
        hpack::encode_literal(&mut b, n.as_bytes(), v.as_bytes());
    }
    b
}

/// Preface and the client's SETTINGS.
fn start(settings: &[(u16, u32)]) -> Vec<u8> {
    let mut b = PREFACE.to_vec();
    frame::settings(&mut b, settings);
    b
}

fn get(b: &mut Vec<u8>, stream: u32, path: &str) {
    frame::headers(b, stream, &block("GET", path, &[]), true, 16384);
}

fn resp(body: usize) -> H2Response {
    let wire = crate::proto::h1::build_response(200, &[], &vec![b'x'; body], false);
    response_from_h1(&wire).unwrap()
}

/// Decoded response header blocks and DATA per stream, from frames.
#[derive(Default, Debug)]
struct Responses {
    fields: Vec<(u32, Texts, bool)>,
    data: std::collections::BTreeMap<u32, (usize, bool)>,
}

fn responses(dec: &mut HeaderDecoder, got: &[Frame]) -> Responses {
    let mut r = Responses::default();
    for f in got {
        match f.head.kind {
            Kind::Headers => {
                assert!(f.head.has(flag::END_HEADERS), "{f:?}");
                let mut fields = Vec::new();
                dec.decode(&f.payload, |n, v| {
                    fields.push((
                        String::from_utf8_lossy(n).into_owned(),
                        String::from_utf8_lossy(v).into_owned(),
                    ))
                })
                .unwrap();
                r.fields
                    .push((f.head.stream, fields, f.head.has(flag::END_STREAM)));
            }
            Kind::Data => {
                let e = r.data.entry(f.head.stream).or_insert((0, false));
                assert!(!e.1, "DATA after END_STREAM");
                e.0 += f.payload.len();
                e.1 = f.head.has(flag::END_STREAM);
            }
            _ => {}
        }
    }
    r
}

fn kinds(got: &[Frame]) -> Vec<Kind> {
    got.iter().map(|f| f.head.kind).collect()
}

fn goaway_of(got: &[Frame]) -> Option<(u32, u32)> {
    got.iter().find(|f| f.head.kind == Kind::Goaway).map(|f| {
        let (last, code, _) = frame::parse_goaway(&f.payload).unwrap();
        (last, code)
    })
}

#[test]
fn converts_the_http1_response_once() {
    let wire = b"HTTP/1.1 201 Created\r\nServer: t\r\nConnection: close\r\nKeep-Alive: x\r\n\
                 X-A: b\r\nContent-Length: 3\r\n\r\nabc";
    let r = response_from_h1(wire).unwrap();
    assert_eq!((r.status(), r.body()), (201, &b"abc"[..]));
    let want = fields(&[
        (":status", "201"),
        ("server", "t"),
        ("x-a", "b"),
        ("content-length", "3"),
    ]);
    assert_eq!(decode_fresh(r.block()), want);
    // 200 is indexed from the static table: one byte.
    assert_eq!(resp(2).block()[0], 0x88);
    let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert!(matches!(
        response_from_h1(chunked),
        Err(H2Error::Template(_))
    ));
    assert!(response_from_h1(b"HTTP/1.1 200 OK\r\n").is_err());
    assert!(response_from_h1(b"\x00garbage\r\n\r\n").is_err());
}

#[test]
fn answers_a_get_after_preface_and_settings() {
    let mut sv = H2Server::new(16);
    let mut input = start(&[(setting::ENABLE_PUSH, 0)]);
    get(&mut input, 1, "/a?b");
    let (mut out, mut got) = (Vec::new(), Got::default());
    // Byte by byte: the preface and every frame split at every offset.
    for b in input.chunks(1) {
        sv.feed(b, &mut out, &mut got).unwrap();
    }
    assert_eq!(got.0.len(), 1);
    let (stream, fields, body_len) = &got.0[0];
    assert_eq!((*stream, *body_len), (1, 0));
    assert_eq!(fields[0], (":method".into(), "GET".into()));
    assert_eq!(fields[2], (":path".into(), "/a?b".into()));
    let f = frames(&out);
    assert_eq!(
        kinds(&f),
        [Kind::Settings, Kind::WindowUpdate, Kind::Settings]
    );
    let ours: Vec<_> = frame::parse_settings(&f[0].payload).unwrap().collect();
    assert!(ours.contains(&(setting::MAX_CONCURRENT_STREAMS, 16)));
    assert!(f[2].head.has(flag::ACK));
    out.clear();
    assert!(sv.respond(1, &resp(5), &mut out));
    // Answered once only.
    assert!(!sv.respond(1, &resp(5), &mut out));
    let r = responses(&mut HeaderDecoder::default(), &frames(&out));
    assert_eq!(r.fields[0].1[0], (":status".into(), "200".into()));
    assert!(!r.fields[0].2);
    assert_eq!(r.data[&1], (5, true));
    assert_eq!(sv.streams(), 0);
    assert!(!sv.is_done());
}

#[test]
fn response_data_waits_for_the_clients_windows() {
    let mut sv = H2Server::new(16);
    // Stream windows of 1000 bytes; the connection's is 65535.
    let mut input = start(&[(setting::INITIAL_WINDOW_SIZE, 1000)]);
    get(&mut input, 1, "/");
    get(&mut input, 3, "/");
    let (mut out, mut got) = (Vec::new(), Got::default());
    sv.feed(&input, &mut out, &mut got).unwrap();
    let body = 100_000;
    let mut dec = HeaderDecoder::default();
    let mut total = std::collections::BTreeMap::new();
    let count = |out: &mut Vec<u8>, total: &mut std::collections::BTreeMap<u32, usize>| {
        let f = frames(out);
        for fr in &f {
            if fr.head.kind == Kind::Data {
                assert!(fr.payload.len() <= 16384);
                *total.entry(fr.head.stream).or_insert(0) += fr.payload.len();
            }
        }
        out.clear();
        f
    };
    out.clear();
    assert!(sv.respond(1, &resp(body), &mut out));
    assert!(sv.respond(3, &resp(body), &mut out));
    let f = count(&mut out, &mut total);
    responses(&mut dec, &f);
    assert_eq!(total[&1], 1000);
    assert_eq!(total[&3], 1000);
    // Raising every stream window by SETTINGS: now the connection window (65535) limits.
    let mut input = Vec::new();
    frame::settings(&mut input, &[(setting::INITIAL_WINDOW_SIZE, 1 << 20)]);
    sv.feed(&input, &mut out, &mut got).unwrap();
    count(&mut out, &mut total);
    assert_eq!(total[&1] + total[&3], 65535);
    // The connection window opens bit by bit until both bodies are through.
    let mut rounds = 0;
    while total.values().sum::<usize>() < 2 * body {
        rounds += 1;
        assert!(rounds < 100, "stuck at {total:?}");
        let mut input = Vec::new();
        frame::window_update(&mut input, 0, 30_000);
        sv.feed(&input, &mut out, &mut got).unwrap();
        count(&mut out, &mut total);
    }
    assert_eq!(total[&1], body);
    assert_eq!(total[&3], body);
    assert_eq!(sv.streams(), 0);
}

#[test]
fn a_header_block_split_over_continuations() {
    let mut sv = H2Server::new(16);
    let mut input = start(&[]);
    let b = block(
        "POST",
        "/upload",
        &[("cookie", "a=1"), ("x-long", &"v".repeat(300))],
    );
    // HEADERS without END_HEADERS, then two CONTINUATIONs; END_STREAM comes with the DATA.
    frame::write_frame(&mut input, Kind::Headers, 0, 1, &b[..10]);
    frame::write_frame(&mut input, Kind::Continuation, 0, 1, &b[10..200]);
    frame::write_frame(
        &mut input,
        Kind::Continuation,
        flag::END_HEADERS,
        1,
        &b[200..],
    );
    frame::data(&mut input, 1, b"hello", false);
    // Padded DATA: the body is the unpadded part.
    frame::write_frame(
        &mut input,
        Kind::Data,
        flag::PADDED | flag::END_STREAM,
        1,
        b"\x03abc\0\0\0",
    );
    let (mut out, mut got) = (Vec::new(), Got::default());
    sv.feed(&input, &mut out, &mut got).unwrap();
    assert_eq!(got.0.len(), 1);
    let (_, fields, body_len) = &got.0[0];
    assert_eq!(*body_len, 8);
    assert!(fields.contains(&("cookie".into(), "a=1".into())));
    assert_eq!(fields.last().unwrap().1.len(), 300);

    // Another frame in the middle of a header block is a connection error.
    let mut input = Vec::new();
    frame::write_frame(&mut input, Kind::Headers, 0, 3, &b[..10]);
    frame::ping(&mut input, false, [0; 8]);
    out.clear();
    let e = sv.feed(&input, &mut out, &mut got).unwrap_err();
    assert_eq!(e.code(), code::PROTOCOL_ERROR);
    assert_eq!(goaway_of(&frames(&out)), Some((1, code::PROTOCOL_ERROR)));
    // Stream 1 is still owed a response, but the connection is to be closed.
    assert_eq!(sv.streams(), 1);
    assert!(sv.is_done());
}

#[test]
fn trailers_end_a_request() {
    let mut sv = H2Server::new(16);
    let mut input = start(&[]);
    frame::headers(&mut input, 1, &block("POST", "/", &[]), false, 16384);
    frame::data(&mut input, 1, &[1; 100], false);
    let mut trailer = Vec::new();
    hpack::encode_literal(&mut trailer, b"x-sum", b"1");
    frame::headers(&mut input, 1, &trailer, true, 16384);
    let (mut out, mut got) = (Vec::new(), Got::default());
    sv.feed(&input, &mut out, &mut got).unwrap();
    assert_eq!(got.0.len(), 1);
    assert_eq!(got.0[0].2, 100);
}

#[test]
fn received_data_is_given_back() {
    let mut sv = H2Server::new(16);
    let mut input = start(&[]);
    frame::headers(&mut input, 1, &block("POST", "/", &[]), false, 16384);
    let chunk = vec![7u8; 16384];
    let n = 64;
    for i in 0..n {
        frame::data(&mut input, 1, &chunk, i == n - 1);
    }
    let (mut out, mut got) = (Vec::new(), Got::default());
    sv.feed(&input, &mut out, &mut got).unwrap();
    assert_eq!(got.0[0].2, (n * chunk.len()) as u64);
    let f = frames(&out);
    let given: u64 = f
        .iter()
        .filter(|f| f.head.kind == Kind::WindowUpdate && f.head.stream == 0)
        .map(|f| frame::parse_window_update(&f.payload).unwrap() as u64)
        .sum();
    // The initial raise, then at least the half window used twice over.
    assert!(given >= (RECV_WINDOW - frame::DEFAULT_WINDOW + RECV_WINDOW / 2) as u64);
    assert!(f
        .iter()
        .any(|f| f.head.kind == Kind::WindowUpdate && f.head.stream == 1));
}

#[test]
fn ping_settings_and_reset_streams() {
    let mut sv = H2Server::new(16);
    let mut input = start(&[(setting::MAX_FRAME_SIZE, 20_000)]);
    frame::ping(&mut input, false, *b"12345678");
    // A PING ACK from the client is not answered.
    frame::ping(&mut input, true, *b"abcdefgh");
    get(&mut input, 1, "/");
    get(&mut input, 3, "/");
    frame::rst_stream(&mut input, 1, code::CANCEL);
    let (mut out, mut got) = (Vec::new(), Got::default());
    sv.feed(&input, &mut out, &mut got).unwrap();
    let f = frames(&out);
    let pings: Vec<_> = f.iter().filter(|f| f.head.kind == Kind::Ping).collect();
    assert_eq!(pings.len(), 1);
    assert!(pings[0].head.has(flag::ACK));
    assert_eq!(pings[0].payload, b"12345678");
    // Stream 1 was reset: nothing to answer; stream 3 gets 20000-byte DATA frames.
    out.clear();
    assert!(!sv.respond(1, &resp(30_000), &mut out));
    assert!(out.is_empty());
    assert!(sv.respond(3, &resp(30_000), &mut out));
    let f = frames(&out);
    assert_eq!(f[1].payload.len(), 20_000);
    // A WINDOW_UPDATE or RST_STREAM for a finished stream is fine.
    let mut input = Vec::new();
    frame::window_update(&mut input, 3, 10);
    frame::rst_stream(&mut input, 3, code::CANCEL);
    sv.feed(&input, &mut out, &mut got).unwrap();
    // The client's GOAWAY with nothing open: done.
    let mut input = Vec::new();
    frame::goaway(&mut input, 0, code::NO_ERROR, b"bye");
    sv.feed(&input, &mut out, &mut got).unwrap();
    assert!(sv.is_done());
}

#[test]
fn goaway_after_the_request_limit() {
    let mut sv = H2Server::new(16);
    sv.set_request_limit(2);
    let mut input = start(&[]);
    for id in [1, 3, 5, 7] {
        get(&mut input, id, "/");
    }
    let (mut out, mut got) = (Vec::new(), Got::default());
    sv.feed(&input, &mut out, &mut got).unwrap();
    // Streams 5 and 7 are above the GOAWAY's last stream id: not processed.
    let ids: Vec<u32> = got.0.iter().map(|g| g.0).collect();
    assert_eq!(ids, [1, 3]);
    assert_eq!(goaway_of(&frames(&out)), Some((3, code::NO_ERROR)));
    assert!(!sv.respond(5, &resp(1), &mut out));
    assert!(sv.respond(1, &resp(1), &mut out));
    assert!(!sv.is_done());
    assert!(sv.respond(3, &resp(1), &mut out));
    assert!(sv.is_done());
}

#[test]
fn streams_beyond_the_limit_are_refused_and_head_gets_no_body() {
    let mut sv = H2Server::new(2);
    let mut input = start(&[]);
    get(&mut input, 1, "/");
    frame::headers(&mut input, 3, &block("HEAD", "/", &[]), true, 16384);
    get(&mut input, 5, "/");
    let (mut out, mut got) = (Vec::new(), Got::default());
    sv.feed(&input, &mut out, &mut got).unwrap();
    assert_eq!(got.0.len(), 2);
    let f = frames(&out);
    let rst = f.iter().find(|f| f.head.kind == Kind::RstStream).unwrap();
    assert_eq!(rst.head.stream, 5);
    assert_eq!(
        frame::parse_rst_stream(&rst.payload).unwrap(),
        code::REFUSED_STREAM
    );
    out.clear();
    let extra = {
        let mut e = Vec::new();
        hpack::encode_literal(&mut e, b"set-cookie", b"sid=c1");
        e
    };
    assert!(sv.respond_with(3, &resp(10), &extra, &mut out));
    let r = responses(&mut HeaderDecoder::default(), &frames(&out));
    assert!(r.fields[0].2, "HEAD: END_STREAM on HEADERS");
    assert!(r.fields[0]
        .1
        .contains(&("set-cookie".into(), "sid=c1".into())));
    assert!(r.data.is_empty());
    // A slot is free again: a new stream is taken.
    let mut input = Vec::new();
    get(&mut input, 7, "/");
    sv.feed(&input, &mut out, &mut got).unwrap();
    assert_eq!(got.0.last().unwrap().0, 7);
}

#[test]
fn bad_prefaces_and_frames_are_errors() {
    let cases: Vec<(Vec<u8>, u32)> = vec![
        (b"GET / HTTP/1.1\r\n\r\n".to_vec(), code::PROTOCOL_ERROR),
        // The first frame must be SETTINGS.
        (
            {
                let mut b = PREFACE.to_vec();
                frame::ping(&mut b, false, [0; 8]);
                b
            },
            code::PROTOCOL_ERROR,
        ),
        // HEADERS on an even stream.
        (
            {
                let mut b = start(&[]);
                get(&mut b, 2, "/");
                b
            },
            code::PROTOCOL_ERROR,
        ),
        // DATA on an idle stream.
        (
            {
                let mut b = start(&[]);
                frame::data(&mut b, 9, b"x", true);
                b
            },
            code::PROTOCOL_ERROR,
        ),
        // A window past 2^31-1.
        (
            {
                let mut b = start(&[]);
                frame::window_update(&mut b, 0, frame::MAX_WINDOW);
                b
            },
            code::FLOW_CONTROL_ERROR,
        ),
        // A frame longer than our SETTINGS_MAX_FRAME_SIZE.
        (
            {
                let mut b = start(&[]);
                frame::write_frame(&mut b, Kind::Unknown(0xee), 0, 0, &[0; 16385]);
                b
            },
            code::FRAME_SIZE_ERROR,
        ),
        // A header block HPACK cannot decode (index 0).
        (
            {
                let mut b = start(&[]);
                frame::headers(&mut b, 1, &[0x80], true, 16384);
                b
            },
            code::COMPRESSION_ERROR,
        ),
        // A PING of the wrong length.
        (
            {
                let mut b = start(&[]);
                frame::write_frame(&mut b, Kind::Ping, 0, 0, &[0; 7]);
                b
            },
            code::FRAME_SIZE_ERROR,
        ),
    ];
    for (input, want) in cases {
        let mut sv = H2Server::new(16);
        let (mut out, mut got) = (Vec::new(), Got::default());
        let e = sv.feed(&input, &mut out, &mut got).unwrap_err();
        assert_eq!(e.code(), want, "{e}");
        assert_eq!(goaway_of(&frames(&out)).map(|g| g.1), Some(want));
        assert!(sv.is_done());
        // Nothing more is read.
        assert!(sv.feed(&input, &mut out, &mut got).is_err());
    }
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    // A fixed pseudo-random sequence (xorshift), so a failure can be replayed.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut failed = 0;
    for round in 0..500 {
        let mut input = start(&[]);
        if round % 2 == 0 {
            get(&mut input, 1, "/");
        }
        let n = (next() % 300) as usize;
        for _ in 0..n {
            input.push(next() as u8);
        }
        let mut sv = H2Server::new(4);
        let (mut out, mut got) = (Vec::new(), Got::default());
        // Random chunking too.
        let mut rest = &input[..];
        while !rest.is_empty() {
            let k = 1 + (next() as usize % rest.len());
            if sv.feed(&rest[..k], &mut out, &mut got).is_err() {
                // Whatever broke, the output is whole frames ending in a GOAWAY.
                assert_eq!(frames(&out).last().unwrap().head.kind, Kind::Goaway);
                failed += 1;
                break;
            }
            rest = &rest[k..];
        }
        for g in &got.0 {
            sv.respond(g.0, &resp(3), &mut out);
        }
    }
    assert!(failed > 400, "{failed} of 500 garbage inputs failed");
}
