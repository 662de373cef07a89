//! The client side of HTTP/1.1: parses the responses a target sends back.
//!
//! Runs for every response at full load, so it allocates nothing per response: a head equal
//! to the connection's previous one but for its `Date` value reuses what httparse made of
//! that one (`head::HeadCache`); other heads are parsed straight from the fed slice with the
//! fields on the stack. Bodies are counted and dropped. Pipelined responses in one feed are
//! all reported from one call. A sink that asks for cookies (cookie replay) also gets the
//! `Set-Cookie` pairs of each final response, read from its head bytes (`cookie`), cached
//! head or not.

use std::mem::MaybeUninit;

use super::body::Framing;
use super::cookie::for_each_set_cookie;
use super::error::ParseError;
use super::head::{span_in, Fields, Parsed, MAX_HEADERS};
use super::stream::{Messages, Start, Stream};

/// A final response that completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseDone {
    pub status: u16,
    /// The connection cannot carry another response: `Connection: close`, HTTP/1.0 without
    /// keep-alive, a read-until-close body, or 101.
    pub close: bool,
    /// Payload bytes (chunk framing not included; 0 for HEAD, 204 and 304).
    pub body_len: u64,
}

/// Where the parser reports to; implemented by whoever tracks the requests in flight.
pub trait ResponseSink {
    /// Is the response now starting an answer to a HEAD request? Asked once per final
    /// response head (1xx interim responses are not asked about), before `response`.
    fn next_is_head(&mut self) -> bool;
    /// A final response completed. Return false to stop parsing this feed (e.g. the caller
    /// will close the connection); the parser then ignores the rest of the slice.
    fn response(&mut self, done: ResponseDone) -> bool;
    /// Does the sink want the cookies responses set (`set_cookie`)? Asked once per final
    /// response head, after `next_is_head`. The default, false, costs nothing: heads are not
    /// looked at again.
    #[inline]
    fn wants_cookies(&self) -> bool {
        false
    }
    /// One `Set-Cookie` field of the final response now starting: its cookie's name and
    /// value, trimmed, attributes dropped (`sid=abc; Path=/` gives `sid`, `abc`); fields
    /// without `=` or with an empty name are skipped. Called only when `wants_cookies` said
    /// so, once per field in the order received, after `next_is_head` and before that
    /// response's `response`, whether the head came in one feed or several and whether the
    /// head cache answered it. Interim (1xx) responses are not reported.
    #[inline]
    fn set_cookie(&mut self, _name: &[u8], _value: &[u8]) {}
    /// Does the sink want each final response whole (`message_head`, `message_payload`)?
    /// Asked once per final response head and once per piece of payload. The default,
    /// false, costs nothing: heads are not copied, payload is dropped.
    #[inline]
    fn wants_message(&self) -> bool {
        false
    }
    /// The head of the final response now starting, as received (status line to empty
    /// line), after `next_is_head` and before its payload and `response`.
    #[inline]
    fn message_head(&mut self, _head: &[u8]) {}
    /// Payload bytes of the response being read (chunk framing removed), in order.
    #[inline]
    fn message_payload(&mut self, _bytes: &[u8]) {}
}

/// What the parser acts on in a response head, decided once per distinct head (the head
/// cache keeps it): everything but whether the response answers a HEAD request.
#[derive(Clone, Copy, Debug)]
pub(super) struct Head {
    pub status: u16,
    /// Body framing unless the request was HEAD.
    pub framing: Framing,
    /// The connection closes after this response.
    pub close: bool,
}

/// Parses a stream of responses on one connection.
#[derive(Debug, Default)]
pub struct ResponseParser {
    /// Carries the status of the response in progress.
    stream: Stream<u16, Head>,
}

