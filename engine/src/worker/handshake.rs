//! The handshake worker (tls-perf's loop on the engine's backend): each peer connects, runs a
//! TLS handshake through `proto::tls`, sends its last flight, closes with an RST and starts
//! again. A slow start lets at most `SLOW_START` peers begin their first attempt at once and
//! counts nothing until every peer has finished one; then handshakes, errors and latencies are
//! counted per interval until the duration, the handshake count or a stop signal ends the run.
//! In-flight attempts at the end are dropped with the backend (like tls-perf). With
//! `--request` an established peer sends one HTTP/1.1 request and reads the response
//! (`hs_request`) before its RST; its attempt ends then, so `-n` waits for those responses.

use super::clock::{ns, Clock};
use super::hs_request;
use super::{make_backend, AnyBackend};
use crate::plan::HandshakePlan;
use crate::proto::h1::ResponseParser;
use crate::proto::tls::{self, Step, TlsHandshake};
use crate::result::IoInfo;
use crate::ring::uring::UringConfig;
use crate::ring::{Backend, Completion, Slot};
use crate::stats::handshake::{HsError, HsSnapshot, HS_ERROR_KINDS};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NO_PEER: u32 = u32::MAX;
const MAX_WAIT: Duration = Duration::from_millis(50);
const SCAN_EVERY_NS: u64 = 10_000_000;
/// Peers starting their first attempt at once during the slow start.
const SLOW_START: usize = 64;
/// A failed connect is tried again after this long.
const RETRY_NS: u64 = 10_000_000;
/// With tickets on and TLS 1.3, how long a peer waits for the server's tickets after its
/// handshake before it gives up on them (and stops waiting on later handshakes).
const TICKET_WAIT_NS: u64 = 200_000_000;

/// What a handshake worker tells the coordinator.
#[derive(Debug)]
pub enum HsMsg {
    Ready {
        worker: usize,
        io: IoInfo,
    },
    Failed {
        worker: usize,
        reason: String,
    },
    Interval {
        worker: usize,
        seq: usize,
        snapshot: HsSnapshot,
    },
    Done {
        worker: usize,
        end: HsEnd,
        snapshot: HsSnapshot,
    },
}

/// A handshake worker's closing facts.
#[derive(Debug, Clone, Default)]
pub struct HsEnd {
    /// When counting started (the slow start ended), from the common start; None: never.
    pub measure_start_ns: Option<u64>,
    pub end_ns: u64,
    /// Thread CPU time (user + sys) over the measured phase.
    pub cpu_s: f64,
    /// The first message of each error kind (indexed as `HsError as usize`).
    pub first_errors: [Option<String>; HS_ERROR_KINDS],
    /// Version, suite and group of the first handshake.
    pub negotiated: Option<String>,
    /// Why the worker gave up: every attempt failed and none succeeded.
    pub aborted: Option<String>,
    /// `--request`: responses to requests of attempts that were not counted (the slow start).
    pub uncounted_responses: u64,
}

/// Everything a handshake worker thread needs.
pub struct HandshakeSetup {
    pub worker: usize,
    pub cpu: usize,
    pub conns: u32,
    /// Handshakes this worker stops after (its share of the plan's count).
    pub quota: Option<u64>,
    pub plan: Arc<HandshakePlan>,
    pub uring: UringConfig,
    pub stop: Arc<AtomicBool>,
    pub tx: Sender<HsMsg>,
    pub start: Receiver<Option<Instant>>,
}

