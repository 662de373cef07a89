//! The smoke pack (`tfw-bench check --smoke URL --backend HOST:PORT --profile nginx`) against
//! nginx as a reverse proxy (tools/peers/nginx-ctl.sh with BACKEND = the checker's backend):
//! every case passes over http:// (HTTP/1.1; the HTTP/2 cases skipped, with the reason) and
//! https:// (HTTP/1.1 and HTTP/2 over TLS), and again with every message in 1-byte segments
//! (-T 1).
//!
//! The runs take turns (a lock): each is one checker thread and one nginx worker, and two at
//! once on a small machine would delay backend answers past nginx's 1 s read timeout. For the
//! same reason the -T 1 runs are `--parallel 1`: with every byte its own send, concurrent
//! 1 MiB transfers delay other cases' answers past that timeout (measured: over https with
//! `--parallel 4`, 4 of 105 cases got nginx's 504; with `--parallel 1` all pass).

mod check_support;
mod common;

use check_support::*;
use common::nginx::Nginx;
use common::Out;
use std::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs the pack through nginx's plain or TLS proxy port, with `extra` flags.
fn smoke(name: &str, tls: bool, extra: &[&str]) -> Out {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let backend = free_addr();
    let nginx = Nginx::start_proxy(name, &backend);
    let url = if tls {
        format!("https://127.0.0.1:{}", nginx.proxy_tls)
    } else {
        format!("http://127.0.0.1:{}", nginx.proxy)
    };
    let mut args = vec!["--smoke", &url, "--backend", &backend, "--profile", "nginx"];
    args.extend_from_slice(extra);
    let out = check(&args);
    if out.code() != Some(0) {
        let log = std::fs::read_to_string(nginx.run.join("error.log")).unwrap_or_default();
        panic!(
            "smoke pack failed\n{}\n--- nginx error.log ---\n{log}",
            out.show()
        );
    }
    out
}

fn assert_all_passed(out: &Out, tls: bool) {
    let (passed, failed, skipped) = summary(out);
    assert_eq!(failed, 0, "{}", out.show());
    assert!(passed >= 40, "only {passed} cases ran\n{}", out.show());
    if tls {
        assert_eq!(skipped, 0, "{}", out.show());
    } else {
        // The HTTP/2 cases: skipped with the reason, each on its line.
        assert!(skipped > 0, "{}", out.show());
        let skips: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| l.starts_with("SKIP"))
            .collect();
        assert_eq!(skips.len(), skipped, "{}", out.show());
        assert!(
            skips.iter().all(|l| l.contains("https://")),
            "{}",
            out.show()
        );
    }
}

#[test]
fn smoke_pack_through_nginx_http() {
    let out = smoke("smoke-http", false, &[]);
    assert_all_passed(&out, false);
}

#[test]
fn smoke_pack_through_nginx_https() {
    let out = smoke("smoke-https", true, &[]);
    assert_all_passed(&out, true);
}

#[test]
fn smoke_pack_through_nginx_http_segmented() {
    let out = smoke(
        "smoke-http-t1",
        false,
        &["-T", "1", "--timeout", "60s", "--parallel", "1"],
    );
    assert_all_passed(&out, false);
}

#[test]
fn smoke_pack_through_nginx_https_segmented() {
    let out = smoke(
        "smoke-https-t1",
        true,
        &["-T", "1", "--timeout", "60s", "--parallel", "1"],
    );
    assert_all_passed(&out, true);
}

/// The same pack with the proxy down: every case fails with a reason, promptly; none hangs.
#[test]
fn smoke_pack_with_the_proxy_down_fails_every_case() {
    let backend = free_addr();
    let url = format!("http://{}", free_addr());
    let out = check(&["--smoke", &url, "--backend", &backend, "--timeout", "2s"]);
    assert_eq!(out.code(), Some(1), "{}", out.show());
    let (passed, failed, _) = summary(&out);
    assert_eq!(passed, 0, "{}", out.show());
    assert!(failed >= 40, "{}", out.show());
    assert!(
        out.stdout.to_lowercase().contains("refused"),
        "{}",
        out.show()
    );
}