impl ResponseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses received bytes, reporting every response they complete. After an error the
    /// parser has been reset; the connection's framing is lost and it should be closed.
    #[inline]
    pub fn feed(&mut self, data: &[u8], sink: &mut impl ResponseSink) -> Result<(), ParseError> {
        self.stream.feed(data, &mut Responses(sink))
    }

    /// The peer closed. Completes a read-until-close body (returns Some); Ok(None) when idle
    /// between responses; Err(UnexpectedEof) mid-response. The parser is reset either way.
    pub fn eof(&mut self) -> Result<Option<ResponseDone>, ParseError> {
        Ok(self.stream.eof()?.map(|(status, body_len)| ResponseDone {
            status,
            close: true,
            body_len,
        }))
    }

    /// Between responses with nothing buffered (false once a response said close).
    pub fn is_idle(&self) -> bool {
        self.stream.is_idle()
    }

    /// Forgets everything, for a new connection. Keeps the head buffer's capacity, and the
    /// head cache (exact whatever the connection: see `head::HeadCache`).
    pub fn reset(&mut self) {
        self.stream.reset();
    }
}

/// Response rules for the shared stream, reporting to a `ResponseSink`.
struct Responses<'a, S>(&'a mut S);

impl<S: ResponseSink> Messages for Responses<'_, S> {
    type Head = Head;
    type Meta = u16;

    #[inline]
    fn parse_head(buf: &[u8]) -> Result<Option<Parsed<Head>>, ParseError> {
        parse_head(buf)
    }

    #[inline]
    fn head(&mut self, head: Head, bytes: &[u8]) -> Result<Option<Start<u16>>, ParseError> {
        let status = head.status;
        if status < 200 && status != 101 {
            return Ok(None); // interim (100 Continue, 103 Early Hints): no body, not final
        }
        let framing = if self.0.next_is_head() {
            Framing::Length(0)
        } else {
            head.framing
        };
        if self.0.wants_cookies() {
            cookies(self.0, bytes);
        }
        if self.0.wants_message() {
            self.0.message_head(bytes);
        }
        Ok(Some(Start {
            meta: status,
            framing,
            close: head.close,
        }))
    }

    #[inline]
    fn done(&mut self, status: u16, close: bool, body_len: u64) -> bool {
        self.0.response(ResponseDone {
            status,
            close,
            body_len,
        })
    }

    #[inline]
    fn payload(&mut self, bytes: &[u8]) {
        if self.0.wants_message() {
            self.0.message_payload(bytes);
        }
    }
}

/// Runs `f` with the header fields of a response head (status line to empty line, as a
/// sink's `message_head` got it) as (name, value) pairs in order, taken apart on the stack.
/// A head the parser did not accept gives no fields.
pub fn with_head_fields<R>(head: &[u8], f: impl FnOnce(&[(&[u8], &[u8])]) -> R) -> R {
    let mut raw = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut []);
    let _ = httparse::ParserConfig::default()
        .parse_response_with_uninit_headers(&mut resp, head, &mut raw);
    let mut pairs: [(&[u8], &[u8]); MAX_HEADERS] = [(&[], &[]); MAX_HEADERS];
    let mut n = 0;
    for (pair, h) in pairs.iter_mut().zip(resp.headers.iter()) {
        *pair = (h.name.as_bytes(), h.value);
        n += 1;
    }
    f(&pairs[..n])
}

/// Reports the cookies `head` sets (kept out of line: only cookie replay wants them).
#[inline(never)]
fn cookies(sink: &mut impl ResponseSink, head: &[u8]) {
    for_each_set_cookie(head, |name, value| sink.set_cookie(name, value));
}

/// httparse over `buf`: `Ok(None)` while the head is incomplete.
#[inline]
pub(super) fn parse_head(buf: &[u8]) -> Result<Option<Parsed<Head>>, ParseError> {
    let mut headers = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut []);
    let n = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut resp,
        buf,
        &mut headers,
    ) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(ParseError::BadHead(e)),
    };
    let status = resp.code.unwrap_or(0);
    if !(100..=999).contains(&status) {
        return Err(ParseError::BadStatus(status));
    }
    let minor = resp.version.unwrap_or(1);
    let (fields, date) = Fields::scan(resp.headers)?;
    let no_body = matches!(status, 101 | 204 | 304);
    let head = Head {
        status,
        framing: if no_body {
            Framing::Length(0)
        } else {
            fields.response_framing(minor)
        },
        close: status == 101 || fields.closes(minor),
    };
    Ok(Some(Parsed {
        len: n,
        head,
        // Interim responses would only evict the final head that follows them.
        cacheable: status >= 200,
        volatile: span_in(buf, date),
    }))
}

#[cfg(test)]
mod tests;
