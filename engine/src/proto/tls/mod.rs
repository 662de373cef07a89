//! TLS client glue on rustls' unbuffered API: settings checked into a `ClientConfig`, and a
//! handshake driver fed the bytes a backend received, handing back the records to send.
//!
//! rustls' unbuffered connection never touches a socket, so it fits completion I/O: the
//! worker appends what arrived, `TlsHandshake::advance` runs the state machine as far as it
//! can and writes records into a caller's buffer, which the worker sends with `send_copy`.
//! No second runtime, no blocking reads. The crypto provider is aws-lc-rs (rustls' default).

mod client_conn;
mod config;
mod handshake;
mod keylog;
mod server_config;
mod server_conn;
mod session;

pub use client_conn::TlsClientConn;
pub use config::{
    client_config, load_roots, server_name, TlsSettings, TlsVersions, CIPHER_NAMES, CURVE_NAMES,
};
pub use handshake::{Step, TlsHandshake};
pub use server_config::{server_config, ServerTlsSettings};
pub use server_conn::{ServerStep, TlsServerConn};
pub use session::SessionStep;

use thiserror::Error;

/// Room reserved in the output buffer for one encoded record (grown if rustls needs more).
const ENCODE_ROOM: usize = 4096;

/// Appends the handshake record rustls has ready to `out` (client and server side alike).
fn encode_record<D>(s: &mut rustls::unbuffered::EncodeTlsData<'_, D>, out: &mut Vec<u8>) {
    use rustls::unbuffered::EncodeError;
    let start = out.len();
    out.resize(start + ENCODE_ROOM, 0);
    let n = match s.encode(&mut out[start..]) {
        Ok(n) => n,
        Err(EncodeError::InsufficientSize(e)) => {
            out.resize(start + e.required_size, 0);
            s.encode(&mut out[start..]).unwrap_or(0)
        }
        Err(_) => 0,
    };
    out.truncate(start + n);
}

/// Per-record overhead allowed for when encrypting (header, tag, content type, padding).
const RECORD_OVERHEAD: usize = 64;
/// Largest plaintext in one record.
const MAX_FRAGMENT: usize = 16384;

/// Encrypts application data into records appended to `out` (client and server side alike).
fn encrypt_app<D>(
    w: &mut rustls::unbuffered::WriteTraffic<'_, D>,
    data: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), TlsError> {
    use rustls::unbuffered::EncryptError;
    let start = out.len();
    let records = data.len().div_ceil(MAX_FRAGMENT).max(1);
    out.resize(start + data.len() + records * RECORD_OVERHEAD, 0);
    let n = match w.encrypt(data, &mut out[start..]) {
        Ok(n) => n,
        Err(EncryptError::InsufficientSize(e)) => {
            out.resize(start + e.required_size, 0);
            w.encrypt(data, &mut out[start..])
                .map_err(|_| TlsError::NotOpen)?
        }
        Err(_) => return Err(TlsError::NotOpen),
    };
    out.truncate(start + n);
    Ok(())
}

/// A TLS setting that cannot be used, or a handshake that failed.
#[derive(Debug, Error)]
pub enum TlsError {
    #[error("unknown cipher suite {name:?} (known: {known})")]
    UnknownCipher { name: String, known: String },
    #[error("unknown curve {name:?} (known: {known})")]
    UnknownCurve { name: String, known: String },
    #[error("--keylog {0}")]
    KeyLog(String),
    #[error("--cacert {0}")]
    CaFile(String),
    /// `serve --tls`: the certificate or key cannot be read or used.
    #[error("--cert/--key {0}")]
    CertFile(String),
    /// Application data was to be encrypted before the handshake finished or after close.
    #[error("the TLS session is not open for application data")]
    NotOpen,
    #[error("{0:?} is not a valid server name for SNI")]
    BadServerName(String),
    #[error("TLS settings cannot work together: {0}")]
    Config(rustls::Error),
    /// The peer sent something rustls rejects, an alert, or a record that is not TLS.
    #[error("{0}")]
    Handshake(rustls::Error),
    /// The peer closed the TLS session (close_notify) before the handshake finished.
    #[error("the server closed the TLS session during the handshake")]
    PeerClosed,
}

#[cfg(test)]
mod server_tests;
#[cfg(test)]
mod tests;
