//! The engine against the in-process built-in target, for each I/O mode (client and server
//! on the same mode): clean closed-loop runs whose counts must agree with the server's.
//!
//! Every assertion is a count or a logical bound, never a timing threshold.

mod common;

use common::*;
use std::time::Duration;
use tfw_engine::plan::{IoMode, LoadPlan, ServePlan};
use tfw_engine::result::{IoInfo, RunResult};
use tfw_engine::{start_server, ServerTotals};

const CONNS: u32 = 20;

struct Outcome {
    plan: LoadPlan,
    r: RunResult,
    served: ServerTotals,
    server_io: IoInfo,
}

/// Starts the built-in target from `sp`, runs `plan` (made by `make` from its address)
/// against it, stops the target, and returns both sides' counts.
fn run_against(sp: &ServePlan, make: impl FnOnce(std::net::SocketAddr) -> LoadPlan) -> Outcome {
    let server = start_server(sp).expect("start the built-in target");
    let server_io = server.io.clone();
    let plan = make(server.addr);
    let r = run_bounded(&plan).expect("run_load");
    let served = server.stop();
    Outcome {
        plan,
        r,
        served,
        server_io,
    }
}

/// The server answered exactly what the client counted: the drain guarantees the client
/// waited for every response it was owed, and the preflight connect sent no request.
fn assert_honest(o: &Outcome) {
    let c = &o.r.totals.counters;
    assert_eq!(
        o.served.requests, c.responses,
        "server requests vs client responses"
    );
    assert_eq!(
        o.served.responses, c.responses,
        "server responses vs client responses"
    );
    assert_eq!(o.served.parse_errors, 0, "server parse errors");
    // The preflight connection is accepted as well, so the server saw at least one more.
    assert!(
        o.served.connections >= 2,
        "server connections {}",
        o.served.connections
    );
}

fn assert_backend(o: &Outcome, io: IoMode) {
    let want = backend_name(io);
    assert_eq!(
        o.r.io.backend, want,
        "client backend (fallback: {:?})",
        o.r.io.fallback_reason
    );
    assert_eq!(
        o.server_io.backend, want,
        "server backend (fallback: {:?})",
        o.server_io.fallback_reason
    );
    assert_eq!(
        o.r.io.multishot_recv,
        io == IoMode::Auto,
        "client multishot_recv"
    );
    assert_eq!(
        o.server_io.multishot_recv,
        io == IoMode::Auto,
        "server multishot_recv"
    );
    if io == IoMode::Epoll {
        assert!(!o.r.io.buffer_ring);
    }
}

/// Every byte sent is a whole request, and every byte read belongs to a complete response
/// of `response_len` bytes.
fn assert_bytes(o: &Outcome, response_len: usize) {
    let request_len = o.plan.request.wire.len();
    let c = &o.r.totals.counters;
    assert_eq!(
        c.bytes_written,
        c.requests * request_len as u64,
        "bytes written"
    );
    assert_eq!(
        c.bytes_read,
        c.responses * response_len as u64,
        "bytes read"
    );
}

fn closed_loop(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| {
        load_plan(addr, CONNS, Duration::from_millis(1500), io)
    });
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    assert_backend(&o, io);
    assert_bytes(&o, sp.response.len());
    assert_eq!(o.r.workers.len(), 1);
    assert_eq!(o.r.workers[0].cpu, client_cpu());
    assert_eq!(o.r.pipeline, 1);
    // Several intervals (250 ms over 1.5 s) plus the tail; each ends later than the last.
    assert!(
        o.r.intervals.len() >= 2,
        "intervals: {}",
        o.r.intervals.len()
    );
    for w in o.r.intervals.windows(2) {
        assert!(w[0].t_s <= w[1].t_s, "interval times go back");
    }
}

fn pipeline_8(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, CONNS, Duration::from_secs(1), io);
        p.pipeline = 8;
        p
    });
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    assert_eq!(o.r.pipeline, 8);
    assert_bytes(&o, sp.response.len());
}

fn post_with_body(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let body: Vec<u8> = (0..1500u32).map(|i| b'a' + (i % 26) as u8).collect();
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, CONNS, Duration::from_secs(1), io);
        p.request = request("POST", addr, &body);
        p
    });
    assert!(o.plan.request.wire.len() > body.len());
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    assert_bytes(&o, sp.response.len());
}

