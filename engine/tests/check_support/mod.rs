//! Builders for the checker's run tests: plans made in code (backends on free loopback ports,
//! clients, cases, steps, requests, responses), a bounded `run`, and result assertions.
//! Every wait is bounded; nothing here asserts on timing.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;
use tfw_engine::check::run::run_checks;
use tfw_engine::check::{
    BackendDef, BackendId, CasePlan, CaseResult, Check, CheckPlan, ClientDef, ClientId,
    ClientProto, Expectation, Outcome, Pred, Profile, Request, Response, ResponseAction,
    Segmenting, Step, Subject,
};
use tfw_engine::plan::IoMode;
use tfw_engine::proto::tls::TlsSettings;

/// A run that has not returned after this long is a hang: the test fails.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A loopback address nobody listens on (bound, then released).
pub fn free_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

pub fn backend(name: &str, listen: SocketAddr) -> BackendDef {
    BackendDef {
        name: name.into(),
        listen,
        segmenting: Segmenting::default(),
    }
}

pub fn client(name: &str, connect: SocketAddr, proto: ClientProto) -> ClientDef {
    ClientDef {
        name: name.into(),
        connect,
        proto,
        tls: None,
        authority: connect.to_string(),
        scheme: "http".into(),
        segmenting: Segmenting::default(),
        settings: Vec::new(),
        preface: true,
        auto_ack: true,
    }
}

/// A TLS client (no verification; ALPN h2 or http/1.1 by `proto`).
pub fn tls_client(name: &str, connect: SocketAddr, proto: ClientProto) -> ClientDef {
    let alpn = match proto {
        ClientProto::H2 => b"h2".to_vec(),
        ClientProto::H1 => b"http/1.1".to_vec(),
    };
    ClientDef {
        tls: Some(TlsSettings {
            server_name: "localhost".into(),
            alpn: vec![alpn],
            ..TlsSettings::default()
        }),
        scheme: "https".into(),
        ..client(name, connect, proto)
    }
}

pub fn request(method: &str, target: &str, body: &[u8]) -> Request {
    Request {
        method: method.into(),
        target: target.into(),
        version: "HTTP/1.1".into(),
        authority: None,
        headers: Vec::new(),
        body: body.to_vec(),
        chunked: None,
    }
}

pub fn response(status: u16, body: &[u8]) -> Response {
    Response {
        status,
        reason: None,
        version: "HTTP/1.1".into(),
        headers: Vec::new(),
        body: body.to_vec(),
        chunked: None,
        raw: None,
        delay: Duration::ZERO,
        batch: 0,
        action: ResponseAction::Keep,
    }
}

pub fn case(name: &str, steps: Vec<Step>) -> CasePlan {
    CasePlan {
        name: name.into(),
        file: "test.toml".into(),
        marker: format!("m-{name}"),
        alone: false,
        timeout: Duration::from_secs(10),
        profile: Profile::Generic,
        skip: None,
        setup: Vec::new(),
        steps,
        cleanup: Vec::new(),
    }
}

pub fn plan(
    backends: Vec<BackendDef>,
    clients: Vec<ClientDef>,
    cases: Vec<CasePlan>,
    io: IoMode,
) -> CheckPlan {
    CheckPlan {
        backends,
        clients,
        cases,
        parallel: 32,
        cpu: None,
        io,
    }
}

pub fn script(backend: BackendId, responses: Vec<Response>) -> Step {
    Step::Script { backend, responses }
}

pub fn send(client: ClientId, requests: Vec<Request>) -> Step {
    Step::Send {
        client,
        requests,
        wait: true,
    }
}

pub fn expect(subject: Subject, checks: Vec<Check>) -> Step {
    Step::Expect(Expectation { subject, checks })
}

/// The client's next response has `status` and `body`.
pub fn expect_response(client: ClientId, status: u16, body: &str) -> Step {
    expect(
        Subject::Response {
            client,
            index: None,
        },
        vec![
            Check::Status(status),
            Check::Body(Pred::Equals(body.into())),
        ],
    )
}

/// `run_checks` on its own thread, bounded by `RUN_LIMIT`; returns the results and the
/// names `on_result` saw, in its order.
pub fn run_with(plan: &CheckPlan, stop: &AtomicBool) -> (Vec<CaseResult>, Vec<String>) {
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut seen = Vec::new();
            let r = run_checks(plan, stop, &mut |r| seen.push(r.name.clone()));
            let _ = tx.send((r, seen));
        });
        match rx.recv_timeout(RUN_LIMIT) {
            Ok((r, seen)) => (r.expect("run_checks failed"), seen),
            Err(_) => {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                panic!("run_checks did not return within {RUN_LIMIT:?}");
            }
        }
    })
}

pub fn run(plan: &CheckPlan) -> Vec<CaseResult> {
    let (results, seen) = run_with(plan, &AtomicBool::new(false));
    assert_eq!(results.len(), plan.cases.len(), "a result per case");
    assert_eq!(seen.len(), plan.cases.len(), "on_result once per case");
    for (r, c) in results.iter().zip(&plan.cases) {
        assert_eq!(r.name, c.name, "results in plan order");
    }
    results
}

/// Panics with the failures of every case that did not pass.
pub fn assert_all_passed(results: &[CaseResult]) {
    let bad: Vec<String> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Passed)
        .map(|r| {
            format!(
                "{}: {:?}\n  transcript: {:?}",
                r.name, r.outcome, r.transcript
            )
        })
        .collect();
    assert!(bad.is_empty(), "cases did not pass:\n{}", bad.join("\n"));
}

/// The failures of a case that must have failed.
pub fn failures(r: &CaseResult) -> &[tfw_engine::check::Failure] {
    match &r.outcome {
        Outcome::Failed(f) => f,
        other => panic!("{}: expected a failure, got {other:?}", r.name),
    }
}
