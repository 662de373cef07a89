//! `evaluate`, `expire` and `wake_at` on hand-built transcripts, one subject kind at a time.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::check::plan::*;
use crate::check::transcript::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn client(name: &str, proto: ClientProto) -> ClientDef {
    ClientDef {
        name: name.into(),
        connect: "127.0.0.1:8081".parse().unwrap(),
        proto,
        tls: None,
        authority: "localhost".into(),
        scheme: "http".into(),
        segmenting: Segmenting::default(),
        settings: vec![],
        preface: true,
        auto_ack: true,
    }
}

fn plan(profile: Profile) -> CheckPlan {
    CheckPlan {
        backends: vec![BackendDef {
            name: "origin".into(),
            listen: "127.0.0.1:8000".parse().unwrap(),
            segmenting: Segmenting::default(),
        }],
        clients: vec![client("h1", ClientProto::H1), client("h2", ClientProto::H2)],
        cases: vec![CasePlan {
            name: "t.case".into(),
            file: "t.toml".into(),
            marker: "c1".into(),
            alone: false,
            timeout: ms(1000),
            profile,
            skip: None,
            setup: vec![],
            steps: vec![],
            cleanup: vec![],
        }],
        parallel: 1,
        cpu: None,
        io: Default::default(),
    }
}

fn cx(p: &CheckPlan, now: u64, started: u64) -> Ctx<'_> {
    Ctx {
        plan: p,
        case: &p.cases[0],
        now: ms(now),
        step_started: ms(started),
    }
}

