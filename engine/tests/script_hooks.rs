//! Request scripts on the load path (wrk's `request()`, `response()`, `delay()`), run by a
//! Rust script (`script_support`) against the built-in target over plain TCP and TLS:
//! batches counted as the target counts them, responses handed over whole (chunked coding
//! removed, HEAD without a body), delays asked before every batch, `finish()` once per
//! worker, workers sharing one CPU. Errors and refusals are in `script_errors.rs`.

mod common;
mod script_support;

use common::*;
use script_support::*;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tfw_engine::plan::{IoMode, LoadPlan, ServePlan};
use tfw_engine::result::RunResult;
use tfw_engine::script::ScriptWants;
use tfw_engine::{start_server, ServerTotals};

const ALL: ScriptWants = ScriptWants {
    request: true,
    response: true,
    delay: false,
};

/// Starts the target, runs the plan `make` builds for its address, stops the target.
fn run_script(
    sp: &ServePlan,
    make: impl FnOnce(SocketAddr) -> LoadPlan,
) -> (RunResult, ServerTotals) {
    let server = start_server(sp).expect("start the built-in target");
    let plan = make(server.addr);
    let r = run_bounded(&plan).expect("run");
    (r, server.stop())
}

/// A plan for `factory`'s script: `pipeline` the size of its batches.
fn scripted(addr: SocketAddr, f: &Arc<TestFactory>, pipeline: u32, tls: bool) -> LoadPlan {
    let mut p = load_plan(addr, 2, Duration::from_millis(700), IoMode::Auto);
    p.pipeline = pipeline;
    p.script = Some(f.clone());
    if tls {
        p = client_tls(p);
    }
    p
}

/// What the engine counted, what the target counted and what the scripts saw agree.
fn assert_counts_agree(r: &RunResult, server: &ServerTotals, f: &TestFactory, workers: usize) {
    let c = &r.totals.counters;
    assert_eq!(r.script_error, None);
    assert_eq!(server.requests, c.requests, "the target saw every request");
    assert_eq!(server.parse_errors, 0);
    let seen = f.seen();
    assert_eq!(
        seen.iter().map(|s| s.worker).collect::<Vec<_>>(),
        (0..workers).collect::<Vec<_>>(),
        "finish() once per worker"
    );
    let t = f.total();
    if f.behaviour.wants.request {
        assert_eq!(
            t.requests, c.requests,
            "every request the script made was sent"
        );
        let per_batch = f.behaviour.methods.len() as u64;
        assert_eq!(t.batches * per_batch, t.requests, "whole batches");
    }
    if f.behaviour.wants.response {
        assert_eq!(
            t.responses, c.responses,
            "every response went to the script"
        );
        assert_eq!(t.statuses.get(&200), Some(&c.responses));
    }
}

fn batches_of_three(tls: bool) {
    let mut sp = serve_plan(IoMode::Auto, b"three");
    if tls {
        sp = with_tls(sp);
    }
    let mut f = None;
    let (r, server) = run_script(&sp, |addr| {
        let b = Behaviour {
            wants: ALL,
            methods: vec!["GET", "GET", "GET"],
            ..Behaviour::default()
        };
        let factory = TestFactory::new(b, addr);
        f = Some(factory.clone());
        scripted(addr, &factory, 3, tls)
    });
    let f = f.unwrap();
    assert_clean(&r, 2);
    assert_counts_agree(&r, &server, &f, 1);
    let t = f.total();
    assert!(t.batches > 2, "batches: {}", t.batches);
    assert_eq!(t.bodies.len(), 1, "bodies: {:?}", t.bodies);
    assert_eq!(t.bodies.get(&b"three"[..]), Some(&t.responses));
    if tls {
        assert!(r.tls_negotiated.is_some());
    }
}

#[test]
fn batches_of_three_plain() {
    batches_of_three(false);
}

#[test]
fn batches_of_three_tls() {
    batches_of_three(true);
}

const HEAD: &str = "HTTP/1.1 200 OK\r\nServer: t\r\nX-Script: yes\r\n";

/// The built-in target answering with a field of its own and "hello world".
fn target_with_fields(tls: bool) -> ServePlan {
    let length = "Content-Length: 11\r\n";
    let mut sp = serve_plan(IoMode::Auto, b"");
    sp.response = Arc::from(format!("{HEAD}{length}\r\nhello world").as_bytes());
    sp.response_close =
        Arc::from(format!("{HEAD}{length}Connection: close\r\n\r\nhello world").as_bytes());
    if tls {
        sp = with_tls(sp);
    }
    sp
}

/// A script with a response hook only.
fn response_hook_only(addr: SocketAddr) -> Arc<TestFactory> {
    let b = Behaviour {
        wants: ScriptWants {
            response: true,
            ..ScriptWants::default()
        },
        ..Behaviour::default()
    };
    TestFactory::new(b, addr)
}

/// What every response handed to the script carried, as the test targets send it.
fn assert_seen_whole(f: &TestFactory, encoding: (&str, &str)) {
    let t = f.total();
    assert_eq!(t.batches, 0, "no request() without the hook");
    assert_eq!(t.bodies.get(&b"hello world"[..]), Some(&t.responses));
    let fields: Vec<(&str, &str)> = t
        .first_fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(fields, [("Server", "t"), ("X-Script", "yes"), encoding]);
}

/// A script with a response hook only: the plan's requests go out as without a script
/// (pipelined as the plan says), and every response reaches the script whole.
fn responses_whole(tls: bool) {
    let sp = target_with_fields(tls);
    let mut f = None;
    let (r, server) = run_script(&sp, |addr| {
        let factory = response_hook_only(addr);
        f = Some(factory.clone());
        scripted(addr, &factory, 4, tls)
    });
    let f = f.unwrap();
    assert_clean(&r, 2);
    assert_counts_agree(&r, &server, &f, 1);
    assert_seen_whole(&f, ("Content-Length", "11"));
}

