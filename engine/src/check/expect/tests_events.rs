//! `evaluate`, `expire` and `wake_at` for connection events: closed, GOAWAY, RST_STREAM,
//! silence, and what the deadline reports.

use super::tests::*;
use super::*;
use crate::check::plan::*;
use crate::check::transcript::*;

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
    let cur = Cursors {
        responses: vec![1],
        ..Cursors::default()
    };
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
    // HTTP/2: the frames that ended the stream are named.
    let mut h2 = t.clone();
    h2.clients[0].frames = vec![frame(4, 0, None, 1), frame(3, 1, Some(7), 2)];
    let f = expire(
        "3",
        &exp(next_response(0), vec![]),
        &h2,
        &cur,
        &cx(&p, 1000, 0),
    );
    assert_eq!(
        f[0].got,
        Got::Nothing(
            "1 response(s) on 1 connection(s), 17 byte(s) received; \
             RST_STREAM(stream 1, REFUSED_STREAM (0x7))"
                .into()
        )
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
