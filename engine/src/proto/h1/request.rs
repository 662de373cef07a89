//! The server side of HTTP/1.1: parses the requests the built-in target receives.
//!
//! Same stream, head and body machinery as the response parser, with request rules: a
//! request without Content-Length or Transfer-Encoding has no body, and one with a
//! Transfer-Encoding other than a final `chunked` cannot be framed.

use std::mem::MaybeUninit;

use super::body::Framing;
use super::error::ParseError;
use super::head::{span_in, Fields, Parsed, MAX_HEADERS};
use super::stream::{Messages, Start, Stream};

/// A request that completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestDone {
    /// The method is HEAD: the response carries no body.
    pub head: bool,
    /// The client wants the connection closed after the response: `Connection: close`,
    /// HTTP/1.0 without keep-alive, or both Transfer-Encoding and Content-Length.
    pub close: bool,
    /// Payload bytes (chunk framing not included).
    pub body_len: u64,
    /// An HTTP/1.0 request that asked to keep the connection (`Connection: keep-alive`):
    /// its response must say `Connection: keep-alive` too, or the client waits for a close.
    pub keep_alive: bool,
}

/// Where the request parser reports, for callers that want more than `RequestDone` (the
/// built-in target's `--record`); `RequestParser::feed` takes a closure instead.
pub trait RequestSink {
    /// The complete head of the request now starting, as received (start line to empty
    /// line; see `RequestHead::parse`), before that request's `request`.
    fn head(&mut self, bytes: &[u8]);
    /// A request completed; false stops the feed (see `RequestParser::feed`).
    fn request(&mut self, done: RequestDone) -> bool;
}

/// A request head taken apart, owned (for records, not for the hot path). Bytes that are
/// not UTF-8 (obs-text) are replaced with U+FFFD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    /// The request target as sent (`/path?query`).
    pub path: String,
    /// Every field in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    /// Parses the bytes `RequestSink::head` was given; `None` if httparse does not take them
    /// as a complete request head (it always does for those bytes).
    pub fn parse(bytes: &[u8]) -> Option<RequestHead> {
        let mut headers = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
        let mut req = httparse::Request::new(&mut []);
        let parsed = httparse::ParserConfig::default().parse_request_with_uninit_headers(
            &mut req,
            bytes,
            &mut headers,
        );
        if !matches!(parsed, Ok(httparse::Status::Complete(_))) {
            return None;
        }
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Some(RequestHead {
            method: req.method?.to_owned(),
            path: req.path?.to_owned(),
            headers: req
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), text(h.value)))
                .collect(),
        })
    }
}

/// Parses a stream of (possibly pipelined) requests on one connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    stream: Stream<Meta, Head>,
}

impl RequestParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses received bytes, calling `on` for every request they complete; `on` returns
    /// false to stop, and the rest of `data` is ignored. After a request asking to close,
    /// further bytes are ignored. After an error the parser has been reset; the connection
    /// should be closed.
    #[inline]
    pub fn feed(
        &mut self,
        data: &[u8],
        on: impl FnMut(RequestDone) -> bool,
    ) -> Result<(), ParseError> {
        self.stream.feed(data, &mut Requests(OnDone(on)))
    }

    /// `feed`, reporting each request's head too (whether it came in one feed or several).
    pub fn feed_sink(
        &mut self,
        data: &[u8],
        sink: &mut impl RequestSink,
    ) -> Result<(), ParseError> {
        self.stream.feed(data, &mut Requests(sink))
    }

    /// Between requests with nothing buffered (false once a request asked to close).
    pub fn is_idle(&self) -> bool {
        self.stream.is_idle()
    }

    /// Forgets everything, for a new connection. Keeps the head buffer's capacity, and the
    /// head cache (exact whatever the connection: see `head::HeadCache`).
    pub fn reset(&mut self) {
        self.stream.reset();
    }
}

/// The fields of a request head the parser acts on (the head cache keeps them).
#[derive(Clone, Copy, Debug)]
pub(super) struct Head {
    pub minor: u8,
    pub head: bool,
    fields: Fields,
}

/// What is carried from a request's head to its end.
#[derive(Clone, Copy, Debug, Default)]
struct Meta {
    /// The method is HEAD.
    head: bool,
    /// HTTP/1.0 (a kept connection must be confirmed in the response).
    http10: bool,
}

/// `feed`'s closure as a sink that ignores heads.
struct OnDone<F>(F);

impl<F: FnMut(RequestDone) -> bool> RequestSink for OnDone<F> {
    #[inline]
    fn head(&mut self, _bytes: &[u8]) {}

    #[inline]
    fn request(&mut self, done: RequestDone) -> bool {
        (self.0)(done)
    }
}

impl<S: RequestSink> RequestSink for &mut S {
    #[inline]
    fn head(&mut self, bytes: &[u8]) {
        (**self).head(bytes)
    }

    #[inline]
    fn request(&mut self, done: RequestDone) -> bool {
        (**self).request(done)
    }
}

/// Request rules for the shared stream, reporting to a sink.
struct Requests<S>(S);

