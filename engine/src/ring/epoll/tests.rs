//! The epoll backend against real loopback sockets.

use super::*;
use crate::ring::tests::{pattern, peer};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::Instant;

/// A completion with owned contents.
#[derive(Debug, PartialEq, Eq)]
enum Ev {
    Connected(Slot, Option<io::ErrorKind>),
    Accepted(Slot),
    Data(Slot, Vec<u8>),
    Closed(Slot, Option<io::ErrorKind>),
    SendFailed(Slot),
    Sent(Slot),
}

fn own(c: Completion<'_>) -> Ev {
    match c {
        Completion::Connected { slot, result } => {
            Ev::Connected(slot, result.err().map(|e| e.kind()))
        }
        Completion::Accepted { slot } => Ev::Accepted(slot),
        Completion::Data { slot, data } => Ev::Data(slot, data.to_vec()),
        Completion::Closed { slot, error } => Ev::Closed(slot, error.map(|e| e.kind())),
        Completion::SendFailed { slot, .. } => Ev::SendFailed(slot),
        Completion::Sent { slot } => Ev::Sent(slot),
    }
}

thread_local! {
    /// Completions that came after a `run` was done, for the next `run` of the test.
    static LATER: std::cell::RefCell<VecDeque<Ev>> = Default::default();
}

/// Runs the event loop, handing every completion to `step`, until `step` says it is done;
/// panics after 20 s (a hang, not a slow machine).
fn run(be: &mut EpollBackend, mut step: impl FnMut(Ev, &mut EpollBackend) -> bool) {
    let mut later = LATER.take();
    let mut done = false;
    while let Some(ev) = (!done).then(|| later.pop_front()).flatten() {
        done = step(ev, be);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done {
        assert!(Instant::now() < deadline, "no progress");
        be.wait(1, Duration::ZERO, Duration::from_millis(20))
            .unwrap();
        be.drain(|c, be| match done {
            true => later.push_back(own(c)),
            false => done = step(own(c), be),
        });
    }
    LATER.set(later);
}

/// Connects and runs until the connect succeeded.
fn connect(be: &mut EpollBackend, addr: SocketAddr) -> Slot {
    let slot = be.connect(addr, None).unwrap();
    run(be, |ev, _| match ev {
        Ev::Connected(s, None) => s == slot,
        other => panic!("unexpected {other:?}"),
    });
    slot
}

#[test]
fn connect_send_and_receive_echo() {
    let (addr, echo) = peer(|mut s| {
        let mut buf = [0; 4096];
        while let Ok(n @ 1..) = s.read(&mut buf) {
            s.write_all(&buf[..n]).unwrap();
        }
    });
    let mut be = EpollBackend::new(64).unwrap();
    assert_eq!(be.info().backend, "epoll");
    let p = be.register_payload(Arc::from(&b"hello epoll"[..])).unwrap();
    let slot = be.connect(addr, None).unwrap();
    let (mut got, mut sent) = (Vec::new(), 0);
    run(&mut be, |ev, be| {
        match ev {
            Ev::Connected(s, None) if s == slot => {
                be.send(s, p, 0, 6, false);
                be.send(s, p, 6, usize::MAX, true);
            }
            Ev::Sent(s) if s == slot => sent += 1,
            Ev::Data(s, d) if s == slot => got.extend(d),
            other => panic!("unexpected {other:?}"),
        }
        got.len() >= 11 && sent == 1
    });
    assert_eq!((&got[..], sent), (&b"hello epoll"[..], 1));
    be.close(slot, false);
    echo.join().unwrap();
}

#[test]
fn refused_connect_reports_error_and_frees_the_slot() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut be = EpollBackend::new(16).unwrap();
    let slot = be.connect(addr, None).unwrap();
    let mut result = None;
    run(&mut be, |ev, _| match ev {
        Ev::Connected(s, r) if s == slot => result.replace(r).is_none(),
        other => panic!("unexpected {other:?}"),
    });
    assert_eq!(result, Some(Some(io::ErrorKind::ConnectionRefused)));
    // Closing a failed (or unknown) slot is harmless; the slot is free for the next connect.
    be.close(slot, false);
    be.close(slot, true);
    be.close(9999, false);
    let (addr, t) = peer(drop);
    assert_eq!(connect(&mut be, addr), slot);
    t.join().unwrap();
}

#[test]
fn peer_close_reports_closed_without_error() {
    let (addr, t) = peer(|mut s| s.write_all(b"bye").unwrap());
    let mut be = EpollBackend::new(16).unwrap();
    let slot = connect(&mut be, addr);
    let mut got = Vec::new();
    let mut closed = None;
    run(&mut be, |ev, be| match ev {
        Ev::Data(s, d) if s == slot && closed.is_none() => {
            got.extend(d);
            false
        }
        Ev::Closed(s, e) if s == slot && closed.is_none() => {
            be.close(s, false);
            closed.replace(e).is_none()
        }
        other => panic!("unexpected {other:?}"),
    });
    assert_eq!((&got[..], closed), (&b"bye"[..], Some(None)));
    t.join().unwrap();
}

