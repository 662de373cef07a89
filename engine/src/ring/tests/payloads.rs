//! Registered payloads on both backends: a backend holds `PayloadId::LIMIT` of them, refuses
//! the next with an error (no panic), and the last one it took is sent, not another.

use super::*;
use crate::ring::PayloadId;
use std::io;

fn limit_is_an_error<B: TestBackend>() {
    let (addr, reader) = peer(read_all);
    let mut be = B::create();
    let first = be.register_payload(Arc::from(&b"first"[..])).unwrap();
    let filler: Arc<[u8]> = Arc::from(&b"filler"[..]);
    for _ in 1..PayloadId::LIMIT - 1 {
        be.register_payload(filler.clone()).unwrap();
    }
    let last = be.register_payload(Arc::from(&b"last"[..])).unwrap();
    assert_eq!(
        last,
        PayloadId((PayloadId::LIMIT - 1) as u16),
        "{}",
        B::NAME
    );
    let e = be
        .register_payload(filler.clone())
        .expect_err("one payload too many");
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{}", B::NAME);
    assert_eq!(e.to_string(), "a backend holds at most 65536 payloads");
    let slot = connect(&mut be, addr);
    be.send(slot, last, 0, usize::MAX, false);
    be.send(slot, first, 0, usize::MAX, true);
    let sent = Cell::new(false);
    run_until(
        &mut be,
        |ev, _| match ev {
            Ev::Sent(s) if s == slot => sent.set(true),
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |_| sent.get(),
    );
    be.close(slot, false);
    assert_eq!(reader.join().unwrap(), b"lastfirst", "{}", B::NAME);
}

on_both!(limit_is_an_error);
