//! `forwarded_failures` on hand-built pairs (what the client sent, what the backend got), for
//! every rule of every profile, passing and failing.

use std::net::IpAddr;

use super::forwarded_failures;
use crate::check::plan::{ClientDef, ClientProto, Profile, Segmenting};
use crate::check::transcript::{Got, Message};

fn def(proto: ClientProto) -> ClientDef {
    ClientDef {
        name: "c".into(),
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

fn msg(
    method: &str,
    target: &str,
    version: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Message {
    Message {
        method: method.into(),
        target: target.into(),
        version: version.into(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
        ..Message::default()
    }
}

fn ip() -> Option<IpAddr> {
    Some("127.0.0.2".parse().unwrap())
}

/// (what, expected, got text) of every difference.
fn diff(
    profile: Profile,
    proto: ClientProto,
    sent: &Message,
    got: &Message,
) -> Vec<(String, String, String)> {
    forwarded_failures(profile, sent, &def(proto), ip(), got)
        .into_iter()
        .map(|(w, e, g)| {
            let g = match g {
                Got::Text(s) => s,
                Got::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
                Got::Nothing(s) => format!("nothing: {s}"),
            };
            (w, e, g)
        })
        .collect()
}

fn one(what: &str, expected: &str, got: &str) -> Vec<(String, String, String)> {
    vec![(what.into(), expected.into(), got.into())]
}

const H1: ClientProto = ClientProto::H1;
const H2: ClientProto = ClientProto::H2;

/// A request with hop-by-hop fields of every kind, a field named in Connection, a
/// chunked body and the marker.
fn h1_sent() -> Message {
    msg(
        "POST",
        "/up?x=1",
        "HTTP/1.1",
        &[
            ("Host", "example.com"),
            ("Connection", "keep-alive, X-Hop"),
            ("Keep-Alive", "timeout=5"),
            ("X-Hop", "1"),
            ("TE", "trailers"),
            ("Transfer-Encoding", "chunked"),
            ("Accept", "*/*"),
            ("x-tfw-check", "c1"),
        ],
        b"hello",
    )
}

#[test]
fn generic_passes_a_proxy_that_removes_hop_by_hop_fields() {
    let got = msg(
        "POST",
        "/up?x=1",
        "HTTP/1.1",
        &[
            ("accept", "*/*"),
            ("host", "example.com"),
            ("Content-Length", "5"),
            ("Connection", "keep-alive"),
            ("X-Forwarded-For", "127.0.0.2"),
            ("Via", "1.1 proxy"),
            ("x-tfw-check", "c1"),
        ],
        b"hello",
    );
    assert_eq!(diff(Profile::Generic, H1, &h1_sent(), &got), vec![]);
    // Chunked to the backend is fine too, and the marker is never reported.
    let chunked = msg(
        "POST",
        "/up?x=1",
        "HTTP/1.0",
        &[
            ("Host", "example.com"),
            ("Accept", "*/*"),
            ("Transfer-Encoding", "chunked"),
        ],
        b"hello",
    );
    assert_eq!(diff(Profile::Generic, H1, &h1_sent(), &chunked), vec![]);
}

#[test]
fn generic_fails_on_kept_hop_by_hop_lost_or_changed_fields() {
    let got = msg(
        "PUT",
        "/up",
        "HTTP/1.1",
        &[
            ("Host", "other"),
            ("X-Hop", "1"),
            ("te", "trailers"),
            ("Accept", "text/html"),
            ("X-New", "1"),
            ("Content-Length", "4"),
        ],
        b"hellO",
    );
    assert_eq!(
        diff(Profile::Generic, H1, &h1_sent(), &got),
        vec![
            ("method".into(), "POST".into(), "PUT".into()),
            ("target".into(), "/up?x=1".into(), "/up".into()),
            ("header host".into(), "example.com".into(), "other".into()),
            ("header content-length".into(), "5".into(), "4".into()),
            ("header accept".into(), "*/*".into(), "text/html".into()),
            ("header te".into(), "(absent)".into(), "trailers".into()),
            ("header x-hop".into(), "(absent)".into(), "1".into()),
            ("header x-new".into(), "(absent)".into(), "1".into()),
            ("body".into(), "hello".into(), "hellO".into()),
        ]
    );
}

#[test]
fn generic_framing_and_missing_fields() {
    let sent = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[("Host", "h"), ("Accept", "*/*")],
        b"",
    );
    let both = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[
            ("Host", "h"),
            ("Content-Length", "0"),
            ("Transfer-Encoding", "chunked"),
        ],
        b"",
    );
    assert_eq!(
        diff(Profile::Generic, H1, &sent, &both),
        vec![
            (
                "header transfer-encoding".into(),
                "(absent) (the request has Content-Length)".into(),
                "chunked".into()
            ),
            ("header accept".into(), "*/*".into(), "(absent)".into()),
        ]
    );
    let gzip = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[
            ("Host", "h"),
            ("Accept", "*/*"),
            ("Transfer-Encoding", "gzip"),
        ],
        b"",
    );
    assert_eq!(
        diff(Profile::Generic, H1, &sent, &gzip),
        one("header transfer-encoding", "chunked", "gzip")
    );
    let h2 = msg(
        "GET",
        "/",
        "HTTP/2",
        &[("Host", "h"), ("Accept", "*/*")],
        b"",
    );
    assert_eq!(
        diff(Profile::Generic, H1, &sent, &h2),
        one("version", "HTTP/1.", "HTTP/2")
    );
}

#[test]
fn generic_absolute_target_and_client_via() {
    let sent = msg(
        "GET",
        "http://example.com:8080/a?b",
        "HTTP/1.1",
        &[("Host", "ignored"), ("Via", "1.0 fred")],
        b"",
    );
    let origin = msg(
        "GET",
        "/a?b",
        "HTTP/1.1",
        &[("Host", "example.com:8080"), ("Via", "1.0 fred, 1.1 p")],
        b"",
    );
    assert_eq!(diff(Profile::Generic, H1, &sent, &origin), vec![]);
    let kept = msg(
        "GET",
        "http://example.com:8080/a?b",
        "HTTP/1.1",
        &[("Host", "ignored"), ("Via", "1.0 fred")],
        b"",
    );
    assert_eq!(diff(Profile::Generic, H1, &sent, &kept), vec![]);
    let lost = msg(
        "GET",
        "/a?b",
        "HTTP/1.1",
        &[("Host", "ignored"), ("Via", "1.1 p")],
        b"",
    );
    assert_eq!(
        diff(Profile::Generic, H1, &sent, &lost),
        one("header via", "1.0 fred[, ...]", "1.1 p")
    );
}

#[test]
fn nginx_passes_what_nginx_proxy_conf_does() {
    // Connection-named fields, Proxy-Connection and Trailer pass through nginx; TE, Expect,
    // Upgrade, Keep-Alive and Connection do not; the chunked body arrives with a length;
    // X-Forwarded-For gets the client address appended; invalid names are dropped.
    let sent = msg(
        "POST",
        "/p",
        "HTTP/1.1",
        &[
            ("Host", "example.com"),
            ("Connection", "X-Hop"),
            ("X-Hop", "1"),
            ("Proxy-Connection", "keep-alive"),
            ("TE", "trailers"),
            ("Expect", "100-continue"),
            ("Upgrade", "h2c"),
            ("Transfer-Encoding", "chunked"),
            ("X-Forwarded-For", "10.0.0.1"),
            ("X_Under", "1"),
        ],
        b"data",
    );
    let got = msg(
        "POST",
        "/p",
        "HTTP/1.1",
        &[
            ("Host", "example.com"),
            ("X-Forwarded-For", "10.0.0.1, 127.0.0.2"),
            ("Content-Length", "4"),
            ("X-Hop", "1"),
            ("Proxy-Connection", "keep-alive"),
        ],
        b"data",
    );
    assert_eq!(diff(Profile::Nginx, H1, &sent, &got), vec![]);
}

#[test]
fn nginx_fails_on_connection_chunked_body_and_wrong_xff() {
    let sent = msg(
        "POST",
        "/p",
        "HTTP/1.0",
        &[("X-Forwarded-For", "10.0.0.1")],
        b"data",
    );
    let got = msg(
        "POST",
        "/p",
        "HTTP/1.0",
        &[
            ("Host", "localhost"),
            ("Connection", "close"),
            ("X-Forwarded-For", "127.0.0.2"),
            ("Transfer-Encoding", "chunked"),
        ],
        b"data",
    );
    assert_eq!(
        diff(Profile::Nginx, H1, &sent, &got),
        vec![
            ("version".into(), "HTTP/1.1".into(), "HTTP/1.0".into()),
            ("header host".into(), "(absent)".into(), "localhost".into()),
            (
                "header x-forwarded-for".into(),
                "10.0.0.1, 127.0.0.2".into(),
                "127.0.0.2".into()
            ),
            (
                "header connection".into(),
                "(absent)".into(),
                "close".into()
            ),
            (
                "header transfer-encoding".into(),
                "(absent)".into(),
                "chunked".into()
            ),
        ]
    );
    let no_length = msg(
        "POST",
        "/p",
        "HTTP/1.1",
        &[("X-Forwarded-For", "10.0.0.1, 127.0.0.2")],
        b"data",
    );
    assert_eq!(
        diff(Profile::Nginx, H1, &sent, &no_length),
        one("header content-length", "4", "(absent)")
    );
    let via = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[("Via", "1.1 nginx"), ("X-Forwarded-For", "127.0.0.2")],
        b"",
    );
    let plain = msg("GET", "/", "HTTP/1.1", &[], b"");
    assert_eq!(
        diff(Profile::Nginx, H1, &plain, &via),
        one("header via", "(absent)", "1.1 nginx")
    );
}

