//! `tfw-bench tls-perf` with tempesta-test's tls-perf command lines (github
//! tempesta-tech/tempesta-test, commit a646d14218f6097b172f339beb083909a5442d84:
//! tests/http2_general/test_h2_perf.py `-c ECDHE-ECDSA-AES128-GCM-SHA256 -C prime256v1 -l N
//! -t N -T N IP 443`, tests/tls/test_tls_tickets.py `-l 1 -t 1 -n 2 --tickets on IP 443`,
//! tests/tls/test_tls_stress.py `-c DHE-RSA-...`), which assert an empty stderr, against the
//! built-in target over TLS (`serve --tls`) and nginx over TLS; the output in tls-perf's words
//! (github tempesta-tech/tls-perf main.cc, commit 4cf96f4d1800837ae077a3bc3df4a901bc2ff405);
//! bad input with tls-perf's exit statuses; a link named tls-perf. tls-perf itself is not
//! packaged, so it is not run here.

mod common;
mod dropin_support;

use common::nginx::Nginx;
use common::{closed_port, serve_tls};
use dropin_support::{numbers_after, run_tool, strings};

fn tls_perf(args: &[&str]) -> common::Out {
    let mut all = vec!["tls-perf"];
    all.extend_from_slice(args);
    common::run(&all)
}

/// What a finished run must show: status 0, nothing on stderr (tempesta-test asserts it), the
/// final block in tls-perf's words; the handshakes counted.
fn finished(out: &common::Out) -> u64 {
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out.stderr.is_empty(), "{}", out.show());
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "========================================")
        .unwrap_or_else(|| panic!("no final block\n{}", out.stdout));
    assert!(
        lines[at + 1].starts_with(" TOTAL:           SECONDS "),
        "{}",
        out.stdout
    );
    assert!(
        lines[at + 2].starts_with(" HANDSHAKES/sec:  MAX "),
        "{}",
        out.stdout
    );
    assert!(
        lines[at + 3].starts_with(" LATENCY (ms):    MIN "),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("( All peers are active, start to gather statistics )\n"));
    let total = numbers_after(&out.stdout, " TOTAL:           SECONDS ").unwrap();
    assert_eq!(total.len(), 2, "{}", out.stdout);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(" HANDSHAKES/sec:  "))
        .unwrap();
    // "MAX a; AVG b; 95P c; MIN d"
    let rates: Vec<u64> = line[" HANDSHAKES/sec:  ".len()..]
        .split("; ")
        .zip(["MAX ", "AVG ", "95P ", "MIN "])
        .map(|(f, w)| f.strip_prefix(w).unwrap().parse().unwrap())
        .collect();
    assert_eq!(rates.len(), 4, "{line}");
    // MAX >= AVG >= MIN and MAX >= 95P >= MIN.
    assert!(rates[0] >= rates[1] && rates[1] >= rates[3], "{line}");
    assert!(rates[0] >= rates[2] && rates[2] >= rates[3], "{line}");
    total[1]
}

#[test]
fn tempesta_tests_h2_perf_command_against_the_builtin_target_and_nginx() {
    let (srv, addr) = serve_tls(&[]);
    let (ip, port) = addr.rsplit_once(':').unwrap();
    let ours = tls_perf(&[
        "-c",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "-C",
        "prime256v1",
        "-l",
        "4",
        "-t",
        "2",
        "-T",
        "2",
        ip,
        port,
    ]);
    assert!(finished(&ours) > 0);
    assert!(
        ours.stdout.starts_with(&format!(
            "Running TLS benchmark with following settings:\nHost:        {ip} : {port}\n\
         TLS version: 1.2\nCipher:      ECDHE-ECDSA-AES128-GCM-SHA256\nTLS tickets: off\n\
         Duration:    2\n\n"
        )),
        "{}",
        ours.stdout
    );
    assert!(
        ours.stdout.contains("TLS hs in progress "),
        "{}",
        ours.stdout
    );
    common::stop_serve(srv);
    let ng = Nginx::start("dropin-tls-perf");
    let port = ng.tls.to_string();
    let ours = tls_perf(&[
        "-c",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "-C",
        "prime256v1",
        "-l",
        "4",
        "-t",
        "2",
        "-T",
        "2",
        "127.0.0.1",
        &port,
    ]);
    assert!(finished(&ours) > 0);
}

