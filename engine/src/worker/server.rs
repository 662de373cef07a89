//! The built-in target's worker: accepts on its own SO_REUSEPORT listener, parses requests
//! with the sans-IO parser and answers each with the prebuilt response, optionally after a
//! fixed delay, closing after N requests when asked.
//!
//! All responses on a connection are identical bytes, so what a connection is owed is a count;
//! one send per connection is in flight at a time, which keeps responses in order. Two
//! opt-in extras for tests of request mixes: `--set-cookie` makes a connection's first
//! response a per-connection copy carrying its own cookie, and `--record` writes a line per
//! request (`record`).
//!
//! With `--tls` each connection carries a server-side rustls session (`proto::tls`): received
//! bytes are decrypted before parsing, and responses are encrypted and sent with `send_copy`
//! (still one send in flight per connection; handshake records produced meanwhile wait for
//! it). Without `--tls` none of this runs.

use super::clock::{ns, Clock};
use super::record::{Record, Recorder};
use super::{make_backend, AnyBackend};
use crate::plan::ServePlan;
use crate::proto::h1::{RequestDone, RequestHead, RequestParser, RequestSink};
use crate::proto::tls::{ServerStep, TlsServerConn};
use crate::result::IoInfo;
use crate::ring::uring::UringConfig;
use crate::ring::{Backend, Completion, PayloadId, Slot};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Responses sent in one go at most.
const MAX_BATCH: usize = 64;
const MAX_WAIT: Duration = Duration::from_millis(50);

/// Counters the server shares with whoever started it (read after it stops, or for display;
/// updated once per loop turn, not per request).
#[derive(Debug, Default)]
pub struct ServerCounters {
    pub requests: AtomicU64,
    pub responses: AtomicU64,
    pub connections: AtomicU64,
    pub parse_errors: AtomicU64,
}

pub struct ServerSetup {
    pub cpu: usize,
    pub plan: Arc<ServePlan>,
    pub uring: UringConfig,
    pub stop: Arc<AtomicBool>,
    pub counters: Arc<ServerCounters>,
    /// Receives the bound address and I/O facts, or why the worker could not start.
    pub ready: Sender<Result<(SocketAddr, IoInfo), String>>,
}

pub fn server_thread(setup: ServerSetup) {
    if !core_affinity::set_for_current(core_affinity::CoreId { id: setup.cpu }) {
        let _ = setup
            .ready
            .send(Err(format!("could not pin to CPU {}", setup.cpu)));
        return;
    }
    let (backend, info) = match make_backend(setup.plan.io, &setup.uring) {
        Ok(b) => b,
        Err(e) => {
            let _ = setup.ready.send(Err(format!("no I/O backend: {e}")));
            return;
        }
    };
    match backend {
        AnyBackend::Uring(b) => serve(b, &setup, info),
        AnyBackend::Epoll(b) => serve(b, &setup, info),
    }
}

/// Which prebuilt response a request gets: the full one, or its head alone (for HEAD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
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

    fn clear(&mut self) {
        self.runs.clear();
    }
}

#[derive(Default)]
struct Conn {
    open: bool,
    /// Changes on every accept into this slot; delayed responses check it.
    epoch: u32,
    /// Unique within the run (see `record::Record::conn`).
    id: u64,
    /// Requests recorded so far, and the head of the one in progress (`--record` only).
    recorded: u64,
    head: Option<RequestHead>,
    parser: RequestParser,
    owed: Owed,
    sending: bool,
    served: u64,
    /// Close once everything owed is sent.
    closing: bool,
    /// The last send carried the `Connection: close` response.
    final_sent: bool,
    /// The TLS session (`--tls` only), and records waiting for the send in flight.
    tls: Option<Box<TlsServerConn>>,
    tls_out: Vec<u8>,
}

/// A prebuilt response: `MAX_BATCH` copies for batched sends, and its `Connection: close`
/// variant for the last one on a connection.
#[derive(Clone, Copy)]
struct Payload {
    batch: PayloadId,
    len: usize,
    close: PayloadId,
}

