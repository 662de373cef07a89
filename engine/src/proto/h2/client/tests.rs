//! The client against a scripted peer written as bytes with the frame writers and HPACK
//! encoders: the preface, SETTINGS and PING answers, responses (interim, trailers,
//! CONTINUATION), resets, GOAWAY, stream limits, header indexing. Flow control and request
//! bodies are in `tests_flow`; bad frames and garbage in `tests_errors`.

use super::*;
use crate::proto::h1::build_request;
use crate::proto::h2::frame::{flag, Head};
use crate::proto::h2::hpack;
use crate::proto::h2::hpack::HeaderDecoder;
pub(super) use crate::proto::h2::test_support::frames;
use crate::proto::h2::test_support::{decode_fresh, fields};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Event {
    Response(u32, u16, u64),
    Reset(u32, u32),
    Refused(u32),
    Goaway(u32, u32),
}

#[derive(Default)]
pub(super) struct Recorder(pub Vec<Event>);

impl H2Sink for Recorder {
    fn response(&mut self, slot: u32, status: u16, body_len: u64) {
        self.0.push(Event::Response(slot, status, body_len));
    }
    fn reset(&mut self, slot: u32, code: u32) {
        self.0.push(Event::Reset(slot, code));
    }
    fn refused(&mut self, slot: u32) {
        self.0.push(Event::Refused(slot));
    }
    fn goaway(&mut self, last_stream: u32, code: u32) {
        self.0.push(Event::Goaway(last_stream, code));
    }
}

pub(super) fn get(path: &str) -> H2Request {
    request_from_h1(&build_request("GET", path, "example.com", &[], b""), "http").unwrap()
}

/// A client that has sent its preface and received the peer's SETTINGS (`params`).
pub(super) fn connected(settings: ClientSettings, params: &[(u16, u32)]) -> H2Client {
    let mut c = H2Client::new(&settings);
    let mut out = Vec::new();
    c.start(&mut out);
    let mut peer = Vec::new();
    frame::settings(&mut peer, params);
    out.clear();
    c.feed(&peer, &mut out, &mut Recorder::default()).unwrap();
    assert_eq!(
        frames(&out)[0].0.kind,
        Kind::Settings,
        "SETTINGS ACK expected"
    );
    c
}

/// A response head block: `:status` and a content-type.
pub(super) fn head_block(status: u16) -> Vec<u8> {
    let mut b = Vec::new();
    hpack::encode_status(&mut b, status);
    hpack::encode_literal(&mut b, b"content-type", b"text/plain");
    b
}

/// Feeds `peer`, expecting success; returns (events, frames written).
pub(super) fn exchange(c: &mut H2Client, peer: &[u8]) -> (Vec<Event>, Vec<(Head, Vec<u8>)>) {
    let mut out = Vec::new();
    let mut rec = Recorder::default();
    c.feed(peer, &mut out, &mut rec).unwrap();
    (rec.0, frames(&out))
}

/// Feeds `peer`, expecting a connection error; checks the GOAWAY written for it.
pub(super) fn fails(c: &mut H2Client, peer: &[u8]) -> H2Error {
    let mut out = Vec::new();
    let err = c
        .feed(peer, &mut out, &mut Recorder::default())
        .unwrap_err();
    let written = frames(&out);
    let (head, payload) = written.last().expect("a GOAWAY");
    assert_eq!(head.kind, Kind::Goaway);
    assert_eq!(frame::parse_goaway(payload).unwrap().1, err.code(), "{err}");
    // The connection stays dead.
    assert!(c.feed(&[], &mut out, &mut Recorder::default()).is_err());
    assert!(!c.can_open());
    err
}

