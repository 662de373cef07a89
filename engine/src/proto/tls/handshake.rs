//! One client handshake (the handshake storm's unit): bytes in, records out, and whether the
//! handshake is done. After it is done the driver keeps reading (TLS 1.3 session tickets
//! arrive after the handshake) and throws application data away. A thin view of
//! `TlsClientConn` with the answers the storm needs.

use super::client_conn::TlsClientConn;
use super::error::TlsError;
use super::session::SessionStep;
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
    /// The server closed the TLS session (close_notify) after the handshake.
    closed: bool,
}

impl TlsHandshake {
    /// A new connection to `name`; the first `advance` produces the ClientHello.
    pub fn new(config: Arc<ClientConfig>, name: ServerName<'static>) -> Result<Self, TlsError> {
        Ok(TlsHandshake {
            conn: TlsClientConn::new(config, name)?,
            plain: Vec::new(),
            closed: false,
        })
    }

    /// Appends `received`, runs the state machine as far as it goes, and appends the records
    /// to send to `out`.
    pub fn advance(&mut self, received: &[u8], out: &mut Vec<u8>) -> Result<Step, TlsError> {
        self.advance_into(received, out, None)
    }

    /// `advance`, appending the application data the server sent after the handshake to
    /// `plain` (when given; else it is dropped).
    pub fn advance_into(
        &mut self,
        received: &[u8],
        out: &mut Vec<u8>,
        plain: Option<&mut Vec<u8>>,
    ) -> Result<Step, TlsError> {
        let step = match plain {
            Some(p) => self.conn.receive(received, out, p),
            None => {
                let s = self.conn.receive(received, out, &mut self.plain);
                self.plain.clear();
                s
            }
        };
        Ok(match step? {
            SessionStep::Handshaking => Step::NeedData,
            SessionStep::Open => Step::Established,
            // A close_notify after the handshake: it was done.
            SessionStep::Closed => {
                self.closed = true;
                Step::Established
            }
        })
    }

    /// Encrypts application data (`data`) into records appended to `out`. Only once
    /// `advance` said `Established`.
    pub fn encrypt(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), TlsError> {
        self.conn.encrypt(data, out)
    }

    /// True once the server closed the TLS session (close_notify) after the handshake.
    pub fn peer_closed(&self) -> bool {
        self.closed
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
