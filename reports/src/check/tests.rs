//! The printers' exact text, pinned: case lines, the summary, failure reports with the diff
//! around the first difference and the exchange of HTTP/1.1 and HTTP/2 connections.

use std::time::Duration;

use tfw_engine::check::*;

use super::{case_line, escape, failure_report, summary_line};

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

fn plan() -> CheckPlan {
    CheckPlan {
        backends: vec![BackendDef {
            name: "origin".into(),
            listen: "127.0.0.1:8000".parse().unwrap(),
            segmenting: Segmenting::default(),
        }],
        clients: vec![client("h1", ClientProto::H1), client("h2", ClientProto::H2)],
        cases: vec![],
        parallel: 1,
        cpu: None,
        io: Default::default(),
    }
}

fn result(name: &str, outcome: Outcome, transcript: Transcript) -> CaseResult {
    CaseResult {
        name: name.into(),
        file: "smoke.toml".into(),
        outcome,
        elapsed: ms(12),
        transcript,
    }
}

fn failure(step: &str, what: &str, expected: &str, got: Got) -> Failure {
    Failure {
        step: step.into(),
        what: what.into(),
        expected: expected.into(),
        got,
    }
}

#[test]
fn case_lines() {
    let t = Transcript::default;
    assert_eq!(
        case_line(&result("smoke.get[h1]", Outcome::Passed, t())),
        "PASS smoke.get[h1] (12 ms)"
    );
    assert_eq!(
        case_line(&result("smoke.get[h2]", Outcome::Failed(vec![]), t())),
        "FAIL smoke.get[h2] (12 ms)"
    );
    assert_eq!(
        case_line(&result(
            "smoke.h2",
            Outcome::Skipped("h2 needs TLS".into()),
            t()
        )),
        "SKIP smoke.h2: h2 needs TLS"
    );
}

#[test]
fn summary_lines() {
    let t = Transcript::default;
    let mut all = vec![
        result("a", Outcome::Passed, t()),
        result("b", Outcome::Passed, t()),
        result("c", Outcome::Failed(vec![]), t()),
    ];
    assert_eq!(summary_line(&all), "2 passed, 1 failed");
    all.push(result("d", Outcome::Skipped("off".into()), t()));
    assert_eq!(summary_line(&all), "2 passed, 1 failed, 1 skipped");
    assert_eq!(summary_line(&[]), "0 passed, 0 failed");
}

#[test]
fn escape_shows_every_byte() {
    assert_eq!(
        escape(b"GET / HTTP/1.1\r\n\t\\\x00\xff"),
        "GET / HTTP/1.1\\r\\n\\t\\\\\\x00\\xff"
    );
}

#[test]
fn nothing_to_report_for_a_passed_case() {
    let r = result("a", Outcome::Passed, Transcript::default());
    assert_eq!(failure_report(&r, &plan()), "");
}

#[test]
fn report_of_an_http1_failure() {
    let sent = Message {
        method: "GET".into(),
        target: "/index.html".into(),
        version: "HTTP/1.1".into(),
        headers: vec![
            ("Host".into(), "localhost".into()),
            ("x-tfw-check".into(), "c1".into()),
        ],
        ..Message::default()
    };
    let received =
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 2\r\n\r\nhi".to_vec();
    let forwarded = Message {
        headers: vec![("host".into(), "localhost".into())],
        body: b"x".to_vec(),
        ..sent.clone()
    };
    let t = Transcript {
        clients: vec![ClientLog {
            client: 0,
            local: Some("127.0.0.1:40000".parse().unwrap()),
            sent: vec![sent],
            received_len: received.len() as u64,
            received,
            last_at: Some(ms(3)),
            closed: Some(Closed::Fin),
            ..ClientLog::default()
        }],
        backends: vec![BackendLog {
            backend: 0,
            requests: vec![forwarded],
            connections: 1,
        }],
    };
    let failures = vec![
        failure(
            "3",
            "response 0 of client h1: header content-type",
            "text/plain",
            Got::Text("text/html".into()),
        ),
        failure(
            "4",
            "response 1 of client h1",
            "a response",
            Got::Nothing("1 response(s) on 1 connection(s)".into()),
        ),
        failure(
            "cleanup 1",
            "response 0 of client h1: status",
            "200",
            Got::Text("404".into()),
        ),
    ];
    let r = result("smoke.get[h1]", Outcome::Failed(failures), t);
    let want = "\
--- smoke.get[h1] (smoke.toml)
  step 3: response 0 of client h1: header content-type
    expected: text/plain
    got:      text/html
                   ^ differs at byte 5 (expected 10 bytes, got 9)
  step 4: response 1 of client h1
    expected: a response
    got:      nothing (1 response(s) on 1 connection(s))
  cleanup 1: response 0 of client h1: status
    expected: 200
    got:      404
  exchange:
    connection 1, client h1 (127.0.0.1:40000 -> 127.0.0.1:8081), closed by the peer (FIN):
      > GET /index.html HTTP/1.1
      > Host: localhost
      > x-tfw-check: c1
      received 65 byte(s), the last at 3 ms:
      < HTTP/1.1 200 OK\\r\\n
      < content-type: text/html\\r\\n
      < content-length: 2\\r\\n
      < \\r\\n
      < hi
    backend origin: 1 request(s) on 1 connection(s)
      > GET /index.html HTTP/1.1
      > host: localhost
      > (1 body byte(s): x)
";
    assert_eq!(failure_report(&r, &plan()), want);
}

