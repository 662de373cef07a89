//! The handshake worker (tls-perf's loop on the engine's backend): each peer connects, runs a
//! TLS handshake through `proto::tls`, sends its last flight, closes with an RST and starts
//! again. A slow start lets at most `SLOW_START` peers begin their first attempt at once and
//! counts nothing until every peer has finished one; then handshakes, errors and latencies are
//! counted per interval until the duration, the handshake count or a stop signal ends the run.
//! In-flight attempts at the end are dropped with the backend (like tls-perf). With
//! `--request` an established peer sends one HTTP/1.1 request and reads the response
//! (`request`) before its RST; its attempt ends then, so `-n` waits for those responses.
//!
//! This file holds the loop and the peers' bookkeeping (start, retry, timeouts); `events`
//! drives a peer's handshake from the backend's completions; `request` is `--request`.

mod events;
mod request;

use super::clock::{ns, thread_cpu_s, Clock};
use super::{Report, Workload};
use crate::plan::HandshakePlan;
use crate::proto::h1::ResponseParser;
use crate::proto::tls::TlsHandshake;
use crate::ring::{Backend, Slot};
use crate::stats::handshake::{HsEnd, HsError, HsSnapshot};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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

/// Everything a handshake worker needs.
pub struct HandshakeSetup {
    pub conns: u32,
    /// Handshakes this worker stops after (its share of the plan's count).
    pub quota: Option<u64>,
    pub plan: Arc<HandshakePlan>,
    /// This worker's client configuration (its own session cache) and the server name.
    pub tls: (Arc<ClientConfig>, ServerName<'static>),
    pub stop: Arc<AtomicBool>,
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

impl Workload for HandshakeSetup {
    type Measure = HsSnapshot;

    fn run<B: Backend>(
        self,
        mut io: B,
        clock: Clock,
        report: &mut Report<HsSnapshot>,
    ) -> (HsEnd, HsSnapshot) {
        let plan = &*self.plan;
        let (config, name) = self.tls.clone();
        let n = self.conns as usize;
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
            quota: self.quota.unwrap_or(u64::MAX),
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
            if self.stop.load(Ordering::Relaxed)
                || (w.measuring
                    && (w.now >= end_at || (w.counted_done >= w.quota && !w.requesting())))
            {
                break;
            }
            if w.now >= next_interval {
                let mut snapshot = w.stats.take();
                snapshot.in_progress = w.in_progress();
                report.interval(snapshot);
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
}
