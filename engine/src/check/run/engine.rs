//! The checker's event loop: one backend (`ring`), every case's client connections and every
//! backend's accepted connections. Starts cases as the plan allows (up to `parallel`, `alone`
//! ones by themselves), hands completions to their owners, routes backend requests to cases
//! by marker, pumps sends and answers, advances each case's steps (`steps`), and ends cases.
//! Every wait is bounded by the nearest timer and by a short poll of the stop flag.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::case::{Phase, Running, Script, Wait};
use super::client::closed_by;
use super::error::CheckError;
use super::server::{status_answer, Answer, BackendConn, Ready};
use crate::check::expect::{wake_at, Ctx};
use crate::check::plan::{BackendId, CheckPlan, ResponseAction, Step};
use crate::check::transcript::{CaseResult, Got, Outcome};
use crate::check::wire::{response_bytes, Arrival};
use crate::ring::{Backend, Completion, Slot};

/// The longest a wait lasts before the stop flag is looked at again.
const POLL: Duration = Duration::from_millis(50);

/// Who a slot belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Owner {
    /// Connection `conn` of the running case whose plan index is `case`.
    Client {
        case: usize,
        conn: usize,
    },
    Backend,
}

/// A backend's listening state.
pub(super) struct Listener {
    pub(super) addr: SocketAddr,
    /// The ring's number of its listener while it listens.
    pub(super) ring: Option<usize>,
}

pub(super) struct Loop<'p> {
    pub(super) plan: &'p CheckPlan,
    pub(super) running: Vec<Running>,
    pub(super) owners: HashMap<Slot, Owner>,
    pub(super) bconns: HashMap<Slot, BackendConn>,
    pub(super) listeners: Vec<Listener>,
    /// Ring listener number → backend.
    pub(super) ring_listeners: Vec<BackendId>,
    /// Requests no case could be found for (answered 502).
    pub(super) strays: u64,
    /// The next case of the plan to start.
    next: usize,
}

impl<'p> Loop<'p> {
    /// Listens on every backend.
    pub(super) fn new<B: Backend>(plan: &'p CheckPlan, io: &mut B) -> Result<Self, CheckError> {
        let mut lp = Loop {
            plan,
            running: Vec::new(),
            owners: HashMap::new(),
            bconns: HashMap::new(),
            listeners: Vec::new(),
            ring_listeners: Vec::new(),
            strays: 0,
            next: 0,
        };
        for (id, b) in plan.backends.iter().enumerate() {
            let addr = io
                .listen(b.listen, 1024)
                .map_err(|source| CheckError::Listen {
                    backend: b.name.clone(),
                    addr: b.listen,
                    source,
                })?;
            lp.ring_listeners.push(id);
            lp.listeners.push(Listener {
                addr,
                ring: Some(lp.ring_listeners.len() - 1),
            });
        }
        Ok(lp)
    }

    /// Runs every case; `emit` gets each result as its case ends.
    pub(super) fn run<B: Backend>(
        &mut self,
        io: &mut B,
        stop: &AtomicBool,
        emit: &mut dyn FnMut(CaseResult),
    ) -> Result<(), CheckError> {
        loop {
            let now = Instant::now();
            if stop.load(Ordering::Relaxed) {
                self.interrupt(io, now, emit);
                return Ok(());
            }
            self.start_cases(now, emit);
            if self.running.is_empty() && self.next >= self.plan.cases.len() {
                return Ok(());
            }
            for ri in 0..self.running.len() {
                self.advance(io, ri, now);
            }
            self.finish_done(io, now, emit);
            self.pump(io, now);
            let timeout = self
                .wake_at()
                .map_or(POLL, |t| t.saturating_duration_since(Instant::now()))
                .min(POLL);
            io.wait(1, Duration::ZERO, timeout)
                .map_err(CheckError::Wait)?;
            let now = Instant::now();
            io.drain(|c, io| self.on_completion(c, io, now));
        }
    }

    /// Starts the plan's next cases while it allows; reports skipped ones.
    fn start_cases(&mut self, now: Instant, emit: &mut dyn FnMut(CaseResult)) {
        let cases = &self.plan.cases;
        while let Some(case) = cases.get(self.next) {
            if let Some(reason) = &case.skip {
                emit(CaseResult {
                    name: case.name.clone(),
                    file: case.file.clone(),
                    outcome: Outcome::Skipped(reason.clone()),
                    elapsed: Duration::ZERO,
                    transcript: Default::default(),
                });
                self.next += 1;
                continue;
            }
            let alone_running = self.running.iter().any(|r| cases[r.idx].alone);
            let full = self.running.len() >= self.plan.parallel.max(1);
            if alone_running || full || (case.alone && !self.running.is_empty()) {
                return;
            }
            let mut r = Running::new(self.plan, self.next, now);
            r.settle(case, now);
            self.running.push(r);
            self.next += 1;
        }
    }

