//! Sans-IO protocol state of the checker's connections: a scripted client (HTTP/1.1 or
//! HTTP/2, with frame-level control) and the recording backend (HTTP/1.1), plus the bytes of
//! scripted responses and segmentation. Plaintext in and out; the event loop (`run`) owns the
//! sockets, TLS and timers. Reuses `proto::h1` (its owned-message parsers) and `proto::h2`
//! (frames, HPACK): no second stack.

mod backend;
mod chunk;
mod client;
mod client_h1;
mod error;
mod h2;
mod request;
mod response;
mod segment;

pub use backend::{Arrival, BackendWire};
pub use client::ClientWire;
pub use error::WireError;
pub use response::response_bytes;
pub use segment::segments;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_h1;
