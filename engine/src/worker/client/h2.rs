//! HTTP/2 on a client worker's connections: a connection carries up to `pipeline` concurrent
//! streams (`-m`), each a request. The sans-IO `proto::h2::H2Client` frames requests and
//! reports each stream's end by slot; here those ends are timed and counted, freed slots get
//! new requests (closed loop) or go back to the free list (open loop), and a connection the
//! server sent GOAWAY on is closed once its accepted streams are done and opened again.
//!
//! A slot's send time doubles as its in-use mark: `FREE` when no stream occupies it, so the
//! timeout scan finds the oldest open stream without asking the protocol layer.

use super::{ConnState, State};
use crate::plan::Protocol;
use crate::proto::h2::frame::code;
use crate::proto::h2::{request_from_h1, ClientSettings, H2Client, H2Error, H2Request, H2Sink};
use crate::ring::Backend;
use crate::stats::{ErrorKind, Stats};

/// Send time of a slot no stream occupies.
pub(super) const FREE: u64 = u64::MAX;

/// The run's requests as HTTP/2 (built once per worker) and the settings connections use.
pub(super) struct H2Setup {
    pub requests: Vec<H2Request>,
    pub settings: ClientSettings,
}

impl H2Setup {
    /// None unless the plan is HTTP/2.
    pub(super) fn new(plan: &crate::plan::LoadPlan) -> Result<Option<H2Setup>, H2Error> {
        let Protocol::Http2(s) = plan.protocol else {
            return Ok(None);
        };
        let scheme = if plan.tls.is_some() { "https" } else { "http" };
        let requests = plan
            .requests
            .entries
            .iter()
            .map(|e| request_from_h1(&e.template.wire, scheme))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(H2Setup {
            requests,
            settings: ClientSettings {
                max_streams: plan.pipeline,
                stream_window: s.stream_window,
                conn_window: s.conn_window,
                max_frame: crate::proto::h2::frame::DEFAULT_MAX_FRAME,
            },
        }))
    }
}

/// Times and counts the stream ends one feed reports.
struct StreamSink<'s> {
    stats: &'s mut Stats,
    /// This connection's send times (FREE: slot unused) and intended send times.
    times: &'s mut [u64],
    intended: &'s [u64],
    open_loop: bool,
    now: u64,
    inflight: &'s mut u32,
    /// Complete responses, and streams ended in any way (slots freed).
    done: u32,
    ended: u32,
}

impl StreamSink<'_> {
    fn end(&mut self, slot: u32) -> Option<usize> {
        let i = slot as usize;
        if self.times.get(i).is_none_or(|&t| t == FREE) {
            return None;
        }
        self.times[i] = FREE;
        *self.inflight = self.inflight.saturating_sub(1);
        self.ended += 1;
        Some(i)
    }
}

impl H2Sink for StreamSink<'_> {
    fn response(&mut self, slot: u32, status: u16, _body_len: u64) {
        let sent = self.times.get(slot as usize).copied().unwrap_or(FREE);
        let Some(i) = self.end(slot) else {
            return;
        };
        let uncorrected = self.now.saturating_sub(sent) / 1000;
        if self.open_loop {
            let corrected = self.now.saturating_sub(self.intended[i]) / 1000;
            self.stats
                .response_open_loop(status, corrected, uncorrected);
        } else {
            self.stats.response(status, uncorrected);
        }
        self.done += 1;
    }

    fn reset(&mut self, slot: u32, code: u32) {
        if self.end(slot).is_some() {
            if code == code::REFUSED_STREAM {
                // Not processed: sent again, not an error (RFC 9113 section 8.7).
                self.stats.refused();
            } else {
                self.stats.error(ErrorKind::Reset);
            }
        }
    }

    fn refused(&mut self, slot: u32) {
        if self.end(slot).is_some() {
            self.stats.refused();
        }
    }

    fn goaway(&mut self, _last_stream: u32, _code: u32) {
        self.stats.goaway();
    }
}