struct Server<'a> {
    plan: &'a ServePlan,
    /// This worker's index, and how many there are (for connection ids).
    worker: usize,
    workers: usize,
    conns: Vec<Conn>,
    /// Record lines not yet written (`--record` only).
    lines: Vec<u8>,
    /// A response with its `Set-Cookie` field, being built.
    scratch: Vec<u8>,
    /// Indexed by `Kind`.
    payloads: [Payload; 2],
    /// (due, slot, epoch, kind, count) in due order (the delay is fixed; a stall only moves
    /// dues to its end).
    delayed: VecDeque<(u64, Slot, u32, Kind, u64)>,
    /// Runs of request kinds parsed from one chunk of data.
    parsed: Vec<(Kind, u64)>,
    /// `--tls` only: the plaintext of the batch payloads (indexed by `Kind`), and decrypted
    /// request bytes of one chunk.
    tls_batch: [Vec<u8>; 2],
    tls_plain: Vec<u8>,
    now: u64,
    requests: u64,
    responses: u64,
    accepted: u64,
    parse_errors: u64,
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

fn register<B: Backend>(io: &mut B, one: &[u8], close: &[u8]) -> Payload {
    let batch = batch_of(one);
    Payload {
        batch: io.register_payload(batch.into()),
        len: one.len(),
        close: io.register_payload(close.to_vec().into()),
    }
}

fn serve<B: Backend>(mut io: B, setup: &ServerSetup, info: IoInfo) {
    let plan = &*setup.plan;
    let payloads = [
        register(&mut io, &plan.response, &plan.response_close),
        register(
            &mut io,
            head_of(&plan.response),
            head_of(&plan.response_close),
        ),
    ];
    let bound = match io.listen(plan.listen, 4096) {
        Ok(a) => a,
        Err(e) => {
            let _ = setup
                .ready
                .send(Err(format!("cannot listen on {}: {e}", plan.listen)));
            return;
        }
    };
    let _ = setup.ready.send(Ok((bound, info)));
    let clock = Clock::new(Instant::now());
    let mut sv = Server {
        plan,
        worker: plan.cpus.iter().position(|&c| c == setup.cpu).unwrap_or(0),
        workers: plan.cpus.len().max(1),
        conns: Vec::new(),
        lines: Vec::new(),
        scratch: Vec::new(),
        payloads,
        delayed: VecDeque::new(),
        parsed: Vec::new(),
        tls_batch: match plan.tls {
            Some(_) => [batch_of(&plan.response), batch_of(head_of(&plan.response))],
            None => [Vec::new(), Vec::new()],
        },
        tls_plain: Vec::new(),
        now: 0,
        requests: 0,
        responses: 0,
        accepted: 0,
        parse_errors: 0,
    };
    while !setup.stop.load(Ordering::Relaxed) {
        let timeout = match sv.delayed.front() {
            Some(&(due, ..)) => {
                Duration::from_nanos(due.saturating_sub(clock.now_ns())).min(MAX_WAIT)
            }
            None => MAX_WAIT,
        };
        if io.wait(1, Duration::ZERO, timeout).is_err() {
            break;
        }
        sv.now = clock.now_ns();
        io.drain(|ev, io| sv.on_event(ev, io));
        sv.release_delayed(&mut io);
        let c = &setup.counters;
        c.requests.store(sv.requests, Ordering::Relaxed);
        c.responses.store(sv.responses, Ordering::Relaxed);
        c.connections.store(sv.accepted, Ordering::Relaxed);
        c.parse_errors.store(sv.parse_errors, Ordering::Relaxed);
        sv.write_records();
    }
    sv.write_records();
}

/// What one chunk of data held: runs of request kinds, whether a request asked to close,
/// and (with `--record`) the lines recording them.
struct Chunk<'a> {
    runs: &'a mut Vec<(Kind, u64)>,
    close: bool,
    rec: Option<Rec<'a>>,
}

/// Where a connection's requests are recorded.
struct Rec<'a> {
    lines: &'a mut Vec<u8>,
    worker: usize,
    conn: u64,
    recorded: &'a mut u64,
    head: &'a mut Option<RequestHead>,
}

