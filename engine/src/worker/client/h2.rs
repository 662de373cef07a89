//! HTTP/2 on a client worker's connection: it carries up to `pipeline` concurrent streams
//! (`-m`), each a request. The sans-IO `proto::h2::H2Client` frames requests and reports each
//! stream's end by slot; the slot is the connection's position in `timing.rs`, where a
//! complete response is recorded like any other protocol's. A connection the server sent
//! GOAWAY on is closed once its accepted streams are done and opened again.

use super::cx::{Cx, Ending, Fed, Written};
use super::timing::ConnTimes;
use crate::plan::{LoadPlan, Protocol};
use crate::proto::h2::frame::code;
use crate::proto::h2::{ClientSettings, H2Client, H2Sink};
use crate::stats::ErrorKind;

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

    /// The connection is up (TCP, and TLS with ALPN h2): a new session, no stream in any
    /// of its positions (`times`), its preface and SETTINGS written to `out`.
    pub(super) fn start(&mut self, times: &mut ConnTimes<'_>, out: &mut Vec<u8>) {
        times.release_all();
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
struct StreamSink<'s, 'c> {
    /// The connection's positions are its stream slots: a slot is free when no stream
    /// occupies it.
    cx: &'s mut Cx<'c>,
    /// Complete responses, and streams ended in any way (slots freed).
    done: u32,
    ended: u32,
}

impl StreamSink<'_, '_> {
    /// Stream `slot` ended; false when no stream of ours was there.
    fn end(&mut self, slot: u32) -> bool {
        let pos = slot as usize;
        if !self.cx.times.in_use(pos) {
            return false;
        }
        self.cx.times.release(pos);
        *self.cx.inflight = self.cx.inflight.saturating_sub(1);
        self.ended += 1;
        true
    }
}

impl H2Sink for StreamSink<'_, '_> {
    fn response(&mut self, slot: u32, status: u16, _body_len: u64) {
        let cx = &mut *self.cx;
        if cx.times.in_use(slot as usize) {
            cx.times.completed(cx.stats, slot as usize, status, cx.now);
            self.end(slot);
            self.done += 1;
        }
    }

    fn reset(&mut self, slot: u32, code: u32) {
        if self.end(slot) {
            if code == code::REFUSED_STREAM {
                // Not processed: sent again, not an error (RFC 9113 section 8.7).
                self.cx.stats.refused();
            } else {
                self.cx.stats.error(ErrorKind::Reset);
            }
        }
    }

    fn refused(&mut self, slot: u32) {
        if self.end(slot) {
            self.cx.stats.refused();
        }
    }

    fn goaway(&mut self, _last_stream: u32, _code: u32) {
        self.cx.stats.goaway();
    }
}

impl H2Conn {
    /// Opens up to `k` streams (fewer when the server's MAX_CONCURRENT_STREAMS or a GOAWAY
    /// says so), due at `intended` or now; the frames go to `out`.
    pub(super) fn write(
        &mut self,
        k: u32,
        intended: Option<u64>,
        cx: &mut Cx<'_>,
        out: &mut Vec<u8>,
    ) -> Written {
        let mut n = 0u32;
        let mut failed = None;
        while n < k && self.client.can_open() {
            let e = cx.source.next(cx.at);
            match self.client.open(cx.source.h2(e), out) {
                Ok(slot) => {
                    cx.times.sent(slot as usize, cx.now, intended, e);
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

    /// HTTP/2 bytes of the connection (as received on h2c, or as TLS decrypted them); the
    /// frames the session answers with (acks, window updates, queued request bodies, a
    /// GOAWAY after an error) are added to `out`, to be sent at once.
    pub(super) fn feed(&mut self, data: &[u8], cx: &mut Cx<'_>, out: &mut Vec<u8>) -> Fed {
        let mut sink = StreamSink {
            cx,
            done: 0,
            ended: 0,
        };
        let fed = self.client.feed(data, out, &mut sink);
        let (done, ended) = (sink.done, sink.ended);
        let end = if let Err(e) = fed {
            Some(Ending::H2(e))
        } else if self.client.closing() && self.client.inflight() == 0 {
            // GOAWAY (or stream ids used up) and every accepted stream is done: a new
            // connection takes over.
            Some(Ending::Close { lost: false })
        } else {
            None
        };
        Fed { done, ended, end }
    }
}
