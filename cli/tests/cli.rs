//! The tfw-bench binary end to end: `stress` against its built-in target (a child process)
//! and against `serve`, the JSON result and its schema, exit codes and SIGINT. Bad input is
//! in `cli_input`.
//!
//! Every process is spawned with a hard time limit (`common::LIMIT`) and killed past it.
//! Assertions are on counts and logic, never on timing.

mod common;

use common::schema::{run_schema, schema_violations};
use common::*;
use serde_json::Value;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Tests that put load on the machine hold this shared; the 10,000-connection test holds it
/// alone, so no other run of this binary competes with its connects for the 2 CPUs.
static LOAD: RwLock<()> = RwLock::new(());

fn load_shared() -> RwLockReadGuard<'static, ()> {
    LOAD.read().unwrap_or_else(|e| e.into_inner())
}

fn load_exclusive() -> RwLockWriteGuard<'static, ()> {
    LOAD.write().unwrap_or_else(|e| e.into_inner())
}

/// Checks for a run that went cleanly against the built-in target, with the JSON it wrote.
fn assert_clean_builtin(out: &Out, v: &Value, conns: u64) {
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(!out.stderr.contains("panicked"), "{}", out.show());
    let violations = schema_violations(&run_schema(), v);
    assert!(violations.is_empty(), "schema violations: {violations:#?}");
    assert_eq!(v["tool"], "tfw-bench");
    assert_eq!(v["interrupted"], false);
    assert_eq!(count(v, &["connections", "requested"]), conns);
    assert_eq!(
        count(v, &["connections", "established"]),
        conns,
        "established"
    );
    for kind in ["connect", "read", "write", "timeout", "parse"] {
        assert_eq!(
            count(v, &["errors", kind]),
            0,
            "{kind} errors\n{}",
            out.show()
        );
    }
    let responses = count(v, &["responses"]);
    assert!(responses > 0, "no responses");
    assert_eq!(count(v, &["requests"]), responses, "requests vs responses");
    assert_eq!(count(v, &["unanswered"]), 0);
    assert_eq!(count(v, &["status", "200"]), responses);
    // The honest count: the built-in target counted exactly what the client did.
    assert_eq!(
        count(v, &["builtin_target", "requests"]),
        responses,
        "honest count"
    );
    assert_eq!(count(v, &["builtin_target", "responses"]), responses);
    // Intervals add up to the totals; workers' connections to the requested ones.
    let intervals = v["intervals"].as_array().unwrap();
    let sum = |k: &str| {
        intervals
            .iter()
            .map(|i| i[k].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(sum("responses"), responses, "interval responses");
    assert_eq!(sum("requests"), responses, "interval requests");
    assert_eq!(sum("errors"), 0);
    assert_eq!(sum("bytes_read"), count(v, &["bytes_read"]));
    let workers = v["workers"].as_array().unwrap();
    let wconns: u64 = workers.iter().map(|w| w["conns"].as_u64().unwrap()).sum();
    assert_eq!(wconns, conns);
    // The text summary says the same as the JSON.
    assert!(
        out.stdout
            .contains(&format!("{responses} requests, {responses} responses")),
        "{}",
        out.show()
    );
    assert!(
        out.stdout.contains(&format!(
            "Built-in target counted {responses} requests, {responses} responses"
        )),
        "{}",
        out.show()
    );
}

fn stress_builtin(io: Option<&str>, backend: &str, multishot: bool) {
    let _load = load_shared();
    let json = tmp_json("builtin");
    let js = json.to_str().unwrap();
    let mut args = vec!["stress", "-d", "2s", "-c", "50", "--json", js, "-q"];
    if let Some(io) = io {
        args.extend(["--io", io]);
    }
    let out = run(&args);
    let v = read_json(&json);
    assert_clean_builtin(&out, &v, 50);
    assert_eq!(v["io"]["backend"], backend, "{}", v["io"]);
    assert_eq!(v["io"]["multishot_recv"], multishot, "{}", v["io"]);
    let _ = std::fs::remove_file(json);
}

#[test]
fn stress_builtin_auto() {
    stress_builtin(None, "io_uring", true);
}

#[test]
fn stress_builtin_epoll() {
    stress_builtin(Some("epoll"), "epoll", false);
}

#[test]
fn stress_builtin_uring_plain() {
    stress_builtin(Some("uring-plain"), "io_uring", false);
}

/// The headline: 10,000 connections all established, none failing.
#[test]
fn stress_10000_connections() {
    let _load = load_exclusive();
    let json = tmp_json("10k");
    let out = run(&[
        "stress",
        "--conns",
        "10000",
        "--duration",
        "3s",
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    let v = read_json(&json);
    assert_clean_builtin(&out, &v, 10_000);
    assert_eq!(
        count(&v, &["connections", "connects"]),
        10_000,
        "reconnects"
    );
    // The preflight probe is one more connection at the target.
    assert!(count(&v, &["builtin_target", "connections"]) > 10_000);
    let _ = std::fs::remove_file(json);
}

/// `serve` as its own process, `stress` against its URL with a POST body from a file,
/// pipelining and headers; the two processes' counts agree. SIGINT ends `serve` cleanly.
#[test]
fn stress_against_serve() {
    let _load = load_shared();
    let allowed = tfw_engine::cpu::allowed_cpus();
    let server_cpu = allowed[0].to_string();
    let srv = spawn(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--cpus",
        &server_cpu,
        "--status",
        "404",
        "--body-size",
        "100",
        "-H",
        "X-Test: yes",
    ]);
    let line = srv
        .wait_line("tfw-bench serve: listening on ")
        .expect("serve did not say where it listens");
    let addr = line
        .trim_start_matches("tfw-bench serve: listening on ")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let body = tmp_file("body.json", br#"{"hello": "world", "n": [1, 2, 3]}"#);
    let json = tmp_json("serve");
    let out = run(&[
        "stress",
        &format!("http://{addr}/some/path?q=1"),
        "-d",
        "1s",
        "-c",
        "8",
        "--pipeline",
        "4",
        "--method",
        "POST",
        "--body",
        &format!("@{}", body.display()),
        "-H",
        "X-Req: 1",
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    kill("-INT", &srv.child.id().to_string());
    let served = srv.finish();
    assert_eq!(
        served.code(),
        Some(0),
        "serve after SIGINT\n{}",
        served.show()
    );

    let v = read_json(&json);
    let violations = schema_violations(&run_schema(), &v);
    assert!(violations.is_empty(), "schema violations: {violations:#?}");
    assert!(
        v.get("builtin_target").is_none(),
        "no built-in target was started"
    );
    let responses = count(&v, &["responses"]);
    assert!(responses > 0);
    assert_eq!(count(&v, &["requests"]), responses);
    assert_eq!(count(&v, &["status", "404"]), responses);
    assert_eq!(count(&v, &["pipeline"]), 4);
    assert_eq!(count(&v, &["connections", "established"]), 8);
    for kind in ["connect", "read", "write", "timeout", "parse"] {
        assert_eq!(count(&v, &["errors", kind]), 0, "{kind} errors");
    }
    let want = tfw_engine::proto::h1::build_response(
        404,
        &[("X-Test".to_string(), "yes".to_string())],
        &[b'x'; 100],
        false,
    );
    assert_eq!(count(&v, &["bytes_read"]), responses * want.len() as u64);
    let wanted = format!("served requests={responses} responses={responses} ");
    assert!(
        served.stdout.contains(&wanted),
        "serve's count differs from the client's ({wanted:?})\n{}",
        served.show()
    );
    assert!(
        served.stdout.contains("parse_errors=0"),
        "{}",
        served.show()
    );
    let _ = std::fs::remove_file(json);
    let _ = std::fs::remove_file(body);
}

/// Connections spread over a range of loopback source addresses.
#[test]
fn stress_source_address_range() {
    let _load = load_shared();
    let json = tmp_json("source-addrs");
    let out = run(&[
        "stress",
        "-d",
        "1s",
        "-c",
        "20",
        "--source-addrs",
        "127.0.0.2-127.0.0.3",
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    let v = read_json(&json);
    assert_clean_builtin(&out, &v, 20);
    let _ = std::fs::remove_file(json);
}

/// Fewer connections than worker threads: the extra workers are not started.
#[test]
fn stress_fewer_conns_than_threads() {
    let _load = load_shared();
    let json = tmp_json("one-conn");
    let out = run(&[
        "stress",
        "-d",
        "1s",
        "-c",
        "1",
        "-t",
        "2",
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    let v = read_json(&json);
    assert_clean_builtin(&out, &v, 1);
    assert_eq!(v["workers"].as_array().unwrap().len(), 1);
    let _ = std::fs::remove_file(json);
}

/// `serve --duration` ends by itself and reports what it counted.
#[test]
fn serve_duration_ends() {
    let out = run(&["serve", "--listen", "127.0.0.1:0", "--duration", "1s"]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(
        out.stdout
            .contains("tfw-bench serve: listening on 127.0.0.1:"),
        "{}",
        out.show()
    );
    assert!(
        out.stdout
            .contains("served requests=0 responses=0 connections=0 parse_errors=0"),
        "{}",
        out.show()
    );
}

/// A JSON path that cannot be written: one error line, exit 2 (after the run).
#[test]
fn json_path_not_writable() {
    let _load = load_shared();
    let out = run(&[
        "stress",
        "-d",
        "1s",
        "-c",
        "2",
        "--json",
        "/nonexistent-dir/x.json",
        "-q",
    ]);
    assert_setup_error(&out, "/nonexistent-dir/x.json");
}

// --- Exit codes of runs that happen. ---

/// Errors are results: without --fail-on-errors the run exits 0 even when all failed; with
/// it, 1.
#[test]
fn fail_on_errors() {
    let _load = load_shared();
    let srv = FaultServer::answering(b"HTTP/1.1 abc\r\n\r\n");
    let url = format!("http://{}/", srv.addr);
    let json = tmp_json("fail-on-errors");
    let js = json.to_str().unwrap();

    let out = run(&["stress", &url, "-d", "1s", "-c", "2", "--json", js, "-q"]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let v = read_json(&json);
    assert!(count(&v, &["errors", "parse"]) > 0, "{}", v["errors"]);
    assert_eq!(count(&v, &["responses"]), 0);
    let violations = schema_violations(&run_schema(), &v);
    assert!(violations.is_empty(), "schema violations: {violations:#?}");

    let out = run(&[
        "stress",
        &url,
        "-d",
        "1s",
        "-c",
        "2",
        "--fail-on-errors",
        "-q",
    ]);
    assert_eq!(out.code(), Some(1), "{}", out.show());
    assert!(!out.stderr.contains("panicked"), "{}", out.show());
    let _ = std::fs::remove_file(json);
}

/// --fail-on-errors against a clean target: 0.
#[test]
fn fail_on_errors_clean_run() {
    let _load = load_shared();
    let srv = FaultServer::answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let url = format!("http://{}/", srv.addr);
    let out = run(&[
        "stress",
        &url,
        "-d",
        "1s",
        "-c",
        "2",
        "--fail-on-errors",
        "-q",
    ]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
}

/// SIGINT in the middle of a 10 s run (once all its connections are established): the run
/// drains, writes its JSON marked interrupted, and exits 130; the counts are still honest.
/// With `whole_group` the signal goes to the process group, as Ctrl-C at a terminal does, so
/// the built-in target child gets it too.
fn sigint(whole_group: bool) {
    interrupt("-INT", whole_group)
}

fn interrupt(signal: &str, whole_group: bool) {
    let _load = load_shared();
    let json = tmp_json("sigint");
    let mut cmd = std::process::Command::new(bin());
    cmd.args(["stress", "-d", "10s", "-c", "50", "--json"])
        .arg(&json)
        .arg("-q");
    if whole_group {
        // Like Ctrl-C at a terminal: the signal reaches the built-in target child too.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    }
    let mut r = spawn_with(&mut cmd);
    r.wait_line("Running ").expect("the run did not start");
    wait_established(&mut r.child, 50);
    let pid = r.child.id().to_string();
    if whole_group {
        kill(signal, &format!("-{pid}"));
    } else {
        kill(signal, &pid);
    }
    let out = r.finish();
    assert_eq!(out.code(), Some(130), "{}", out.show());
    assert!(!out.stderr.contains("panicked"), "{}", out.show());
    assert!(json.exists(), "no JSON written\n{}", out.show());
    let v = read_json(&json);
    assert_eq!(v["interrupted"], true);
    let violations = schema_violations(&run_schema(), &v);
    assert!(violations.is_empty(), "schema violations: {violations:#?}");
    let responses = count(&v, &["responses"]);
    let requests = count(&v, &["requests"]);
    let unanswered = count(&v, &["unanswered"]);
    let errors = errors_total(&v);
    let show = format!(
        "{}\n{}",
        serde_json::to_string_pretty(&v).unwrap(),
        out.show()
    );
    // Every request sent was answered, is still owed, or went down with its connection (one
    // per error at most with pipeline 1).
    assert!(requests >= responses + unanswered, "{show}");
    assert!(requests <= responses + unanswered + errors, "{show}");
    if !whole_group {
        // The target outlived the client's drain: nothing went wrong, and the counts are honest.
        assert_eq!(errors, 0, "{show}");
        let served = count(&v, &["builtin_target", "requests"]);
        assert!(served >= responses && served <= requests, "{show}");
        if unanswered == 0 {
            assert_eq!(served, responses, "honest count\n{show}");
        }
    }
    assert!(out.stdout.contains("INTERRUPTED"), "{}", out.show());
    let _ = std::fs::remove_file(json);
}

#[test]
fn sigint_mid_run() {
    sigint(false);
}

#[test]
fn sigint_to_process_group() {
    sigint(true);
}

/// SIGTERM is handled like SIGINT.
#[test]
fn sigterm_mid_run() {
    interrupt("-TERM", false);
}

/// A second SIGINT ends a run at once, without its drain, and the exit status is still 130
/// (interrupted), not the 2 of a setup error.
#[test]
fn second_sigint_exits_130() {
    let _load = load_shared();
    let json = tmp_json("sigint2");
    let mut cmd = std::process::Command::new(bin());
    cmd.args(["stress", "-d", "10s", "-c", "50", "-q", "--json"])
        .arg(&json);
    let mut r = spawn_with(&mut cmd);
    r.wait_line("Running ").expect("the run did not start");
    wait_established(&mut r.child, 50);
    let pid = r.child.id().to_string();
    kill("-INT", &pid);
    kill("-INT", &pid);
    let out = r.finish();
    assert_eq!(out.code(), Some(130), "{}", out.show());
    assert!(!out.stderr.contains("panicked"), "{}", out.show());
    assert!(!out.stderr.contains("error:"), "{}", out.show());
    let _ = std::fs::remove_file(json);
}

/// The checker itself: it must see what is wrong with a document.
#[test]
fn schema_checker_catches_violations() {
    let schema = run_schema();
    let mut v: Value = serde_json::json!({ "tool": "tfw-bench" });
    let errs = schema_violations(&schema, &v);
    assert!(
        errs.iter().any(|e| e.contains("\"responses\" missing")),
        "{errs:?}"
    );
    v["tool"] = "wrk".into();
    v["responses"] = Value::from(-1);
    v["status"] = serde_json::json!({ "abcd": 1 });
    let errs = schema_violations(&schema, &v);
    assert!(errs.iter().any(|e| e.contains("const")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("$.responses")), "{errs:?}");
    assert!(errs.iter().any(|e| e.contains("\"abcd\"")), "{errs:?}");
}
