//! One client handshake (the handshake storm's unit): bytes in, records out, and whether the
//! handshake is done. After it is done the driver keeps reading (TLS 1.3 session tickets
//! arrive after the handshake) and throws application data away. A thin view of
//! `TlsClientConn` with the answers the storm needs.

use super::{SessionStep, TlsClientConn, TlsError};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::sync::Arc;

/// Where a handshake stands after `advance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// More bytes from the server are needed.
    NeedData,
    /// The handshake is complete (the last flight is in the output buffer, if any).
    Established,
}

/// A client handshake in progress (or done).
pub struct TlsHandshake {
    conn: TlsClientConn,
    /// Application data received after the handshake (dropped).
    plain: Vec<u8>,
}

impl TlsHandshake {
    /// A new connection to `name`; the first `advance` produces the ClientHello.
    pub fn new(config: Arc<ClientConfig>, name: ServerName<'static>) -> Result<Self, TlsError> {
        Ok(TlsHandshake {
            conn: TlsClientConn::new(config, name)?,
            plain: Vec::new(),
        })
    }

    /// Appends `received`, runs the state machine as far as it goes, and appends the records
    /// to send to `out`.
    pub fn advance(&mut self, received: &[u8], out: &mut Vec<u8>) -> Result<Step, TlsError> {
        let step = self.conn.receive(received, out, &mut self.plain);
        self.plain.clear();
        Ok(match step? {
            SessionStep::Handshaking => Step::NeedData,
            // A close_notify after the handshake: it was done.
            SessionStep::Open | SessionStep::Closed => Step::Established,
        })
    }

    /// The connection underneath (to send a request after the handshake).
    pub fn conn(&mut self) -> &mut TlsClientConn {
        &mut self.conn
    }

    /// True when the completed handshake resumed an earlier session.
    pub fn resumed(&self) -> bool {
        self.conn.resumed()
    }

    /// TLS 1.3 session tickets received on this connection.
    pub fn tickets_received(&self) -> u32 {
        self.conn.tickets_received()
    }

    /// True when TLS 1.3 was negotiated.
    pub fn is_tls13(&self) -> bool {
        self.conn.is_tls13()
    }

    /// "TLSv1_3 TLS13_AES_256_GCM_SHA384 X25519", once negotiated.
    pub fn negotiated(&self) -> Option<String> {
        self.conn.negotiated()
    }
}
