//! The engine against targets that misbehave on purpose: raw std::net servers on 127.0.0.1:0
//! (a thread per connection) and the built-in target stopped mid-run. Each run must end
//! (bounded by `RUN_LIMIT`), count errors of the right kind, and never panic. A few raw
//! servers that behave correctly in unusual ways check that those are *not* counted as errors.
//!
//! Each test runs for each I/O mode of the client.

mod common;

use common::*;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tfw_engine::plan::{IoMode, LoadPlan};
use tfw_engine::result::RunResult;
use tfw_engine::stats::ErrorKind;
use tfw_engine::{start_server, EngineError};

const CONNS: u32 = 4;

/// Every error counted is of `kind`.
fn assert_only(r: &tfw_engine::result::RunResult, kind: ErrorKind) {
    assert_eq!(
        r.totals.counters.total_errors(),
        err(r, kind),
        "only {} errors expected: {}",
        kind.name(),
        errors(r)
    );
}

fn plan(addr: std::net::SocketAddr, io: IoMode) -> LoadPlan {
    let mut p = load_plan(addr, CONNS, Duration::from_secs(1), io);
    p.timeout = Duration::from_secs(2);
    p
}

fn err(r: &RunResult, k: ErrorKind) -> u64 {
    r.totals.counters.error(k)
}

/// Common to every faulty run: it started, its counters add up, it did not claim responses
/// it could not have had.
fn assert_sane(r: &RunResult) {
    let c = &r.totals.counters;
    assert_eq!(r.conns_requested, CONNS);
    assert_eq!(&interval_sum(r), c, "intervals add up to the totals");
    assert!(c.requests > 0, "no request was sent");
    assert!(c.responses <= c.requests, "more responses than requests");
    assert!(r.unanswered <= CONNS as u64, "unanswered {}", r.unanswered);
    assert!(!r.interrupted);
    assert_eq!(r.totals.latency.len(), c.responses);
}

/// Answers each request with `reply`, keeping the connection open.
fn answer_each(reply: &'static [u8]) -> impl Fn(TcpStream) + Send + Sync + 'static {
    move |mut s: TcpStream| {
        while read_request(&mut s).is_some() {
            if s.write_all(reply).is_err() {
                return;
            }
        }
    }
}

// (a) A status line that is not HTTP.
fn malformed_status(io: IoMode) {
    let srv = FaultServer::start(answer_each(b"HTTP/1.1 abc\r\n\r\n"));
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Parse) > 0, "errors: {}", errors(&r));
    assert_only(&r, ErrorKind::Parse);
    assert_eq!(r.conns_established, CONNS);
    // After a parse error the connection is closed and opened again.
    assert!(r.totals.counters.connects > CONNS as u64);
}

// (a') Binary garbage instead of a response.
fn garbage_response(io: IoMode) {
    let srv = FaultServer::start(answer_each(b"\x00\xff\x16\x03garbage garbage\r\n\r\n"));
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Parse) > 0, "errors: {}", errors(&r));
    assert_only(&r, ErrorKind::Parse);
}

// (b) Half a response, then a reset: the server never reads the request, so closing with it
// unread in the receive queue makes the kernel send RST instead of FIN.
fn reset_mid_response(io: IoMode) {
    let srv = FaultServer::start(|mut s: TcpStream| {
        let mut b = [0u8; 16];
        // Wait (without consuming) until the request is there; EOF = the preflight probe.
        match s.peek(&mut b) {
            Ok(n) if n > 0 => {}
            _ => return,
        }
        let mut resp = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec();
        resp.extend_from_slice(&[b'x'; 500]);
        let _ = s.write_all(&resp);
        // Dropped with the request unread: RST.
    });
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Read) > 0, "errors: {}", errors(&r));
    assert_eq!(err(&r, ErrorKind::Parse), 0, "errors: {}", errors(&r));
    assert_eq!(err(&r, ErrorKind::Timeout), 0, "errors: {}", errors(&r));
}

// (c) Nothing listens: the run does not start, and says where it could not connect.
fn closed_port(io: IoMode) {
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    match run_bounded(&plan(addr, io)) {
        Err(e @ EngineError::Unreachable { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&addr.to_string()),
                "message {msg:?} lacks {addr}"
            );
            if let EngineError::Unreachable { addr: a, .. } = e {
                assert_eq!(a, addr);
            }
        }
        Err(e) => panic!("expected Unreachable, got {e:?}"),
        Ok(r) => panic!(
            "a run against a closed port succeeded: {} responses, errors {}",
            r.totals.counters.responses,
            errors(&r)
        ),
    }
}

