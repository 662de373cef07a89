//! The client worker: opens its share of the connections (a bounded number of connects in
//! flight), keeps `pipeline` requests in flight on each, parses responses as they arrive,
//! times them, and reconnects after any error. At the end it stops sending, waits for the
//! responses still owed (so counts match the server's), and closes.
//!
//! One loop serves every combination of settings by calling separate parts: the pacing
//! (`pacing.rs`: closed loop or fixed rate), the stop condition (`stop.rs`), each
//! connection's protocol (`proto.rs`, `h1.rs`, `h2.rs`) over its transport (`session.rs`:
//! plain or TLS), the request source (`source.rs`, `mix.rs`), the request script if the
//! plan has one (`script.rs`), and the one place latency is recorded (`timing.rs`). Each
//! is an enum or a plain type, statically dispatched; the backend is a type parameter, so
//! the io_uring and epoll paths run the same code.
//!
//! Layers, so no file imports one that imports it back: the components above import none
//! of the loop; what a protocol is handed and hands back (`cx.rs`) is a leaf they share;
//! `state.rs` holds the loop-level `State`, `Conn` and `Bufs` built from the components'
//! types; the loop is this file (`run`), `conns.rs` (the connection table: connects,
//! backoff, timeouts, completions), `exchange.rs` (starting the transport and protocol,
//! sending, settling feeds) and `batch.rs` (a script's batches and delays), which implement
//! `State` and are imported by nothing. A component gets the pieces it works with
//! (`State::parts`), never the `State`.

mod batch;
mod conns;
mod cx;
mod exchange;
mod h1;
mod h2;
mod mix;
mod pacing;
mod proto;
mod script;
mod session;
mod source;
mod state;
mod stop;
mod timing;

use super::clock::{ns, thread_cpu_s, Clock};
use super::{Report, Workload};
use crate::plan::LoadPlan;
use crate::ring::Backend;
use crate::stats::{ErrorKind, Snapshot, Stats, WorkerEnd};
use pacing::Pacing;
use script::Scripted;
use session::TlsSetup;
use source::RequestSource;
use state::{Bufs, Conn, ConnState, State};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use stop::Stop;
use timing::Timings;

const MAX_WAIT: Duration = Duration::from_millis(50);
/// Completions waited for in one kernel entry at most.
const MAX_BATCH: usize = 256;

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
    /// Shared by the run's workers: set when one's request script fails, so all stop.
    pub abort: Arc<AtomicBool>,
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