#[test]
fn large_send_to_slow_reader_arrives_whole_and_in_order() {
    const LEN: usize = 4 << 20;
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (addr, reader) = peer(move |mut s| {
        let want = pattern(LEN, 0);
        rx.recv().unwrap(); // reading starts once everything was offered
        let (mut buf, mut at) = (vec![0; 32 * 1024], 0);
        while let n @ 1.. = s.read(&mut buf).unwrap() {
            assert!(
                at + n <= LEN && buf[..n] == want[at..at + n],
                "wrong bytes at {at}"
            );
            at += n;
            thread::sleep(Duration::from_micros(500));
        }
        at
    });
    let mut be = EpollBackend::new(16).unwrap();
    let p = be.register_payload(pattern(LEN, 0).into()).unwrap();
    let slot = connect(&mut be, addr);
    // Three sends, only the last acknowledged. Nothing is read yet, so (with usual buffer
    // sizes) the kernel takes part of the first and the rest queues behind it.
    be.send(slot, p, 0, 1 << 20, false);
    be.send(slot, p, 1 << 20, 1 << 20, false);
    be.send(slot, p, 2 << 20, LEN, true);
    tx.send(()).unwrap();
    let mut sent = 0;
    run(&mut be, |ev, _| match ev {
        Ev::Sent(s) if s == slot => {
            sent += 1;
            true
        }
        other => panic!("unexpected {other:?}"),
    });
    assert_eq!(sent, 1);
    // Everything is with the kernel; an orderly close still delivers it.
    be.close(slot, false);
    assert_eq!(reader.join().unwrap(), LEN);
}

#[test]
fn reused_slot_gets_no_events_of_the_old_connection() {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (old_addr, old_peer) = peer(move |mut s| {
        // Only once the connect was reported, so "old" cannot come along with it.
        rx.recv().unwrap();
        s.write_all(b"old").unwrap();
        let _ = rx.recv();
    });
    let (new_addr, new_peer) = peer(|mut s| s.write_all(b"new").unwrap());
    let mut be = EpollBackend::new(16).unwrap();
    let old = connect(&mut be, old_addr);
    tx.send(()).unwrap();
    // Collect (without draining) a readable event of the old connection.
    let readable = |be: &EpollBackend| {
        be.events
            .iter()
            .any(|e| e.u64 as u32 == old && e.events & EV_IN != 0)
    };
    for _ in 0..1000 {
        if readable(&be) {
            break;
        }
        be.events.clear();
        be.wait(1, Duration::ZERO, Duration::from_millis(20))
            .unwrap();
    }
    assert!(readable(&be), "no readable event for the old connection");
    be.close(old, false);
    let new = be.connect(new_addr, None).unwrap();
    assert_eq!(new, old, "the freed slot is reused first");
    let mut got = Vec::new();
    run(&mut be, |ev, _| match ev {
        Ev::Connected(s, None) | Ev::Closed(s, None) if s == new => false,
        Ev::Data(s, d) if s == new => {
            got.extend(d);
            got.len() >= 3
        }
        other => panic!("unexpected {other:?}"),
    });
    assert_eq!(got, b"new");
    be.close(new, false);
    tx.send(()).unwrap();
    old_peer.join().unwrap();
    new_peer.join().unwrap();
}

#[test]
fn accepts_several_connections_and_talks_to_itself() {
    const N: usize = 20;
    let mut be = EpollBackend::new(8).unwrap();
    let addr = be.listen("127.0.0.1:0".parse().unwrap(), 64).unwrap();
    let ping = be.register_payload(Arc::from(&b"ping"[..])).unwrap();
    let pong = be.register_payload(Arc::from(&b"pong"[..])).unwrap();
    let clients: Vec<Slot> = (0..N).map(|_| be.connect(addr, None).unwrap()).collect();
    let (mut accepted, mut connected) = (Vec::new(), Vec::new());
    let mut got = std::collections::HashMap::<Slot, Vec<u8>>::new();
    run(&mut be, |ev, be| {
        match ev {
            Ev::Accepted(s) => accepted.push(s),
            Ev::Connected(s, None) => {
                connected.push(s);
                be.send(s, ping, 0, 4, false);
            }
            Ev::Data(s, d) => {
                let buf = got.entry(s).or_default();
                buf.extend(d);
                if buf == b"ping" {
                    be.send(s, pong, 0, 4, false);
                }
            }
            other => panic!("unexpected {other:?}"),
        }
        clients
            .iter()
            .all(|c| got.get(c).is_some_and(|b| b == b"pong"))
    });
    connected.sort_unstable();
    assert_eq!((accepted.len(), &connected), (N, &clients));
    assert!(accepted
        .iter()
        .all(|s| !clients.contains(s) && got[s] == b"ping"));
}

#[test]
fn reset_close_sends_rst() {
    let (addr, t) = peer(|mut s| s.read(&mut [0; 16]).map_err(|e| e.kind()));
    let mut be = EpollBackend::new(16).unwrap();
    let slot = connect(&mut be, addr);
    be.close(slot, true);
    assert_eq!(t.join().unwrap(), Err(io::ErrorKind::ConnectionReset));
}
