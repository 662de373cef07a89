//! Every step verb, frame type and expectation kind of docs/check.md loads into the plan
//! step it names, with its keys.

use std::time::Duration;

use tfw_engine::check::*;
use tfw_scenarios::check::*;

const PEERS: &str = r#"
[backends.b1]
listen = "127.0.0.1:9001"
[backends.b2]
listen = "127.0.0.1:9002"
[clients.h1]
connect = "127.0.0.1:9100"
[clients.h2]
connect = "[::1]:9101"
proto = "h2"
tls = true
sni = "example.com"
alpn = ["h2", "http/1.1"]
authority = "example.com"
settings = { initial_window_size = 1048576, max_frame_size = 32768, 250 = 7 }
preface = false
auto_ack = false
segment_size = "1"
segment_gap = "5ms"
"#;

/// The steps of the one case `case` (a `[[case]]` body after PEERS).
fn steps(case: &str) -> Vec<Step> {
    let text = format!("{PEERS}\n[[case]]\nname = \"x\"\nalone = true\n{case}");
    let opts = LoadOptions {
        vars: Vars::defaults(),
        ..Default::default()
    };
    let mut plan = load_sources(&[("s.toml".to_owned(), text)], &opts).unwrap();
    assert_eq!(plan.cases.len(), 1);
    plan.cases.remove(0).steps
}