#[test]
fn tempesta_tests_tickets_command_resumes_and_counts_exactly() {
    let ng = Nginx::start("dropin-tls-perf-tickets");
    let json = common::tmp_json("tls-perf-tickets");
    let port = ng.tickets.to_string();
    let ours = tls_perf(&[
        "-l",
        "1",
        "-t",
        "1",
        "-n",
        "2",
        "--tickets",
        "on",
        "--tfw-json",
        json.to_str().unwrap(),
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(finished(&ours), 2, "{}", ours.stdout);
    assert!(ours.stdout.contains("TLS tickets: on\n"), "{}", ours.stdout);
    let doc = common::read_json(&json);
    assert_eq!(common::count(&doc, &["handshakes"]), 2, "{doc}");
    assert!(common::count(&doc, &["resumed"]) >= 1, "{doc}");
    assert_eq!(doc["settings"]["personality"], "tls-perf");
    let _ = std::fs::remove_file(&json);
    // TLS 1.3 and -q: only the final block and the "all peers" line.
    let port = ng.tls.to_string();
    let ours = tls_perf(&[
        "-q",
        "--tls",
        "1.3",
        "-l",
        "2",
        "-n",
        "40",
        "127.0.0.1",
        &port,
    ]);
    assert_eq!(finished(&ours), 40);
    assert!(
        !ours.stdout.contains("Running TLS benchmark"),
        "{}",
        ours.stdout
    );
    assert!(
        !ours.stdout.contains("TLS hs in progress"),
        "{}",
        ours.stdout
    );
}

/// Exit status `code`, no panic, one line on stderr containing `want`.
fn refused(out: &common::Out, code: i32, want: &str) {
    assert_eq!(out.code(), Some(code), "{}", out.show());
    assert!(!out.stderr.contains("panicked"), "{}", out.show());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.show());
    assert!(out.stderr.contains(want), "want {want:?}\n{}", out.show());
}

#[test]
fn bad_input_and_what_rustls_lacks_are_refused_by_name() {
    let port = closed_port().to_string();
    // tempesta-test's DHE suites (test_tls_stress.py): rustls has no DHE.
    refused(
        &tls_perf(&[
            "-c",
            "DHE-RSA-AES128-GCM-SHA256",
            "-C",
            "prime256v1",
            "-l",
            "2",
            "-T",
            "1",
            "127.0.0.1",
            &port,
        ]),
        1,
        "ERROR: cannot set cipher (tfw-bench: unknown cipher suite \"DHE-RSA-AES128-GCM-SHA256\"",
    );
    refused(
        &tls_perf(&["-C", "secp521r1", "127.0.0.1", &port]),
        1,
        "cannot set elliptic curve",
    );
    refused(&tls_perf(&["-z"]), 1, "tls-perf: invalid option -- 'z'");
    refused(
        &tls_perf(&["--bogus"]),
        1,
        "tls-perf: unrecognized option '--bogus'",
    );
    refused(
        &tls_perf(&["127.0.0.1"]),
        234,
        "ERROR: either 0 or 2 arguments are allowed",
    );
    refused(
        &tls_perf(&["localhost", "443"]),
        234,
        "ERROR: can't parse ip address from string 'localhost'",
    );
    refused(&tls_perf(&["-l", "many", "127.0.0.1", &port]), 234, "-l");
    refused(
        &tls_perf(&["-t", "600"]),
        2,
        "ERROR: too many threads requested",
    );
    refused(&tls_perf(&["-d"]), 1, "-d: not supported");
    refused(
        &tls_perf(&["--tickets", "advertise"]),
        1,
        "--tickets advertise: not supported",
    );
    // A refused connection: its one ERROR line after the settings, status 1, no hang.
    let out = tls_perf(&["-l", "2", "-n", "10", "127.0.0.1", &port]);
    refused(&out, 1, "ERROR: ");
    assert!(
        out.stdout.starts_with("Running TLS benchmark"),
        "{}",
        out.show()
    );
}

#[test]
fn invoked_by_a_link_named_tls_perf_and_help() {
    let dir = std::env::temp_dir().join(format!("tfw-tls-perf-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = common::run(&["links", dir.to_str().unwrap()]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let (srv, addr) = serve_tls(&[]);
    let (ip, port) = addr.rsplit_once(':').unwrap();
    let link = dir.join("tls-perf");
    let out = run_tool(
        link.to_str().unwrap(),
        &strings(&["-l", "2", "-n", "30", ip, port]),
    );
    assert_eq!(finished(&out), 30);
    common::stop_serve(srv);
    let out = run_tool(link.to_str().unwrap(), &strings(&["--help"]));
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(
        out.stdout.contains("./tls-perf [options] <ip> <port>"),
        "{}",
        out.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The command lines of tls-perf's README (github tempesta-tech/tls-perf README.md, commit
/// 4cf96f4): `-T 10 -l 100 -t 8 --tls 1.3 IP PORT`, `-n 100 --tls any ::1 PORT` and
/// `-l 1000 -t 2 -T 10 IP 443`, bounded (1 s, fewer peers), against the built-in target,
/// the second over IPv6 loopback as written.
#[test]
fn the_readme_examples_run() {
    let (srv, addr) = serve_tls(&[]);
    let (ip, port) = addr.rsplit_once(':').unwrap();
    let out = tls_perf(&["-T", "1", "-l", "4", "-t", "8", "--tls", "1.3", ip, port]);
    assert!(finished(&out) > 0, "{}", out.show());
    assert!(out.stdout.contains("TLS version: 1.3\n"), "{}", out.stdout);
    let out = tls_perf(&["-l", "100", "-t", "2", "-T", "1", ip, port]);
    assert!(finished(&out) > 0, "{}", out.show());
    common::stop_serve(srv);

    let srv6 = common::spawn(&["serve", "--listen", "[::1]:0", "-t", "1", "--tls"]);
    let line = srv6
        .wait_line("tfw-bench serve: listening on ")
        .expect("serve starts on ::1");
    let addr6 = line["tfw-bench serve: listening on ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let port6 = addr6.rsplit_once(':').unwrap().1;
    let out = tls_perf(&["-n", "100", "--tls", "any", "::1", port6]);
    assert_eq!(finished(&out), 100, "{}", out.show());
    assert!(
        out.stdout.contains("TLS version: Any of 1.2 or 1.3\n"),
        "{}",
        out.stdout
    );
    common::stop_serve(srv6);
}
