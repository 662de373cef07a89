//! The engine against the in-process built-in target, for each I/O mode (client and server
//! on the same mode): clean closed-loop runs whose counts must agree with the server's.
//!
//! Every assertion is a count or a logical bound, never a timing threshold.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use tfw_engine::plan::{IoMode, LoadPlan, Pacing, ServePlan};
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
    watch_worker_panics();
    let server = start_server(sp).expect("start the built-in target");
    let server_io = server.io.clone();
    let plan = make(server.addr);
    let r = run_bounded(&plan).expect("run_load");
    let served = server.stop();
    assert_no_worker_panics();
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
    // Every connection the client completed reached the server, and so did the preflight
    // probe (one more connection, no request). Connects abandoned at the end of the run may
    // add more on the server's side only.
    assert!(
        o.served.connections > c.connects,
        "server connections {} vs client connects {} + the preflight",
        o.served.connections,
        c.connects
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
    let request_len = o.plan.requests.entries[0].template.wire.len();
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

/// Completions gathered for up to 200 µs before they are handled (the CLI's default).
fn closed_loop_batched(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, CONNS, Duration::from_secs(1), io);
        p.pacing = Pacing::ClosedLoop {
            batch_wait: Duration::from_micros(200),
        };
        p
    });
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    assert_backend(&o, io);
    assert_bytes(&o, sp.response.len());
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
        p.requests = tfw_engine::plan::RequestMix::single(request("POST", addr, &body));
        p
    });
    assert!(o.plan.requests.entries[0].template.wire.len() > body.len());
    assert_clean(&o.r, CONNS);
    assert_honest(&o);
    assert_bytes(&o, sp.response.len());
}

/// A body far larger than one receive: the target must frame it across many reads.
fn post_256k(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let body: Vec<u8> = (0..256 * 1024u32).map(|i| b'0' + (i % 10) as u8).collect();
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, 4, Duration::from_secs(1), io);
        p.requests = tfw_engine::plan::RequestMix::single(request("POST", addr, &body));
        p
    });
    assert_clean(&o.r, 4);
    assert_honest(&o);
    assert_bytes(&o, sp.response.len());
}

fn head_request(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, CONNS, Duration::from_secs(1), io);
        p.requests = tfw_engine::plan::RequestMix::single(request("HEAD", addr, b""));
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
        if !iv.snapshot.latency.is_empty() {
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

/// A 1 MiB body: many receives per response whatever the buffer sizes are.
fn body_1m(io: IoMode) {
    let body = vec![b'm'; 1 << 20];
    let sp = serve_plan(io, &body);
    let o = run_against(&sp, |addr| load_plan(addr, 4, Duration::from_secs(1), io));
    assert_clean(&o.r, 4);
    assert_honest(&o);
    assert_bytes(&o, sp.response.len());
}

/// More connections than connects allowed in flight: all are opened, a few at a time.
/// (50 rounds of 4 connects; 2 s leaves room for a starved worker on a busy machine.)
fn narrow_connect_window(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, 200, Duration::from_secs(2), io);
        p.connect_window = 4;
        p
    });
    assert_clean(&o.r, 200);
    assert_honest(&o);
    assert_eq!(o.r.totals.counters.connects, 200, "no reconnects expected");
}

/// Every request says `Connection: close`: every response says it too, and the client opens
/// a new connection for each request, without errors.
fn client_asks_close(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| {
        let mut p = load_plan(addr, 4, Duration::from_secs(1), io);
        p.requests = tfw_engine::plan::RequestMix::single(tfw_engine::plan::RequestTemplate {
            wire: std::sync::Arc::from(tfw_engine::proto::h1::build_request(
                "GET",
                "/",
                &addr.to_string(),
                &[("Connection".to_string(), "close".to_string())],
                b"",
            )),
            head: false,
        });
        p
    });
    assert_clean(&o.r, 4);
    assert_honest(&o);
    let c = &o.r.totals.counters;
    // One response per connection: every connect but those cut short by the end of the run
    // carried exactly one.
    assert!(
        c.responses <= c.connects,
        "{} responses over {} connects",
        c.responses,
        c.connects
    );
    assert!(
        c.connects <= c.responses + 4,
        "{} connects for {} responses",
        c.connects,
        c.responses
    );
    assert_bytes(&o, sp.response_close.len());
}

/// The target answers 204 (no Content-Length, no body): nothing to read after the head.
fn status_204(io: IoMode) {
    let mut sp = serve_plan(io, b"");
    sp.response = std::sync::Arc::from(tfw_engine::proto::h1::build_response(204, &[], b"", false));
    sp.response_close =
        std::sync::Arc::from(tfw_engine::proto::h1::build_response(204, &[], b"", true));
    let o = run_against(&sp, |addr| load_plan(addr, 4, Duration::from_secs(1), io));
    let c = &o.r.totals.counters;
    assert_eq!(c.total_errors(), 0, "errors: {}", errors(&o.r));
    assert!(c.responses > 0);
    assert_eq!(
        status_count(&o.r, 204),
        c.responses,
        "status {:?}",
        c.status
    );
    assert_eq!(c.requests, c.responses);
    assert_honest(&o);
    assert_bytes(&o, sp.response.len());
}

/// One connection, pipeline 1: the simplest case must work too.
fn single_connection(io: IoMode) {
    let sp = serve_plan(io, b"ok");
    let o = run_against(&sp, |addr| load_plan(addr, 1, Duration::from_secs(1), io));
    assert_clean(&o.r, 1);
    assert_honest(&o);
}

// --- A raw std::net client against the built-in target: the server side of the codec. ---

