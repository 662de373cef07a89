//! The client worker: opens its share of the connections (a bounded number of connects in
//! flight), keeps `pipeline` requests in flight on each, parses responses as they arrive,
//! times them, and reconnects after any error. At the end it stops sending, waits for the
//! responses still owed (so counts match the server's), and closes.
//!
//! One loop serves every combination of settings; the backend is a type parameter, so the
//! io_uring and epoll paths run the same code.

mod conns;
mod h2;
mod mix;
mod pacing;
mod session;
mod sink;

use super::clock::{ns, thread_cpu_s, Clock};
use super::schedule::Schedule;
use super::{Report, Workload};
use crate::plan::LoadPlan;
use crate::proto::h1::ResponseParser;
use crate::ring::{Backend, Slot};
use crate::stats::{ErrorKind, Snapshot, Stats, WorkerEnd};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const NO_CONN: u32 = u32::MAX;
const MAX_WAIT: Duration = Duration::from_millis(50);
/// Completions waited for in one kernel entry at most.
const MAX_BATCH: usize = 256;
/// Longest a worker lets completions gather, however slow responses are.
const MAX_BATCH_WAIT: Duration = Duration::from_millis(5);
const RETRY_MIN_MS: u32 = 1;
const RETRY_MAX_MS: u32 = 1000;

/// Everything a client worker needs.
pub struct ClientSetup {
    pub worker: usize,
    /// Connections this worker owns.
    pub conns: u32,
    /// Index of this worker's first connection among all (spreads source addresses).
    pub first_conn: u32,
    /// Responses this worker stops after (its share of `StopCondition::responses`).
    pub quota: Option<u64>,
    pub plan: Arc<LoadPlan>,
    pub stop: Arc<AtomicBool>,
}

impl Workload for ClientSetup {
    type Measure = Snapshot;

    fn run<B: Backend>(
        self,
        io: B,
        clock: Clock,
        report: &mut Report<Snapshot>,
    ) -> (WorkerEnd, Snapshot) {
        run(io, &self, clock, report)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ConnState {
    /// Not connected; (re)connects when `retry_at` has passed and the connect window allows.
    Waiting,
    Connecting,
    /// TCP is up; the TLS handshake is in progress.
    Handshaking,
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
    /// Position in the mix's sequence (`MixOrder::Sequence`); back to 0 on reconnect.
    seq: u32,
    /// Cookie replay: the cookies this connection's responses set, as the `Cookie` field's
    /// value (`a=1; b=2`), and as (name, value) pairs. Emptied on reconnect.
    cookie: Vec<u8>,
    jar: Vec<(Vec<u8>, Vec<u8>)>,
    ever_connected: bool,
    /// TLS session (https:// targets); None on plain TCP.
    tls: Option<Box<crate::proto::tls::TlsClientConn>>,
    /// HTTP/2 session; None on HTTP/1.1 (and before the connection is up).
    h2: Option<Box<crate::proto::h2::H2Client>>,
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
    /// The requests this worker sends, registered with the backend, and how it picks them.
    entries: Vec<mix::EntryWire>,
    picker: mix::Picker,
    /// The mix entry of each request in flight (same layout as `times`).
    entry_of: Vec<u16>,
    /// Cookie replay is on (the mix asks for it).
    cookies: bool,
    /// Where a request with a `Cookie` field is put together before `send_copy`.
    scratch: Vec<u8>,
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
    /// TLS: this worker's client configuration (its own session cache) and server name.
    tls: Option<session::TlsSetup>,
    /// TLS: what the first handshake negotiated.
    tls_negotiated: Option<String>,
    /// Bytes to send on a wrapped (TLS) connection, and what TLS decrypted, reused.
    wire_out: Vec<u8>,
    plain_in: Vec<u8>,
    /// Requests put together before TLS encrypts them, reused.
    plain_out: Vec<u8>,
    /// HTTP/2: the requests as HTTP/2 and the connection settings; None on HTTP/1.1.
    h2: Option<h2::H2Setup>,
    /// HTTP/2 frames a feed answers with (acks, window updates, queued bodies), reused.
    h2_out: Vec<u8>,
}

fn run<B: Backend>(
    mut io: B,
    setup: &ClientSetup,
    clock: Clock,
    report: &mut Report<Snapshot>,
) -> (WorkerEnd, Snapshot) {
    let plan = &*setup.plan;
    let pipeline = plan.pipeline.max(1);
    let entries = mix::register(&mut io, &plan.requests, pipeline)
        .expect("the plan refuses a mix larger than a backend holds");
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
                seq: 0,
                cookie: Vec::new(),
                jar: Vec::new(),
                ever_connected: false,
                tls: None,
                h2: None,
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
        entries,
        picker: mix::Picker::new(&plan.requests),
        entry_of: vec![0; n * pipeline as usize],
        cookies: plan.requests.cookies,
        scratch: Vec::new(),
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
        tls: None,
        tls_negotiated: None,
        wire_out: Vec::new(),
        plain_in: Vec::new(),
        plain_out: Vec::new(),
        h2: None,
        h2_out: Vec::new(),
    };
    match h2::H2Setup::new(plan) {
        Ok(h) => st.h2 = h,
        Err(e) => {
            st.first_connect_error = Some(format!("HTTP/2 request: {e}"));
            st.begin_drain();
        }
    }
    match session::TlsSetup::new(plan) {
        Ok(t) => st.tls = t,
        Err(e) => {
            // Checked when the plan was made; a failure here still ends the worker cleanly.
            st.first_connect_error = Some(format!("TLS settings: {e}"));
            st.begin_drain();
        }
    }
    let warmup = ns(plan.warmup);
    let load_end = warmup.saturating_add(ns(plan.stop.duration));
    let interval = ns(plan.interval).max(1_000_000);
    let scan_every = (ns(plan.timeout) / 10).clamp(5_000_000, 100_000_000);
    let mut next_interval = warmup + interval;
    let mut warm_cpu_s = 0.0;
    let mut next_scan = scan_every;
    let mut drain_deadline = u64::MAX;
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
            report.interval(snapshot);
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
        tls_negotiated: st.tls_negotiated.take(),
    };
    (end, st.stats.take_snapshot())
}