#[test]
fn responses_whole_plain() {
    responses_whole(false);
}

#[test]
fn responses_whole_tls() {
    responses_whole(true);
}

/// A chunked body reaches the script with its chunk framing removed (the built-in target
/// sends no chunked body: a raw server here answers each request in two chunks).
#[test]
fn chunked_responses_whole() {
    let answered = Arc::new(AtomicU64::new(0));
    let n = answered.clone();
    let server = FaultServer::start(move |mut s| {
        let chunked = format!(
            "{HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        );
        while read_request(&mut s).is_some() {
            if s.write_all(chunked.as_bytes()).is_err() {
                return;
            }
            n.fetch_add(1, Ordering::Relaxed);
        }
    });
    let f = response_hook_only(server.addr);
    let r = run_bounded(&scripted(server.addr, &f, 4, false)).expect("run");
    drop(server);
    assert_clean(&r, 2);
    assert_eq!(r.script_error, None);
    assert_eq!(answered.load(Ordering::Relaxed), r.totals.counters.requests);
    assert_eq!(f.total().responses, r.totals.counters.responses);
    assert_seen_whole(&f, ("Transfer-Encoding", "chunked"));
}

/// A HEAD in the middle of a batch: its response has no body, the others have theirs,
/// and the framing holds (no parse error, counts agree).
fn head_in_a_batch(tls: bool) {
    let mut sp = serve_plan(IoMode::Auto, b"body of GET");
    if tls {
        sp = with_tls(sp);
    }
    let mut f = None;
    let (r, server) = run_script(&sp, |addr| {
        let b = Behaviour {
            wants: ALL,
            methods: vec!["GET", "HEAD", "GET"],
            ..Behaviour::default()
        };
        let factory = TestFactory::new(b, addr);
        f = Some(factory.clone());
        scripted(addr, &factory, 3, tls)
    });
    let f = f.unwrap();
    assert_clean(&r, 2);
    assert_counts_agree(&r, &server, &f, 1);
    let t = f.total();
    assert_eq!(t.head_requests, t.batches);
    assert_eq!(
        t.bodies.get(&b""[..]),
        Some(&t.head_requests),
        "HEAD: no body"
    );
    assert_eq!(
        t.bodies.get(&b"body of GET"[..]),
        Some(&(2 * t.batches)),
        "GET: the body"
    );
}

#[test]
fn head_in_a_batch_plain() {
    head_in_a_batch(false);
}

#[test]
fn head_in_a_batch_tls() {
    head_in_a_batch(true);
}

/// `delay()` is asked before every batch; a delay of some milliseconds holds each
/// connection, and counts still agree.
fn delays(wants: ScriptWants) {
    let sp = serve_plan(IoMode::Auto, b"later");
    let mut f = None;
    let (r, server) = run_script(&sp, |addr| {
        let b = Behaviour {
            wants,
            methods: vec!["GET", "GET"],
            delay: Duration::from_millis(20),
            ..Behaviour::default()
        };
        let factory = TestFactory::new(b, addr);
        f = Some(factory.clone());
        scripted(addr, &factory, 2, false)
    });
    let f = f.unwrap();
    assert_clean(&r, 2);
    assert_counts_agree(&r, &server, &f, 1);
    let t = f.total();
    let c = &r.totals.counters;
    // Batches sent: two requests each (the script's, or the plan's `pipeline`).
    let batches = c.requests / 2;
    assert_eq!(c.requests % 2, 0, "whole batches");
    // Each batch was preceded by a delay(); at the end a connection may have been waiting
    // out one whose batch never went.
    assert!(
        t.delays >= batches && t.delays <= batches + 2,
        "delays {} for {batches} batches",
        t.delays
    );
    if wants.request {
        assert_eq!(t.batches, batches);
    }
}

#[test]
fn delay_before_each_script_batch() {
    delays(ScriptWants {
        request: true,
        response: true,
        delay: true,
    });
}

#[test]
fn delay_before_each_static_batch() {
    delays(ScriptWants {
        delay: true,
        ..ScriptWants::default()
    });
}

/// wrk's `-t` above the number of CPUs: workers share a CPU (pinned to the same one).
#[test]
fn workers_share_a_cpu() {
    let sp = serve_plan(IoMode::Auto, b"shared");
    let cpu = client_cpu();
    let (r, server) = run_script(&sp, |addr| {
        let mut p = load_plan(addr, 8, Duration::from_millis(500), IoMode::Auto);
        p.cpus = vec![cpu; 4];
        p
    });
    assert_clean(&r, 8);
    assert_eq!(server.requests, r.totals.counters.requests);
    assert_eq!(r.workers.len(), 4);
    assert!(r.workers.iter().all(|w| w.cpu == cpu && w.conns == 2));
}

/// The same with a script: one per worker, each finished once.
#[test]
fn scripts_on_workers_sharing_a_cpu() {
    let sp = serve_plan(IoMode::Auto, b"shared");
    let mut f = None;
    let (r, server) = run_script(&sp, |addr| {
        let b = Behaviour {
            wants: ALL,
            methods: vec!["GET"],
            ..Behaviour::default()
        };
        let factory = TestFactory::new(b, addr);
        f = Some(factory.clone());
        let mut p = scripted(addr, &factory, 1, false);
        p.conns = 4;
        p.cpus = vec![client_cpu(); 3];
        p
    });
    let f = f.unwrap();
    assert_clean(&r, 4);
    assert_counts_agree(&r, &server, &f, 3);
    assert_eq!(r.workers.len(), 3);
}
