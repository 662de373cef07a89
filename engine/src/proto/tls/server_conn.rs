//! One server-side TLS connection on rustls' unbuffered API (the built-in target's `--tls`):
//! ciphertext in, decrypted request bytes and records to send out; plaintext responses in,
//! records out. No socket: the server worker passes bytes and sends with `send_copy`.
//! Receiving and encrypting are the shared `Session`'s; here is what only a server asks.

use super::error::TlsError;
use super::session::{Session, SessionStep};
use rustls::server::UnbufferedServerConnection;
use rustls::ServerConfig;
use std::sync::Arc;

/// Where a server connection stands after `receive`.
pub type ServerStep = SessionStep;

/// A server-side TLS connection.
pub type TlsServerConn = Session<UnbufferedServerConnection>;

impl Session<UnbufferedServerConnection> {
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, TlsError> {
        let conn = UnbufferedServerConnection::new(config).map_err(TlsError::Config)?;
        Ok(Session::wrap(conn))
    }

    /// The protocol ALPN chose (e.g. `h2`), once negotiated.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }

    /// "TLSv1_3 TLS13_AES_256_GCM_SHA384", once negotiated.
    pub fn negotiated(&self) -> Option<String> {
        let v = self.conn.protocol_version()?;
        let s = self.conn.negotiated_cipher_suite()?;
        Some(format!("{v:?} {:?}", s.suite()))
    }
}
