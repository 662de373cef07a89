//! HTTP/1.1 on a client worker's connection. Requests go out in pipeline order: a run of the
//! same entry in one send of its registered bytes; with cookie replay, put together with the
//! connection's `Cookie` field; on TLS, gathered for encryption. Responses, as the parser
//! completes them, are matched to the oldest request in flight (HTTP/1.1 answers in order)
//! and handed to the one recording path (`timing.rs`).

use super::mix::EntryWire;
use super::proto::{Ending, Fed, Proto, Written};
use super::source::Jar;
use super::timing::ConnTimes;
use super::State;
use crate::proto::h1::{ResponseDone, ResponseParser, ResponseSink};
use crate::ring::Backend;
use crate::stats::Stats;

/// One connection's HTTP/1.1 state: the response parser and the position (in the
/// connection's ring of send times) of the oldest request in flight.
pub(super) struct H1Conn {
    parser: ResponseParser,
    head: u32,
}

impl H1Conn {
    pub(super) fn new() -> H1Conn {
        H1Conn {
            parser: ResponseParser::new(),
            head: 0,
        }
    }

    /// A new connection: the parser forgets the old one (it keeps its head cache).
    pub(super) fn reset(&mut self) {
        self.parser.reset();
        self.head = 0;
    }

    /// The position of the oldest request in flight.
    #[inline]
    pub(super) fn oldest(&self) -> usize {
        self.head as usize
    }
}

/// What the parser reports to: responses timed and counted, cookies kept.
struct Sink<'s> {
    stats: &'s mut Stats,
    times: ConnTimes<'s>,
    now: u64,
    pipeline: u32,
    head: &'s mut u32,
    inflight: &'s mut u32,
    /// The entries (to know which are HEAD).
    wires: &'s [EntryWire],
    /// Cookie replay: the connection's cookies, updated by `Set-Cookie`.
    cookies: bool,
    jar: &'s mut Jar,
    done: u32,
    close: bool,
    unsolicited: bool,
}

impl ResponseSink for Sink<'_> {
    fn wants_cookies(&self) -> bool {
        self.cookies
    }

    fn set_cookie(&mut self, name: &[u8], value: &[u8]) {
        self.jar.set(name, value);
    }

    fn next_is_head(&mut self) -> bool {
        self.wires[self.times.entry(*self.head as usize)].head
    }

    fn response(&mut self, d: ResponseDone) -> bool {
        if *self.inflight == 0 {
            self.unsolicited = true;
            return false;
        }
        let pos = *self.head as usize;
        *self.head = (*self.head + 1) % self.pipeline;
        *self.inflight -= 1;
        self.times.completed(self.stats, pos, d.status, self.now);
        self.done += 1;
        if d.close {
            self.close = true;
            return false;
        }
        true
    }
}

/// What the sink saw in one parse.
struct Seen {
    done: u32,
    close: bool,
    unsolicited: bool,
}