/// Thread body: pin, build the TLS config and backend, report, wait for the start, run.
pub fn handshake_thread(setup: HandshakeSetup) {
    let fail = |reason: String| {
        let _ = setup.tx.send(HsMsg::Failed {
            worker: setup.worker,
            reason,
        });
    };
    if !core_affinity::set_for_current(core_affinity::CoreId { id: setup.cpu }) {
        return fail(format!("could not pin to CPU {}", setup.cpu));
    }
    let tls = match tls::client_config(&setup.plan.tls).and_then(|c| {
        let name = tls::server_name(&setup.plan.tls)?;
        Ok((c, name))
    }) {
        Ok(t) => t,
        Err(e) => return fail(e.to_string()),
    };
    let (backend, io) = match make_backend(setup.plan.io, &setup.uring) {
        Ok(b) => b,
        Err(e) => return fail(format!("no I/O backend: {e}")),
    };
    let _ = setup.tx.send(HsMsg::Ready {
        worker: setup.worker,
        io,
    });
    let Ok(Some(start)) = setup.start.recv() else {
        return;
    };
    let clock = Clock::new(start);
    let (end, snapshot) = match backend {
        AnyBackend::Uring(b) => run(b, &setup, tls, clock),
        AnyBackend::Epoll(b) => run(b, &setup, tls, clock),
    };
    let _ = setup.tx.send(HsMsg::Done {
        worker: setup.worker,
        end,
        snapshot,
    });
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PeerState {
    Idle,
    Connecting,
    Handshaking,
    /// Established; the last flight is being sent (waiting for its `Sent`).
    Finishing,
    /// Established; waiting for TLS 1.3 session tickets until `deadline`.
    Lingering,
    /// Established, the request sent (`--request`); reading the response until `deadline`.
    Requesting,
}

struct Peer {
    slot: Slot,
    state: PeerState,
    tls: Option<TlsHandshake>,
    started: u64,
    deadline: u64,
    retry_at: u64,
    queued: bool,
    /// This attempt started while measuring: its outcome counts.
    counted: bool,
    /// Counted, established, and waiting for its response (`--request`).
    awaiting: bool,
    first_done: bool,
    /// `--request`: the response parser (reset for each attempt).
    parser: ResponseParser,
}

struct W<'a> {
    plan: &'a HandshakePlan,
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    peers: Vec<Peer>,
    by_slot: Vec<u32>,
    queue: VecDeque<u32>,
    next_new: usize,
    first_done: usize,
    stats: HsSnapshot,
    out: Vec<u8>,
    /// `--request`: decrypted response bytes of the current event.
    plain: Vec<u8>,
    now: u64,
    measuring: bool,
    counted_done: u64,
    counted_inflight: u64,
    /// Counted attempts established and waiting for their response (`--request`).
    counted_awaiting: u64,
    quota: u64,
    await_tickets: bool,
    ever_ok: bool,
    failures: u64,
    end: HsEnd,
}

