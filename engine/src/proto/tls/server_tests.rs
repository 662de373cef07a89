//! The server-side glue (`serve --tls`) against rustls' client, bytes passed in memory:
//! handshakes for TLS 1.2 and 1.3 with the generated certificate, a request and response
//! each way, certificates from PEM files verified by name, resumption on and off, and files
//! that cannot be used.

use super::*;
use rustls::pki_types::ServerName;
use rustls::ClientConnection;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

fn client(versions: TlsVersions, tickets: bool, roots: Option<Vec<Vec<u8>>>) -> TlsSettings {
    TlsSettings {
        versions,
        tickets,
        server_name: "localhost".into(),
        roots: roots.map(|r| r.into_iter().map(Into::into).collect()),
        ..TlsSettings::default()
    }
}

/// Passes bytes both ways until neither side has anything to say; returns what the server
/// decrypted and its last step.
fn pump(c: &mut ClientConnection, s: &mut TlsServerConn) -> (Vec<u8>, ServerStep) {
    let mut plain = Vec::new();
    let mut step = ServerStep::Handshaking;
    for _ in 0..20 {
        let mut to_server = Vec::new();
        while c.wants_write() {
            c.write_tls(&mut to_server).unwrap();
        }
        let mut to_client = Vec::new();
        step = s.receive(&to_server, &mut to_client, &mut plain).unwrap();
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        let mut rd = &to_client[..];
        while !rd.is_empty() {
            c.read_tls(&mut rd).unwrap();
        }
        c.process_new_packets().unwrap();
    }
    (plain, step)
}

/// One connection: handshake, a request to the server, a response back.
fn exchange(
    client_cfg: &Arc<rustls::ClientConfig>,
    server_cfg: &Arc<rustls::ServerConfig>,
    name: &str,
) -> ClientConnection {
    let name = ServerName::try_from(name.to_string()).unwrap();
    // The same session store (an `Arc`), ALPN offered.
    let mut cfg = (**client_cfg).clone();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut c = ClientConnection::new(Arc::new(cfg), name).unwrap();
    let mut s = TlsServerConn::new(server_cfg.clone()).unwrap();
    c.writer().write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let (got, step) = pump(&mut c, &mut s);
    assert_eq!(step, ServerStep::Open);
    assert_eq!(got, b"GET / HTTP/1.1\r\n\r\n");
    // The server prefers h2 (the bytes here are not HTTP/2: TLS does not care).
    assert_eq!(c.alpn_protocol(), Some(&b"h2"[..]));
    // A response larger than one record.
    let body = vec![b'x'; 40_000];
    let mut out = Vec::new();
    s.encrypt(&body, &mut out).unwrap();
    let mut rd = &out[..];
    let mut back = Vec::new();
    while !rd.is_empty() {
        c.read_tls(&mut rd).unwrap();
        c.process_new_packets().unwrap();
        let mut buf = [0u8; 4096];
        while let Ok(n) = c.reader().read(&mut buf) {
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buf[..n]);
        }
    }
    assert_eq!(back, body);
    c
}

#[test]
fn generated_certificate_serves_tls12_and_tls13() {
    let server_cfg = server_config(&ServerTlsSettings::default()).unwrap();
    for (v, want) in [
        (TlsVersions::Tls12, rustls::ProtocolVersion::TLSv1_2),
        (TlsVersions::Tls13, rustls::ProtocolVersion::TLSv1_3),
        (TlsVersions::Both, rustls::ProtocolVersion::TLSv1_3),
    ] {
        let cfg = client_config(&client(v, false, None)).unwrap();
        let c = exchange(&cfg, &server_cfg, "localhost");
        assert_eq!(c.protocol_version(), Some(want));
    }
}

#[test]
fn encrypt_before_the_handshake_is_refused() {
    let cfg = server_config(&ServerTlsSettings::default()).unwrap();
    let mut s = TlsServerConn::new(cfg).unwrap();
    assert!(matches!(
        s.encrypt(b"x", &mut Vec::new()),
        Err(TlsError::NotOpen)
    ));
    assert!(s.negotiated().is_none());
}

#[test]
fn non_tls_bytes_are_an_error() {
    let cfg = server_config(&ServerTlsSettings::default()).unwrap();
    let mut s = TlsServerConn::new(cfg).unwrap();
    let r = s.receive(b"GET / HTTP/1.1\r\n\r\n", &mut Vec::new(), &mut Vec::new());
    assert!(r.is_err());
}

/// Writes the files of a certificate for `names` in a fresh directory.
struct Files {
    dir: PathBuf,
    cert_der: Vec<u8>,
}

