//! HTTP/2 (RFC 9113), sans-IO: state machines fed received bytes, writing the bytes to send
//! into the caller's `Vec<u8>`. No sockets, no clocks, no allocation per request or frame in
//! steady state.
//!
//! `frame` splits and writes frames and `hpack` encodes and decodes header blocks; both are
//! shared by the load client (`client`) and the built-in target's server side (`server`),
//! and so is `conn`, the one connection core both run (frame dispatch, SETTINGS, PING,
//! GOAWAY, stream state), with `flow` (flow-control windows) and `block` (header blocks
//! joined from CONTINUATIONs); each side plugs into it through `conn::Side`. `code` holds
//! the RFC 9113 error codes, so `error` and `frame` both use them without a circle.

mod block;
pub mod client;
pub mod code;
mod conn;
pub mod error;
mod flow;
pub mod frame;
pub mod hpack;
pub mod server;

pub use client::{request_from_h1, ClientSettings, H2Client, H2Request, H2Sink};
pub use error::H2Error;
pub use frame::{FrameReader, Head, Kind, PREFACE};
pub use hpack::HeaderDecoder;
pub use server::{response_from_h1, H2RequestSink, H2Response, H2Server};

#[cfg(test)]
mod pair_tests;
#[cfg(test)]
mod test_support;
