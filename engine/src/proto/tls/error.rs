//! `TlsError`, the one error type of the TLS glue. Its own leaf module so that the settings,
//! key log, session and connection modules can all name it without importing the parent
//! `tls` module (which only declares the modules and re-exports their public items).

use thiserror::Error;

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
