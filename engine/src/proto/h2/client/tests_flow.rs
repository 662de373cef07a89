//! Flow control against a scripted peer: request bodies sent as the peer's windows
//! (stream, connection, INITIAL_WINDOW_SIZE changes) and MAX_FRAME_SIZE allow, the rest
//! sent from WINDOW_UPDATEs; our receive windows replenished at half; overruns are errors.

use super::tests::{connected, exchange, fails, frames, head_block, Event};
use super::*;
use crate::proto::h1::build_request;
use crate::proto::h2::frame::{flag, Head};

fn post(len: usize) -> H2Request {
    request_from_h1(
        &build_request("POST", "/up", "example.com", &[], &vec![b'x'; len]),
        "http",
    )
    .unwrap()
}

/// DATA frames among `f`: (stream, length, END_STREAM).
fn data_frames(f: &[(Head, Vec<u8>)]) -> Vec<(u32, usize, bool)> {
    f.iter()
        .filter(|(h, _)| h.kind == Kind::Data)
        .map(|(h, p)| (h.stream, p.len(), h.has(flag::END_STREAM)))
        .collect()
}

fn window_update(stream: u32, increment: u32) -> Vec<u8> {
    let mut p = Vec::new();
    frame::window_update(&mut p, stream, increment);
    p
}

#[test]
fn post_64k_with_the_default_65535_window() {
    let mut c = connected(ClientSettings::default(), &[]);
    let mut out = Vec::new();
    let slot = c.open(&post(65_536), &mut out).unwrap();
    let f = frames(&out);
    assert_eq!(
        (f[0].0.kind, f[0].0.flags),
        (Kind::Headers, flag::END_HEADERS)
    );
    assert_eq!(
        data_frames(&f),
        vec![
            (1, 16_384, false),
            (1, 16_384, false),
            (1, 16_384, false),
            (1, 16_383, false)
        ]
    );
    // The connection's window alone does not free the stream.
    let (_, f) = exchange(&mut c, &window_update(0, 100));
    assert_eq!(data_frames(&f), vec![]);
    let (_, f) = exchange(&mut c, &window_update(1, 10));
    assert_eq!(data_frames(&f), vec![(1, 1, true)]);
    // Nothing more to send.
    let (_, f) = exchange(&mut c, &window_update(1, 10));
    assert_eq!(data_frames(&f), vec![]);
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(201), true, 16_384);
    assert_eq!(
        exchange(&mut c, &peer).0,
        vec![Event::Response(slot, 201, 0)]
    );
}

#[test]
fn larger_peer_frames_and_windows() {
    let mut c = connected(
        ClientSettings::default(),
        &[
            (setting::MAX_FRAME_SIZE, 32_768),
            (setting::INITIAL_WINDOW_SIZE, 1 << 20),
        ],
    );
    exchange(&mut c, &window_update(0, 1 << 20));
    let mut out = Vec::new();
    c.open(&post(70_000), &mut out).unwrap();
    assert_eq!(
        data_frames(&frames(&out)),
        vec![(1, 32_768, false), (1, 32_768, false), (1, 4_464, true)]
    );
    // An empty body: HEADERS ends the stream, no DATA.
    let mut out = Vec::new();
    c.open(&post(0), &mut out).unwrap();
    let f = frames(&out);
    assert_eq!(f.len(), 1);
    assert!(f[0].0.has(flag::END_STREAM));
}

#[test]
fn initial_window_changes_adjust_open_streams() {
    let mut c = connected(
        ClientSettings::default(),
        &[(setting::INITIAL_WINDOW_SIZE, 100)],
    );
    let mut out = Vec::new();
    c.open(&post(1000), &mut out).unwrap();
    assert_eq!(data_frames(&frames(&out)), vec![(1, 100, false)]);
    // Shrunk below what was sent: the window goes negative (-50).
    let mut peer = Vec::new();
    frame::settings(&mut peer, &[(setting::INITIAL_WINDOW_SIZE, 50)]);
    assert_eq!(data_frames(&exchange(&mut c, &peer).1), vec![]);
    let (_, f) = exchange(&mut c, &window_update(1, 60));
    assert_eq!(data_frames(&f), vec![(1, 10, false)]);
    // Grown: +950 -> 950 available, 890 left to send.
    let mut peer = Vec::new();
    frame::settings(&mut peer, &[(setting::INITIAL_WINDOW_SIZE, 1000)]);
    let (_, f) = exchange(&mut c, &peer);
    assert_eq!(f[0].0.kind, Kind::Settings);
    assert_eq!(data_frames(&f), vec![(1, 890, true)]);
    // A stream opened now starts from the new initial window.
    let mut out = Vec::new();
    c.open(&post(1500), &mut out).unwrap();
    assert_eq!(data_frames(&frames(&out)), vec![(3, 1000, false)]);
}

#[test]
fn connection_window_is_shared_in_order() {
    let mut c = connected(
        ClientSettings::default(),
        &[(setting::INITIAL_WINDOW_SIZE, 1 << 20)],
    );
    let mut out = Vec::new();
    c.open(&post(50_000), &mut out).unwrap();
    c.open(&post(50_000), &mut out).unwrap();
    c.open(&post(10), &mut out).unwrap();
    let sent: usize = data_frames(&frames(&out)).iter().map(|d| d.1).sum();
    assert_eq!(sent, 65_535);
    let (_, f) = exchange(&mut c, &window_update(0, 40_000));
    let d = data_frames(&f);
    assert_eq!(d.iter().map(|d| d.1).sum::<usize>(), 34_475);
    assert_eq!(d.last(), Some(&(5, 10, true)));
    assert!(d.iter().any(|&(s, _, end)| s == 3 && end));
}

