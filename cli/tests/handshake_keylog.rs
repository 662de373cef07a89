//! `tfw-bench handshake --keylog FILE`: the TLS secrets of every handshake in the NSS key log
//! format. Against `openssl s_server -keylogfile` (the same certificate nginx-ctl makes) each
//! secret the client wrote equals the one the server wrote for the same client random, for
//! TLS 1.2 (`CLIENT_RANDOM`) and TLS 1.3 (the five traffic and exporter secrets); against
//! nginx with two workers every line is whole and each client random is one handshake. A
//! path in a directory that does not exist is a setup error.

mod common;

use common::nginx::{free_port, Nginx};
use common::tls_nginx::handshake;
use common::{run, LIMIT};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TLS13_LABELS: [&str; 5] = [
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
];

fn tmp(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("keylog-{name}-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// (label, client random) -> secret; every line checked for the NSS format.
fn parse(path: &Path) -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut m = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 3, "{line:?}");
        assert!(is_hex(f[1], 64), "client random in {line:?}");
        // SHA-256 suites: 32-byte secrets; TLS 1.2 master secret: 48 bytes.
        assert!(is_hex(f[2], 64) || is_hex(f[2], 96), "secret in {line:?}");
        let old = m.insert((f[0].to_string(), f[1].to_string()), f[2].to_string());
        assert!(old.is_none(), "written twice: {line:?}");
    }
    m
}

/// Client randoms with every one of `labels`.
fn complete(m: &BTreeMap<(String, String), String>, labels: &[&str]) -> BTreeSet<String> {
    let randoms: BTreeSet<String> = m.keys().map(|(_, r)| r.clone()).collect();
    randoms
        .into_iter()
        .filter(|r| {
            labels
                .iter()
                .all(|l| m.contains_key(&(l.to_string(), r.clone())))
        })
        .collect()
}

/// `openssl s_server` on a free port with nginx-ctl's certificate, its secrets to `log`.
struct SServer(Child);

impl SServer {
    fn start(ng: &Nginx, log: &Path) -> (SServer, String) {
        let port = free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(ng.run.join("cert.pem"))
            .arg("-key")
            .arg(ng.run.join("key.pem"))
            .arg("-keylogfile")
            .arg(log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let addr = format!("127.0.0.1:{port}");
        let end = Instant::now() + LIMIT;
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < end, "openssl s_server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        (SServer(child), addr)
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn secrets_match_what_the_server_logged() {
    let ng = Nginx::start("keylog");
    for (v, labels) in [("1.2", &["CLIENT_RANDOM"][..]), ("1.3", &TLS13_LABELS[..])] {
        let (client_log, server_log) = (tmp(&format!("c{v}")), tmp(&format!("s{v}")));
        let (srv, addr) = SServer::start(&ng, &server_log);
        let kl = client_log.to_str().unwrap();
        let args = [&addr, "-n", "10", "-c", "1", "--tls", v, "--keylog", kl];
        let (out, doc) = handshake(&args, "keylog");
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(doc["handshakes"], 10, "{doc}");
        drop(srv);
        let client = parse(&client_log);
        let server = parse(&server_log);
        // One peer: its slow-start handshake (not counted), then exactly the 10 counted.
        let done = complete(&client, labels);
        assert_eq!(done.len(), 11, "TLS {v}: {client:?}");
        assert_eq!(client.len(), 11 * labels.len(), "TLS {v}: {client:?}");
        for r in &done {
            for l in labels {
                let k = (l.to_string(), r.clone());
                assert_eq!(client.get(&k), server.get(&k), "TLS {v} {l} {r}");
            }
        }
        let _ = std::fs::remove_file(&client_log);
        let _ = std::fs::remove_file(&server_log);
    }
}

#[test]
fn one_client_random_per_handshake_against_nginx() {
    let ng = Nginx::start("keylog2");
    let target = format!("127.0.0.1:{}", ng.tls);
    for (v, labels) in [("1.2", &["CLIENT_RANDOM"][..]), ("1.3", &TLS13_LABELS[..])] {
        let log = tmp(&format!("nginx{v}"));
        let kl = log.to_str().unwrap();
        let args = [
            &target, "-n", "200", "-c", "8", "-t", "2", "--tls", v, "--keylog", kl,
        ];
        let (out, doc) = handshake(&args, "keylog-nginx");
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert_eq!(doc["handshakes"], 200, "{doc}");
        let m = parse(&log);
        // Every handshake has its own client random with all its secrets; the slow start's
        // handshakes (not counted) and attempts cut off at the end may add a few more.
        let done = complete(&m, labels);
        assert!(done.len() >= 200, "TLS {v}: {} complete", done.len());
        if v == "1.2" {
            assert!(m.keys().all(|(l, _)| l == "CLIENT_RANDOM"), "{m:?}");
        }
        let _ = std::fs::remove_file(&log);
    }
}

#[test]
fn keylog_in_a_missing_directory_is_a_setup_error() {
    let ng = Nginx::start("keylog3");
    let target = format!("127.0.0.1:{}", ng.tls);
    let out = run(&[
        "handshake",
        &target,
        "-n",
        "5",
        "--keylog",
        "/nonexistent-dir/keys.log",
    ]);
    assert_eq!(out.code(), Some(2), "{}", out.show());
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.show());
    assert!(lines[0].starts_with("tfw-bench: error:"), "{}", out.show());
    assert!(
        lines[0].contains("--keylog /nonexistent-dir/keys.log")
            && lines[0].contains("No such file"),
        "{}",
        out.show()
    );
    assert!(!out.stdout.contains("TOTAL:"), "no run: {}", out.show());
}
