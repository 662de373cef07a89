//! `tfw-bench handshake` against a real nginx (tools/peers/nginx-ctl.sh: ECDSA P-256 signed
//! by a throw-away CA, TLS 1.2 + 1.3, plus a tickets-on and a TLS 1.3-only server): exact
//! handshake counts with zero errors for each version, with and without resumption; a refused
//! version, a plain-HTTP port, a certificate rejected under --verify (which passes with the
//! right CA), a server that aborts the handshake and one that never answers are counted errors
//! and one clear message; a closed port and bad options are exit 2; SIGINT still writes JSON.
//! Each test starts its own nginx on free ports and stops it by its pid file.

mod common;

use common::nginx::{free_port, Nginx};
use common::tls_nginx::handshake;
use common::{kill, run, spawn, tmp_json, Out};
use serde_json::Value;
use std::net::TcpListener;

fn errors(doc: &Value) -> u64 {
    doc["errors"]["total"].as_u64().unwrap()
}

#[test]
fn exact_counts_for_tls12_and_tls13_without_tickets() {
    let ng = Nginx::start("full");
    let target = format!("127.0.0.1:{}", ng.tls);
    for (v, name) in [("1.2", "TLSv1_2"), ("1.3", "TLSv1_3")] {
        let (out, doc) = handshake(&[&target, "-n", "200", "-c", "8", "--tls", v], "full");
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(doc["handshakes"], 200, "{doc}");
        assert_eq!(errors(&doc), 0, "{doc}");
        assert_eq!(doc["resumed"], 0, "tickets are off: {doc}");
        assert!(
            doc["negotiated"].as_str().unwrap().starts_with(name),
            "{doc}"
        );
        assert_eq!(doc["latency_us"]["count"], 200);
        assert!(doc["handshakes_per_s"].as_f64().unwrap() > 0.0);
        for line in [
            "TOTAL:",
            "HANDSHAKES 200",
            "MEASURES",
            "LATENCY (ms):",
            "p99.9",
            "ERRORS:",
            "Certificates are NOT verified",
        ] {
            assert!(out.stdout.contains(line), "{line:?}\n{}", out.show());
        }
    }
    // A chosen TLS 1.2 suite and curve, over two workers.
    let (out, doc) = handshake(
        &[
            &target,
            "-n",
            "100",
            "-c",
            "4",
            "-t",
            "2",
            "--tls",
            "1.2",
            "--ciphers",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "--curves",
            "secp256r1",
        ],
        "suite",
    );
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(doc["handshakes"], 100);
    assert_eq!(errors(&doc), 0);
    assert_eq!(
        doc["negotiated"],
        "TLSv1_2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 secp256r1"
    );
}

#[test]
fn tickets_on_resumes_sessions() {
    let ng = Nginx::start("tickets");
    let target = format!("127.0.0.1:{}", ng.tickets);
    for v in ["1.2", "1.3"] {
        let args = [
            &target,
            "-n",
            "200",
            "-c",
            "8",
            "--tls",
            v,
            "--tickets",
            "on",
        ];
        let (out, doc) = handshake(&args, "tickets");
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(doc["handshakes"], 200, "{doc}");
        assert_eq!(errors(&doc), 0, "{doc}");
        assert!(doc["resumed"].as_u64().unwrap() > 0, "TLS {v}: {doc}");
    }
    // Tickets on against a server without them: full handshakes, no errors, no hang.
    let target = format!("127.0.0.1:{}", ng.tls);
    let args = [&target, "-n", "100", "--tls", "1.3", "--tickets", "on"];
    let (out, doc) = handshake(&args, "noticket");
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(doc["handshakes"], 100);
    assert_eq!(doc["resumed"], 0);
    assert_eq!(errors(&doc), 0);
}

/// One "tfw-bench: error:" line on stderr containing `what`.
fn one_error_line(out: &Out, what: &str) {
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.show());
    assert!(lines[0].starts_with("tfw-bench: error:"), "{}", out.show());
    assert!(lines[0].contains(what), "{what:?}\n{}", out.show());
}