#[test]
fn receive_windows_are_replenished_at_half() {
    let mut c = connected(
        ClientSettings {
            stream_window: 1000,
            conn_window: 65_535,
            ..ClientSettings::default()
        },
        &[],
    );
    let slot = c.open(&frame_get(), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(200), false, 16_384);
    frame::data(&mut peer, 1, &[0; 400], false);
    let (_, f) = exchange(&mut c, &peer);
    assert!(f.is_empty());
    let mut peer = Vec::new();
    frame::data(&mut peer, 1, &[0; 200], false);
    let (_, f) = exchange(&mut c, &peer);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].0.kind, f[0].0.stream), (Kind::WindowUpdate, 1));
    assert_eq!(frame::parse_window_update(&f[0].1), Ok(600));
    // Padding counts against the windows, not toward the body.
    let mut peer = Vec::new();
    frame::Head {
        len: 111,
        kind: Kind::Data,
        flags: flag::PADDED | flag::END_STREAM,
        stream: 1,
    }
    .write(&mut peer);
    peer.push(100);
    peer.extend_from_slice(&[1; 110]);
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(events, vec![Event::Response(slot, 200, 610)]);

    // More than the stream window is a flow-control error.
    c.open(&frame_get(), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 3, &head_block(200), false, 16_384);
    frame::data(&mut peer, 3, &[0; 1001], false);
    assert_eq!(fails(&mut c, &peer), H2Error::FlowControl);
}

fn frame_get() -> H2Request {
    super::tests::get("/")
}

#[test]
fn connection_receive_window_replenished_and_enforced() {
    let mut c = connected(
        ClientSettings {
            stream_window: 1 << 20,
            conn_window: 65_535,
            ..ClientSettings::default()
        },
        &[],
    );
    c.open(&frame_get(), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(200), false, 16_384);
    for _ in 0..3 {
        frame::data(&mut peer, 1, &[0; 12_000], false);
    }
    let (_, f) = exchange(&mut c, &peer);
    let updates: Vec<_> = f
        .iter()
        .filter(|(h, _)| h.kind == Kind::WindowUpdate)
        .map(|(h, p)| (h.stream, frame::parse_window_update(p).unwrap()))
        .collect();
    assert_eq!(updates, vec![(0, 36_000)]);
    // Data on a stream that is already closed still counts for the connection.
    let mut peer = Vec::new();
    frame::rst_stream(&mut peer, 1, code::CANCEL);
    frame::data(&mut peer, 1, &[0; 16_000], false);
    frame::data(&mut peer, 1, &[0; 16_000], false);
    let (_, f) = exchange(&mut c, &peer);
    assert_eq!(f.len(), 0);
    let (_, f) = exchange(&mut c, &{
        let mut peer = Vec::new();
        frame::data(&mut peer, 1, &[0; 16_000], false);
        peer
    });
    assert_eq!(f.len(), 1);
    assert_eq!(frame::parse_window_update(&f[0].1), Ok(48_000));

    // One frame beyond the connection's window (frames may be that large here).
    let mut c = connected(
        ClientSettings {
            stream_window: 1 << 20,
            conn_window: 65_535,
            max_frame: 1 << 20,
            max_streams: 1,
        },
        &[],
    );
    c.open(&frame_get(), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(200), false, 16_384);
    frame::data(&mut peer, 1, &[0; 65_536], false);
    assert_eq!(fails(&mut c, &peer), H2Error::FlowControl);
}

#[test]
fn early_response_cancels_the_rest_of_the_body() {
    let mut c = connected(ClientSettings::default(), &[]);
    let slot = c.open(&post(100_000), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::headers(&mut peer, 1, &head_block(413), true, 16_384);
    let (events, f) = exchange(&mut c, &peer);
    assert_eq!(events, vec![Event::Response(slot, 413, 0)]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0.kind, Kind::RstStream);
    assert_eq!(frame::parse_rst_stream(&f[0].1), Ok(code::CANCEL));
    // Nothing of it is sent later.
    let mut peer = window_update(0, 100_000);
    peer.extend(window_update(1, 100_000));
    assert_eq!(exchange(&mut c, &peer).1.len(), 0);
}

#[test]
fn refused_stream_drops_its_queued_body() {
    let mut c = connected(ClientSettings::default(), &[]);
    c.open(&post(70_000), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    frame::goaway(&mut peer, 0, code::NO_ERROR, b"");
    let (events, _) = exchange(&mut c, &peer);
    assert_eq!(events, vec![Event::Goaway(0, 0), Event::Refused(0)]);
    let (_, f) = exchange(&mut c, &window_update(0, 100_000));
    assert!(f.is_empty());
    assert_eq!(c.inflight(), 0);
}

#[test]
fn window_overflows_are_errors() {
    let mut c = connected(ClientSettings::default(), &[]);
    assert_eq!(
        fails(&mut c, &window_update(0, MAX_WINDOW)),
        H2Error::FlowControl
    );
    let mut c = connected(ClientSettings::default(), &[]);
    c.open(&frame_get(), &mut Vec::new()).unwrap();
    assert_eq!(
        fails(&mut c, &window_update(1, MAX_WINDOW)),
        H2Error::FlowControl
    );
    let mut c = connected(ClientSettings::default(), &[]);
    let mut peer = Vec::new();
    frame::settings(&mut peer, &[(setting::INITIAL_WINDOW_SIZE, MAX_WINDOW + 1)]);
    assert_eq!(fails(&mut c, &peer), H2Error::FlowControl);
}
