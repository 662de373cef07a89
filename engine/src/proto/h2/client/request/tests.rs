//! Request templates: HTTP/1.1 wire bytes to HTTP/2 fields, and the templates refused.

use super::*;

#[test]
fn request_from_h1_maps_the_template() {
    let wire = b"POST http://origin.test:8080/p?q=1 HTTP/1.1\r\nHost: ignored.test\r\n\
        Connection: keep-alive\r\nKeep-Alive: 5\r\nTE: gzip\r\nUpgrade: h2c\r\n\
        X-Mixed-Case: Value\r\nContent-Length: 3\r\n\r\nabc";
    let req = request_from_h1(wire, "https").unwrap();
    let fields: Vec<(&[u8], &[u8])> = req.fields().collect();
    assert_eq!(
        fields,
        vec![
            (&b":method"[..], &b"POST"[..]),
            (b":scheme", b"https"),
            (b":authority", b"origin.test:8080"),
            (b":path", b"/p?q=1"),
            (b"x-mixed-case", b"Value"),
            (b"content-length", b"3"),
        ]
    );
    assert_eq!(&req.body()[..], b"abc");
    let te = request_from_h1(b"GET / HTTP/1.1\r\nHost: h\r\nTE: trailers\r\n\r\n", "http").unwrap();
    assert!(te.fields().any(|(n, v)| n == b"te" && v == b"trailers"));

    let err = |wire: &[u8]| match request_from_h1(wire, "http") {
        Err(H2Error::Template(why)) => why,
        other => panic!("expected a template error, got {other:?}"),
    };
    assert!(err(b"GET / HTTP/1.1\r\n\r\n").contains("Host"));
    assert!(err(b"GET / HTTP/1.1\r\nHost: h\r\n").contains("incomplete"));
    assert!(
        err(b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
            .contains("Transfer-Encoding")
    );
    assert!(
        err(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabc")
            .contains("Content-Length")
    );
    assert!(err(b"CONNECT h:1 HTTP/1.1\r\nHost: h\r\n\r\n").contains("CONNECT"));
    assert!(err(b"\x01\x02 nonsense\r\n\r\n").contains("malformed"));
}
