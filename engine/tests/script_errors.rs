//! A request script that fails, and plans a script cannot run with: a `request()`,
//! `response()` or empty batch failure stops the whole run (every worker) with its message
//! in the result and the totals so far kept, `finish()` still called; a `worker()` failure
//! is the run's error; HTTP/2, a fixed rate and a response count are refused.

mod common;
mod script_support;

use common::*;
use script_support::*;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tfw_engine::plan::{H2Settings, IoMode, LoadPlan, Pacing, Protocol};
use tfw_engine::result::RunResult;
use tfw_engine::script::ScriptWants;
use tfw_engine::{start_server, EngineError, ServerTotals};

const ALL: ScriptWants = ScriptWants {
    request: true,
    response: true,
    delay: false,
};

/// Long enough that a run ending by its duration is plainly not a run stopped by an error.
const LONG: Duration = Duration::from_secs(30);

/// Runs a script of `behaviour` on `workers` workers (sharing a CPU), 2 connections
/// each, pipeline 3, against the built-in target.
fn run(
    behaviour: Behaviour,
    workers: usize,
) -> (
    Result<RunResult, EngineError>,
    ServerTotals,
    Arc<TestFactory>,
) {
    let server = start_server(&serve_plan(IoMode::Auto, b"ok")).expect("start the target");
    let f = TestFactory::new(behaviour, server.addr);
    let plan = plan(server.addr, &f, workers);
    let r = run_bounded(&plan);
    (r, server.stop(), f)
}

fn plan(addr: SocketAddr, f: &Arc<TestFactory>, workers: usize) -> LoadPlan {
    let mut p = load_plan(addr, 2 * workers as u32, LONG, IoMode::Auto);
    p.cpus = vec![client_cpu(); workers];
    p.pipeline = 3;
    p.script = Some(f.clone());
    p
}

fn three_gets(wants: ScriptWants) -> Behaviour {
    Behaviour {
        wants,
        methods: vec!["GET", "GET", "GET"],
        ..Behaviour::default()
    }
}

/// The run stopped early on a script error: its message, the totals until then (every
/// request sent answered, as the target counted), each worker's script finished.
fn assert_stopped(r: &RunResult, server: &ServerTotals, f: &TestFactory, message: &str) {
    assert_eq!(r.script_error.as_deref(), Some(message));
    assert!(
        r.elapsed < LONG,
        "the run went on to its end: {:?}",
        r.elapsed
    );
    let c = &r.totals.counters;
    assert_eq!(c.total_errors(), 0, "errors: {}", errors(r));
    assert_eq!(c.requests, c.responses, "drained");
    assert_eq!(server.requests, c.requests);
    assert_eq!(f.seen().len(), r.workers.len(), "finish() once per worker");
}

#[test]
fn a_request_error_stops_every_worker() {
    let b = Behaviour {
        fail_request: Some(6),
        ..three_gets(ALL)
    };
    let (r, server, f) = run(b, 2);
    let r = r.expect("a script error is a result");
    assert_stopped(&r, &server, &f, "request() failed on call 6");
    // Worker 0 made five batches before its sixth request() failed; no hook was called
    // after that (responses still owed were read, not handed over).
    let w0 = &f.seen()[0];
    assert_eq!((w0.batches, w0.requests), (5, 15));
    assert!(w0.responses <= 15, "responses {}", w0.responses);
    assert_eq!(f.total().requests, r.totals.counters.requests);
}

#[test]
fn a_response_error_stops_the_run() {
    let b = Behaviour {
        fail_response: Some(4),
        ..three_gets(ALL)
    };
    let (r, server, f) = run(b, 1);
    let r = r.expect("a script error is a result");
    assert_stopped(&r, &server, &f, "response() failed on call 4");
    // No response reaches the script after its failure.
    assert_eq!(f.seen()[0].responses, 3);
    assert!(r.totals.counters.responses >= 4);
}

#[test]
fn an_empty_batch_stops_the_run() {
    let b = Behaviour {
        empty_batch: true,
        ..three_gets(ALL)
    };
    let (r, server, f) = run(b, 1);
    let r = r.expect("a script error is a result");
    assert_stopped(&r, &server, &f, "request() made no request");
    assert_eq!(r.totals.counters.requests, 0);
}

#[test]
fn a_batch_larger_than_the_pipeline_stops_the_run() {
    let b = Behaviour {
        methods: vec!["GET"; 4],
        ..three_gets(ALL)
    };
    let (r, server, f) = run(b, 1);
    let r = r.expect("a script error is a result");
    assert_stopped(
        &r,
        &server,
        &f,
        "request() made 4 requests in one batch; the first batch had 3",
    );
    assert_eq!(r.totals.counters.requests, 0);
}

#[test]
fn a_worker_that_gets_no_script_fails_the_run() {
    let b = Behaviour {
        fail_worker: Some(1),
        ..three_gets(ALL)
    };
    let (r, _server, f) = run(b, 2);
    match r {
        Err(e @ EngineError::Script { .. }) => assert_eq!(
            e.to_string(),
            "request script (worker 1): no script for worker 1"
        ),
        Err(other) => panic!("another error: {other}"),
        Ok(r) => panic!("the run went on: {}", summary(&r)),
    }
    // The worker that had its script finished it.
    let seen = f.seen();
    assert_eq!(seen.iter().map(|s| s.worker).collect::<Vec<_>>(), [0]);
}

/// Plans a script cannot run with are refused before anything connects.
#[test]
fn plans_a_script_cannot_run_with_are_refused() {
    let server = start_server(&serve_plan(IoMode::Auto, b"ok")).expect("start the target");
    let f = TestFactory::new(three_gets(ALL), server.addr);
    let refused = |p: LoadPlan| match run_bounded(&p) {
        Err(EngineError::Invalid(msg)) => msg,
        Err(other) => panic!("another error: {other}"),
        Ok(r) => panic!("not refused: {}", summary(&r)),
    };

    let mut h2 = plan(server.addr, &f, 1);
    h2.protocol = Protocol::Http2(H2Settings {
        stream_window: 65_535,
        conn_window: 65_535,
    });
    assert_eq!(
        refused(h2),
        "a request script needs HTTP/1.1; it cannot run over HTTP/2"
    );

    let mut rate = plan(server.addr, &f, 1);
    rate.pacing = Pacing::FixedRate { rate: 100.0 };
    assert_eq!(
        refused(rate),
        "a request script cannot run at a fixed rate (closed loop only)"
    );

    let mut count = plan(server.addr, &f, 1);
    count.stop.responses = Some(100);
    assert_eq!(
        refused(count),
        "a request script that makes requests cannot stop after a response count"
    );
    assert!(f.seen().is_empty(), "no script was made");
    assert_eq!(server.stop().requests, 0);
}
