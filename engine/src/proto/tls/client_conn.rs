//! One client-side TLS connection carrying application data (`stress` against https://):
//! ciphertext in, decrypted response bytes and records to send out; requests in, records out.
//! The load worker sends what comes out with `send_copy`; no second runtime, no socket here.
//! Receiving and encrypting are the shared `Session`'s; here is what only a client asks.

use super::error::TlsError;
use super::session::Session;
use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::sync::Arc;

/// A client-side TLS connection.
pub type TlsClientConn = Session<UnbufferedClientConnection>;

impl Session<UnbufferedClientConnection> {
    /// A new connection to `name`; the first `receive` (of nothing) produces the ClientHello.
    pub fn new(config: Arc<ClientConfig>, name: ServerName<'static>) -> Result<Self, TlsError> {
        let conn = UnbufferedClientConnection::new(config, name).map_err(TlsError::Config)?;
        Ok(Session::wrap(conn))
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