fn resp(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Message {
    Message {
        version: "HTTP/1.1".into(),
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
        ..Message::default()
    }
}

fn req(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Message {
    Message {
        method: method.into(),
        target: target.into(),
        ..resp(0, headers, body)
    }
}

fn conn(client: usize, responses: Vec<Message>) -> ClientLog {
    ClientLog {
        client,
        responses,
        ..ClientLog::default()
    }
}

fn exp(subject: Subject, checks: Vec<Check>) -> Expectation {
    Expectation { subject, checks }
}

fn next_response(client: usize) -> Subject {
    Subject::Response {
        client,
        index: None,
    }
}

fn done(v: Verdict) -> Vec<Failure> {
    match v {
        Verdict::Done(f) => f,
        Verdict::Wait => panic!("expected a verdict, got Wait"),
    }
}

fn re(s: &str) -> Regex {
    Regex(Arc::new(regex::Regex::new(s).unwrap()))
}

fn frame(kind: u8, stream: u32, code: Option<u32>, at: u64) -> FrameEvent {
    FrameEvent {
        kind,
        flags: 0,
        stream,
        len: 8,
        code,
        last_stream: None,
        debug: vec![],
        at: ms(at),
    }
}

#[test]
fn next_unread_response_advances_the_cursor_then_waits() {
    let p = plan(Profile::Generic);
    let t = Transcript {
        clients: vec![conn(0, vec![resp(200, &[], b""), resp(404, &[], b"")])],
        backends: vec![],
    };
    let mut cur = Cursors::default();
    let e = exp(next_response(0), vec![Check::Status(200)]);
    assert_eq!(
        evaluate("1", &e, &t, &mut cur, &cx(&p, 5, 0)),
        Verdict::Done(vec![])
    );
    let f = done(evaluate("2", &e, &t, &mut cur, &cx(&p, 5, 0)));
    assert_eq!(
        f,
        vec![Failure {
            step: "2".into(),
            what: "response 1 of client h1: status".into(),
            expected: "200".into(),
            got: Got::Text("404".into()),
        }]
    );
    assert_eq!(
        evaluate("3", &e, &t, &mut cur, &cx(&p, 5, 0)),
        Verdict::Wait
    );
    assert_eq!(cur.responses, vec![2]);
}

#[test]
fn response_by_index_counts_over_all_connections_of_the_client() {
    let p = plan(Profile::Generic);
    let t = Transcript {
        clients: vec![
            conn(1, vec![resp(201, &[], b"")]),
            conn(0, vec![resp(500, &[], b"")]),
            conn(1, vec![resp(202, &[], b""), resp(203, &[], b"")]),
        ],
        backends: vec![],
    };
    let mut cur = Cursors::default();
    let e = exp(
        Subject::Response {
            client: 1,
            index: Some(2),
        },
        vec![Check::Status(203)],
    );
    assert_eq!(
        evaluate("1", &e, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    // Reading index 2 moves the next unread one past it.
    assert_eq!(cur.responses, vec![0, 3]);
    let next = exp(next_response(1), vec![]);
    assert_eq!(
        evaluate("2", &next, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
}

#[test]
fn header_checks_pass_and_fail_with_joined_values() {
    let p = plan(Profile::Generic);
    let m = resp(
        200,
        &[
            ("Content-Type", "text/plain"),
            ("x-a", "1"),
            ("X-A", "2"),
            ("server", "tfw"),
        ],
        b"",
    );
    let t = Transcript {
        clients: vec![conn(0, vec![m])],
        backends: vec![],
    };
    let hdr = |name: &str, pred: Pred| Check::Header {
        name: name.into(),
        pred,
    };
    let passing = vec![
        hdr("content-type", Pred::Equals("text/plain".into())),
        hdr("x-a", Pred::Equals("1, 2".into())),
        hdr("x-a", Pred::Contains(", 2".into())),
        hdr("content-type", Pred::Matches(re("^text/"))),
        hdr("SERVER", Pred::Exists),
        hdr("server", Pred::EqualsBytes(b"tfw".to_vec())),
        Check::HeaderAbsent("content-length".into()),
    ];
    let e = exp(
        Subject::Response {
            client: 0,
            index: Some(0),
        },
        passing,
    );
    let mut cur = Cursors::default();
    assert_eq!(
        evaluate("1", &e, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );

    let failing = vec![
        hdr("content-type", Pred::Equals("text/html".into())),
        hdr("x-a", Pred::Contains("3".into())),
        hdr("content-type", Pred::Matches(re("^image/"))),
        hdr("etag", Pred::Exists),
        Check::HeaderAbsent("Server".into()),
    ];
    let e = exp(
        Subject::Response {
            client: 0,
            index: Some(0),
        },
        failing,
    );
    let got: Vec<(String, String, Got)> = done(evaluate("4", &e, &t, &mut cur, &cx(&p, 0, 0)))
        .into_iter()
        .map(|f| (f.what, f.expected, f.got))
        .collect();
    let w = |s: &str| format!("response 0 of client h1: {s}");
    assert_eq!(
        got,
        vec![
            (
                w("header content-type"),
                "text/html".into(),
                Got::Text("text/plain".into())
            ),
            (
                w("header x-a"),
                "contains \"3\"".into(),
                Got::Text("1, 2".into())
            ),
            (
                w("header content-type"),
                "matches /^image//".into(),
                Got::Text("text/plain".into())
            ),
            (
                w("header etag"),
                "present".into(),
                Got::Text("(absent)".into())
            ),
            (
                w("header Server"),
                "(absent)".into(),
                Got::Text("tfw".into())
            ),
        ]
    );
}

#[test]
fn body_checks_pass_and_fail() {
    let p = plan(Profile::Generic);
    let t = Transcript {
        clients: vec![conn(0, vec![resp(200, &[], b"hello\r\nworld")])],
        backends: vec![],
    };
    let at0 = Subject::Response {
        client: 0,
        index: Some(0),
    };
    let mut cur = Cursors::default();
    let ok = exp(
        at0.clone(),
        vec![
            Check::Body(Pred::Equals("hello\r\nworld".into())),
            Check::Body(Pred::Contains("o\r\nw".into())),
            Check::Body(Pred::Matches(re("(?s)^hello.*d$"))),
            Check::Body(Pred::EqualsBytes(b"hello\r\nworld".to_vec())),
            Check::Body(Pred::Exists),
            Check::BodySize(12),
        ],
    );
    assert_eq!(
        evaluate("1", &ok, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    let bad = exp(
        at0,
        vec![
            Check::Body(Pred::Equals("hello\r\nWorld".into())),
            Check::Body(Pred::Contains("xyz".into())),
            Check::BodySize(5),
        ],
    );
    let f = done(evaluate("2", &bad, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(f.len(), 3);
    assert_eq!(f[0].what, "response 0 of client h1: body");
    assert_eq!(f[0].expected, "hello\r\nWorld");
    assert_eq!(f[0].got, Got::Bytes(b"hello\r\nworld".to_vec()));
    assert_eq!(f[1].expected, "contains \"xyz\"");
    assert_eq!(f[2].what, "response 0 of client h1: body size");
    assert_eq!(
        (f[2].expected.as_str(), &f[2].got),
        ("5", &Got::Text("12".into()))
    );
}

#[test]
fn a_response_that_cannot_come_fails_at_once() {
    let p = plan(Profile::Generic);
    let mut t = Transcript {
        clients: vec![conn(0, vec![])],
        backends: vec![],
    };
    let e = exp(next_response(0), vec![Check::Status(200)]);
    let mut cur = Cursors::default();
    assert_eq!(
        evaluate("1", &e, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
    t.clients[0].closed = Some(Closed::Fin);
    let f = done(evaluate("1", &e, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(f[0].what, "response 0 of client h1");
    assert_eq!(f[0].expected, "a response");
    assert_eq!(
        f[0].got,
        Got::Text("connection closed by the peer (FIN), after 0 response(s)".into())
    );
    t.clients[0].closed = None;
    t.clients[0].parse_error = Some("bad status line".into());
    let f = done(evaluate("1", &e, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(
        f[0].got,
        Got::Text("a malformed response: bad status line, after 0 response(s)".into())
    );
    // No connection of the client yet: wait.
    let none = Transcript::default();
    assert_eq!(
        evaluate("1", &e, &none, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
}

#[test]
fn backend_requests_by_next_unread_and_by_index() {
    let p = plan(Profile::Generic);
    let t = Transcript {
        clients: vec![],
        backends: vec![BackendLog {
            backend: 0,
            requests: vec![
                req("GET", "/a", &[("host", "x")], b""),
                req("POST", "/b", &[], b"xyz"),
            ],
            connections: 1,
        }],
    };
    let mut cur = Cursors::default();
    let next = Subject::BackendRequest {
        backend: 0,
        index: None,
    };
    let first = exp(
        next.clone(),
        vec![
            Check::Method("GET".into()),
            Check::Target("/a".into()),
            Check::Version("HTTP/1.1".into()),
            Check::Header {
                name: "Host".into(),
                pred: Pred::Equals("x".into()),
            },
        ],
    );
    assert_eq!(
        evaluate("1", &first, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    let second = exp(
        next.clone(),
        vec![
            Check::Method("PUT".into()),
            Check::Body(Pred::Equals("xyz".into())),
        ],
    );
    let f = done(evaluate("2", &second, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].what, "request 1 at backend origin: method");
    assert_eq!(
        (f[0].expected.as_str(), &f[0].got),
        ("PUT", &Got::Text("POST".into()))
    );
    assert_eq!(
        evaluate("3", &exp(next, vec![]), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
    let by_index = exp(
        Subject::BackendRequest {
            backend: 0,
            index: Some(0),
        },
        vec![Check::Target("/a".into())],
    );
    assert_eq!(
        evaluate("4", &by_index, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
}

#[test]
fn forwarded_waits_for_both_sides_then_applies_the_profile() {
    let p = plan(Profile::Nginx);
    let sent = req(
        "GET",
        "/",
        &[("Host", "localhost"), ("x-tfw-check", "c1")],
        b"",
    );
    let mut t = Transcript {
        clients: vec![ClientLog {
            client: 0,
            local: Some("127.0.0.9:4000".parse().unwrap()),
            sent: vec![sent],
            ..ClientLog::default()
        }],
        backends: vec![],
    };
    let e = exp(
        Subject::Forwarded {
            client: 0,
            sent: 0,
            backend: 0,
            index: 0,
        },
        vec![Check::Method("GET".into())],
    );
    let mut cur = Cursors::default();
    assert_eq!(
        evaluate("5", &e, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
    let good = req(
        "GET",
        "/",
        &[
            ("Host", "localhost"),
            ("X-Forwarded-For", "127.0.0.9"),
            ("x-tfw-check", "c1"),
        ],
        b"",
    );
    t.backends.push(BackendLog {
        backend: 0,
        requests: vec![good],
        connections: 1,
    });
    assert_eq!(
        evaluate("5", &e, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    assert_eq!(cur.requests, vec![1]);
    t.backends[0].requests[0].headers[1].1 = "10.0.0.1".into();
    let f = done(evaluate("5", &e, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(
        f,
        vec![Failure {
            step: "5".into(),
            what: "request 0 at backend origin (request 0 of client h1 forwarded): header x-forwarded-for".into(),
            expected: "127.0.0.9".into(),
            got: Got::Text("10.0.0.1".into()),
        }]
    );
}

#[test]
fn backend_count_settles_and_fails_early_when_over() {
    let p = plan(Profile::Generic);
    let mut t = Transcript {
        clients: vec![],
        backends: vec![BackendLog {
            backend: 0,
            requests: vec![req("GET", "/", &[], b"")],
            connections: 1,
        }],
    };
    let e = exp(
        Subject::BackendCount {
            backend: 0,
            count: 1,
            settle: ms(100),
        },
        vec![],
    );
    let mut cur = Cursors::default();
    assert_eq!(wake_at(&e, &t, &cx(&p, 10, 10)), Some(ms(110)));
    assert_eq!(
        evaluate("1", &e, &t, &mut cur, &cx(&p, 50, 10)),
        Verdict::Wait
    );
    assert_eq!(
        evaluate("1", &e, &t, &mut cur, &cx(&p, 110, 10)),
        Verdict::Done(vec![])
    );
    t.backends[0].requests.push(req("GET", "/", &[], b""));
    let f = done(evaluate("1", &e, &t, &mut cur, &cx(&p, 20, 10)));
    assert_eq!(f[0].what, "requests at backend origin");
    assert_eq!(
        (f[0].expected.as_str(), &f[0].got),
        ("1", &Got::Text("2".into()))
    );
    let none = exp(
        Subject::BackendCount {
            backend: 0,
            count: 3,
            settle: ms(0),
        },
        vec![],
    );
    let f = done(evaluate("1", &none, &t, &mut cur, &cx(&p, 10, 10)));
    assert_eq!(
        (f[0].expected.as_str(), &f[0].got),
        ("3", &Got::Text("2".into()))
    );
    let f = expire("1", &none, &t, &cur, &cx(&p, 10, 10));
    assert_eq!(
        f[0].got,
        Got::Nothing("the timeout came before the count settled (2 so far)".into())
    );
}

#[test]
fn closed_by_fin_reset_or_either() {
    let p = plan(Profile::Generic);
    let mut t = Transcript {
        clients: vec![conn(0, vec![])],
        backends: vec![],
    };
    let mut cur = Cursors::default();
    let closed = |how| exp(Subject::Closed { client: 0, how }, vec![]);
    assert_eq!(
        evaluate("1", &closed(CloseHow::Any), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
    t.clients[0].closed = Some(Closed::Fin);
    assert_eq!(
        evaluate("1", &closed(CloseHow::Fin), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    assert_eq!(
        evaluate("1", &closed(CloseHow::Any), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    let f = done(evaluate(
        "1",
        &closed(CloseHow::Reset),
        &t,
        &mut cur,
        &cx(&p, 0, 0),
    ));
    assert_eq!(f[0].what, "connection of client h1");
    assert_eq!(f[0].expected, "reset by the peer (RST)");
    assert_eq!(
        f[0].got,
        Got::Text("connection closed by the peer (FIN)".into())
    );
    t.clients[0].closed = Some(Closed::Reset);
    assert_eq!(
        evaluate("1", &closed(CloseHow::Reset), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    assert_eq!(
        done(evaluate(
            "1",
            &closed(CloseHow::Fin),
            &t,
            &mut cur,
            &cx(&p, 0, 0)
        ))
        .len(),
        1
    );
    t.clients[0].closed = Some(Closed::Error("TLS alert".into()));
    assert_eq!(
        evaluate("1", &closed(CloseHow::Any), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    let f = done(evaluate(
        "1",
        &closed(CloseHow::Fin),
        &t,
        &mut cur,
        &cx(&p, 0, 0),
    ));
    assert_eq!(f[0].got, Got::Text("connection error: TLS alert".into()));
    // Only the current (latest) connection counts.
    t.clients.push(conn(0, vec![]));
    assert_eq!(
        evaluate("1", &closed(CloseHow::Any), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
    // A check that cannot apply to a closed connection is reported.
    t.clients[1].closed = Some(Closed::Fin);
    let e = exp(
        Subject::Closed {
            client: 0,
            how: CloseHow::Fin,
        },
        vec![Check::Status(400)],
    );
    let f = done(evaluate("1", &e, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(f[0].what, "connection of client h1: status");
    assert_eq!(
        f[0].expected,
        "status (not applicable to a closed connection)"
    );
}

#[test]
fn goaway_with_an_error_code() {
    let p = plan(Profile::Generic);
    let mut t = Transcript {
        clients: vec![ClientLog {
            client: 1,
            frames: vec![frame(4, 0, None, 1)],
            ..ClientLog::default()
        }],
        backends: vec![],
    };
    let mut cur = Cursors::default();
    let e = exp(Subject::Goaway { client: 1 }, vec![Check::ErrorCode(1)]);
    assert_eq!(
        evaluate("2", &e, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
    // A GOAWAY with another code while the connection is open: another may follow.
    t.clients[0].frames.push(frame(7, 0, Some(0), 2));
    assert_eq!(
        evaluate("2", &e, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
    let f = expire("2", &e, &t, &cur, &cx(&p, 0, 0));
    assert_eq!(f[0].what, "GOAWAY on client h2: error code");
    assert_eq!(f[0].expected, "PROTOCOL_ERROR (0x1)");
    assert_eq!(f[0].got, Got::Text("NO_ERROR (0x0)".into()));
    t.clients[0].closed = Some(Closed::Fin);
    let f = done(evaluate("2", &e, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(f[0].got, Got::Text("NO_ERROR (0x0)".into()));
    t.clients[0].frames.push(frame(7, 0, Some(1), 3));
    assert_eq!(
        evaluate("2", &e, &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    // Closed without any GOAWAY.
    t.clients[0].frames.truncate(1);
    let f = done(evaluate("2", &e, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(f[0].what, "GOAWAY on client h2");
    assert_eq!(
        f[0].got,
        Got::Text(
            "connection closed by the peer (FIN) without one; frames: SETTINGS(stream 0)".into()
        )
    );
}

#[test]
fn rst_stream_on_a_given_stream() {
    let p = plan(Profile::Generic);
    let t = Transcript {
        clients: vec![ClientLog {
            client: 1,
            frames: vec![frame(3, 1, Some(8), 1), frame(3, 3, Some(1), 2)],
            ..ClientLog::default()
        }],
        backends: vec![],
    };
    let mut cur = Cursors::default();
    let on = |stream, code| {
        exp(
            Subject::RstStream { client: 1, stream },
            vec![Check::ErrorCode(code)],
        )
    };
    assert_eq!(
        evaluate("1", &on(Some(3), 1), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    assert_eq!(
        evaluate("1", &on(None, 8), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Done(vec![])
    );
    assert_eq!(
        evaluate("1", &on(Some(5), 1), &t, &mut cur, &cx(&p, 0, 0)),
        Verdict::Wait
    );
    let f = expire("1", &on(Some(1), 1), &t, &cur, &cx(&p, 0, 0));
    assert_eq!(f[0].what, "RST_STREAM on stream 1 of client h2: error code");
    assert_eq!(f[0].got, Got::Text("CANCEL (0x8)".into()));
    let f = expire("1", &on(Some(5), 1), &t, &cur, &cx(&p, 0, 0));
    assert_eq!(f[0].what, "RST_STREAM on stream 5 of client h2");
    assert_eq!(
        f[0].got,
        Got::Nothing("frames: RST_STREAM(stream 1, CANCEL (0x8)), RST_STREAM(stream 3, PROTOCOL_ERROR (0x1))".into())
    );
    // ErrorCode is the only check that applies to a frame.
    let e = exp(
        Subject::RstStream {
            client: 1,
            stream: Some(1),
        },
        vec![Check::Status(200)],
    );
    let f = done(evaluate("1", &e, &t, &mut cur, &cx(&p, 0, 0)));
    assert_eq!(f[0].expected, "status (not applicable to a frame)");
}

#[test]
fn silence_passes_at_its_end_and_fails_on_data() {
    let p = plan(Profile::Generic);
    let mut t = Transcript {
        clients: vec![ClientLog {
            client: 0,
            received_len: 10,
            last_at: Some(ms(40)),
            ..ClientLog::default()
        }],
        backends: vec![],
    };
    let e = exp(
        Subject::Silence {
            client: 0,
            duration: ms(200),
        },
        vec![],
    );
    let mut cur = Cursors::default();
    assert_eq!(wake_at(&e, &t, &cx(&p, 50, 50)), Some(ms(250)));
    // Data before the step began does not count.
    assert_eq!(
        evaluate("1", &e, &t, &mut cur, &cx(&p, 100, 50)),
        Verdict::Wait
    );
    assert_eq!(
        evaluate("1", &e, &t, &mut cur, &cx(&p, 250, 50)),
        Verdict::Done(vec![])
    );
    t.clients[0].last_at = Some(ms(120));
    t.clients[0].received_len = 30;
    let f = done(evaluate("1", &e, &t, &mut cur, &cx(&p, 130, 50)));
    assert_eq!(f[0].what, "client h1: silence for 200 ms");
    assert_eq!(f[0].expected, "nothing received");
    assert_eq!(
        f[0].got,
        Got::Text("data at 120 ms (the step began at 50 ms; 30 byte(s) received in all)".into())
    );
    // HTTP/2: the frames that came since the step began.
    t.clients[0].frames = vec![frame(4, 0, None, 10), frame(6, 0, None, 120)];
    let f = done(evaluate("1", &e, &t, &mut cur, &cx(&p, 130, 50)));
    assert_eq!(f[0].got, Got::Text("frames: PING(stream 0)".into()));
    let f = expire("1", &e, &t, &cur, &cx(&p, 130, 50));
    assert_eq!(
        f[0].got,
        Got::Nothing("the case's timeout came before the silence ended".into())
    );
}

#[test]
fn expire_says_what_came_instead() {
    let p = plan(Profile::Generic);
    let t = Transcript {
        clients: vec![ClientLog {
            client: 0,
            received_len: 17,
            ..conn(0, vec![resp(200, &[], b"")])
        }],
        backends: vec![BackendLog {
            backend: 0,
            requests: vec![req("GET", "/", &[], b"")],
            connections: 1,
        }],
    };
    let mut cur = Cursors::default();
    cur.responses = vec![1];
    let f = expire(
        "3",
        &exp(next_response(0), vec![]),
        &t,
        &cur,
        &cx(&p, 1000, 0),
    );
    assert_eq!(
        f,
        vec![Failure {
            step: "3".into(),
            what: "response 1 of client h1".into(),
            expected: "a response".into(),
            got: Got::Nothing("1 response(s) on 1 connection(s), 17 byte(s) received".into()),
        }]
    );
    let next = Subject::BackendRequest {
        backend: 0,
        index: Some(4),
    };
    let f = expire("3", &exp(next, vec![]), &t, &cur, &cx(&p, 1000, 0));
    assert_eq!(f[0].what, "request 4 at backend origin");
    assert_eq!(f[0].got, Got::Nothing("1 request(s) came".into()));
    let fwd = Subject::Forwarded {
        client: 0,
        sent: 0,
        backend: 0,
        index: 0,
    };
    let f = expire("3", &exp(fwd, vec![]), &t, &cur, &cx(&p, 1000, 0));
    assert_eq!(
        f[0].got,
        Got::Nothing("client sent 0 request(s), backend got 1".into())
    );
    let closed = Subject::Closed {
        client: 0,
        how: CloseHow::Any,
    };
    let f = expire("3", &exp(closed, vec![]), &t, &cur, &cx(&p, 1000, 0));
    assert_eq!(
        f[0].got,
        Got::Nothing("still open, 17 byte(s) received".into())
    );
    assert_eq!(
        wake_at(&exp(next_response(0), vec![]), &t, &cx(&p, 0, 0)),
        None
    );
}