impl Files {
    fn new(tag: &str, names: &[&str]) -> Files {
        let dir = std::env::temp_dir().join(format!("tfw-servetls-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let ck = rcgen::generate_simple_self_signed(names).unwrap();
        std::fs::write(dir.join("cert.pem"), ck.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), ck.signing_key.serialize_pem()).unwrap();
        Files {
            dir,
            cert_der: ck.cert.der().to_vec(),
        }
    }

    fn settings(&self, cert: &str, key: &str) -> ServerTlsSettings {
        ServerTlsSettings {
            cert: Some((self.dir.join(cert), self.dir.join(key))),
            tickets: false,
        }
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn certificate_from_files_verifies_by_name() {
    let f = Files::new("verify", &["localhost", "127.0.0.1"]);
    let server_cfg = server_config(&f.settings("cert.pem", "key.pem")).unwrap();
    let roots = Some(vec![f.cert_der.clone()]);
    let cfg = client_config(&client(TlsVersions::Both, false, roots.clone())).unwrap();
    exchange(&cfg, &server_cfg, "localhost");
    exchange(&cfg, &server_cfg, "127.0.0.1");
    // Another certificate as the only root: the client rejects the server's.
    let other = Files::new("other", &["localhost"]);
    let bad = client_config(&client(
        TlsVersions::Both,
        false,
        Some(vec![other.cert_der.clone()]),
    ))
    .unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut c = ClientConnection::new(bad, name).unwrap();
    let mut s = TlsServerConn::new(server_cfg).unwrap();
    let mut to_server = Vec::new();
    c.write_tls(&mut to_server).unwrap();
    let mut to_client = Vec::new();
    s.receive(&to_server, &mut to_client, &mut Vec::new())
        .unwrap();
    c.read_tls(&mut &to_client[..]).unwrap();
    assert!(c.process_new_packets().is_err());
}

#[test]
fn files_that_cannot_be_used_are_errors() {
    let f = Files::new("bad", &["localhost"]);
    let other = Files::new("bad-other", &["localhost"]);
    std::fs::write(f.dir.join("junk.pem"), "not a certificate\n").unwrap();
    std::fs::copy(other.dir.join("key.pem"), f.dir.join("other-key.pem")).unwrap();
    for (cert, key) in [
        ("missing.pem", "key.pem"),
        ("cert.pem", "missing.pem"),
        ("junk.pem", "key.pem"),
        ("cert.pem", "junk.pem"),
        ("key.pem", "cert.pem"),
        ("cert.pem", "other-key.pem"),
    ] {
        let r = server_config(&f.settings(cert, key));
        assert!(
            matches!(r, Err(TlsError::CertFile(_))),
            "{cert} {key}: {:?}",
            r.map(|_| ())
        );
    }
}

#[test]
fn tickets_resume_when_on_and_not_when_off() {
    for v in [TlsVersions::Tls12, TlsVersions::Tls13] {
        for tickets in [true, false] {
            let server_cfg = server_config(&ServerTlsSettings {
                cert: None,
                tickets,
            })
            .unwrap();
            let cfg = client_config(&client(v, true, None)).unwrap();
            let first = exchange(&cfg, &server_cfg, "localhost");
            assert_eq!(first.handshake_kind(), Some(rustls::HandshakeKind::Full));
            let second = exchange(&cfg, &server_cfg, "localhost");
            let want = if tickets {
                rustls::HandshakeKind::Resumed
            } else {
                rustls::HandshakeKind::Full
            };
            assert_eq!(
                second.handshake_kind(),
                Some(want),
                "{v:?} tickets {tickets}"
            );
        }
    }
}

/// The client driver (`TlsHandshake`) against the server glue: handshake, a request encrypted
/// with `encrypt`, a response larger than one record decrypted by `advance_into`, for each
/// version; `encrypt` before the handshake is refused and does not disturb it.
#[test]
fn client_driver_sends_a_request_and_reads_the_response() {
    let server_cfg = server_config(&ServerTlsSettings::default()).unwrap();
    for v in [TlsVersions::Tls12, TlsVersions::Tls13] {
        let cfg = client_config(&client(v, false, None)).unwrap();
        let name = ServerName::try_from("localhost".to_string()).unwrap();
        let mut c = TlsHandshake::new(cfg, name).unwrap();
        let mut s = TlsServerConn::new(server_cfg.clone()).unwrap();
        assert!(matches!(
            c.encrypt(b"x", &mut Vec::new()),
            Err(TlsError::NotOpen)
        ));
        let (mut to_server, mut to_client, mut got) = (Vec::new(), Vec::new(), Vec::new());
        let mut step = c.advance(&[], &mut to_server).unwrap();
        for _ in 0..10 {
            if step == Step::Established {
                break;
            }
            s.receive(&to_server, &mut to_client, &mut got).unwrap();
            to_server.clear();
            step = c.advance(&to_client, &mut to_server).unwrap();
            to_client.clear();
        }
        assert_eq!(step, Step::Established, "{v:?}");
        c.encrypt(b"GET / HTTP/1.1\r\n\r\n", &mut to_server)
            .unwrap();
        let step = s.receive(&to_server, &mut to_client, &mut got).unwrap();
        assert_eq!(step, ServerStep::Open);
        assert_eq!(got, b"GET / HTTP/1.1\r\n\r\n");
        let body = vec![b'y'; 40_000];
        s.encrypt(&body, &mut to_client).unwrap();
        let mut plain = Vec::new();
        let mut out = Vec::new();
        // Fed in pieces that split records.
        for piece in to_client.chunks(1000) {
            let step = c.advance_into(piece, &mut out, Some(&mut plain)).unwrap();
            assert_eq!(step, Step::Established);
        }
        assert_eq!(plain, body, "{v:?}");
        assert!(!c.peer_closed());
    }
}
