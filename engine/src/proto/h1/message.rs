//! Whole messages, owned: heads taken apart, bodies and trailers kept, the head's bytes as
//! received. For the functional checker (`check::wire`), which must show and compare what
//! came, not just count it; the load's parsers (`response`, `request`) stay allocation-free.
//!
//! Same stream, head and body machinery and the same rules as those parsers (the framing of
//! a response to HEAD, 1xx interim responses skipped, read-until-close bodies, requests
//! that cannot be framed rejected); only what is reported differs.

use std::mem::MaybeUninit;

use super::body::Framing;
use super::error::ParseError;
use super::head::{Parsed, MAX_HEADERS};
use super::stream::{Messages, Start, Stream};
use super::{request, response};

/// A complete message as received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedMessage {
    /// Requests: method and target; empty for responses.
    pub method: String,
    pub target: String,
    /// "HTTP/1.1" or "HTTP/1.0".
    pub version: String,
    /// Responses: status and reason phrase; 0 and empty for requests.
    pub status: u16,
    pub reason: String,
    /// Fields in order, names as received; bytes that are not UTF-8 replaced with U+FFFD.
    pub headers: Vec<(String, String)>,
    /// The payload (chunk framing removed).
    pub body: Vec<u8>,
    /// Trailer fields of a chunked message.
    pub trailers: Vec<(String, String)>,
    /// Responses: the statuses of interim (1xx) responses that came before this one.
    pub interim: Vec<u16>,
    /// The head's bytes as received (start line to empty line).
    pub raw_head: Vec<u8>,
    /// The connection cannot carry another message after this one.
    pub close: bool,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn version(minor: Option<u8>) -> String {
    format!("HTTP/1.{}", minor.unwrap_or(1))
}

/// The message being read, and the trailer bytes of a chunked one.
#[derive(Debug, Default)]
struct Building {
    msg: OwnedMessage,
    trailer: Vec<u8>,
    interim: Vec<u16>,
}

impl Building {
    /// The message completed: trailers parsed, handed out, state cleared.
    fn finish(&mut self, close: bool) -> OwnedMessage {
        let mut msg = std::mem::take(&mut self.msg);
        msg.close = close;
        if !self.trailer.is_empty() {
            let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
            if let Ok(httparse::Status::Complete((_, fields))) =
                httparse::parse_headers(&self.trailer, &mut fields)
            {
                msg.trailers = fields
                    .iter()
                    .map(|h| (h.name.to_owned(), text(h.value)))
                    .collect();
            }
            self.trailer.clear();
        }
        msg
    }
}

/// Parses a stream of responses on one connection into owned messages.
#[derive(Debug, Default)]
pub struct OwnedResponseParser {
    stream: Stream<u16, response::Head>,
    building: Building,
}

impl OwnedResponseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses received bytes, pushing every response they complete to `out`; `next_is_head`
    /// is asked once per final response whether it answers a HEAD request (no body then).
    /// After an error the parser has been reset.
    pub fn feed(
        &mut self,
        data: &[u8],
        next_is_head: &mut dyn FnMut() -> bool,
        out: &mut Vec<OwnedMessage>,
    ) -> Result<(), ParseError> {
        let mut rules = Responses {
            b: &mut self.building,
            next_is_head,
            out,
        };
        let res = self.stream.feed(data, &mut rules);
        if res.is_err() {
            self.building = Building::default();
        }
        res
    }

    /// The peer closed: completes a read-until-close body (Some); Ok(None) when idle
    /// between responses; Err(UnexpectedEof) mid-response. The parser is reset either way.
    pub fn eof(&mut self) -> Result<Option<OwnedMessage>, ParseError> {
        let done = self.stream.eof();
        let res = match done {
            Ok(Some(_)) => Ok(Some(self.building.finish(true))),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        self.building = Building::default();
        res
    }

    /// Between responses with nothing buffered.
    pub fn is_idle(&self) -> bool {
        self.stream.is_idle()
    }
}

struct Responses<'a> {
    b: &'a mut Building,
    next_is_head: &'a mut dyn FnMut() -> bool,
    out: &'a mut Vec<OwnedMessage>,
}

