//! HTTP/1.1 on the built-in target: requests parsed with the sans-IO parser, answered with the
//! prebuilt response in order.
//!
//! All responses on a connection are identical bytes, so what a connection is owed is a count
//! (runs of full responses and HEAD responses); they go out in batches from a registered
//! payload of `MAX_BATCH` copies (with `--tls`, encrypted from the plaintext of that batch).
//! The last response on a connection (`Connection: close` from the client, HTTP/1.0 without
//! keep-alive, or `--close-after`) is the `Connection: close` variant. An HTTP/1.0 request
//! asking for keep-alive gets a third variant that says `Connection: keep-alive` (else the
//! client waits for a close). A request that cannot be parsed is answered, after the
//! responses owed before it, with `400 Bad Request` (`431` for a head too large) and a close.
//!
//! This file holds a connection's HTTP/1.1 state and what connections share; the loop's side
//! (when to answer, sending) is in `respond.rs`.

use super::rec::Rec;
use crate::plan::ServePlan;
use crate::proto::h1::{
    build_response, ParseError, RequestDone, RequestHead, RequestParser, RequestSink,
};
use crate::ring::{Backend, PayloadId};
use std::collections::VecDeque;

/// Responses sent in one go at most.
pub(super) const MAX_BATCH: usize = 64;

/// Which prebuilt response a request gets: the full one, or its head alone (for HEAD); the
/// `KeepAlive` ones carry `Connection: keep-alive` (HTTP/1.0 requests that asked for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Full = 0,
    Head = 1,
    FullKeepAlive = 2,
    HeadKeepAlive = 3,
}

impl Kind {
    fn of(r: &RequestDone) -> Kind {
        match (r.head, r.keep_alive) {
            (false, false) => Kind::Full,
            (true, false) => Kind::Head,
            (false, true) => Kind::FullKeepAlive,
            (true, true) => Kind::HeadKeepAlive,
        }
    }

    /// The response is a head alone (the request was a HEAD).
    pub(super) fn is_head(self) -> bool {
        matches!(self, Kind::Head | Kind::HeadKeepAlive)
    }
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
    /// Why a request could not be parsed: its error response goes last.
    pub(super) failed: Option<ParseError>,
}

impl H1Conn {
    /// Back to a new connection's state (the parser's buffer is kept).
    pub(super) fn reset(&mut self) {
        self.recorded = 0;
        self.head = None;
        self.parser.reset();
        self.owed.runs.clear();
        self.served = 0;
        self.failed = None;
    }
}

/// A prebuilt response: `copies` of it for batched sends, and its `Connection: close`
/// variant for the last one on a connection.
#[derive(Clone, Copy)]
pub(super) struct Payload {
    pub(super) batch: PayloadId,
    pub(super) len: usize,
    pub(super) copies: usize,
    pub(super) close: PayloadId,
}

/// What the worker's HTTP/1.1 connections share.
pub(super) struct H1Shared {
    /// Indexed by `Kind`.
    pub(super) payloads: [Payload; 4],
    /// The plan's response with `Connection: keep-alive` (for HTTP/1.0 keep-alive).
    pub(super) keep_alive: Vec<u8>,
    /// The answers to a request that cannot be parsed: 400, and 431 for a head too large.
    bad_request: Vec<u8>,
    too_large: Vec<u8>,
    /// A response with its `Set-Cookie` field, being built.
    pub(super) scratch: Vec<u8>,
    /// Runs of request kinds parsed from one chunk of data.
    pub(super) parsed: Vec<(Kind, u64)>,
    /// `--tls` only: the plaintext of the batch payloads (indexed by `Kind`).
    pub(super) tls_batch: [Vec<u8>; 4],
}

impl H1Shared {
    /// Registers the plan's responses with the backend. HTTP/1.0 keep-alive is rare (`ab
    /// -k`, one request at a time): its variants are registered as one copy, not a batch.
    pub(super) fn new<B: Backend>(io: &mut B, plan: &ServePlan) -> std::io::Result<Self> {
        let (full, close) = (&plan.response[..], &plan.response_close[..]);
        let keep_alive = if has_connection(full) {
            // The user's own Connection field stays the only one.
            full.to_vec()
        } else {
            let mut with = Vec::new();
            with_field(
                &mut with,
                full,
                false,
                format_args!("Connection: keep-alive"),
            );
            with
        };
        let singles = [full, head_of(full), &keep_alive, head_of(&keep_alive)];
        let closes = [close, head_of(close), close, head_of(close)];
        let copies = [MAX_BATCH, MAX_BATCH, 1, 1];
        let mut payload = |i: usize| register(io, singles[i], closes[i], copies[i]);
        let payloads = [payload(0)?, payload(1)?, payload(2)?, payload(3)?];
        let tls_batch = match plan.tls {
            Some(_) => std::array::from_fn(|i| batch_of(singles[i], copies[i])),
            None => Default::default(),
        };
        let plain_text = [("Content-Type".to_owned(), "text/plain".to_owned())];
        Ok(H1Shared {
            payloads,
            tls_batch,
            keep_alive,
            bad_request: build_response(400, &plain_text, b"Bad Request\n", true),
            too_large: build_response(431, &plain_text, b"Request Header Fields Too Large\n", true),
            scratch: Vec::new(),
            parsed: Vec::new(),
        })
    }

    /// The answer to a request that could not be parsed, with `Connection: close`.
    pub(super) fn error_response(&self, e: ParseError) -> &[u8] {
        match e {
            ParseError::HeadTooLarge => &self.too_large,
            _ => &self.bad_request,
        }
    }
}

/// The head of a complete response (up to and including the blank line).
pub(super) fn head_of(resp: &[u8]) -> &[u8] {
    match resp.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => &resp[..i + 4],
        None => resp,
    }
}

/// Does the head of `resp` have a Connection field?
fn has_connection(resp: &[u8]) -> bool {
    head_of(resp)
        .split(|&b| b == b'\n')
        .skip(1)
        .any(|line| line.len() > 11 && line[..11].eq_ignore_ascii_case(b"connection:"))
}

fn batch_of(one: &[u8], copies: usize) -> Vec<u8> {
    let mut batch = Vec::with_capacity(one.len() * copies);
    for _ in 0..copies {
        batch.extend_from_slice(one);
    }
    batch
}

fn register<B: Backend>(
    io: &mut B,
    one: &[u8],
    close: &[u8],
    copies: usize,
) -> std::io::Result<Payload> {
    let batch = batch_of(one, copies);
    Ok(Payload {
        batch: io.register_payload(batch.into())?,
        len: one.len(),
        copies,
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
        let kind = Kind::of(&r);
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
    with_field(
        out,
        base,
        head_only,
        format_args!("Set-Cookie: {name}=c{conn}"),
    );
}

/// `base` (a complete response) with the field line `field` added at the end of its head; the
/// head alone when `head_only`.
fn with_field(out: &mut Vec<u8>, base: &[u8], head_only: bool, field: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let head = head_of(base);
    out.clear();
    // Before the empty line that ends the head.
    out.extend_from_slice(&head[..head.len() - 2]);
    let _ = write!(out, "{field}\r\n\r\n");
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
