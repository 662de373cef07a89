//! Tests of the backends against real loopback sockets, and what they share: owned
//! completions, an event loop with a deadline, a std peer, byte patterns, and `on_both!`,
//! which runs a generic test on io_uring and on epoll.

use super::epoll::EpollBackend;
use super::uring::{UringBackend, UringConfig};
use super::{Backend, Completion, Slot};
use std::cell::Cell;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A completion with owned contents.
#[derive(Debug, PartialEq, Eq)]
enum Ev {
    Connected(Slot, bool),
    Data(Slot, usize),
    Closed(Slot),
    SendFailed(Slot),
    Sent(Slot),
    Accepted(Slot),
}

fn own(c: Completion<'_>) -> Ev {
    match c {
        Completion::Connected { slot, result } => Ev::Connected(slot, result.is_ok()),
        Completion::Accepted { slot } => Ev::Accepted(slot),
        Completion::Data { slot, data } => Ev::Data(slot, data.len()),
        Completion::Closed { slot, .. } => Ev::Closed(slot),
        Completion::SendFailed { slot, .. } => Ev::SendFailed(slot),
        Completion::Sent { slot } => Ev::Sent(slot),
    }
}

/// What the tests need beyond `Backend`.
trait TestBackend: Backend + Sized {
    const NAME: &'static str;
    fn create() -> Self;
    /// Copies the kernel may still read from.
    fn copies_in_flight(&self) -> usize;
    /// Does the backend hold copies until completions arrive (io_uring), or queue what the
    /// kernel did not take in the slot (epoll)?
    const HOLDS_COPIES: bool;
}

impl TestBackend for UringBackend {
    const NAME: &'static str = "io_uring";
    const HOLDS_COPIES: bool = true;
    fn create() -> Self {
        UringBackend::new(&UringConfig::default()).expect("io_uring (this host has it)")
    }
    fn copies_in_flight(&self) -> usize {
        UringBackend::copies_in_flight(self)
    }
}

impl TestBackend for EpollBackend {
    const NAME: &'static str = "epoll";
    const HOLDS_COPIES: bool = false;
    fn create() -> Self {
        EpollBackend::new(64).unwrap()
    }
    /// What the kernel did not take is in the slot's pending buffer, dropped with the slot.
    fn copies_in_flight(&self) -> usize {
        0
    }
}

/// Runs the event loop, handing every completion to `step`, until `done` holds after a
/// drain; panics after 20 s (a hang, not a slow machine).
fn run_until<B: TestBackend>(
    be: &mut B,
    mut step: impl FnMut(Ev, &mut B),
    mut done: impl FnMut(&B) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(be) {
        assert!(Instant::now() < deadline, "{}: no progress", B::NAME);
        be.wait(1, Duration::ZERO, Duration::from_millis(20))
            .unwrap();
        be.drain(|c, be| step(own(c), be));
    }
}

fn connect<B: TestBackend>(be: &mut B, addr: SocketAddr) -> Slot {
    let slot = be.connect(addr, None).unwrap();
    let up = Cell::new(false);
    run_until(
        be,
        |ev, _| match ev {
            Ev::Connected(s, true) if s == slot => up.set(true),
            other => panic!("{}: unexpected {other:?}", B::NAME),
        },
        |_| up.get(),
    );
    slot
}

/// A std peer on loopback that accepts one connection and hands it to `serve`.
pub(super) fn peer<T: Send + 'static>(
    serve: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (SocketAddr, JoinHandle<T>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    (
        l.local_addr().unwrap(),
        thread::spawn(move || serve(l.accept().unwrap().0)),
    )
}

/// Reads until EOF.
fn read_all(mut s: TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    got
}

/// Bytes 0..len of a pattern that does not repeat every power of two, offset by `seed`.
pub(super) fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i + seed) % 251) as u8).collect()
}

/// Runs each named generic test (`fn name<B: TestBackend>()`) on both backends.
macro_rules! on_both {
    ($($name:ident),*) => {
        mod uring {
            $(#[test]
            fn $name() {
                super::$name::<super::UringBackend>();
            })*
        }
        mod epoll {
            $(#[test]
            fn $name() {
                super::$name::<super::EpollBackend>();
            })*
        }
    };
}

mod listeners;
mod payloads;
mod send_copy;