#[test]
fn faults_are_counted_errors_with_a_clear_message() {
    let ng = Nginx::start("faults");
    // A TLS version the server refuses.
    let t13 = format!("127.0.0.1:{}", ng.tls13);
    let (out, doc) = handshake(&[&t13, "-n", "50", "--tls", "1.2"], "refused");
    assert_eq!(out.code(), Some(1), "{}", out.show());
    one_error_line(&out, "ProtocolVersion");
    assert_eq!(doc["handshakes"], 0);
    assert!(doc["errors"]["handshake"].as_u64().unwrap() > 0, "{doc}");
    // A port that speaks plain HTTP.
    let http = format!("127.0.0.1:{}", ng.http);
    let (out, doc) = handshake(&[&http, "-n", "50"], "plain");
    assert_eq!(out.code(), Some(1), "{}", out.show());
    one_error_line(&out, "is this a TLS port?");
    assert!(doc["errors"]["handshake"].as_u64().unwrap() > 0, "{doc}");
    // --verify: nginx's certificate is signed by RUN/ca.pem. Trusting the server certificate
    // itself instead, or asking for another name, is a counted, named rejection.
    let tls = format!("127.0.0.1:{}", ng.tls);
    let ca = ng.run.join("ca.pem");
    let ca = ca.to_str().unwrap();
    let (out, doc) = handshake(&[&tls, "-n", "50", "--verify", "--cacert", ca], "verify");
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(doc["handshakes"], 50);
    assert_eq!(errors(&doc), 0);
    assert_eq!(doc["settings"]["verify"], true);
    assert!(!out.stdout.contains("NOT verified"), "{}", out.show());
    let leaf = ng.run.join("cert.pem");
    let leaf = leaf.to_str().unwrap();
    let (out, doc) = handshake(&[&tls, "-n", "50", "--verify", "--cacert", leaf], "badca");
    assert_eq!(out.code(), Some(1), "{}", out.show());
    one_error_line(&out, "invalid peer certificate");
    assert!(doc["errors"]["handshake"].as_u64().unwrap() > 0, "{doc}");
    let args = [
        &tls,
        "-n",
        "50",
        "--verify",
        "--cacert",
        ca,
        "--sni",
        "other.example",
    ];
    let (out, _) = handshake(&args, "badname");
    assert_eq!(out.code(), Some(1), "{}", out.show());
    one_error_line(&out, "not valid for name");

    // SIGINT in the middle of a 30 s run: it stops, prints the report, writes the JSON.
    let json = tmp_json("sigint");
    let js = json.to_str().unwrap();
    let child = spawn(&["handshake", &tls, "-d", "30s", "-c", "4", "--json", js]);
    assert!(child.wait_line("  [").is_some(), "no per-second line");
    kill("-INT", &child.child.id().to_string());
    let out = child.finish();
    assert_eq!(out.code(), Some(130), "{}", out.show());
    assert!(out.stdout.contains("TOTAL:"), "{}", out.show());
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["interrupted"], true);
    assert!(doc["handshakes"].as_u64().unwrap() > 0);
    assert!(doc["duration_s"].as_f64().unwrap() < 30.0);
    let _ = std::fs::remove_file(&json);
}

#[test]
fn closed_port_and_bad_options_exit_2() {
    let closed = free_port().to_string();
    let target = format!("127.0.0.1:{closed}");
    let out = run(&["handshake", &target, "-n", "10"]);
    assert_eq!(out.code(), Some(2), "{}", out.show());
    one_error_line(&out, "cannot connect");
    for (args, what) in [
        (vec!["127.0.0.1"], "expected HOST:PORT"),
        (vec![&target, "--tls", "1.4"], "--tls"),
        (
            vec![&target, "--ciphers", "RC4-MD5"],
            "unknown cipher suite",
        ),
        (vec![&target, "--curves", "brainpool"], "unknown curve"),
        (
            vec![
                &target,
                "--tls",
                "1.2",
                "--ciphers",
                "TLS13_AES_128_GCM_SHA256",
            ],
            "no usable cipher suites",
        ),
        (vec![&target, "-c", "0"], "--conns"),
        (vec![&target, "-n", "0"], "--handshakes"),
        (
            vec![&target, "--verify", "--cacert", "/nonexistent.pem"],
            "--cacert",
        ),
    ] {
        let mut all = vec!["handshake"];
        all.extend(args.iter().copied());
        let out = run(&all);
        assert_eq!(out.code(), Some(2), "{args:?}\n{}", out.show());
        one_error_line(&out, what);
    }
}

/// A server that accepts and closes at once (aborts every handshake), and one that accepts
/// and never answers: counted errors of the right kind, exit 1, no hang.
#[test]
fn aborting_and_silent_servers() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let stop = Arc::new(AtomicBool::new(false));
    let abort = TcpListener::bind("127.0.0.1:0").unwrap();
    let abort_addr = abort.local_addr().unwrap().to_string();
    abort.set_nonblocking(true).unwrap();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    let s2 = stop.clone();
    let t = std::thread::spawn(move || {
        let mut held = Vec::new();
        while !s2.load(Ordering::Relaxed) {
            match abort.accept() {
                Ok((c, _)) => drop(c),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(1)),
            }
            if held.len() < 1000 {
                silent.set_nonblocking(true).unwrap();
                if let Ok((c, _)) = silent.accept() {
                    held.push(c);
                }
            }
        }
    });
    let (out, doc) = handshake(&[&abort_addr, "-n", "20", "-c", "2"], "abort");
    assert_eq!(out.code(), Some(1), "{}", out.show());
    one_error_line(&out, "no TLS handshake succeeded");
    let e = &doc["errors"];
    assert!(
        e["handshake"].as_u64().unwrap() + e["reset"].as_u64().unwrap() > 0,
        "{doc}"
    );
    let args = [&silent_addr, "-n", "20", "-c", "2", "--timeout", "100ms"];
    let (out, doc) = handshake(&args, "silent");
    assert_eq!(out.code(), Some(1), "{}", out.show());
    one_error_line(&out, "no handshake with");
    assert!(doc["errors"]["timeout"].as_u64().unwrap() > 0, "{doc}");
    stop.store(true, Ordering::Relaxed);
    t.join().unwrap();
}
