//! `evaluate`, `expire` and `wake_at` on hand-built transcripts, one subject kind at a time:
//! messages here (responses, backend requests, forwarded, counts), connection events in
//! `tests_events`. The helpers build the transcripts both use.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::check::plan::*;
use crate::check::transcript::*;

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(super) fn client(name: &str, proto: ClientProto) -> ClientDef {
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

pub(super) fn plan(profile: Profile) -> CheckPlan {
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

pub(super) fn cx(p: &CheckPlan, now: u64, started: u64) -> Ctx<'_> {
    Ctx {
        plan: p,
        case: &p.cases[0],
        now: ms(now),
        step_started: ms(started),
    }
}

pub(super) fn resp(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Message {
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

pub(super) fn req(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Message {
    Message {
        method: method.into(),
        target: target.into(),
        ..resp(0, headers, body)
    }
}

pub(super) fn conn(client: usize, responses: Vec<Message>) -> ClientLog {
    ClientLog {
        client,
        responses,
        ..ClientLog::default()
    }
}

pub(super) fn exp(subject: Subject, checks: Vec<Check>) -> Expectation {
    Expectation { subject, checks }
}

pub(super) fn next_response(client: usize) -> Subject {
    Subject::Response {
        client,
        index: None,
    }
}

pub(super) fn done(v: Verdict) -> Vec<Failure> {
    match v {
        Verdict::Done(f) => f,
        Verdict::Wait => panic!("expected a verdict, got Wait"),
    }
}

pub(super) fn re(s: &str) -> Regex {
    Regex(Arc::new(regex::Regex::new(s).unwrap()))
}

pub(super) fn frame(kind: u8, stream: u32, code: Option<u32>, at: u64) -> FrameEvent {
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