/// Starts a target and connects to it with blocking std streams (5 s timeouts).
fn raw_target(io: IoMode) -> (tfw_engine::ServerHandle, ServePlan, TcpStream) {
    watch_worker_panics();
    let sp = serve_plan(io, b"ok");
    let server = start_server(&sp).expect("start the built-in target");
    let s = connect(server.addr);
    (server, sp, s)
}

/// Reads until the server closes (bounded by the read timeout and 1 MiB).
fn read_until_eof(s: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < 1 << 20 {
        match s.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, false),
        }
    }
    (out, false)
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/// Ten requests in one write, then one a byte at a time: eleven responses, in order.
fn raw_pipelined_and_split(io: IoMode) {
    let (server, sp, mut s) = raw_target(io);
    let mut burst = Vec::new();
    for _ in 0..10 {
        burst.extend_from_slice(GET);
    }
    s.write_all(&burst).unwrap();
    s.set_nodelay(true).unwrap();
    for b in GET {
        s.write_all(&[*b]).unwrap();
    }
    let mut got = vec![0u8; 11 * sp.response.len()];
    s.read_exact(&mut got).expect("eleven responses");
    assert_eq!(got, sp.response.repeat(11));
    drop(s);
    let t = server.stop();
    assert_eq!((t.requests, t.responses, t.parse_errors), (11, 11, 0));
    assert_eq!(t.connections, 1);
    assert_no_worker_panics();
}

/// `Connection: close` from the client: the response says close too, and the server closes.
fn raw_connection_close(io: IoMode) {
    let (server, sp, mut s) = raw_target(io);
    let mut reqs = GET.repeat(2);
    reqs.extend_from_slice(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    // Anything after the request that asked to close is not answered.
    reqs.extend_from_slice(GET);
    s.write_all(&reqs).unwrap();
    let (got, eof) = read_until_eof(&mut s);
    assert!(eof, "the server did not close after Connection: close");
    let mut want = sp.response.repeat(2);
    want.extend_from_slice(&sp.response_close);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
    let t = server.stop();
    assert_eq!(t.responses, 3);
    assert_eq!(t.parse_errors, 0);
    assert_no_worker_panics();
}

/// HTTP/1.0 without keep-alive: one response (with Connection: close), then the close.
fn raw_http10(io: IoMode) {
    let (server, sp, mut s) = raw_target(io);
    s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let (got, eof) = read_until_eof(&mut s);
    assert!(eof, "the server kept an HTTP/1.0 connection open");
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&sp.response_close)
    );
    let t = server.stop();
    assert_eq!((t.requests, t.responses, t.parse_errors), (1, 1, 0));
    assert_no_worker_panics();
}

/// Garbage instead of a request: counted as a parse error, answered with `400 Bad Request`
/// and `Connection: close` (as nginx does), then the connection closed; the target goes on
/// serving others.
fn raw_garbage_request(io: IoMode) {
    let (server, sp, mut s) = raw_target(io);
    s.write_all(b"\x16\x03\x01 this is not HTTP\r\n\r\n")
        .unwrap();
    let (got, eof) = read_until_eof(&mut s);
    assert!(
        eof,
        "the server kept a connection with a broken request open"
    );
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{got:?}");
    assert!(got.contains("\r\nConnection: close\r\n"), "{got:?}");
    // Another connection still works.
    let mut s2 = connect(server.addr);
    s2.write_all(GET).unwrap();
    let mut one = vec![0u8; sp.response.len()];
    s2.read_exact(&mut one).unwrap();
    assert_eq!(one, &sp.response[..]);
    drop(s2);
    let t = server.stop();
    assert_eq!(t.parse_errors, 1);
    assert_eq!(t.responses, 2);
    assert_no_worker_panics();
}

/// A chunked request body (with an extension and a trailer) is framed, not taken for requests.
fn raw_chunked_request(io: IoMode) {
    let (server, sp, mut s) = raw_target(io);
    let req: &[u8] = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;e=1\r\nhello\r\n10\r\nGET / HTTP/1.1\r\n\r\n0\r\nX-T: 1\r\n\r\n";
    let mut wire = req.to_vec();
    wire.extend_from_slice(GET);
    s.write_all(&wire).unwrap();
    let mut got = vec![0u8; 2 * sp.response.len()];
    s.read_exact(&mut got).expect("two responses");
    assert_eq!(got, sp.response.repeat(2));
    drop(s);
    let t = server.stop();
    assert_eq!((t.requests, t.responses, t.parse_errors), (2, 2, 0));
    assert_no_worker_panics();
}

per_io_mode!(
    closed_loop,
    closed_loop_batched,
    pipeline_8,
    post_with_body,
    post_256k,
    close_after_3,
    delay_20ms,
    body_64k,
    two_workers,
    single_connection,
    client_asks_close,
    status_204,
    body_1m,
    narrow_connect_window,
    raw_pipelined_and_split,
    raw_connection_close,
    raw_http10,
    raw_garbage_request,
    raw_chunked_request,
);

// The built-in target answers HEAD with the body of its prebuilt response (`Content-Length: 2`
// then `ok`), which RFC 9110 §9.3.2 forbids: the client (rightly) reads no body after a HEAD
// response, so the two bytes are taken as the start of the next response and every
// connection ends in a parse error. The client side of HEAD is checked against a raw server in
// faults.rs (`head_response_without_body`).
mod head {
    #[test]

    fn auto() {
        super::head_request(tfw_engine::plan::IoMode::Auto)
    }
    #[test]

    fn uring_plain() {
        super::head_request(tfw_engine::plan::IoMode::UringPlain)
    }
    #[test]

    fn epoll() {
        super::head_request(tfw_engine::plan::IoMode::Epoll)
    }
}
