//! The built-in target's worker: accepts on its own SO_REUSEPORT listener, parses requests
//! with the sans-IO parser and answers each with the prebuilt response, optionally after a
//! fixed delay, closing after N requests when asked.
//!
//! All responses on a connection are identical bytes, so what a connection is owed is a count;
//! one send per connection is in flight at a time, which keeps responses in order.

use super::clock::{ns, Clock};
use super::{make_backend, AnyBackend};
use crate::plan::ServePlan;
use crate::proto::h1::RequestParser;
use crate::result::IoInfo;
use crate::ring::uring::UringConfig;
use crate::ring::{Backend, Completion, PayloadId, Slot};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Responses sent in one go at most.
const MAX_BATCH: usize = 64;
const MAX_WAIT: Duration = Duration::from_millis(50);

/// Counters the server shares with whoever started it (read after it stops, or for display;
/// updated once per loop turn, not per request).
#[derive(Debug, Default)]
pub struct ServerCounters {
    pub requests: AtomicU64,
    pub responses: AtomicU64,
    pub connections: AtomicU64,
    pub parse_errors: AtomicU64,
}

pub struct ServerSetup {
    pub cpu: usize,
    pub plan: Arc<ServePlan>,
    pub uring: UringConfig,
    pub stop: Arc<AtomicBool>,
    pub counters: Arc<ServerCounters>,
    /// Receives the bound address and I/O facts, or why the worker could not start.
    pub ready: Sender<Result<(SocketAddr, IoInfo), String>>,
}

pub fn server_thread(setup: ServerSetup) {
    if !core_affinity::set_for_current(core_affinity::CoreId { id: setup.cpu }) {
        let _ = setup
            .ready
            .send(Err(format!("could not pin to CPU {}", setup.cpu)));
        return;
    }
    let (backend, info) = match make_backend(setup.plan.io, &setup.uring) {
        Ok(b) => b,
        Err(e) => {
            let _ = setup.ready.send(Err(format!("no I/O backend: {e}")));
            return;
        }
    };
    match backend {
        AnyBackend::Uring(b) => serve(b, &setup, info),
        AnyBackend::Epoll(b) => serve(b, &setup, info),
    }
}

#[derive(Default)]
struct Conn {
    open: bool,
    /// Changes on every accept into this slot; delayed responses check it.
    epoch: u32,
    parser: RequestParser,
    owed: u64,
    sending: bool,
    served: u64,
    /// Close once everything owed is sent.
    closing: bool,
    /// The last send carried the `Connection: close` response.
    final_sent: bool,
}

struct Server<'a> {
    plan: &'a ServePlan,
    conns: Vec<Conn>,
    resp: PayloadId,
    resp_close: PayloadId,
    resp_len: usize,
    delayed: VecDeque<(u64, Slot, u32, u64)>,
    now: u64,
    requests: u64,
    responses: u64,
    accepted: u64,
    parse_errors: u64,
}

fn serve<B: Backend>(mut io: B, setup: &ServerSetup, info: IoInfo) {
    let plan = &*setup.plan;
    let mut batch = Vec::with_capacity(plan.response.len() * MAX_BATCH);
    for _ in 0..MAX_BATCH {
        batch.extend_from_slice(&plan.response);
    }
    let resp = io.register_payload(batch.into());
    let resp_close = io.register_payload(plan.response_close.clone());
    let bound = match io.listen(plan.listen, 4096) {
        Ok(a) => a,
        Err(e) => {
            let _ = setup
                .ready
                .send(Err(format!("cannot listen on {}: {e}", plan.listen)));
            return;
        }
    };
    let _ = setup.ready.send(Ok((bound, info)));
    let clock = Clock::new(Instant::now());
    let mut sv = Server {
        plan,
        conns: Vec::new(),
        resp,
        resp_close,
        resp_len: plan.response.len(),
        delayed: VecDeque::new(),
        now: 0,
        requests: 0,
        responses: 0,
        accepted: 0,
        parse_errors: 0,
    };
    while !setup.stop.load(Ordering::Relaxed) {
        let timeout = match sv.delayed.front() {
            Some(&(due, ..)) => {
                Duration::from_nanos(due.saturating_sub(clock.now_ns())).min(MAX_WAIT)
            }
            None => MAX_WAIT,
        };
        if io.wait(1, Duration::ZERO, timeout).is_err() {
            break;
        }
        sv.now = clock.now_ns();
        io.drain(|ev, io| sv.on_event(ev, io));
        sv.release_delayed(&mut io);
        let c = &setup.counters;
        c.requests.store(sv.requests, Ordering::Relaxed);
        c.responses.store(sv.responses, Ordering::Relaxed);
        c.connections.store(sv.accepted, Ordering::Relaxed);
        c.parse_errors.store(sv.parse_errors, Ordering::Relaxed);
    }
}

