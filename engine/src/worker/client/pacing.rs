//! Pacing of a client worker: the closed-loop ramp-up (connections opened one after another)
//! and the open loop (requests sent on a fixed schedule on whichever connection can take one).

use super::{ClientSetup, ConnState, State};
use crate::ring::Backend;
use crate::worker::schedule::Schedule;

impl State<'_> {
    /// Closed-loop ramp-up: connection `ci` has not connected yet and its turn has not come.
    pub(super) fn opens_later(&self, ci: usize) -> bool {
        self.ramp_up > 0
            && !self.open_loop
            && !self.conns[ci].ever_connected
            && self.open_at(ci) > self.now
    }

    pub(super) fn open_at(&self, ci: usize) -> u64 {
        (self.ramp_up as u128 * ci as u128 / self.conns.len().max(1) as u128) as u64
    }

    /// When the loop must wake for pacing: the next request due (open loop, unless no
    /// connection can take it: then completions wake the loop), or the next connection's turn
    /// to open (closed-loop ramp-up).
    pub(super) fn next_wakeup(&self) -> Option<u64> {
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
    pub(super) fn pump<B: Backend>(&mut self, io: &mut B, load_end: u64) {
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
    pub(super) fn pop_free(&mut self) -> Option<usize> {
        while let Some(ci) = self.free.pop_front() {
            let c = &mut self.conns[ci as usize];
            c.free = false;
            if c.state == ConnState::Open
                && c.inflight < self.pipeline
                && self.h2_can_open(ci as usize)
            {
                return Some(ci as usize);
            }
        }
        None
    }

    /// Open loop: connection `ci` may take another request (if it can).
    pub(super) fn mark_free(&mut self, ci: usize) {
        let room = self.h2_can_open(ci);
        let c = &mut self.conns[ci];
        if self.open_loop
            && room
            && !c.free
            && !self.draining
            && c.state == ConnState::Open
            && c.inflight < self.pipeline
        {
            c.free = true;
            self.free.push_back(ci as u32);
        }
    }

    /// Ends the ramp phase: held connections start their full load; an open-loop schedule
    /// starts now.
    pub(super) fn finish_ramp<B: Backend>(&mut self, io: &mut B, setup: &ClientSetup) {
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
}
