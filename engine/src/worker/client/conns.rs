//! A client worker's connections: connecting within the window, reconnecting with backoff,
//! sending, timeouts, and the completions the backend hands over.

use super::{ConnState, State, NO_CONN, RETRY_MAX_MS, RETRY_MIN_MS};
use crate::ring::{Backend, Completion, Slot};
use crate::stats::ErrorKind;
use crate::worker::clock::ns;
use std::net::IpAddr;

impl State<'_> {
    pub(super) fn slot_conn(&self, slot: Slot) -> Option<usize> {
        match self.by_slot.get(slot as usize) {
            Some(&ci) if ci != NO_CONN => Some(ci as usize),
            _ => None,
        }
    }

    pub(super) fn bind_slot(&mut self, slot: Slot, ci: usize) {
        let s = slot as usize;
        if self.by_slot.len() <= s {
            self.by_slot.resize(s + 1, NO_CONN);
        }
        self.by_slot[s] = ci as u32;
    }

    pub(super) fn unbind_slot(&mut self, slot: Slot) {
        if let Some(x) = self.by_slot.get_mut(slot as usize) {
            *x = NO_CONN;
        }
    }

    pub(super) fn start_connects<B: Backend>(&mut self, io: &mut B) {
        if self.draining {
            return;
        }
        let window = self.plan.connect_window.max(1);
        while self.ramping < window {
            let Some(&front) = self.connect_queue.front() else {
                break;
            };
            if self.opens_later(front as usize) {
                break;
            }
            self.connect_queue.pop_front();
            let ci = front as usize;
            self.conns[ci].queued = false;
            if self.conns[ci].state != ConnState::Waiting {
                continue;
            }
            let source = if self.plan.source_addrs.is_empty() {
                None
            } else {
                let a: IpAddr =
                    self.plan.source_addrs[self.source_next % self.plan.source_addrs.len()];
                self.source_next += 1;
                Some(a)
            };
            match io.connect(self.plan.target, source) {
                Ok(slot) => {
                    self.bind_slot(slot, ci);
                    let c = &mut self.conns[ci];
                    c.slot = slot;
                    c.state = ConnState::Connecting;
                    c.connect_started = self.now;
                    c.ramping = true;
                    self.ramping += 1;
                }
                Err(e) => {
                    self.connect_failed(ci, &e);
                }
            }
        }
    }

    /// Connection `ci` no longer counts against the connect window.
    pub(super) fn ramped(&mut self, ci: usize) {
        if std::mem::take(&mut self.conns[ci].ramping) {
            self.ramping -= 1;
        }
    }

    pub(super) fn connect_failed(&mut self, ci: usize, e: &std::io::Error) {
        self.stats.error(ErrorKind::Connect);
        if self.first_connect_error.is_none() {
            self.first_connect_error = Some(format!("connect to {}: {e}", self.plan.target));
        }
        self.retry_later(ci);
    }

    /// Parks a connection until its backoff passes (doubling, 1 ms to 1 s).
    pub(super) fn retry_later(&mut self, ci: usize) {
        let c = &mut self.conns[ci];
        c.state = ConnState::Waiting;
        c.retry_at = self.now + c.retry_ms as u64 * 1_000_000;
        c.retry_ms = (c.retry_ms * 2).min(RETRY_MAX_MS);
    }

    pub(super) fn queue_connect(&mut self, ci: usize) {
        let c = &mut self.conns[ci];
        if !c.queued && !self.draining {
            c.queued = true;
            self.connect_queue.push_back(ci as u32);
        }
    }

    /// Closes connection `ci` and, unless draining, opens it again (at once, or after a
    /// backoff when `backoff`).
    pub(super) fn drop_conn<B: Backend>(&mut self, io: &mut B, ci: usize, backoff: bool) {
        let slot = self.conns[ci].slot;
        self.ramped(ci);
        if self.conns[ci].state != ConnState::Waiting {
            io.close(slot, false);
            self.unbind_slot(slot);
        }
        let c = &mut self.conns[ci];
        self.inflight_total -= c.inflight as u64;
        c.inflight = 0;
        c.ts_head = 0;
        c.parser.reset();
        c.seq = 0;
        c.cookie.clear();
        c.jar.clear();
        c.tls = None;
        c.h2 = None;
        c.state = ConnState::Waiting;
        if backoff {
            self.retry_later(ci);
        } else {
            self.conns[ci].retry_at = 0;
            self.queue_connect(ci);
        }
    }

    /// Sends `k` requests on connection `ci`, due at `intended` (open loop) or now.
    pub(super) fn send_requests<B: Backend>(
        &mut self,
        io: &mut B,
        ci: usize,
        k: u32,
        intended: Option<u64>,
    ) {
        // With a response count to reach, never have more asked than can still be answered.
        let left = if self.measuring {
            self.quota
                .saturating_sub(self.answered + self.inflight_total)
        } else {
            u64::MAX
        };
        let k = (k as u64).min(left) as u32;
        if k == 0 {
            return;
        }
        if self.conns[ci].h2.is_some() {
            self.send_h2(io, ci, k, intended);
            return;
        }
        let p = self.pipeline;
        let base = ci * p as usize;
        let c = &mut self.conns[ci];
        // A TLS connection gathers its requests' bytes here and sends them encrypted at once.
        let tls = c.tls.is_some();
        self.plain_out.clear();
        let mut bytes = 0usize;
        // Consecutive requests of the same entry go out in one send.
        let mut run: Option<(usize, usize)> = None;
        macro_rules! flush {
            ($re:expr, $n:expr) => {{
                let w = &self.entries[$re];
                if tls {
                    let wire = &self.plan.requests.entries[$re].template.wire;
                    for _ in 0..$n {
                        self.plain_out.extend_from_slice(wire);
                    }
                } else {
                    io.send(c.slot, w.payload, 0, $n * w.len, false);
                }
            }};
        }
        for j in 0..k {
            let idx = base + ((c.ts_head + c.inflight + j) % p) as usize;
            self.times[idx] = self.now;
            self.intended[idx] = intended.unwrap_or(self.now);
            let e = self.picker.pick(&mut c.seq);
            self.entry_of[idx] = e as u16;
            if !c.cookie.is_empty() {
                // Cookie replay: this request goes out with the connection's cookies.
                if let Some((re, n)) = run.take() {
                    flush!(re, n);
                }
                let w = &self.entries[e];
                let wire = &self.plan.requests.entries[e].template.wire;
                self.scratch.clear();
                self.scratch.extend_from_slice(&wire[..w.head_end]);
                self.scratch.extend_from_slice(b"Cookie: ");
                self.scratch.extend_from_slice(&c.cookie);
                self.scratch.extend_from_slice(b"\r\n");
                self.scratch.extend_from_slice(&wire[w.head_end..]);
                if tls {
                    self.plain_out.extend_from_slice(&self.scratch);
                } else {
                    io.send_copy(c.slot, &self.scratch, false);
                }
                bytes += self.scratch.len();
                continue;
            }
            bytes += self.entries[e].len;
            run = match run {
                Some((re, n)) if re == e => Some((re, n + 1)),
                Some((re, n)) => {
                    flush!(re, n);
                    Some((e, 1))
                }
                None => Some((e, 1)),
            };
        }
        if let Some((re, n)) = run {
            flush!(re, n);
        }
        let sealed =
            !tls || super::session::seal_and_send(io, c, &self.plain_out, &mut self.wire_out);
        c.inflight += k;
        self.inflight_total += k as u64;
        self.stats.requests_sent(k as u64, bytes as u64);
        if !sealed {
            self.tls_failed("TLS could not encrypt a request");
            self.drop_conn(io, ci, true);
        }
    }

    /// Stops sending. Connections stay open until the backend is dropped at the end (closing
    /// thousands one by one would cost system calls the run does not need).
    pub(super) fn begin_drain(&mut self) {
        self.draining = true;
        self.connect_queue.clear();
    }

    /// Timeouts of requests and connects; connections whose backoff has passed.
    pub(super) fn scan<B: Backend>(&mut self, io: &mut B) {
        let timeout = ns(self.plan.timeout);
        for ci in 0..self.conns.len() {
            let c = &self.conns[ci];
            match c.state {
                ConnState::Open if c.inflight > 0 => {
                    let oldest = if c.h2.is_some() {
                        self.h2_oldest(ci).unwrap_or(self.now)
                    } else {
                        self.times[ci * self.pipeline as usize + c.ts_head as usize]
                    };
                    if self.now.saturating_sub(oldest) >= timeout {
                        self.stats.error(ErrorKind::Timeout);
                        self.drop_conn(io, ci, false);
                    }
                }
                ConnState::Handshaking if self.now.saturating_sub(c.connect_started) >= timeout => {
                    self.tls_failed("the TLS handshake timed out");
                    self.drop_conn(io, ci, true);
                }
                ConnState::Connecting if self.now.saturating_sub(c.connect_started) >= timeout => {
                    self.stats.error(ErrorKind::Connect);
                    if self.first_connect_error.is_none() {
                        self.first_connect_error =
                            Some(format!("connect to {}: timed out", self.plan.target));
                    }
                    self.drop_conn(io, ci, true);
                }
                ConnState::Waiting if !c.queued && c.retry_at <= self.now => self.queue_connect(ci),
                _ => {}
            }
        }
    }

    pub(super) fn on_event<B: Backend>(&mut self, ev: Completion<'_>, io: &mut B) {
        match ev {
            Completion::Data { slot, data } => self.on_data(io, slot, data),
            Completion::Connected { slot, result } => {
                let Some(ci) = self.slot_conn(slot) else {
                    return;
                };
                match result {
                    Ok(()) => {
                        self.stats.connected();
                        if self.tls.is_some() {
                            self.start_tls(io, ci);
                        } else {
                            self.on_open(io, ci);
                        }
                    }
                    Err(e) => {
                        // The backend already released the slot of a failed connect.
                        self.unbind_slot(slot);
                        self.ramped(ci);
                        self.conns[ci].state = ConnState::Waiting;
                        self.connect_failed(ci, &e);
                    }
                }
            }
            Completion::Closed { slot, error } => {
                let Some(ci) = self.slot_conn(slot) else {
                    return;
                };
                self.on_closed(io, ci, error.is_some());
            }
            Completion::SendFailed { slot, .. } => {
                let Some(ci) = self.slot_conn(slot) else {
                    return;
                };
                self.stats.error(ErrorKind::Write);
                self.drop_conn(io, ci, true);
            }
            Completion::Sent { .. } | Completion::Accepted { .. } => {}
        }
    }

    /// The peer closed connection `ci` (`error`: with a reset or a failed receive): a response
    /// read until the close completes; requests still in flight are lost (a read error).
    pub(super) fn on_closed<B: Backend>(&mut self, io: &mut B, ci: usize, error: bool) {
        if self.conns[ci].state == ConnState::Handshaking {
            self.tls_failed("the server closed the connection during the TLS handshake");
            self.drop_conn(io, ci, true);
            return;
        }
        if self.conns[ci].h2.is_some() {
            // HTTP/2 has no response read until the close: what is in flight is lost.
            let lost = self.conns[ci].inflight > 0;
            if lost {
                self.stats.error(ErrorKind::Read);
            }
            self.drop_conn(io, ci, lost);
            return;
        }
        let eof = self.conns[ci].parser.eof();
        let mut failed = error && self.conns[ci].inflight > 0;
        match eof {
            Ok(Some(done)) => {
                self.complete_at_eof(ci, done);
            }
            Ok(None) => failed |= self.conns[ci].inflight > 0,
            Err(_) => failed = true,
        }
        if failed {
            self.stats.error(ErrorKind::Read);
        }
        self.drop_conn(io, ci, failed);
    }

    /// Connection `ci` can carry requests (TCP, and TLS if any, are up): it starts its load.
    pub(super) fn on_open<B: Backend>(&mut self, io: &mut B, ci: usize) {
        self.conns[ci].state = ConnState::Open;
        if self.h2.is_some() {
            self.start_h2(io, ci);
            if self.conns[ci].state != ConnState::Open {
                return;
            }
        }
        let c = &mut self.conns[ci];
        c.retry_ms = RETRY_MIN_MS;
        if !c.ever_connected {
            c.ever_connected = true;
            self.established += 1;
        }
        if self.open_loop {
            // Requests go out on the schedule; the connection is ramped.
            self.ramped(ci);
            self.mark_free(ci);
        } else if !self.draining {
            let k = if self.ramp_done { self.pipeline } else { 1 };
            self.send_requests(io, ci, k, None);
        }
    }

    pub(super) fn on_data<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let Some(ci) = self.slot_conn(slot) else {
            return;
        };
        self.stats.bytes_read(data.len() as u64);
        if self.conns[ci].tls.is_some() {
            self.on_tls_data(io, ci, data);
            return;
        }
        self.on_plain(io, ci, data);
    }

    /// Response bytes of connection `ci` (as received, or as TLS decrypted them).
    pub(super) fn on_plain<B: Backend>(&mut self, io: &mut B, ci: usize, data: &[u8]) {
        if self.conns[ci].h2.is_some() {
            self.on_h2_data(io, ci, data);
            return;
        }
        let (parsed, done, close, unsolicited) =
            self.with_sink(ci, |parser, sink| parser.feed(data, sink));
        if done > 0 {
            self.ramped(ci);
        }
        if parsed.is_err() || unsolicited {
            self.stats.error(ErrorKind::Parse);
            self.drop_conn(io, ci, true);
            return;
        }
        if close {
            if self.conns[ci].inflight > 0 {
                // The server closed with pipelined requests still unanswered.
                self.stats.error(ErrorKind::Read);
            }
            self.drop_conn(io, ci, false);
            return;
        }
        if self.open_loop {
            if done > 0 {
                self.mark_free(ci);
            }
        } else if !self.draining {
            if self.ramp_done {
                self.send_requests(io, ci, done, None);
            } else if self.conns[ci].inflight == 0 {
                self.held.push(ci as u32);
            }
        }
    }
}
