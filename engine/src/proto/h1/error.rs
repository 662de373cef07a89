//! Why an HTTP/1.x message could not be parsed.
//!
//! One error type for both directions, so the shared head and body machinery can report
//! failures without knowing whether it serves the client (responses) or the built-in
//! target (requests). Every variant means the connection's framing can no longer be trusted:
//! the caller counts the error and closes the connection.

use thiserror::Error;

/// Largest head (start line and fields) accepted, and largest trailer section.
pub const MAX_HEAD: usize = 64 * 1024;

/// Largest chunk-size line (size, extensions and line end) accepted.
pub const MAX_CHUNK_LINE: usize = 4 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error("malformed message head: {0}")]
    BadHead(httparse::Error),
    #[error("message head larger than {MAX_HEAD} bytes")]
    HeadTooLarge,
    #[error("status code {0} outside 100..=999")]
    BadStatus(u16),
    #[error("invalid or conflicting Content-Length")]
    BadContentLength,
    #[error("unsupported Transfer-Encoding")]
    BadTransferEncoding,
    #[error("malformed chunked body: {0}")]
    BadChunk(&'static str),
    #[error("trailer section larger than {MAX_HEAD} bytes")]
    TrailersTooLarge,
    #[error("connection closed in the middle of a message")]
    UnexpectedEof,
}
