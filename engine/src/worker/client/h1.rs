//! HTTP/1.1 on a client worker's connection. Requests go out in pipeline order: a run of the
//! same entry in one send of its registered bytes; with cookie replay, put together with the
//! connection's `Cookie` field; on TLS, gathered for encryption. Responses, as the parser
//! completes them, are matched to the oldest request in flight (HTTP/1.1 answers in order)
//! and handed to the one recording path (`timing.rs`). With a request script, a batch the
//! script made goes out as it is, and complete responses are handed to the script.

use super::cx::{Cx, Ending, Fed, Written};
use crate::proto::h1::{ResponseDone, ResponseParser, ResponseSink};
use crate::ring::Backend;

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
struct Sink<'s, 'c> {
    cx: &'s mut Cx<'c>,
    head: &'s mut u32,
    done: u32,
    close: bool,
    unsolicited: bool,
}

impl ResponseSink for Sink<'_, '_> {
    fn wants_cookies(&self) -> bool {
        self.cx.source.cookies
    }

    fn set_cookie(&mut self, name: &[u8], value: &[u8]) {
        self.cx.at.jar.set(name, value);
    }

    fn next_is_head(&mut self) -> bool {
        let entry = self.cx.times.entry(*self.head as usize);
        match &self.cx.script {
            // A scripted request's entry is its HEAD flag (`write_batch`).
            Some(s) if s.wants.request => entry != 0,
            _ => self.cx.source.wires[entry].head,
        }
    }

    #[inline]
    fn wants_message(&self) -> bool {
        self.cx.script.as_ref().is_some_and(|s| s.wants_response())
    }

    fn message_head(&mut self, head: &[u8]) {
        if let Some(s) = self.cx.script.as_deref_mut() {
            s.response_head(head);
        }
    }

    fn message_payload(&mut self, bytes: &[u8]) {
        if let Some(s) = self.cx.script.as_deref_mut() {
            s.response_payload(bytes);
        }
    }

    fn response(&mut self, d: ResponseDone) -> bool {
        let cx = &mut *self.cx;
        if *cx.inflight == 0 {
            self.unsolicited = true;
            return false;
        }
        let pos = *self.head as usize;
        *self.head = (*self.head + 1) % cx.pipeline;
        *cx.inflight -= 1;
        cx.times.completed(cx.stats, pos, d.status, cx.now);
        self.done += 1;
        if let Some(s) = cx.script.as_deref_mut() {
            if s.wants_response() {
                s.response(d.status);
            }
        }
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

impl H1Conn {
    /// Runs `f` with the parser and a sink that times and counts its responses.
    fn parse<R>(
        &mut self,
        cx: &mut Cx<'_>,
        f: impl FnOnce(&mut ResponseParser, &mut Sink<'_, '_>) -> R,
    ) -> (R, Seen) {
        let mut sink = Sink {
            cx,
            head: &mut self.head,
            done: 0,
            close: false,
            unsolicited: false,
        };
        let r = f(&mut self.parser, &mut sink);
        let seen = Seen {
            done: sink.done,
            close: sink.close,
            unsolicited: sink.unsolicited,
        };
        (r, seen)
    }

    /// Response bytes of the connection.
    pub(super) fn feed(&mut self, data: &[u8], cx: &mut Cx<'_>) -> Fed {
        let (parsed, seen) = self.parse(cx, |parser, sink| parser.feed(data, sink));
        let end = if parsed.is_err() || seen.unsolicited {
            Some(Ending::Broken)
        } else if seen.close {
            // Requests still in flight: the server closed with them unanswered.
            Some(Ending::Close {
                lost: *cx.inflight > 0,
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

    /// The peer closed the connection (`error`: with a reset or a failed receive): a
    /// response read until the close completes. Returns the responses completed and
    /// whether requests in flight were lost.
    pub(super) fn closed(&mut self, error: bool, cx: &mut Cx<'_>) -> (u32, bool) {
        let mut lost = error && *cx.inflight > 0;
        let done = match self.parser.eof() {
            Ok(Some(done)) => self.parse(cx, |_, sink| sink.response(done)).1.done,
            Ok(None) => {
                lost |= *cx.inflight > 0;
                0
            }
            Err(_) => {
                lost = true;
                0
            }
        };
        (done, lost)
    }

    /// Writes `k` requests on the connection, due at `intended` or now: sent from their
    /// registered bytes on plain TCP, gathered into `out` when the transport encrypts;
    /// `scratch` puts a request with a `Cookie` field together.
    pub(super) fn write<B: Backend>(
        &self,
        io: &mut B,
        k: u32,
        intended: Option<u64>,
        cx: &mut Cx<'_>,
        out: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
    ) -> Written {
        let p = cx.pipeline;
        let first = self.head + *cx.inflight;
        let (slot, gather) = (cx.slot, cx.gather);
        let mut bytes = 0usize;
        // Consecutive requests of the same entry go out in one send.
        let mut run: Option<(usize, usize)> = None;
        macro_rules! flush {
            ($re:expr, $n:expr) => {{
                let w = &cx.source.wires[$re];
                if gather {
                    for _ in 0..$n {
                        out.extend_from_slice(&w.wire);
                    }
                } else {
                    io.send(slot, w.payload, 0, $n * w.len, false);
                }
            }};
        }
        for j in 0..k {
            let e = cx.source.next(cx.at);
            cx.times
                .sent(((first + j) % p) as usize, cx.now, intended, e);
            let cookie = cx.at.jar.field();
            if !cookie.is_empty() {
                // Cookie replay: this request goes out with the connection's cookies.
                if let Some((re, n)) = run.take() {
                    flush!(re, n);
                }
                let w = &cx.source.wires[e];
                scratch.clear();
                scratch.extend_from_slice(&w.wire[..w.head_end]);
                scratch.extend_from_slice(b"Cookie: ");
                scratch.extend_from_slice(cookie);
                scratch.extend_from_slice(b"\r\n");
                scratch.extend_from_slice(&w.wire[w.head_end..]);
                if gather {
                    out.extend_from_slice(scratch);
                } else {
                    io.send_copy(slot, scratch, false);
                }
                bytes += scratch.len();
                continue;
            }
            bytes += cx.source.wires[e].len;
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

    /// Writes the batch the script made (`Scripted::out`, one HEAD flag per request in
    /// `heads`), all sent now: in one send on plain TCP, into `out` when the transport
    /// encrypts. Each request's position keeps its HEAD flag as its entry.
    pub(super) fn write_batch<B: Backend>(
        &self,
        io: &mut B,
        cx: &mut Cx<'_>,
        out: &mut Vec<u8>,
    ) -> Written {
        let Some(s) = cx.script.as_deref() else {
            return Written {
                n: 0,
                bytes: 0,
                failed: None,
            };
        };
        let p = cx.pipeline;
        let first = self.head + *cx.inflight;
        for (j, &head) in s.heads.iter().enumerate() {
            let pos = ((first + j as u32) % p) as usize;
            cx.times.sent(pos, cx.now, None, usize::from(head));
        }
        if cx.gather {
            out.extend_from_slice(&s.out);
        } else {
            io.send_copy(cx.slot, &s.out, false);
        }
        Written {
            n: s.heads.len() as u32,
            bytes: s.out.len(),
            failed: None,
        }
    }
}