fn run<B: Backend>(
    mut io: B,
    setup: &ClientSetup,
    clock: Clock,
    report: &mut Report<Snapshot>,
) -> (WorkerEnd, Snapshot) {
    let plan = &*setup.plan;
    let pipeline = plan.pipeline.max(1);
    let n = setup.conns as usize;
    let pacing = Pacing::new(plan, setup.worker, n, pipeline);
    // The plan refuses a mix larger than a backend holds; a refusal here still ends the
    // worker cleanly, before it sends anything.
    let (source, unregistered) = match RequestSource::new(&mut io, plan, pipeline) {
        Ok(source) => (source, None),
        Err(e) => (RequestSource::empty(plan), Some(e)),
    };
    // The request script is made here, in the worker's thread, before anything connects.
    let (script, script_start_error) = match &plan.script {
        Some(f) => match Scripted::new(&**f, setup.worker, plan.cpus.len(), n) {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.0)),
        },
        None => (None, None),
    };
    let mut st = State {
        plan,
        conns: (0..n).map(|_| Conn::new(plan)).collect(),
        by_slot: Vec::with_capacity(n),
        pipeline,
        timings: Timings::new(n, pipeline, pacing.corrected()),
        pacing,
        stop: Stop::new(plan, setup.quota),
        source,
        stats: Stats::new(),
        connect_queue: (0..n as u32).collect(),
        ramping: 0,
        inflight_total: 0,
        now: 0,
        established: 0,
        first_connect_error: None,
        source_next: setup.first_conn as usize,
        tls: None,
        tls_negotiated: None,
        bufs: Bufs::default(),
        script,
        abort: &setup.abort,
    };
    if script_start_error.is_some() {
        // No worker goes on without its script.
        setup.abort.store(true, Ordering::Relaxed);
        st.cannot_run();
    } else if let Some(e) = unregistered {
        st.first_connect_error = Some(format!("cannot register the requests: {e}"));
        st.cannot_run();
    } else if let Err(e) = st.source.prepare_h2(plan) {
        st.first_connect_error = Some(format!("HTTP/2 request: {e}"));
        st.cannot_run();
    }
    match TlsSetup::new(plan) {
        Ok(t) => st.tls = t,
        Err(e) => {
            // Checked when the plan was made; a failure here still ends the worker cleanly.
            st.first_connect_error = Some(format!("TLS settings: {e}"));
            st.cannot_run();
        }
    }
    let warmup = st.stop.warmup_end();
    let load_end = st.stop.load_end();
    let interval = ns(plan.interval).max(1_000_000);
    let scan_every = (ns(plan.timeout) / 10).clamp(5_000_000, 100_000_000);
    let mut next_interval = warmup + interval;
    let mut warm_cpu_s = 0.0;
    let mut next_scan = scan_every;
    // A ramp that has not finished by half the run is ended: the load starts regardless.
    let ramp_end = load_end / 2;

    loop {
        st.now = clock.now_ns();
        if st.stop.warmup_ends(st.now) {
            // The warmup is over: forget what it measured; counts start now.
            st.stats.take_snapshot();
            warm_cpu_s = thread_cpu_s();
            next_interval = warmup + interval;
        }
        if let Some(interrupted) = st.stop.reached(st.now, &setup.stop, &setup.abort) {
            st.begin_drain(interrupted);
        }
        if st.stop.over(st.now, st.inflight_total) {
            break;
        }
        if st.now >= next_interval {
            st.pacing.interval_end(st.stats.interval_latency_mean_us());
            let snapshot = st.stats.take_snapshot();
            report.interval(snapshot);
            next_interval += interval;
        }
        if st.now >= next_scan {
            st.scan(&mut io);
            next_scan = st.now + scan_every;
        }
        st.start_connects(&mut io);
        st.send_delayed(&mut io);
        if st.pacing.ramping()
            && ((st.ramping == 0 && st.connect_queue.is_empty()) || st.now >= ramp_end)
        {
            st.finish_ramp(&mut io);
        }
        st.pump(&mut io);

        let mut deadline = next_interval.min(next_scan).min(st.stop.next_check());
        if let Some(t) = st.next_wakeup() {
            deadline = deadline.min(t);
        }
        let timeout = Duration::from_nanos(deadline.saturating_sub(st.now)).min(MAX_WAIT);
        // Closed loop: let up to half of what is in flight complete before waking.
        let batch_wait = st.pacing.batch_wait();
        let want = if st.stop.draining() || batch_wait.is_zero() {
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
        st.check_script();
    }
    if let Some(s) = st.script.as_mut() {
        s.finish();
    }

    let unanswered = st.inflight_total;
    // Connections still open are closed when the backend is dropped (one close each; the
    // ring's teardown releases what its operations held), not one by one here.
    let end = WorkerEnd {
        established: st.established,
        unanswered,
        unsent: st.pacing.unsent(),
        cpu_s: (thread_cpu_s() - warm_cpu_s).max(0.0),
        end_ns: clock.now_ns(),
        first_connect_error: st.first_connect_error.take(),
        tls_negotiated: st.tls_negotiated.take(),
        script_error: st
            .script
            .as_ref()
            .and_then(|s| s.error().map(str::to_string)),
        script_start_error,
    };
    (end, st.stats.take_snapshot())
}

impl State<'_> {
    /// The worker cannot run (its settings failed): it stops before sending anything.
    fn cannot_run(&mut self) {
        self.stop.end_now();
        self.pacing.stop(0, 0);
        self.connect_queue.clear();
    }

    /// Ends the ramp phase: held connections start their full load; a fixed-rate schedule
    /// starts now.
    fn finish_ramp<B: Backend>(&mut self, io: &mut B) {
        for ci in self.pacing.finish_ramp(self.now) {
            let c = &self.conns[ci as usize];
            if c.state == ConnState::Open && c.inflight == 0 {
                self.send_requests(io, ci as usize, self.pipeline, None);
            }
        }
    }

    /// Fixed rate: sends every request that is due, each on the least recently used
    /// connection that can take one.
    fn pump<B: Backend>(&mut self, io: &mut B) {
        let load_end = self.stop.load_end();
        loop {
            let (conns, p) = (&self.conns, self.pipeline);
            let Some((ci, due)) = self
                .pacing
                .take_due(self.now, load_end, &mut self.stats, |ci| {
                    conns[ci].has_room(p)
                })
            else {
                break;
            };
            self.send_requests(io, ci, 1, Some(due));
            let c = &self.conns[ci];
            self.pacing.requeue(ci, || c.has_room(p));
        }
    }

    /// When the loop must wake for pacing (the next request due, or the next connection's
    /// turn to open in a ramp-up).
    fn next_wakeup(&self) -> Option<u64> {
        if self.stop.draining() {
            return None;
        }
        let next_open = self.connect_queue.front().and_then(|&ci| {
            let ci = ci as usize;
            self.pacing.opens_at(ci, self.conns[ci].ever_connected)
        });
        let paced = self.pacing.wakeup(self.now, next_open);
        match (paced, self.next_delayed()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests;