impl<S: RequestSink> Messages for Requests<S> {
    type Head = Head;
    type Meta = Meta;

    #[inline]
    fn parse_head(buf: &[u8]) -> Result<Option<Parsed<Head>>, ParseError> {
        parse_head(buf)
    }

    #[inline]
    fn head(&mut self, head: Head, bytes: &[u8]) -> Result<Option<Start<Meta>>, ParseError> {
        let framing = head.fields.request_framing(head.minor)?;
        self.0.head(bytes);
        Ok(Some(Start {
            meta: Meta {
                head: head.head,
                http10: head.minor == 0,
            },
            framing,
            close: head.fields.closes(head.minor),
        }))
    }

    #[inline]
    fn done(&mut self, meta: Meta, close: bool, body_len: u64) -> bool {
        self.0.request(RequestDone {
            head: meta.head,
            close,
            body_len,
            keep_alive: meta.http10 && !close,
        })
    }
}

/// httparse over `buf`: `Ok(None)` while the head is incomplete.
#[inline]
pub(super) fn parse_head(buf: &[u8]) -> Result<Option<Parsed<Head>>, ParseError> {
    let mut headers = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    let n = match httparse::ParserConfig::default().parse_request_with_uninit_headers(
        &mut req,
        buf,
        &mut headers,
    ) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(ParseError::BadHead(e)),
    };
    let (fields, date) = Fields::scan(req.headers)?;
    let head = Head {
        minor: req.version.unwrap_or(1),
        head: req.method == Some("HEAD"),
        fields,
    };
    Ok(Some(Parsed {
        len: n,
        head,
        cacheable: true,
        volatile: span_in(buf, date),
    }))
}

