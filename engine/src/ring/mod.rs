//! The I/O layer: sockets and completions, knowing nothing of HTTP.
//!
//! Workers talk to one `Backend`: they open connections (or listen and accept), send bytes
//! from registered payloads (or copies of other bytes), close, and are handed `Completion`s. Two implementations exist:
//! io_uring (`uring`, multishot receive into a provided buffer ring, or one-shot poll-first
//! receives) and epoll (`epoll`, for hosts where io_uring is blocked). Slots are the backend's
//! connection handles; a slot's generation changes when it is closed so late completions of a
//! closed connection never reach the worker.
//!
//! All `unsafe` code of the engine lives in this module and in `buf`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

mod copies;
pub mod epoll;
pub mod probe;
pub mod sys;
pub mod uring;

/// A connection handle, reused after close.
pub type Slot = u32;

/// A registered payload: bytes that stay valid for the backend's life, sent by reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadId(pub u16);

impl PayloadId {
    /// The most payloads one backend holds: ids are 16 bits.
    pub const LIMIT: usize = 1 << 16;

    /// The id of the payload at `index` in a backend's list, or an error (InvalidInput) when
    /// the list is full.
    fn at(index: usize) -> io::Result<PayloadId> {
        u16::try_from(index).map(PayloadId).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a backend holds at most {} payloads", PayloadId::LIMIT),
            )
        })
    }
}

/// What a backend reports.
#[derive(Debug)]
pub enum Completion<'a> {
    /// An outgoing connection finished its handshake (Ok) or failed (Err; the slot is closed).
    Connected { slot: Slot, result: io::Result<()> },
    /// A listener accepted a connection; receiving on it has started.
    Accepted { slot: Slot },
    /// Bytes arrived. `data` is valid only during the callback.
    Data { slot: Slot, data: &'a [u8] },
    /// The peer closed (`error` None) or the connection failed; the slot must be closed by the
    /// worker (which may then reuse it).
    Closed {
        slot: Slot,
        error: Option<io::Error>,
    },
    /// A send failed; the connection should be closed.
    SendFailed { slot: Slot, error: io::Error },
    /// A send asked to be acknowledged (`send(.., ack = true)`) has been fully handed to the
    /// kernel.
    Sent { slot: Slot },
}

/// The operations a worker performs. Implemented by every backend.
pub trait Backend {
    /// Facts for the summary: which path runs.
    fn info(&self) -> crate::result::IoInfo;

    /// Registers bytes that sends will reference; they live as long as the backend. Fails
    /// (InvalidInput) once `PayloadId::LIMIT` payloads are registered.
    fn register_payload(&mut self, bytes: std::sync::Arc<[u8]>) -> io::Result<PayloadId>;

    /// Starts a non-blocking connect to `target` from `source` (if any). An immediate failure
    /// (no fd, bind error) is returned; a later one arrives as `Connected { result: Err }`.
    fn connect(&mut self, target: SocketAddr, source: Option<IpAddr>) -> io::Result<Slot>;

    /// Listens on `addr` (SO_REUSEPORT, so each worker can have its own listener) and starts
    /// accepting; returns the bound address.
    fn listen(&mut self, addr: SocketAddr, backlog: u32) -> io::Result<SocketAddr>;

    /// Sends `len` bytes of payload `id` from `offset`. With `ack` a `Sent` completion follows;
    /// without, only failures are reported. Sends on one slot are delivered in order.
    fn send(&mut self, slot: Slot, id: PayloadId, offset: usize, len: usize, ack: bool);

    /// Sends `bytes`, which need not be a registered payload (a request built per connection,
    /// a response carrying a per-connection cookie, later TLS records). The backend copies
    /// them before returning (the caller may reuse its buffer at once) and owns the copy
    /// until the kernel is done with it, also when the slot is closed meanwhile. Otherwise
    /// as `send`: issued in call order with the slot's other sends (payload or copy), `Sent`
    /// with `ack`, failures as `SendFailed`, nothing on a slot that is not open. Copy buffers
    /// are reused, so steady use allocates nothing.
    ///
    /// Order holds as for `send`: while the socket takes each send when it is issued. On
    /// io_uring a send the socket cannot take whole waits for room, and a later send on the
    /// slot may then go first; callers whose sends can fill the socket buffer keep one
    /// acknowledged send in flight per slot (as the built-in target does).
    fn send_copy(&mut self, slot: Slot, bytes: &[u8], ack: bool);

    /// Closes the slot (the socket is shut down and closed; pending operations are dropped).
    /// With `reset` the peer gets an RST (SO_LINGER 0) instead of a FIN.
    fn close(&mut self, slot: Slot, reset: bool);

    /// Which listener accepted the connection in `slot`: listeners are numbered from 0 in
    /// the order `listen` was called (a closed one keeps its number). None for outgoing
    /// connections and slots that are not open.
    fn accepted_by(&self, slot: Slot) -> Option<usize>;

    /// Stops listener `listener` (numbered as for `accepted_by`): it accepts no more, and new
    /// connections to its address are refused; connections it accepted stay. Closing it again
    /// is harmless. `listen` on the same address starts a new listener (with a new number).
    fn close_listener(&mut self, listener: usize);

    /// The local address of the connection in `slot` (what the peer sees as its peer), None
    /// when the slot is not open.
    fn local_addr(&self, slot: Slot) -> Option<SocketAddr>;

    /// Submits queued operations and waits up to `timeout` for completions. Returns once
    /// `want` are ready, or once at least one is ready after `batch_wait` (a backend without
    /// batched waits returns on the first); it may also return early, e.g. on a signal.
    fn wait(&mut self, want: usize, batch_wait: Duration, timeout: Duration) -> io::Result<()>;

    /// Hands every ready completion to `f`, which may issue new operations through the
    /// backend it is given.
    fn drain<F: FnMut(Completion<'_>, &mut Self)>(&mut self, f: F)
    where
        Self: Sized;
}

#[cfg(test)]
mod tests;
