//! A client worker's connections: connecting within the window, reconnecting with backoff,
//! timeouts, and the completions the backend hands over, passed on to the transport and the
//! protocol. Nothing here depends on the pacing or the protocol in use: it asks them.
//! Part of the loop: it implements `State` (`state.rs`).

use super::session::Transport;
use super::state::{ConnState, State, NO_CONN, RETRY_MAX_MS, RETRY_MIN_MS};
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
        if self.stop.draining() {
            return;
        }
        let window = self.plan.connect_window.max(1);
        while self.ramping < window {
            let Some(&front) = self.connect_queue.front() else {
                break;
            };
            let ever = self.conns[front as usize].ever_connected;
            if self
                .pacing
                .opens_at(front as usize, ever)
                .is_some_and(|t| t > self.now)
            {
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
        if !c.queued && !self.stop.draining() {
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
        if let Some(s) = self.script.as_mut() {
            s.forget(ci);
        }
        let c = &mut self.conns[ci];
        self.inflight_total -= c.inflight as u64;
        c.inflight = 0;
        c.proto.reset();
        c.source.reset();
        c.transport = Transport::Plain;
        c.state = ConnState::Waiting;
        if backoff {
            self.retry_later(ci);
        } else {
            self.conns[ci].retry_at = 0;
            self.queue_connect(ci);
        }
    }

    /// Stops sending. Connections stay open until the backend is dropped at the end (closing
    /// thousands one by one would cost system calls the run does not need).
    /// `interrupted`: a signal stopped the run.
    pub(super) fn begin_drain(&mut self, interrupted: bool) {
        self.stop.drain(self.now, interrupted);
        self.pacing.stop(self.now, self.stop.load_end());
        self.connect_queue.clear();
    }

    /// Timeouts of requests and connects; connections whose backoff has passed.
    pub(super) fn scan<B: Backend>(&mut self, io: &mut B) {
        let timeout = ns(self.plan.timeout);
        for ci in 0..self.conns.len() {
            let c = &self.conns[ci];
            match c.state {
                ConnState::Open if c.inflight > 0 => {
                    let oldest = c.proto.oldest(self.timings.sent(ci)).unwrap_or(self.now);
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
                        let took = self.now.saturating_sub(self.conns[ci].connect_started);
                        self.stats.connected(took / 1000);
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
        let lost = self.proto_closed(ci, error);
        if lost {
            self.stats.error(ErrorKind::Read);
        }
        self.drop_conn(io, ci, lost);
    }

    /// Connection `ci` can carry requests (TCP, and TLS if any, are up): it starts its load.
    pub(super) fn on_open<B: Backend>(&mut self, io: &mut B, ci: usize) {
        self.conns[ci].state = ConnState::Open;
        if !self.proto_start(io, ci) {
            return;
        }
        let c = &mut self.conns[ci];
        c.retry_ms = RETRY_MIN_MS;
        if !c.ever_connected {
            c.ever_connected = true;
            self.established += 1;
        }
        let c = &self.conns[ci];
        match self.pacing.opened(ci, || c.has_room(self.pipeline)) {
            Some(k) => self.send_requests(io, ci, k, None),
            // Requests go out on the schedule; the connection is ramped.
            None => self.ramped(ci),
        }
    }

    pub(super) fn on_data<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let Some(ci) = self.slot_conn(slot) else {
            return;
        };
        self.stats.bytes_read(data.len() as u64);
        if self.conns[ci].transport.is_tls() {
            self.on_tls_data(io, ci, data);
            return;
        }
        self.on_plain(io, ci, data);
    }
}
