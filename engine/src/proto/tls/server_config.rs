//! The built-in target's `rustls::ServerConfig` (`serve --tls`): a certificate generated at
//! start (ECDSA P-256, names 127.0.0.1 and localhost) or read from PEM files, TLS 1.2 and 1.3,
//! ALPN h2 and http/1.1, and session resumption on or off.

use super::error::TlsError;
use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::NoServerSessionStorage;
use rustls::ServerConfig;
use std::path::PathBuf;
use std::sync::Arc;

/// What `serve --tls` was asked for.
#[derive(Clone, Debug, Default)]
pub struct ServerTlsSettings {
    /// (certificate chain, private key) PEM files; None: a certificate generated at start.
    pub cert: Option<(PathBuf, PathBuf)>,
    /// Session resumption: TLS 1.3 tickets, TLS 1.2 tickets and session IDs.
    pub tickets: bool,
}

/// A self-signed certificate for 127.0.0.1 and localhost (ECDSA P-256) and its key.
fn generated() -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
    let ck = rcgen::generate_simple_self_signed(names)
        .map_err(|e| TlsError::CertFile(format!("cannot generate a certificate: {e}")))?;
    let key = PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der());
    Ok((vec![ck.cert.der().clone()], key.into()))
}

/// The certificate chain and key of two PEM files.
fn from_files(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let bad = |p: &std::path::Path, e: String| TlsError::CertFile(format!("{}: {e}", p.display()));
    let pem = std::fs::read(cert).map_err(|e| bad(cert, e.to_string()))?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(bad(cert, "no PEM certificate in it".into()));
    }
    let pem = std::fs::read(key).map_err(|e| bad(key, e.to_string()))?;
    let key_der = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| bad(key, e.to_string()))?;
    Ok((chain, key_der))
}

/// Builds the server configuration; a certificate that does not match its key, or files
/// that are not PEM, are errors here (before anything listens).
pub fn server_config(settings: &ServerTlsSettings) -> Result<Arc<ServerConfig>, TlsError> {
    let (chain, key) = match &settings.cert {
        Some((c, k)) => from_files(c, k)?,
        None => generated()?,
    };
    let provider = Arc::new(aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(TlsError::Config)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match &settings.cert {
            Some((c, k)) => TlsError::CertFile(format!(
                "{} and {} cannot be used together: {e}",
                c.display(),
                k.display()
            )),
            None => TlsError::Config(e),
        })?;
    // HTTP/2 preferred; the worker tells the two apart by the HTTP/2 preface.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    if settings.tickets {
        config.ticketer = aws_lc_rs::Ticketer::new().map_err(TlsError::Config)?;
    } else {
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    Ok(Arc::new(config))
}
