//! One server-side TLS connection on rustls' unbuffered API (the built-in target's `--tls`):
//! ciphertext in, decrypted request bytes and records to send out; plaintext responses in,
//! records out. No socket: the server worker passes bytes and sends with `send_copy`.

use super::{encode_record, encrypt_app, TlsError};
use rustls::server::UnbufferedServerConnection;
use rustls::unbuffered::{ConnectionState, UnbufferedStatus};
use rustls::ServerConfig;
use std::sync::Arc;

/// Where a connection stands after `receive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerStep {
    /// The handshake needs more bytes from the client.
    Handshaking,
    /// Application data can flow.
    Open,
    /// The client closed the TLS session (close_notify).
    Closed,
}

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
                ConnectionState::ReadTraffic(mut r) => {
                    while let Some(rec) = r.next_record() {
                        plain.extend_from_slice(rec.map_err(TlsError::Handshake)?.payload);
                    }
                    None
                }
                ConnectionState::BlockedHandshake => Some(Ok(ServerStep::Handshaking)),
                ConnectionState::WriteTraffic(_) => Some(Ok(ServerStep::Open)),
                ConnectionState::PeerClosed | ConnectionState::Closed => {
                    Some(Ok(ServerStep::Closed))
                }
                _ => Some(Err(TlsError::PeerClosed)),
            };
            self.incoming.drain(..discard);
            if let Some(r) = next {
                return r;
            }
        }
    }

    /// Encrypts `data` (application data) into records appended to `out`. Only once the
    /// handshake is done (`receive` said `Open`).
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

    /// "TLSv1_3 TLS13_AES_256_GCM_SHA384", once negotiated.
    pub fn negotiated(&self) -> Option<String> {
        let v = self.conn.protocol_version()?;
        let s = self.conn.negotiated_cipher_suite()?;
        Some(format!("{v:?} {:?}", s.suite()))
    }
}