#[test]
fn start_writes_preface_settings_and_connection_window() {
    let mut c = H2Client::new(&ClientSettings {
        max_streams: 10,
        stream_window: 1 << 20,
        conn_window: 1 << 24,
        max_frame: 1 << 15,
    });
    let mut out = Vec::new();
    c.start(&mut out);
    assert!(out.starts_with(frame::PREFACE));
    let f = frames(&out);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].0.kind, Kind::Settings);
    let params: Vec<_> = frame::parse_settings(&f[0].1).unwrap().collect();
    assert_eq!(
        params,
        vec![
            (setting::ENABLE_PUSH, 0),
            (setting::INITIAL_WINDOW_SIZE, 1 << 20),
            (setting::MAX_FRAME_SIZE, 1 << 15)
        ]
    );
    assert_eq!(f[1].0.kind, Kind::WindowUpdate);
    assert_eq!(frame::parse_window_update(&f[1].1), Ok((1 << 24) - 65_535));
    // A default-sized connection window needs no WINDOW_UPDATE.
    let mut c = H2Client::new(&ClientSettings {
        conn_window: 65_535,
        ..ClientSettings::default()
    });
    let mut out = Vec::new();
    c.start(&mut out);
    assert_eq!(frames(&out).len(), 1);
}

#[test]
fn get_and_response_with_body() {
    let mut c = connected(ClientSettings::default(), &[]);
    let req = get("/index.html");
    let mut out = Vec::new();
    let slot = c.open(&req, &mut out).unwrap();
    assert_eq!(c.inflight(), 1);
    let f = frames(&out);
    assert_eq!(f.len(), 1);
    let (head, block) = &f[0];
    assert_eq!(head.kind, Kind::Headers);
    assert_eq!(head.stream, 1);
    assert_eq!(head.flags, flag::END_HEADERS | flag::END_STREAM);
    let want = fields(&[
        (":method", "GET"),
        (":scheme", "http"),
        (":authority", "example.com"),
        (":path", "/index.html"),
        ("user-agent", "tfw-bench"),
    ]);
    assert_eq!(decode_fresh(block), want);

    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(200), false, 16_384);
    frame::data(&mut peer, 1, b"hello", false);
    frame::data(&mut peer, 1, b"abc", true);
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(events, vec![Event::Response(slot, 200, 8)]);
    assert_eq!(c.inflight(), 0);
    // The next stream is 3.
    let mut out = Vec::new();
    c.open(&req, &mut out).unwrap();
    assert_eq!(frames(&out)[0].0.stream, 3);
}

#[test]
fn same_exchange_split_at_every_offset() {
    let mut peer = Vec::new();
    frame::settings(&mut peer, &[(setting::MAX_CONCURRENT_STREAMS, 10)]);
    frame::headers(&mut peer, 1, &head_block(100), false, 16_384);
    frame::headers(&mut peer, 1, &head_block(404), false, 3);
    frame::ping(&mut peer, false, *b"pingpong");
    frame::data(&mut peer, 1, &[1; 100], false);
    frame::headers(&mut peer, 3, &head_block(204), true, 16_384);
    frame::data(&mut peer, 1, b"", true);
    let req = get("/");
    for split in 0..=peer.len() {
        let mut c = H2Client::new(&ClientSettings::default());
        let mut out = Vec::new();
        c.start(&mut out);
        let a = c.open(&req, &mut out).unwrap();
        let b = c.open(&req, &mut out).unwrap();
        out.clear();
        let mut rec = Recorder::default();
        c.feed(&peer[..split], &mut out, &mut rec).unwrap();
        c.feed(&peer[split..], &mut out, &mut rec).unwrap();
        assert_eq!(
            rec.0,
            vec![Event::Response(b, 204, 0), Event::Response(a, 404, 100)],
            "split at {split}"
        );
        let kinds: Vec<_> = frames(&out)
            .iter()
            .map(|(h, _)| (h.kind, h.flags))
            .collect();
        assert_eq!(
            kinds,
            vec![(Kind::Settings, flag::ACK), (Kind::Ping, flag::ACK)]
        );
    }
}

#[test]
fn settings_and_ping_are_answered() {
    let mut c = connected(ClientSettings::default(), &[]);
    let mut peer = Vec::new();
    frame::ping(&mut peer, false, *b"12345678");
    frame::ping(&mut peer, true, *b"ignored!");
    frame::settings(&mut peer, &[(0x99, 7)]);
    frame::settings_ack(&mut peer);
    let (events, f) = exchange(&mut c, &peer);
    assert!(events.is_empty());
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].0.kind, f[0].0.flags), (Kind::Ping, flag::ACK));
    assert_eq!(f[0].1, b"12345678");
    assert_eq!(
        (f[1].0.kind, f[1].0.flags, f[1].1.len()),
        (Kind::Settings, flag::ACK, 0)
    );
}

