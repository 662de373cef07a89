//! Pacing: when a client worker's connections send. Closed loop (wrk, h2load): a response
//! frees its pipeline position and the next request goes out at once, after a ramp phase in
//! which each new connection sends one request and holds; completions may gather for a batch
//! wait. Fixed rate (wrk2): requests go out on a schedule (`schedule.rs`), each on the least
//! recently used connection that can take one; what is due and never sent is counted.
//!
//! The loop asks [`Pacing`] what to do at each point (a connection opened, responses ended,
//! the ramp finished, the run stops) and acts on the answer; nothing else tests which pacing
//! runs. Statically dispatched: one `match` per call.

use crate::plan::LoadPlan;
use crate::stats::Stats;
use crate::worker::clock::ns;
use crate::worker::schedule::Schedule;
use std::collections::VecDeque;
use std::time::Duration;

/// Longest a worker lets completions gather, however slow responses are.
const MAX_BATCH_WAIT: Duration = Duration::from_millis(5);

/// A worker's pacing.
pub(super) enum Pacing {
    Closed(ClosedLoop),
    Fixed(FixedRate),
}

/// Send the next request as soon as a response frees a position.
pub(super) struct ClosedLoop {
    /// Ramp-up: connection `i` first opens at `ramp_up * i / conns` (no hold phase then).
    ramp_up: u64,
    conns: usize,
    pipeline: u32,
    /// Ramp phase: every new connection sends one request and, once answered, holds until
    /// all of this worker's connections are answered once. A busy target accepts slowly (nginx
    /// takes one connection per event-loop turn), so loading it while connections are still
    /// queued for accept would starve them into timeouts.
    ramp_done: bool,
    held: Vec<u32>,
    min_batch_wait: Duration,
    batch_wait: Duration,
    stopped: bool,
}

/// Send on a schedule, whichever connection can take the request.
pub(super) struct FixedRate {
    rate: f64,
    workers: usize,
    worker: usize,
    /// The rate rises from 0 over this long.
    ramp_up: u64,
    /// Set when the ramp of connects is done.
    schedule: Option<Schedule>,
    started: bool,
    /// Connections that may take another request, least recently used first, and which
    /// connections are in that queue.
    free: VecDeque<u32>,
    queued: Vec<bool>,
    /// Requests due by the end of the load that were never sent.
    unsent: u64,
    stopped: bool,
}

impl Pacing {
    /// This worker's (`worker`, owning `conns` connections) pacing of `plan`.
    pub(super) fn new(plan: &LoadPlan, worker: usize, conns: usize, pipeline: u32) -> Pacing {
        let ramp_up = ns(plan.ramp_up);
        match plan.pacing.rate() {
            Some(rate) => Pacing::Fixed(FixedRate {
                rate,
                workers: plan.cpus.len(),
                worker,
                ramp_up,
                schedule: None,
                started: false,
                free: VecDeque::with_capacity(conns),
                queued: vec![false; conns],
                unsent: 0,
                stopped: false,
            }),
            None => Pacing::Closed(ClosedLoop {
                ramp_up,
                conns,
                pipeline,
                // A ramp-up opens connections one after another: no hold for the others.
                ramp_done: ramp_up > 0,
                held: Vec::new(),
                min_batch_wait: plan.pacing.batch_wait(),
                batch_wait: plan.pacing.batch_wait(),
                stopped: false,
            }),
        }
    }

    /// Latency also counts from the intended send time.
    pub(super) fn corrected(&self) -> bool {
        matches!(self, Pacing::Fixed(_))
    }

    /// How long completions may gather before the worker handles them.
    #[inline]
    pub(super) fn batch_wait(&self) -> Duration {
        match self {
            Pacing::Closed(c) => c.batch_wait,
            Pacing::Fixed(_) => Duration::ZERO,
        }
    }

    /// An interval ended with responses `mean_us` slow on average: when responses take long
    /// (many connections, a slow target), batches may gather longer: up to 2 % of the mean
    /// latency, at most 5 ms, never below the asked wait.
    pub(super) fn interval_end(&mut self, mean_us: f64) {
        if let Pacing::Closed(c) = self {
            if !c.min_batch_wait.is_zero() {
                let scaled = Duration::from_micros((mean_us * 0.02) as u64).min(MAX_BATCH_WAIT);
                c.batch_wait = scaled.max(c.min_batch_wait);
            }
        }
    }

    /// Closed-loop ramp-up: when connection `ci` may first open (None: whenever the connect
    /// window allows).
    #[inline]
    pub(super) fn opens_at(&self, ci: usize, ever_connected: bool) -> Option<u64> {
        match self {
            Pacing::Closed(c) if c.ramp_up > 0 && !ever_connected => {
                Some((c.ramp_up as u128 * ci as u128 / c.conns.max(1) as u128) as u64)
            }
            _ => None,
        }
    }

    /// The ramp phase is still on (closed loop: connections hold; fixed rate: no schedule).
    #[inline]
    pub(super) fn ramping(&self) -> bool {
        match self {
            Pacing::Closed(c) => !c.ramp_done,
            Pacing::Fixed(f) => !f.started,
        }
    }

