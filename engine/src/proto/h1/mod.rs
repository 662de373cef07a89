//! HTTP/1.1, client and server side.
//!
//! Sans-IO: parsers are fed received bytes and report completed messages; builders produce
//! the wire bytes of a run's request and the built-in target's responses once, up front.
//! `response` is the client's hot path; `request` serves the built-in target. Both run the
//! same stream (`stream`), head (`head`) and body (`body`) machinery.

mod body;
pub mod build;
mod cookie;
pub mod error;
mod head;
pub mod message;
pub mod request;
pub mod response;
mod stream;
#[cfg(test)]
mod test_support;

pub use build::{build_request, build_response, reason_phrase};
pub use error::{ParseError, MAX_HEAD};
pub use message::{OwnedMessage, OwnedRequestParser, OwnedResponseParser};
pub use request::{RequestDone, RequestHead, RequestParser, RequestSink};
pub use response::{with_head_fields, ResponseDone, ResponseParser, ResponseSink};