#[test]
fn interim_responses_and_trailers() {
    let mut c = connected(ClientSettings::default(), &[]);
    let mut out = Vec::new();
    let slot = c.open(&get("/"), &mut out).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(100), false, 16_384);
    frame::headers(&mut peer, 1, &head_block(103), false, 16_384);
    let (events, _) = exchange(&mut c, &peer);
    assert!(events.is_empty());
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(200), false, 16_384);
    frame::data(&mut peer, 1, b"0123456789", false);
    let mut trailers = Vec::new();
    hpack::encode_literal(&mut trailers, b"grpc-status", b"0");
    frame::headers(&mut peer, 1, &trailers, true, 16_384);
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(events, vec![Event::Response(slot, 200, 10)]);

    // Trailers must end the stream; pseudo-fields are not allowed in them.
    let mut out = Vec::new();
    c.open(&get("/"), &mut out).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 3, &head_block(200), false, 16_384);
    frame::headers(&mut peer, 3, &trailers, false, 16_384);
    assert!(matches!(fails(&mut c, &peer), H2Error::Protocol(_)));

    let mut c = connected(ClientSettings::default(), &[]);
    c.open(&get("/"), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(200), false, 16_384);
    frame::headers(&mut peer, 1, &head_block(200), true, 16_384);
    assert!(matches!(fails(&mut c, &peer), H2Error::Protocol(_)));

    // An interim response may not end the stream.
    let mut c = connected(ClientSettings::default(), &[]);
    c.open(&get("/"), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(100), true, 16_384);
    assert!(matches!(fails(&mut c, &peer), H2Error::Protocol(_)));
}

#[test]
fn continuation_frames() {
    let mut c = connected(ClientSettings::default(), &[]);
    let slot = c.open(&get("/"), &mut Vec::new()).unwrap();
    let mut block = head_block(200);
    hpack::encode_literal(&mut block, b"x-filler", &[b'f'; 100]);
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &block, true, 40);
    assert!(frames(&peer).len() >= 3);
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(events, vec![Event::Response(slot, 200, 0)]);

    // Another frame in the middle of a header block is an error.
    c.open(&get("/"), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 3, &block, true, 40);
    let first_len = frame::HEAD_LEN + 40;
    let mut broken = peer[..first_len].to_vec();
    frame::ping(&mut broken, false, [0; 8]);
    assert!(matches!(fails(&mut c, &broken), H2Error::Protocol(_)));

    // A CONTINUATION out of the blue is an error.
    let mut c = connected(ClientSettings::default(), &[]);
    let mut peer = Vec::new();
    frame::Head {
        len: 1,
        kind: Kind::Continuation,
        flags: flag::END_HEADERS,
        stream: 1,
    }
    .write(&mut peer);
    peer.push(0x88);
    assert!(matches!(fails(&mut c, &peer), H2Error::Protocol(_)));
}

#[test]
fn rst_stream_reports_reset_and_frees_the_slot() {
    let mut c = connected(
        ClientSettings {
            max_streams: 2,
            ..ClientSettings::default()
        },
        &[],
    );
    let a = c.open(&get("/"), &mut Vec::new()).unwrap();
    let b = c.open(&get("/"), &mut Vec::new()).unwrap();
    assert!(!c.can_open());
    assert!(matches!(
        c.open(&get("/"), &mut Vec::new()),
        Err(H2Error::CannotOpen(_))
    ));
    let mut peer = Vec::new();
    frame::rst_stream(&mut peer, 3, code::REFUSED_STREAM);
    frame::rst_stream(&mut peer, 1, code::INTERNAL_ERROR);
    // Frames on the reset streams that were in flight are ignored.
    frame::headers(&mut peer, 1, &head_block(200), false, 16_384);
    frame::data(&mut peer, 1, b"late", true);
    frame::rst_stream(&mut peer, 3, code::CANCEL);
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(
        events,
        vec![
            Event::Reset(b, code::REFUSED_STREAM),
            Event::Reset(a, code::INTERNAL_ERROR)
        ]
    );
    assert_eq!(c.inflight(), 0);
    assert!(c.can_open());
}

