//! `handshake --request`: an established peer sends one request and reads the one HTTP/1.1
//! response, parsed by the engine's own `ResponseParser` (so framing, chunked bodies and 1xx
//! interim responses are handled as under `stress`); the attempt ends with the response.
//! The parsing is kept apart from the peers' state, which only asks: is the response
//! complete, and with which status?

use super::{PeerState, W};
use crate::proto::h1::{ParseError, ResponseDone, ResponseParser, ResponseSink};
use crate::ring::Backend;
use crate::stats::handshake::HsError;
use crate::worker::clock::ns;

/// Takes the first final response and stops parsing (the connection is reset after it).
struct First(Option<u16>);

impl ResponseSink for First {
    fn next_is_head(&mut self) -> bool {
        // The request is always GET.
        false
    }

    fn response(&mut self, done: ResponseDone) -> bool {
        self.0 = Some(done.status);
        false
    }
}

/// Feeds decrypted response bytes; Some(status) once the first final response is complete.
fn feed(parser: &mut ResponseParser, plain: &[u8]) -> Result<Option<u16>, ParseError> {
    let mut first = First(None);
    parser.feed(plain, &mut first)?;
    Ok(first.0)
}

/// The server ended the stream (close_notify or TCP close): a read-until-close body is
/// complete then; anything else owed is an error message.
fn eof(parser: &mut ResponseParser) -> Result<u16, String> {
    match parser.eof() {
        Ok(Some(done)) => Ok(done.status),
        Ok(None) => Err("the server closed the connection before responding".into()),
        Err(e) => Err(format!(
            "the server closed the connection mid-response ({e})"
        )),
    }
}

impl W<'_> {
    /// `--request`: the established peer sends its request after its last flight (one send)
    /// and waits for the response; its attempt stays open until then.
    pub(super) fn request<B: Backend>(&mut self, io: &mut B, pi: usize) {
        let (Some(req), p) = (self.plan.request.as_deref(), &mut self.peers[pi]) else {
            return;
        };
        let Some(h) = p.tls.as_mut() else {
            return;
        };
        if let Err(e) = h.encrypt(req, &mut self.out) {
            self.out.clear();
            let msg = format!("cannot encrypt the request: {e}");
            return self.note_error(io, pi, HsError::Request, msg, true);
        }
        if p.counted {
            p.awaiting = true;
            self.counted_inflight -= 1;
            self.counted_awaiting += 1;
        }
        p.state = PeerState::Requesting;
        p.deadline = self.now + ns(self.plan.timeout);
        let slot = p.slot;
        self.flush(io, slot, false);
    }

    /// `--request`: response bytes for peer `pi`; a complete response ends the attempt.
    pub(super) fn respond<B: Backend>(&mut self, io: &mut B, pi: usize, data: &[u8]) {
        let p = &mut self.peers[pi];
        let Some(h) = p.tls.as_mut() else {
            return;
        };
        self.plain.clear();
        let r = h.advance_into(data, &mut self.out, Some(&mut self.plain));
        self.out.clear();
        if let Err(e) = r {
            let msg = format!("TLS error while reading the response: {e}");
            return self.note_error(io, pi, HsError::Request, msg, true);
        }
        let closed = h.peer_closed();
        match feed(&mut p.parser, &self.plain) {
            Ok(Some(status)) => self.answered(io, pi, status),
            Ok(None) if closed => self.response_over(io, pi),
            Ok(None) => {}
            Err(e) => {
                let msg = format!("the response is not valid HTTP/1.1: {e}");
                self.note_error(io, pi, HsError::Request, msg, true);
            }
        }
    }

    /// `--request`: the server ended the stream before a complete response was parsed.
    pub(super) fn response_over<B: Backend>(&mut self, io: &mut B, pi: usize) {
        match eof(&mut self.peers[pi].parser) {
            Ok(status) => self.answered(io, pi, status),
            Err(msg) => self.note_error(io, pi, HsError::Request, msg, true),
        }
    }

    /// `--request`: the response came; counted, then the RST and the next attempt.
    fn answered<B: Backend>(&mut self, io: &mut B, pi: usize, status: u16) {
        if self.peers[pi].counted {
            self.stats.response(status);
        } else {
            self.end.uncounted_responses += 1;
        }
        self.attempt_over(pi);
        self.restart(io, pi, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_response_in_pieces_and_read_until_close() {
        let mut p = ResponseParser::new();
        let wire =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc";
        let (a, b) = wire.split_at(40);
        assert_eq!(feed(&mut p, a).unwrap(), None);
        assert_eq!(feed(&mut p, b).unwrap(), Some(404));
        let mut p = ResponseParser::new();
        assert_eq!(feed(&mut p, b"HTTP/1.0 200 OK\r\n\r\nbody").unwrap(), None);
        assert_eq!(eof(&mut p), Ok(200));
        let mut p = ResponseParser::new();
        assert!(eof(&mut p).unwrap_err().contains("before responding"));
        assert!(feed(&mut p, b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }
}
