//! The client worker's loop-level state: [`State`] (everything one worker holds), the
//! connection table's [`Conn`], and the reused [`Bufs`]. It imports the components' types
//! (pacing, stop, request source, timing, protocol, transport) and none of the loop's files;
//! the loop (`mod.rs`, `conns.rs`, `exchange.rs`) imports it and implements its methods.

use super::cx::Cx;
use super::pacing::Pacing;
use super::proto::Proto;
use super::script::Scripted;
use super::session::{TlsSetup, Transport};
use super::source::{ConnSource, RequestSource};
use super::stop::Stop;
use super::timing::Timings;
use crate::plan::LoadPlan;
use crate::ring::Slot;
use crate::stats::Stats;
use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;

/// `by_slot` of a slot no connection uses.
pub(super) const NO_CONN: u32 = u32::MAX;
/// A connection's backoff before it opens again, doubling from the first to the last.
pub(super) const RETRY_MIN_MS: u32 = 1;
pub(super) const RETRY_MAX_MS: u32 = 1000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ConnState {
    /// Not connected; (re)connects when `retry_at` has passed and the connect window allows.
    Waiting,
    Connecting,
    /// TCP is up; the TLS handshake is in progress.
    Handshaking,
    Open,
}

pub(super) struct Conn {
    pub(super) slot: Slot,
    pub(super) state: ConnState,
    /// HTTP/1.1 parser state or HTTP/2 session, over plain TCP or TLS.
    pub(super) proto: Proto,
    pub(super) transport: Transport,
    pub(super) inflight: u32,
    pub(super) retry_at: u64,
    pub(super) retry_ms: u32,
    pub(super) connect_started: u64,
    /// Counted in `State::ramping`.
    pub(super) ramping: bool,
    pub(super) queued: bool,
    /// Its place in the request source (sequence position, cookies); reset on reconnect.
    pub(super) source: ConnSource,
    pub(super) ever_connected: bool,
}

impl Conn {
    /// A connection of `plan` not opened yet (queued to connect).
    pub(super) fn new(plan: &LoadPlan) -> Conn {
        Conn {
            slot: 0,
            state: ConnState::Waiting,
            proto: Proto::new(plan),
            transport: Transport::Plain,
            inflight: 0,
            retry_at: 0,
            retry_ms: RETRY_MIN_MS,
            connect_started: 0,
            ramping: false,
            queued: true,
            source: ConnSource::default(),
            ever_connected: false,
        }
    }

    /// Can take another request now.
    #[inline]
    pub(super) fn has_room(&self, pipeline: u32) -> bool {
        self.state == ConnState::Open && self.inflight < pipeline && self.proto.can_open()
    }
}

/// Buffers reused for every send and receive.
#[derive(Default)]
pub(super) struct Bufs {
    /// Bytes to send on a wrapped (TLS) connection, and what TLS decrypted.
    pub(super) wire_out: Vec<u8>,
    pub(super) plain_in: Vec<u8>,
    /// What a protocol writes before the transport sends it (TLS-encrypted or not).
    pub(super) plain_out: Vec<u8>,
    /// HTTP/2 frames a feed answers with (acks, window updates, queued bodies).
    pub(super) h2_out: Vec<u8>,
    /// Where a request with a `Cookie` field is put together before `send_copy`.
    pub(super) scratch: Vec<u8>,
}

pub(super) struct State<'a> {
    pub(super) plan: &'a LoadPlan,
    pub(super) conns: Vec<Conn>,
    pub(super) by_slot: Vec<u32>,
    pub(super) pipeline: u32,
    pub(super) pacing: Pacing,
    pub(super) stop: Stop,
    pub(super) source: RequestSource,
    /// Send times of the requests in flight, `pipeline` per connection.
    pub(super) timings: Timings,
    pub(super) stats: Stats,
    pub(super) connect_queue: VecDeque<u32>,
    /// Connections opened whose first response has not arrived: the connect window bounds
    /// these, not just handshakes in flight, because a handshake completes in the kernel
    /// before the target accepts; counting until the first response keeps the target's
    /// accept queue from overflowing (dropped ACKs turn into multi-second retransmits).
    pub(super) ramping: u32,
    pub(super) inflight_total: u64,
    pub(super) now: u64,
    pub(super) established: u32,
    pub(super) first_connect_error: Option<String>,
    pub(super) source_next: usize,
    /// TLS: this worker's client configuration (its own session cache) and server name.
    pub(super) tls: Option<TlsSetup>,
    /// TLS: what the first handshake negotiated.
    pub(super) tls_negotiated: Option<String>,
    pub(super) bufs: Bufs,
    /// The plan's request script, made for this worker (`script.rs`).
    pub(super) script: Option<Scripted>,
    /// Set by any worker whose script failed: every worker of the run stops.
    pub(super) abort: &'a AtomicBool,
}

/// Connection `ci`'s protocol and transport, the pieces of the worker its exchange works
/// with, and the buffers: borrowed apart, so a protocol never sees the whole `State`.
pub(super) struct Parts<'s> {
    pub(super) proto: &'s mut Proto,
    pub(super) transport: &'s mut Transport,
    pub(super) cx: Cx<'s>,
    pub(super) bufs: &'s mut Bufs,
}

impl State<'_> {
    /// Connection `ci`'s parts (see [`Parts`]).
    #[inline]
    pub(super) fn parts(&mut self, ci: usize) -> Parts<'_> {
        let c = &mut self.conns[ci];
        let gather = c.transport.is_tls();
        Parts {
            proto: &mut c.proto,
            transport: &mut c.transport,
            cx: Cx {
                stats: &mut self.stats,
                times: self.timings.conn(ci),
                source: &mut self.source,
                at: &mut c.source,
                inflight: &mut c.inflight,
                now: self.now,
                pipeline: self.pipeline,
                slot: c.slot,
                gather,
                script: self.script.as_mut(),
            },
            bufs: &mut self.bufs,
        }
    }
}
