//! The HTTP/2 client, sans-IO: what it sends read back with `proto::h2`'s frame reader and
//! HPACK decoder; server frames built with its writers and encoders fed to it.

use std::time::Duration;

use crate::check::plan::{ClientProto, Frame, HeaderBlock, Indexing};
use crate::check::transcript::ClientLog;
use crate::check::wire::test_support::*;
use crate::check::wire::ClientWire;
use crate::proto::h2::frame::{self, code, flag, setting, Head, Kind, PREFACE};
use crate::proto::h2::hpack::{encode_field, encode_status, FieldRepr, HeaderDecoder};
use crate::proto::h2::FrameReader;

/// Frames in `bytes` (after the preface when it is there): (head, payload).
fn frames(bytes: &[u8]) -> Vec<(Head, Vec<u8>)> {
    let bytes = bytes.strip_prefix(&PREFACE[..]).unwrap_or(bytes);
    let mut r = FrameReader::new(frame::MAX_FRAME_LIMIT);
    let mut v = vec![];
    r.feed::<crate::proto::h2::H2Error>(bytes, |h, p| {
        v.push((h, p.to_vec()));
        Ok(())
    })
    .unwrap();
    v
}

fn fields(d: &mut HeaderDecoder, block: &[u8]) -> Vec<(String, String)> {
    let mut v = vec![];
    d.decode(block, |n, val| {
        v.push((
            String::from_utf8(n.to_vec()).unwrap(),
            String::from_utf8(val.to_vec()).unwrap(),
        ))
    })
    .unwrap();
    v
}

fn h2(auto_ack: bool) -> ClientWire {
    let mut d = def(ClientProto::H2);
    d.auto_ack = auto_ack;
    d.settings = vec![
        (setting::ENABLE_PUSH, 0),
        (setting::INITIAL_WINDOW_SIZE, 1 << 20),
    ];
    ClientWire::new(&d, "m2")
}

/// A response header block (`:status` then fields, plain literals).
fn block(status: u16, rest: &[(&str, &str)]) -> Vec<u8> {
    let mut b = vec![];
    encode_status(&mut b, status);
    for (n, v) in rest {
        encode_field(
            &mut b,
            n.as_bytes(),
            v.as_bytes(),
            FieldRepr::Literal,
            false,
        );
    }
    b
}

#[test]
fn preface_settings_and_requests() {
    let mut c = h2(true);
    let mut out = vec![];
    c.on_open(&mut out);
    assert!(out.starts_with(PREFACE));
    let f = frames(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0.kind, Kind::Settings);
    assert_eq!(
        frame::parse_settings(&f[0].1).unwrap().collect::<Vec<_>>(),
        [
            (setting::ENABLE_PUSH, 0),
            (setting::INITIAL_WINDOW_SIZE, 1 << 20)
        ]
    );
    let mut log = ClientLog::default();
    let mut out = vec![];
    let mut get = req("GET", "/a?b");
    get.headers = pairs(&[("Accept", "*/*"), ("X-Two", "1")]);
    let mut post = req("POST", "/p");
    post.authority = Some("other.test".into());
    post.body = b"hello".to_vec();
    c.send_requests(&[get, post], &mut log, &mut out);
    let f = frames(&out);
    let kinds: Vec<_> = f.iter().map(|(h, _)| (h.kind, h.stream, h.flags)).collect();
    assert_eq!(
        kinds,
        [
            (Kind::Headers, 1, flag::END_HEADERS | flag::END_STREAM),
            (Kind::Headers, 3, flag::END_HEADERS),
            (Kind::Data, 3, flag::END_STREAM)
        ]
    );
    let mut d = HeaderDecoder::default();
    assert_eq!(
        fields(&mut d, &f[0].1),
        pairs(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":authority", "proxy.test"),
            (":path", "/a?b"),
            ("accept", "*/*"),
            ("x-two", "1"),
            ("x-tfw-check", "m2")
        ])
    );
    assert_eq!(
        fields(&mut d, &f[1].1)[2],
        (":authority".into(), "other.test".into())
    );
    assert_eq!(f[2].1, b"hello");
    assert_eq!(log.sent.len(), 2);
    assert_eq!(log.sent[0].version, "HTTP/2");
    assert_eq!(log.sent[0].stream, Some(1));
    assert_eq!(log.sent[1].stream, Some(3));
    assert_eq!(
        log.sent[0].headers,
        pairs(&[
            (":authority", "proxy.test"),
            (":scheme", "http"),
            ("accept", "*/*"),
            ("x-two", "1"),
            ("x-tfw-check", "m2")
        ])
    );
    assert_eq!(log.sent[1].body, b"hello");
    assert_eq!(c.awaiting(), 2);
}

