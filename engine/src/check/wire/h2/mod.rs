//! The HTTP/2 client of one connection, with frame-level control: structured requests on
//! new odd streams (sent as flow control allows), frames exactly as a case writes them, and
//! every received frame recorded and read into responses. Built on `proto::h2`'s frame layer
//! and HPACK; no state checks on what we send (sending what a peer must reject is the point),
//! only what it takes to read what comes back.
//!
//! `state` holds the connection's state, `send` writes requests and frames, `recv` reads
//! frames; this file only declares them.

mod recv;
mod send;
mod state;
#[cfg(test)]
mod tests;

pub(super) use send::write_frames_stateless;
pub(crate) use state::H2Client;