#[test]
fn goaway_refuses_streams_above_last_id() {
    let mut c = connected(ClientSettings::default(), &[]);
    let slots: Vec<u32> = (0..4)
        .map(|_| c.open(&get("/"), &mut Vec::new()).unwrap())
        .collect();
    let mut peer = Vec::new();
    frame::goaway(&mut peer, 3, code::NO_ERROR, b"bye");
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(
        events,
        vec![
            Event::Goaway(3, code::NO_ERROR),
            Event::Refused(slots[2]),
            Event::Refused(slots[3])
        ]
    );
    assert!(c.closing());
    assert!(!c.can_open());
    assert_eq!(c.inflight(), 2);
    // Streams 1 and 3 still complete.
    let mut peer = Vec::new();
    frame::headers(&mut peer, 3, &head_block(200), true, 16_384);
    frame::headers(&mut peer, 1, &head_block(500), true, 16_384);
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(
        events,
        vec![
            Event::Response(slots[1], 200, 0),
            Event::Response(slots[0], 500, 0)
        ]
    );
    assert_eq!(c.inflight(), 0);
    // A second GOAWAY can only lower the last id.
    let mut peer = Vec::new();
    frame::goaway(&mut peer, 7, code::PROTOCOL_ERROR, b"");
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(events, vec![Event::Goaway(3, code::PROTOCOL_ERROR)]);
}

#[test]
fn peer_max_concurrent_streams_is_respected() {
    let mut c = connected(
        ClientSettings::default(),
        &[(setting::MAX_CONCURRENT_STREAMS, 2)],
    );
    assert_eq!(c.peer_max_streams(), 2);
    c.open(&get("/"), &mut Vec::new()).unwrap();
    c.open(&get("/"), &mut Vec::new()).unwrap();
    assert!(!c.can_open());
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(200), true, 16_384);
    exchange(&mut c, &peer);
    assert!(c.can_open());
    // Lowered below what is open: no new stream until enough end.
    c.open(&get("/"), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::settings(&mut peer, &[(setting::MAX_CONCURRENT_STREAMS, 1)]);
    frame::headers(&mut peer, 3, &head_block(200), true, 16_384);
    exchange(&mut c, &peer);
    assert!(!c.can_open());
    let mut peer = Vec::new();
    frame::headers(&mut peer, 5, &head_block(200), true, 16_384);
    exchange(&mut c, &peer);
    assert!(c.can_open());
}

#[test]
fn stream_ids_running_out_close_the_connection() {
    let mut c = connected(ClientSettings::default(), &[]);
    c.conn.side.next_id = MAX_STREAM_ID - 2;
    let mut out = Vec::new();
    let a = c.open(&get("/"), &mut out).unwrap();
    assert!(!c.closing());
    let b = c.open(&get("/"), &mut out).unwrap();
    let ids: Vec<u32> = frames(&out).iter().map(|(h, _)| h.stream).collect();
    assert_eq!(ids, vec![MAX_STREAM_ID - 2, MAX_STREAM_ID]);
    assert!(c.closing());
    assert!(!c.can_open());
    let mut peer = Vec::new();
    frame::headers(&mut peer, MAX_STREAM_ID, &head_block(200), true, 16_384);
    frame::headers(&mut peer, MAX_STREAM_ID - 2, &head_block(200), true, 16_384);
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(
        events,
        vec![Event::Response(b, 200, 0), Event::Response(a, 200, 0)]
    );
    assert_eq!(c.inflight(), 0);
}

#[test]
fn many_streams_reuse_slots_without_mixing_them_up() {
    // More streams than slots over time, ended out of order; each response reaches the slot
    // its stream was opened in.
    let mut c = connected(
        ClientSettings {
            max_streams: 8,
            ..ClientSettings::default()
        },
        &[],
    );
    let mut open: Vec<(u32, u32)> = Vec::new(); // (stream id, slot)
    for (round, next_status) in (0..200u32).zip(200u16..) {
        while c.can_open() {
            let mut out = Vec::new();
            let slot = c.open(&get("/"), &mut out).unwrap();
            open.push((frames(&out)[0].0.stream, slot));
        }
        let pick = (round as usize * 7) % open.len();
        let (id, slot) = open.swap_remove(pick);
        let status = 200 + next_status % 100;
        let mut peer = Vec::new();
        frame::headers(&mut peer, id, &head_block(status), true, 16_384);
        let (events, _) = exchange(&mut c, &peer);
        assert_eq!(events, vec![Event::Response(slot, status, 0)]);
    }
}

