//! `TlsSettings` (what the user asked: versions, suites, curves, tickets, SNI, verification)
//! and the `rustls::ClientConfig` built from them. Names are rustls' (TLS13_AES_128_GCM_SHA256,
//! TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256; X25519, secp256r1) with OpenSSL aliases
//! (ECDHE-ECDSA-AES128-GCM-SHA256; P-256, prime256v1), case-insensitive.

use super::error::TlsError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientSessionMemoryCache, Resumption, Tls12Resumption};
use rustls::crypto::{aws_lc_rs, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

/// Protocol versions offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TlsVersions {
    /// TLS 1.2 and 1.3 (the server picks).
    #[default]
    Both,
    Tls12,
    Tls13,
}

/// Validated by [`client_config`]; an empty list means the provider's defaults.
#[derive(Clone, Debug, Default)]
pub struct TlsSettings {
    pub versions: TlsVersions,
    pub ciphers: Vec<String>,
    pub curves: Vec<String>,
    /// Session resumption: TLS 1.3 tickets, TLS 1.2 tickets or session IDs.
    pub tickets: bool,
    /// The server name: sent as SNI when it is a DNS name (an IP address is not sent).
    pub server_name: String,
    /// Verify the server's certificate against these roots; None: no verification.
    pub roots: Option<Vec<CertificateDer<'static>>>,
    /// ALPN protocols offered, in order of preference (e.g. `h2`, `http/1.1`); empty: none.
    pub alpn: Vec<Vec<u8>>,
    /// Append every connection's secrets to this file (NSS key log format).
    pub keylog: Option<std::path::PathBuf>,
}

/// The cipher suite names this build knows (rustls spelling).
pub const CIPHER_NAMES: &[&str] = &[
    "TLS13_AES_256_GCM_SHA384",
    "TLS13_AES_128_GCM_SHA256",
    "TLS13_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// OpenSSL's names of the same suites, in `CIPHER_NAMES` order.
const OPENSSL_CIPHERS: &[&str] = &[
    "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-CHACHA20-POLY1305",
];

/// Key exchange groups this build knows.
pub const CURVE_NAMES: &[&str] = &["X25519", "secp256r1", "secp384r1", "X25519MLKEM768"];

fn suite_name(s: &rustls::SupportedCipherSuite) -> String {
    format!("{:?}", s.suite())
}

fn pick_ciphers(names: &[String]) -> Result<Vec<rustls::SupportedCipherSuite>, TlsError> {
    let all = aws_lc_rs::ALL_CIPHER_SUITES;
    names
        .iter()
        .map(|name| {
            let want = OPENSSL_CIPHERS
                .iter()
                .position(|o| o.eq_ignore_ascii_case(name))
                .map_or(name.as_str(), |i| CIPHER_NAMES[i]);
            all.iter()
                .find(|s| suite_name(s).eq_ignore_ascii_case(want))
                .copied()
                .ok_or_else(|| TlsError::UnknownCipher {
                    name: name.clone(),
                    known: CIPHER_NAMES.join(", "),
                })
        })
        .collect()
}

fn pick_curves(
    names: &[String],
) -> Result<Vec<&'static dyn rustls::crypto::SupportedKxGroup>, TlsError> {
    use aws_lc_rs::kx_group;
    names
        .iter()
        .map(|name| {
            let g: &'static dyn rustls::crypto::SupportedKxGroup =
                match name.to_ascii_lowercase().as_str() {
                    "x25519" => kx_group::X25519,
                    "secp256r1" | "p-256" | "prime256v1" => kx_group::SECP256R1,
                    "secp384r1" | "p-384" => kx_group::SECP384R1,
                    "x25519mlkem768" => kx_group::X25519MLKEM768,
                    _ => {
                        return Err(TlsError::UnknownCurve {
                            name: name.clone(),
                            known: CURVE_NAMES.join(", "),
                        })
                    }
                };
            Ok(g)
        })
        .collect()
}

/// Reads the PEM certificates of `path` (for `--cacert`): at least one.
pub fn load_roots(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    let bad = |e: String| TlsError::CaFile(format!("{}: {e}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// The server name `settings` ask for.
pub fn server_name(settings: &TlsSettings) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(settings.server_name.clone())
        .map_err(|_| TlsError::BadServerName(settings.server_name.clone()))
}

/// Builds a client configuration with its own session store (one per worker, so workers
/// share nothing). Every setting is checked here: unknown names, a suite list with nothing
/// for the chosen version, a bad server name.
pub fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, TlsError> {
    server_name(settings)?;
    let mut provider = aws_lc_rs::default_provider();
    if !settings.ciphers.is_empty() {
        provider.cipher_suites = pick_ciphers(&settings.ciphers)?;
    }
    if !settings.curves.is_empty() {
        provider.kx_groups = pick_curves(&settings.curves)?;
    }
    let versions: &[&'static rustls::SupportedProtocolVersion] = match settings.versions {
        TlsVersions::Both => &[&rustls::version::TLS13, &rustls::version::TLS12],
        TlsVersions::Tls12 => &[&rustls::version::TLS12],
        TlsVersions::Tls13 => &[&rustls::version::TLS13],
    };
    let algs = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .map_err(TlsError::Config)?;
    let mut config = match &settings.roots {
        Some(roots) => {
            let mut store = RootCertStore::empty();
            for c in roots {
                store.add(c.clone()).map_err(TlsError::Config)?;
            }
            builder.with_root_certificates(store).with_no_client_auth()
        }
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(algs)))
            .with_no_client_auth(),
    };
    config.resumption = if settings.tickets {
        Resumption::store(Arc::new(ClientSessionMemoryCache::new(256)))
            .tls12_resumption(Tls12Resumption::SessionIdOrTickets)
    } else {
        Resumption::disabled()
    };
    config.alpn_protocols = settings.alpn.clone();
    if let Some(path) = &settings.keylog {
        config.key_log = Arc::new(super::keylog::KeyLogFile::open(path)?);
    }
    Ok(Arc::new(config))
}

/// Accepts any certificate chain (like tls-perf, wrk and h2load) but still checks the
/// handshake signature, so the client does the crypto work a real one does.
#[derive(Debug)]
struct NoVerify(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
