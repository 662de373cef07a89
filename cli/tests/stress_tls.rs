//! `stress` against https:// targets: real nginx (TLS 1.2 and 1.3, ECDSA P-256 signed by a
//! throw-away CA) and the built-in target with `--tls`. Counts are exact (-n) and match what
//! the server counted; a certificate rejected under --verify, a server that is not TLS, and
//! option combinations that cannot work are clear errors; --keylog writes NSS key log lines.

mod common;

use common::nginx::Nginx;
use common::{assert_setup_error, count, run};

use common::errors_total as errors;
use common::stress_json as stress;

#[test]
fn http1_over_tls_counts_match_nginx_for_tls12_and_tls13() {
    let ng = Nginx::start("stress-tls");
    let url = format!("https://127.0.0.1:{}/", ng.tls);
    for (v, name) in [("1.2", "TLSv1_2"), ("1.3", "TLSv1_3")] {
        let before = ng.requests();
        let (out, doc) = stress(&[&url, "-c", "8", "-n", "3000", "--tls", v], "tls-n");
        let after = ng.requests();
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(count(&doc, &["responses"]), 3000, "{}", out.show());
        assert_eq!(count(&doc, &["requests"]), 3000);
        assert_eq!(errors(&doc), 0, "{}", out.show());
        // `after` counts its own status request.
        assert_eq!(after - before - 1, 3000, "nginx's count");
        assert_eq!(doc["protocol"], "http/1.1");
        let tls = doc["tls"].as_str().unwrap();
        assert!(tls.starts_with(name), "{tls}");
        assert!(
            out.stdout.contains("certificates not verified"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn tls12_with_a_chosen_suite_and_curve_and_verification() {
    let ng = Nginx::start("stress-suite");
    let url = format!("https://localhost:{}/", ng.tls);
    let ca = ng.ca();
    let (out, doc) = stress(
        &[
            &url,
            "-c",
            "4",
            "-n",
            "500",
            "--tls",
            "1.2",
            "--ciphers",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "--curves",
            "P-256",
            "--verify",
            "--cacert",
            ca.to_str().unwrap(),
        ],
        "tls-suite",
    );
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(count(&doc, &["responses"]), 500);
    assert_eq!(errors(&doc), 0);
    let tls = doc["tls"].as_str().unwrap();
    assert!(
        tls.contains("TLSv1_2")
            && tls.contains("ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
            && tls.contains("secp256r1"),
        "{tls}"
    );
    assert!(!out.stdout.contains("not verified"), "{}", out.stdout);
}

#[test]
fn a_certificate_from_an_unknown_ca_is_a_tls_error_under_verify() {
    let ng = Nginx::start("stress-badca");
    // The built-in target's own certificate is not the CA nginx's is signed by.
    let other = common::tmp_file(
        "other-ca.pem",
        &std::fs::read(Nginx::start("stress-otherca").ca()).unwrap(),
    );
    let url = format!("https://localhost:{}/", ng.tls);
    let (out, doc) = stress(
        &[
            &url,
            "-c",
            "2",
            "-d",
            "1s",
            "--verify",
            "--cacert",
            other.to_str().unwrap(),
        ],
        "tls-badca",
    );
    assert_setup_error(&out, "no connection could be established");
    assert!(out.stderr.contains("TLS"), "{}", out.show());
    assert!(count(&doc, &["errors", "tls"]) > 0, "{}", out.show());
    assert_eq!(count(&doc, &["responses"]), 0);
}

#[test]
fn a_server_that_is_not_tls_is_a_tls_error() {
    // A plain-HTTP nginx port answers the ClientHello with a 400 page: not TLS.
    let ng = Nginx::start("stress-plain");
    let url = format!("https://127.0.0.1:{}/", ng.http);
    let (out, doc) = stress(&[&url, "-c", "2", "-d", "1s"], "tls-plain");
    assert_setup_error(&out, "TLS");
    assert!(count(&doc, &["errors", "tls"]) > 0, "{}", out.show());
}

#[test]
fn builtin_target_over_tls_counts_exactly() {
    // No URL and a TLS option: the built-in target is started with --tls.
    let (out, doc) = stress(&["-c", "4", "-n", "2000", "--tls", "1.3"], "tls-builtin");
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(count(&doc, &["responses"]), 2000);
    assert_eq!(count(&doc, &["builtin_target", "requests"]), 2000);
    assert_eq!(errors(&doc), 0);
    assert!(doc["tls"].as_str().unwrap().starts_with("TLSv1_3"));
    assert!(doc["target"].as_str().unwrap().starts_with("https://"));
}

#[test]
fn keylog_writes_one_secret_set_per_connection() {
    let ng = Nginx::start("stress-keylog");
    let url = format!("https://127.0.0.1:{}/", ng.tls);
    let log = common::tmp_file("keys.log", b"");
    let (out, doc) = stress(
        &[
            &url,
            "-c",
            "3",
            "-n",
            "30",
            "--tls",
            "1.2",
            "--keylog",
            log.to_str().unwrap(),
        ],
        "tls-keylog",
    );
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len() as u64,
        count(&doc, &["connections", "connects"]),
        "{text}"
    );
    for l in lines {
        let f: Vec<&str> = l.split(' ').collect();
        assert_eq!(f.len(), 3, "{l}");
        assert_eq!(f[0], "CLIENT_RANDOM");
        assert_eq!(f[1].len(), 64, "{l}");
        assert_eq!(f[2].len(), 96, "{l}");
    }
}

#[test]
fn options_that_cannot_work_together_are_clear_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["http://127.0.0.1:1/", "--tls", "1.3"],
            "need an https:// URL",
        ),
        (&["http://127.0.0.1:1/", "--h2"], "--h2c"),
        (&["https://127.0.0.1:1/", "--h2c"], "--h2 for https://"),
        (
            &["http://127.0.0.1:1/", "-m", "10"],
            "-m/--streams is for HTTP/2",
        ),
        (
            &["http://127.0.0.1:1/", "--h2c", "--pipeline", "4"],
            "-m/--streams",
        ),
        (
            &["https://127.0.0.1:1/", "--tls", "1.1"],
            "expected 1.2 or 1.3",
        ),
        (
            &["https://127.0.0.1:1/", "--ciphers", "RC4"],
            "unknown cipher suite",
        ),
        (
            &["https://127.0.0.1:1/", "--curves", "P-999"],
            "unknown curve",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["stress", "-d", "1s"];
        all.extend_from_slice(args);
        let out = run(&all);
        assert_setup_error(&out, want);
    }
}

#[test]
fn a_tls_version_the_server_refuses_is_a_tls_error() {
    let ng = Nginx::start("stress-refused");
    // This port speaks TLS 1.3 only.
    let url = format!("https://127.0.0.1:{}/", ng.tls13);
    let (out, doc) = stress(
        &[&url, "-c", "2", "-d", "1s", "--tls", "1.2"],
        "tls-refused",
    );
    assert_setup_error(&out, "TLS");
    assert!(out.stderr.contains("alert"), "{}", out.show());
    assert!(count(&doc, &["errors", "tls"]) > 0, "{}", out.show());
    assert_eq!(count(&doc, &["responses"]), 0);
}

#[test]
fn an_rsa_certificate_over_tls12_and_tls13_with_http1_and_http2() {
    let ng = Nginx::start("stress-rsa");
    let url = format!("https://localhost:{}/", ng.rsa);
    let ca = ng.ca();
    let ca = ca.to_str().unwrap();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--tls", "1.2", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256"],
            "TLSv1_2",
            "http/1.1",
        ),
        (&["--tls", "1.3"], "TLSv1_3", "http/1.1"),
        (&["--tls", "1.2", "--h2", "-m", "10"], "TLSv1_2", "h2"),
        (&["--tls", "1.3", "--h2", "-m", "10"], "TLSv1_3", "h2"),
    ];
    for (extra, version, protocol) in cases {
        let before = ng.requests();
        let mut args = vec![
            url.as_str(),
            "-c",
            "3",
            "-n",
            "600",
            "--verify",
            "--cacert",
            ca,
        ];
        args.extend_from_slice(extra);
        let (out, doc) = stress(&args, "tls-rsa");
        let after = ng.requests();
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(count(&doc, &["responses"]), 600, "{}", out.show());
        assert_eq!(errors(&doc), 0, "{}", out.show());
        assert_eq!(after - before - 1, 600, "nginx's count");
        assert!(doc["tls"].as_str().unwrap().starts_with(version));
        assert_eq!(doc["protocol"], *protocol);
    }
    // The handshake storm against the RSA certificate too.
    let target = format!("127.0.0.1:{}", ng.rsa);
    let (out, doc) = common::tls_nginx::handshake(
        &[
            &target,
            "-n",
            "100",
            "-c",
            "4",
            "--tls",
            "1.2",
            "--ciphers",
            "ECDHE-RSA-AES128-GCM-SHA256",
        ],
        "hs-rsa",
    );
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(count(&doc, &["handshakes"]), 100, "{}", out.show());
    assert_eq!(count(&doc, &["errors", "total"]), 0);
}
