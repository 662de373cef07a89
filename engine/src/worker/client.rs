//! The client worker: opens its share of the connections (a bounded number of connects in
//! flight), keeps `pipeline` requests in flight on each, parses responses as they arrive,
//! times them, and reconnects after any error. At the end it stops sending, waits for the
//! responses still owed (so counts match the server's), and closes.
//!
//! One loop serves every combination of settings; the backend is a type parameter, so the
//! io_uring and epoll paths run the same code.

use super::clock::{ns, Clock};
use super::schedule::Schedule;
use super::{make_backend, AnyBackend, WorkerEnd, WorkerMsg};
use crate::plan::LoadPlan;
use crate::proto::h1::{ResponseDone, ResponseParser, ResponseSink};
use crate::ring::uring::UringConfig;
use crate::ring::{Backend, Completion, PayloadId, Slot};
use crate::stats::{ErrorKind, Stats};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NO_CONN: u32 = u32::MAX;
const MAX_WAIT: Duration = Duration::from_millis(50);
/// Completions waited for in one kernel entry at most.
const MAX_BATCH: usize = 256;
/// Longest a worker lets completions gather, however slow responses are.
const MAX_BATCH_WAIT: Duration = Duration::from_millis(5);
const RETRY_MIN_MS: u32 = 1;
const RETRY_MAX_MS: u32 = 1000;

/// Everything a client worker thread needs.
pub struct ClientSetup {
    pub worker: usize,
    pub cpu: usize,
    /// Connections this worker owns.
    pub conns: u32,
    /// Index of this worker's first connection among all (spreads source addresses).
    pub first_conn: u32,
    /// Responses this worker stops after (its share of `StopCondition::responses`).
    pub quota: Option<u64>,
    pub plan: Arc<LoadPlan>,
    pub uring: UringConfig,
    pub stop: Arc<AtomicBool>,
    pub tx: Sender<WorkerMsg>,
    /// The coordinator sends the common start instant (None: abort).
    pub start: Receiver<Option<Instant>>,
}

/// Thread body: pin, set up the backend, report, wait for the start, run.
pub fn client_thread(setup: ClientSetup) {
    let pinned = core_affinity::set_for_current(core_affinity::CoreId { id: setup.cpu });
    if !pinned {
        let reason = format!("could not pin to CPU {}", setup.cpu);
        let _ = setup.tx.send(WorkerMsg::Failed {
            worker: setup.worker,
            reason,
        });
        return;
    }
    let (backend, io) = match make_backend(setup.plan.io, &setup.uring) {
        Ok(b) => b,
        Err(e) => {
            let reason = format!("no I/O backend: {e}");
            let _ = setup.tx.send(WorkerMsg::Failed {
                worker: setup.worker,
                reason,
            });
            return;
        }
    };
    let _ = setup.tx.send(WorkerMsg::Ready {
        worker: setup.worker,
        io,
    });
    let Ok(Some(start)) = setup.start.recv() else {
        return;
    };
    let clock = Clock::new(start);
    let (end, snapshot_rest) = match backend {
        AnyBackend::Uring(b) => run(b, &setup, clock),
        AnyBackend::Epoll(b) => run(b, &setup, clock),
    };
    let _ = setup.tx.send(WorkerMsg::Done {
        worker: setup.worker,
        end,
        snapshot: snapshot_rest,
    });
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ConnState {
    /// Not connected; (re)connects when `retry_at` has passed and the connect window allows.
    Waiting,
    Connecting,
    Open,
}

struct Conn {
    slot: Slot,
    state: ConnState,
    parser: ResponseParser,
    inflight: u32,
    /// Index (within this connection's ring of send times) of the oldest request in flight.
    ts_head: u32,
    retry_at: u64,
    retry_ms: u32,
    connect_started: u64,
    /// Counted in `State::ramping`.
    ramping: bool,
    queued: bool,
    /// Open loop: in `State::free` (may take another request).
    free: bool,
    ever_connected: bool,
}

struct State<'a> {
    plan: &'a LoadPlan,
    conns: Vec<Conn>,
    by_slot: Vec<u32>,
    /// Send times, `pipeline` per connection.
    times: Vec<u64>,
    /// Open loop: the intended send times of the same requests.
    intended: Vec<u64>,
    /// Open loop: the send schedule (set when the ramp of connects is done).
    schedule: Option<Schedule>,
    /// Open loop: connections that may take another request, least recently used first.
    free: VecDeque<u32>,
    open_loop: bool,
    /// Closed-loop ramp-up: connection `i` first opens at `ramp_up * i / conns`.
    ramp_up: u64,
    /// Past the warmup: what happens is counted.
    measuring: bool,
    /// Open loop: requests due by the end of the load that were never sent.
    unsent: u64,
    pipeline: u32,
    req_len: usize,
    payload: PayloadId,
    head_request: bool,
    stats: Stats,
    connect_queue: VecDeque<u32>,
    /// Connections opened whose first response has not arrived: the connect window bounds
    /// these, not just handshakes in flight, because a handshake completes in the kernel
    /// before the target accepts; counting until the first response keeps the target's
    /// accept queue from overflowing (dropped ACKs turn into multi-second retransmits).
    ramping: u32,
    inflight_total: u64,
    draining: bool,
    /// Ramp phase: every new connection sends one request and, once answered, holds until
    /// all of this worker's connections are answered once. A busy target accepts slowly (nginx
    /// takes one connection per event-loop turn), so loading it while connections are still
    /// queued for accept would starve them into timeouts.
    ramp_done: bool,
    held: Vec<u32>,
    /// Responses so far (over the whole run) and the most this worker may get.
    answered: u64,
    quota: u64,
    now: u64,
    established: u32,
    first_connect_error: Option<String>,
    source_next: usize,
}