    /// Ends the ramp phase at `now`; returns the held connections that start their full load
    /// now (closed loop). A fixed-rate schedule starts now.
    pub(super) fn finish_ramp(&mut self, now: u64) -> Vec<u32> {
        match self {
            Pacing::Closed(c) => {
                c.ramp_done = true;
                let held = std::mem::take(&mut c.held);
                if c.stopped {
                    return Vec::new();
                }
                held
            }
            Pacing::Fixed(f) => {
                f.started = true;
                if !f.stopped {
                    f.schedule = Some(Schedule::new(f.rate, f.workers, f.worker, now, f.ramp_up));
                }
                Vec::new()
            }
        }
    }

    /// Connection `ci` is open; `room`: whether it can take a request. Returns how many requests it
    /// sends now, or None when it waits for the schedule (and no longer counts against the
    /// connect window).
    pub(super) fn opened(&mut self, ci: usize, room: impl FnOnce() -> bool) -> Option<u32> {
        match self {
            Pacing::Closed(c) if c.stopped => Some(0),
            Pacing::Closed(c) => Some(if c.ramp_done { c.pipeline } else { 1 }),
            Pacing::Fixed(f) => {
                f.mark_free(ci, room);
                None
            }
        }
    }

    /// `ended` requests of connection `ci` ended (answered or not); `idle`: none is left in
    /// flight; `room`: whether it can take another. Returns how many requests it sends now.
    #[inline]
    pub(super) fn ended(
        &mut self,
        ci: usize,
        ended: u32,
        idle: bool,
        room: impl FnOnce() -> bool,
    ) -> u32 {
        match self {
            Pacing::Closed(c) if c.stopped => 0,
            Pacing::Closed(c) if c.ramp_done => ended,
            Pacing::Closed(c) => {
                if idle {
                    c.held.push(ci as u32);
                }
                0
            }
            Pacing::Fixed(f) => {
                f.mark_free(ci, room);
                0
            }
        }
    }

    /// Fixed rate: the next request due by `now` (and before `load_end`) and the connection
    /// it goes out on, the least recently used one `room` allows; what cannot go out yet is
    /// schedule lag. The caller sends it and calls `requeue`.
    #[inline]
    pub(super) fn take_due(
        &mut self,
        now: u64,
        load_end: u64,
        stats: &mut Stats,
        room: impl Fn(usize) -> bool,
    ) -> Option<(usize, u64)> {
        let Pacing::Fixed(f) = self else {
            return None;
        };
        if f.stopped {
            return None;
        }
        let sched = f.schedule.as_mut()?;
        let due = sched.next_due();
        if due > now || due >= load_end {
            return None;
        }
        let ci = loop {
            let Some(ci) = f.free.pop_front() else {
                stats.lag(now - due);
                return None;
            };
            f.queued[ci as usize] = false;
            if room(ci as usize) {
                break ci as usize;
            }
        };
        sched.advance();
        stats.sent_behind(now - due);
        stats.lag(now - due);
        Some((ci, due))
    }

    /// Fixed rate: connection `ci`, which just sent, may take another request (if `room`).
    #[inline]
    pub(super) fn requeue(&mut self, ci: usize, room: impl FnOnce() -> bool) {
        if let Pacing::Fixed(f) = self {
            f.mark_free(ci, room);
        }
    }

    /// When the loop must wake for pacing: the next request due (fixed rate, unless no
    /// connection can take it: then completions wake the loop), or `next_open`, the next
    /// connection's turn to open (closed-loop ramp-up).
    pub(super) fn wakeup(&self, now: u64, next_open: Option<u64>) -> Option<u64> {
        match self {
            Pacing::Closed(c) if c.stopped => None,
            Pacing::Closed(_) => next_open.filter(|&t| t > now),
            Pacing::Fixed(f) if f.stopped => None,
            Pacing::Fixed(f) => match &f.schedule {
                Some(s) => {
                    let due = s.next_due();
                    (due > now || !f.free.is_empty()).then_some(due)
                }
                None => None,
            },
        }
    }

    /// The load stops at `now` (`load_end` at the latest): nothing more is sent; a fixed
    /// rate counts what was due and never sent.
    pub(super) fn stop(&mut self, now: u64, load_end: u64) {
        match self {
            Pacing::Closed(c) => c.stopped = true,
            Pacing::Fixed(f) => {
                f.stopped = true;
                if let Some(s) = &f.schedule {
                    f.unsent = s.due_before(now.min(load_end)).saturating_sub(s.sent());
                }
            }
        }
    }

    /// Requests due by the end of the load that were never sent (fixed rate).
    pub(super) fn unsent(&self) -> u64 {
        match self {
            Pacing::Closed(_) => 0,
            Pacing::Fixed(f) => f.unsent,
        }
    }
}

impl FixedRate {
    /// Connection `ci` may take another request, if `room` says it can.
    #[inline]
    fn mark_free(&mut self, ci: usize, room: impl FnOnce() -> bool) {
        if !self.stopped && !self.queued[ci] && room() {
            self.queued[ci] = true;
            self.free.push_back(ci as u32);
        }
    }
}
