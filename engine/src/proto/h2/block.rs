//! Joining a header block split into HEADERS + CONTINUATIONs (RFC 9113 section 4.3), for the
//! connection core (`conn`). Its own module because the buffer's life (kept with its
//! capacity for the connection's, taken out while a side reads it) is independent of frame
//! dispatch.

use super::error::H2Error;
use super::frame::{self, flag, Head, Kind};

/// A header block being joined from HEADERS + CONTINUATIONs.
#[derive(Debug)]
pub(super) struct HeaderBlock {
    bytes: Vec<u8>,
    max: usize,
}

impl HeaderBlock {
    /// Blocks of at most `max` bytes are accepted.
    pub fn new(max: usize) -> Self {
        HeaderBlock {
            bytes: Vec::new(),
            max,
        }
    }

    /// A HEADERS frame: its fragment when END_HEADERS makes it the whole block; None when
    /// the block was started here and goes on in CONTINUATIONs.
    pub fn headers<'p>(
        &mut self,
        head: &Head,
        payload: &'p [u8],
    ) -> Result<Option<&'p [u8]>, H2Error> {
        let fragment = frame::unpad(head, payload)?;
        if head.has(flag::END_HEADERS) {
            return Ok(Some(fragment));
        }
        self.bytes.clear();
        self.bytes.extend_from_slice(fragment);
        Ok(None)
    }

    /// The frame after a HEADERS (or CONTINUATION) without END_HEADERS on `stream`: it must
    /// be that stream's CONTINUATION (else `not_continuation`), and the block must stay
    /// within the limit (else `too_large`). True once the block is complete.
    pub fn continuation(
        &mut self,
        head: &Head,
        payload: &[u8],
        stream: u32,
        not_continuation: &'static str,
        too_large: &'static str,
    ) -> Result<bool, H2Error> {
        if head.kind != Kind::Continuation || head.stream != stream {
            return Err(H2Error::Protocol(not_continuation));
        }
        if self.bytes.len() + payload.len() > self.max {
            return Err(H2Error::Protocol(too_large));
        }
        self.bytes.extend_from_slice(payload);
        Ok(head.has(flag::END_HEADERS))
    }

    /// Takes the joined block out (to be handed back with `put_back`), so it can be read
    /// while the connection is borrowed mutably.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }

    pub fn put_back(&mut self, bytes: Vec<u8>) {
        self.bytes = bytes;
    }
}