#[test]
fn nginx_converts_http2() {
    let sent = msg(
        "GET",
        "/h2",
        "HTTP/2",
        &[
            (":authority", "example.com"),
            (":scheme", "https"),
            ("cookie", "a=1"),
            ("cookie", "b=2"),
            ("accept", "*/*"),
        ],
        b"",
    );
    let got = msg(
        "GET",
        "/h2",
        "HTTP/1.1",
        &[
            ("Host", "example.com"),
            ("X-Forwarded-For", "127.0.0.2"),
            ("accept", "*/*"),
            ("Cookie", "a=1; b=2"),
        ],
        b"",
    );
    assert_eq!(diff(Profile::Nginx, H2, &sent, &got), vec![]);
    let split = msg(
        "GET",
        "/h2",
        "HTTP/1.1",
        &[
            ("Host", "example.com"),
            ("X-Forwarded-For", "127.0.0.2"),
            ("accept", "*/*"),
            ("Cookie", "a=1"),
            ("Cookie", "b=2"),
        ],
        b"",
    );
    assert_eq!(
        diff(Profile::Nginx, H2, &sent, &split),
        one("header cookie", "a=1; b=2", "a=1, b=2")
    );
}

#[test]
fn tempesta_passes_what_fw_http_c_does() {
    let sent = msg(
        "GET",
        "http://example.com/t",
        "HTTP/1.1",
        &[
            ("Host", "ignored"),
            ("Connection", "keep-alive, X-Hop"),
            ("Keep-Alive", "timeout=5"),
            ("X-Hop", "1"),
            ("Expect", "100-continue"),
            ("X-Forwarded-For", "10.0.0.1"),
            ("Via", "1.0 fred"),
            ("Proxy-Connection", "keep-alive"),
            ("Accept", "*/*"),
        ],
        b"",
    );
    let got = msg(
        "GET",
        "/t",
        "HTTP/1.1",
        &[
            ("Host", "example.com"),
            ("Via", "1.0 fred"),
            ("Accept", "*/*"),
            ("x-forwarded-for", "127.0.0.2"),
            ("via", "1.1 tempesta_fw (Tempesta FW 0.8.0)"),
            ("connection", "keep-alive"),
        ],
        b"",
    );
    assert_eq!(diff(Profile::Tempesta, H1, &sent, &got), vec![]);
}

