//! HTTP/1.1 on the built-in target: requests parsed with the sans-IO parser, answered with the
//! prebuilt response in order.
//!
//! All responses on a connection are identical bytes, so what a connection is owed is a count
//! (runs of full responses and HEAD responses); they go out in batches from a registered
//! payload of `MAX_BATCH` copies (with `--tls`, encrypted from the plaintext of that batch).
//! The last response on a connection (`Connection: close` from the client, or `--close-after`)
//! is the `Connection: close` variant.
//!
//! This file holds a connection's HTTP/1.1 state and what connections share; the loop's side
//! (when to answer, sending) is in `respond.rs`.

use super::rec::Rec;
use crate::plan::ServePlan;
use crate::proto::h1::{ParseError, RequestDone, RequestHead, RequestParser, RequestSink};
use crate::ring::{Backend, PayloadId};
use std::collections::VecDeque;

/// Responses sent in one go at most.
pub(super) const MAX_BATCH: usize = 64;

/// Which prebuilt response a request gets: the full one, or its head alone (for HEAD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Full = 0,
    Head = 1,
}

/// Responses owed on a connection, in order, as runs of one kind.
#[derive(Default)]
pub(super) struct Owed {
    pub(super) runs: VecDeque<(Kind, u64)>,
}

impl Owed {
    pub(super) fn push(&mut self, kind: Kind, n: u64) {
        if n == 0 {
            return;
        }
        match self.runs.back_mut() {
            Some((k, m)) if *k == kind => *m += n,
            _ => self.runs.push_back((kind, n)),
        }
    }

    pub(super) fn take(&mut self, n: u64) {
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
    pub(super) owed: Owed,
    pub(super) served: u64,
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
pub(super) struct Payload {
    pub(super) batch: PayloadId,
    pub(super) len: usize,
    pub(super) close: PayloadId,
}

/// What the worker's HTTP/1.1 connections share.
pub(super) struct H1Shared {
    /// Indexed by `Kind`.
    pub(super) payloads: [Payload; 2],
    /// A response with its `Set-Cookie` field, being built.
    pub(super) scratch: Vec<u8>,
    /// Runs of request kinds parsed from one chunk of data.
    pub(super) parsed: Vec<(Kind, u64)>,
    /// `--tls` only: the plaintext of the batch payloads (indexed by `Kind`).
    pub(super) tls_batch: [Vec<u8>; 2],
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
pub(super) fn head_of(resp: &[u8]) -> &[u8] {
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
pub(super) fn with_cookie(out: &mut Vec<u8>, base: &[u8], head_only: bool, name: &str, conn: u64) {
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

impl H1Conn {
    /// Request bytes (decrypted, with `--tls`): the runs of request kinds they completed
    /// go to `parsed`, each request recorded through `rec` (`--record`). Ok(true) when a
    /// request asked to close the connection.
    pub(super) fn feed(
        &mut self,
        data: &[u8],
        parsed: &mut Vec<(Kind, u64)>,
        rec: Option<(&mut Vec<u8>, usize, u64)>,
    ) -> Result<bool, ParseError> {
        let rec = rec.map(|(lines, worker, conn)| {
            let rec = Rec {
                lines,
                worker,
                conn,
                recorded: &mut self.recorded,
            };
            (rec, &mut self.head)
        });
        let mut chunk = Chunk {
            runs: parsed,
            close: false,
            rec,
        };
        self.parser
            .feed_sink(data, &mut chunk)
            .map(|()| chunk.close)
    }
}
