//! The built-in target's worker: accepts on its own SO_REUSEPORT listener, tells HTTP/1.1 from
//! HTTP/2 on each connection and answers every request with the prebuilt response, optionally
//! after a fixed delay or a stall, closing after N requests when asked.
//!
//! A connection is HTTP/2 when its first bytes are the HTTP/2 connection preface (h2c with
//! prior knowledge, or h2 over TLS after ALPN), HTTP/1.1 otherwise, so both share the port
//! (`h1`, `h2`). One send per connection is in flight at a time, which keeps responses in
//! order. Two opt-in extras for tests of request mixes: `--set-cookie` makes a connection's
//! first response a per-connection copy carrying its own cookie, and `--record` writes a line
//! per request (`record`).
//!
//! With `--tls` each connection carries a server-side rustls session (`proto::tls`): received
//! bytes are decrypted before parsing, and responses are encrypted and sent with `send_copy`
//! (still one send in flight per connection; handshake records produced meanwhile wait for
//! it). Without `--tls` none of this runs.
//!
//! Layers, so no file imports one that imports it back: the protocols' connection state
//! (`h1.rs`, `h2.rs`) and the record of a request (`rec.rs`) import none of the loop;
//! `state.rs` holds the loop-level `Server` and `Conn` built from their types; the loop is
//! this file (`serve`, events, TLS, sniffing) and `respond.rs` (answering and sending per
//! protocol), which implement `Server` and are imported by nothing.

mod h1;
mod h2;
mod rec;
mod respond;
mod state;

use super::clock::{ns, Clock};
use super::record::Recorder;
use super::{OnBackend, Started};
use crate::plan::ServePlan;
use crate::proto::h2::frame::PREFACE;
use crate::proto::tls::{ServerStep, TlsServerConn};
use crate::result::IoInfo;
use crate::ring::{Backend, Completion, Slot};
use h1::H1Shared;
use h2::H2Shared;
use state::{Conn, Due, Proto, Server};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// Everything a server worker needs.
pub struct ServerSetup {
    /// This worker's index (its position in the plan's CPUs).
    pub worker: usize,
    pub plan: Arc<ServePlan>,
    /// Where every request received is recorded (`--record`); None: off.
    pub record: Option<Arc<Recorder>>,
    pub stop: Arc<AtomicBool>,
    pub counters: Arc<ServerCounters>,
    /// Receives the bound address and I/O facts, or why the worker could not start.
    pub ready: Sender<Result<(SocketAddr, IoInfo), String>>,
}

/// Thread body (after `Placement::spawn`'s pin and backend): listen, report the bound
/// address (or why not) through `ready`, and serve until the stop flag is set.
pub fn server_thread(started: Started, setup: ServerSetup) {
    match started {
        Ok((backend, info)) => backend.run(Serve {
            setup: &setup,
            info,
        }),
        Err(reason) => {
            let _ = setup.ready.send(Err(reason));
        }
    }
}

/// A server worker's setup and backend facts, as `OnBackend`.
struct Serve<'a> {
    setup: &'a ServerSetup,
    info: IoInfo,
}

impl OnBackend for Serve<'_> {
    type Output = ();

    fn run<B: Backend>(self, io: B) {
        serve(io, self.setup, self.info)
    }
}

fn serve<B: Backend>(mut io: B, setup: &ServerSetup, info: IoInfo) {
    let plan = &*setup.plan;
    let h2 = match H2Shared::new(plan) {
        Ok(h) => h,
        Err(e) => {
            let _ = setup.ready.send(Err(e));
            return;
        }
    };
    let h1 = match H1Shared::new(&mut io, plan) {
        Ok(h) => h,
        Err(e) => {
            let _ = setup
                .ready
                .send(Err(format!("cannot register responses: {e}")));
            return;
        }
    };
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
        worker: setup.worker,
        workers: plan.cpus.len().max(1),
        conns: Vec::new(),
        record: setup.record.as_deref(),
        lines: Vec::new(),
        delayed: VecDeque::new(),
        h1,
        h2,
        tls_plain: Vec::new(),
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
        sv.write_records();
    }
    sv.write_records();
}

