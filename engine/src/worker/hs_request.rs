//! `handshake --request`: the one HTTP/1.1 response a peer reads after its handshake and its
//! request, parsed by the engine's own `ResponseParser` (so framing, chunked bodies and 1xx
//! interim responses are handled as under `stress`). Kept apart from the handshake loop,
//! which only asks: is the response complete, and with which status?

use crate::proto::h1::{ParseError, ResponseDone, ResponseParser, ResponseSink};

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
pub(super) fn feed(parser: &mut ResponseParser, plain: &[u8]) -> Result<Option<u16>, ParseError> {
    let mut first = First(None);
    parser.feed(plain, &mut first)?;
    Ok(first.0)
}

/// The server ended the stream (close_notify or TCP close): a read-until-close body is
/// complete then; anything else owed is an error message.
pub(super) fn eof(parser: &mut ResponseParser) -> Result<u16, String> {
    match parser.eof() {
        Ok(Some(done)) => Ok(done.status),
        Ok(None) => Err("the server closed the connection before responding".into()),
        Err(e) => Err(format!(
            "the server closed the connection mid-response ({e})"
        )),
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