#[test]
fn tempesta_fails_without_via_or_with_appended_xff() {
    let sent = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[
            ("Host", "h"),
            ("X-Forwarded-For", "10.0.0.1"),
            ("Keep-Alive", "1"),
        ],
        b"",
    );
    let got = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[
            ("Host", "h"),
            ("X-Forwarded-For", "10.0.0.1, 127.0.0.2"),
            ("Keep-Alive", "1"),
        ],
        b"",
    );
    assert_eq!(
        diff(Profile::Tempesta, H1, &sent, &got),
        vec![
            (
                "header x-forwarded-for".into(),
                "127.0.0.2".into(),
                "10.0.0.1, 127.0.0.2".into()
            ),
            (
                "header via".into(),
                "1.1 tempesta_fw (Tempesta FW VERSION)".into(),
                "(absent)".into()
            ),
            (
                "header connection".into(),
                "keep-alive or keep-alive, upgrade".into(),
                "(absent)".into()
            ),
            ("header keep-alive".into(), "(absent)".into(), "1".into()),
        ]
    );
    let other_via = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[
            ("Host", "h"),
            ("X-Forwarded-For", "127.0.0.2"),
            ("Via", "1.1 varnish"),
            ("Connection", "keep-alive"),
        ],
        b"",
    );
    let plain = msg("GET", "/", "HTTP/1.1", &[("Host", "h")], b"");
    assert_eq!(
        diff(Profile::Tempesta, H1, &plain, &other_via),
        one(
            "header via",
            "1.1 tempesta_fw (Tempesta FW VERSION)",
            "1.1 varnish"
        )
    );
}

