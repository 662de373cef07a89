//! HTTP/2 on a client worker's connection: it carries up to `pipeline` concurrent streams
//! (`-m`), each a request. The sans-IO `proto::h2::H2Client` frames requests and reports each
//! stream's end by slot; the slot is the connection's position in `timing.rs`, where a
//! complete response is recorded like any other protocol's. A connection the server sent
//! GOAWAY on is closed once its accepted streams are done and opened again.

use super::proto::{Ending, Fed, Proto, Written};
use super::timing::ConnTimes;
use super::{ConnState, State};
use crate::plan::{LoadPlan, Protocol};
use crate::proto::h2::frame::code;
use crate::proto::h2::{ClientSettings, H2Client, H2Error, H2Sink};
use crate::ring::Backend;
use crate::stats::{ErrorKind, Stats};

/// One connection's HTTP/2 session and the settings a new one starts with.
pub(super) struct H2Conn {
    client: H2Client,
    settings: ClientSettings,
}

impl H2Conn {
    /// The settings of `plan`, an HTTP/2 plan.
    pub(super) fn settings(plan: &LoadPlan) -> Option<ClientSettings> {
        let Protocol::Http2(s) = plan.protocol else {
            return None;
        };
        Some(ClientSettings {
            max_streams: plan.pipeline,
            stream_window: s.stream_window,
            conn_window: s.conn_window,
            max_frame: crate::proto::h2::frame::DEFAULT_MAX_FRAME,
        })
    }

    pub(super) fn new(settings: ClientSettings) -> H2Conn {
        H2Conn {
            client: H2Client::new(&settings),
            settings,
        }
    }

    /// A new connection: a new session, its preface and SETTINGS written to `out`.
    pub(super) fn restart(&mut self, out: &mut Vec<u8>) {
        self.client = H2Client::new(&self.settings);
        self.client.start(out);
    }

    /// Another stream may open (the server's limits allow it).
    #[inline]
    pub(super) fn can_open(&self) -> bool {
        self.client.can_open()
    }
}

/// Times and counts the stream ends one feed reports.
struct StreamSink<'s> {
    stats: &'s mut Stats,
    /// This connection's positions: a slot is free when no stream occupies it.
    times: ConnTimes<'s>,
    now: u64,
    inflight: &'s mut u32,
    /// Complete responses, and streams ended in any way (slots freed).
    done: u32,
    ended: u32,
}

impl StreamSink<'_> {
    /// Stream `slot` ended; false when no stream of ours was there.
    fn end(&mut self, slot: u32) -> bool {
        let pos = slot as usize;
        if !self.times.in_use(pos) {
            return false;
        }
        self.times.release(pos);
        *self.inflight = self.inflight.saturating_sub(1);
        self.ended += 1;
        true
    }
}

impl H2Sink for StreamSink<'_> {
    fn response(&mut self, slot: u32, status: u16, _body_len: u64) {
        if self.times.in_use(slot as usize) {
            self.times
                .completed(self.stats, slot as usize, status, self.now);
            self.end(slot);
            self.done += 1;
        }
    }

    fn reset(&mut self, slot: u32, code: u32) {
        if self.end(slot) {
            if code == code::REFUSED_STREAM {
                // Not processed: sent again, not an error (RFC 9113 section 8.7).
                self.stats.refused();
            } else {
                self.stats.error(ErrorKind::Reset);
            }
        }
    }

    fn refused(&mut self, slot: u32) {
        if self.end(slot) {
            self.stats.refused();
        }
    }

    fn goaway(&mut self, _last_stream: u32, _code: u32) {
        self.stats.goaway();
    }
}

impl State<'_> {
    /// Opens up to `k` streams on HTTP/2 connection `ci` (fewer when the server's
    /// MAX_CONCURRENT_STREAMS or a GOAWAY says so), due at `intended` or now; the frames go
    /// to `plain_out`.
    pub(super) fn h2_write(&mut self, ci: usize, k: u32, intended: Option<u64>) -> Written {
        let c = &mut self.conns[ci];
        let Proto::H2(h2) = &mut c.proto else {
            unreachable!("an HTTP/2 request on an HTTP/1.1 connection");
        };
        let mut times = self.timings.conn(ci);
        let out = &mut self.bufs.plain_out;
        let mut n = 0u32;
        let mut failed = None;
        while n < k && h2.client.can_open() {
            let e = self.source.next(&mut c.source);
            match h2.client.open(self.source.h2(e), out) {
                Ok(slot) => {
                    times.sent(slot as usize, self.now, intended, e);
                    n += 1;
                }
                Err(err) => {
                    failed = Some(err);
                    break;
                }
            }
        }
        Written {
            n,
            bytes: out.len(),
            failed,
        }
    }

    /// HTTP/2 bytes of connection `ci` (as received on h2c, or as TLS decrypted them); the
    /// frames the session answers with (acks, window updates, queued request bodies, a
    /// GOAWAY after an error) are sent at once.
    pub(super) fn h2_feed<B: Backend>(&mut self, io: &mut B, ci: usize, data: &[u8]) -> Fed {
        let c = &mut self.conns[ci];
        let Proto::H2(h2) = &mut c.proto else {
            unreachable!("an HTTP/2 feed on an HTTP/1.1 connection");
        };
        let mut sink = StreamSink {
            stats: &mut self.stats,
            times: self.timings.conn(ci),
            now: self.now,
            inflight: &mut c.inflight,
            done: 0,
            ended: 0,
        };
        let out = &mut self.bufs.h2_out;
        out.clear();
        let fed = h2.client.feed(data, out, &mut sink);
        let (done, ended) = (sink.done, sink.ended);
        let closing = h2.client.closing() && h2.client.inflight() == 0;
        let sealed = c.transport.send(io, c.slot, out, &mut self.bufs.wire_out);
        let end = if let Err(e) = fed {
            Some(Ending::H2(e))
        } else if !sealed {
            Some(Ending::Seal("TLS could not encrypt HTTP/2 frames"))
        } else if closing {
            // GOAWAY (or stream ids used up) and every accepted stream is done: a new
            // connection takes over.
            Some(Ending::Close { lost: false })
        } else {
            None
        };
        Fed { done, ended, end }
    }

    /// Connection `ci` is up (TCP, and TLS with ALPN h2): a new session sends its preface
    /// and SETTINGS.
    pub(super) fn h2_start(&mut self, ci: usize) {
        let Proto::H2(h2) = &mut self.conns[ci].proto else {
            return;
        };
        self.timings.conn(ci).release_all();
        h2.restart(&mut self.bufs.plain_out);
    }

    /// The server broke the protocol (or a request could not be framed): counted, the first
    /// reason kept, the connection closed and opened again after a backoff.
    pub(super) fn h2_failed<B: Backend>(&mut self, io: &mut B, ci: usize, e: &H2Error) {
        self.stats.error(ErrorKind::Parse);
        if self.first_connect_error.is_none() {
            self.first_connect_error = Some(format!("HTTP/2 with {}: {e}", self.plan.target));
        }
        if self.conns[ci].state == ConnState::Open {
            self.drop_conn(io, ci, true);
        }
    }
}
