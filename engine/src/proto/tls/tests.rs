//! The handshake driver against a real rustls server, bytes passed in memory: full and
//! resumed handshakes for TLS 1.2 and 1.3, refused versions, non-TLS input, verification,
//! and settings that cannot work.

use super::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};
use std::sync::Arc;

/// A CA and a leaf for "localhost" signed by it (ECDSA P-256).
struct Pki {
    ca: CertificateDer<'static>,
    ca_pem: String,
    leaf: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    Pki {
        ca: ca.as_ref().der().clone(),
        ca_pem: ca.as_ref().pem(),
        leaf: leaf.der().clone(),
        key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()).into(),
    }
}

fn server(pki: &Pki, versions: &[&'static rustls::SupportedProtocolVersion]) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let cfg = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.key.clone_key())
        .unwrap();
    Arc::new(cfg)
}

fn settings(versions: TlsVersions, tickets: bool) -> TlsSettings {
    TlsSettings {
        versions,
        tickets,
        server_name: "localhost".into(),
        ..TlsSettings::default()
    }
}

/// Runs one handshake in memory; after `Established`, keeps passing the server's output to
/// the client (TLS 1.3 tickets come then). Returns the finished client.
fn handshake(
    client: &Arc<rustls::ClientConfig>,
    server: &Arc<ServerConfig>,
) -> Result<TlsHandshake, TlsError> {
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut c = TlsHandshake::new(client.clone(), name)?;
    let mut s = ServerConnection::new(server.clone()).unwrap();
    let mut out = Vec::new();
    let mut step = c.advance(&[], &mut out)?;
    for _ in 0..20 {
        let mut rd = &out[..];
        while !rd.is_empty() {
            s.read_tls(&mut rd).unwrap();
        }
        out.clear();
        let _ = s.process_new_packets();
        let mut back = Vec::new();
        while s.wants_write() {
            s.write_tls(&mut back).unwrap();
        }
        if step == Step::Established && back.is_empty() {
            assert!(
                !s.is_handshaking(),
                "the server got the client's last flight"
            );
            return Ok(c);
        }
        step = c.advance(&back, &mut out)?;
    }
    panic!("handshake did not finish in 20 rounds");
}

#[test]
fn full_handshakes_for_each_version() {
    let pki = pki();
    let srv = server(&pki, rustls::ALL_VERSIONS);
    for (v, name) in [
        (TlsVersions::Tls12, "TLSv1_2"),
        (TlsVersions::Tls13, "TLSv1_3"),
    ] {
        let cfg = client_config(&settings(v, false)).unwrap();
        let h = handshake(&cfg, &srv).unwrap();
        assert!(h.negotiated().unwrap().starts_with(name), "{v:?}");
        assert!(!h.resumed());
        // Tickets off: a second handshake is full again.
        assert!(!handshake(&cfg, &srv).unwrap().resumed());
    }
}

#[test]
fn tickets_on_resumes_the_second_handshake() {
    let pki = pki();
    let srv = server(&pki, rustls::ALL_VERSIONS);
    for v in [TlsVersions::Tls12, TlsVersions::Tls13] {
        let cfg = client_config(&settings(v, true)).unwrap();
        let first = handshake(&cfg, &srv).unwrap();
        assert!(!first.resumed());
        if v == TlsVersions::Tls13 {
            assert!(first.tickets_received() > 0);
        }
        assert!(handshake(&cfg, &srv).unwrap().resumed(), "{v:?}");
    }
}

#[test]
fn chosen_suite_and_curve_are_negotiated() {
    let pki = pki();
    let srv = server(&pki, rustls::ALL_VERSIONS);
    let mut s = settings(TlsVersions::Tls12, false);
    s.ciphers = vec!["ECDHE-ECDSA-AES128-GCM-SHA256".into()];
    s.curves = vec!["P-256".into()];
    let h = handshake(&client_config(&s).unwrap(), &srv).unwrap();
    assert_eq!(
        h.negotiated().unwrap(),
        "TLSv1_2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 secp256r1"
    );
}

#[test]
fn refused_version_is_an_alert() {
    let pki = pki();
    let srv = server(&pki, &[&rustls::version::TLS13]);
    let cfg = client_config(&settings(TlsVersions::Tls12, false)).unwrap();
    let err = handshake(&cfg, &srv).err().expect("TLS 1.2 is refused");
    assert!(matches!(err, TlsError::Handshake(_)), "{err:?}");
    assert!(err.to_string().contains("ProtocolVersion"), "{err}");
}

#[test]
fn plain_http_answer_is_an_error() {
    let cfg = client_config(&settings(TlsVersions::Both, false)).unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut c = TlsHandshake::new(cfg, name).unwrap();
    let mut out = Vec::new();
    assert_eq!(c.advance(&[], &mut out).unwrap(), Step::NeedData);
    assert!(!out.is_empty(), "a ClientHello");
    out.clear();
    let err = c
        .advance(b"HTTP/1.1 400 Bad Request\r\n\r\n", &mut out)
        .unwrap_err();
    assert!(matches!(err, TlsError::Handshake(_)), "{err:?}");
}

#[test]
fn verification_accepts_the_right_ca_only() {
    let pki = pki();
    let other = self::pki();
    let srv = server(&pki, rustls::ALL_VERSIONS);
    let mut s = settings(TlsVersions::Both, false);
    s.roots = Some(vec![pki.ca.clone()]);
    handshake(&client_config(&s).unwrap(), &srv).unwrap();
    s.roots = Some(vec![other.ca.clone()]);
    let err = handshake(&client_config(&s).unwrap(), &srv).err().unwrap();
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[test]
fn settings_that_cannot_work_are_rejected() {
    let mut s = settings(TlsVersions::Both, false);
    s.ciphers = vec!["RC4-MD5".into()];
    assert!(matches!(
        client_config(&s),
        Err(TlsError::UnknownCipher { .. })
    ));
    let mut s = settings(TlsVersions::Both, false);
    s.curves = vec!["brainpool".into()];
    assert!(matches!(
        client_config(&s),
        Err(TlsError::UnknownCurve { .. })
    ));
    let mut s = settings(TlsVersions::Tls12, false);
    s.ciphers = vec!["TLS13_AES_128_GCM_SHA256".into()];
    assert!(matches!(client_config(&s), Err(TlsError::Config(_))));
    let mut s = settings(TlsVersions::Both, false);
    s.server_name = "not a name!".into();
    assert!(matches!(client_config(&s), Err(TlsError::BadServerName(_))));
}

#[test]
fn cacert_files_are_read_or_refused() {
    let pki = pki();
    let dir = std::env::temp_dir().join(format!("tfw-tls-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("ca.pem");
    std::fs::write(&good, &pki.ca_pem).unwrap();
    assert_eq!(load_roots(&good).unwrap(), vec![pki.ca.clone()]);
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "nothing here\n").unwrap();
    assert!(matches!(load_roots(&empty), Err(TlsError::CaFile(_))));
    assert!(matches!(
        load_roots(&dir.join("missing.pem")),
        Err(TlsError::CaFile(_))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
