//! One client-side TLS connection carrying application data (`stress` against https://):
//! ciphertext in, decrypted response bytes and records to send out; requests in, records out.
//! The load worker sends what comes out with `send_copy`; no second runtime, no socket here.

use super::session::{self, SessionStep};
use super::TlsError;
use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::sync::Arc;

/// A client-side TLS connection.
pub struct TlsClientConn {
    conn: UnbufferedClientConnection,
    /// Received bytes not yet consumed by rustls (a partial record).
    incoming: Vec<u8>,
}

impl TlsClientConn {
    /// A new connection to `name`; the first `receive` (of nothing) produces the ClientHello.
    pub fn new(config: Arc<ClientConfig>, name: ServerName<'static>) -> Result<Self, TlsError> {
        let conn = UnbufferedClientConnection::new(config, name).map_err(TlsError::Config)?;
        Ok(TlsClientConn {
            conn,
            incoming: Vec::new(),
        })
    }

    /// Appends `received`, runs the state machine as far as it goes, appends records to send
    /// to `out` and decrypted application data to `plain`. A close_notify before the
    /// handshake finished is an error.
    pub fn receive(
        &mut self,
        received: &[u8],
        out: &mut Vec<u8>,
        plain: &mut Vec<u8>,
    ) -> Result<SessionStep, TlsError> {
        session::receive(&mut self.conn, &mut self.incoming, received, out, plain)
    }

    /// Encrypts `data` into records appended to `out` (after `receive` said `Open`).
    pub fn encrypt(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), TlsError> {
        session::encrypt(&mut self.conn, data, out)
    }

    /// The protocol ALPN chose (e.g. `h2`), once negotiated; None when the server chose none.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }

    /// True when the completed handshake resumed an earlier session.
    pub fn resumed(&self) -> bool {
        self.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// TLS 1.3 session tickets received on this connection.
    pub fn tickets_received(&self) -> u32 {
        self.conn.tls13_tickets_received()
    }

    /// True when TLS 1.3 was negotiated.
    pub fn is_tls13(&self) -> bool {
        self.conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3)
    }

    /// "TLSv1_3 TLS13_AES_256_GCM_SHA384 X25519", once negotiated.
    pub fn negotiated(&self) -> Option<String> {
        let v = self.conn.protocol_version()?;
        let s = self.conn.negotiated_cipher_suite()?;
        let g = self
            .conn
            .negotiated_key_exchange_group()
            .map(|g| format!(" {:?}", g.name()))
            .unwrap_or_default();
        Some(format!("{v:?} {:?}{g}", s.suite()))
    }
}
