//! `Backend::send_copy` on both backends against real loopback sockets: bytes arrive whole
//! and in order with payload sends, the caller's buffer is free at once, failures are
//! reported, and a close with copies in flight neither loses track of their buffers nor
//! reports anything for the closed slot.

use super::*;

/// Payload and copy sends interleaved, of sizes the socket takes as they are issued: they
/// arrive in call order, and the caller's buffer is free once `send_copy` returns.
fn in_order_with_payload_sends<B: TestBackend>() {
    let (addr, reader) = peer(read_all);
    let mut be = B::create();
    let payload = pattern(100_000, 0);
    let p = be.register_payload(Arc::from(&payload[..])).unwrap();
    let slot = connect(&mut be, addr);
    let mut want = Vec::new();
    let mut scratch = Vec::new();
    for round in 0..8 {
        be.send(slot, p, round * 1000, 7_000, false);
        want.extend_from_slice(&payload[round * 1000..round * 1000 + 7_000]);
        // The caller's buffer is overwritten right after each call: the copy was taken.
        for len in [0, 5, 12_000] {
            scratch.clear();
            scratch.extend(pattern(len, round + 1));
            be.send_copy(slot, &scratch, false);
            want.extend_from_slice(&scratch);
            scratch.fill(0xee);
        }
    }
    be.send_copy(slot, b"the end", true);
    want.extend_from_slice(b"the end");
    let sent = Cell::new(0);
    run_until(
        &mut be,
        |ev, _| match ev {
            Ev::Sent(s) if s == slot => sent.set(sent.get() + 1),
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |be| sent.get() == 1 && be.copies_in_flight() == 0,
    );
    be.close(slot, false);
    let got = reader.join().unwrap();
    assert_eq!(got.len(), want.len(), "{}", B::NAME);
    assert!(got == want, "{}: bytes out of order", B::NAME);
}

/// Copies far larger than the socket buffers to a slow reader, one acknowledged send in
/// flight at a time (the way to send more than the socket holds): whole and in order.
fn big_copies_to_a_slow_reader<B: TestBackend>() {
    const EACH: usize = 3 << 20;
    let (addr, reader) = peer(|mut s| {
        let (mut got, mut buf) = (Vec::new(), vec![0; 64 * 1024]);
        while let n @ 1.. = s.read(&mut buf).unwrap() {
            got.extend_from_slice(&buf[..n]);
            thread::sleep(Duration::from_micros(200));
        }
        got
    });
    let mut be = B::create();
    let slot = connect(&mut be, addr);
    let parts: Vec<Vec<u8>> = (0..4).map(|i| pattern(EACH, i * 7)).collect();
    be.send_copy(slot, &parts[0], true);
    let next = Cell::new(1);
    run_until(
        &mut be,
        |ev, be| match ev {
            Ev::Sent(s) if s == slot => {
                if let Some(part) = parts.get(next.get()) {
                    be.send_copy(slot, part, true);
                }
                next.set(next.get() + 1);
            }
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |be| next.get() > parts.len() && be.copies_in_flight() == 0,
    );
    be.close(slot, false);
    let got = reader.join().unwrap();
    assert_eq!(got.len(), 4 * EACH, "{}", B::NAME);
    assert!(got == parts.concat(), "{}: bytes out of order", B::NAME);
}

fn failure_is_send_failed<B: TestBackend>() {
    let (tx, rx) = mpsc::channel::<()>();
    let (addr, resetter) = peer(move |s| {
        rx.recv().unwrap();
        // SO_LINGER 0: the close sends an RST, which loopback delivers before close returns.
        crate::ring::sys::set_linger_zero(std::os::fd::AsRawFd::as_raw_fd(&s)).unwrap();
        drop(s);
    });
    let mut be = B::create();
    let slot = connect(&mut be, addr);
    tx.send(()).unwrap();
    resetter.join().unwrap();
    // Not drained yet: the backend does not know of the reset before it sends.
    be.send_copy(slot, &pattern(100_000, 3), true);
    let failed = Cell::new(false);
    run_until(
        &mut be,
        |ev, _| match ev {
            Ev::SendFailed(s) if s == slot => failed.set(true),
            // The receive may see the reset first.
            Ev::Closed(s) if s == slot => {}
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |be| failed.get() && be.copies_in_flight() == 0,
    );
    be.close(slot, false);
}

fn close_with_copies_in_flight<B: TestBackend>() {
    // A peer that reads nothing until told, so big copies stay in flight.
    let (tx, rx) = mpsc::channel::<()>();
    let (addr, stalled) = peer(move |s| {
        rx.recv().unwrap();
        read_all(s).len()
    });
    let mut be = B::create();
    let slot = connect(&mut be, addr);
    // 32 MiB: more than the socket buffers of both ends hold.
    for i in 0..4 {
        be.send_copy(slot, &pattern(8 << 20, i), i == 3);
    }
    // Let the kernel start on them (fills the socket buffers), then close the slot under
    // the sends still waiting.
    be.wait(1, Duration::ZERO, Duration::from_millis(20))
        .unwrap();
    be.drain(|c, _| panic!("{}: unexpected {:?}", B::NAME, own(c)));
    be.close(slot, false);
    if B::HOLDS_COPIES {
        assert!(be.copies_in_flight() > 0, "the close came after every send");
    }
    tx.send(()).unwrap();
    // Every copy's completion arrives (the kernel is done with it); none is reported for the
    // closed slot.
    run_until(
        &mut be,
        |ev, _| panic!("{}: unexpected {ev:?} after close", B::NAME),
        |be| be.copies_in_flight() == 0,
    );
    stalled.join().unwrap();
    // The slot is reused, and sends on the new connection are whole.
    let (addr, reader) = peer(read_all);
    let again = connect(&mut be, addr);
    assert_eq!(again, slot, "{}: the freed slot is reused", B::NAME);
    let bytes = pattern(1 << 20, 9);
    be.send_copy(again, &bytes, true);
    let sent = Cell::new(false);
    run_until(
        &mut be,
        |ev, _| match ev {
            Ev::Sent(s) if s == again => sent.set(true),
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |be| sent.get() && be.copies_in_flight() == 0,
    );
    be.close(again, false);
    assert!(reader.join().unwrap() == bytes, "{}", B::NAME);
}

fn server_side_copies<B: TestBackend>() {
    // The built-in target's use: a listener's accepted slot answers with copies.
    let mut be = B::create();
    let addr = be.listen("127.0.0.1:0".parse().unwrap(), 16).unwrap();
    let client = thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"ping").unwrap();
        let mut got = [0; 8];
        s.read_exact(&mut got).unwrap();
        got
    });
    let done = Cell::new(false);
    run_until(
        &mut be,
        |ev, be| match ev {
            Ev::Accepted(_) => {}
            Ev::Data(s, 4) => {
                be.send_copy(s, b"pong", false);
                be.send_copy(s, b"PONG", true);
            }
            Ev::Sent(_) => done.set(true),
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |_| done.get(),
    );
    assert_eq!(&client.join().unwrap(), b"pongPONG");
}

on_both!(
    in_order_with_payload_sends,
    big_copies_to_a_slow_reader,
    failure_is_send_failed,
    close_with_copies_in_flight,
    server_side_copies
);

#[test]
fn uring_reuses_copy_buffers() {
    let (addr, reader) = peer(read_all);
    let mut be = UringBackend::create();
    let slot = connect(&mut be, addr);
    let mut want = Vec::new();
    for i in 0..200u32 {
        let msg = format!("message {i};");
        be.send_copy(slot, msg.as_bytes(), false);
        want.extend_from_slice(msg.as_bytes());
        run_until(
            &mut be,
            |ev, _| panic!("unexpected {ev:?}"),
            |be| be.copies_in_flight() == 0,
        );
    }
    assert_eq!(be.copy_buffers(), 1, "one buffer, reused");
    be.close(slot, false);
    assert_eq!(reader.join().unwrap(), want);
}
