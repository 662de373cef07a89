//! The record loop both ends share: feed received ciphertext to rustls' unbuffered state
//! machine, append the handshake records it wants sent and the application data it
//! decrypted, and encrypt application data once the handshake is done. The client and
//! server connections differ only in which rustls type they wrap (`Records`).

use super::error::TlsError;
use super::record::{encode_record, encrypt_app};
use rustls::client::{ClientConnectionData, UnbufferedClientConnection};
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::unbuffered::{ConnectionState, UnbufferedStatus};

/// Where a TLS session stands after it was fed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStep {
    /// The handshake needs more bytes from the peer.
    Handshaking,
    /// Application data can flow.
    Open,
    /// The peer closed the TLS session (close_notify).
    Closed,
}

/// One of rustls' unbuffered connection types.
pub trait Records {
    type Data;
    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, Self::Data>;
    fn handshaking(&self) -> bool;
}

/// rustls gives both connection types the same two methods, but no trait: `records!(Conn,
/// Data)` implements `Records` for one of them.
macro_rules! records {
    ($conn:ty, $data:ty) => {
        impl Records for $conn {
            type Data = $data;
            fn process<'c, 'i>(
                &'c mut self,
                incoming: &'i mut [u8],
            ) -> UnbufferedStatus<'c, 'i, Self::Data> {
                self.process_tls_records(incoming)
            }
            fn handshaking(&self) -> bool {
                self.is_handshaking()
            }
        }
    };
}

records!(UnbufferedClientConnection, ClientConnectionData);
records!(UnbufferedServerConnection, ServerConnectionData);

/// One TLS connection of either end: rustls' connection and the received bytes it has not
/// consumed yet (a partial record). `TlsClientConn` and `TlsServerConn` are its two kinds.
pub struct Session<C> {
    pub(super) conn: C,
    incoming: Vec<u8>,
}

impl<C: Records> Session<C> {
    pub(super) fn wrap(conn: C) -> Self {
        Session {
            conn,
            incoming: Vec::new(),
        }
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
        receive(&mut self.conn, &mut self.incoming, received, out, plain)
    }

    /// Encrypts `data` (application data) into records appended to `out`. Only once the
    /// handshake is done (`receive` said `Open`).
    pub fn encrypt(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), TlsError> {
        encrypt(&mut self.conn, data, out)
    }
}

/// Appends `received` to `incoming` (the bytes rustls has not consumed: a partial record),
/// runs the state machine as far as it goes, appends records to send to `out` and decrypted
/// application data to `plain`.
fn receive<C: Records>(
    conn: &mut C,
    incoming: &mut Vec<u8>,
    received: &[u8],
    out: &mut Vec<u8>,
    plain: &mut Vec<u8>,
) -> Result<SessionStep, TlsError> {
    incoming.extend_from_slice(received);
    loop {
        let UnbufferedStatus { discard, state } = conn.process(incoming);
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
            ConnectionState::BlockedHandshake => Some(Ok(SessionStep::Handshaking)),
            ConnectionState::WriteTraffic(_) => Some(Ok(SessionStep::Open)),
            ConnectionState::PeerClosed | ConnectionState::Closed => Some(Ok(SessionStep::Closed)),
            _ => Some(Err(TlsError::PeerClosed)),
        };
        incoming.drain(..discard);
        if let Some(r) = next {
            if matches!(r, Ok(SessionStep::Closed)) && conn.handshaking() {
                return Err(TlsError::PeerClosed);
            }
            return r;
        }
    }
}

/// Encrypts `data` (application data) into records appended to `out`. Only once the
/// handshake is done (`receive` said `Open`).
fn encrypt<C: Records>(conn: &mut C, data: &[u8], out: &mut Vec<u8>) -> Result<(), TlsError> {
    // Asking the state machine for its state before the handshake is done would take
    // (and lose) the handshake record it has ready.
    if conn.handshaking() {
        return Err(TlsError::NotOpen);
    }
    let UnbufferedStatus { discard, state } = conn.process(&mut []);
    debug_assert_eq!(discard, 0);
    let ConnectionState::WriteTraffic(mut w) = state.map_err(TlsError::Handshake)? else {
        return Err(TlsError::NotOpen);
    };
    encrypt_app(&mut w, data, out)
}
