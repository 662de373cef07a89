//! The loop's side of the traffic on a connection: starting the transport (the TLS
//! handshake) and the protocol once TCP is up, sending requests, and settling what a feed
//! came to, the same way for every protocol. Sending goes through [`State::send_requests`]
//! (the count a stop allows, in-flight accounting, the transport), a feed comes back as one
//! `Fed` that [`State::on_plain`] settles, and what a connection does when requests end
//! (send more, hold, wait for the schedule) is asked of the pacing in one place. The
//! protocol and the transport are handed their pieces (`State::parts`), never the `State`.

use super::cx::Ending;
use super::session::Transport;
use super::state::{ConnState, State};
use crate::proto::h2::H2Error;
use crate::proto::tls::SessionStep;
use crate::ring::Backend;
use crate::stats::ErrorKind;

impl State<'_> {
    /// Connection `ci` is up (TCP, and TLS if any): the protocol starts (HTTP/2: preface and
    /// SETTINGS). False when the connection failed doing so.
    pub(super) fn proto_start<B: Backend>(&mut self, io: &mut B, ci: usize) -> bool {
        let mut p = self.parts(ci);
        p.bufs.plain_out.clear();
        p.proto.start(&mut p.cx.times, &mut p.bufs.plain_out);
        let (plain, wire) = (&p.bufs.plain_out, &mut p.bufs.wire_out);
        if !p.transport.send(io, p.cx.slot, plain, wire) {
            self.tls_failed("TLS could not encrypt the HTTP/2 preface");
            self.drop_conn(io, ci, true);
            return false;
        }
        true
    }

    /// Sends `k` requests on connection `ci`, due at `intended` (fixed rate) or now; fewer
    /// when the stop condition or the protocol allows fewer. With a script that sends in
    /// batches, any `k` is the connection's turn to go on (`batch.rs`).
    pub(super) fn send_requests<B: Backend>(
        &mut self,
        io: &mut B,
        ci: usize,
        k: u32,
        intended: Option<u64>,
    ) {
        if self.batched() {
            if k > 0 {
                self.next_batch(io, ci);
            }
            return;
        }
        self.write_requests(io, ci, k, intended, false);
    }

    /// Writes `k` requests of the request source on connection `ci` (fewer when the stop
    /// condition allows fewer), or the batch the script made (`scripted`, `k` unused).
    pub(super) fn write_requests<B: Backend>(
        &mut self,
        io: &mut B,
        ci: usize,
        k: u32,
        intended: Option<u64>,
        scripted: bool,
    ) {
        let k = if scripted {
            0
        } else {
            self.stop.may_ask(k, self.inflight_total)
        };
        if k == 0 && !scripted {
            return;
        }
        let mut p = self.parts(ci);
        let b = p.bufs;
        b.plain_out.clear();
        let w = if scripted {
            p.proto.write_batch(io, &mut p.cx, &mut b.plain_out)
        } else {
            p.proto
                .write(io, k, intended, &mut p.cx, &mut b.plain_out, &mut b.scratch)
        };
        *p.cx.inflight += w.n;
        p.cx.stats.requests_sent(w.n as u64, w.bytes as u64);
        let sealed = p
            .transport
            .send(io, p.cx.slot, &b.plain_out, &mut b.wire_out);
        self.inflight_total += w.n as u64;
        if let Some(e) = w.failed {
            self.h2_failed(io, ci, &e);
        } else if !sealed {
            self.tls_failed("TLS could not encrypt a request");
            self.drop_conn(io, ci, true);
        }
    }

    /// Response bytes of connection `ci` (as received, or as TLS decrypted them). What the
    /// protocol answers with (HTTP/2 acks, window updates, queued request bodies, a GOAWAY
    /// after an error) is sent at once.
    pub(super) fn on_plain<B: Backend>(&mut self, io: &mut B, ci: usize, data: &[u8]) {
        let mut p = self.parts(ci);
        let b = p.bufs;
        b.h2_out.clear();
        let mut fed = p.proto.feed(data, &mut p.cx, &mut b.h2_out);
        let sealed = p.transport.send(io, p.cx.slot, &b.h2_out, &mut b.wire_out);
        if !sealed && !matches!(fed.end, Some(Ending::H2(_))) {
            fed.end = Some(Ending::Seal("TLS could not encrypt HTTP/2 frames"));
        }
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
        let mut p = self.parts(ci);
        let (done, lost) = p.proto.closed(error, &mut p.cx);
        self.settle(ci, done, done);
        lost
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

    /// The server broke HTTP/2 (or a request could not be framed): counted, the first
    /// reason kept, the connection closed and opened again after a backoff.
    fn h2_failed<B: Backend>(&mut self, io: &mut B, ci: usize, e: &H2Error) {
        self.stats.error(ErrorKind::Parse);
        if self.first_connect_error.is_none() {
            self.first_connect_error = Some(format!("HTTP/2 with {}: {e}", self.plan.target));
        }
        if self.conns[ci].state == ConnState::Open {
            self.drop_conn(io, ci, true);
        }
    }

    /// TCP is up on connection `ci`: start its TLS handshake (send the ClientHello).
    pub(super) fn start_tls<B: Backend>(&mut self, io: &mut B, ci: usize) {
        let Some(setup) = &self.tls else {
            return;
        };
        let mut conn = match setup.session() {
            Ok(c) => c,
            Err(e) => {
                self.tls_failed(&e.to_string());
                self.drop_conn(io, ci, true);
                return;
            }
        };
        let b = &mut self.bufs;
        b.wire_out.clear();
        b.plain_in.clear();
        let step = conn.receive(&[], &mut b.wire_out, &mut b.plain_in);
        let c = &mut self.conns[ci];
        c.state = ConnState::Handshaking;
        c.transport = Transport::Tls(Box::new(conn));
        match step {
            Ok(_) => io.send_copy(c.slot, &b.wire_out, false),
            Err(e) => {
                self.tls_failed(&e.to_string());
                self.drop_conn(io, ci, true);
            }
        }
    }

    /// Bytes arrived on TLS connection `ci`: run the session, send what it answers, pass
    /// decrypted bytes on to the HTTP layer.
    pub(super) fn on_tls_data<B: Backend>(&mut self, io: &mut B, ci: usize, data: &[u8]) {
        let c = &mut self.conns[ci];
        let Transport::Tls(t) = &mut c.transport else {
            return;
        };
        let b = &mut self.bufs;
        b.wire_out.clear();
        b.plain_in.clear();
        let step = t.receive(data, &mut b.wire_out, &mut b.plain_in);
        if !b.wire_out.is_empty() {
            io.send_copy(c.slot, &b.wire_out, false);
        }
        let step = match step {
            Ok(s) => s,
            Err(e) => {
                self.tls_failed(&e.to_string());
                self.drop_conn(io, ci, true);
                return;
            }
        };
        if c.state == ConnState::Handshaking && step != SessionStep::Handshaking {
            if let Some(why) = self.tls.as_ref().and_then(|s| s.refused_alpn(t)) {
                self.tls_failed(&why);
                self.drop_conn(io, ci, true);
                return;
            }
            if self.tls_negotiated.is_none() {
                self.tls_negotiated = t.negotiated();
            }
            self.on_open(io, ci);
        }
        if !self.bufs.plain_in.is_empty() {
            let plain = std::mem::take(&mut self.bufs.plain_in);
            self.on_plain(io, ci, &plain);
            self.bufs.plain_in = plain;
        }
        // close_notify: the same as the server closing the connection.
        if step == SessionStep::Closed && self.conns[ci].transport.is_tls() {
            self.on_closed(io, ci, false);
        }
    }

    /// Counts a TLS failure and keeps the first reason for the summary.
    pub(super) fn tls_failed(&mut self, why: &str) {
        self.stats.error(ErrorKind::Tls);
        if self.first_connect_error.is_some() {
            return;
        }
        let why = match &self.tls {
            Some(setup) => setup.explain(why),
            None => why.to_string(),
        };
        self.first_connect_error = Some(format!("TLS with {}: {why}", self.plan.target));
    }
}
