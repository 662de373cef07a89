//! The epoll backend: non-blocking sockets and an edge-triggered epoll set.
//!
//! It exists for hosts where io_uring cannot be set up (Docker's default seccomp profile,
//! `kernel.io_uring_disabled`, old kernels) and for `--io epoll`, so a run still happens there,
//! and so the two paths can be compared on one host.
//!
//! Every socket is registered once, edge-triggered, for EPOLLIN|EPOLLOUT|EPOLLRDHUP. Its
//! `epoll_event.u64` carries the kind (connection or listener), the slot index and the slot's
//! generation, so events that were collected for a connection closed (and its slot reused) in
//! the meantime are recognised and dropped. Sends are written at once; what the kernel does not
//! take is copied to the slot's pending buffer and flushed on EPOLLOUT. Reads go into one
//! 64 KiB buffer per backend. Completions that arise outside `drain` (an immediate connect, an
//! acknowledged send the kernel took whole, a failed send) are queued and delivered in order
//! by the next `drain`, before the completions of later events.
//!
//! Slots are handed out from a free list (last freed, first reused); every operation is O(1)
//! in the number of connections.

use super::{sys, Backend, Completion, PayloadId, Slot};
use crate::result::IoInfo;
use std::collections::VecDeque;
use std::io;
use std::mem;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Duration;

/// Size of the read buffer shared by all connections of a backend.
const READ_BUF: usize = 64 * 1024;
/// A drained pending buffer keeps at most this much capacity for the next backlog.
const KEEP_PENDING: usize = 64 * 1024;
/// Flushed bytes at the head of a pending buffer are dropped once they are this many (and at
/// least half the buffer).
const COMPACT_AT: usize = 64 * 1024;

/// Token bit 63: the event belongs to a listener; bits 32..63: generation; bits 0..32: index.
const LISTENER: u64 = 1 << 63;
/// Generations are kept to 31 bits so they fit the token.
const GEN_MASK: u32 = 0x7fff_ffff;

const EV_IN: u32 = libc::EPOLLIN as u32;
const EV_OUT: u32 = libc::EPOLLOUT as u32;
const EV_RDHUP: u32 = libc::EPOLLRDHUP as u32;
const EV_ERR: u32 = libc::EPOLLERR as u32;
const EV_HUP: u32 = libc::EPOLLHUP as u32;
const EV_ET: u32 = libc::EPOLLET as u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum State {
    /// On the free list.
    #[default]
    Free,
    /// A connect failed; its fd is closed and `Connected { Err }` is on its way. The worker
    /// does not close such a slot; the backend frees it once the completion was delivered.
    Failed,
    /// Connect started, waiting for EPOLLOUT.
    Connecting,
    Open,
    /// `Closed` or `SendFailed` was (or is about to be) reported: events and sends are ignored
    /// until the worker closes the slot.
    Broken,
}

/// One connection.
#[derive(Default)]
struct Conn {
    fd: RawFd,
    generation: u32,
    state: State,
    /// Bytes the kernel has not taken yet, from `head` on; capacity is reused.
    pending: Vec<u8>,
    head: usize,
    /// Bytes accepted by `send` and bytes handed to the kernel over the connection's life.
    queued: u64,
    handed: u64,
    /// For each acknowledged send still (partly) pending: the `handed` count that completes it.
    acks: VecDeque<u64>,
}

impl Conn {
    fn backlog(&self) -> bool {
        self.head < self.pending.len()
    }

    /// It has an fd the worker still has to close.
    fn owns_fd(&self) -> bool {
        matches!(self.state, State::Connecting | State::Open | State::Broken)
    }
}

/// A completion produced outside the event loop, delivered by the next `drain`.
enum Queued {
    Connected(Slot, u32, Option<io::Error>),
    Sent(Slot, u32),
    SendFailed(Slot, u32, io::Error),
}

