//! A running case: where it is in its step lists (setup, steps, cleanup), what its current
//! step waits for, its deadline, its connections, its backend scripts, and what it saw.

use std::time::{Duration, Instant};

use super::client::ClientConn;
use crate::check::expect::Cursors;
use crate::check::plan::{CasePlan, CheckPlan, Response, Step};
use crate::check::transcript::{BackendLog, Failure, Got, Transcript};

/// Which step list runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Setup,
    Steps,
    Cleanup,
    Done,
}

/// What the current step waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Wait {
    /// The step has not begun.
    Begin,
    /// Its client connection to be open (then the step begins for real).
    Open,
    /// Every request sent on connection `conn` to have its response.
    Responses {
        conn: usize,
    },
    Until(Instant),
    /// The expectation's subject.
    Expect,
}

/// A backend's script for the case: the responses and the next one's index.
#[derive(Clone, Debug)]
pub(super) struct Script {
    pub(super) responses: Vec<Response>,
    pub(super) next: usize,
}

impl Script {
    /// The response for the next request (the last repeating; none scripted: 200, empty).
    pub(super) fn next(script: Option<&mut Script>) -> Response {
        let Some(s) = script.filter(|s| !s.responses.is_empty()) else {
            return default_response();
        };
        let r = s.responses[s.next.min(s.responses.len() - 1)].clone();
        s.next += 1;
        r
    }
}

/// What a backend answers before any script: 200 with an empty body.
pub(super) fn default_response() -> Response {
    Response {
        status: 200,
        reason: None,
        version: "HTTP/1.1".into(),
        headers: Vec::new(),
        body: Vec::new(),
        chunked: None,
        raw: None,
        delay: Duration::ZERO,
        batch: 0,
        action: Default::default(),
    }
}

pub(super) struct Running {
    /// Index in `CheckPlan::cases`.
    pub(super) idx: usize,
    pub(super) started: Instant,
    pub(super) phase: Phase,
    pub(super) step: usize,
    pub(super) wait: Wait,
    pub(super) step_started: Instant,
    pub(super) deadline: Instant,
    pub(super) failures: Vec<Failure>,
    pub(super) transcript: Transcript,
    pub(super) cursors: Cursors,
    /// Every connection the case opened (`ClientConn::log` indexes the transcript).
    pub(super) conns: Vec<ClientConn>,
    /// The current connection of each client.
    pub(super) current: Vec<Option<usize>>,
    /// Per backend.
    pub(super) scripts: Vec<Option<Script>>,
}

impl Running {
    pub(super) fn new(plan: &CheckPlan, idx: usize, now: Instant) -> Running {
        let case = &plan.cases[idx];
        let transcript = Transcript {
            clients: Vec::new(),
            backends: (0..plan.backends.len())
                .map(|backend| BackendLog {
                    backend,
                    ..BackendLog::default()
                })
                .collect(),
        };
        let cursors = Cursors {
            responses: vec![0; plan.clients.len()],
            requests: vec![0; plan.backends.len()],
        };
        Running {
            idx,
            started: now,
            phase: Phase::Setup,
            step: 0,
            wait: Wait::Begin,
            step_started: now,
            deadline: now + case.timeout,
            failures: Vec::new(),
            transcript,
            cursors,
            conns: Vec::new(),
            current: vec![None; plan.clients.len()],
            scripts: vec![None; plan.backends.len()],
        }
    }

    /// The steps of the current phase.
    pub(super) fn steps<'p>(&self, case: &'p CasePlan) -> &'p [Step] {
        match self.phase {
            Phase::Setup => &case.setup,
            Phase::Steps => &case.steps,
            Phase::Cleanup => &case.cleanup,
            Phase::Done => &[],
        }
    }

    /// The current step's name in reports: "setup 1", "step 3", "cleanup 1".
    pub(super) fn step_name(&self) -> String {
        let list = match self.phase {
            Phase::Setup => "setup",
            Phase::Steps => "step",
            Phase::Cleanup | Phase::Done => "cleanup",
        };
        format!("{list} {}", self.step + 1)
    }

    /// Time since the case started (the transcript's clock).
    pub(super) fn at(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.started)
    }

    pub(super) fn fail(&mut self, what: String, expected: String, got: Got) {
        let step = self.step_name();
        self.failures.push(Failure {
            step,
            what,
            expected,
            got,
        });
    }

    /// The current step is done: the next one, or the next phase.
    pub(super) fn next_step(&mut self, case: &CasePlan, now: Instant) {
        self.step += 1;
        self.settle(case, now);
    }

    /// Moves past ended step lists: setup (or steps) failed goes straight to cleanup, which
    /// gets a fresh deadline; a failure in cleanup does not stop it.
    pub(super) fn settle(&mut self, case: &CasePlan, now: Instant) {
        self.wait = Wait::Begin;
        self.step_started = now;
        loop {
            let failed = !self.failures.is_empty();
            let ended = match self.phase {
                Phase::Setup | Phase::Steps => failed || self.step >= self.steps(case).len(),
                Phase::Cleanup => self.step >= case.cleanup.len(),
                Phase::Done => return,
            };
            if !ended {
                return;
            }
            self.step = 0;
            self.phase = match self.phase {
                Phase::Setup if !failed => Phase::Steps,
                Phase::Setup | Phase::Steps => {
                    self.deadline = now + case.timeout;
                    Phase::Cleanup
                }
                Phase::Cleanup | Phase::Done => Phase::Done,
            };
        }
    }
}