#[test]
fn tempesta_converts_http2_with_a_length_and_joined_cookies() {
    let sent = msg(
        "POST",
        "/h2",
        "HTTP/2",
        &[
            (":authority", "example.com"),
            (":scheme", "https"),
            ("cookie", "a=1"),
            ("cookie", "b=2"),
        ],
        b"body",
    );
    let got = msg(
        "POST",
        "/h2",
        "HTTP/1.1",
        &[
            ("Host", "example.com"),
            ("cookie", "a=1; b=2"),
            ("x-forwarded-for", "127.0.0.2"),
            ("via", "1.1 tempesta_fw (Tempesta FW 0.8.0)"),
            ("Content-Length", "4"),
            ("connection", "keep-alive"),
        ],
        b"body",
    );
    assert_eq!(diff(Profile::Tempesta, H2, &sent, &got), vec![]);
    let mut chunked = got.clone();
    chunked.headers[4] = ("Transfer-Encoding".into(), "chunked".into());
    assert_eq!(
        diff(Profile::Tempesta, H2, &sent, &chunked),
        one("header transfer-encoding", "(absent)", "chunked")
    );
}

#[test]
fn unknown_client_address_still_checks_what_it_can() {
    let sent = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[("Host", "h"), ("X-Forwarded-For", "10.0.0.1")],
        b"",
    );
    let got = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[("Host", "h"), ("X-Forwarded-For", "10.0.0.1, 127.0.0.5")],
        b"",
    );
    let f = forwarded_failures(Profile::Nginx, &sent, &def(H1), None, &got);
    assert_eq!(f, vec![]);
    let lost = msg(
        "GET",
        "/",
        "HTTP/1.1",
        &[("Host", "h"), ("X-Forwarded-For", "127.0.0.5")],
        b"",
    );
    let f = forwarded_failures(Profile::Nginx, &sent, &def(H1), None, &lost);
    assert_eq!(
        f,
        vec![(
            "header x-forwarded-for".to_string(),
            "10.0.0.1[, ...]".to_string(),
            Got::Text("127.0.0.5".into())
        )]
    );
}
