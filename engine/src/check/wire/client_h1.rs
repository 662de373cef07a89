//! The HTTP/1.x client of one connection: requests out (`request`), responses in through
//! `proto::h1::OwnedResponseParser`, matched in order to what was sent so a response to HEAD
//! is read without a body.

use std::collections::VecDeque;

use super::request::h1_request;
use crate::check::plan::Request;
use crate::check::transcript::{ClientLog, Message};
use crate::proto::h1::{OwnedMessage, OwnedRequestParser, OwnedResponseParser};

/// A request on the wire still without its response.
#[derive(Clone, Copy, Debug)]
struct Pending {
    /// HEAD: its response has no body.
    head: bool,
    /// Sent by `send_requests` (counts for `awaiting`); raw requests do not.
    counted: bool,
}

#[derive(Debug)]
pub(super) struct H1Client {
    authority: String,
    parser: OwnedResponseParser,
    pending: VecDeque<Pending>,
    /// Finds the requests in raw bytes (for HEAD); None once they stop parsing.
    raw: Option<OwnedRequestParser>,
    raw_done: Vec<OwnedMessage>,
    done: Vec<OwnedMessage>,
    /// Responses whose head was read but which have not completed (0 or 1): the next head
    /// answers `pending[asked]`.
    asked: usize,
    /// The framing broke or the peer closed: nothing more is parsed or awaited.
    ended: bool,
}

impl H1Client {
    pub fn new(authority: &str) -> Self {
        H1Client {
            authority: authority.to_string(),
            parser: OwnedResponseParser::new(),
            pending: VecDeque::new(),
            raw: Some(OwnedRequestParser::new()),
            raw_done: Vec::new(),
            done: Vec::new(),
            asked: 0,
            ended: false,
        }
    }

    pub fn send(&mut self, req: &Request, marker: &str, out: &mut Vec<u8>) -> Message {
        self.pending.push_back(Pending {
            head: req.method == "HEAD",
            counted: true,
        });
        h1_request(req, &self.authority, marker, out)
    }

    pub fn sent_raw(&mut self, bytes: &[u8]) {
        let Some(p) = &mut self.raw else { return };
        if p.feed(bytes, &mut self.raw_done).is_err() {
            self.raw = None;
        }
        for m in self.raw_done.drain(..) {
            self.pending.push_back(Pending {
                head: m.method == "HEAD",
                counted: false,
            });
        }
    }

    pub fn on_data(&mut self, data: &[u8], log: &mut ClientLog) {
        if self.ended {
            return;
        }
        let pending = &self.pending;
        let asked = &mut self.asked;
        let mut next_is_head = || {
            *asked += 1;
            pending.get(*asked - 1).is_some_and(|p| p.head)
        };
        let res = self.parser.feed(data, &mut next_is_head, &mut self.done);
        self.complete(log);
        if let Err(e) = res {
            self.fail(log, format!("HTTP/1.1 response: {e}"));
        }
    }

    pub fn on_eof(&mut self, log: &mut ClientLog) {
        if !self.ended {
            match self.parser.eof() {
                Ok(Some(m)) => self.done.push(m),
                Ok(None) => {}
                Err(e) => self.fail(log, format!("HTTP/1.1 response: {e}")),
            }
            self.complete(log);
        }
        self.ended = true;
    }

    pub fn awaiting(&self) -> usize {
        if self.ended {
            return 0;
        }
        self.pending.iter().filter(|p| p.counted).count()
    }

    fn complete(&mut self, log: &mut ClientLog) {
        for m in self.done.drain(..) {
            self.pending.pop_front();
            self.asked = self.asked.saturating_sub(1);
            log.responses.push(Message {
                version: m.version,
                status: m.status,
                headers: m.headers,
                body: m.body,
                trailers: m.trailers,
                interim: m.interim,
                raw_head: m.raw_head,
                ..Message::default()
            });
        }
    }

    fn fail(&mut self, log: &mut ClientLog, why: String) {
        self.ended = true;
        log.parse_error.get_or_insert(why);
    }
}
