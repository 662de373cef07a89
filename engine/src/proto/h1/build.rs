//! Wire bytes, built once before a run: the request every connection sends and the
//! responses the built-in target answers with.
//!
//! Nothing is validated here (the scenarios crate does that), but CR and LF are dropped from
//! every piece copied into a line, so no header line can be split or smuggled in.

/// Builds `METHOD path HTTP/1.1` with `Host` (unless given), `User-Agent: tfw-bench` (unless
/// given), the user's headers in order, and `Content-Length` when the body is non-empty or
/// the method is POST, PUT or PATCH (unless the user gave Content-Length or
/// Transfer-Encoding), then the body.
pub fn build_request(
    method: &str,
    path: &str,
    host: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let given = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut out = Vec::with_capacity(128 + body.len());
    push_clean(&mut out, method);
    out.push(b' ');
    push_clean(&mut out, path);
    out.extend_from_slice(b" HTTP/1.1\r\n");
    if !given("host") {
        push_header(&mut out, "Host", host);
    }
    if !given("user-agent") {
        push_header(&mut out, "User-Agent", "tfw-bench");
    }
    for (name, value) in headers {
        push_header(&mut out, name, value);
    }
    let needs_length = !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH");
    if needs_length && !given("content-length") && !given("transfer-encoding") {
        push_header(&mut out, "Content-Length", &body.len().to_string());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Builds `HTTP/1.1 status reason` with `Server: tfw-bench` (unless given), `Content-Length`,
/// `Connection: close` when `close`, the user's headers in order, then the body.
///
/// The builder owns framing: user Content-Length and Transfer-Encoding headers are dropped,
/// and so is a user Connection header when `close`. 1xx, 204 and 304 responses get no
/// Content-Length and no body, whatever `body` holds.
pub fn build_response(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    let no_body = status < 200 || status == 204 || status == 304;
    let body = if no_body { &[][..] } else { body };
    let mut out = Vec::with_capacity(128 + body.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status)).as_bytes());
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("server"))
    {
        push_header(&mut out, "Server", "tfw-bench");
    }
    if !no_body {
        push_header(&mut out, "Content-Length", &body.len().to_string());
    }
    if close {
        push_header(&mut out, "Connection", "close");
    }
    for (name, value) in headers {
        let framing = name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding")
            || (close && name.eq_ignore_ascii_case("connection"));
        if !framing {
            push_header(&mut out, name, value);
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// The standard reason phrase for `status` (RFC 9110 §15 and common registrations),
/// "Unknown" for codes without one.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

fn push_header(out: &mut Vec<u8>, name: &str, value: &str) {
    push_clean(out, name);
    out.extend_from_slice(b": ");
    push_clean(out, value);
    out.extend_from_slice(b"\r\n");
}

/// Appends `s` without its CR and LF bytes.
fn push_clean(out: &mut Vec<u8>, s: &str) {
    out.extend(s.bytes().filter(|&b| b != b'\r' && b != b'\n'));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::h1::test_support::{requests_in, run_responses};
    use crate::proto::h1::{RequestDone, ResponseDone};

    fn hdrs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|&(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }

    /// The last response of `wire` (`head`: it answers a HEAD request), which must parse.
    fn parse_response(wire: &[u8], head: bool) -> Option<ResponseDone> {
        let got = run_responses([wire], &[head]);
        assert_eq!(got.end, Ok(None));
        got.done.last().copied()
    }

    #[test]
    fn get_request() {
        let wire = build_request(
            "GET",
            "/x?y=1",
            "example.com:8080",
            &hdrs(&[("Accept", "*/*")]),
            b"",
        );
        assert_eq!(
            wire,
            b"GET /x?y=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: tfw-bench\r\nAccept: */*\r\n\r\n"
        );
        assert_eq!(
            requests_in(&wire),
            vec![RequestDone {
                head: false,
                close: false,
                body_len: 0,
                keep_alive: false
            }]
        );
    }

    #[test]
    fn user_headers_replace_defaults() {
        let wire = build_request(
            "GET",
            "/",
            "ignored",
            &hdrs(&[("HOST", "h"), ("user-agent", "me")]),
            b"",
        );
        assert_eq!(wire, b"GET / HTTP/1.1\r\nHOST: h\r\nuser-agent: me\r\n\r\n");
    }

    #[test]
    fn content_length_rules() {
        let wire = build_request("POST", "/", "h", &[], b"");
        assert!(wire.ends_with(b"Content-Length: 0\r\n\r\n"));
        let wire = build_request("PUT", "/", "h", &[], b"abc");
        assert!(wire.ends_with(b"Content-Length: 3\r\n\r\nabc"));
        assert_eq!(requests_in(&wire)[0].body_len, 3);
        let wire = build_request("DELETE", "/", "h", &[], b"abc");
        assert!(wire.ends_with(b"Content-Length: 3\r\n\r\nabc"));
        let wire = build_request("GET", "/", "h", &[], b"");
        assert!(!wire.windows(15).any(|w| w == b"Content-Length:"));
        let wire = build_request("PATCH", "/", "h", &hdrs(&[("content-length", "2")]), b"ab");
        assert_eq!(
            wire.windows(15)
                .filter(|w| w.eq_ignore_ascii_case(b"Content-Length:"))
                .count(),
            1
        );
        let wire = build_request(
            "POST",
            "/",
            "h",
            &hdrs(&[("Transfer-Encoding", "chunked")]),
            b"0\r\n\r\n",
        );
        assert!(!wire.windows(15).any(|w| w == b"Content-Length:"));
        assert_eq!(requests_in(&wire)[0].body_len, 0);
    }

    #[test]
    fn no_line_breaks_get_through() {
        let wire = build_request(
            "GET\r\n",
            "/a\r\nX: y",
            "h\n",
            &hdrs(&[("A\r\nB", "v\r\nEvil: 1")]),
            b"",
        );
        assert_eq!(
            wire,
            b"GET /aX: y HTTP/1.1\r\nHost: h\r\nUser-Agent: tfw-bench\r\nAB: vEvil: 1\r\n\r\n"
        );
        let wire = build_response(200, &hdrs(&[("X", "a\rb\nc")]), b"", false);
        assert!(wire.windows(7).any(|w| w == b"X: abc\r"));
    }

    #[test]
    fn responses() {
        let wire = build_response(200, &hdrs(&[("Content-Type", "text/plain")]), b"ok", false);
        assert_eq!(
            wire,
            b"HTTP/1.1 200 OK\r\nServer: tfw-bench\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
        );
        let want = ResponseDone {
            status: 200,
            close: false,
            body_len: 2,
        };
        assert_eq!(parse_response(&wire, false), Some(want));

        let wire = build_response(
            503,
            &hdrs(&[
                ("Server", "x"),
                ("Connection", "keep-alive"),
                ("Content-Length", "9"),
            ]),
            b"",
            true,
        );
        assert_eq!(
            wire,
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nServer: x\r\n\r\n"
        );
        let want = ResponseDone {
            status: 503,
            close: true,
            body_len: 0,
        };
        assert_eq!(parse_response(&wire, false), Some(want));

        let wire = build_response(204, &[], b"dropped", false);
        assert_eq!(
            wire,
            b"HTTP/1.1 204 No Content\r\nServer: tfw-bench\r\n\r\n"
        );
        let wire = build_response(799, &[], b"", false);
        assert!(wire.starts_with(b"HTTP/1.1 799 Unknown\r\n"));
        let wire = build_response(200, &[], b"body", false);
        let want = ResponseDone {
            status: 200,
            close: false,
            body_len: 0,
        };
        assert_eq!(parse_response(&wire[..wire.len() - 4], true), Some(want));
    }

    #[test]
    fn reason_phrases() {
        assert_eq!(reason_phrase(200), "OK");
        assert_eq!(reason_phrase(404), "Not Found");
        assert_eq!(reason_phrase(413), "Content Too Large");
        assert_eq!(reason_phrase(599), "Unknown");
    }
}