/// The drain callback.
trait Callback: FnMut(Completion<'_>, &mut EpollBackend) {}
impl<F: FnMut(Completion<'_>, &mut EpollBackend)> Callback for F {}

/// The epoll implementation of [`Backend`].
pub struct EpollBackend {
    epfd: RawFd,
    conns: Vec<Conn>,
    free: Vec<Slot>,
    listeners: Vec<RawFd>,
    payloads: Vec<Arc<[u8]>>,
    /// Events collected by `wait`, handled by `drain` (capacity = max events per wait).
    events: Vec<libc::epoll_event>,
    queue: VecDeque<Queued>,
    /// The shared read buffer; taken out while a callback runs.
    rbuf: Vec<u8>,
}

fn token(listener: bool, index: u32, generation: u32) -> u64 {
    let kind = if listener { LISTENER } else { 0 };
    kind | u64::from(generation & GEN_MASK) << 32 | u64::from(index)
}

/// Milliseconds for epoll_wait, rounded up, capped at what an i32 holds.
fn timeout_ms(d: Duration) -> i32 {
    d.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32
}

impl EpollBackend {
    /// An epoll set that returns at most `max_events` ready sockets per `wait`.
    pub fn new(max_events: usize) -> io::Result<Self> {
        Ok(EpollBackend {
            epfd: sys::epoll_create()?,
            conns: Vec::new(),
            free: Vec::new(),
            listeners: Vec::new(),
            payloads: Vec::new(),
            events: Vec::with_capacity(max_events.max(1)),
            queue: VecDeque::new(),
            rbuf: vec![0; READ_BUF],
        })
    }

    /// Takes a slot (free list first) for `fd` in `state`; returns it and its new generation.
    fn alloc(&mut self, fd: RawFd, state: State) -> (Slot, u32) {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.conns.push(Conn::default());
            (self.conns.len() - 1) as Slot
        });
        let c = &mut self.conns[slot as usize];
        c.generation = c.generation.wrapping_add(1) & GEN_MASK;
        (c.fd, c.state, c.queued, c.handed) = (fd, state, 0, 0);
        (slot, c.generation)
    }

    /// Returns a slot to the free list, keeping a modest pending buffer for reuse.
    fn release(&mut self, slot: Slot) {
        let c = &mut self.conns[slot as usize];
        (c.fd, c.state, c.head) = (-1, State::Free, 0);
        c.acks.clear();
        if c.pending.capacity() > KEEP_PENDING {
            c.pending = Vec::new();
        }
        c.pending.clear();
        self.free.push(slot);
    }

    /// Gives `fd` a slot and registers it; on failure the caller still owns (and closes) `fd`.
    fn adopt(&mut self, fd: RawFd, state: State) -> io::Result<(Slot, u32)> {
        let (slot, generation) = self.alloc(fd, state);
        let interest = EV_IN | EV_OUT | EV_RDHUP | EV_ET;
        let tok = token(false, slot, generation);
        if let Err(e) = sys::epoll_ctl(self.epfd, libc::EPOLL_CTL_ADD, fd, interest, tok) {
            self.release(slot);
            return Err(e);
        }
        Ok((slot, generation))
    }

    /// The state of the slot if it still is the connection `generation` names.
    fn state(&self, slot: Slot, generation: u32) -> Option<State> {
        let c = self.conns.get(slot as usize)?;
        (c.generation == generation).then_some(c.state)
    }

    /// Marks the slot broken and queues `SendFailed`.
    fn send_failed(&mut self, slot: Slot, error: io::Error) {
        let c = &mut self.conns[slot as usize];
        c.state = State::Broken;
        self.queue
            .push_back(Queued::SendFailed(slot, c.generation, error));
    }

    /// Writes the pending bytes until they are gone or the kernel stops taking them; queues the
    /// acknowledgements that became due, or `SendFailed`.
    fn flush(&mut self, slot: Slot) {
        let c = &mut self.conns[slot as usize];
        while c.backlog() {
            match sys::send(c.fd, &c.pending[c.head..]) {
                Ok(n) => {
                    c.head += n;
                    c.handed += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return self.send_failed(slot, e),
            }
        }
        while c.acks.front().is_some_and(|&end| end <= c.handed) {
            c.acks.pop_front();
            self.queue.push_back(Queued::Sent(slot, c.generation));
        }
        if !c.backlog() {
            c.pending.clear();
            c.head = 0;
        } else if c.head >= COMPACT_AT && c.head * 2 >= c.pending.len() {
            c.pending.drain(..c.head);
            c.head = 0;
        }
    }

    /// Reports a failed connect and frees its slot.
    fn connect_failed(&mut self, slot: Slot, error: io::Error, f: &mut impl Callback) {
        let result = Err(error);
        f(Completion::Connected { slot, result }, self);
        self.release(slot);
    }

    /// Delivers the completions queued so far (not those queued by the callbacks it runs, so
    /// a callback that queues again cannot keep one drain going).
    fn deliver_queued(&mut self, f: &mut impl Callback) {
        for _ in 0..self.queue.len() {
            let Some(q) = self.queue.pop_front() else {
                break;
            };
            match q {
                Queued::Connected(slot, generation, None) => {
                    if let Some(State::Open | State::Broken) = self.state(slot, generation) {
                        let result = Ok(());
                        f(Completion::Connected { slot, result }, self);
                    }
                }
                Queued::Connected(slot, generation, Some(error)) => {
                    if self.state(slot, generation) == Some(State::Failed) {
                        self.connect_failed(slot, error, f);
                    }
                }
                Queued::Sent(slot, generation) => {
                    if self.state(slot, generation) == Some(State::Open) {
                        f(Completion::Sent { slot }, self);
                    }
                }
                Queued::SendFailed(slot, generation, error) => {
                    if self.state(slot, generation) == Some(State::Broken) {
                        f(Completion::SendFailed { slot, error }, self);
                    }
                }
            }
        }
    }

    /// Delivers queued completions, then says whether the slot still is the connection
    /// `generation` names and takes events.
    fn settle(&mut self, slot: Slot, generation: u32, f: &mut impl Callback) -> bool {
        if !self.queue.is_empty() {
            self.deliver_queued(f);
        }
        let state = self.state(slot, generation);
        matches!(state, Some(State::Connecting | State::Open))
    }

    /// Reports `Closed` for a connection that ended.
    fn closed(&mut self, slot: Slot, error: Option<io::Error>, f: &mut impl Callback) {
        self.conns[slot as usize].state = State::Broken;
        f(Completion::Closed { slot, error }, self);
    }

    fn on_conn_event(&mut self, slot: Slot, generation: u32, ev: u32, f: &mut impl Callback) {
        if !self.settle(slot, generation, f) {
            return;
        }
        let mut flush = ev & EV_OUT != 0;
        let c = &mut self.conns[slot as usize];
        if c.state == State::Connecting {
            if ev & (EV_OUT | EV_ERR | EV_HUP) == 0 {
                return;
            }
            match sys::take_socket_error(c.fd) {
                Ok(None) => {
                    c.state = State::Open;
                    let result = Ok(());
                    f(Completion::Connected { slot, result }, self);
                    flush = true;
                }
                Ok(Some(error)) | Err(error) => {
                    sys::close(c.fd);
                    c.state = State::Failed;
                    return self.connect_failed(slot, error, f);
                }
            }
            if !self.settle(slot, generation, f) {
                return;
            }
        }
        // Reading first: data (and the peer's close) that arrived is delivered even when a
        // flush would now fail.
        let readable = ev & (EV_IN | EV_RDHUP | EV_ERR | EV_HUP) != 0;
        if readable && !self.read_ready(slot, generation, ev, f) {
            return;
        }
        if flush && self.conns[slot as usize].backlog() {
            self.flush(slot);
        }
    }

    /// Reads until the socket is empty, delivering each chunk; returns whether the connection
    /// still takes events.
    ///
    /// A short read means the receive queue was emptied, and anything arriving later raises a
    /// new edge, so reading stops there unless the event said the peer has shut down (its FIN
    /// may be behind the data, with no further edge to come): that saves one EAGAIN read per
    /// response.
    fn read_ready(&mut self, slot: Slot, generation: u32, ev: u32, f: &mut impl Callback) -> bool {
        let fd = self.conns[slot as usize].fd;
        let until_eagain = ev & (EV_RDHUP | EV_ERR | EV_HUP) != 0;
        loop {
            let mut buf = mem::take(&mut self.rbuf);
            if buf.len() < READ_BUF {
                // Only when a callback re-entered `drain` while holding the buffer.
                buf = vec![0; READ_BUF];
            }
            let r = sys::read(fd, &mut buf);
            let n = match r {
                Ok(n) if n > 0 => {
                    let data = &buf[..n];
                    f(Completion::Data { slot, data }, self);
                    n
                }
                _ => 0,
            };
            self.rbuf = buf;
            let error = match r {
                Ok(0) => None,
                Ok(_) if !self.settle(slot, generation, f) => return false,
                Ok(_) if n < READ_BUF && !until_eagain => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() != io::ErrorKind::WouldBlock => Some(e),
                Err(_) if ev & (EV_ERR | EV_HUP) == 0 => return true,
                // Error or hang-up without readable data.
                Err(_) => sys::take_socket_error(fd).unwrap_or_else(Some),
            };
            self.closed(slot, error, f);
            return false;
        }
    }

    fn on_listener_event(&mut self, index: usize, f: &mut impl Callback) {
        let Some(&lfd) = self.listeners.get(index) else {
            return;
        };
        // Edge-triggered: take every waiting connection. On an error (EMFILE, ENOBUFS) the
        // rest stay queued until the next connection raises a new edge.
        while let Ok(Some(fd)) = sys::accept_until_empty(lfd) {
            let _ = sys::set_nodelay(fd);
            match self.adopt(fd, State::Open) {
                Ok((slot, generation)) if self.settle(slot, generation, f) => {
                    f(Completion::Accepted { slot }, self);
                }
                Ok(_) => {}
                Err(_) => sys::close(fd),
            }
        }
    }
}

impl Backend for EpollBackend {
    fn info(&self) -> IoInfo {
        let backend = "epoll";
        IoInfo {
            backend,
            ..IoInfo::default()
        }
    }

    /// # Panics
    /// When more than 65,536 payloads are registered.
    fn register_payload(&mut self, bytes: Arc<[u8]>) -> PayloadId {
        let id = u16::try_from(self.payloads.len()).expect("at most 65536 payloads");
        self.payloads.push(bytes);
        PayloadId(id)
    }

    /// Socket creation and bind errors are returned; a refused (or otherwise failed) connect
    /// arrives as `Connected { Err }`, after which the slot is already free again: the worker
    /// must not close it (doing so at once is harmless, doing so after a later `connect` may
    /// have reused the slot is not).
    fn connect(&mut self, target: SocketAddr, source: Option<IpAddr>) -> io::Result<Slot> {
        let fd = sys::tcp_client_socket(target, source, true)?;
        let at_once = match sys::connect_nonblocking(fd, &sys::RawAddr::new(target)) {
            Ok(at_once) => at_once,
            // An interrupted non-blocking connect goes on in the background.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => false,
            Err(error) => {
                sys::close(fd);
                let (slot, generation) = self.alloc(-1, State::Failed);
                self.queue
                    .push_back(Queued::Connected(slot, generation, Some(error)));
                return Ok(slot);
            }
        };
        let state = if at_once {
            State::Open
        } else {
            State::Connecting
        };
        let (slot, generation) = self.adopt(fd, state).inspect_err(|_| sys::close(fd))?;
        if at_once {
            self.queue
                .push_back(Queued::Connected(slot, generation, None));
        }
        Ok(slot)
    }

    fn listen(&mut self, addr: SocketAddr, backlog: u32) -> io::Result<SocketAddr> {
        let (fd, bound) = sys::tcp_listener(addr, backlog, true)?;
        let tok = token(true, self.listeners.len() as u32, 0);
        if let Err(e) = sys::epoll_ctl(self.epfd, libc::EPOLL_CTL_ADD, fd, EV_IN | EV_ET, tok) {
            sys::close(fd);
            return Err(e);
        }
        self.listeners.push(fd);
        Ok(bound)
    }

    /// `len` is cut to the payload's end (so `usize::MAX` means "the rest"). Sends on a slot
    /// that is not open (closed, failed, already reported broken) are dropped.
    fn send(&mut self, slot: Slot, id: PayloadId, offset: usize, len: usize, ack: bool) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !matches!(c.state, State::Connecting | State::Open) {
            return;
        }
        let end = |p: &[u8]| offset.saturating_add(len).min(p.len());
        let payload = self.payloads.get(id.0 as usize);
        let Some(bytes) = payload.and_then(|p| p.get(offset..end(p))) else {
            let e = io::Error::new(io::ErrorKind::InvalidInput, "bad payload or offset");
            return self.send_failed(slot, e);
        };
        c.queued += bytes.len() as u64;
        let mut rest = bytes;
        if c.state == State::Open && !c.backlog() {
            while !rest.is_empty() {
                match sys::send(c.fd, rest) {
                    Ok(n) => {
                        rest = &rest[n..];
                        c.handed += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return self.send_failed(slot, e),
                }
            }
        }
        if !rest.is_empty() {
            c.pending.extend_from_slice(rest);
            if ack {
                c.acks.push_back(c.queued);
            }
        } else if ack {
            self.queue.push_back(Queued::Sent(slot, c.generation));
        }
    }

    /// Unknown, free or failed slots are left alone, so closing twice is harmless.
    fn close(&mut self, slot: Slot, reset: bool) {
        let Some(c) = self.conns.get(slot as usize).filter(|c| c.owns_fd()) else {
            return;
        };
        if reset {
            let _ = sys::set_linger_zero(c.fd);
        }
        // Closing the only descriptor of the socket also removes it from the epoll set.
        sys::close(c.fd);
        self.release(slot);
    }

    /// `want` is not used: epoll_wait returns as soon as anything is ready. Returns at once when
    /// completions are queued or collected events are not drained yet.
    fn wait(&mut self, _want: usize, _batch_wait: Duration, timeout: Duration) -> io::Result<()> {
        let idle = self.queue.is_empty() && self.events.is_empty();
        let ms = if idle { timeout_ms(timeout) } else { 0 };
        match sys::epoll_wait(self.epfd, &mut self.events, ms) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => Err(e),
            _ => Ok(()),
        }
    }

    fn drain<F: FnMut(Completion<'_>, &mut Self)>(&mut self, mut f: F) {
        self.deliver_queued(&mut f);
        // Taken while callbacks run (a `wait` in one collects nothing: no capacity).
        let mut events = mem::take(&mut self.events);
        for ev in &events {
            let (flags, data) = (ev.events, ev.u64);
            if data & LISTENER != 0 {
                self.on_listener_event(data as u32 as usize, &mut f);
            } else {
                let generation = (data >> 32) as u32 & GEN_MASK;
                self.on_conn_event(data as u32, generation, flags, &mut f);
            }
        }
        self.deliver_queued(&mut f);
        events.clear();
        self.events = events;
    }
}

impl Drop for EpollBackend {
    fn drop(&mut self) {
        for c in self.conns.iter().filter(|c| c.owns_fd()) {
            sys::close(c.fd);
        }
        for &fd in &self.listeners {
            sys::close(fd);
        }
        sys::close(self.epfd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::thread::{self, JoinHandle};
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

    /// A std peer on loopback that accepts one connection and hands it to `serve`.
    fn peer<T: Send + 'static>(
        serve: impl FnOnce(TcpStream) -> T + Send + 'static,
    ) -> (SocketAddr, JoinHandle<T>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        (
            l.local_addr().unwrap(),
            thread::spawn(move || serve(l.accept().unwrap().0)),
        )
    }

    /// Bytes 0..len of a pattern that does not repeat every power of two.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
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
        let p = be.register_payload(Arc::from(&b"hello epoll"[..]));
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
            let want = pattern(LEN);
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
        let p = be.register_payload(pattern(LEN).into());
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
        let ping = be.register_payload(Arc::from(&b"ping"[..]));
        let pong = be.register_payload(Arc::from(&b"pong"[..]));
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
}