#[test]
fn requests_are_indexed_once_per_connection() {
    let a = get("/a");
    let mut with_body = request_from_h1(
        &build_request(
            "POST",
            "/b",
            "example.com",
            &[("X-Custom".into(), "yes".into())],
            b"body",
        ),
        "https",
    )
    .unwrap();
    // The server's view: one decoder for the connection, fed every block in order.
    let mut server = HeaderDecoder::default();
    let mut decode = |block: &[u8]| {
        let mut fields = Vec::new();
        server
            .decode(block, |n, v| fields.push((n.to_vec(), v.to_vec())))
            .unwrap();
        fields
    };
    let want = |r: &H2Request| -> Vec<(Vec<u8>, Vec<u8>)> {
        r.fields().map(|(n, v)| (n.to_vec(), v.to_vec())).collect()
    };
    let mut c = connected(ClientSettings::default(), &[]);
    let mut blocks = Vec::new();
    for req in [&a, &with_body, &a, &with_body, &a] {
        let mut out = Vec::new();
        c.open(req, &mut out).unwrap();
        let f = frames(&out);
        assert_eq!(decode(&f[0].1), want(req));
        blocks.push(f[0].1.len());
    }
    // Later uses are all indexed: one or two bytes per field.
    assert!(blocks[2] < blocks[0] && blocks[2] <= 2 * a.fields().count());
    assert!(blocks[3] < blocks[1]);
    assert_eq!(blocks[2], blocks[4]);

    // The peer shrinks its table: the next block starts with a size update and the
    // bookkeeping starts over.
    let mut peer = Vec::new();
    frame::settings(&mut peer, &[(setting::HEADER_TABLE_SIZE, 0)]);
    exchange(&mut c, &peer);
    let mut out = Vec::new();
    c.open(&a, &mut out).unwrap();
    let block = &frames(&out)[0].1;
    assert_eq!(block[0], 0x20, "size update to 0");
    assert_eq!(decode(block), want(&a));
    let mut out = Vec::new();
    c.open(&a, &mut out).unwrap();
    assert_eq!(frames(&out)[0].1, a.header_block());
    assert_eq!(decode(a.header_block()), want(&a));

    // Indexing off: always the literal block.
    let mut c = connected(ClientSettings::default(), &[]);
    c.set_header_indexing(false);
    for _ in 0..2 {
        let mut out = Vec::new();
        c.open(&with_body, &mut out).unwrap();
        assert_eq!(frames(&out)[0].1, with_body.header_block());
    }
    // A request too big for the table goes as literals.
    with_body = request_from_h1(
        &build_request(
            "GET",
            "/",
            "example.com",
            &[("X-Big".into(), "v".repeat(5000))],
            b"",
        ),
        "http",
    )
    .unwrap();
    let mut c = connected(ClientSettings::default(), &[]);
    let mut out = Vec::new();
    c.open(&with_body, &mut out).unwrap();
    assert_eq!(frames(&out)[0].1, with_body.header_block());
}

#[test]
fn closed_streams_keep_the_hpack_table_in_step() {
    let mut c = connected(ClientSettings::default(), &[]);
    let a = c.open(&get("/"), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::rst_stream(&mut peer, 1, code::CANCEL);
    exchange(&mut c, &peer);
    let b = c.open(&get("/"), &mut Vec::new()).unwrap();
    // The response to the reset stream inserts `:status: 299` into the table; stream 3's
    // response refers to it by index.
    let mut insert = Vec::new();
    hpack::encode_literal_indexed(&mut insert, b":status", b"299");
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &insert, true, 16_384);
    frame::headers(&mut peer, 3, &[0xbe], true, 16_384);
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(events, vec![Event::Response(b, 299, 0)]);
    assert_eq!(a, b, "the freed slot is reused");
}