// (d) The built-in target stops while the run goes on: the run completes, counts the broken
// connections and refused reconnects, and keeps what it measured before.
fn target_stops_mid_run(io: IoMode) {
    watch_worker_panics();
    let server = start_server(&serve_plan(io, b"ok")).expect("start the built-in target");
    let addr = server.addr;
    let mut p = load_plan(addr, 20, Duration::from_secs(3), io);
    p.timeout = Duration::from_secs(1);
    let stopper = std::thread::spawn(move || {
        // Stop once it has served something and about 1 s has passed (bounded either way).
        let t0 = Instant::now();
        for _ in 0..250 {
            if server.totals().requests > 0 && t0.elapsed() >= Duration::from_secs(1) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        server.stop()
    });
    let r = run_bounded(&p).expect("run");
    let served = stopper.join().expect("stopper thread");
    let c = &r.totals.counters;
    assert_eq!(r.conns_established, 20);
    assert!(c.responses > 0, "no responses before the stop");
    assert!(
        c.responses <= served.responses,
        "client counted more than was sent"
    );
    assert!(c.responses <= c.requests);
    assert_eq!(&interval_sum(&r), c);
    assert!(
        err(&r, ErrorKind::Connect) + err(&r, ErrorKind::Read) > 0,
        "no connect/read errors after the target went away: {}",
        errors(&r)
    );
    assert_no_worker_panics();
}

// (d') The built-in target answers later than the client waits: every request times out,
// and the late responses (to connections closed meanwhile) go nowhere.
fn target_slower_than_timeout(io: IoMode) {
    watch_worker_panics();
    let mut sp = serve_plan(io, b"ok");
    // Far beyond the timeout, so that a worker descheduled on a busy host still scans for
    // timeouts before the late response arrives (the margin is what makes this test robust,
    // not a speed it asserts).
    sp.delay = Duration::from_secs(3);
    let server = start_server(&sp).expect("start the built-in target");
    let mut p = plan(server.addr, io);
    p.timeout = Duration::from_millis(100);
    let r = run_bounded(&p).expect("run");
    let served = server.stop();
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Timeout) > 0, "errors: {}", errors(&r));
    assert_only(&r, ErrorKind::Timeout);
    assert!(served.requests > 0);
    assert!(served.requests <= r.totals.counters.requests);
    assert_eq!(served.parse_errors, 0);
    assert_no_worker_panics();
}

// (e) Accepts, reads, never answers: requests time out, connections are reopened, the run ends.
fn never_answers(io: IoMode) {
    let srv = FaultServer::start(|mut s: TcpStream| read_to_eof(&mut s));
    let mut p = plan(srv.addr, io);
    p.timeout = Duration::from_millis(300);
    let r = run_bounded(&p).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Timeout) > 0, "errors: {}", errors(&r));
    assert_only(&r, ErrorKind::Timeout);
    assert_eq!(r.conns_established, CONNS);
}

// (f) A head announcing 1000 bytes, 10 sent, then a clean FIN: the body ends early.
fn short_body_then_fin(io: IoMode) {
    let srv = FaultServer::start(|mut s: TcpStream| {
        if read_request(&mut s).is_some() {
            send_and_close(
                &mut s,
                b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789",
            );
        }
    });
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Read) > 0, "errors: {}", errors(&r));
    assert_only(&r, ErrorKind::Read);
}

// (g) More body than Content-Length says: the extra bytes are not a response, so the next
// response on that connection cannot be parsed.
fn body_longer_than_content_length(io: IoMode) {
    let srv = FaultServer::start(answer_each(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
    ));
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert!(r.totals.counters.responses > 0);
    assert!(err(&r, ErrorKind::Parse) > 0, "errors: {}", errors(&r));
}

// (h) The server closes right after reading a request, without answering.
fn close_without_response(io: IoMode) {
    let srv = FaultServer::start(|mut s: TcpStream| {
        if read_request(&mut s).is_some() {
            send_and_close(&mut s, b"");
        }
    });
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Read) > 0, "errors: {}", errors(&r));
    assert_only(&r, ErrorKind::Read);
}

// Two responses for every request: the second is unsolicited.
fn extra_response(io: IoMode) {
    let srv = FaultServer::start(answer_each(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\
          HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ));
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert!(err(&r, ErrorKind::Parse) > 0, "errors: {}", errors(&r));
    assert_only(&r, ErrorKind::Parse);
}

