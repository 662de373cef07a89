//! `run_checks` with the loop's own backend and a client talking to it directly (no proxy:
//! the client connects to the backend's listen address, so a case's client and backend are
//! the two ends): scripted answers, routing by marker across parallel cases, strays, the
//! stop flag, and segmentation on both sides. Each on io_uring (auto) and epoll.

mod check_support;

use check_support::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tfw_engine::check::run::run_checks;
use tfw_engine::check::{Check, ClientProto, Outcome, Pred, Segmenting, Step, Subject};
use tfw_engine::plan::IoMode;

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod auto {
            $( #[test] fn $name() { super::$name(tfw_engine::plan::IoMode::Auto) } )*
        }
        mod epoll {
            $( #[test] fn $name() { super::$name(tfw_engine::plan::IoMode::Epoll) } )*
        }
    };
}

fn scripted_answer_reaches_the_client(io: IoMode) {
    let addr = free_addr();
    let steps = vec![
        script(0, vec![response(201, b"hello")]),
        send(0, vec![request("POST", "/x?y=1", b"body!")]),
        expect_response(0, 201, "hello"),
        expect(
            Subject::BackendRequest {
                backend: 0,
                index: None,
            },
            vec![
                Check::Method("POST".into()),
                Check::Target("/x?y=1".into()),
                Check::Body(Pred::Equals("body!".into())),
            ],
        ),
        expect(
            Subject::Forwarded {
                client: 0,
                sent: 0,
                backend: 0,
                index: 0,
            },
            vec![],
        ),
    ];
    let p = plan(
        vec![backend("origin", addr)],
        vec![client("h1", addr, ClientProto::H1)],
        vec![case("one", steps)],
        io,
    );
    let results = run(&p);
    assert_all_passed(&results);
    let t = &results[0].transcript;
    assert_eq!(t.backends[0].requests.len(), 1);
    assert_eq!(t.backends[0].connections, 1);
    assert_eq!(t.clients.len(), 1);
    assert!(t.clients[0].local.is_some(), "the client's local address");
}

fn parallel_cases_are_told_apart_by_marker(io: IoMode) {
    let addr = free_addr();
    let cases = (0..12)
        .map(|i| {
            let body = format!("case {i}");
            case(
                &format!("c{i}"),
                vec![
                    script(0, vec![response(200, body.as_bytes())]),
                    send(0, vec![request("GET", &format!("/{i}"), b"")]),
                    expect_response(0, 200, &body),
                    send(0, vec![request("GET", &format!("/{i}/again"), b"")]),
                    expect_response(0, 200, &body),
                    expect(
                        Subject::BackendCount {
                            backend: 0,
                            count: 2,
                            settle: Duration::from_millis(10),
                        },
                        vec![],
                    ),
                ],
            )
        })
        .collect();
    let p = plan(
        vec![backend("origin", addr)],
        vec![client("h1", addr, ClientProto::H1)],
        cases,
        io,
    );
    let results = run(&p);
    assert_all_passed(&results);
    for (i, r) in results.iter().enumerate() {
        let reqs = &r.transcript.backends[0].requests;
        assert_eq!(reqs[0].target, format!("/{i}"), "{}", r.name);
    }
}

fn request_without_a_case_is_answered_502(io: IoMode) {
    let addr = free_addr();
    // No marker and no case scripted the backend: a stray.
    let raw = b"GET /stray HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    let steps = vec![
        Step::SendRaw {
            client: 0,
            bytes: raw,
        },
        expect_response(0, 502, ""),
        expect(
            Subject::BackendCount {
                backend: 0,
                count: 0,
                settle: Duration::from_millis(10),
            },
            vec![],
        ),
    ];
    let p = plan(
        vec![backend("origin", addr)],
        vec![client("h1", addr, ClientProto::H1)],
        vec![case("stray", steps)],
        io,
    );
    assert_all_passed(&run(&p));
}

