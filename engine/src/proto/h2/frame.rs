//! HTTP/2 framing (RFC 9113 section 4 and 6): splitting received bytes into frames and
//! appending frames to send.
//!
//! Shared by the client and the built-in target's server side. The reader hands whole frames
//! out in place from the fed slice; only a frame split across two feeds is copied, into a
//! buffer kept (with its capacity) for the connection's life, so steady state allocates
//! nothing. Writers append to the caller's `Vec<u8>`.

use super::error::H2Error;

/// The client connection preface (RFC 9113 section 3.4), sent before the first SETTINGS.
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Length of a frame header.
pub const HEAD_LEN: usize = 9;
/// Initial flow-control window of every stream and of the connection.
pub const DEFAULT_WINDOW: u32 = 65_535;
/// Largest flow-control window.
pub const MAX_WINDOW: u32 = (1 << 31) - 1;
/// Initial (and smallest allowed) SETTINGS_MAX_FRAME_SIZE.
pub const DEFAULT_MAX_FRAME: u32 = 16_384;
/// Largest allowed SETTINGS_MAX_FRAME_SIZE.
pub const MAX_FRAME_LIMIT: u32 = (1 << 24) - 1;
/// Largest stream id.
pub const MAX_STREAM_ID: u32 = (1 << 31) - 1;

/// Frame types (RFC 9113 section 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Data,
    Headers,
    Priority,
    RstStream,
    Settings,
    PushPromise,
    Ping,
    Goaway,
    WindowUpdate,
    Continuation,
    /// A type this implementation does not know; RFC 9113 says to ignore it.
    Unknown(u8),
}

impl Kind {
    pub fn from_u8(b: u8) -> Kind {
        match b {
            0x0 => Kind::Data,
            0x1 => Kind::Headers,
            0x2 => Kind::Priority,
            0x3 => Kind::RstStream,
            0x4 => Kind::Settings,
            0x5 => Kind::PushPromise,
            0x6 => Kind::Ping,
            0x7 => Kind::Goaway,
            0x8 => Kind::WindowUpdate,
            0x9 => Kind::Continuation,
            other => Kind::Unknown(other),
        }
    }

    pub fn to_u8(self) -> u8 {
        match self {
            Kind::Data => 0x0,
            Kind::Headers => 0x1,
            Kind::Priority => 0x2,
            Kind::RstStream => 0x3,
            Kind::Settings => 0x4,
            Kind::PushPromise => 0x5,
            Kind::Ping => 0x6,
            Kind::Goaway => 0x7,
            Kind::WindowUpdate => 0x8,
            Kind::Continuation => 0x9,
            Kind::Unknown(b) => b,
        }
    }
}

/// Frame flags. END_STREAM and ACK share a bit: which one it is depends on the frame type.
pub mod flag {
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const PADDED: u8 = 0x8;
    pub const PRIORITY: u8 = 0x20;
}

/// Error codes (RFC 9113 section 7), carried by RST_STREAM and GOAWAY.
pub use super::code;

/// SETTINGS parameters (RFC 9113 section 6.5.2).
pub mod setting {
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    pub const ENABLE_PUSH: u16 = 0x2;
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
}

/// A frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Payload length.
    pub len: u32,
    pub kind: Kind,
    pub flags: u8,
    /// Stream id, the reserved bit cleared.
    pub stream: u32,
}

impl Head {
    /// Reads a frame header from its 9 bytes.
    pub fn parse(b: &[u8; HEAD_LEN]) -> Head {
        Head {
            len: u32::from_be_bytes([0, b[0], b[1], b[2]]),
            kind: Kind::from_u8(b[3]),
            flags: b[4],
            stream: u32::from_be_bytes([b[5], b[6], b[7], b[8]]) & MAX_STREAM_ID,
        }
    }

