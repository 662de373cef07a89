//! Listeners on both backends: which listener accepted a connection, a connection's local
//! address, and a listener closed (new connections refused, accepted ones kept) and opened
//! again on the same address.

use super::*;
use std::io::ErrorKind;

/// Runs until `n` connections were accepted; returns their slots in order.
fn accept_n<B: TestBackend>(be: &mut B, n: usize) -> Vec<Slot> {
    let got = std::cell::RefCell::new(Vec::new());
    run_until(
        be,
        |ev, _| match ev {
            Ev::Accepted(s) => got.borrow_mut().push(s),
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |_| got.borrow().len() == n,
    );
    got.into_inner()
}

fn accepted_by_and_local_addr<B: TestBackend>() {
    let mut be = B::create();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let a0 = be.listen(any, 16).unwrap();
    let a1 = be.listen(any, 16).unwrap();
    let _c1 = TcpStream::connect(a1).unwrap();
    let _c0 = TcpStream::connect(a0).unwrap();
    for slot in accept_n(&mut be, 2) {
        let local = be
            .local_addr(slot)
            .expect("an accepted slot has a local address");
        let by = be.accepted_by(slot).expect("accepted by a listener");
        assert_eq!(local, [a0, a1][by], "{}", B::NAME);
    }
    // An outgoing connection: no listener, and its local address is what the peer sees.
    // (The peer keeps the connection until it ends, so its close is not an event here.)
    let (addr, peer_side) = peer(|s| {
        let seen = s.peer_addr().unwrap();
        read_all(s);
        seen
    });
    let slot = connect(&mut be, addr);
    assert_eq!(be.accepted_by(slot), None, "{}", B::NAME);
    let local = be.local_addr(slot).unwrap();
    be.close(slot, false);
    assert_eq!(local, peer_side.join().unwrap(), "{}", B::NAME);
    assert_eq!(be.local_addr(slot), None, "{}", B::NAME);
}

fn closed_listener_refuses_and_reopens<B: TestBackend>() {
    let mut be = B::create();
    let addr = be.listen("127.0.0.1:0".parse().unwrap(), 16).unwrap();
    let mut kept = TcpStream::connect(addr).unwrap();
    let slot = accept_n(&mut be, 1)[0];
    be.close_listener(0);
    be.close_listener(0);
    // Let the backend see the listener's end (io_uring: the accept's completion).
    be.wait(1, Duration::ZERO, Duration::from_millis(10))
        .unwrap();
    be.drain(|c, _| panic!("{}: unexpected {:?}", B::NAME, own(c)));
    let refused = TcpStream::connect(addr).expect_err("the listener is closed");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{}", B::NAME);
    // The accepted connection stays.
    kept.write_all(b"still here").unwrap();
    let got = Cell::new(0);
    run_until(
        &mut be,
        |ev, _| match ev {
            Ev::Data(s, n) if s == slot => got.set(got.get() + n),
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |_| got.get() == 10,
    );
    // Listening again on the address: a new listener, number 1.
    assert_eq!(be.listen(addr, 16).unwrap(), addr, "{}", B::NAME);
    let _again = TcpStream::connect(addr).unwrap();
    let slot = accept_n(&mut be, 1)[0];
    assert_eq!(be.accepted_by(slot), Some(1), "{}", B::NAME);
}

on_both!(
    accepted_by_and_local_addr,
    closed_listener_refuses_and_reopens
);