#[test]
fn chunked_request_becomes_data_frames_and_trailers() {
    let mut c = h2(true);
    let mut log = ClientLog::default();
    let mut out = vec![];
    let mut r = req("PUT", "/t");
    r.body = b"abcdefgh".to_vec();
    r.chunked = Some(chunking(&[3, 2], "ignored", &[("x-sum", "8")]));
    c.send_requests(&[r], &mut log, &mut out);
    let f = frames(&out);
    let sizes: Vec<_> = f
        .iter()
        .filter(|(h, _)| h.kind == Kind::Data)
        .map(|(h, _)| (h.len, h.flags))
        .collect();
    assert_eq!(sizes, [(3, 0), (2, 0), (2, 0), (1, 0)]);
    let (last, payload) = f.last().unwrap();
    assert_eq!(last.kind, Kind::Headers);
    assert_eq!(last.flags, flag::END_HEADERS | flag::END_STREAM);
    let mut d = HeaderDecoder::default();
    fields(&mut d, &f[0].1);
    assert_eq!(fields(&mut d, payload), pairs(&[("x-sum", "8")]));
    assert_eq!(log.sent[0].trailers, pairs(&[("x-sum", "8")]));
}

#[test]
fn bodies_wait_for_the_peers_windows() {
    let mut c = h2(true);
    let mut log = ClientLog::default();
    let mut out = vec![];
    let mut r = req("POST", "/big");
    r.body = vec![b'b'; 100_000];
    c.send_requests(&[r], &mut log, &mut out);
    let data = |out: &[u8]| -> usize {
        frames(out)
            .iter()
            .filter(|(h, _)| h.kind == Kind::Data)
            .map(|(h, _)| h.len as usize)
            .sum()
    };
    assert_eq!(data(&out), 65_535, "the default windows");
    assert!(frames(&out)
        .iter()
        .all(|(h, p)| p.len() <= 16_384 && h.len <= 16_384));
    // The peer raises the stream windows, then the connection's.
    let mut inbound = vec![];
    frame::settings(&mut inbound, &[(setting::INITIAL_WINDOW_SIZE, 200_000)]);
    let mut out = vec![];
    c.on_data(&inbound, Duration::ZERO, &mut log, &mut out);
    assert_eq!(data(&out), 0, "the connection's window is still used up");
    assert_eq!(
        frames(&out)[0].0.kind,
        Kind::Settings,
        "SETTINGS acknowledged"
    );
    let mut inbound = vec![];
    frame::window_update(&mut inbound, 0, 10_000);
    let mut out = vec![];
    c.on_data(&inbound, Duration::ZERO, &mut log, &mut out);
    assert_eq!(data(&out), 10_000);
    let mut inbound = vec![];
    frame::window_update(&mut inbound, 0, 1 << 20);
    let mut out = vec![];
    c.on_data(&inbound, Duration::ZERO, &mut log, &mut out);
    assert_eq!(data(&out), 100_000 - 75_535);
    let last = frames(&out).pop().unwrap().0;
    assert!(last.has(flag::END_STREAM));
}