    /// Appends the header's 9 bytes (`len` must fit 24 bits).
    pub fn write(&self, out: &mut Vec<u8>) {
        let len = self.len.to_be_bytes();
        out.extend_from_slice(&[len[1], len[2], len[3], self.kind.to_u8(), self.flags]);
        out.extend_from_slice(&(self.stream & MAX_STREAM_ID).to_be_bytes());
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// What the frame reader expects next.
#[derive(Clone, Copy, Debug)]
enum ReadState {
    /// A frame header (some of its bytes may already be buffered).
    AwaitHead,
    /// The payload of this frame, split across feeds: the part received so far is buffered.
    AwaitPayload(Head),
}

/// Splits a byte stream into frames. Whole frames in the fed slice are handed out in place;
/// only a frame split across feeds is copied (into a buffer kept per connection).
#[derive(Debug)]
pub struct FrameReader {
    state: ReadState,
    max_frame: u32,
    /// Bytes of a split frame header (AwaitHead) or payload (AwaitPayload).
    buf: Vec<u8>,
}

impl FrameReader {
    pub fn new(max_frame: u32) -> Self {
        FrameReader {
            state: ReadState::AwaitHead,
            max_frame,
            buf: Vec::new(),
        }
    }

    /// Largest payload accepted (our SETTINGS_MAX_FRAME_SIZE).
    pub fn set_max_frame(&mut self, n: u32) {
        self.max_frame = n;
    }

    /// Calls `f` for each complete frame; a frame longer than max_frame is FRAME_SIZE_ERROR.
    pub fn feed<E: From<H2Error>>(
        &mut self,
        mut data: &[u8],
        mut f: impl FnMut(Head, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        loop {
            match self.state {
                ReadState::AwaitHead if self.buf.is_empty() => {
                    let Some(head_bytes) = data.first_chunk::<HEAD_LEN>() else {
                        self.buf.extend_from_slice(data);
                        return Ok(());
                    };
                    let head = self.check(Head::parse(head_bytes))?;
                    let end = HEAD_LEN + head.len as usize;
                    if data.len() >= end {
                        f(head, &data[HEAD_LEN..end])?;
                        data = &data[end..];
                    } else {
                        self.buf.extend_from_slice(&data[HEAD_LEN..]);
                        self.state = ReadState::AwaitPayload(head);
                        return Ok(());
                    }
                }
                ReadState::AwaitHead => {
                    let take = (HEAD_LEN - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    let Some(head_bytes) = self.buf.first_chunk::<HEAD_LEN>() else {
                        return Ok(());
                    };
                    let head = Head::parse(head_bytes);
                    self.buf.clear();
                    let head = self.check(head)?;
                    self.state = ReadState::AwaitPayload(head);
                }
                ReadState::AwaitPayload(head) => {
                    let take = (head.len as usize - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.buf.len() < head.len as usize {
                        return Ok(());
                    }
                    self.state = ReadState::AwaitHead;
                    let done = f(head, &self.buf);
                    self.buf.clear();
                    done?;
                }
            }
        }
    }

    fn check(&self, head: Head) -> Result<Head, H2Error> {
        if head.len > self.max_frame {
            return Err(H2Error::FrameSize);
        }
        Ok(head)
    }
}

/// Appends a frame with `payload` as it is (no padding, no splitting).
pub fn write_frame(out: &mut Vec<u8>, kind: Kind, flags: u8, stream: u32, payload: &[u8]) {
    Head {
        len: payload.len() as u32,
        kind,
        flags,
        stream,
    }
    .write(out);
    out.extend_from_slice(payload);
}

/// Appends a SETTINGS frame with these parameters.
pub fn settings(out: &mut Vec<u8>, params: &[(u16, u32)]) {
    Head {
        len: (params.len() * 6) as u32,
        kind: Kind::Settings,
        flags: 0,
        stream: 0,
    }
    .write(out);
    for &(id, value) in params {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&value.to_be_bytes());
    }
}

/// Appends a SETTINGS frame acknowledging the peer's.
pub fn settings_ack(out: &mut Vec<u8>) {
    write_frame(out, Kind::Settings, flag::ACK, 0, &[]);
}

/// Appends a header block as HEADERS, followed by CONTINUATIONs when the block is longer
/// than `max_frame` (the peer's SETTINGS_MAX_FRAME_SIZE).
pub fn headers(out: &mut Vec<u8>, stream: u32, block: &[u8], end_stream: bool, max_frame: usize) {
    let max_frame = max_frame.max(1);
    let mut chunks = block.chunks(max_frame);
    let first = chunks.next().unwrap_or(&[]);
    let end_stream = if end_stream { flag::END_STREAM } else { 0 };
    let alone = if block.len() <= max_frame {
        flag::END_HEADERS
    } else {
        0
    };
    write_frame(out, Kind::Headers, end_stream | alone, stream, first);
    let rest = block.len().saturating_sub(max_frame);
    let mut sent = 0;
    for chunk in chunks {
        sent += chunk.len();
        let last = if sent == rest { flag::END_HEADERS } else { 0 };
        write_frame(out, Kind::Continuation, last, stream, chunk);
    }
}

/// Appends one DATA frame (`payload` must fit the peer's SETTINGS_MAX_FRAME_SIZE).
pub fn data(out: &mut Vec<u8>, stream: u32, payload: &[u8], end_stream: bool) {
    let flags = if end_stream { flag::END_STREAM } else { 0 };
    write_frame(out, Kind::Data, flags, stream, payload);
}

/// Appends a WINDOW_UPDATE (stream 0: the connection's window).
pub fn window_update(out: &mut Vec<u8>, stream: u32, increment: u32) {
    write_frame(
        out,
        Kind::WindowUpdate,
        0,
        stream,
        &(increment & MAX_WINDOW).to_be_bytes(),
    );
}

/// Appends a PING, or the PING ACK echoing `payload`.
pub fn ping(out: &mut Vec<u8>, ack: bool, payload: [u8; 8]) {
    let flags = if ack { flag::ACK } else { 0 };
    write_frame(out, Kind::Ping, flags, 0, &payload);
}

/// Appends a GOAWAY.
pub fn goaway(out: &mut Vec<u8>, last_stream: u32, code: u32, debug: &[u8]) {
    Head {
        len: (8 + debug.len()) as u32,
        kind: Kind::Goaway,
        flags: 0,
        stream: 0,
    }
    .write(out);
    out.extend_from_slice(&(last_stream & MAX_STREAM_ID).to_be_bytes());
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(debug);
}

/// Appends a RST_STREAM.
pub fn rst_stream(out: &mut Vec<u8>, stream: u32, code: u32) {
    write_frame(out, Kind::RstStream, 0, stream, &code.to_be_bytes());
}

/// SETTINGS payload -> (id, value) pairs; bad length is FRAME_SIZE_ERROR.
pub fn parse_settings(payload: &[u8]) -> Result<impl Iterator<Item = (u16, u32)> + '_, H2Error> {
    if !payload.len().is_multiple_of(6) {
        return Err(H2Error::FrameSize);
    }
    Ok(payload.chunks_exact(6).map(|p| {
        (
            u16::from_be_bytes([p[0], p[1]]),
            u32::from_be_bytes([p[2], p[3], p[4], p[5]]),
        )
    }))
}

/// Strips padding (PADDED) and the priority fields (PRIORITY) of DATA/HEADERS payloads.
pub fn unpad<'a>(head: &Head, payload: &'a [u8]) -> Result<&'a [u8], H2Error> {
    let mut rest = payload;
    let mut pad = 0usize;
    if head.has(flag::PADDED) && matches!(head.kind, Kind::Data | Kind::Headers) {
        let (&n, after) = rest
            .split_first()
            .ok_or(H2Error::Protocol("PADDED frame without a pad length"))?;
        pad = n as usize;
        rest = after;
    }
    if head.has(flag::PRIORITY) && head.kind == Kind::Headers {
        rest = rest.get(5..).ok_or(H2Error::Protocol(
            "HEADERS too short for its priority fields",
        ))?;
    }
    if pad > rest.len() {
        return Err(H2Error::Protocol("padding longer than the frame payload"));
    }
    Ok(&rest[..rest.len() - pad])
}

/// Reads a WINDOW_UPDATE payload: the increment (0 is a PROTOCOL_ERROR for the caller to
/// report on the right scope); a bad length is FRAME_SIZE_ERROR.
pub fn parse_window_update(payload: &[u8]) -> Result<u32, H2Error> {
    let b: &[u8; 4] = payload.try_into().map_err(|_| H2Error::FrameSize)?;
    Ok(u32::from_be_bytes(*b) & MAX_WINDOW)
}

/// Reads a RST_STREAM payload: the error code; a bad length is FRAME_SIZE_ERROR.
pub fn parse_rst_stream(payload: &[u8]) -> Result<u32, H2Error> {
    let b: &[u8; 4] = payload.try_into().map_err(|_| H2Error::FrameSize)?;
    Ok(u32::from_be_bytes(*b))
}

/// Reads a GOAWAY payload: (last stream id, error code, debug data); shorter than 8 bytes
/// is FRAME_SIZE_ERROR.
pub fn parse_goaway(payload: &[u8]) -> Result<(u32, u32, &[u8]), H2Error> {
    let (fixed, debug) = payload.split_first_chunk::<8>().ok_or(H2Error::FrameSize)?;
    let last = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]) & MAX_STREAM_ID;
    let code = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    Ok((last, code, debug))
}

/// Reads a PING payload; a bad length is FRAME_SIZE_ERROR.
pub fn parse_ping(payload: &[u8]) -> Result<[u8; 8], H2Error> {
    payload.try_into().map_err(|_| H2Error::FrameSize)
}

#[cfg(test)]
mod tests;
