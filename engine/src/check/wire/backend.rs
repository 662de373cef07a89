//! The recording backend's side of one accepted connection: HTTP/1.1 requests in (via
//! `proto::h1::OwnedRequestParser`), as transcript messages with the case marker they carry.

use super::WireError;
use crate::check::transcript::Message;
use crate::check::MARKER_HEADER;
use crate::proto::h1::{OwnedMessage, OwnedRequestParser};

/// One complete request that arrived at the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub message: Message,
    /// The value of the first `MARKER_HEADER` field, when the request has one.
    pub marker: Option<String>,
    /// The request is HEAD (its response has no body).
    pub head_request: bool,
}

/// One accepted backend connection: HTTP/1.1 requests, pipelined or not.
#[derive(Debug, Default)]
pub struct BackendWire {
    parser: OwnedRequestParser,
    done: Vec<OwnedMessage>,
}

impl BackendWire {
    pub fn new() -> BackendWire {
        BackendWire::default()
    }

    /// Complete requests (chunked bodies de-chunked, trailers kept, raw_head kept) pushed to
    /// `out`; Err on a malformed request (the loop answers 400 and closes). Requests that
    /// completed before the malformed one are pushed too. After a request that asked to
    /// close (`Connection: close`, HTTP/1.0 without keep-alive), further bytes are ignored.
    pub fn on_data(&mut self, data: &[u8], out: &mut Vec<Arrival>) -> Result<(), WireError> {
        let res = self.parser.feed(data, &mut self.done);
        out.extend(self.done.drain(..).map(arrival));
        Ok(res?)
    }

    /// Nothing of a request is buffered (the peer may close without losing one).
    pub fn is_idle(&self) -> bool {
        self.parser.is_idle()
    }
}

fn arrival(m: OwnedMessage) -> Arrival {
    let marker = m
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(MARKER_HEADER))
        .map(|(_, v)| v.clone());
    let head_request = m.method == "HEAD";
    Arrival {
        message: Message {
            method: m.method,
            target: m.target,
            version: m.version,
            headers: m.headers,
            body: m.body,
            trailers: m.trailers,
            raw_head: m.raw_head,
            ..Message::default()
        },
        marker,
        head_request,
    }
}