#[test]
fn responses_interim_continuation_padding_trailers_and_acks() {
    let mut c = h2(true);
    let mut log = ClientLog::default();
    let mut out = vec![];
    c.send_requests(&[req("GET", "/"), req("GET", "/two")], &mut log, &mut out);
    let mut s = vec![];
    frame::settings(&mut s, &[(setting::MAX_CONCURRENT_STREAMS, 10)]);
    frame::ping(&mut s, false, *b"pingpong");
    frame::headers(&mut s, 1, &block(103, &[("link", "</a>")]), false, 16_384);
    // The final block split into HEADERS + CONTINUATIONs (frames of 5 bytes).
    let big = block(
        200,
        &[("content-type", "text/plain"), ("x-long", &"v".repeat(30))],
    );
    frame::headers(&mut s, 1, &big, false, 5);
    // Padded DATA.
    frame::write_frame(&mut s, Kind::Data, flag::PADDED, 1, b"\x03body\0\0\0");
    frame::data(&mut s, 1, b"!", false);
    frame::headers(
        &mut s,
        1,
        &{
            let mut b = vec![];
            encode_field(&mut b, b"x-trailer", b"t", FieldRepr::Indexed, true);
            b
        },
        true,
        16_384,
    );
    frame::headers(&mut s, 3, &block(404, &[]), true, 16_384);
    for part in s.chunks(3) {
        c.on_data(part, Duration::from_millis(5), &mut log, &mut out);
    }
    assert_eq!(log.parse_error, None);
    assert_eq!(log.responses.len(), 2);
    let r = &log.responses[0];
    assert_eq!(
        (r.status, r.version.as_str(), r.stream),
        (200, "HTTP/2", Some(1))
    );
    assert_eq!(r.interim, [103]);
    assert_eq!(r.body, b"body!");
    assert_eq!(r.trailers, pairs(&[("x-trailer", "t")]));
    assert_eq!(
        r.header_values("content-type").collect::<Vec<_>>(),
        ["text/plain"]
    );
    assert!(r.headers.iter().all(|(n, _)| n != ":status"));
    assert_eq!(log.responses[1].status, 404);
    assert_eq!(c.awaiting(), 0);
    // SETTINGS ACK, PING ACK, WINDOW_UPDATEs for the two DATA frames (connection and stream).
    let acks: Vec<_> = frames(&out[..])
        .into_iter()
        .filter(|(h, _)| h.kind != Kind::Headers)
        .map(|(h, p)| (h.kind, h.flags, h.stream, p))
        .collect();
    assert_eq!(acks[0], (Kind::Settings, flag::ACK, 0, vec![]));
    assert_eq!(acks[1], (Kind::Ping, flag::ACK, 0, b"pingpong".to_vec()));
    assert_eq!(
        acks[2],
        (Kind::WindowUpdate, 0, 0, 8u32.to_be_bytes().to_vec())
    );
    assert_eq!(
        acks[3],
        (Kind::WindowUpdate, 0, 1, 8u32.to_be_bytes().to_vec())
    );
    assert_eq!(acks.len(), 6);
    // Every frame is recorded.
    let kinds: Vec<u8> = log.frames.iter().map(|f| f.kind).collect();
    assert_eq!(kinds[..3], [4, 6, 1]);
    assert!(log.frames.iter().all(|f| f.at == Duration::from_millis(5)));
}

#[test]
fn without_auto_ack_nothing_is_answered() {
    let mut c = h2(false);
    let mut log = ClientLog::default();
    let mut out = vec![];
    c.send_requests(&[req("GET", "/")], &mut log, &mut out);
    let mut s = vec![];
    frame::settings(&mut s, &[]);
    frame::ping(&mut s, false, [1; 8]);
    frame::headers(&mut s, 1, &block(200, &[]), false, 16_384);
    frame::data(&mut s, 1, b"x", true);
    let mut out = vec![];
    c.on_data(&s, Duration::ZERO, &mut log, &mut out);
    assert!(out.is_empty());
    assert_eq!(log.responses[0].body, b"x");
}