impl State<'_> {
    /// Runs `f` with connection `ci`'s parser and a sink that times and counts its responses.
    fn h1_parse<R>(
        &mut self,
        ci: usize,
        f: impl FnOnce(&mut ResponseParser, &mut Sink<'_>) -> R,
    ) -> (R, Seen) {
        let c = &mut self.conns[ci];
        let Proto::H1(h) = &mut c.proto else {
            unreachable!("an HTTP/1.1 parse on an HTTP/2 connection");
        };
        let mut sink = Sink {
            stats: &mut self.stats,
            times: self.timings.conn(ci),
            now: self.now,
            pipeline: self.pipeline,
            head: &mut h.head,
            inflight: &mut c.inflight,
            wires: &self.source.wires,
            cookies: self.source.cookies,
            jar: &mut c.source.jar,
            done: 0,
            close: false,
            unsolicited: false,
        };
        let r = f(&mut h.parser, &mut sink);
        let seen = Seen {
            done: sink.done,
            close: sink.close,
            unsolicited: sink.unsolicited,
        };
        (r, seen)
    }

    /// Response bytes of HTTP/1.1 connection `ci`.
    pub(super) fn h1_feed(&mut self, ci: usize, data: &[u8]) -> Fed {
        let (parsed, seen) = self.h1_parse(ci, |parser, sink| parser.feed(data, sink));
        let end = if parsed.is_err() || seen.unsolicited {
            Some(Ending::Broken)
        } else if seen.close {
            // Requests still in flight: the server closed with them unanswered.
            Some(Ending::Close {
                lost: self.conns[ci].inflight > 0,
            })
        } else {
            None
        };
        Fed {
            done: seen.done,
            ended: seen.done,
            end,
        }
    }

    /// The peer closed HTTP/1.1 connection `ci` (`error`: with a reset or a failed receive):
    /// a response read until the close completes. Returns the responses completed and
    /// whether requests in flight were lost.
    pub(super) fn h1_closed(&mut self, ci: usize, error: bool) -> (u32, bool) {
        let mut lost = error && self.conns[ci].inflight > 0;
        let Proto::H1(h) = &mut self.conns[ci].proto else {
            unreachable!("an HTTP/1.1 close on an HTTP/2 connection");
        };
        let done = match h.parser.eof() {
            Ok(Some(done)) => self.h1_parse(ci, |_, sink| sink.response(done)).1.done,
            Ok(None) => {
                lost |= self.conns[ci].inflight > 0;
                0
            }
            Err(_) => {
                lost = true;
                0
            }
        };
        (done, lost)
    }

    /// Writes `k` requests on HTTP/1.1 connection `ci`, due at `intended` or now: sent from
    /// their registered bytes on plain TCP, gathered into `plain_out` on TLS.
    pub(super) fn h1_write<B: Backend>(
        &mut self,
        io: &mut B,
        ci: usize,
        k: u32,
        intended: Option<u64>,
    ) -> Written {
        let p = self.pipeline;
        let c = &mut self.conns[ci];
        let Proto::H1(h) = &c.proto else {
            unreachable!("an HTTP/1.1 request on an HTTP/2 connection");
        };
        let first = h.head + c.inflight;
        let tls = c.transport.is_tls();
        let mut times = self.timings.conn(ci);
        let out = &mut self.bufs.plain_out;
        let mut bytes = 0usize;
        // Consecutive requests of the same entry go out in one send.
        let mut run: Option<(usize, usize)> = None;
        macro_rules! flush {
            ($re:expr, $n:expr) => {{
                let w = &self.source.wires[$re];
                if tls {
                    for _ in 0..$n {
                        out.extend_from_slice(&w.wire);
                    }
                } else {
                    io.send(c.slot, w.payload, 0, $n * w.len, false);
                }
            }};
        }
        for j in 0..k {
            let e = self.source.next(&mut c.source);
            times.sent(((first + j) % p) as usize, self.now, intended, e);
            let cookie = c.source.jar.field();
            if !cookie.is_empty() {
                // Cookie replay: this request goes out with the connection's cookies.
                if let Some((re, n)) = run.take() {
                    flush!(re, n);
                }
                let w = &self.source.wires[e];
                let scratch = &mut self.bufs.scratch;
                scratch.clear();
                scratch.extend_from_slice(&w.wire[..w.head_end]);
                scratch.extend_from_slice(b"Cookie: ");
                scratch.extend_from_slice(cookie);
                scratch.extend_from_slice(b"\r\n");
                scratch.extend_from_slice(&w.wire[w.head_end..]);
                if tls {
                    out.extend_from_slice(scratch);
                } else {
                    io.send_copy(c.slot, scratch, false);
                }
                bytes += scratch.len();
                continue;
            }
            bytes += self.source.wires[e].len;
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
        Written {
            n: k,
            bytes,
            failed: None,
        }
    }
}