#[test]
fn h2_client_options() {
    let text = format!("{PEERS}\n[[case]]\nname = \"x\"\n[[case.step]]\nsleep = \"1ms\"\n");
    let plan = load_sources(&[("s.toml".to_owned(), text)], &LoadOptions::default()).unwrap();
    let c = &plan.clients[1];
    assert_eq!(c.connect, "[::1]:9101".parse().unwrap());
    assert_eq!(c.settings, [(4, 1 << 20), (5, 32768), (250, 7)]);
    assert!(!c.preface && !c.auto_ack);
    assert_eq!(
        c.segmenting,
        Segmenting {
            size: 1,
            gap: Duration::from_millis(5)
        }
    );
    let tls = c.tls.as_ref().unwrap();
    assert_eq!(tls.server_name, "example.com");
    assert_eq!(tls.alpn, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    assert_eq!(c.authority, "example.com");
}

#[test]
fn every_verb() {
    let got = steps(
        r#"
[[case.step]]
client = "h1"
send = [{ method = "POST", target = "/p?q", version = "HTTP/1.0", authority = "a.test", headers = [["x", "y"]], body = "abc" },
        { body_size = 3, chunked = true }]
wait = false
[[case.step]]
raw = "GET / HTTP/1.1\r\n\r\n"
[[case.step]]
raw_hex = "0d 0a"
[[case.step]]
client = "h2"
connect = true
[[case.step]]
close = true
[[case.step]]
close = true
reset = true
client = "h1"
[[case.step]]
backend = "b2"
backend_down = true
[[case.step]]
backend_up = true
[[case.step]]
sleep = "1.5s"
"#,
    );
    assert_eq!(got.len(), 9, "{got:#?}");
    let Step::Send {
        client: 0,
        requests,
        wait: false,
    } = &got[0]
    else {
        panic!("{:?}", got[0])
    };
    assert_eq!(
        requests[0],
        Request {
            method: "POST".into(),
            target: "/p?q".into(),
            version: "HTTP/1.0".into(),
            authority: Some("a.test".into()),
            headers: vec![("x".into(), "y".into())],
            body: b"abc".to_vec(),
            chunked: None,
        }
    );
    assert_eq!(
        (requests[1].method.as_str(), &requests[1].body[..]),
        ("GET", &b"abc"[..])
    );
    assert_eq!(requests[1].chunked, Some(Chunking::default()));
    assert!(
        matches!(&got[1], Step::SendRaw { client: 0, bytes } if bytes == b"GET / HTTP/1.1\r\n\r\n")
    );
    assert!(matches!(&got[2], Step::SendRaw { client: 0, bytes } if bytes == b"\r\n"));
    assert!(matches!(got[3], Step::Connect { client: 1 }));
    assert!(
        matches!(
            got[4],
            Step::Close {
                client: 1,
                reset: false
            }
        ),
        "the last client used"
    );
    assert!(matches!(
        got[5],
        Step::Close {
            client: 0,
            reset: true
        }
    ));
    assert!(matches!(
        got[6],
        Step::BackendListen {
            backend: 1,
            on: false
        }
    ));
    assert!(
        matches!(
            got[7],
            Step::BackendListen {
                backend: 1,
                on: true
            }
        ),
        "the last backend used"
    );
    assert!(matches!(got[8], Step::Sleep(d) if d == Duration::from_millis(1500)));
}

#[test]
fn setup_responses_and_cleanup() {
    let text = format!(
        "{PEERS}\n[[case]]\nname = \"x\"\n{}",
        r#"
[[case.setup]]
backend = "b2"
respond = [{ status = 201, reason = "Made", version = "HTTP/1.0", headers = [["a", "1"], ["a", "2"]], body = "hi", delay = "10ms", close = true },
           { body_hex = "00ff", chunked = { sizes = [1, "2"], extension = "e=1", trailers = [["t", "v"]] }, reset_after = 5 },
           { raw = "HTTP/1.1 200 OK\r\n\r\n", hang = true },
           { raw_hex = "4854", batch = 2 }]
[[case.step]]
respond = { status = 404 }
[[case.cleanup]]
expect = "requests"
count = 0
"#
    );
    let plan = load_sources(&[("s.toml".to_owned(), text)], &LoadOptions::default()).unwrap();
    let case = &plan.cases[0];
    let [Step::Script {
        backend: 1,
        responses,
    }] = case.setup.as_slice()
    else {
        panic!("{:?}", case.setup)
    };
    let r = &responses[0];
    assert_eq!(
        (r.status, r.reason.as_deref(), r.version.as_str()),
        (201, Some("Made"), "HTTP/1.0")
    );
    assert_eq!(
        r.headers,
        [
            ("a".to_owned(), "1".to_owned()),
            ("a".to_owned(), "2".to_owned())
        ]
    );
    assert_eq!(
        (&r.body[..], r.delay, r.action, r.batch),
        (
            &b"hi"[..],
            Duration::from_millis(10),
            ResponseAction::Close,
            0
        )
    );
    let r = &responses[1];
    assert_eq!(
        (&r.body[..], r.action, r.status),
        (&[0u8, 0xff][..], ResponseAction::ResetAfter(5), 200)
    );
    assert_eq!(
        r.chunked,
        Some(Chunking {
            sizes: vec![1, 2],
            extension: "e=1".into(),
            trailers: vec![("t".into(), "v".into())]
        })
    );
    let r = &responses[2];
    assert_eq!(
        (r.raw.as_deref(), r.action),
        (Some(&b"HTTP/1.1 200 OK\r\n\r\n"[..]), ResponseAction::Hang)
    );
    assert_eq!(
        (responses[3].raw.as_deref(), responses[3].batch),
        (Some(&b"HT"[..]), 2)
    );
    assert!(
        matches!(&case.steps[0], Step::Script { backend: 1, responses } if responses[0].status == 404)
    );
    let [Step::Expect(e)] = case.cleanup.as_slice() else {
        panic!()
    };
    assert!(matches!(
        e.subject,
        Subject::BackendCount { backend: 1, count: 0, settle } if settle == Duration::from_millis(100)
    ));
}

#[test]
fn every_frame() {
    let got = steps(
        r#"
[[case.step]]
client = "h2"
frames = [
  { type = "settings", params = { header_table_size = 0, enable_push = 0 } },
  { type = "settings", ack = true },
  { type = "headers", stream = 1, end_stream = true, end_headers = false, pad = 3, priority = { dependency = 0, exclusive = true, weight = 255 }, fields = [[":method", "GET"], [":path", "/"]], huffman = true, indexing = "never" },
  { type = "continuation", stream = 1, block_hex = "8286" },
  { type = "headers", stream = 3, fields = [["a", "b"]], indexing = "literal" },
  { type = "data", stream = 1, end_stream = true, pad = 0, payload = "xy" },
  { type = "data", stream = 0, payload_size = 4 },
  { type = "window_update", increment = 100 },
  { type = "window_update", stream = 1, increment = "${n}" },
  { type = "rst_stream", stream = 1, code = "CANCEL" },
  { type = "ping", payload_hex = "0102030405060708" },
  { type = "ping", ack = true },
  { type = "priority", stream = 5, dependency = 1, exclusive = false, weight = 0 },
  { type = "goaway", last_stream = 7, code = 2, debug = "bye" },
  { type = "goaway" },
  { type = 250, flags = 255, stream = 9, payload_hex = "ab" },
]
"#
        .replace("${n}", "2147483647")
        .as_str(),
    );
    let [Step::SendFrames { client: 1, frames }] = got.as_slice() else {
        panic!("{got:?}")
    };
    let fields = |f: &[(&str, &str)]| {
        f.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        frames,
        &[
            Frame::Settings {
                ack: false,
                params: vec![(1, 0), (2, 0)]
            },
            Frame::Settings {
                ack: true,
                params: vec![]
            },
            Frame::Headers {
                stream: 1,
                end_stream: true,
                end_headers: false,
                pad: Some(3),
                priority: Some((0, true, 255)),
                block: HeaderBlock::Fields {
                    fields: fields(&[(":method", "GET"), (":path", "/")]),
                    huffman: true,
                    indexing: Indexing::NeverIndexed
                },
            },
            Frame::Continuation {
                stream: 1,
                end_headers: true,
                block: HeaderBlock::Bytes(vec![0x82, 0x86])
            },
            Frame::Headers {
                stream: 3,
                end_stream: false,
                end_headers: true,
                pad: None,
                priority: None,
                block: HeaderBlock::Fields {
                    fields: fields(&[("a", "b")]),
                    huffman: false,
                    indexing: Indexing::Literal
                },
            },
            Frame::Data {
                stream: 1,
                end_stream: true,
                pad: Some(0),
                payload: b"xy".to_vec()
            },
            Frame::Data {
                stream: 0,
                end_stream: false,
                pad: None,
                payload: b"abcd".to_vec()
            },
            Frame::WindowUpdate {
                stream: 0,
                increment: 100
            },
            Frame::WindowUpdate {
                stream: 1,
                increment: (1 << 31) - 1
            },
            Frame::RstStream { stream: 1, code: 8 },
            Frame::Ping {
                ack: false,
                payload: [1, 2, 3, 4, 5, 6, 7, 8]
            },
            Frame::Ping {
                ack: true,
                payload: [0; 8]
            },
            Frame::Priority {
                stream: 5,
                dependency: 1,
                exclusive: false,
                weight: 0
            },
            Frame::Goaway {
                last_stream: 7,
                code: 2,
                debug: b"bye".to_vec()
            },
            Frame::Goaway {
                last_stream: 0,
                code: 0,
                debug: vec![]
            },
            Frame::Raw {
                kind: 250,
                flags: 255,
                stream: 9,
                payload: vec![0xab]
            },
        ]
    );
}

#[test]
fn every_expectation() {
    let got = steps(
        r#"
[[case.step]]
client = "h1"
send = [{}, {}]
[[case.step]]
client = "h2"
send = {}
[[case.step]]
client = "h1"
expect = "response"
index = 1
status = 204
version = "HTTP/1.1"
headers = { a = "1", b = { contains = "x" }, c = { matches = "^v[0-9]$" }, d = { exists = true }, e = { absent = true }, f = { exists = false } }
body = "text"
body_size = "1k"
[[case.step]]
expect = "response"
body = { contains = "ex" }
[[case.step]]
expect = "response"
body = { matches = "t.xt" }
[[case.step]]
expect = "response"
body = { hex = "7465" }
[[case.step]]
expect = "request"
backend = "b2"
method = "GET"
target = "/"
version = "HTTP/1.1"
headers = { host = "a" }
body = ""
body_size = 0
[[case.step]]
expect = "request"
index = 0
[[case.step]]
client = "h1"
expect = "forwarded"
[[case.step]]
client = "h2"
expect = "forwarded"
backend = "b1"
[[case.step]]
expect = "forwarded"
sent = 0
index = 1
[[case.step]]
expect = "requests"
count = 3
settle = "0ms"
[[case.step]]
client = "h1"
expect = "closed"
how = "fin"
[[case.step]]
expect = "closed"
how = "reset"
[[case.step]]
expect = "closed"
[[case.step]]
client = "h2"
expect = "goaway"
code = "PROTOCOL_ERROR"
[[case.step]]
expect = "goaway"
[[case.step]]
expect = "rst_stream"
stream = 1
code = 7
[[case.step]]
expect = "rst_stream"
[[case.step]]
expect = "silence"
for = "200ms"
"#,
    );
    let exp: Vec<&Expectation> = got
        .iter()
        .filter_map(|s| match s {
            Step::Expect(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(exp.len(), 18);
    let subjects: Vec<String> = exp.iter().map(|e| format!("{:?}", e.subject)).collect();
    assert_eq!(
        subjects,
        [
            "Response { client: 0, index: Some(1) }",
            "Response { client: 0, index: None }",
            "Response { client: 0, index: None }",
            "Response { client: 0, index: None }",
            "BackendRequest { backend: 1, index: None }",
            "BackendRequest { backend: 1, index: Some(0) }",
            "Forwarded { client: 0, sent: 1, backend: 1, index: 2 }",
            "Forwarded { client: 1, sent: 0, backend: 0, index: 2 }",
            "Forwarded { client: 1, sent: 0, backend: 0, index: 1 }",
            "BackendCount { backend: 0, count: 3, settle: 0ns }",
            "Closed { client: 0, how: Fin }",
            "Closed { client: 0, how: Reset }",
            "Closed { client: 0, how: Any }",
            "Goaway { client: 1 }",
            "Goaway { client: 1 }",
            "RstStream { client: 1, stream: Some(1) }",
            "RstStream { client: 1, stream: None }",
            "Silence { client: 1, duration: 200ms }",
        ]
    );
    let checks: Vec<String> = exp[0].checks.iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(
        checks,
        [
            "Status(204)",
            "Version(\"HTTP/1.1\")",
            "Header { name: \"a\", pred: Equals(\"1\") }",
            "Header { name: \"b\", pred: Contains(\"x\") }",
            "Header { name: \"c\", pred: Matches(Regex(Regex(\"^v[0-9]$\"))) }",
            "Header { name: \"d\", pred: Exists }",
            "HeaderAbsent(\"e\")",
            "HeaderAbsent(\"f\")",
            "Body(Equals(\"text\"))",
            "BodySize(1024)",
        ]
    );
    assert!(matches!(&exp[1].checks[..], [Check::Body(Pred::Contains(s))] if s == "ex"));
    assert!(matches!(&exp[2].checks[..], [Check::Body(Pred::Matches(r))] if r.0.is_match("text")));
    assert!(matches!(&exp[3].checks[..], [Check::Body(Pred::EqualsBytes(b))] if b == b"te"));
    let checks: Vec<String> = exp[4].checks.iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(
        checks,
        [
            "Method(\"GET\")",
            "Target(\"/\")",
            "Version(\"HTTP/1.1\")",
            "Header { name: \"host\", pred: Equals(\"a\") }",
            "Body(Equals(\"\"))",
            "BodySize(0)",
        ]
    );
    assert!(exp[5..13].iter().all(|e| e.checks.is_empty()));
    assert!(matches!(&exp[13].checks[..], [Check::ErrorCode(1)]));
    assert!(exp[14].checks.is_empty());
    assert!(matches!(&exp[15].checks[..], [Check::ErrorCode(7)]));
}