#[test]
fn goaway_and_rst_stream_are_recorded_with_their_codes() {
    let mut c = h2(true);
    let mut log = ClientLog::default();
    let mut out = vec![];
    c.send_requests(
        &[req("GET", "/"), req("GET", "/"), req("GET", "/")],
        &mut log,
        &mut out,
    );
    assert_eq!(c.awaiting(), 3);
    let mut s = vec![];
    frame::rst_stream(&mut s, 1, code::REFUSED_STREAM);
    c.on_data(&s, Duration::ZERO, &mut log, &mut out);
    assert_eq!(c.awaiting(), 2);
    let mut s = vec![];
    frame::goaway(&mut s, 3, code::PROTOCOL_ERROR, b"why");
    c.on_data(&s, Duration::from_secs(1), &mut log, &mut out);
    assert_eq!(c.awaiting(), 1, "stream 5 is above the last stream");
    let rst = &log.frames[0];
    assert_eq!(
        (rst.kind, rst.stream, rst.code),
        (3, 1, Some(code::REFUSED_STREAM))
    );
    let g = &log.frames[1];
    assert_eq!(
        (g.kind, g.code, g.last_stream),
        (7, Some(code::PROTOCOL_ERROR), Some(3))
    );
    assert_eq!(g.debug, b"why");
    assert_eq!(g.len, 11);
    c.on_eof(&mut log);
    assert_eq!(c.awaiting(), 0);
}

#[test]
fn broken_input_is_a_parse_error() {
    let oversize = {
        let mut s = vec![];
        frame::write_frame(&mut s, Kind::Data, 0, 1, &vec![0; 20_000]);
        s
    };
    let bad_hpack = {
        let mut s = vec![];
        frame::headers(
            &mut s,
            1,
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            true,
            16_384,
        );
        s
    };
    let no_status = {
        let mut s = vec![];
        let mut b = vec![];
        encode_field(&mut b, b"x", b"y", FieldRepr::Literal, false);
        frame::headers(&mut s, 1, &b, true, 16_384);
        s
    };
    let stray_continuation = {
        let mut s = vec![];
        frame::write_frame(&mut s, Kind::Continuation, flag::END_HEADERS, 1, &[0x88]);
        s
    };
    let interrupted_block = {
        let mut s = vec![];
        frame::write_frame(&mut s, Kind::Headers, 0, 1, &[0x88]);
        frame::ping(&mut s, false, [0; 8]);
        s
    };
    for wire in [
        oversize,
        bad_hpack,
        no_status,
        stray_continuation,
        interrupted_block,
    ] {
        let mut c = h2(true);
        let mut log = ClientLog::default();
        let mut out = vec![];
        c.send_requests(&[req("GET", "/")], &mut log, &mut out);
        c.on_data(&wire, Duration::ZERO, &mut log, &mut out);
        assert!(log.parse_error.is_some(), "{wire:?}");
        assert_eq!(c.awaiting(), 0);
        assert!(log.responses.is_empty());
    }
}

