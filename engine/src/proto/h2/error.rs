//! Why an HTTP/2 connection cannot go on.
//!
//! One error type for the whole layer (frames, HPACK, the client and the built-in target's
//! server side), so a connection's state machine returns the same thing whatever broke. Each
//! variant maps to the RFC 9113 error code a GOAWAY would carry (`code`); the caller counts the
//! error, may send that GOAWAY, and closes the connection.

use thiserror::Error;

use super::code;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum H2Error {
    /// The peer broke a rule of RFC 9113 (a frame where it must not be, a bad field...).
    #[error("HTTP/2 protocol error: {0}")]
    Protocol(&'static str),
    /// A frame longer than the advertised SETTINGS_MAX_FRAME_SIZE, or a fixed-size frame
    /// (SETTINGS, PING, WINDOW_UPDATE, RST_STREAM, PRIORITY, GOAWAY) of the wrong length.
    #[error("HTTP/2 frame size error (a frame too long or of the wrong length for its type)")]
    FrameSize,
    /// A header block HPACK could not decode; the connection's tables are out of step.
    #[error("HPACK decoding failed: {0}")]
    Compression(String),
    /// A window went past 2^31-1, or the peer sent more DATA than a window allowed.
    #[error("HTTP/2 flow control error (a window above 2^31-1 or data beyond a window)")]
    FlowControl,
    /// The peer sent GOAWAY with an error code (for callers that turn it into an error).
    #[error("peer sent GOAWAY with error code {code} ({})", code::name(*code))]
    Goaway { code: u32 },
    /// An HTTP/1.1 message template could not be turned into an HTTP/2 message.
    #[error("HTTP/1.1 message template unusable for HTTP/2: {0}")]
    Template(&'static str),
    /// `open` was called while `can_open` was false.
    #[error("no HTTP/2 stream can be opened now: {0}")]
    CannotOpen(&'static str),
}

impl H2Error {
    /// The RFC 9113 error code for a GOAWAY (or RST_STREAM) reporting this error.
    pub fn code(&self) -> u32 {
        match self {
            H2Error::Protocol(_) => code::PROTOCOL_ERROR,
            H2Error::FrameSize => code::FRAME_SIZE_ERROR,
            H2Error::Compression(_) => code::COMPRESSION_ERROR,
            H2Error::FlowControl => code::FLOW_CONTROL_ERROR,
            H2Error::Goaway { code } => *code,
            H2Error::Template(_) | H2Error::CannotOpen(_) => code::INTERNAL_ERROR,
        }
    }
}