impl Messages for Responses<'_> {
    type Head = response::Head;
    type Meta = u16;

    fn parse_head(buf: &[u8]) -> Result<Option<Parsed<response::Head>>, ParseError> {
        response::parse_head(buf)
    }

    fn head(
        &mut self,
        head: response::Head,
        bytes: &[u8],
    ) -> Result<Option<Start<u16>>, ParseError> {
        let status = head.status;
        if status < 200 && status != 101 {
            self.b.interim.push(status);
            return Ok(None);
        }
        let framing = if (self.next_is_head)() {
            Framing::Length(0)
        } else {
            head.framing
        };
        let mut fields = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut []);
        // The same bytes parse_head accepted: this parse succeeds too.
        let _ = httparse::ParserConfig::default().parse_response_with_uninit_headers(
            &mut resp,
            bytes,
            &mut fields,
        );
        self.b.msg = OwnedMessage {
            version: version(resp.version),
            status,
            reason: resp.reason.unwrap_or_default().to_owned(),
            headers: resp
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), text(h.value)))
                .collect(),
            interim: std::mem::take(&mut self.b.interim),
            raw_head: bytes.to_vec(),
            ..OwnedMessage::default()
        };
        Ok(Some(Start {
            meta: status,
            framing,
            close: head.close,
        }))
    }

    fn done(&mut self, _status: u16, close: bool, _body_len: u64) -> bool {
        let msg = self.b.finish(close);
        self.out.push(msg);
        true
    }

    fn payload(&mut self, bytes: &[u8]) {
        self.b.msg.body.extend_from_slice(bytes);
    }

    fn trailer_byte(&mut self, b: u8) {
        self.b.trailer.push(b);
    }
}

/// Parses a stream of (possibly pipelined) requests on one connection into owned messages.
#[derive(Debug, Default)]
pub struct OwnedRequestParser {
    stream: Stream<(), request::Head>,
    building: Building,
}

impl OwnedRequestParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses received bytes, pushing every request they complete to `out`. After a request
    /// asking to close, further bytes are ignored. After an error the parser has been reset.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<OwnedMessage>) -> Result<(), ParseError> {
        let mut rules = Requests {
            b: &mut self.building,
            out,
        };
        let res = self.stream.feed(data, &mut rules);
        if res.is_err() {
            self.building = Building::default();
        }
        res
    }

    /// Between requests with nothing buffered.
    pub fn is_idle(&self) -> bool {
        self.stream.is_idle()
    }
}

struct Requests<'a> {
    b: &'a mut Building,
    out: &'a mut Vec<OwnedMessage>,
}

impl Messages for Requests<'_> {
    type Head = request::Head;
    type Meta = ();

    fn parse_head(buf: &[u8]) -> Result<Option<Parsed<request::Head>>, ParseError> {
        request::parse_head(buf)
    }

    fn head(&mut self, head: request::Head, bytes: &[u8]) -> Result<Option<Start<()>>, ParseError> {
        let (framing, close) = request::start(&head)?;
        let mut fields = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
        let mut req = httparse::Request::new(&mut []);
        // The same bytes parse_head accepted: this parse succeeds too.
        let _ = httparse::ParserConfig::default().parse_request_with_uninit_headers(
            &mut req,
            bytes,
            &mut fields,
        );
        self.b.msg = OwnedMessage {
            method: req.method.unwrap_or_default().to_owned(),
            target: req.path.unwrap_or_default().to_owned(),
            version: version(req.version),
            headers: req
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), text(h.value)))
                .collect(),
            raw_head: bytes.to_vec(),
            ..OwnedMessage::default()
        };
        Ok(Some(Start {
            meta: (),
            framing,
            close,
        }))
    }

    fn done(&mut self, _meta: (), close: bool, _body_len: u64) -> bool {
        let msg = self.b.finish(close);
        self.out.push(msg);
        true
    }

    fn payload(&mut self, bytes: &[u8]) {
        self.b.msg.body.extend_from_slice(bytes);
    }

    fn trailer_byte(&mut self, b: u8) {
        self.b.trailer.push(b);
    }
}

#[cfg(test)]
mod tests;