#[test]
fn frames_are_written_as_the_case_says() {
    let mut c = h2(true);
    let mut log = ClientLog::default();
    let mut out = vec![];
    let case_fields = pairs(&[(":method", "GET"), ("X-Case", "Kept")]);
    let frames_in = [
        Frame::Settings {
            ack: true,
            params: vec![(9, 7)],
        },
        Frame::Headers {
            stream: 7,
            end_stream: true,
            end_headers: false,
            pad: Some(2),
            priority: Some((3, true, 200)),
            block: HeaderBlock::Fields {
                fields: case_fields,
                huffman: true,
                indexing: Indexing::NeverIndexed,
            },
        },
        Frame::Continuation {
            stream: 7,
            end_headers: true,
            block: HeaderBlock::Bytes(vec![0x82]),
        },
        Frame::Data {
            stream: 7,
            end_stream: false,
            pad: Some(1),
            payload: b"xy".to_vec(),
        },
        Frame::WindowUpdate {
            stream: 0,
            increment: 0,
        },
        Frame::RstStream { stream: 7, code: 8 },
        Frame::Ping {
            ack: false,
            payload: *b"12345678",
        },
        Frame::Priority {
            stream: 9,
            dependency: 7,
            exclusive: false,
            weight: 15,
        },
        Frame::Goaway {
            last_stream: 0,
            code: 2,
            debug: b"dbg".to_vec(),
        },
        Frame::Raw {
            kind: 0xfa,
            flags: 0x5,
            stream: 3,
            payload: vec![1, 2],
        },
    ];
    c.send_frames(&frames_in, &mut log, &mut out);
    assert_eq!(log.sent_raw, out);
    let f = frames(&out);
    let heads: Vec<_> = f
        .iter()
        .map(|(h, _)| (h.kind.to_u8(), h.flags, h.stream))
        .collect();
    assert_eq!(
        heads,
        [
            (4, flag::ACK, 0),
            (1, flag::END_STREAM | flag::PADDED | flag::PRIORITY, 7),
            (9, flag::END_HEADERS, 7),
            (0, flag::PADDED, 7),
            (8, 0, 0),
            (3, 0, 7),
            (6, 0, 0),
            (2, 0, 9),
            (7, 0, 0),
            (0xfa, 0x5, 3)
        ]
    );
    assert_eq!(f[0].1, [0, 9, 0, 0, 0, 7]);
    let h = &f[1].1;
    assert_eq!(h[0], 2, "pad length");
    assert_eq!(
        &h[1..6],
        &[0x80, 0, 0, 3, 200],
        "exclusive dependency 3, weight byte"
    );
    assert_eq!(&h[h.len() - 2..], &[0, 0]);
    let block = &h[6..h.len() - 2];
    assert_eq!(block[0] & 0xf0, 0x10, "never indexed");
    let mut d = HeaderDecoder::default();
    let mut joined = block.to_vec();
    joined.push(0x82);
    assert_eq!(
        fields(&mut d, &joined),
        pairs(&[(":method", "GET"), ("X-Case", "Kept"), (":method", "GET")])
    );
    assert_eq!(f[3].1, b"\x01xy\0");
    assert_eq!(f[4].1, [0, 0, 0, 0]);
    assert_eq!(f[5].1, 8u32.to_be_bytes());
    assert_eq!(f[6].1, b"12345678");
    assert_eq!(f[7].1, [0, 0, 0, 7, 15]);
    assert_eq!(f[8].1, b"\0\0\0\0\0\0\0\x02dbg");
    assert_eq!(f[9].1, [1, 2]);
    // A structured request after HEADERS on stream 7 opens stream 9.
    let mut out = vec![];
    c.send_requests(&[req("GET", "/")], &mut log, &mut out);
    assert_eq!(frames(&out)[0].0.stream, 9);
}

#[test]
fn a_smaller_peer_table_is_signalled_in_the_next_block() {
    let mut c = h2(true);
    let mut log = ClientLog::default();
    let mut out = vec![];
    let mut s = vec![];
    frame::settings(&mut s, &[(setting::HEADER_TABLE_SIZE, 0)]);
    c.on_data(&s, Duration::ZERO, &mut log, &mut out);
    let mut out = vec![];
    c.send_requests(&[req("GET", "/"), req("GET", "/")], &mut log, &mut out);
    let f = frames(&out);
    assert_eq!(f[0].1[0], 0x20, "size update to 0 first");
    assert_ne!(f[1].1[0], 0x20, "once");
    let mut d = HeaderDecoder::default();
    assert_eq!(fields(&mut d, &f[0].1).len(), 5);
}