/// The framing and close flag of a request with head `head` (Err: it cannot be framed).
pub(super) fn start(head: &Head) -> Result<(Framing, bool), ParseError> {
    Ok((
        head.fields.request_framing(head.minor)?,
        head.fields.closes(head.minor),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! testdata {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/h1/", $name)).as_slice()
        };
    }

    use crate::proto::h1::test_support::{
        run_requests as run, run_requests_on as run_on, RequestOutcome as Outcome,
    };

    /// A parser that never uses its head cache.
    fn uncached() -> RequestParser {
        let mut p = RequestParser::new();
        p.stream.head_cache().enabled = false;
        p
    }

    /// The outcome of `wire` fed whole without the head cache, after checking that every
    /// split gives the same one, with a fresh parser and with one whose head cache is warm.
    fn check_splits(wire: &[u8]) -> Outcome {
        let whole = run_on(&mut uncached(), [wire]);
        let mut warm = RequestParser::new();
        assert_eq!(run_on(&mut warm, [wire]), whole, "cold cache");
        for i in 0..=wire.len() {
            let (a, b) = wire.split_at(i);
            assert_eq!(run([a, b]), whole, "split at {i}");
            warm.reset();
            assert_eq!(run_on(&mut warm, [a, b]), whole, "warm, split at {i}");
        }
        assert_eq!(run(wire.chunks(1)), whole, "one byte at a time");
        whole
    }

    #[test]
    fn head_cache() {
        // A load generator sends the same request again and again.
        let one = testdata!("req_get.http");
        let wire = [one, one, one, b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", one].concat();
        let mut p = RequestParser::new();
        let want = vec![
            req(false, false, 0),
            req(false, false, 0),
            req(false, false, 0),
            req(true, false, 0),
            req(false, false, 0),
        ];
        assert_eq!(run_on(&mut p, [&wire[..]]), (want.clone(), Ok(())));
        assert_eq!(p.stream.head_cache().hits, 2);
        assert_eq!(check_splits(&wire), (want, Ok(())));
    }

    fn req(head: bool, close: bool, body_len: u64) -> RequestDone {
        RequestDone {
            head,
            close,
            body_len,
            keep_alive: false,
        }
    }

    #[test]
    fn get() {
        let wire = testdata!("req_get.http");
        assert_eq!(check_splits(wire), (vec![req(false, false, 0)], Ok(())));
        let mut p = RequestParser::new();
        p.feed(wire, |_| true).unwrap();
        assert!(p.is_idle());
        assert_eq!(p.stream.head_capacity(), 0);
    }

    #[test]
    fn post_with_body() {
        let wire = testdata!("req_post.http");
        assert_eq!(check_splits(wire), (vec![req(false, false, 13)], Ok(())));
    }

    #[test]
    fn chunked_post() {
        let wire = testdata!("req_post_chunked.http");
        assert_eq!(check_splits(wire), (vec![req(false, false, 9)], Ok(())));
    }

    #[test]
    fn pipelined() {
        let wire = testdata!("req_pipelined.http");
        let want = vec![
            req(false, false, 0),
            req(true, false, 0),
            req(false, false, 3),
            req(false, false, 2),
            req(false, true, 0),
        ];
        assert_eq!(check_splits(wire), (want, Ok(())));
        // Bytes after a request that asked to close are ignored.
        let wire = [wire, b"GET / HTTP/1.1\r\n\r\n".as_slice()].concat();
        assert_eq!(check_splits(&wire).0.len(), 5);
    }

    #[test]
    fn http10() {
        let wire = testdata!("req_http10.http");
        assert_eq!(check_splits(wire), (vec![req(false, true, 0)], Ok(())));
        let wire = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        let kept = RequestDone {
            keep_alive: true,
            ..req(false, false, 0)
        };
        assert_eq!(check_splits(wire), (vec![kept], Ok(())));
        // Pipelined, with a body length, a HEAD, the token in any case.
        let wire = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\nHEAD / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
        let kept_head = RequestDone {
            keep_alive: true,
            ..req(true, false, 0)
        };
        assert_eq!(check_splits(wire), (vec![kept, kept_head], Ok(())));
    }

    #[test]
    fn stop_from_callback() {
        let wire = testdata!("req_pipelined.http");
        let mut p = RequestParser::new();
        let mut n = 0;
        p.feed(wire, |_| {
            n += 1;
            n < 2
        })
        .unwrap();
        assert_eq!(n, 2);
        assert!(p.is_idle());
    }

    #[test]
    fn malformed_requests() {
        let cases: [(&[u8], ParseError); 6] = [
            (
                b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                ParseError::BadTransferEncoding,
            ),
            (
                b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                ParseError::BadTransferEncoding,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
                ParseError::BadContentLength,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                ParseError::BadContentLength,
            ),
            (
                b"GET /\x01 HTTP/1.1\r\n\r\n",
                ParseError::BadHead(httparse::Error::Token),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
                ParseError::BadChunk("no chunk size"),
            ),
        ];
        for (wire, e) in cases {
            assert_eq!(
                check_splits(wire),
                (vec![], Err(e)),
                "{:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    /// Heads (parsed) and completed requests, in order.
    #[derive(Default)]
    struct Heads(Vec<(Option<RequestHead>, Option<RequestDone>)>);

    impl RequestSink for Heads {
        fn head(&mut self, bytes: &[u8]) {
            self.0.push((RequestHead::parse(bytes), None));
        }
        fn request(&mut self, done: RequestDone) -> bool {
            self.0.push((None, Some(done)));
            true
        }
    }

    fn heads<'a>(p: &mut RequestParser, feeds: impl IntoIterator<Item = &'a [u8]>) -> Heads {
        let mut sink = Heads::default();
        for f in feeds {
            p.feed_sink(f, &mut sink).unwrap();
        }
        sink
    }

    #[test]
    fn sink_gets_every_head() {
        let h = |method: &str, path: &str, headers: &[(&str, &str)]| {
            let headers = headers
                .iter()
                .map(|&(n, v)| (n.to_owned(), v.to_owned()))
                .collect();
            let head = RequestHead {
                method: method.to_owned(),
                path: path.to_owned(),
                headers,
            };
            (Some(head), None)
        };
        let d = |head, body_len| (None, Some(req(head, false, body_len)));
        let get = b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nCookie: sid=1\r\n\r\n";
        let post = b"\r\nPOST /p HTTP/1.1\r\nContent-Length: 3\r\nX-Obs: caf\xe9\r\n\r\nabc";
        let wire = [&get[..], get, post, b"HEAD / HTTP/1.1\r\n\r\n"].concat();
        let g = h("GET", "/a?b=1", &[("Host", "x"), ("Cookie", "sid=1")]);
        let want = vec![
            g.clone(),
            d(false, 0),
            g,
            d(false, 0),
            h(
                "POST",
                "/p",
                &[("Content-Length", "3"), ("X-Obs", "caf\u{fffd}")],
            ),
            d(false, 3),
            h("HEAD", "/", &[]),
            d(true, 0),
        ];
        let mut warm = RequestParser::new();
        assert_eq!(heads(&mut warm, [&wire[..]]).0, want);
        assert!(warm.stream.head_cache().hits >= 1);
        for i in 0..=wire.len() {
            let (a, b) = wire.split_at(i);
            assert_eq!(heads(&mut RequestParser::new(), [a, b]).0, want, "at {i}");
            assert_eq!(heads(&mut warm, [a, b]).0, want, "warm, at {i}");
        }
        assert_eq!(heads(&mut warm, wire.chunks(1)).0, want);
        assert_eq!(
            RequestHead::parse(b"GET / HTTP/1.1\r\n"),
            None,
            "incomplete"
        );
        // A request that cannot be framed reports no head.
        let mut p = RequestParser::new();
        let mut sink = Heads::default();
        let bad = b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n";
        assert!(p.feed_sink(bad, &mut sink).is_err());
        assert!(sink.0.is_empty());
    }

    #[test]
    fn reset_mid_request() {
        let mut p = RequestParser::new();
        p.feed(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", |_| {
            true
        })
        .unwrap();
        assert!(!p.is_idle());
        p.reset();
        assert!(p.is_idle());
        let mut got = vec![];
        p.feed(testdata!("req_get.http"), |d| {
            got.push(d);
            true
        })
        .unwrap();
        assert_eq!(got, vec![req(false, false, 0)]);
    }
}
