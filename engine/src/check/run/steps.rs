//! A case's step machine: begins each step (connect, close, sends, scripts, backend
//! listening, sleeps, expectations), decides when a waiting step is done, and fails a step
//! whose wait outlives the case's deadline.

use std::time::Instant;

use super::case::{Phase, Script, Wait};
use super::client::{ClientConn, ConnState};
use super::engine::{Loop, Owner};
use crate::check::expect::{evaluate, expire, Ctx, Verdict};
use crate::check::plan::{ClientId, Step};
use crate::check::transcript::{ClientLog, Closed, Got};
use crate::ring::Backend;

/// What a step's begin or check says.
enum Progress {
    Done,
    Wait,
}

/// The client a step sends on (None: not a send).
fn send_client(step: &Step) -> Option<ClientId> {
    match step {
        Step::Send { client, .. }
        | Step::SendRaw { client, .. }
        | Step::SendFrames { client, .. } => Some(*client),
        _ => None,
    }
}

impl Loop<'_> {
    /// Runs case `ri`'s steps as far as they go now.
    pub(super) fn advance<B: Backend>(&mut self, io: &mut B, ri: usize, now: Instant) {
        let plan = self.plan;
        // Bounded: every turn ends a step, and a case has finitely many.
        loop {
            let r = &self.running[ri];
            let case = &plan.cases[r.idx];
            let Some(step) = r.steps(case).get(r.step) else {
                return;
            };
            let progress = match r.wait {
                Wait::Begin => self.begin(io, ri, step, now),
                _ => self.check(io, ri, step, now),
            };
            let r = &mut self.running[ri];
            match progress {
                Progress::Done => r.next_step(case, now),
                Progress::Wait if now < r.deadline => return,
                Progress::Wait => {
                    self.time_out(ri, step, now);
                    let r = &mut self.running[ri];
                    if r.phase == Phase::Cleanup {
                        r.phase = Phase::Done;
                    } else {
                        r.next_step(case, now);
                    }
                }
            }
        }
    }

    fn begin<B: Backend>(&mut self, io: &mut B, ri: usize, step: &Step, now: Instant) -> Progress {
        let r = &mut self.running[ri];
        r.step_started = now;
        match step {
            Step::Connect { client } => {
                if let Some(ci) = r.current[*client] {
                    r.conns[ci].close(io, false, now);
                    self.forget_closed(ri, ci);
                }
                if let Err(reason) = self.open(io, ri, *client) {
                    self.connect_failed(ri, *client, reason);
                    return Progress::Done;
                }
                self.running[ri].wait = Wait::Open;
                self.check(io, ri, step, now)
            }
            Step::Close { client, reset } => {
                if let Some(ci) = r.current[*client].take() {
                    r.conns[ci].close(io, *reset, now);
                    self.forget_closed(ri, ci);
                }
                Progress::Done
            }
            Step::Send { client, .. }
            | Step::SendRaw { client, .. }
            | Step::SendFrames { client, .. } => {
                let live = r.current[*client].is_some_and(|ci| r.conns[ci].is_live());
                if !live {
                    if let Err(reason) = self.open(io, ri, *client) {
                        self.connect_failed(ri, *client, reason);
                        return Progress::Done;
                    }
                }
                self.running[ri].wait = Wait::Open;
                self.check(io, ri, step, now)
            }
            Step::Script { backend, responses } => {
                r.scripts[*backend] = Some(Script {
                    responses: responses.clone(),
                    next: 0,
                });
                Progress::Done
            }
            Step::BackendListen { backend, on } => {
                self.backend_listen(io, ri, *backend, *on);
                Progress::Done
            }
            Step::Sleep(d) => {
                r.wait = Wait::Until(now + *d);
                self.check(io, ri, step, now)
            }
            Step::Expect(_) => {
                r.wait = Wait::Expect;
                self.check(io, ri, step, now)
            }
        }
    }

    fn check<B: Backend>(&mut self, io: &mut B, ri: usize, step: &Step, now: Instant) -> Progress {
        let plan = self.plan;
        let r = &mut self.running[ri];
        match r.wait {
            Wait::Begin => Progress::Wait,
            Wait::Open => {
                let client = match step {
                    Step::Connect { client } => *client,
                    _ => send_client(step).unwrap_or_default(),
                };
                let Some(ci) = r.current[client] else {
                    return Progress::Done;
                };
                match r.conns[ci].state {
                    ConnState::Open if matches!(step, Step::Connect { .. }) => Progress::Done,
                    ConnState::Open => self.send(io, ri, ci, step, now),
                    ConnState::Closed => {
                        let log = &r.transcript.clients[r.conns[ci].log];
                        let reason = closed_text(log);
                        self.connect_failed(ri, client, reason);
                        Progress::Done
                    }
                    ConnState::Connecting | ConnState::Handshaking => Progress::Wait,
                }
            }
            Wait::Responses { conn } => {
                let c = &r.conns[conn];
                if c.wire.awaiting() == 0 {
                    return Progress::Done;
                }
                if c.is_live() {
                    return Progress::Wait;
                }
                let log = &r.transcript.clients[c.log];
                let (name, got) = (&plan.clients[c.client].name, closed_text(log));
                let n = c.wire.awaiting();
                r.fail(
                    format!("responses of client {name}"),
                    format!("a response to each request ({n} missing)"),
                    Got::Nothing(got),
                );
                Progress::Done
            }
            Wait::Until(t) if now >= t => Progress::Done,
            Wait::Until(_) => Progress::Wait,
            Wait::Expect => {
                let Step::Expect(exp) = step else {
                    return Progress::Done;
                };
                let case = &plan.cases[r.idx];
                let cx = Ctx {
                    plan,
                    case,
                    now: r.at(now),
                    step_started: r.at(r.step_started),
                };
                let name = r.step_name();
                match evaluate(&name, exp, &r.transcript, &mut r.cursors, &cx) {
                    Verdict::Wait => Progress::Wait,
                    Verdict::Done(failures) => {
                        r.failures.extend(failures);
                        Progress::Done
                    }
                }
            }
        }
    }

    /// The connection is open: the send step's bytes go.
    fn send<B: Backend>(
        &mut self,
        io: &mut B,
        ri: usize,
        ci: usize,
        step: &Step,
        now: Instant,
    ) -> Progress {
        let r = &mut self.running[ri];
        let conn = &mut r.conns[ci];
        let log = &mut r.transcript.clients[conn.log];
        let mut bytes = Vec::new();
        let wait = match step {
            Step::Send { requests, wait, .. } => {
                conn.wire.send_requests(requests, log, &mut bytes);
                *wait
            }
            Step::SendRaw { bytes: raw, .. } => {
                conn.wire.send_raw(raw, log, &mut bytes);
                false
            }
            Step::SendFrames { frames, .. } => {
                conn.wire.send_frames(frames, log, &mut bytes);
                false
            }
            _ => false,
        };
        conn.write(&bytes, log);
        conn.pump(io, now);
        if !wait {
            return Progress::Done;
        }
        r.wait = Wait::Responses { conn: ci };
        self.check(io, ri, step, now)
    }

    /// Opens a new connection of `client` for case `ri`; it becomes the current one.
    fn open<B: Backend>(&mut self, io: &mut B, ri: usize, client: ClientId) -> Result<(), String> {
        let plan = self.plan;
        let r = &mut self.running[ri];
        let log = r.transcript.clients.len();
        r.transcript.clients.push(ClientLog {
            client,
            ..ClientLog::default()
        });
        let def = &plan.clients[client];
        let marker = &plan.cases[r.idx].marker;
        match ClientConn::open(io, def, client, marker, log) {
            Ok(c) => {
                let conn = r.conns.len();
                self.owners
                    .insert(c.slot, Owner::Client { case: r.idx, conn });
                r.conns.push(c);
                r.current[client] = Some(conn);
                Ok(())
            }
            Err(reason) => {
                r.transcript.clients[log].closed = Some(Closed::Error(reason.clone()));
                r.current[client] = None;
                Err(reason)
            }
        }
    }

    /// Drops the slot's owner once connection `ci` of case `ri` gave its slot back.
    fn forget_closed(&mut self, ri: usize, ci: usize) {
        let r = &self.running[ri];
        let c = &r.conns[ci];
        let owner = Owner::Client {
            case: r.idx,
            conn: ci,
        };
        if !c.slot_open && self.owners.get(&c.slot) == Some(&owner) {
            self.owners.remove(&c.slot);
        }
    }

    fn connect_failed(&mut self, ri: usize, client: ClientId, reason: String) {
        let def = &self.plan.clients[client];
        self.running[ri].fail(
            format!("connection of client {} to {}", def.name, def.connect),
            "an open connection".into(),
            Got::Text(reason),
        );
    }

    /// Stops or starts the backend's listener. Stopping also closes the connections the
    /// backend has, as a backend that goes down does: a proxy that keeps idle upstream
    /// connections (nginx's `keepalive`) must find them gone, not answered.
    fn backend_listen<B: Backend>(&mut self, io: &mut B, ri: usize, backend: usize, on: bool) {
        let l = &mut self.listeners[backend];
        if !on {
            if let Some(n) = l.ring.take() {
                io.close_listener(n);
            }
            let now = Instant::now();
            for bc in self.bconns.values_mut().filter(|bc| bc.backend == backend) {
                bc.end(false);
                bc.pump(io, now);
            }
            return;
        }
        if l.ring.is_some() {
            return;
        }
        match io.listen(l.addr, 1024) {
            Ok(_) => {
                self.ring_listeners.push(backend);
                l.ring = Some(self.ring_listeners.len() - 1);
            }
            Err(e) => {
                let name = &self.plan.backends[backend].name;
                let addr = l.addr;
                self.running[ri].fail(
                    format!("backend {name} listening on {addr}"),
                    "listening".into(),
                    Got::Text(e.to_string()),
                );
            }
        }
    }

    /// The deadline passed while the current step waited.
    fn time_out(&mut self, ri: usize, step: &Step, now: Instant) {
        let plan = self.plan;
        let r = &mut self.running[ri];
        let case = &plan.cases[r.idx];
        let timeout = case.timeout;
        let nothing = format!("nothing within the case's timeout ({timeout:?})");
        let failures = match (step, r.wait) {
            (Step::Expect(exp), Wait::Expect) => {
                let cx = Ctx {
                    plan,
                    case,
                    now: r.at(now),
                    step_started: r.at(r.step_started),
                };
                expire(&r.step_name(), exp, &r.transcript, &r.cursors, &cx)
            }
            _ => Vec::new(),
        };
        if !failures.is_empty() {
            r.failures.extend(failures);
            return;
        }
        let what = match (step, r.wait) {
            (_, Wait::Open) => {
                let client = send_client(step).or(match step {
                    Step::Connect { client } => Some(*client),
                    _ => None,
                });
                let name = client.map_or("?", |c| plan.clients[c].name.as_str());
                format!("connection of client {name}")
            }
            (_, Wait::Responses { conn }) => {
                let c = &r.conns[conn];
                let name = &plan.clients[c.client].name;
                format!("responses of client {name} ({} missing)", c.wire.awaiting())
            }
            (Step::Sleep(_), _) => "sleep".into(),
            _ => "expectation".into(),
        };
        r.fail(
            what,
            "within the case's timeout".into(),
            Got::Nothing(nothing),
        );
    }
}

/// How a connection ended, as text for a failure.
fn closed_text(log: &ClientLog) -> String {
    match &log.closed {
        Some(Closed::Fin) => "the connection was closed (FIN)".into(),
        Some(Closed::Reset) => "the connection was reset".into(),
        Some(Closed::Error(e)) => e.clone(),
        None => "the connection was closed".into(),
    }
}
