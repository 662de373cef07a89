//! The connection protocol as the loop sees it: one value per connection, HTTP/1.1 parser
//! state or an HTTP/2 session (`h1.rs`, `h2.rs`), statically dispatched. Whatever the
//! protocol, it is handed the same pieces of the worker ([`Cx`]) and a feed or a write comes
//! back as one [`Fed`] or [`Written`] (`cx.rs`), which the loop (`exchange.rs`) settles the
//! same way over either transport.

use super::cx::{Cx, Fed, Written};
use super::h1::H1Conn;
use super::h2::H2Conn;
use super::timing::{ConnTimes, FREE};
use crate::plan::LoadPlan;
use crate::ring::Backend;

/// A connection's protocol state.
pub(super) enum Proto {
    H1(H1Conn),
    H2(Box<H2Conn>),
}

impl Proto {
    /// The protocol `plan` speaks, for a new connection.
    pub(super) fn new(plan: &LoadPlan) -> Proto {
        match H2Conn::settings(plan) {
            Some(s) => Proto::H2(Box::new(H2Conn::new(s))),
            None => Proto::H1(H1Conn::new()),
        }
    }

    /// The connection closed: forget it.
    pub(super) fn reset(&mut self) {
        match self {
            Proto::H1(h) => h.reset(),
            // A new session starts when the connection opens again.
            Proto::H2(_) => {}
        }
    }

    /// Another request may go out (HTTP/2: the server's limits allow another stream).
    #[inline]
    pub(super) fn can_open(&self) -> bool {
        match self {
            Proto::H1(_) => true,
            Proto::H2(h) => h.can_open(),
        }
    }

    /// The send time of the oldest request in flight, from the connection's `sent` times
    /// (call with requests in flight).
    pub(super) fn oldest(&self, sent: &[u64]) -> Option<u64> {
        match self {
            Proto::H1(h) => sent.get(h.oldest()).copied(),
            Proto::H2(_) => sent.iter().copied().filter(|&t| t != FREE).min(),
        }
    }

    /// The connection is up (TCP, and TLS if any): what the protocol sends first goes to
    /// `out` (HTTP/2: preface and SETTINGS; HTTP/1.1: nothing).
    pub(super) fn start(&mut self, times: &mut ConnTimes<'_>, out: &mut Vec<u8>) {
        match self {
            Proto::H1(_) => {}
            Proto::H2(h) => h.start(times, out),
        }
    }

    /// Writes up to `k` requests, due at `intended` or now: to the backend or into `out`
    /// (`scratch`: where HTTP/1.1 puts a request with cookies together).
    #[inline]
    pub(super) fn write<B: Backend>(
        &mut self,
        io: &mut B,
        k: u32,
        intended: Option<u64>,
        cx: &mut Cx<'_>,
        out: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
    ) -> Written {
        match self {
            Proto::H1(h) => h.write(io, k, intended, cx, out, scratch),
            Proto::H2(h) => h.write(k, intended, cx, out),
        }
    }

    /// Writes the batch the request script made (HTTP/1.1 only: a plan with a script and
    /// HTTP/2 is refused).
    pub(super) fn write_batch<B: Backend>(
        &mut self,
        io: &mut B,
        cx: &mut Cx<'_>,
        out: &mut Vec<u8>,
    ) -> Written {
        match self {
            Proto::H1(h) => h.write_batch(io, cx, out),
            Proto::H2(_) => Written {
                n: 0,
                bytes: 0,
                failed: None,
            },
        }
    }

    /// Response bytes (as received, or as TLS decrypted them); what the protocol answers
    /// with (HTTP/2 frames) goes to `out`, which the caller clears and sends.
    #[inline]
    pub(super) fn feed(&mut self, data: &[u8], cx: &mut Cx<'_>, out: &mut Vec<u8>) -> Fed {
        match self {
            Proto::H1(h) => h.feed(data, cx),
            Proto::H2(h) => h.feed(data, cx, out),
        }
    }

    /// The peer closed the connection (`error`: with a reset or a failed receive). Returns
    /// the responses a read until the close completed (HTTP/1.1), and whether requests in
    /// flight were lost.
    pub(super) fn closed(&mut self, error: bool, cx: &mut Cx<'_>) -> (u32, bool) {
        match self {
            Proto::H1(h) => h.closed(error, cx),
            Proto::H2(_) => (0, *cx.inflight > 0),
        }
    }
}
