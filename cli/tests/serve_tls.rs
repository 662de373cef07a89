//! `tfw-bench serve --tls`: exact handshake counts from `tfw-bench handshake` for TLS 1.2 and
//! 1.3 against the generated certificate, curl getting the body over HTTPS (also with a
//! certificate from PEM files, verified by curl), and files that cannot be used are setup
//! errors (exit 2, one error line).

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

fn curl(args: &[&str]) -> std::process::Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
        .expect("run curl")
}

#[test]
fn handshakes_and_https_against_the_generated_certificate() {
    let (srv, addr) = serve_tls(&["--body-size", "20000"]);
    for (v, name) in [("1.2", "TLSv1_2"), ("1.3", "TLSv1_3")] {
        let json = tmp_json(&format!("serve-tls-{v}"));
        let js = json.to_str().unwrap();
        let out = run(&[
            "handshake",
            "-q",
            "--json",
            js,
            &addr,
            "-n",
            "200",
            "-c",
            "8",
            "--tls",
            v,
        ]);
        assert_eq!(out.code(), Some(0), "{}", out.show());
        let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let _ = std::fs::remove_file(&json);
        assert_eq!(doc["handshakes"], 200, "{doc}");
        assert_eq!(doc["errors"]["total"], 0, "{doc}");
        assert!(
            doc["negotiated"].as_str().unwrap().starts_with(name),
            "{doc}"
        );
    }
    // Two requests on one connection (curl reuses it), the body 20000 bytes each.
    let url = format!("https://{addr}/");
    let got = curl(&["-k", "--http1.1", &url, &url]);
    assert!(got.status.success(), "{got:?}");
    assert_eq!(got.stdout, vec![b'x'; 40000]);
    // HEAD: the head alone (HTTP/1.1 asked for: ALPN would pick h2).
    let got = curl(&["-k", "--http1.1", "-I", &url]);
    assert!(got.status.success(), "{got:?}");
    assert!(String::from_utf8_lossy(&got.stdout).starts_with("HTTP/1.1 200"));
    let out = stop_serve(srv);
    assert!(out.stdout.contains("served requests=3 "), "{}", out.show());
}

#[test]
fn certificate_from_files_is_served_and_bad_files_are_setup_errors() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serve-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let junk = dir.join("junk.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    std::fs::write(&junk, "not PEM\n").unwrap();
    let (c, k, j) = (
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        junk.to_str().unwrap(),
    );

    let (srv, addr) = serve_tls(&["--cert", c, "--key", k, "--tls-tickets", "off"]);
    let port = addr.rsplit(':').next().unwrap();
    // curl verifies the certificate against itself as the CA, by the name localhost.
    let got = curl(&[
        "--cacert",
        c,
        "--resolve",
        &format!("localhost:{port}:127.0.0.1"),
        &format!("https://localhost:{port}/"),
    ]);
    assert!(got.status.success(), "{got:?}");
    assert_eq!(got.stdout, b"xx");
    stop_serve(srv);

    let missing = dir.join("missing.pem");
    let m = missing.to_str().unwrap();
    for (cert, key, want) in [
        (m, k, "missing.pem"),
        (j, k, "junk.pem"),
        (c, j, "junk.pem"),
        (k, c, "key.pem"),
    ] {
        let out = run(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls",
            "--cert",
            cert,
            "--key",
            key,
        ]);
        assert_setup_error(&out, want);
    }
    // --cert without --key, or without --tls: usage errors.
    let out = run(&["serve", "--tls", "--cert", c]);
    assert_usage_error(&out, "--key");
    let out = run(&["serve", "--cert", c, "--key", k]);
    assert_usage_error(&out, "--tls");
    let _ = std::fs::remove_dir_all(&dir);
}
