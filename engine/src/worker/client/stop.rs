//! When a client worker stops loading and when it ends: the warmup (nothing counted before
//! it ends), the duration, this worker's share of a response count, the stop flag a signal
//! sets, the abort flag a failed request script sets; then the drain, which waits for the
//! responses still owed (so counts match the server's) up to the request timeout, or a
//! second at most after an interrupt.
//!
//! One part answers every "may it go on" question of the loop, so a new stop rule touches
//! only this file.

use crate::plan::LoadPlan;
use crate::worker::clock::ns;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A worker's stop condition.
pub(super) struct Stop {
    /// Worker-clock times: the warmup's end and the load's end.
    warmup: u64,
    load_end: u64,
    /// Past the warmup: what happens is counted.
    measuring: bool,
    /// Responses counted so far, and the most this worker may get.
    answered: u64,
    quota: u64,
    /// How long the drain waits for responses owed.
    timeout: Duration,
    /// Draining since `stop`: ends at this time at the latest.
    drain_deadline: Option<u64>,
}

impl Stop {
    /// `quota`: this worker's share of the run's response count, if any.
    pub(super) fn new(plan: &LoadPlan, quota: Option<u64>) -> Stop {
        let warmup = ns(plan.warmup);
        Stop {
            warmup,
            load_end: warmup.saturating_add(ns(plan.stop.duration)),
            measuring: plan.warmup.is_zero(),
            answered: 0,
            quota: quota.unwrap_or(u64::MAX),
            timeout: plan.timeout,
            drain_deadline: None,
        }
    }

    /// When the warmup ends (worker clock).
    pub(super) fn warmup_end(&self) -> u64 {
        self.warmup
    }

    /// When the load ends at the latest (worker clock).
    #[inline]
    pub(super) fn load_end(&self) -> u64 {
        self.load_end
    }

    /// True once, when the warmup is over at `now`: counts start over from here.
    pub(super) fn warmup_ends(&mut self, now: u64) -> bool {
        if self.measuring || now < self.warmup {
            return false;
        }
        self.measuring = true;
        self.answered = 0;
        true
    }

    /// Whether the load must stop at `now` (and is not stopping yet): Some(interrupted),
    /// true when `flag` (a signal) says so; `abort` (a worker's request script failed)
    /// stops it too, with the drain of a planned end (responses owed are still awaited).
    pub(super) fn reached(&self, now: u64, flag: &AtomicBool, abort: &AtomicBool) -> Option<bool> {
        if self.drain_deadline.is_some() {
            return None;
        }
        let counted = self.measuring && self.answered >= self.quota;
        let interrupted = flag.load(Ordering::Relaxed);
        let aborted = abort.load(Ordering::Relaxed);
        (counted || now >= self.load_end || interrupted || aborted).then_some(interrupted)
    }

    /// The load stops at `now`: responses owed are waited for up to the request timeout; an
    /// interrupted run waits at most a second so a signal stops it promptly.
    pub(super) fn drain(&mut self, now: u64, interrupted: bool) {
        let wait = if interrupted {
            self.timeout.min(Duration::from_secs(1))
        } else {
            self.timeout
        };
        self.drain_deadline = Some(now.saturating_add(ns(wait)));
    }

    /// The worker cannot run at all: it ends as soon as the loop looks.
    pub(super) fn end_now(&mut self) {
        self.drain_deadline = Some(0);
    }

    /// Stopped loading: nothing new is sent or connected.
    #[inline]
    pub(super) fn draining(&self) -> bool {
        self.drain_deadline.is_some()
    }

    /// The worker is done: draining and nothing owed (`inflight` requests), or out of time.
    pub(super) fn over(&self, now: u64, inflight: u64) -> bool {
        self.drain_deadline
            .is_some_and(|d| inflight == 0 || now >= d)
    }

    /// The next time the loop must look at the stop condition.
    pub(super) fn next_check(&self) -> u64 {
        let t = self.drain_deadline.unwrap_or(self.load_end);
        if self.measuring {
            t
        } else {
            t.min(self.warmup)
        }
    }

    /// `n` responses completed.
    #[inline]
    pub(super) fn answered(&mut self, n: u32) {
        self.answered += n as u64;
    }

    /// How many of `k` requests may be sent with `inflight` already asked: with a response
    /// count to reach, never more than can still be answered.
    #[inline]
    pub(super) fn may_ask(&self, k: u32, inflight: u64) -> u32 {
        if !self.measuring {
            return k;
        }
        let left = self.quota.saturating_sub(self.answered + inflight);
        (k as u64).min(left) as u32
    }
}
