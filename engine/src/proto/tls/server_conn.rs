//! One server-side TLS connection on rustls' unbuffered API (the built-in target's `--tls`):
//! ciphertext in, decrypted request bytes and records to send out; plaintext responses in,
//! records out. No socket: the server worker passes bytes and sends with `send_copy`.

use super::session::{self, SessionStep};
use super::TlsError;
use rustls::server::UnbufferedServerConnection;
use rustls::ServerConfig;
use std::sync::Arc;

/// Where a server connection stands after `receive`.
pub type ServerStep = SessionStep;

/// A server-side TLS connection.
pub struct TlsServerConn {
    conn: UnbufferedServerConnection,
    /// Received bytes not yet consumed by rustls (a partial record).
    incoming: Vec<u8>,
}

impl TlsServerConn {
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, TlsError> {
        let conn = UnbufferedServerConnection::new(config).map_err(TlsError::Config)?;
        Ok(TlsServerConn {
            conn,
            incoming: Vec::new(),
        })
    }

    /// Appends `received`, runs the state machine as far as it goes, appends handshake
    /// records to send to `out` and decrypted application data to `plain`.
    pub fn receive(
        &mut self,
        received: &[u8],
        out: &mut Vec<u8>,
        plain: &mut Vec<u8>,
    ) -> Result<ServerStep, TlsError> {
        session::receive(&mut self.conn, &mut self.incoming, received, out, plain)
    }

    /// Encrypts `data` (application data) into records appended to `out`. Only once the
    /// handshake is done (`receive` said `Open`).
    pub fn encrypt(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), TlsError> {
        session::encrypt(&mut self.conn, data, out)
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
