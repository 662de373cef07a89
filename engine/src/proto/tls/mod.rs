//! TLS client glue on rustls' unbuffered API: settings checked into a `ClientConfig`, and a
//! handshake driver fed the bytes a backend received, handing back the records to send.
//!
//! rustls' unbuffered connection never touches a socket, so it fits completion I/O: the
//! worker appends what arrived, `TlsHandshake::advance` runs the state machine as far as it
//! can and writes records into a caller's buffer, which the worker sends with `send_copy`.
//! No second runtime, no blocking reads. The crypto provider is aws-lc-rs (rustls' default).
//!
//! This module only declares the parts and re-exports their public items; what several parts
//! share lives in leaves of its own (`error` for `TlsError`, `record` for writing records),
//! so no part imports this module back.

mod client_conn;
mod config;
mod error;
mod handshake;
mod keylog;
mod record;
mod server_config;
mod server_conn;
mod session;

pub use client_conn::TlsClientConn;
pub use config::{
    client_config, load_roots, server_name, TlsSettings, TlsVersions, CIPHER_NAMES, CURVE_NAMES,
};
pub use error::TlsError;
pub use handshake::{Step, TlsHandshake};
pub use server_config::{server_config, ServerTlsSettings};
pub use server_conn::{ServerStep, TlsServerConn};
pub use session::SessionStep;

#[cfg(test)]
mod server_tests;
#[cfg(test)]
mod tests;