    /// Sends what may go on every connection.
    fn pump<B: Backend>(&mut self, io: &mut B, now: Instant) {
        for r in &mut self.running {
            for c in &mut r.conns {
                let was_open = c.slot_open;
                c.pump(io, now);
                if was_open && !c.slot_open {
                    self.owners.remove(&c.slot);
                }
            }
        }
        let mut gone = Vec::new();
        for (slot, bc) in &mut self.bconns {
            bc.pump(io, now);
            if !bc.slot_open {
                gone.push(*slot);
            }
        }
        for slot in gone {
            self.bconns.remove(&slot);
            self.owners.remove(&slot);
        }
    }

    /// The nearest time something is due without a completion.
    fn wake_at(&self) -> Option<Instant> {
        let mut t: Option<Instant> = None;
        let mut at = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        for r in &self.running {
            at(Some(r.deadline));
            if let Wait::Until(u) = r.wait {
                at(Some(u));
            }
            let case = &self.plan.cases[r.idx];
            if let (Wait::Expect, Some(Step::Expect(exp))) = (r.wait, r.steps(case).get(r.step)) {
                let cx = Ctx {
                    plan: self.plan,
                    case,
                    now: r.at(Instant::now()),
                    step_started: r.at(r.step_started),
                };
                at(wake_at(exp, &r.transcript, &cx).map(|d| r.started + d));
            }
            for c in &r.conns {
                at(c.wake_at());
            }
        }
        for bc in self.bconns.values() {
            at(bc.wake_at());
        }
        t
    }

    fn on_completion<B: Backend>(&mut self, c: Completion<'_>, io: &mut B, now: Instant) {
        let slot = match &c {
            Completion::Accepted { slot } => return self.accepted(io, *slot),
            Completion::Connected { slot, .. }
            | Completion::Data { slot, .. }
            | Completion::Closed { slot, .. }
            | Completion::SendFailed { slot, .. }
            | Completion::Sent { slot } => *slot,
        };
        match self.owners.get(&slot).copied() {
            Some(Owner::Client { case, conn }) => self.client_event(c, io, case, conn, now),
            Some(Owner::Backend) => self.backend_event(c, io, slot, now),
            None => {}
        }
    }