impl Server<'_> {
    fn on_event<B: Backend>(&mut self, ev: Completion<'_>, io: &mut B) {
        match ev {
            Completion::Accepted { slot } => {
                let s = slot as usize;
                if self.conns.len() <= s {
                    self.conns.resize_with(s + 1, Conn::default);
                }
                let c = &mut self.conns[s];
                let epoch = c.epoch.wrapping_add(1);
                c.parser.reset();
                *c = Conn {
                    open: true,
                    epoch,
                    parser: std::mem::take(&mut c.parser),
                    ..Conn::default()
                };
                self.accepted += 1;
            }
            Completion::Data { slot, data } => self.on_data(io, slot, data),
            Completion::Sent { slot } => {
                let Some(c) = self.conns.get_mut(slot as usize) else {
                    return;
                };
                c.sending = false;
                if c.final_sent {
                    self.close(io, slot);
                } else {
                    self.flush(io, slot);
                }
            }
            Completion::Closed { slot, .. } | Completion::SendFailed { slot, .. } => {
                self.close(io, slot)
            }
            Completion::Connected { .. } => {}
        }
    }

    fn close<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        if let Some(c) = self.conns.get_mut(slot as usize) {
            if c.open {
                c.open = false;
                io.close(slot, false);
            }
        }
    }

    fn on_data<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.closing {
            return;
        }
        let mut n = 0u64;
        let mut close = false;
        let res = c.parser.feed(data, |r| {
            n += 1;
            if r.close {
                close = true;
                return false;
            }
            true
        });
        self.requests += n;
        if res.is_err() {
            self.parse_errors += 1;
            self.close(io, slot);
            return;
        }
        if close {
            c.closing = true;
        }
        if self.plan.delay.is_zero() {
            c.owed += n;
            self.flush(io, slot);
        } else if n > 0 || close {
            let due = self.now + ns(self.plan.delay);
            self.delayed.push_back((due, slot, c.epoch, n));
        }
    }

    fn release_delayed<B: Backend>(&mut self, io: &mut B) {
        while let Some(&(due, slot, epoch, n)) = self.delayed.front() {
            if due > self.now {
                break;
            }
            self.delayed.pop_front();
            if let Some(c) = self.conns.get_mut(slot as usize) {
                if c.open && c.epoch == epoch {
                    c.owed += n;
                    self.flush(io, slot);
                }
            }
        }
    }

    /// Sends what the connection is owed: plain responses in batches, and the
    /// `Connection: close` one last when the client asked to close or `close_after` is reached.
    fn flush<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        let close_after = self.plan.close_after;
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.sending || c.final_sent {
            return;
        }
        if c.owed == 0 {
            if c.closing {
                self.close(io, slot);
            }
            return;
        }
        let until_close = if close_after > 0 {
            close_after - c.served
        } else {
            u64::MAX
        };
        let last_owed = c.closing && c.owed <= MAX_BATCH as u64;
        if until_close == 1 || (last_owed && c.owed == 1) {
            c.owed -= 1;
            c.served += 1;
            c.sending = true;
            c.final_sent = true;
            c.closing = true;
            self.responses += 1;
            io.send(slot, self.resp_close, 0, usize::MAX, true);
            return;
        }
        // Plain responses, leaving the one that must carry `Connection: close` for later.
        let mut k = c.owed.min(MAX_BATCH as u64).min(until_close - 1);
        if c.closing && k == c.owed {
            k -= 1;
        }
        c.owed -= k;
        c.served += k;
        c.sending = true;
        self.responses += k;
        io.send(slot, self.resp, 0, k as usize * self.resp_len, true);
    }
}