struct Sink<'s> {
    stats: &'s mut Stats,
    times: &'s [u64],
    intended: &'s [u64],
    open_loop: bool,
    pipeline: u32,
    ts_head: &'s mut u32,
    inflight: &'s mut u32,
    now: u64,
    head: bool,
    done: u32,
    close: bool,
    unsolicited: bool,
}

impl ResponseSink for Sink<'_> {
    fn next_is_head(&mut self) -> bool {
        self.head
    }

    fn response(&mut self, d: ResponseDone) -> bool {
        if *self.inflight == 0 {
            self.unsolicited = true;
            return false;
        }
        let i = *self.ts_head as usize;
        let sent = self.times[i];
        *self.ts_head = (*self.ts_head + 1) % self.pipeline;
        *self.inflight -= 1;
        let uncorrected = self.now.saturating_sub(sent) / 1000;
        if self.open_loop {
            let corrected = self.now.saturating_sub(self.intended[i]) / 1000;
            self.stats
                .response_open_loop(d.status, corrected, uncorrected);
        } else {
            self.stats.response(d.status, uncorrected);
        }
        self.done += 1;
        if d.close {
            self.close = true;
            return false;
        }
        true
    }
}

fn run<B: Backend>(
    mut io: B,
    setup: &ClientSetup,
    clock: Clock,
) -> (WorkerEnd, crate::stats::Snapshot) {
    let plan = &*setup.plan;
    let pipeline = plan.pipeline.max(1);
    let req_len = plan.request.wire.len();
    let mut wire = Vec::with_capacity(req_len * pipeline as usize);
    for _ in 0..pipeline {
        wire.extend_from_slice(&plan.request.wire);
    }
    let payload = io.register_payload(wire.into());
    let n = setup.conns as usize;
    let mut st = State {
        plan,
        conns: (0..n)
            .map(|_| Conn {
                slot: 0,
                state: ConnState::Waiting,
                parser: ResponseParser::new(),
                inflight: 0,
                ts_head: 0,
                retry_at: 0,
                retry_ms: RETRY_MIN_MS,
                connect_started: 0,
                ramping: false,
                queued: true,
                free: false,
                ever_connected: false,
            })
            .collect(),
        by_slot: Vec::with_capacity(n),
        times: vec![0; n * pipeline as usize],
        intended: vec![0; n * pipeline as usize],
        schedule: None,
        free: VecDeque::with_capacity(n),
        open_loop: plan.pacing.rate().is_some(),
        ramp_up: ns(plan.ramp_up),
        measuring: plan.warmup.is_zero(),
        unsent: 0,
        pipeline,
        req_len,
        payload,
        head_request: plan.request.head,
        stats: Stats::new(),
        connect_queue: (0..n as u32).collect(),
        ramping: 0,
        inflight_total: 0,
        draining: false,
        ramp_done: false,
        held: Vec::new(),
        answered: 0,
        quota: setup.quota.unwrap_or(u64::MAX),
        now: 0,
        established: 0,
        first_connect_error: None,
        source_next: setup.first_conn as usize,
    };
    let warmup = ns(plan.warmup);
    let load_end = warmup.saturating_add(ns(plan.stop.duration));
    let interval = ns(plan.interval).max(1_000_000);
    let scan_every = (ns(plan.timeout) / 10).clamp(5_000_000, 100_000_000);
    let mut next_interval = warmup + interval;
    let mut warm_cpu_s = 0.0;
    let mut next_scan = scan_every;
    let mut drain_deadline = u64::MAX;
    let mut seq = 0usize;
    let min_batch_wait = plan.pacing.batch_wait();
    let mut batch_wait = min_batch_wait;
    // A ramp that has not finished by half the run is ended: the load starts regardless.
    let ramp_end = load_end / 2;
    // A closed-loop ramp-up opens connections one after another: no hold for the others.
    if st.ramp_up > 0 && !st.open_loop {
        st.ramp_done = true;
    }

    loop {
        st.now = clock.now_ns();
        if !st.measuring && st.now >= warmup {
            // The warmup is over: forget what it measured; counts start now.
            st.measuring = true;
            st.stats.take_snapshot();
            st.answered = 0;
            warm_cpu_s = thread_cpu_s();
            next_interval = warmup + interval;
        }
        let counted = st.measuring && st.answered >= st.quota;
        if !st.draining && (counted || st.now >= load_end || setup.stop.load(Ordering::Relaxed)) {
            if let Some(s) = &st.schedule {
                st.unsent = s.due_before(st.now.min(load_end)).saturating_sub(s.sent());
            }
            st.begin_drain();
            // Responses owed are waited for up to the request timeout; an interrupted run
            // waits at most a second so a signal stops it promptly.
            let interrupted = setup.stop.load(Ordering::Relaxed);
            let wait = if interrupted {
                plan.timeout.min(Duration::from_secs(1))
            } else {
                plan.timeout
            };
            drain_deadline = st.now + ns(wait);
        }
        if st.draining && (st.inflight_total == 0 || st.now >= drain_deadline) {
            break;
        }
        if st.now >= next_interval {
            // When responses take long (many connections, a slow target), batches may gather
            // longer: up to 2 % of the mean latency, at most 5 ms, never below the asked wait.
            if !min_batch_wait.is_zero() {
                let mean_us = st.stats.interval_latency_mean_us();
                let scaled = Duration::from_micros((mean_us * 0.02) as u64).min(MAX_BATCH_WAIT);
                batch_wait = scaled.max(min_batch_wait);
            }
            let snapshot = st.stats.take_snapshot();
            let _ = setup.tx.send(WorkerMsg::Interval {
                worker: setup.worker,
                seq,
                snapshot,
            });
            seq += 1;
            next_interval += interval;
        }
        if st.now >= next_scan {
            st.scan(&mut io);
            next_scan = st.now + scan_every;
        }
        st.start_connects(&mut io);
        if !st.ramp_done && ((st.ramping == 0 && st.connect_queue.is_empty()) || st.now >= ramp_end)
        {
            st.finish_ramp(&mut io, setup);
        }
        st.pump(&mut io, load_end);

        let mut deadline = next_interval.min(next_scan);
        deadline = deadline.min(if st.draining {
            drain_deadline
        } else {
            load_end
        });
        if !st.measuring {
            deadline = deadline.min(warmup);
        }
        if let Some(t) = st.next_wakeup() {
            deadline = deadline.min(t);
        }
        let timeout = Duration::from_nanos(deadline.saturating_sub(st.now)).min(MAX_WAIT);
        // Closed loop: let up to half of what is in flight complete before waking.
        let want = if st.draining || batch_wait.is_zero() {
            1
        } else {
            (st.inflight_total as usize / 2).clamp(1, MAX_BATCH)
        };
        if let Err(e) = io.wait(want, batch_wait, timeout) {
            // A broken ring cannot recover; report it as a read failure and stop.
            st.stats.error(ErrorKind::Read);
            st.first_connect_error
                .get_or_insert_with(|| format!("I/O wait failed: {e}"));
            break;
        }
        st.now = clock.now_ns();
        io.drain(|ev, io| st.on_event(ev, io));
    }

    let unanswered = st.inflight_total;
    // Connections still open are closed when the backend is dropped (one close each; the
    // ring's teardown releases what its operations held), not one by one here.
    let end = WorkerEnd {
        established: st.established,
        unanswered,
        unsent: st.unsent,
        cpu_s: (thread_cpu_s() - warm_cpu_s).max(0.0),
        end_ns: clock.now_ns(),
        first_connect_error: st.first_connect_error.take(),
    };
    (end, st.stats.take_snapshot())
}