// A response head larger than the parser accepts (MAX_HEAD, 64 KiB), sent as one write.
fn head_too_large(io: IoMode) {
    let srv = FaultServer::start(|mut s: TcpStream| {
        let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..1100 {
            head.extend_from_slice(format!("X-Filler-{i:04}: {}\r\n", "f".repeat(48)).as_bytes());
        }
        head.extend_from_slice(b"Content-Length: 2\r\n\r\nok");
        assert!(head.len() > tfw_engine::proto::h1::MAX_HEAD);
        while read_request(&mut s).is_some() {
            if s.write_all(&head).is_err() {
                return;
            }
        }
    });
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Parse) > 0, "errors: {}", errors(&r));
}

// The head arrives, the body trickles and never completes: the request times out.
fn body_never_completes(io: IoMode) {
    let srv = FaultServer::start(|mut s: TcpStream| {
        if read_request(&mut s).is_none() {
            return;
        }
        let _ = s.set_nodelay(true);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        // One byte every 20 ms until the client gives up (bounded: 10 s at most).
        for _ in 0..500 {
            if s.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let mut p = plan(srv.addr, io);
    p.timeout = Duration::from_millis(300);
    let r = run_bounded(&p).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(err(&r, ErrorKind::Timeout) > 0, "errors: {}", errors(&r));
    assert_eq!(err(&r, ErrorKind::Parse), 0, "errors: {}", errors(&r));
}

// Accepted, then closed at once without reading: the request is lost one way or another.
fn close_on_accept(io: IoMode) {
    let srv = FaultServer::start(drop);
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    assert_eq!(r.totals.counters.responses, 0);
    assert!(
        err(&r, ErrorKind::Read) + err(&r, ErrorKind::Write) > 0,
        "errors: {}",
        errors(&r)
    );
    assert_eq!(err(&r, ErrorKind::Parse), 0, "errors: {}", errors(&r));
    assert_eq!(err(&r, ErrorKind::Timeout), 0, "errors: {}", errors(&r));
}

// --- Unusual but correct servers: no errors may be counted. ---

/// Reads requests and answers each with `reply(request)`; `close` ends the connection after
/// one answer (with FIN, after the peer closed its side or went quiet).
fn serve_with(
    reply: fn(&[u8]) -> Vec<u8>,
    close: bool,
) -> impl Fn(TcpStream) + Send + Sync + 'static {
    move |mut s: TcpStream| {
        let _ = s.set_nodelay(true);
        while let Some(req) = read_request(&mut s) {
            let out = reply(&req);
            if close {
                send_and_close(&mut s, &out);
                return;
            }
            if s.write_all(&out).is_err() {
                return;
            }
        }
    }
}

fn assert_no_errors(r: &RunResult) {
    assert_sane(r);
    let c = &r.totals.counters;
    assert_eq!(c.total_errors(), 0, "errors: {}", errors(r));
    assert!(c.responses > 0);
    assert_eq!(c.requests, c.responses);
    assert_eq!(r.unanswered, 0);
    assert_eq!(status_count(r, 200), c.responses, "status {:?}", c.status);
    assert_eq!(r.conns_established, CONNS);
}

// A body delimited by the end of the connection (no Content-Length): one response per
// connection, each complete at EOF.
fn body_until_close(io: IoMode) {
    let srv = FaultServer::start(serve_with(
        |_| b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close body".to_vec(),
        true,
    ));
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_no_errors(&r);
    let c = &r.totals.counters;
    assert!(c.connects >= c.responses, "one response per connection");
}

// HEAD: Content-Length describes the body a GET would get, but none follows.
fn head_response_without_body(io: IoMode) {
    const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
    let srv = FaultServer::start(serve_with(
        |req| {
            if req.starts_with(b"HEAD / HTTP/1.1\r\n") {
                HEAD.to_vec()
            } else {
                b"not a HEAD request\r\n\r\n".to_vec() // a parse error at the client
            }
        },
        false,
    ));
    let mut p = plan(srv.addr, io);
    p.requests = tfw_engine::plan::RequestMix::single(request("HEAD", srv.addr, b""));
    let r = run_bounded(&p).expect("run");
    assert_no_errors(&r);
    let c = &r.totals.counters;
    assert_eq!(c.bytes_read, c.responses * HEAD.len() as u64);
}

// Interim 100 Continue before the final response, and a chunked body with an extension and a
// trailer: one response each.
fn interim_and_chunked(io: IoMode) {
    const RESP: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n\
        HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
        2;ext=1\r\nok\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n";
    let srv = FaultServer::start(serve_with(|_| RESP.to_vec(), false));
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_no_errors(&r);
    let c = &r.totals.counters;
    assert_eq!(c.bytes_read, c.responses * RESP.len() as u64);
    assert!(
        !c.status.iter().any(|&(code, _)| code == 100),
        "interim responses are not responses: {:?}",
        c.status
    );
}

// A response written a few bytes at a time (TCP_NODELAY): the client must reassemble it.
fn response_in_pieces(io: IoMode) {
    const RESP: &[u8] = b"HTTP/1.1 200 OK\r\nServer: slow\r\nContent-Length: 10\r\n\r\n0123456789";
    let srv = FaultServer::start(|mut s: TcpStream| {
        let _ = s.set_nodelay(true);
        while read_request(&mut s).is_some() {
            for piece in RESP.chunks(7) {
                if s.write_all(piece).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    });
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_no_errors(&r);
    let c = &r.totals.counters;
    assert_eq!(c.bytes_read, c.responses * RESP.len() as u64);
}

// Statuses other than 200, with and without bodies (204 and 304 have none).
fn status_codes(io: IoMode) {
    let srv = FaultServer::start(|mut s: TcpStream| {
        const R: [&[u8]; 4] = [
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
        ];
        let mut i = 0;
        while read_request(&mut s).is_some() {
            if s.write_all(R[i % R.len()]).is_err() {
                return;
            }
            i += 1;
        }
    });
    let r = run_bounded(&plan(srv.addr, io)).expect("run");
    assert_sane(&r);
    let c = &r.totals.counters;
    assert_eq!(c.total_errors(), 0, "errors: {}", errors(&r));
    assert_eq!(c.requests, c.responses);
    assert!(c.responses >= 4);
    let codes: Vec<u16> = c.status.iter().map(|&(code, _)| code).collect();
    assert_eq!(codes, vec![204, 304, 404, 503], "status {:?}", c.status);
    assert_eq!(c.status.iter().map(|&(_, n)| n).sum::<u64>(), c.responses);
    // Each connection cycles 404, 204, 304, 503 from its start: never more 204s than 404s.
    assert!(status_count(&r, 204) <= status_count(&r, 404));
}

// Connections spread over source addresses, round-robin (127.0.0.0/8 is all local).
fn source_addresses(io: IoMode) {
    let peers = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = peers.clone();
    let srv = FaultServer::start(move |mut s: TcpStream| {
        if let Ok(p) = s.peer_addr() {
            seen.lock().unwrap().push(p.ip());
        }
        while read_request(&mut s).is_some() {
            if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .is_err()
            {
                return;
            }
        }
    });
    let mut p = plan(srv.addr, io);
    let a: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    let b: std::net::IpAddr = "127.0.0.3".parse().unwrap();
    p.source_addrs = vec![a, b];
    let r = run_bounded(&p).expect("run");
    assert_no_errors(&r);
    drop(srv);
    let peers = peers.lock().unwrap().clone();
    // The preflight probe connects from the kernel's choice; the run's 4 from a, b, a, b.
    let from_a = peers.iter().filter(|&&ip| ip == a).count();
    let from_b = peers.iter().filter(|&&ip| ip == b).count();
    assert_eq!((from_a, from_b), (2, 2), "peers: {peers:?}");
}

// The stop flag (what SIGINT raises) ends a run early and marks it interrupted.
fn stop_flag_interrupts(io: IoMode) {
    let srv = FaultServer::start(answer_each(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ));
    let mut p = plan(srv.addr, io);
    p.stop.duration = Duration::from_secs(20);
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let raiser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        s.store(true, Ordering::Relaxed);
    });
    let r = run_with_stop(&p, stop).expect("run");
    raiser.join().unwrap();
    assert!(r.interrupted, "the run was not marked interrupted");
    let c = &r.totals.counters;
    assert_eq!(c.total_errors(), 0, "errors: {}", errors(&r));
    assert_eq!(c.requests, c.responses + r.unanswered);
}

per_io_mode!(
    malformed_status,
    garbage_response,
    reset_mid_response,
    closed_port,
    target_stops_mid_run,
    target_slower_than_timeout,
    never_answers,
    short_body_then_fin,
    body_longer_than_content_length,
    close_without_response,
    extra_response,
    head_too_large,
    body_never_completes,
    close_on_accept,
    status_codes,
    source_addresses,
    body_until_close,
    head_response_without_body,
    interim_and_chunked,
    response_in_pieces,
    stop_flag_interrupts,
);