fn head_request(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, CONNS, Duration::from_secs(1), io);
        p.request = request("HEAD", addr, b"");
        p
    });
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    // A response to HEAD carries no body (RFC 9110 §9.3.2): only the head is on the wire.
    let head_len = sp.response.len() - 2;
    assert_bytes(&o, head_len);
}

fn close_after_3(io: IoMode) {
    let mut sp = serve_plan(io, b"ok");
    sp.close_after = 3;
    let o = run_against(&sp, |addr| {
        load_plan(addr, CONNS, Duration::from_secs(1), io)
    });
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    let c = &o.r.totals.counters;
    // Every third response closes the connection, so the client reconnected.
    assert!(
        c.connects > CONNS as u64,
        "connects {} <= conns",
        c.connects
    );
    // A connection carries at most 3 responses, on both sides' counts.
    assert!(
        c.responses <= 3 * c.connects,
        "responses {} > 3 x connects {}",
        c.responses,
        c.connects
    );
    assert!(
        o.served.requests <= 3 * o.served.connections,
        "served {} requests over {} connections",
        o.served.requests,
        o.served.connections
    );
    // Responses are the plain ones or the longer `Connection: close` ones.
    assert!(c.bytes_read >= c.responses * sp.response.len() as u64);
    assert!(c.bytes_read <= c.responses * sp.response_close.len() as u64);
}

fn delay_20ms(io: IoMode) {
    let mut sp = serve_plan(io, b"ok");
    sp.delay = Duration::from_millis(20);
    let o = run_against(&sp, |addr| {
        load_plan(addr, CONNS, Duration::from_secs(1), io)
    });
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    // Not a timing threshold: no response can arrive before the server's delay has passed.
    let min = o.r.totals.latency.min();
    assert!(
        min >= 20_000,
        "latency min {min} µs < the 20 ms server delay"
    );
    for iv in &o.r.intervals {
        if iv.snapshot.latency.len() > 0 {
            assert!(
                iv.snapshot.latency.min() >= 20_000,
                "interval min below the delay"
            );
        }
    }
}

fn body_64k(io: IoMode) {
    let body = vec![b'b'; 64 * 1024];
    let sp = serve_plan(io, &body);
    let o = run_against(&sp, |addr| {
        load_plan(addr, CONNS, Duration::from_secs(1), io)
    });
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    assert_bytes(&o, sp.response.len());
}

/// Two client workers against a two-worker target (SO_REUSEPORT listeners on one port).
fn two_workers(io: IoMode) {
    let mut sp = serve_plan(io, b"ok");
    sp.cpus = two_cpus();
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, CONNS + 1, Duration::from_secs(1), io);
        p.cpus = two_cpus();
        p
    });
    assert_clean(&o.r, CONNS + 1);
    assert_honest(&o);
    let n = two_cpus().len();
    assert_eq!(o.r.workers.len(), n);
    if n == 2 {
        // 21 connections over 2 workers: 11 and 10.
        assert_eq!(o.r.workers[0].conns, 11);
        assert_eq!(o.r.workers[1].conns, 10);
    }
}

/// One connection, pipeline 1: the simplest case must work too.
fn single_connection(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| load_plan(addr, 1, Duration::from_secs(1), io));
    assert_clean(&o.r, 1);
    assert_honest(&o);
}

macro_rules! per_io_mode {
    ($($name:ident),* $(,)?) => {
        mod auto {
            $( #[test] fn $name() { super::$name(tfw_engine::plan::IoMode::Auto) } )*
        }
        mod uring_plain {
            $( #[test] fn $name() { super::$name(tfw_engine::plan::IoMode::UringPlain) } )*
        }
        mod epoll {
            $( #[test] fn $name() { super::$name(tfw_engine::plan::IoMode::Epoll) } )*
        }
    };
}

per_io_mode!(
    closed_loop,
    pipeline_8,
    post_with_body,
    head_request,
    close_after_3,
    delay_20ms,
    body_64k,
    two_workers,
    single_connection,
);