/// This thread's CPU time so far (user + sys).
fn thread_cpu_s() -> f64 {
    let (user, sys, _) = crate::ring::sys::rusage(true);
    user + sys
}

impl State<'_> {
    fn slot_conn(&self, slot: Slot) -> Option<usize> {
        match self.by_slot.get(slot as usize) {
            Some(&ci) if ci != NO_CONN => Some(ci as usize),
            _ => None,
        }
    }

    fn bind_slot(&mut self, slot: Slot, ci: usize) {
        let s = slot as usize;
        if self.by_slot.len() <= s {
            self.by_slot.resize(s + 1, NO_CONN);
        }
        self.by_slot[s] = ci as u32;
    }

    fn unbind_slot(&mut self, slot: Slot) {
        if let Some(x) = self.by_slot.get_mut(slot as usize) {
            *x = NO_CONN;
        }
    }

    fn start_connects<B: Backend>(&mut self, io: &mut B) {
        if self.draining {
            return;
        }
        let window = self.plan.connect_window.max(1);
        while self.ramping < window {
            let Some(&front) = self.connect_queue.front() else {
                break;
            };
            if self.opens_later(front as usize) {
                break;
            }
            self.connect_queue.pop_front();
            let ci = front as usize;
            self.conns[ci].queued = false;
            if self.conns[ci].state != ConnState::Waiting {
                continue;
            }
            let source = if self.plan.source_addrs.is_empty() {
                None
            } else {
                let a: IpAddr =
                    self.plan.source_addrs[self.source_next % self.plan.source_addrs.len()];
                self.source_next += 1;
                Some(a)
            };
            match io.connect(self.plan.target, source) {
                Ok(slot) => {
                    self.bind_slot(slot, ci);
                    let c = &mut self.conns[ci];
                    c.slot = slot;
                    c.state = ConnState::Connecting;
                    c.connect_started = self.now;
                    c.ramping = true;
                    self.ramping += 1;
                }
                Err(e) => {
                    self.connect_failed(ci, &e);
                }
            }
        }
    }

    /// Closed-loop ramp-up: connection `ci` has not connected yet and its turn has not come.
    fn opens_later(&self, ci: usize) -> bool {
        self.ramp_up > 0
            && !self.open_loop
            && !self.conns[ci].ever_connected
            && self.open_at(ci) > self.now
    }

    fn open_at(&self, ci: usize) -> u64 {
        (self.ramp_up as u128 * ci as u128 / self.conns.len().max(1) as u128) as u64
    }

    /// When the loop must wake for pacing: the next request due (open loop, unless no
    /// connection can take it: then completions wake the loop), or the next connection's turn
    /// to open (closed-loop ramp-up).
    fn next_wakeup(&self) -> Option<u64> {
        if self.draining {
            return None;
        }
        if let Some(s) = &self.schedule {
            let due = s.next_due();
            if due > self.now || !self.free.is_empty() {
                return Some(due);
            }
            return None;
        }
        match self.connect_queue.front() {
            Some(&ci) if self.opens_later(ci as usize) => Some(self.open_at(ci as usize)),
            _ => None,
        }
    }

    /// Open loop: sends every request that is due, each on the least recently used connection
    /// that can take one; what cannot go out yet is schedule lag.
    fn pump<B: Backend>(&mut self, io: &mut B, load_end: u64) {
        if self.draining {
            return;
        }
        let Some(mut sched) = self.schedule.take() else {
            return;
        };
        loop {
            let due = sched.next_due();
            if due > self.now || due >= load_end {
                break;
            }
            let Some(ci) = self.pop_free() else {
                self.stats.lag(self.now - due);
                break;
            };
            sched.advance();
            self.stats.sent_behind(self.now - due);
            self.stats.lag(self.now - due);
            self.send_requests(io, ci, 1, Some(due));
            self.mark_free(ci);
        }
        self.schedule = Some(sched);
    }

    /// Open loop: the next connection that can take a request.
    fn pop_free(&mut self) -> Option<usize> {
        while let Some(ci) = self.free.pop_front() {
            let c = &mut self.conns[ci as usize];
            c.free = false;
            if c.state == ConnState::Open && c.inflight < self.pipeline {
                return Some(ci as usize);
            }
        }
        None
    }

    /// Open loop: connection `ci` may take another request (if it can).
    fn mark_free(&mut self, ci: usize) {
        let c = &mut self.conns[ci];
        if self.open_loop
            && !c.free
            && !self.draining
            && c.state == ConnState::Open
            && c.inflight < self.pipeline
        {
            c.free = true;
            self.free.push_back(ci as u32);
        }
    }

    /// Connection `ci` no longer counts against the connect window.
    fn ramped(&mut self, ci: usize) {
        if std::mem::take(&mut self.conns[ci].ramping) {
            self.ramping -= 1;
        }
    }

    fn connect_failed(&mut self, ci: usize, e: &std::io::Error) {
        self.stats.error(ErrorKind::Connect);
        if self.first_connect_error.is_none() {
            self.first_connect_error = Some(format!("connect to {}: {e}", self.plan.target));
        }
        self.retry_later(ci);
    }

    /// Parks a connection until its backoff passes (doubling, 1 ms to 1 s).
    fn retry_later(&mut self, ci: usize) {
        let c = &mut self.conns[ci];
        c.state = ConnState::Waiting;
        c.retry_at = self.now + c.retry_ms as u64 * 1_000_000;
        c.retry_ms = (c.retry_ms * 2).min(RETRY_MAX_MS);
    }

    fn queue_connect(&mut self, ci: usize) {
        let c = &mut self.conns[ci];
        if !c.queued && !self.draining {
            c.queued = true;
            self.connect_queue.push_back(ci as u32);
        }
    }

    /// Closes connection `ci` and, unless draining, opens it again (at once, or after a
    /// backoff when `backoff`).
    fn drop_conn<B: Backend>(&mut self, io: &mut B, ci: usize, backoff: bool) {
        let slot = self.conns[ci].slot;
        self.ramped(ci);
        if self.conns[ci].state != ConnState::Waiting {
            io.close(slot, false);
            self.unbind_slot(slot);
        }
        let c = &mut self.conns[ci];
        self.inflight_total -= c.inflight as u64;
        c.inflight = 0;
        c.ts_head = 0;
        c.parser.reset();
        c.state = ConnState::Waiting;
        if backoff {
            self.retry_later(ci);
        } else {
            self.conns[ci].retry_at = 0;
            self.queue_connect(ci);
        }
    }

    /// Sends `k` requests on connection `ci`, due at `intended` (open loop) or now.
    fn send_requests<B: Backend>(&mut self, io: &mut B, ci: usize, k: u32, intended: Option<u64>) {
        // With a response count to reach, never have more asked than can still be answered.
        let left = if self.measuring {
            self.quota
                .saturating_sub(self.answered + self.inflight_total)
        } else {
            u64::MAX
        };
        let k = (k as u64).min(left) as u32;
        if k == 0 {
            return;
        }
        let p = self.pipeline;
        let base = ci * p as usize;
        let c = &mut self.conns[ci];
        for j in 0..k {
            let idx = base + ((c.ts_head + c.inflight + j) % p) as usize;
            self.times[idx] = self.now;
            self.intended[idx] = intended.unwrap_or(self.now);
        }
        c.inflight += k;
        self.inflight_total += k as u64;
        let bytes = k as usize * self.req_len;
        io.send(c.slot, self.payload, 0, bytes, false);
        self.stats.requests_sent(k as u64, bytes as u64);
    }

    /// Ends the ramp phase: held connections start their full load; an open-loop schedule
    /// starts now.
    fn finish_ramp<B: Backend>(&mut self, io: &mut B, setup: &ClientSetup) {
        self.ramp_done = true;
        if self.draining {
            self.held.clear();
            return;
        }
        if let Some(rate) = self.plan.pacing.rate() {
            self.schedule = Some(Schedule::new(
                rate,
                self.plan.cpus.len(),
                setup.worker,
                self.now,
                self.ramp_up,
            ));
            return;
        }
        for ci in std::mem::take(&mut self.held) {
            let c = &self.conns[ci as usize];
            if c.state == ConnState::Open && c.inflight == 0 {
                self.send_requests(io, ci as usize, self.pipeline, None);
            }
        }
    }

    /// Stops sending. Connections stay open until the backend is dropped at the end (closing
    /// thousands one by one would cost system calls the run does not need).
    fn begin_drain(&mut self) {
        self.draining = true;
        self.connect_queue.clear();
    }

    /// Timeouts of requests and connects; connections whose backoff has passed.
    fn scan<B: Backend>(&mut self, io: &mut B) {
        let timeout = ns(self.plan.timeout);
        for ci in 0..self.conns.len() {
            let c = &self.conns[ci];
            match c.state {
                ConnState::Open if c.inflight > 0 => {
                    let oldest = self.times[ci * self.pipeline as usize + c.ts_head as usize];
                    if self.now.saturating_sub(oldest) >= timeout {
                        self.stats.error(ErrorKind::Timeout);
                        self.drop_conn(io, ci, false);
                    }
                }
                ConnState::Connecting if self.now.saturating_sub(c.connect_started) >= timeout => {
                    self.stats.error(ErrorKind::Connect);
                    if self.first_connect_error.is_none() {
                        self.first_connect_error =
                            Some(format!("connect to {}: timed out", self.plan.target));
                    }
                    self.drop_conn(io, ci, true);
                }
                ConnState::Waiting if !c.queued && c.retry_at <= self.now => self.queue_connect(ci),
                _ => {}
            }
        }
    }

    fn on_event<B: Backend>(&mut self, ev: Completion<'_>, io: &mut B) {
        match ev {
            Completion::Data { slot, data } => self.on_data(io, slot, data),
            Completion::Connected { slot, result } => {
                let Some(ci) = self.slot_conn(slot) else {
                    return;
                };
                match result {
                    Ok(()) => {
                        self.stats.connected();
                        let c = &mut self.conns[ci];
                        c.state = ConnState::Open;
                        c.retry_ms = RETRY_MIN_MS;
                        if !c.ever_connected {
                            c.ever_connected = true;
                            self.established += 1;
                        }
                        if self.open_loop {
                            // Requests go out on the schedule; the connection is ramped.
                            self.ramped(ci);
                            self.mark_free(ci);
                        } else if !self.draining {
                            let k = if self.ramp_done { self.pipeline } else { 1 };
                            self.send_requests(io, ci, k, None);
                        }
                    }
                    Err(e) => {
                        // The backend already released the slot of a failed connect.
                        self.unbind_slot(slot);
                        self.ramped(ci);
                        self.conns[ci].state = ConnState::Waiting;
                        self.connect_failed(ci, &e);
                    }
                }
            }
            Completion::Closed { slot, error } => {
                let Some(ci) = self.slot_conn(slot) else {
                    return;
                };
                let eof = {
                    let c = &mut self.conns[ci];
                    c.parser.eof()
                };
                let mut failed = error.is_some() && self.conns[ci].inflight > 0;
                match eof {
                    Ok(Some(done)) => {
                        self.complete_at_eof(ci, done);
                    }
                    Ok(None) => failed |= self.conns[ci].inflight > 0,
                    Err(_) => failed = true,
                }
                if failed {
                    self.stats.error(ErrorKind::Read);
                }
                self.drop_conn(io, ci, failed);
            }
            Completion::SendFailed { slot, .. } => {
                let Some(ci) = self.slot_conn(slot) else {
                    return;
                };
                self.stats.error(ErrorKind::Write);
                self.drop_conn(io, ci, true);
            }
            Completion::Sent { .. } | Completion::Accepted { .. } => {}
        }
    }

    /// Runs `f` with connection `ci`'s parser and a sink that times and counts its responses;
    /// returns what `f` returned and what the sink saw (responses, close, unsolicited).
    fn with_sink<R>(
        &mut self,
        ci: usize,
        f: impl FnOnce(&mut ResponseParser, &mut Sink<'_>) -> R,
    ) -> (R, u32, bool, bool) {
        let base = ci * self.pipeline as usize;
        let c = &mut self.conns[ci];
        let mut sink = Sink {
            stats: &mut self.stats,
            times: &self.times[base..base + self.pipeline as usize],
            intended: &self.intended[base..base + self.pipeline as usize],
            open_loop: self.open_loop,
            pipeline: self.pipeline,
            ts_head: &mut c.ts_head,
            inflight: &mut c.inflight,
            now: self.now,
            head: self.head_request,
            done: 0,
            close: false,
            unsolicited: false,
        };
        let r = f(&mut c.parser, &mut sink);
        let seen = (sink.done, sink.close, sink.unsolicited);
        self.inflight_total -= seen.0 as u64;
        self.answered += seen.0 as u64;
        (r, seen.0, seen.1, seen.2)
    }

    fn complete_at_eof(&mut self, ci: usize, done: ResponseDone) {
        self.with_sink(ci, |_, sink| sink.response(done));
    }

    fn on_data<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let Some(ci) = self.slot_conn(slot) else {
            return;
        };
        self.stats.bytes_read(data.len() as u64);
        let (parsed, done, close, unsolicited) =
            self.with_sink(ci, |parser, sink| parser.feed(data, sink));
        if done > 0 {
            self.ramped(ci);
        }
        if parsed.is_err() || unsolicited {
            self.stats.error(ErrorKind::Parse);
            self.drop_conn(io, ci, true);
            return;
        }
        if close {
            if self.conns[ci].inflight > 0 {
                // The server closed with pipelined requests still unanswered.
                self.stats.error(ErrorKind::Read);
            }
            self.drop_conn(io, ci, false);
            return;
        }
        if self.open_loop {
            if done > 0 {
                self.mark_free(ci);
            }
        } else if !self.draining {
            if self.ramp_done {
                self.send_requests(io, ci, done, None);
            } else if self.conns[ci].inflight == 0 {
                self.held.push(ci as u32);
            }
        }
    }
}