#[test]
fn a_long_body_diff_shows_escaped_bytes_around_the_first_difference() {
    let mut expected = vec![b'a'; 100];
    expected.extend_from_slice(b"\r\nEND");
    expected.extend(vec![b'z'; 100]);
    let mut got = expected.clone();
    got[102] = 0;
    let f = failure(
        "2",
        "request 0 at backend origin: body",
        std::str::from_utf8(&expected).unwrap(),
        Got::Bytes(got),
    );
    let r = result("big", Outcome::Failed(vec![f]), Transcript::default());
    let want = "\
--- big (smoke.toml)
  step 2: request 0 at backend origin: body
    expected: ...aaaaaaaaaaaaaaaaaaaaaa\\r\\nEND"
        .to_string()
        + &"z".repeat(45)
        + "... (55 more bytes)\n    got:      ...aaaaaaaaaaaaaaaaaaaaaa\\r\\n\\x00ND"
        + &"z".repeat(45)
        + "... (55 more bytes)\n"
        + &" ".repeat(43)
        + "^ differs at byte 102\n"
        + "  exchange:\n    nothing was sent or received\n";
    assert_eq!(failure_report(&r, &plan()), want);
}

#[test]
fn a_short_value_is_shown_whole() {
    let reason = "connect to 127.0.0.1:1: Connection refused (os error 111)";
    let f = failure(
        "2",
        "connection of client h1 to 127.0.0.1:1",
        "an open connection",
        Got::Text(reason.into()),
    );
    let r = result("down", Outcome::Failed(vec![f]), Transcript::default());
    let want = format!(
        "\
--- down (smoke.toml)
  step 2: connection of client h1 to 127.0.0.1:1
    expected: an open connection
    got:      {reason}
  exchange:
    nothing was sent or received
"
    );
    assert_eq!(failure_report(&r, &plan()), want);
}

#[test]
fn report_of_an_http2_exchange_lists_responses_and_frames() {
    let response = Message {
        version: "HTTP/2".into(),
        status: 200,
        headers: vec![("content-length".into(), "0".into())],
        stream: Some(1),
        interim: vec![100],
        ..Message::default()
    };
    let frame = |kind, stream, code, at| FrameEvent {
        kind,
        flags: 0,
        stream,
        len: 8,
        code,
        last_stream: None,
        debug: vec![],
        at: ms(at),
    };
    let t = Transcript {
        clients: vec![ClientLog {
            client: 1,
            sent_raw: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04".to_vec(),
            responses: vec![response],
            frames: vec![
                frame(4, 0, None, 1),
                frame(1, 1, None, 2),
                frame(7, 0, Some(1), 4),
            ],
            received_len: 80,
            last_at: Some(ms(4)),
            parse_error: Some("DATA on stream 0".into()),
            closed: Some(Closed::Reset),
            ..ClientLog::default()
        }],
        backends: vec![],
    };
    let f = failure(
        "1",
        "GOAWAY on client h2: error code",
        "NO_ERROR (0x0)",
        Got::Text("PROTOCOL_ERROR (0x1)".into()),
    );
    let r = result("frames.data0", Outcome::Failed(vec![f]), t);
    let want = "\
--- frames.data0 (smoke.toml)
  step 1: GOAWAY on client h2: error code
    expected: NO_ERROR (0x0)
    got:      PROTOCOL_ERROR (0x1)
  exchange:
    connection 1, client h2, reset by the peer (RST):
      sent raw, 28 byte(s):
      > PRI * HTTP/2.0\\r\\n
      > \\r\\n
      > SM\\r\\n
      > \\r\\n
      > \\x00\\x00\\x00\\x04
      received 80 byte(s), the last at 4 ms:
      < 100, then HTTP/2 200 (stream 1)
      < content-length: 0
      < SETTINGS(stream 0) at 1 ms
      < HEADERS(stream 1) at 2 ms
      < GOAWAY(stream 0, PROTOCOL_ERROR (0x1)) at 4 ms
      malformed: DATA on stream 0
";
    assert_eq!(failure_report(&r, &plan()), want);
}
