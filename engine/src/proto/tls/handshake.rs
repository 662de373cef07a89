//! One client handshake on rustls' unbuffered connection: bytes in, records out, and whether
//! the handshake is done. After it is done the driver keeps reading (TLS 1.3 session tickets
//! arrive after the handshake); application data is thrown away, or decrypted into the
//! caller's buffer (`advance_into`, for `handshake --request`), and `encrypt` sends some.

use super::{encode_record, encrypt_app, TlsError};
use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::ServerName;
use rustls::unbuffered::{ConnectionState, UnbufferedStatus};
use rustls::{ClientConfig, HandshakeKind};
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
    conn: UnbufferedClientConnection,
    /// Received bytes not yet consumed by rustls.
    incoming: Vec<u8>,
    /// The server closed the TLS session (close_notify) after the handshake.
    closed: bool,
}

impl TlsHandshake {
    /// A new connection to `name`; the first `advance` produces the ClientHello.
    pub fn new(config: Arc<ClientConfig>, name: ServerName<'static>) -> Result<Self, TlsError> {
        let conn = UnbufferedClientConnection::new(config, name).map_err(TlsError::Config)?;
        Ok(TlsHandshake {
            conn,
            incoming: Vec::new(),
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
        mut plain: Option<&mut Vec<u8>>,
    ) -> Result<Step, TlsError> {
        self.incoming.extend_from_slice(received);
        loop {
            let UnbufferedStatus { discard, state } =
                self.conn.process_tls_records(&mut self.incoming);
            let next = match state.map_err(TlsError::Handshake)? {
                ConnectionState::EncodeTlsData(mut s) => {
                    encode_record(&mut s, out);
                    None
                }
                // The caller sends `out` after this call; order is kept.
                ConnectionState::TransmitTlsData(s) => {
                    s.done();
                    None
                }
                ConnectionState::BlockedHandshake => Some(Ok(Step::NeedData)),
                ConnectionState::WriteTraffic(_) => Some(Ok(Step::Established)),
                ConnectionState::ReadTraffic(mut r) => {
                    while let Some(rec) = r.next_record() {
                        let rec = rec.map_err(TlsError::Handshake)?;
                        if let Some(p) = plain.as_deref_mut() {
                            p.extend_from_slice(rec.payload);
                        }
                    }
                    None
                }
                ConnectionState::PeerClosed | ConnectionState::Closed => {
                    Some(if self.conn.is_handshaking() {
                        Err(TlsError::PeerClosed)
                    } else {
                        self.closed = true;
                        Ok(Step::Established)
                    })
                }
                _ => Some(Err(TlsError::PeerClosed)),
            };
            self.incoming.drain(..discard);
            if let Some(r) = next {
                return r;
            }
        }
    }

    /// Encrypts application data (`data`) into records appended to `out`. Only once
    /// `advance` said `Established`.
    pub fn encrypt(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), TlsError> {
        // Asking the state machine for its state before the handshake is done would take
        // (and lose) the handshake record it has ready.
        if self.conn.is_handshaking() {
            return Err(TlsError::NotOpen);
        }
        let UnbufferedStatus { discard, state } = self.conn.process_tls_records(&mut []);
        debug_assert_eq!(discard, 0);
        let ConnectionState::WriteTraffic(mut w) = state.map_err(TlsError::Handshake)? else {
            return Err(TlsError::NotOpen);
        };
        encrypt_app(&mut w, data, out)
    }

    /// True once the server closed the TLS session (close_notify) after the handshake.
    pub fn peer_closed(&self) -> bool {
        self.closed
    }

    /// True when the completed handshake resumed an earlier session.
    pub fn resumed(&self) -> bool {
        self.conn.handshake_kind() == Some(HandshakeKind::Resumed)
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
