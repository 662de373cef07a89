//! HTTP/1.1 on the built-in target: requests parsed with the sans-IO parser, answered with the
//! prebuilt response in order.
//!
//! All responses on a connection are identical bytes, so what a connection is owed is a count
//! (runs of full responses and HEAD responses); they go out in batches from a registered
//! payload of `MAX_BATCH` copies (with `--tls`, encrypted from the plaintext of that batch).
//! The last response on a connection (`Connection: close` from the client, or `--close-after`)
//! is the `Connection: close` variant.

use super::{emit, Due, Rec, Server, MAX_BATCH};
use crate::plan::ServePlan;
use crate::proto::h1::{RequestDone, RequestHead, RequestParser, RequestSink};
use crate::ring::{Backend, PayloadId, Slot};
use std::collections::VecDeque;

/// Which prebuilt response a request gets: the full one, or its head alone (for HEAD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Full = 0,
    Head = 1,
}

/// Responses owed on a connection, in order, as runs of one kind.
#[derive(Default)]
struct Owed {
    runs: VecDeque<(Kind, u64)>,
}

impl Owed {
    fn push(&mut self, kind: Kind, n: u64) {
        if n == 0 {
            return;
        }
        match self.runs.back_mut() {
            Some((k, m)) if *k == kind => *m += n,
            _ => self.runs.push_back((kind, n)),
        }
    }

    fn take(&mut self, n: u64) {
        if let Some((_, m)) = self.runs.front_mut() {
            *m -= n;
            if *m == 0 {
                self.runs.pop_front();
            }
        }
    }
}

/// A connection's HTTP/1.1 state.
#[derive(Default)]
pub(super) struct H1Conn {
    /// Requests recorded so far, and the head of the one in progress (`--record` only).
    recorded: u64,
    head: Option<RequestHead>,
    parser: RequestParser,
    owed: Owed,
    served: u64,
}

impl H1Conn {
    /// Back to a new connection's state (the parser's buffer is kept).
    pub(super) fn reset(&mut self) {
        self.recorded = 0;
        self.head = None;
        self.parser.reset();
        self.owed.runs.clear();
        self.served = 0;
    }
}

/// A prebuilt response: `MAX_BATCH` copies for batched sends, and its `Connection: close`
/// variant for the last one on a connection.
#[derive(Clone, Copy)]
struct Payload {
    batch: PayloadId,
    len: usize,
    close: PayloadId,
}

/// What the worker's HTTP/1.1 connections share.
pub(super) struct H1Shared {
    /// Indexed by `Kind`.
    payloads: [Payload; 2],
    /// A response with its `Set-Cookie` field, being built.
    scratch: Vec<u8>,
    /// Runs of request kinds parsed from one chunk of data.
    parsed: Vec<(Kind, u64)>,
    /// `--tls` only: the plaintext of the batch payloads (indexed by `Kind`).
    tls_batch: [Vec<u8>; 2],
}

impl H1Shared {
    /// Registers the plan's responses with the backend.
    pub(super) fn new<B: Backend>(io: &mut B, plan: &ServePlan) -> std::io::Result<Self> {
        Ok(H1Shared {
            payloads: [
                register(io, &plan.response, &plan.response_close)?,
                register(io, head_of(&plan.response), head_of(&plan.response_close))?,
            ],
            scratch: Vec::new(),
            parsed: Vec::new(),
            tls_batch: match plan.tls {
                Some(_) => [batch_of(&plan.response), batch_of(head_of(&plan.response))],
                None => [Vec::new(), Vec::new()],
            },
        })
    }
}

/// The head of a complete response (up to and including the blank line).
fn head_of(resp: &[u8]) -> &[u8] {
    match resp.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => &resp[..i + 4],
        None => resp,
    }
}

fn batch_of(one: &[u8]) -> Vec<u8> {
    let mut batch = Vec::with_capacity(one.len() * MAX_BATCH);
    for _ in 0..MAX_BATCH {
        batch.extend_from_slice(one);
    }
    batch
}

fn register<B: Backend>(io: &mut B, one: &[u8], close: &[u8]) -> std::io::Result<Payload> {
    let batch = batch_of(one);
    Ok(Payload {
        batch: io.register_payload(batch.into())?,
        len: one.len(),
        close: io.register_payload(close.to_vec().into())?,
    })
}

/// What one chunk of data held: runs of request kinds, whether a request asked to close,
/// and (with `--record`) the lines recording them.
struct Chunk<'a> {
    runs: &'a mut Vec<(Kind, u64)>,
    close: bool,
    /// Where requests are recorded, and the head of the one in progress.
    rec: Option<(Rec<'a>, &'a mut Option<RequestHead>)>,
}

impl RequestSink for Chunk<'_> {
    fn head(&mut self, bytes: &[u8]) {
        if let Some((_, head)) = &mut self.rec {
            **head = RequestHead::parse(bytes);
        }
    }

    fn request(&mut self, r: RequestDone) -> bool {
        let kind = if r.head { Kind::Head } else { Kind::Full };
        match self.runs.last_mut() {
            Some((k, n)) if *k == kind => *n += 1,
            _ => self.runs.push((kind, 1)),
        }
        if let Some((rec, head)) = &mut self.rec {
            rec.write(head.take(), r.body_len, None);
        }
        if r.close {
            self.close = true;
            return false;
        }
        true
    }
}

