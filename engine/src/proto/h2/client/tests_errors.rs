//! The client against a broken peer: every malformed frame is a connection error with its
//! GOAWAY, the first frame must be SETTINGS, and random garbage never panics or overruns the
//! stream limit.

use super::tests::{connected, exchange, fails, get, head_block, Recorder};
use super::*;
use crate::proto::h1::build_request;
use crate::proto::h2::frame::flag;
use crate::proto::h2::hpack;

fn bad(peer_frames: impl FnOnce(&mut Vec<u8>)) -> H2Error {
    let mut c = connected(ClientSettings::default(), &[]);
    c.open(&get("/"), &mut Vec::new()).unwrap();
    let mut peer = Vec::new();
    peer_frames(&mut peer);
    fails(&mut c, &peer)
}

#[test]
fn bad_frames_are_connection_errors() {
    use H2Error::*;
    let proto = |e: H2Error| matches!(e, Protocol(_));
    assert!(proto(bad(|p| frame::data(p, 0, b"x", true))));
    assert!(proto(bad(|p| frame::headers(
        p,
        2,
        &head_block(200),
        true,
        16_384
    ))));
    assert!(proto(bad(|p| frame::headers(
        p,
        5,
        &head_block(200),
        true,
        16_384
    ))));
    assert!(
        proto(bad(|p| frame::data(p, 1, b"x", true))),
        "DATA before HEADERS"
    );
    assert!(proto(bad(|p| frame::rst_stream(p, 0, 0))));
    assert!(proto(bad(|p| frame::window_update(p, 1, 0))));
    assert!(proto(bad(|p| frame::settings(
        p,
        &[(setting::ENABLE_PUSH, 1)]
    ))));
    assert!(proto(bad(|p| frame::settings(
        p,
        &[(setting::MAX_FRAME_SIZE, 100)]
    ))));
    assert!(proto(bad(|p| {
        frame::settings(p, &[(setting::MAX_FRAME_SIZE, MAX_FRAME_LIMIT + 1)])
    })));
    let mut no_status = Vec::new();
    hpack::encode_literal(&mut no_status, b"server", b"x");
    assert!(proto(bad(|p| frame::headers(
        p, 1, &no_status, true, 16_384
    ))));
    let mut bad_status = Vec::new();
    hpack::encode_literal(&mut bad_status, b":status", b"2xx");
    assert!(proto(bad(|p| frame::headers(
        p,
        1,
        &bad_status,
        true,
        16_384
    ))));
    assert!(proto(bad(|p| frame::headers(
        p,
        1,
        &head_block(101),
        true,
        16_384
    ))));
    assert!(proto(bad(|p| {
        frame::Head {
            len: 4,
            kind: Kind::PushPromise,
            flags: flag::END_HEADERS,
            stream: 1,
        }
        .write(p);
        p.extend_from_slice(&[0, 0, 0, 2]);
    })));
    assert!(proto(bad(|p| {
        frame::Head {
            len: 5,
            kind: Kind::Priority,
            flags: 0,
            stream: 0,
        }
        .write(p);
        p.extend_from_slice(&[0; 5]);
    })));
    assert!(proto(bad(|p| {
        frame::Head {
            len: 8,
            kind: Kind::Goaway,
            flags: 0,
            stream: 1,
        }
        .write(p);
        p.extend_from_slice(&[0; 8]);
    })));
    assert!(proto(bad(|p| {
        frame::Head {
            len: 8,
            kind: Kind::Ping,
            flags: 0,
            stream: 1,
        }
        .write(p);
        p.extend_from_slice(&[0; 8]);
    })));
    let size = |e: H2Error| e == FrameSize;
    assert!(size(bad(|p| {
        frame::Head {
            len: 7,
            kind: Kind::Settings,
            flags: 0,
            stream: 0,
        }
        .write(p);
        p.extend_from_slice(&[0; 7]);
    })));
    assert!(size(bad(|p| {
        frame::Head {
            len: 6,
            kind: Kind::Settings,
            flags: flag::ACK,
            stream: 0,
        }
        .write(p);
        p.extend_from_slice(&[0; 6]);
    })));
    assert!(size(bad(|p| {
        frame::Head {
            len: 3,
            kind: Kind::Ping,
            flags: 0,
            stream: 0,
        }
        .write(p);
        p.extend_from_slice(&[0; 3]);
    })));
    assert!(size(bad(|p| {
        frame::Head {
            len: 4,
            kind: Kind::Priority,
            flags: 0,
            stream: 1,
        }
        .write(p);
        p.extend_from_slice(&[0; 4]);
    })));
    assert!(size(bad(|p| frame::data(p, 1, &[0; 16_385], false))));
    assert!(matches!(
        bad(|p| frame::headers(p, 1, &[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], true, 16_384)),
        Compression(_)
    ));
    // Unknown frame types are ignored.
    let mut c = connected(ClientSettings::default(), &[]);
    let mut peer = Vec::new();
    frame::Head {
        len: 3,
        kind: Kind::Unknown(0xbb),
        flags: 0xff,
        stream: 9,
    }
    .write(&mut peer);
    peer.extend_from_slice(b"abc");
    assert_eq!(exchange(&mut c, &peer).0, vec![]);
}

#[test]
fn first_frame_must_be_settings() {
    let mut c = H2Client::new(&ClientSettings::default());
    c.start(&mut Vec::new());
    let mut peer = Vec::new();
    frame::ping(&mut peer, false, [0; 8]);
    assert!(matches!(fails(&mut c, &peer), H2Error::Protocol(_)));
    let mut c = H2Client::new(&ClientSettings::default());
    let mut peer = Vec::new();
    frame::settings_ack(&mut peer);
    assert!(matches!(fails(&mut c, &peer), H2Error::Protocol(_)));
    // Not HTTP/2 at all.
    let mut c = H2Client::new(&ClientSettings::default());
    assert!(fails(&mut c, b"HTTP/1.1 400 Bad Request\r\n\r\n").code() != 0);
}

/// A small deterministic generator for the garbage tests.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn garbage_never_panics() {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let req = request_from_h1(
        &build_request("POST", "/", "example.com", &[], &[7; 70_000]),
        "http",
    )
    .unwrap();
    for _ in 0..3000 {
        let mut c = connected(
            ClientSettings {
                max_streams: 4,
                ..ClientSettings::default()
            },
            &[],
        );
        let mut out = Vec::new();
        while c.can_open() {
            c.open(&req, &mut out).unwrap();
        }
        // Frames with plausible heads (known kinds, small stream ids, right-ish lengths)
        // and random payloads, or plain random bytes.
        let mut peer = Vec::new();
        for _ in 0..(rng.next() % 8) {
            let r = rng.next();
            let len = (r % 24) as u32;
            if r.is_multiple_of(5) {
                peer.extend((0..len).map(|_| rng.next() as u8));
                continue;
            }
            frame::Head {
                len,
                kind: Kind::from_u8((r >> 8) as u8 % 11),
                flags: (r >> 16) as u8,
                stream: ((r >> 24) % 10) as u32,
            }
            .write(&mut peer);
            peer.extend((0..len).map(|_| rng.next() as u8));
        }
        let mut rec = Recorder::default();
        let split = peer.len() / 2;
        if c.feed(&peer[..split], &mut out, &mut rec).is_ok() {
            let _ = c.feed(&peer[split..], &mut out, &mut rec);
        }
        assert!(c.inflight() <= 4);
    }
}