impl Server<'_> {
    fn write_records(&mut self) {
        if let Some(rec) = self.record {
            if !self.lines.is_empty() {
                rec.write(&self.lines);
                self.lines.clear();
            }
        }
    }

    /// When a request that arrived now is to be answered: None at once, else its due time
    /// (after `--delay`; one falling in the stall waits for its end).
    fn due(&self) -> Option<u64> {
        if self.plan.delay.is_zero() && self.plan.stall.is_none() {
            return None;
        }
        let mut due = self.now + ns(self.plan.delay);
        // Dues stay in arrival order, so the queue stays sorted.
        if let Some((after, len)) = self.plan.stall {
            let (from, to) = (ns(after), ns(after) + ns(len));
            if (from..to).contains(&due) {
                due = to;
            }
        }
        Some(due)
    }

    fn on_event<B: Backend>(&mut self, ev: Completion<'_>, io: &mut B) {
        match ev {
            Completion::Accepted { slot } => {
                let s = slot as usize;
                if self.conns.len() <= s {
                    self.conns.resize_with(s + 1, Conn::default);
                }
                let c = &mut self.conns[s];
                c.epoch = c.epoch.wrapping_add(1);
                c.open = true;
                c.proto = Proto::Sniffing;
                c.sniffed.clear();
                c.h1.reset();
                c.h2 = None;
                c.sending = false;
                c.closing = false;
                c.final_sent = false;
                c.id = self.accepted * self.workers as u64 + self.worker as u64;
                c.tls_out.clear();
                self.accepted += 1;
                if let Some(config) = &self.plan.tls {
                    match TlsServerConn::new(config.clone()) {
                        Ok(t) => c.tls = Some(Box::new(t)),
                        Err(_) => self.close(io, slot),
                    }
                }
            }
            Completion::Data { slot, data } => self.on_data(io, slot, data),
            Completion::Sent { slot } => {
                let Some(c) = self.conns.get_mut(slot as usize) else {
                    return;
                };
                c.sending = false;
                if !c.tls_out.is_empty() {
                    self.push_tls(io, slot);
                } else if c.final_sent {
                    self.close(io, slot);
                } else if c.proto == Proto::H2 {
                    self.flush_h2(io, slot);
                } else {
                    self.flush_h1(io, slot);
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

    /// Sends the TLS records waiting on the connection unless a send is in flight.
    fn push_tls<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if c.open && !c.sending && !c.tls_out.is_empty() {
            io.send_copy(slot, &c.tls_out, true);
            c.tls_out.clear();
            c.sending = true;
        }
    }

    fn on_data<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.closing {
            return;
        }
        let Some(t) = c.tls.as_mut() else {
            return self.on_plain(io, slot, data);
        };
        let mut plain = std::mem::take(&mut self.tls_plain);
        plain.clear();
        let step = t.receive(data, &mut c.tls_out, &mut plain);
        self.push_tls(io, slot);
        match step {
            Ok(ServerStep::Handshaking) => {}
            Ok(ServerStep::Open) if !plain.is_empty() => self.on_plain(io, slot, &plain),
            Ok(ServerStep::Open) => {}
            Ok(ServerStep::Closed) | Err(_) => self.close(io, slot),
        }
        self.tls_plain = plain;
    }

    /// Request bytes (decrypted, with `--tls`): to the connection's protocol, once the first
    /// bytes tell which it is.
    fn on_plain<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        match c.proto {
            Proto::H1 => return self.on_h1(io, slot, data),
            Proto::H2 => return self.on_h2(io, slot, data),
            Proto::Sniffing => {}
        }
        let have = c.sniffed.len();
        let n = data.len().min(PREFACE.len() - have);
        if data[..n] != PREFACE[have..have + n] {
            c.proto = Proto::H1;
            if have > 0 {
                let first = std::mem::take(&mut c.sniffed);
                self.on_h1(io, slot, &first);
                self.conns[slot as usize].sniffed = first;
            }
            return self.on_h1(io, slot, data);
        }
        if have + n < PREFACE.len() {
            c.sniffed.extend_from_slice(data);
            return;
        }
        c.proto = Proto::H2;
        c.h2 = Some(Box::new(self.h2.conn(self.plan)));
        if have > 0 {
            let first = std::mem::take(&mut c.sniffed);
            self.on_h2(io, slot, &first);
            self.conns[slot as usize].sniffed = first;
        }
        self.on_h2(io, slot, data)
    }

    fn release_delayed<B: Backend>(&mut self, io: &mut B) {
        while let Some(&(due, slot, epoch, what)) = self.delayed.front() {
            if due > self.now {
                break;
            }
            self.delayed.pop_front();
            let live = self
                .conns
                .get(slot as usize)
                .is_some_and(|c| c.open && c.epoch == epoch);
            if !live {
                continue;
            }
            match what {
                Due::H1(kind, n) => self.release_h1(io, slot, kind, n),
                Due::H2(stream) => self.respond_h2(io, slot, stream),
            }
        }
    }
}
