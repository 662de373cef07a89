//! `run_checks` clients against the engine's built-in server (`start_server`) as the peer:
//! HTTP/1.1, h2c (prior knowledge), and both over TLS (ALPN), plain and in one-byte segments.

mod check_support;

use check_support::*;
use std::sync::Arc;
use std::time::Duration;
use tfw_engine::check::{Check, ClientDef, ClientProto, Segmenting, Subject};
use tfw_engine::plan::{IoMode, ServePlan};
use tfw_engine::proto::h1::build_response;
use tfw_engine::proto::tls::{server_config, ServerTlsSettings};
use tfw_engine::{start_server, ServerHandle};

const BODY: &[u8] = b"built-in says hi";

fn serve(io: IoMode, tls: bool) -> ServerHandle {
    let cpu = tfw_engine::cpu::allowed_cpus()[0];
    let tls = tls.then(|| server_config(&ServerTlsSettings::default()).unwrap());
    start_server(&ServePlan {
        listen: "127.0.0.1:0".parse().unwrap(),
        cpus: vec![cpu],
        response: Arc::from(build_response(200, &[], BODY, false)),
        response_close: Arc::from(build_response(200, &[], BODY, true)),
        delay: Duration::ZERO,
        close_after: 0,
        stall: None,
        io,
        set_cookie: None,
        tls,
        h2_max_streams: 128,
    })
    .unwrap()
}

/// Two cases per client: one request, then three pipelined (HTTP/1.1) or concurrent (h2).
fn exchange(io: IoMode, def: ClientDef) {
    let body = std::str::from_utf8(BODY).unwrap();
    let version = match def.proto {
        ClientProto::H1 => "HTTP/1.1",
        ClientProto::H2 => "HTTP/2",
    };
    let cases = vec![
        case(
            "one",
            vec![
                send(0, vec![request("GET", "/a", b"")]),
                expect_response(0, 200, body),
                expect(
                    Subject::Response {
                        client: 0,
                        index: Some(0),
                    },
                    vec![Check::Version(version.into())],
                ),
            ],
        ),
        case(
            "three",
            vec![
                send(
                    0,
                    vec![
                        request("GET", "/1", b""),
                        request("POST", "/2", b"posted"),
                        request("GET", "/3", b""),
                    ],
                ),
                expect_response(0, 200, body),
                expect_response(0, 200, body),
                expect_response(0, 200, body),
            ],
        ),
    ];
    let p = plan(vec![], vec![def], cases, io);
    let results = run(&p);
    assert_all_passed(&results);
    assert_eq!(results[1].transcript.clients[0].sent.len(), 3);
}

fn each_client_kind(io: IoMode, segmenting: Segmenting) {
    for tls in [false, true] {
        let server = serve(io, tls);
        for proto in [ClientProto::H1, ClientProto::H2] {
            let mut def = if tls {
                tls_client("c", server.addr, proto)
            } else {
                client("c", server.addr, proto)
            };
            def.segmenting = segmenting;
            exchange(io, def);
        }
        server.stop();
    }
}

fn whole_messages(io: IoMode) {
    each_client_kind(io, Segmenting::default());
}

fn one_byte_segments(io: IoMode) {
    each_client_kind(
        io,
        Segmenting {
            size: 1,
            gap: Duration::ZERO,
        },
    );
}

mod auto {
    #[test]
    fn whole_messages() {
        super::whole_messages(tfw_engine::plan::IoMode::Auto)
    }
    #[test]
    fn one_byte_segments() {
        super::one_byte_segments(tfw_engine::plan::IoMode::Auto)
    }
}

mod epoll {
    #[test]
    fn whole_messages() {
        super::whole_messages(tfw_engine::plan::IoMode::Epoll)
    }
    #[test]
    fn one_byte_segments() {
        super::one_byte_segments(tfw_engine::plan::IoMode::Epoll)
    }
}