impl State<'_> {
    /// Connection `ci` is up (TCP, and TLS with ALPN h2): send the preface and SETTINGS.
    pub(super) fn start_h2<B: Backend>(&mut self, io: &mut B, ci: usize) {
        let Some(setup) = &self.h2 else {
            return;
        };
        let mut client = H2Client::new(&setup.settings);
        let p = self.pipeline as usize;
        self.times[ci * p..(ci + 1) * p].fill(FREE);
        self.plain_out.clear();
        client.start(&mut self.plain_out);
        let c = &mut self.conns[ci];
        c.h2 = Some(Box::new(client));
        if !super::session::seal_and_send(io, c, &self.plain_out, &mut self.wire_out) {
            self.tls_failed("TLS could not encrypt the HTTP/2 preface");
            self.drop_conn(io, ci, true);
        }
    }

    /// Opens up to `k` streams on connection `ci` (fewer when the server's
    /// MAX_CONCURRENT_STREAMS or a GOAWAY says so), due at `intended` or now.
    pub(super) fn send_h2<B: Backend>(
        &mut self,
        io: &mut B,
        ci: usize,
        k: u32,
        intended: Option<u64>,
    ) {
        let p = self.pipeline as usize;
        let base = ci * p;
        let Some(setup) = &self.h2 else {
            return;
        };
        let c = &mut self.conns[ci];
        let Some(h2) = c.h2.as_mut() else {
            return;
        };
        self.plain_out.clear();
        let mut opened = 0u32;
        let mut failed = None;
        while opened < k && h2.can_open() {
            let e = self.picker.pick(&mut c.seq);
            match h2.open(&setup.requests[e], &mut self.plain_out) {
                Ok(slot) => {
                    let idx = base + slot as usize;
                    self.times[idx] = self.now;
                    self.intended[idx] = intended.unwrap_or(self.now);
                    self.entry_of[idx] = e as u16;
                    opened += 1;
                }
                Err(err) => {
                    failed = Some(err);
                    break;
                }
            }
        }
        c.inflight += opened;
        self.inflight_total += opened as u64;
        self.stats
            .requests_sent(opened as u64, self.plain_out.len() as u64);
        let sealed = super::session::seal_and_send(io, c, &self.plain_out, &mut self.wire_out);
        if let Some(e) = failed {
            self.h2_failed(io, ci, &e);
        } else if !sealed {
            self.tls_failed("TLS could not encrypt a request");
            self.drop_conn(io, ci, true);
        }
    }

    /// HTTP/2 bytes of connection `ci` (as received on h2c, or as TLS decrypted them).
    pub(super) fn on_h2_data<B: Backend>(&mut self, io: &mut B, ci: usize, data: &[u8]) {
        let p = self.pipeline as usize;
        let base = ci * p;
        let c = &mut self.conns[ci];
        let Some(h2) = c.h2.as_mut() else {
            return;
        };
        let mut sink = StreamSink {
            stats: &mut self.stats,
            times: &mut self.times[base..base + p],
            intended: &self.intended[base..base + p],
            open_loop: self.open_loop,
            now: self.now,
            inflight: &mut c.inflight,
            done: 0,
            ended: 0,
        };
        self.h2_out.clear();
        let fed = h2.feed(data, &mut self.h2_out, &mut sink);
        let (done, ended) = (sink.done, sink.ended);
        self.inflight_total -= ended as u64;
        self.answered += done as u64;
        let closing = h2.closing() && h2.inflight() == 0;
        // Acks, window updates, queued request bodies (and a GOAWAY after an error).
        let sealed = super::session::seal_and_send(io, c, &self.h2_out, &mut self.wire_out);
        if done > 0 {
            self.ramped(ci);
        }
        if let Err(e) = fed {
            self.h2_failed(io, ci, &e);
            return;
        }
        if !sealed {
            self.tls_failed("TLS could not encrypt HTTP/2 frames");
            self.drop_conn(io, ci, true);
            return;
        }
        if closing {
            // GOAWAY (or stream ids used up) and every accepted stream is done: a new
            // connection takes over.
            self.drop_conn(io, ci, false);
            return;
        }
        if ended == 0 {
            return;
        }
        if self.open_loop {
            self.mark_free(ci);
        } else if !self.draining {
            if self.ramp_done {
                self.send_requests(io, ci, ended, None);
            } else if self.conns[ci].inflight == 0 {
                self.held.push(ci as u32);
            }
        }
    }

    /// The oldest stream still open on connection `ci` (its send time), if any.
    pub(super) fn h2_oldest(&self, ci: usize) -> Option<u64> {
        let p = self.pipeline as usize;
        self.times[ci * p..(ci + 1) * p]
            .iter()
            .copied()
            .filter(|&t| t != FREE)
            .min()
    }

    /// Connection `ci` may open another stream (HTTP/2: the server's limits allow it).
    pub(super) fn h2_can_open(&self, ci: usize) -> bool {
        self.conns[ci].h2.as_ref().is_none_or(|h| h.can_open())
    }

    /// The server broke the protocol (or a request could not be framed): counted, the first
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
}