fn run<B: Backend>(
    mut io: B,
    setup: &HandshakeSetup,
    (config, name): (Arc<ClientConfig>, ServerName<'static>),
    clock: Clock,
) -> (HsEnd, HsSnapshot) {
    let plan = &*setup.plan;
    let n = setup.conns as usize;
    let mut w = W {
        plan,
        config,
        name,
        peers: (0..n)
            .map(|_| Peer {
                slot: 0,
                state: PeerState::Idle,
                tls: None,
                started: 0,
                deadline: 0,
                retry_at: 0,
                queued: false,
                counted: false,
                awaiting: false,
                first_done: false,
                parser: ResponseParser::new(),
            })
            .collect(),
        by_slot: Vec::new(),
        queue: VecDeque::new(),
        next_new: 0,
        first_done: 0,
        stats: HsSnapshot::empty(),
        out: Vec::with_capacity(8192),
        plain: Vec::new(),
        now: 0,
        measuring: false,
        counted_done: 0,
        counted_inflight: 0,
        counted_awaiting: 0,
        quota: setup.quota.unwrap_or(u64::MAX),
        await_tickets: plan.tls.tickets,
        ever_ok: false,
        failures: 0,
        end: HsEnd::default(),
    };
    let interval = ns(plan.interval).max(1_000_000);
    let timeout = ns(plan.timeout);
    let give_up = (2 * n as u64).max(16);
    let mut next_interval = u64::MAX;
    let mut end_at = u64::MAX;
    let mut next_scan = 0;
    let mut seq = 0usize;
    let mut cpu0 = 0.0;
    loop {
        w.now = clock.now_ns();
        if !w.measuring && w.first_done == n {
            // Slow start over: every peer is active. Counting starts now.
            w.measuring = true;
            w.end.measure_start_ns = Some(w.now);
            w.stats.take();
            cpu0 = thread_cpu_s();
            next_interval = w.now + interval;
            if let Some(d) = plan.duration {
                end_at = w.now.saturating_add(ns(d));
            }
        }
        if !w.ever_ok && w.failures >= give_up {
            let why = w.end.first_errors.iter().flatten().next().cloned();
            w.end.aborted = Some(why.unwrap_or_else(|| "every attempt failed".into()));
            break;
        }
        if setup.stop.load(Ordering::Relaxed)
            || (w.measuring && (w.now >= end_at || (w.counted_done >= w.quota && !w.requesting())))
        {
            break;
        }
        if w.now >= next_interval {
            let mut snapshot = w.stats.take();
            snapshot.in_progress = w.in_progress();
            let _ = setup.tx.send(HsMsg::Interval {
                worker: setup.worker,
                seq,
                snapshot,
            });
            seq += 1;
            next_interval += interval;
        }
        if w.now >= next_scan {
            w.scan(&mut io, timeout);
            next_scan = w.now + SCAN_EVERY_NS;
        }
        w.start_peers(&mut io);
        let deadline = next_interval.min(next_scan).min(end_at);
        let wait = Duration::from_nanos(deadline.saturating_sub(w.now)).min(MAX_WAIT);
        if let Err(e) = io.wait(1, Duration::ZERO, wait) {
            w.end.aborted = Some(format!("I/O wait failed: {e}"));
            break;
        }
        w.now = clock.now_ns();
        io.drain(|ev, io| w.on_event(ev, io));
    }
    w.end.end_ns = clock.now_ns();
    if w.measuring {
        w.end.cpu_s = (thread_cpu_s() - cpu0).max(0.0);
    } else {
        // Never got past the slow start: nothing measured counts.
        w.stats.take();
    }
    let mut last = w.stats.take();
    last.in_progress = w.in_progress();
    (std::mem::take(&mut w.end), last)
}

impl W<'_> {
    fn in_progress(&self) -> u64 {
        self.peers
            .iter()
            .filter(|p| matches!(p.state, PeerState::Connecting | PeerState::Handshaking))
            .count() as u64
    }

    /// Counted attempts wait for their response, and so do slow-start ones still open, so
    /// that every request sent with `-n` is answered (or failed) before the end.
    fn requesting(&self) -> bool {
        self.counted_awaiting > 0 || self.peers.iter().any(|p| p.state == PeerState::Requesting)
    }

    fn peer_of(&self, slot: Slot) -> Option<usize> {
        match self.by_slot.get(slot as usize) {
            Some(&p) if p != NO_PEER => Some(p as usize),
            _ => None,
        }
    }

    fn bind(&mut self, slot: Slot, pi: usize) {
        let s = slot as usize;
        if self.by_slot.len() <= s {
            self.by_slot.resize(s + 1, NO_PEER);
        }
        self.by_slot[s] = pi as u32;
    }

    /// Forgets `slot` if it is still peer `pi`'s (a slot may already serve another peer).
    fn unbind(&mut self, slot: Slot, pi: usize) {
        if let Some(x) = self.by_slot.get_mut(slot as usize) {
            if *x == pi as u32 {
                *x = NO_PEER;
            }
        }
    }

    /// Starts queued peers, and new ones within the slow-start window.
    fn start_peers<B: Backend>(&mut self, io: &mut B) {
        while let Some(pi) = self.queue.pop_front() {
            self.peers[pi as usize].queued = false;
            self.connect(io, pi as usize);
        }
        while self.next_new < self.peers.len() && self.next_new - self.first_done < SLOW_START {
            let pi = self.next_new;
            self.next_new += 1;
            self.connect(io, pi);
        }
    }

    fn connect<B: Backend>(&mut self, io: &mut B, pi: usize) {
        if self.peers[pi].state != PeerState::Idle {
            return;
        }
        // With a count to reach, never have more attempts counted than can still complete.
        if self.measuring && self.counted_done + self.counted_inflight >= self.quota {
            return;
        }
        match io.connect(self.plan.target, None) {
            Ok(slot) => {
                self.bind(slot, pi);
                let counted = self.measuring;
                self.counted_inflight += u64::from(counted);
                let p = &mut self.peers[pi];
                p.slot = slot;
                p.state = PeerState::Connecting;
                p.started = self.now;
                p.counted = counted;
            }
            Err(e) => {
                let msg = format!("connect to {}: {e}", self.plan.target);
                self.note_error(io, pi, HsError::Connect, msg, false);
            }
        }
    }

    /// The end of an attempt (either way): bookkeeping of the count and the slow start.
    fn attempt_over(&mut self, pi: usize) {
        let p = &mut self.peers[pi];
        if std::mem::take(&mut p.counted) {
            if std::mem::take(&mut p.awaiting) {
                self.counted_awaiting -= 1;
            } else {
                self.counted_inflight -= 1;
            }
        }
        if !p.first_done {
            p.first_done = true;
            self.first_done += 1;
        }
    }

    /// A failed attempt: counted (if it started while measuring), the first message of its
    /// kind kept; the socket is reset and the peer starts again (`retry_at`).
    fn note_error<B: Backend>(
        &mut self,
        io: &mut B,
        pi: usize,
        kind: HsError,
        msg: String,
        open: bool,
    ) {
        if self.peers[pi].counted {
            self.stats.failed(kind);
        }
        self.failures += 1;
        self.end.first_errors[kind as usize].get_or_insert(msg);
        self.attempt_over(pi);
        if kind == HsError::Connect {
            // Parked: `scan` queues it again once `retry_at` has passed.
            let p = &mut self.peers[pi];
            p.state = PeerState::Idle;
            p.tls = None;
            p.retry_at = self.now + RETRY_NS;
            let slot = p.slot;
            if open {
                io.close(slot, true);
            }
            self.unbind(slot, pi);
        } else {
            self.restart(io, pi, open);
        }
    }

    /// Closes the peer's connection (if `open`) with an RST and queues its next attempt.
    fn restart<B: Backend>(&mut self, io: &mut B, pi: usize, open: bool) {
        let p = &mut self.peers[pi];
        let slot = p.slot;
        p.state = PeerState::Idle;
        p.tls = None;
        p.parser.reset();
        p.retry_at = self.now;
        if open {
            io.close(slot, true);
        }
        let queue = !std::mem::replace(&mut p.queued, true);
        self.unbind(slot, pi);
        if queue {
            self.queue.push_back(pi as u32);
        }
    }

    fn scan<B: Backend>(&mut self, io: &mut B, timeout: u64) {
        for pi in 0..self.peers.len() {
            let p = &self.peers[pi];
            match p.state {
                PeerState::Connecting | PeerState::Handshaking
                    if self.now.saturating_sub(p.started) >= timeout =>
                {
                    let msg = format!(
                        "no handshake with {} within {:?}",
                        self.plan.target, self.plan.timeout
                    );
                    self.note_error(io, pi, HsError::Timeout, msg, true);
                }
                PeerState::Finishing if self.now.saturating_sub(p.started) >= timeout => {
                    self.restart(io, pi, true)
                }
                PeerState::Requesting if self.now >= p.deadline => {
                    let msg = format!("no response within {:?}", self.plan.timeout);
                    self.note_error(io, pi, HsError::Request, msg, true);
                }
                PeerState::Lingering if self.now >= p.deadline => {
                    // The server sends no tickets: later handshakes do not wait for them.
                    self.await_tickets = false;
                    self.restart(io, pi, true);
                }
                _ => {}
            }
        }
        // Connect failures wait for their retry time before they are queued again.
        for pi in 0..self.peers.len() {
            let p = &self.peers[pi];
            if p.state == PeerState::Idle && p.first_done && !p.queued && p.retry_at <= self.now {
                self.peers[pi].queued = true;
                self.queue.push_back(pi as u32);
            }
        }
    }

    /// Sends what the last `advance` produced.
    fn flush<B: Backend>(&mut self, io: &mut B, slot: Slot, ack: bool) -> bool {
        if self.out.is_empty() {
            return false;
        }
        io.send_copy(slot, &self.out, ack);
        self.out.clear();
        true
    }

    fn on_event<B: Backend>(&mut self, ev: Completion<'_>, io: &mut B) {
        let slot = match &ev {
            Completion::Connected { slot, .. }
            | Completion::Data { slot, .. }
            | Completion::Closed { slot, .. }
            | Completion::SendFailed { slot, .. }
            | Completion::Sent { slot } => *slot,
            Completion::Accepted { .. } => return,
        };
        let Some(pi) = self.peer_of(slot) else {
            return;
        };
        let state = self.peers[pi].state;
        match ev {
            Completion::Connected { result: Ok(()), .. } => {
                match TlsHandshake::new(self.config.clone(), self.name.clone()) {
                    Ok(h) => {
                        self.peers[pi].tls = Some(h);
                        self.peers[pi].state = PeerState::Handshaking;
                        self.advance(io, pi, &[]);
                    }
                    Err(e) => self.note_error(io, pi, HsError::Handshake, e.to_string(), true),
                }
            }
            Completion::Connected { result: Err(e), .. } => {
                // The backend already released the slot of a failed connect.
                let msg = format!("connect to {}: {e}", self.plan.target);
                self.note_error(io, pi, HsError::Connect, msg, false);
            }
            Completion::Data { data, .. } => match state {
                PeerState::Handshaking => self.advance(io, pi, data),
                PeerState::Requesting => self.respond(io, pi, data),
                PeerState::Lingering => {
                    let p = &mut self.peers[pi];
                    let got = match p.tls.as_mut() {
                        Some(h) => {
                            let r = h.advance(data, &mut self.out);
                            r.is_err() || h.tickets_received() > 0
                        }
                        None => true,
                    };
                    self.out.clear();
                    if got {
                        self.restart(io, pi, true);
                    }
                }
                _ => {}
            },
            Completion::Closed { error, .. } => match state {
                PeerState::Connecting | PeerState::Handshaking => {
                    let (kind, msg) = match error {
                        Some(e) if e.kind() == std::io::ErrorKind::ConnectionReset => (
                            HsError::Reset,
                            format!("the server reset the connection during the handshake ({e})"),
                        ),
                        Some(e) => (HsError::Reset, format!("receive failed: {e}")),
                        None => (
                            HsError::Handshake,
                            "the server closed the connection during the handshake".into(),
                        ),
                    };
                    self.note_error(io, pi, kind, msg, true);
                }
                PeerState::Requesting => match error {
                    None => self.response_over(io, pi),
                    Some(e) => {
                        let msg = format!("receiving the response failed: {e}");
                        self.note_error(io, pi, HsError::Request, msg, true);
                    }
                },
                _ => self.restart(io, pi, true),
            },
            Completion::SendFailed { error: e, .. } => match state {
                PeerState::Connecting | PeerState::Handshaking => {
                    self.note_error(io, pi, HsError::Reset, format!("send failed: {e}"), true)
                }
                PeerState::Requesting => {
                    let msg = format!("sending the request failed: {e}");
                    self.note_error(io, pi, HsError::Request, msg, true);
                }
                _ => self.restart(io, pi, true),
            },
            Completion::Sent { .. } if state == PeerState::Finishing => self.finished(io, pi),
            Completion::Sent { .. } | Completion::Accepted { .. } => {}
        }
    }

    /// Feeds `data` to peer `pi`'s handshake and acts on the outcome.
    fn advance<B: Backend>(&mut self, io: &mut B, pi: usize, data: &[u8]) {
        let slot = self.peers[pi].slot;
        let Some(h) = self.peers[pi].tls.as_mut() else {
            return;
        };
        match h.advance(data, &mut self.out) {
            Ok(Step::NeedData) => {
                self.flush(io, slot, false);
            }
            Ok(Step::Established) => {
                let resumed = h.resumed();
                if self.end.negotiated.is_none() {
                    self.end.negotiated = h.negotiated();
                }
                let p = &self.peers[pi];
                if p.counted {
                    let us = self.now.saturating_sub(p.started) / 1000;
                    self.stats.handshake(us, resumed);
                    self.counted_done += 1;
                }
                self.ever_ok = true;
                if self.plan.request.is_some() {
                    return self.request(io, pi);
                }
                self.attempt_over(pi);
                self.peers[pi].state = PeerState::Finishing;
                // The last flight (TLS 1.3: the client's Finished) goes out before the RST.
                if !self.flush(io, slot, true) {
                    self.finished(io, pi);
                }
            }
            Err(e) => {
                self.out.clear();
                let mut msg = e.to_string();
                if matches!(
                    e,
                    tls::TlsError::Handshake(rustls::Error::InvalidMessage(
                        rustls::InvalidMessage::InvalidContentType
                    ))
                ) {
                    msg.push_str(" (is this a TLS port?)");
                }
                self.note_error(io, pi, HsError::Handshake, msg, true);
            }
        }
    }

    /// `--request`: the established peer sends its request after its last flight (one send)
    /// and waits for the response; its attempt stays open until then.
    fn request<B: Backend>(&mut self, io: &mut B, pi: usize) {
        let (Some(req), p) = (self.plan.request.as_deref(), &mut self.peers[pi]) else {
            return;
        };
        let Some(h) = p.tls.as_mut() else {
            return;
        };
        if let Err(e) = h.encrypt(req, &mut self.out) {
            self.out.clear();
            let msg = format!("cannot encrypt the request: {e}");
            return self.note_error(io, pi, HsError::Request, msg, true);
        }
        if p.counted {
            p.awaiting = true;
            self.counted_inflight -= 1;
            self.counted_awaiting += 1;
        }
        p.state = PeerState::Requesting;
        p.deadline = self.now + ns(self.plan.timeout);
        let slot = p.slot;
        self.flush(io, slot, false);
    }

    /// `--request`: response bytes for peer `pi`; a complete response ends the attempt.
    fn respond<B: Backend>(&mut self, io: &mut B, pi: usize, data: &[u8]) {
        let p = &mut self.peers[pi];
        let Some(h) = p.tls.as_mut() else {
            return;
        };
        self.plain.clear();
        let r = h.advance_into(data, &mut self.out, Some(&mut self.plain));
        self.out.clear();
        if let Err(e) = r {
            let msg = format!("TLS error while reading the response: {e}");
            return self.note_error(io, pi, HsError::Request, msg, true);
        }
        let closed = h.peer_closed();
        match hs_request::feed(&mut p.parser, &self.plain) {
            Ok(Some(status)) => self.answered(io, pi, status),
            Ok(None) if closed => self.response_over(io, pi),
            Ok(None) => {}
            Err(e) => {
                let msg = format!("the response is not valid HTTP/1.1: {e}");
                self.note_error(io, pi, HsError::Request, msg, true);
            }
        }
    }

    /// `--request`: the server ended the stream before a complete response was parsed.
    fn response_over<B: Backend>(&mut self, io: &mut B, pi: usize) {
        match hs_request::eof(&mut self.peers[pi].parser) {
            Ok(status) => self.answered(io, pi, status),
            Err(msg) => self.note_error(io, pi, HsError::Request, msg, true),
        }
    }

    /// `--request`: the response came; counted, then the RST and the next attempt.
    fn answered<B: Backend>(&mut self, io: &mut B, pi: usize, status: u16) {
        if self.peers[pi].counted {
            self.stats.response(status);
        } else {
            self.end.uncounted_responses += 1;
        }
        self.attempt_over(pi);
        self.restart(io, pi, true);
    }

    /// The established peer's last flight is out: wait for tickets, or reset and go again.
    fn finished<B: Backend>(&mut self, io: &mut B, pi: usize) {
        let p = &mut self.peers[pi];
        let wait = self.plan.tls.tickets
            && self.await_tickets
            && p.tls
                .as_ref()
                .is_some_and(|h| h.is_tls13() && h.tickets_received() == 0);
        if wait {
            p.state = PeerState::Lingering;
            p.deadline = self.now + TICKET_WAIT_NS;
        } else {
            self.restart(io, pi, true);
        }
    }
}

/// This thread's CPU time so far (user + sys).
fn thread_cpu_s() -> f64 {
    let (user, sys, _) = crate::ring::sys::rusage(true);
    user + sys
}
