//! The honest-count check: against a real nginx (one worker, stub_status on), the number of
//! responses tfw-bench reports equals the number of requests nginx counted.
//!
//! nginx comes from Debian's package (.ci/run installs it); each test starts its own instance
//! with tools/peers/nginx-ctl.sh on free ports and stops it by its pid file.

mod common;

use common::nginx::Nginx;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stress(args: &[&str], json: &PathBuf) -> serde_json::Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tfw-bench"))
        .arg("stress")
        .args(args)
        .arg("--json")
        .arg(json)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tfw-bench did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "tfw-bench failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap()
}

fn check_counts(name: &str, extra: &[&str]) {
    let nginx = Nginx::start(name);
    let url = format!("http://127.0.0.1:{}/", nginx.http);
    let json = nginx.run.join("out.json");
    let before = nginx.requests();
    let mut args = vec![url.as_str(), "--conns", "50", "--duration", "2s"];
    args.extend_from_slice(extra);
    let r = stress(&args, &json);
    let after = nginx.requests();
    let responses = r["responses"].as_u64().unwrap();
    // `after` counts its own status request.
    let counted = after - before - 1;
    assert!(responses > 0);
    assert_eq!(
        responses, counted,
        "tfw-bench responses vs nginx's request count"
    );
    assert_eq!(
        r["requests"].as_u64().unwrap(),
        responses,
        "every request answered"
    );
    assert_eq!(r["status"]["200"].as_u64().unwrap(), responses);
    for (kind, n) in r["errors"].as_object().unwrap() {
        assert_eq!(n.as_u64().unwrap(), 0, "{kind} errors");
    }
    assert_eq!(r["connections"]["established"].as_u64().unwrap(), 50);
}

#[test]
fn responses_equal_nginx_requests() {
    check_counts("plain", &[]);
}

#[test]
fn responses_equal_nginx_requests_pipelined_epoll() {
    check_counts("pipe", &["--pipeline", "8", "--io", "epoll"]);
}
