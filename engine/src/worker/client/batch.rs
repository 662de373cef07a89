//! The loop's side of a request script (`script.rs`): connections send in batches as wrk's
//! do (github:wg/wrk src/wrk.c, commit a211dd5a7050b1f9e8a9870b95513060e72ac4a0:
//! `socket_writeable`, `delay_request`, `response_complete`): a batch goes out only when
//! every request of the one before is answered, after the script's `delay()` when it has
//! one; its requests come from `request()` or are the plan's (`pipeline` of them). A hook
//! that fails stops the run: this worker drains, and the shared abort flag stops the others.
//! Part of the loop: it implements `State` (`state.rs`).

use super::state::{ConnState, State};
use crate::ring::Backend;
use crate::worker::clock::ns;
use std::sync::atomic::Ordering;

impl State<'_> {
    /// Connections send in batches (the plan's script makes requests or delays them).
    #[inline]
    pub(super) fn batched(&self) -> bool {
        self.script.as_ref().is_some_and(|s| s.batched())
    }

    /// Connection `ci` may go on: its next batch goes out once nothing of the last one is in
    /// flight, now or when the script's delay has passed.
    pub(super) fn next_batch<B: Backend>(&mut self, io: &mut B, ci: usize) {
        if self.conns[ci].inflight > 0 || self.stop.draining() {
            return;
        }
        let Some(s) = self.script.as_mut() else {
            return;
        };
        if s.wants.delay {
            let Some(d) = s.delay() else {
                return self.script_failed();
            };
            if !d.is_zero() {
                s.hold(ci, self.now.saturating_add(ns(d)));
                return;
            }
        }
        self.send_batch(io, ci);
    }

    /// Sends connection `ci`'s batch now: the script's, or the plan's requests.
    fn send_batch<B: Backend>(&mut self, io: &mut B, ci: usize) {
        let Some(s) = self.script.as_mut() else {
            return;
        };
        if s.wants.request {
            if s.next_batch(self.pipeline).is_none() {
                return self.script_failed();
            }
            self.write_requests(io, ci, 0, None, true);
        } else {
            self.write_requests(io, ci, self.pipeline, None, false);
        }
    }

    /// Connections whose delay has passed send their batch.
    pub(super) fn send_delayed<B: Backend>(&mut self, io: &mut B) {
        if self.stop.draining() {
            return;
        }
        while let Some(ci) = self.script.as_mut().and_then(|s| s.due(self.now)) {
            let c = &self.conns[ci];
            if c.state == ConnState::Open && c.inflight == 0 {
                self.send_batch(io, ci);
            }
        }
    }

    /// When the next delay ends (None when nothing waits or the load is over).
    pub(super) fn next_delayed(&self) -> Option<u64> {
        if self.stop.draining() {
            return None;
        }
        self.script.as_ref().and_then(|s| s.next_due())
    }

    /// A hook failed (or had failed, in a response read meanwhile): every worker stops,
    /// awaiting the responses owed (up to the request timeout) so the totals hold.
    pub(super) fn script_failed(&mut self) {
        self.abort.store(true, Ordering::Relaxed);
        if !self.stop.draining() {
            self.begin_drain(false);
        }
    }

    /// Stops the run if a hook failed since the last look.
    #[inline]
    pub(super) fn check_script(&mut self) {
        if self.script.as_ref().is_some_and(|s| s.error().is_some()) {
            self.script_failed();
        }
    }
}
