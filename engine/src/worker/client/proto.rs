//! The connection protocol as the loop sees it: one value per connection, HTTP/1.1 parser
//! state or an HTTP/2 session (`h1.rs`, `h2.rs`), over either transport (`session.rs`).
//! Whatever the protocol, sending goes through [`State::send_requests`] (the count a stop
//! allows, in-flight accounting, the transport), a feed comes back as one [`Fed`] that
//! [`State::on_plain`] settles the same way, and what a connection does when requests end
//! (send more, hold, wait for the schedule) is asked of the pacing in one place.

use super::h1::H1Conn;
use super::h2::H2Conn;
use super::{Conn, ConnState, State};
use crate::plan::LoadPlan;
use crate::proto::h2::H2Error;
use crate::ring::Backend;
use crate::stats::ErrorKind;

/// A connection's protocol state.
pub(super) enum Proto {
    H1(H1Conn),
    H2(Box<H2Conn>),
}

/// What one feed of a connection's protocol came to.
pub(super) struct Fed {
    /// Complete responses (recorded), and requests ended in any way (positions freed).
    pub(super) done: u32,
    pub(super) ended: u32,
    /// The connection cannot go on.
    pub(super) end: Option<Ending>,
}

/// Why a connection ends after a feed.
pub(super) enum Ending {
    /// The server broke HTTP/1.1 framing (or answered what was not asked): a parse error;
    /// opened again after a backoff.
    Broken,
    /// The server broke HTTP/2.
    H2(H2Error),
    /// TLS could not encrypt what the protocol answered.
    Seal(&'static str),
    /// The server closes it (HTTP/1.1 `Connection: close`, HTTP/2 GOAWAY with every
    /// accepted stream done); `lost`: requests were still in flight. Opened again at once.
    Close { lost: bool },
}

/// Requests a protocol put on the wire (or into `plain_out`).
pub(super) struct Written {
    pub(super) n: u32,
    pub(super) bytes: usize,
    /// HTTP/2: a request could not be framed.
    pub(super) failed: Option<H2Error>,
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
            Proto::H2(_) => sent
                .iter()
                .copied()
                .filter(|&t| t != super::timing::FREE)
                .min(),
        }
    }
}

impl Conn {
    /// Can take another request now.
    #[inline]
    pub(super) fn has_room(&self, pipeline: u32) -> bool {
        self.state == ConnState::Open && self.inflight < pipeline && self.proto.can_open()
    }
}

impl State<'_> {
    /// Connection `ci` is up (TCP, and TLS if any): the protocol starts (HTTP/2: preface and
    /// SETTINGS). False when the connection failed doing so.
    pub(super) fn proto_start<B: Backend>(&mut self, io: &mut B, ci: usize) -> bool {
        self.bufs.plain_out.clear();
        self.h2_start(ci);
        let c = &mut self.conns[ci];
        if !c
            .transport
            .send(io, c.slot, &self.bufs.plain_out, &mut self.bufs.wire_out)
        {
            self.tls_failed("TLS could not encrypt the HTTP/2 preface");
            self.drop_conn(io, ci, true);
            return false;
        }
        true
    }

    /// Sends `k` requests on connection `ci`, due at `intended` (fixed rate) or now; fewer
    /// when the stop condition or the protocol allows fewer.
    pub(super) fn send_requests<B: Backend>(
        &mut self,
        io: &mut B,
        ci: usize,
        k: u32,
        intended: Option<u64>,
    ) {
        let k = self.stop.may_ask(k, self.inflight_total);
        if k == 0 {
            return;
        }
        self.bufs.plain_out.clear();
        let w = match self.conns[ci].proto {
            Proto::H1(_) => self.h1_write(io, ci, k, intended),
            Proto::H2(_) => self.h2_write(ci, k, intended),
        };
        let c = &mut self.conns[ci];
        c.inflight += w.n;
        self.inflight_total += w.n as u64;
        self.stats.requests_sent(w.n as u64, w.bytes as u64);
        let sealed = c
            .transport
            .send(io, c.slot, &self.bufs.plain_out, &mut self.bufs.wire_out);
        if let Some(e) = w.failed {
            self.h2_failed(io, ci, &e);
        } else if !sealed {
            self.tls_failed("TLS could not encrypt a request");
            self.drop_conn(io, ci, true);
        }
    }

    /// Response bytes of connection `ci` (as received, or as TLS decrypted them).
    pub(super) fn on_plain<B: Backend>(&mut self, io: &mut B, ci: usize, data: &[u8]) {
        let fed = match self.conns[ci].proto {
            Proto::H1(_) => self.h1_feed(ci, data),
            Proto::H2(_) => self.h2_feed(io, ci, data),
        };
        self.settle(ci, fed.done, fed.ended);
        match fed.end {
            None => {}
            Some(Ending::Broken) => {
                self.stats.error(ErrorKind::Parse);
                self.drop_conn(io, ci, true);
                return;
            }
            Some(Ending::H2(e)) => {
                self.h2_failed(io, ci, &e);
                return;
            }
            Some(Ending::Seal(why)) => {
                self.tls_failed(why);
                self.drop_conn(io, ci, true);
                return;
            }
            Some(Ending::Close { lost }) => {
                if lost {
                    self.stats.error(ErrorKind::Read);
                }
                self.drop_conn(io, ci, false);
                return;
            }
        }
        if fed.ended > 0 {
            self.after_ended(io, ci, fed.ended);
        }
    }

    /// The peer closed connection `ci` (`error`: with a reset or a failed receive). Returns
    /// whether requests in flight were lost: HTTP/2 has no response read until the close.
    pub(super) fn proto_closed(&mut self, ci: usize, error: bool) -> bool {
        match self.conns[ci].proto {
            Proto::H1(_) => {
                let (done, lost) = self.h1_closed(ci, error);
                self.settle(ci, done, done);
                lost
            }
            Proto::H2(_) => self.conns[ci].inflight > 0,
        }
    }

    /// `ended` requests of connection `ci` ended, `done` of them with a response.
    #[inline]
    fn settle(&mut self, ci: usize, done: u32, ended: u32) {
        self.inflight_total -= ended as u64;
        self.stop.answered(done);
        if done > 0 {
            self.ramped(ci);
        }
    }

    /// Requests of connection `ci` ended: the pacing says whether it sends more now, holds,
    /// or waits for the schedule.
    fn after_ended<B: Backend>(&mut self, io: &mut B, ci: usize, ended: u32) {
        let c = &self.conns[ci];
        let k = self
            .pacing
            .ended(ci, ended, c.inflight == 0, || c.has_room(self.pipeline));
        if k > 0 {
            self.send_requests(io, ci, k, None);
        }
    }
}
