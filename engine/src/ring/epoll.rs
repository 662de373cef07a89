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
    /// The listener that accepted it (None: an outgoing connection).
    accepted_by: Option<usize>,
}

impl Conn {
    fn backlog(&self) -> bool {
        self.head < self.pending.len()
    }

    /// Writes what the kernel takes of `bytes` (unless older bytes are still pending) and
    /// queues the rest behind the pending ones; `ack` queues a `Sent` for when all of it is
    /// handed over. An error is the connection's: the caller reports `SendFailed`.
    fn write(
        &mut self,
        bytes: &[u8],
        ack: bool,
        slot: Slot,
        queue: &mut VecDeque<Queued>,
    ) -> io::Result<()> {
        self.queued += bytes.len() as u64;
        let mut rest = bytes;
        if self.state == State::Open && !self.backlog() {
            while !rest.is_empty() {
                match sys::send(self.fd, rest) {
                    Ok(n) => {
                        rest = &rest[n..];
                        self.handed += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
        }
        if !rest.is_empty() {
            self.pending.extend_from_slice(rest);
            if ack {
                self.acks.push_back(self.queued);
            }
        } else if ack {
            queue.push_back(Queued::Sent(slot, self.generation));
        }
        Ok(())
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
        c.accepted_by = None;
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
        let Some(&lfd) = self.listeners.get(index).filter(|&&fd| fd >= 0) else {
            return;
        };
        // Edge-triggered: take every waiting connection. On an error (EMFILE, ENOBUFS) the
        // rest stay queued until the next connection raises a new edge.
        while let Ok(Some(fd)) = sys::accept_until_empty(lfd) {
            let _ = sys::set_nodelay(fd);
            match self.adopt(fd, State::Open) {
                Ok((slot, generation)) if self.settle(slot, generation, f) => {
                    self.conns[slot as usize].accepted_by = Some(index);
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

    fn register_payload(&mut self, bytes: Arc<[u8]>) -> io::Result<PayloadId> {
        let id = PayloadId::at(self.payloads.len())?;
        self.payloads.push(bytes);
        Ok(id)
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
        if let Err(e) = c.write(bytes, ack, slot, &mut self.queue) {
            self.send_failed(slot, e);
        }
    }

    /// Bytes the kernel does not take at once go to the slot's pending buffer (this is the
    /// copy), flushed in order with everything else queued there.
    fn send_copy(&mut self, slot: Slot, bytes: &[u8], ack: bool) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !matches!(c.state, State::Connecting | State::Open) {
            return;
        }
        if let Err(e) = c.write(bytes, ack, slot, &mut self.queue) {
            self.send_failed(slot, e);
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

    fn accepted_by(&self, slot: Slot) -> Option<usize> {
        let c = self.conns.get(slot as usize).filter(|c| c.owns_fd())?;
        c.accepted_by
    }

    /// Closing the only descriptor of the listening socket stops it listening and removes it
    /// from the epoll set.
    fn close_listener(&mut self, listener: usize) {
        if let Some(fd) = self.listeners.get_mut(listener).filter(|fd| **fd >= 0) {
            sys::close(*fd);
            *fd = -1;
        }
    }

    fn local_addr(&self, slot: Slot) -> Option<SocketAddr> {
        let c = self.conns.get(slot as usize).filter(|c| c.owns_fd())?;
        sys::local_addr(c.fd).ok()
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
        for &fd in self.listeners.iter().filter(|&&fd| fd >= 0) {
            sys::close(fd);
        }
        sys::close(self.epfd);
    }
}

#[cfg(test)]
mod tests;