/// `base` (a complete response) with `Set-Cookie: name=c<conn>` added to its head; the head
/// alone when `head_only`.
fn with_cookie(out: &mut Vec<u8>, base: &[u8], head_only: bool, name: &str, conn: u64) {
    use std::io::Write;
    let head = head_of(base);
    out.clear();
    // Before the empty line that ends the head.
    out.extend_from_slice(&head[..head.len() - 2]);
    let _ = write!(out, "Set-Cookie: {name}=c{conn}\r\n\r\n");
    if !head_only {
        out.extend_from_slice(&base[head.len()..]);
    }
}

impl Server<'_> {
    /// HTTP/1.1 request bytes (decrypted, with `--tls`) for a connection.
    pub(super) fn on_h1<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let due = self.due();
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.closing {
            return;
        }
        let parsed = &mut self.h1.parsed;
        parsed.clear();
        let rec = self.record.map(|_| {
            let rec = Rec {
                lines: &mut self.lines,
                worker: self.worker,
                conn: c.id,
                recorded: &mut c.h1.recorded,
            };
            (rec, &mut c.h1.head)
        });
        let mut chunk = Chunk {
            runs: parsed,
            close: false,
            rec,
        };
        let res = c.h1.parser.feed_sink(data, &mut chunk);
        let close = chunk.close;
        self.requests += parsed.iter().map(|&(_, n)| n).sum::<u64>();
        if res.is_err() {
            self.parse_errors += 1;
            self.close(io, slot);
            return;
        }
        if close {
            c.closing = true;
        }
        match due {
            None => {
                for &(kind, n) in parsed.iter() {
                    c.h1.owed.push(kind, n);
                }
                self.flush_h1(io, slot);
            }
            Some(due) => {
                for &(kind, n) in parsed.iter() {
                    self.delayed
                        .push_back((due, slot, c.epoch, Due::H1(kind, n)));
                }
            }
        }
    }

    /// Delayed responses that fell due.
    pub(super) fn release_h1<B: Backend>(&mut self, io: &mut B, slot: Slot, kind: Kind, n: u64) {
        if let Some(c) = self.conns.get_mut(slot as usize) {
            c.h1.owed.push(kind, n);
            self.flush_h1(io, slot);
        }
    }

    /// Sends what the connection is owed, in order: runs of one kind in batches, and the
    /// `Connection: close` variant last when the client asked to close or `close_after` is
    /// reached. One send is in flight per connection.
    pub(super) fn flush_h1<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        let close_after = self.plan.close_after;
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.sending || c.final_sent {
            return;
        }
        let Some(&(kind, n)) = c.h1.owed.runs.front() else {
            if c.closing && !self.delayed.iter().any(|d| d.1 == slot && d.2 == c.epoch) {
                self.close(io, slot);
            }
            return;
        };
        let p = self.h1.payloads[kind as usize];
        let until_close = if close_after > 0 {
            close_after - c.h1.served
        } else {
            u64::MAX
        };
        // The last response owed on a connection that is closing carries `Connection: close`.
        let last_run = c.closing && c.h1.owed.runs.len() == 1;
        let last = until_close == 1 || (last_run && n == 1);
        // The first response on a connection carries its cookie, sent alone.
        let cookie = self.plan.set_cookie.as_deref().filter(|_| c.h1.served == 0);
        if last || cookie.is_some() {
            c.h1.owed.take(1);
            c.h1.served += 1;
            c.sending = true;
            if last {
                c.final_sent = true;
                c.closing = true;
            }
            self.responses += 1;
            let plan = self.plan;
            match cookie {
                Some(name) => {
                    let base = if last {
                        &plan.response_close
                    } else {
                        &plan.response
                    };
                    let scratch = &mut self.h1.scratch;
                    with_cookie(scratch, base, kind == Kind::Head, name, c.id);
                    emit(io, slot, c, scratch);
                }
                None if c.tls.is_some() => {
                    let close = &plan.response_close;
                    let bytes = match kind {
                        Kind::Full => close,
                        Kind::Head => head_of(close),
                    };
                    emit(io, slot, c, bytes);
                }
                None => io.send(slot, p.close, 0, usize::MAX, true),
            }
            return;
        }
        let mut k = n.min(MAX_BATCH as u64).min(until_close - 1);
        if last_run && k == n {
            k -= 1;
        }
        c.h1.owed.take(k);
        c.h1.served += k;
        c.sending = true;
        self.responses += k;
        if c.tls.is_some() {
            let batch = &self.h1.tls_batch[kind as usize][..k as usize * p.len];
            emit(io, slot, c, batch);
        } else {
            io.send(slot, p.batch, 0, k as usize * p.len, true);
        }
    }
}
