//! Every step kind and scripted response action through `run_checks`, the loop's backend and
//! a direct client (or the built-in server for HTTP/2 frames): close after the answer, reset
//! after N bytes, delay, batched (pipelined) answers, raw bytes, several responses in order,
//! connect / close / reconnect, silence, sleep, backend_down and backend_up.

mod check_support;
mod common;

use check_support::*;
use std::time::Duration;
use tfw_engine::check::{
    ClientProto, CloseHow, Frame, Got, Outcome, ResponseAction, Step, Subject,
};
use tfw_engine::plan::IoMode;

fn closed(how: CloseHow) -> Step {
    expect(Subject::Closed { client: 0, how }, vec![])
}

fn with(
    mut r: tfw_engine::check::Response,
    f: impl FnOnce(&mut tfw_engine::check::Response),
) -> tfw_engine::check::Response {
    f(&mut r);
    r
}

fn get(target: &str) -> tfw_engine::check::Request {
    request("GET", target, b"")
}

fn response_actions(io: IoMode) {
    let addr = free_addr();
    let cases = vec![
        case(
            "close",
            vec![
                script(
                    0,
                    vec![with(response(200, b"bye"), |r| {
                        r.action = ResponseAction::Close
                    })],
                ),
                send(0, vec![get("/close")]),
                expect_response(0, 200, "bye"),
                closed(CloseHow::Fin),
            ],
        ),
        case(
            "reset_after",
            vec![
                script(
                    0,
                    vec![with(response(200, b"0123456789"), |r| {
                        r.action = ResponseAction::ResetAfter(5)
                    })],
                ),
                Step::Send {
                    client: 0,
                    requests: vec![get("/reset")],
                    wait: false,
                },
                closed(CloseHow::Reset),
            ],
        ),
        case(
            "delay",
            vec![
                script(
                    0,
                    vec![with(response(200, b"late"), |r| {
                        r.delay = Duration::from_millis(20)
                    })],
                ),
                send(0, vec![get("/delay")]),
                expect_response(0, 200, "late"),
            ],
        ),
        case(
            "batch",
            vec![
                script(
                    0,
                    vec![
                        with(response(200, b"first"), |r| r.batch = 2),
                        with(response(200, b"second"), |r| r.batch = 2),
                    ],
                ),
                send(0, vec![get("/b1"), get("/b2")]),
                expect_response(0, 200, "first"),
                expect_response(0, 200, "second"),
            ],
        ),
        case(
            "raw",
            vec![
                script(
                    0,
                    vec![with(response(200, b""), |r| {
                        r.raw = Some(b"HTTP/1.1 204 No Content\r\nx-raw: 1\r\n\r\n".to_vec())
                    })],
                ),
                send(0, vec![get("/raw")]),
                expect_response(0, 204, ""),
            ],
        ),
        case(
            "in_order_last_repeating",
            vec![
                script(0, vec![response(200, b"one"), response(201, b"two")]),
                send(0, vec![get("/1")]),
                send(0, vec![get("/2")]),
                send(0, vec![get("/3")]),
                expect_response(0, 200, "one"),
                expect_response(0, 201, "two"),
                expect_response(0, 201, "two"),
            ],
        ),
    ];
    let p = plan(
        vec![backend("origin", addr)],
        vec![client("h1", addr, ClientProto::H1)],
        cases,
        io,
    );
    assert_all_passed(&run(&p));
}

fn connect_close_reconnect_silence_sleep(io: IoMode) {
    let addr = free_addr();
    let mut c = case(
        "conns",
        vec![
            Step::Connect { client: 0 },
            expect(
                Subject::Silence {
                    client: 0,
                    duration: Duration::from_millis(20),
                },
                vec![],
            ),
            Step::Close {
                client: 0,
                reset: true,
            },
            Step::Connect { client: 0 },
            Step::Sleep(Duration::from_millis(5)),
            send(0, vec![get("/after")]),
            expect_response(0, 200, ""),
            Step::Close {
                client: 0,
                reset: false,
            },
            send(0, vec![get("/third")]),
            expect_response(0, 200, ""),
        ],
    );
    c.setup = vec![Step::Connect { client: 0 }];
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
    assert_all_passed(&results);
    let t = &results[0].transcript;
    // setup's connection, the reconnect, the one after the close.
    assert_eq!(t.clients.len(), 4, "{:?}", t.clients);
    assert_eq!(t.backends[0].requests.len(), 2);
}

fn backend_down_refuses_connections(io: IoMode) {
    let addr = free_addr();
    let before = case(
        "before",
        vec![send(0, vec![get("/")]), expect_response(0, 200, "")],
    );
    let mut down = case(
        "down",
        vec![
            Step::BackendListen {
                backend: 0,
                on: false,
            },
            send(0, vec![get("/")]),
        ],
    );
    down.alone = true;
    down.cleanup = vec![Step::BackendListen {
        backend: 0,
        on: true,
    }];
    let after = case(
        "after",
        vec![send(0, vec![get("/")]), expect_response(0, 200, "")],
    );
    let p = plan(
        vec![backend("origin", addr)],
        vec![client("h1", addr, ClientProto::H1)],
        vec![before, down, after],
        io,
    );
    let results = run(&p);
    assert_eq!(
        results[0].outcome,
        Outcome::Passed,
        "{:?}",
        results[0].outcome
    );
    let f = failures(&results[1]);
    assert_eq!(f[0].step, "step 2", "{f:?}");
    assert!(
        matches!(&f[0].got, Got::Text(t) if t.contains("refused")),
        "{f:?}"
    );
    assert_eq!(
        results[2].outcome,
        Outcome::Passed,
        "{:?}",
        results[2].outcome
    );
}

/// HTTP/2 frames as they are, against the built-in server: DATA on stream 0 is a connection
/// error, answered with GOAWAY.
fn h2_frames(io: IoMode) {
    let server = tfw_engine::start_server(&common::serve_plan(io, b"")).unwrap();
    let steps = vec![
        send(0, vec![get("/")]),
        expect_response(0, 200, ""),
        Step::SendFrames {
            client: 0,
            frames: vec![Frame::Data {
                stream: 0,
                end_stream: false,
                pad: None,
                payload: b"bad".to_vec(),
            }],
        },
        expect(Subject::Goaway { client: 0 }, vec![]),
    ];
    let p = plan(
        vec![],
        vec![client("h2", server.addr, ClientProto::H2)],
        vec![case("frames", steps)],
        io,
    );
    assert_all_passed(&run(&p));
    server.stop();
}

mod auto {
    use tfw_engine::plan::IoMode::Auto;
    #[test]
    fn response_actions() {
        super::response_actions(Auto)
    }
    #[test]
    fn connect_close_reconnect_silence_sleep() {
        super::connect_close_reconnect_silence_sleep(Auto)
    }
    #[test]
    fn backend_down_refuses_connections() {
        super::backend_down_refuses_connections(Auto)
    }
    #[test]
    fn h2_frames() {
        super::h2_frames(Auto)
    }
}

mod epoll {
    use tfw_engine::plan::IoMode::Epoll;
    #[test]
    fn response_actions() {
        super::response_actions(Epoll)
    }
    #[test]
    fn connect_close_reconnect_silence_sleep() {
        super::connect_close_reconnect_silence_sleep(Epoll)
    }
    #[test]
    fn backend_down_refuses_connections() {
        super::backend_down_refuses_connections(Epoll)
    }
    #[test]
    fn h2_frames() {
        super::h2_frames(Epoll)
    }
}