impl RequestSink for Chunk<'_> {
    fn head(&mut self, bytes: &[u8]) {
        if let Some(r) = &mut self.rec {
            *r.head = RequestHead::parse(bytes);
        }
    }

    fn request(&mut self, r: RequestDone) -> bool {
        let kind = if r.head { Kind::Head } else { Kind::Full };
        match self.runs.last_mut() {
            Some((k, n)) if *k == kind => *n += 1,
            _ => self.runs.push((kind, 1)),
        }
        if let Some(rec) = &mut self.rec {
            if let Some(head) = rec.head.take() {
                let line = Record::new(rec.worker, rec.conn, *rec.recorded, head, r.body_len);
                line.write_line(rec.lines);
            }
            *rec.recorded += 1;
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
    fn write_records(&mut self) {
        if let Some(rec) = &self.plan.record {
            if !self.lines.is_empty() {
                Recorder::write(rec, &self.lines);
                self.lines.clear();
            }
        }
    }

    fn on_event<B: Backend>(&mut self, ev: Completion<'_>, io: &mut B) {
        match ev {
            Completion::Accepted { slot } => {
                let s = slot as usize;
                if self.conns.len() <= s {
                    self.conns.resize_with(s + 1, Conn::default);
                }
                let c = &mut self.conns[s];
                c.epoch = c.epoch.wrapping_add(1);
                c.open = true;
                c.parser.reset();
                c.owed.clear();
                c.sending = false;
                c.served = 0;
                c.closing = false;
                c.final_sent = false;
                c.id = self.accepted * self.workers as u64 + self.worker as u64;
                c.recorded = 0;
                c.head = None;
                c.tls_out.clear();
                self.accepted += 1;
                if let Some(config) = &self.plan.tls {
                    match TlsServerConn::new(config.clone()) {
                        Ok(t) => c.tls = Some(Box::new(t)),
                        Err(_) => self.close(io, slot),
                    }
                }
            }
            Completion::Data { slot, data } => self.on_data(io, slot, data),
            Completion::Sent { slot } => {
                let Some(c) = self.conns.get_mut(slot as usize) else {
                    return;
                };
                c.sending = false;
                if !c.tls_out.is_empty() {
                    self.push_tls(io, slot);
                } else if c.final_sent {
                    self.close(io, slot);
                } else {
                    self.flush(io, slot);
                }
            }
            Completion::Closed { slot, .. } | Completion::SendFailed { slot, .. } => {
                self.close(io, slot)
            }
            Completion::Connected { .. } => {}
        }
    }

    fn close<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        if let Some(c) = self.conns.get_mut(slot as usize) {
            if c.open {
                c.open = false;
                io.close(slot, false);
            }
        }
    }

    /// Sends the TLS records waiting on the connection unless a send is in flight.
    fn push_tls<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if c.open && !c.sending && !c.tls_out.is_empty() {
            io.send_copy(slot, &c.tls_out, true);
            c.tls_out.clear();
            c.sending = true;
        }
    }

    fn on_data<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.closing {
            return;
        }
        let Some(t) = c.tls.as_mut() else {
            return self.on_plain(io, slot, data);
        };
        let mut plain = std::mem::take(&mut self.tls_plain);
        plain.clear();
        let step = t.receive(data, &mut c.tls_out, &mut plain);
        self.push_tls(io, slot);
        match step {
            Ok(ServerStep::Handshaking) => {}
            Ok(ServerStep::Open) if !plain.is_empty() => self.on_plain(io, slot, &plain),
            Ok(ServerStep::Open) => {}
            Ok(ServerStep::Closed) | Err(_) => self.close(io, slot),
        }
        self.tls_plain = plain;
    }

    /// Request bytes (decrypted, with `--tls`) for a connection.
    fn on_plain<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.closing {
            return;
        }
        self.parsed.clear();
        let rec = self.plan.record.as_ref().map(|_| Rec {
            lines: &mut self.lines,
            worker: self.worker,
            conn: c.id,
            recorded: &mut c.recorded,
            head: &mut c.head,
        });
        let mut chunk = Chunk {
            runs: &mut self.parsed,
            close: false,
            rec,
        };
        let res = c.parser.feed_sink(data, &mut chunk);
        let close = chunk.close;
        self.requests += self.parsed.iter().map(|&(_, n)| n).sum::<u64>();
        if res.is_err() {
            self.parse_errors += 1;
            self.close(io, slot);
            return;
        }
        if close {
            c.closing = true;
        }
        if self.plan.delay.is_zero() && self.plan.stall.is_none() {
            for &(kind, n) in &self.parsed {
                c.owed.push(kind, n);
            }
            self.flush(io, slot);
        } else {
            let mut due = self.now + ns(self.plan.delay);
            // A response that would fall due during the stall waits for its end. Dues stay in
            // arrival order, so the queue stays sorted.
            if let Some((after, len)) = self.plan.stall {
                let (from, to) = (ns(after), ns(after) + ns(len));
                if (from..to).contains(&due) {
                    due = to;
                }
            }
            for &(kind, n) in &self.parsed {
                self.delayed.push_back((due, slot, c.epoch, kind, n));
            }
        }
    }

    fn release_delayed<B: Backend>(&mut self, io: &mut B) {
        while let Some(&(due, slot, epoch, kind, n)) = self.delayed.front() {
            if due > self.now {
                break;
            }
            self.delayed.pop_front();
            if let Some(c) = self.conns.get_mut(slot as usize) {
                if c.open && c.epoch == epoch {
                    c.owed.push(kind, n);
                    self.flush(io, slot);
                }
            }
        }
    }

    /// Sends what the connection is owed, in order: runs of one kind in batches, and the
    /// `Connection: close` variant last when the client asked to close or `close_after` is
    /// reached. One send is in flight per connection.
    fn flush<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        let close_after = self.plan.close_after;
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.sending || c.final_sent {
            return;
        }
        let Some(&(kind, n)) = c.owed.runs.front() else {
            if c.closing && self.delayed.iter().all(|d| d.1 != slot || d.2 != c.epoch) {
                self.close(io, slot);
            }
            return;
        };
        let p = self.payloads[kind as usize];
        let until_close = if close_after > 0 {
            close_after - c.served
        } else {
            u64::MAX
        };
        // The last response owed on a connection that is closing carries `Connection: close`.
        let last_run = c.closing && c.owed.runs.len() == 1;
        let last = until_close == 1 || (last_run && n == 1);
        // The first response on a connection carries its cookie, sent alone.
        let cookie = self.plan.set_cookie.as_deref().filter(|_| c.served == 0);
        if last || cookie.is_some() {
            c.owed.take(1);
            c.served += 1;
            c.sending = true;
            if last {
                c.final_sent = true;
                c.closing = true;
            }
            self.responses += 1;
            match cookie {
                Some(name) => {
                    let plan = self.plan;
                    let base = if last {
                        &plan.response_close
                    } else {
                        &plan.response
                    };
                    with_cookie(&mut self.scratch, base, kind == Kind::Head, name, c.id);
                    emit(io, slot, c, &self.scratch);
                }
                None if c.tls.is_some() => {
                    let close = &self.plan.response_close;
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
        c.owed.take(k);
        c.served += k;
        c.sending = true;
        self.responses += k;
        if c.tls.is_some() {
            emit(
                io,
                slot,
                c,
                &self.tls_batch[kind as usize][..k as usize * p.len],
            );
        } else {
            io.send(slot, p.batch, 0, k as usize * p.len, true);
        }
    }
}

/// Sends `bytes` (acknowledged) on a connection, encrypted when it has a TLS session; a
/// session that cannot encrypt closes the connection.
fn emit<B: Backend>(io: &mut B, slot: Slot, c: &mut Conn, bytes: &[u8]) {
    let Some(t) = c.tls.as_mut() else {
        return io.send_copy(slot, bytes, true);
    };
    if t.encrypt(bytes, &mut c.tls_out).is_err() {
        c.tls_out.clear();
        c.sending = false;
        c.open = false;
        io.close(slot, false);
        return;
    }
    io.send_copy(slot, &c.tls_out, true);
    c.tls_out.clear();
}
