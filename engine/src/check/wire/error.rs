//! Why the backend side rejected what arrived (the loop answers 400 and closes).

use crate::proto::h1::ParseError;

/// A malformed request at the backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("malformed request: {0}")]
    Request(#[from] ParseError),
}
