//! Bad input to the tfw-bench binary: a bad URL, option value, header, body file, CPU,
//! connection count or listen address, and an unreachable target, each exit 2 with one line
//! on stderr and no panic; unknown options and missing subcommands are usage errors; `--help`
//! and `--version` answer.
//!
//! Every process is spawned with a hard time limit (`common::LIMIT`).

mod common;

use common::*;

#[test]
fn bad_url_scheme() {
    assert_setup_error(&run(&["stress", "ftp://x"]), "ftp");
}

#[test]
fn bad_url_empty_host() {
    assert_setup_error(&run(&["stress", "http://"]), "http://");
}

#[test]
fn unreachable_port() {
    let port = closed_port();
    let out = run(&["stress", &format!("http://127.0.0.1:{port}/"), "-d", "1s"]);
    assert_setup_error(&out, &format!("127.0.0.1:{port}"));
}

// The cause is printed twice: `EngineError::Unreachable` puts its source in its message and
// also returns it from `source()`, so anyhow's `{:#}` appends it again:
// "cannot connect to 127.0.0.1:P: Connection refused (os error 111): Connection refused (os error 111)".
#[test]

fn unreachable_port_says_why_once() {
    let port = closed_port();
    let out = run(&["stress", &format!("http://127.0.0.1:{port}/"), "-d", "1s"]);
    assert_setup_error(&out, "Connection refused");
    assert_eq!(
        out.stderr.matches("Connection refused").count(),
        1,
        "{}",
        out.show()
    );
}

#[test]
fn bad_duration() {
    assert_setup_error(&run(&["stress", "--duration", "ten"]), "--duration");
}

#[test]
fn zero_conns() {
    assert_setup_error(&run(&["stress", "--conns", "0"]), "--conns");
}

#[test]
fn zero_pipeline() {
    assert_setup_error(&run(&["stress", "--pipeline", "0"]), "--pipeline");
}

#[test]
fn bad_header() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/");
    assert_setup_error(&run(&["stress", &url, "-H", "bad header"]), "bad header");
}

#[test]
fn missing_body_file() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/");
    assert_setup_error(
        &run(&["stress", &url, "--body", "@/nonexistent"]),
        "/nonexistent",
    );
}

#[test]
fn cpu_not_allowed() {
    assert_setup_error(&run(&["stress", "--cpus", "999"]), "CPU 999");
}

#[test]
fn too_many_connections_for_rlimit() {
    match nofile_hard_limit() {
        Some(hard) if hard <= 40_000 => {}
        other => {
            eprintln!("skipped: hard RLIMIT_NOFILE is {other:?}, 30000 connections may fit");
            return;
        }
    }
    let out = run(&["stress", "--conns", "30000", "-d", "1s"]);
    assert_setup_error(&out, "RLIMIT_NOFILE");
}

#[test]
fn source_address_not_local() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/");
    assert_setup_error(
        &run(&["stress", &url, "--source-addrs", "10.255.255.1"]),
        "10.255.255.1",
    );
}

#[test]
fn serve_bad_listen() {
    assert_setup_error(&run(&["serve", "--listen", "nope"]), "--listen");
}

#[test]
fn unknown_option() {
    assert_usage_error(&run(&["stress", "--no-such-option"]), "--no-such-option");
}

#[test]
fn conns_not_a_number() {
    assert_usage_error(&run(&["stress", "--conns", "many"]), "--conns");
}

#[test]
fn bad_io_mode() {
    assert_usage_error(&run(&["stress", "--io", "kqueue"]), "kqueue");
}

#[test]
fn no_subcommand() {
    let out = run(&[]);
    assert_eq!(out.code(), Some(2), "{}", out.show());
    assert!(out.stderr.contains("Usage:"), "{}", out.show());
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn help_and_version() {
    let out = run(&["stress", "--help"]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out.stdout.contains("--conns"));
    let out = run(&["--version"]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out.stdout.starts_with("tfw-bench "), "{}", out.show());
}