fn refused_port_fails_the_case_with_a_reason(io: IoMode) {
    let nobody = free_addr();
    let p = plan(
        vec![],
        vec![client("h1", nobody, ClientProto::H1)],
        vec![case(
            "refused",
            vec![send(0, vec![request("GET", "/", b"")])],
        )],
        io,
    );
    let results = run(&p);
    let f = failures(&results[0]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].step, "step 1");
    assert!(f[0].what.contains("client h1"), "{f:?}");
    let got = format!("{:?}", f[0].got);
    assert!(got.contains("refused"), "{got}");
}

fn silent_peer_is_bounded_by_the_timeout(io: IoMode) {
    let addr = free_addr();
    let mut hang = response(200, b"");
    hang.action = tfw_engine::check::ResponseAction::Hang;
    let mut c = case(
        "silent",
        vec![
            script(0, vec![hang]),
            send(0, vec![request("GET", "/", b"")]),
            expect_response(0, 200, ""),
        ],
    );
    c.timeout = Duration::from_millis(200);
    // Cleanup runs after the timeout, with its own deadline.
    c.cleanup = vec![Step::Close {
        client: 0,
        reset: false,
    }];
    let p = plan(
        vec![backend("origin", addr)],
        vec![client("h1", addr, ClientProto::H1)],
        vec![c],
        io,
    );
    let results = run(&p);
    let f = failures(&results[0]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].step, "step 2", "{f:?}");
    assert!(
        matches!(f[0].got, tfw_engine::check::Got::Nothing(_)),
        "{f:?}"
    );
    // The request did arrive; nothing was answered.
    assert_eq!(results[0].transcript.backends[0].requests.len(), 1);
    assert!(results[0].transcript.clients[0].responses.is_empty());
}

fn stop_flag_interrupts_and_skips(io: IoMode) {
    let addr = free_addr();
    let mut hang = response(200, b"");
    hang.action = tfw_engine::check::ResponseAction::Hang;
    let quick = case("quick", vec![send(0, vec![request("GET", "/", b"")])]);
    let mut slow = case(
        "slow",
        vec![
            script(0, vec![hang]),
            send(0, vec![request("GET", "/", b"")]),
        ],
    );
    slow.timeout = Duration::from_secs(30);
    let last = case("last", vec![send(0, vec![request("GET", "/", b"")])]);
    let mut p = plan(
        vec![backend("origin", addr)],
        vec![client("h1", addr, ClientProto::H1)],
        vec![quick, slow, last],
        io,
    );
    p.parallel = 1;
    let stop = AtomicBool::new(false);
    // Raised once the first case reported: the second is running (or about to start).
    let results =
        run_checks(&p, &stop, &mut |_| stop.store(true, Ordering::Relaxed)).expect("run_checks");
    assert_eq!(results[0].outcome, Outcome::Passed);
    match &results[1].outcome {
        Outcome::Failed(f) => assert!(format!("{f:?}").contains("interrupted"), "{f:?}"),
        Outcome::Skipped(why) => assert_eq!(why, "interrupted"),
        Outcome::Passed => panic!("the hanging case cannot pass"),
    }
    assert_eq!(results[2].outcome, Outcome::Skipped("interrupted".into()));
}

fn segments_of_one_byte_both_ways(io: IoMode) {
    let addr = free_addr();
    let one = Segmenting {
        size: 1,
        gap: Duration::from_millis(1),
    };
    let mut b = backend("origin", addr);
    b.segmenting = one;
    let mut c = client("h1", addr, ClientProto::H1);
    c.segmenting = one;
    let steps = vec![
        script(0, vec![response(200, b"segmented answer")]),
        send(0, vec![request("POST", "/seg", b"segmented body")]),
        expect_response(0, 200, "segmented answer"),
        expect(
            Subject::BackendRequest {
                backend: 0,
                index: None,
            },
            vec![Check::Body(Pred::Equals("segmented body".into()))],
        ),
    ];
    let p = plan(vec![b], vec![c], vec![case("seg", steps)], io);
    assert_all_passed(&run(&p));
}

on_both!(
    scripted_answer_reaches_the_client,
    parallel_cases_are_told_apart_by_marker,
    request_without_a_case_is_answered_502,
    refused_port_fails_the_case_with_a_reason,
    silent_peer_is_bounded_by_the_timeout,
    stop_flag_interrupts_and_skips,
    segments_of_one_byte_both_ways,
);