    fn accepted<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        let Some(&backend) = io
            .accepted_by(slot)
            .and_then(|l| self.ring_listeners.get(l))
        else {
            return io.close(slot, false);
        };
        let seg = self.plan.backends[backend].segmenting;
        self.bconns
            .insert(slot, BackendConn::new(backend, slot, seg));
        self.owners.insert(slot, Owner::Backend);
    }

    fn client_event<B: Backend>(
        &mut self,
        c: Completion<'_>,
        io: &mut B,
        case: usize,
        ci: usize,
        now: Instant,
    ) {
        let Some(r) = self.running.iter_mut().find(|r| r.idx == case) else {
            return;
        };
        let at = r.at(now);
        let Some(conn) = r.conns.get_mut(ci) else {
            return;
        };
        let log = &mut r.transcript.clients[conn.log];
        match c {
            Completion::Connected { result: Ok(()), .. } => conn.on_connected(io, log),
            Completion::Connected { result: Err(e), .. } => {
                let addr = self.plan.clients[conn.client].connect;
                conn.on_connect_failed(log, format!("connect to {addr}: {e}"));
            }
            Completion::Data { data, .. } => conn.on_data(io, data, at, log),
            Completion::Closed { error, .. } => conn.on_closed(io, log, closed_by(error.as_ref())),
            Completion::SendFailed { error, .. } => {
                conn.on_closed(io, log, closed_by(Some(&error)))
            }
            Completion::Sent { .. } => conn.on_sent(now),
            Completion::Accepted { .. } => {}
        }
        if !conn.slot_open {
            let slot = conn.slot;
            if self.owners.get(&slot) == Some(&Owner::Client { case, conn: ci }) {
                self.owners.remove(&slot);
            }
        }
    }

    fn backend_event<B: Backend>(
        &mut self,
        c: Completion<'_>,
        io: &mut B,
        slot: Slot,
        now: Instant,
    ) {
        match c {
            Completion::Data { data, .. } => {
                let Some(bc) = self.bconns.get_mut(&slot) else {
                    return;
                };
                let mut arrivals = Vec::new();
                let parsed = bc.wire.on_data(data, &mut arrivals);
                for a in arrivals {
                    self.route(slot, a, now);
                }
                if parsed.is_err() {
                    if let Some(bc) = self.bconns.get_mut(&slot) {
                        bc.queue(Answer {
                            bytes: status_answer(400, "Bad Request", true),
                            ready: Ready::At(now),
                            action: ResponseAction::Close,
                        });
                    }
                }
            }
            Completion::Sent { .. } => {
                if let Some(bc) = self.bconns.get_mut(&slot) {
                    bc.on_sent(now);
                }
            }
            Completion::Closed { .. } | Completion::SendFailed { .. } => {
                io.close(slot, false);
                self.bconns.remove(&slot);
                self.owners.remove(&slot);
            }
            Completion::Connected { .. } | Completion::Accepted { .. } => {}
        }
    }

    /// A request arrived at a backend: recorded for its case and answered as the case
    /// scripted; without a case, answered 502.
    fn route(&mut self, slot: Slot, arrival: Arrival, now: Instant) {
        let Some(bc) = self.bconns.get_mut(&slot) else {
            return;
        };
        let backend = bc.backend;
        let cases = &self.plan.cases;
        let ri = match &arrival.marker {
            Some(m) => self.running.iter().position(|r| cases[r.idx].marker == *m),
            None => {
                let mut scripted =
                    (0..self.running.len()).filter(|&i| self.running[i].scripts[backend].is_some());
                match (scripted.next(), scripted.next()) {
                    (Some(i), None) => Some(i),
                    _ => None,
                }
            }
        };
        let Some(r) = ri.map(|i| &mut self.running[i]) else {
            self.strays += 1;
            return bc.queue(Answer {
                bytes: status_answer(502, "Bad Gateway", false),
                ready: Ready::At(now),
                action: ResponseAction::Keep,
            });
        };
        let log = &mut r.transcript.backends[backend];
        if !bc.cases.contains(&r.idx) {
            bc.cases.push(r.idx);
            log.connections += 1;
        }
        log.requests.push(arrival.message);
        let resp = Script::next(r.scripts[backend].as_mut());
        let ready = if resp.action == ResponseAction::Hang {
            Ready::Never
        } else if resp.batch > 1 {
            Ready::Batch {
                case: r.idx,
                n: resp.batch,
            }
        } else {
            Ready::At(now + resp.delay)
        };
        bc.queue(Answer {
            bytes: response_bytes(&resp, arrival.head_request),
            ready,
            action: resp.action,
        });
    }

    /// Ends the cases whose cleanup is over.
    fn finish_done<B: Backend>(
        &mut self,
        io: &mut B,
        now: Instant,
        emit: &mut dyn FnMut(CaseResult),
    ) {
        let mut i = 0;
        while i < self.running.len() {
            if self.running[i].phase == Phase::Done {
                let r = self.running.swap_remove(i);
                emit(self.end_case(io, r, now));
            } else {
                i += 1;
            }
        }
    }

    /// The stop flag: running cases fail as interrupted, the rest are skipped.
    fn interrupt<B: Backend>(
        &mut self,
        io: &mut B,
        now: Instant,
        emit: &mut dyn FnMut(CaseResult),
    ) {
        for mut r in std::mem::take(&mut self.running) {
            r.fail(
                "the case".into(),
                "to run to its end".into(),
                Got::Text("interrupted".into()),
            );
            emit(self.end_case(io, r, now));
        }
        for case in &self.plan.cases[self.next..] {
            emit(CaseResult {
                name: case.name.clone(),
                file: case.file.clone(),
                outcome: Outcome::Skipped(
                    case.skip.clone().unwrap_or_else(|| "interrupted".into()),
                ),
                elapsed: Duration::ZERO,
                transcript: Default::default(),
            });
        }
        self.next = self.plan.cases.len();
    }

    /// Closes the case's connections and makes its result.
    fn end_case<B: Backend>(&mut self, io: &mut B, mut r: Running, now: Instant) -> CaseResult {
        for c in &mut r.conns {
            if c.slot_open {
                io.close(c.slot, false);
                c.slot_open = false;
                self.owners.remove(&c.slot);
            }
        }
        let case = &self.plan.cases[r.idx];
        let outcome = if r.failures.is_empty() {
            Outcome::Passed
        } else {
            Outcome::Failed(r.failures)
        };
        CaseResult {
            name: case.name.clone(),
            file: case.file.clone(),
            outcome,
            elapsed: now.saturating_duration_since(r.started),
            transcript: r.transcript,
        }
    }
}
