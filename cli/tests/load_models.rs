//! Load models through the binary: the fixed-rate open loop (`--rate`) with coordinated-omission
//! correction, `--warmup`, `--ramp-up`, and live progress only on a terminal. Every check is of
//! counts and of the logic (corrected against uncorrected), not of how fast anything ran.

mod common;

use common::schema::{run_schema, schema_violations};
use common::*;
use serde_json::Value;

/// A built-in target started on its own (with `serve_args`), pinned to CPU 0.
fn serve(serve_args: &[&str]) -> (Running, String) {
    let mut args = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--announce",
        "--cpus",
        "0",
    ];
    args.extend_from_slice(serve_args);
    let server = spawn(&args);
    let line = server
        .wait_line("listening ")
        .expect("serve announces its address");
    let url = format!("http://{}/", line.trim_start_matches("listening ").trim());
    (server, url)
}

fn stress_json(name: &str, args: &[&str]) -> (Out, Value) {
    let json = tmp_json(name);
    let mut all = vec!["stress", "-q", "--json", json.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let v = read_json(&json);
    let errs = schema_violations(&run_schema(), &v);
    assert!(errs.is_empty(), "schema: {errs:?}");
    (out, v)
}

fn num(v: &Value, path: &[&str]) -> f64 {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    x.as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number in {v}"))
}

fn no_errors(v: &Value) {
    for kind in ["connect", "read", "write", "timeout", "parse"] {
        assert_eq!(count(v, &["errors", kind]), 0, "{kind} errors");
    }
}

/// The stall test: the target stops answering for 1 s in the middle of a 5 s run at
/// 1000 requests/s. Requests due during the stall could not be sent (every connection waits
/// for its answer), so measured from their intended send time they waited up to a second: the
/// corrected p99 is at least 500 ms. Measured from the actual send only the few requests in
/// flight when the stall began waited, so the uncorrected p99 is far below.
#[test]
fn a_stall_shows_in_corrected_latency_not_in_uncorrected() {
    let (_server, url) = serve(&["--stall-after", "2s", "--stall-for", "1s"]);
    let (out, v) = stress_json(
        "stall-rate",
        &[
            &url, "--rate", "1000", "-d", "5s", "-c", "10", "--cpus", "1",
        ],
    );
    no_errors(&v);
    let corrected = num(&v, &["latency_us", "p99"]);
    let uncorrected = num(&v, &["latency_uncorrected_us", "p99"]);
    assert!(
        corrected >= 500_000.0,
        "corrected p99 {corrected}µs\n{}",
        out.stdout
    );
    assert!(
        uncorrected * 4.0 < corrected,
        "uncorrected p99 {uncorrected}µs is not far below corrected {corrected}µs\n{}",
        out.stdout
    );
    // The schedule fell behind during the stall, and the summary says so.
    assert!(count(&v, &["rate", "max_lag_us"]) >= 500_000);
    assert!(out.stdout.contains("uncorrected"), "{}", out.stdout);
}

/// `--rate` with `-n`: exactly N responses, the target counted N requests, and the JSON
/// carries both latencies and the schedule's keeping.
#[test]
fn fixed_rate_with_an_exact_count() {
    let (out, v) = stress_json(
        "rate-count",
        &["--rate", "400", "-n", "600", "-c", "8", "--pipeline", "2"],
    );
    no_errors(&v);
    assert_eq!(count(&v, &["responses"]), 600, "{}", out.stdout);
    assert_eq!(count(&v, &["requests"]), 600);
    assert_eq!(count(&v, &["builtin_target", "requests"]), 600);
    assert_eq!(num(&v, &["rate", "target_rps"]), 400.0);
    assert!(v["latency_uncorrected_us"]["p50"].is_number());
    // Corrected latency counts from no later than the actual send.
    assert!(num(&v, &["latency_us", "max"]) >= num(&v, &["latency_uncorrected_us", "max"]));
    assert!(
        out.stdout.contains("open loop at 400 requests/s"),
        "{}",
        out.stdout
    );
}

/// A rate below the number of workers still sends: 2 requests/s over 2 workers is one request
/// per worker per second, interleaved; -n 4 ends the run after exactly four.
#[test]
fn a_rate_below_the_worker_count() {
    if tfw_allowed_cpus() < 2 {
        eprintln!("skipped: needs 2 CPUs");
        return;
    }
    let (_server, url) = serve(&[]);
    let (_, v) = stress_json(
        "rate-slow",
        &[&url, "--rate", "2", "-n", "4", "-c", "2", "-t", "2"],
    );
    no_errors(&v);
    assert_eq!(count(&v, &["responses"]), 4);
    assert_eq!(v["workers"].as_array().unwrap().len(), 2);
}

/// A closed-loop run has no uncorrected latency or rate section: its latency is from the send.
#[test]
fn closed_loop_has_no_rate_section() {
    let (_, v) = stress_json("closed", &["-n", "200", "-c", "4"]);
    assert!(v.get("rate").is_none());
    assert!(v.get("latency_uncorrected_us").is_none());
    assert_eq!(num(&v, &["warmup_s"]), 0.0);
    for w in v["workers"].as_array().unwrap() {
        assert!(w["busy"].as_f64().unwrap() >= 0.0);
        assert!(w["saturated"].is_boolean());
    }
}

/// `--warmup`: the warmup's load is sent and answered but not counted: -n counts only after
/// it, and the target saw more requests than the run reports.
#[test]
fn warmup_is_not_counted() {
    let (out, v) = stress_json("warmup", &["--warmup", "1s", "-n", "3000", "-c", "10"]);
    no_errors(&v);
    assert_eq!(count(&v, &["responses"]), 3000, "{}", out.stdout);
    assert!(count(&v, &["builtin_target", "requests"]) > 3000);
    assert_eq!(num(&v, &["warmup_s"]), 1.0);
    // The interval series covers only the measured run.
    let sum: u64 = v["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["responses"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 3000);
}

/// `--ramp-up` with `--rate`: the rate grows linearly, so the first second of a 2 s ramp to
/// 1000/s is due a quarter of the requests of a full second.
#[test]
fn rate_ramps_up_linearly() {
    let (_, v) = stress_json(
        "ramp-rate",
        &["--rate", "1000", "--ramp-up", "2s", "-d", "3s", "-c", "10"],
    );
    no_errors(&v);
    let iv = v["intervals"].as_array().unwrap();
    assert!(iv.len() >= 3, "{iv:?}");
    let first = iv[0]["requests"].as_u64().unwrap();
    let third = iv[2]["requests"].as_u64().unwrap();
    assert!(first * 2 < third, "first {first}, third {third}");
}

/// `--ramp-up` in a closed loop opens the connections one after another; all of them end up
/// established and nothing fails.
#[test]
fn connections_ramp_up() {
    let (_, v) = stress_json("ramp-conns", &["--ramp-up", "1s", "-d", "2s", "-c", "40"]);
    no_errors(&v);
    assert_eq!(count(&v, &["connections", "established"]), 40);
    assert!(count(&v, &["responses"]) > 0);
}

#[test]
fn bad_rate_and_durations_are_refused() {
    assert_setup_error(&run(&["stress", "--rate", "0", "-q"]), "--rate");
    assert_setup_error(&run(&["stress", "--rate=-5", "-q"]), "--rate");
    assert_setup_error(&run(&["stress", "--rate", "nan", "-q"]), "--rate");
    assert_setup_error(&run(&["stress", "--warmup", "soon", "-q"]), "--warmup");
    assert_setup_error(&run(&["stress", "--ramp-up", "1x", "-q"]), "--ramp-up");
}

/// Live progress is drawn on a terminal (run under script(1), which gives it a pty) and not
/// when stdout is a pipe or with --quiet.
#[test]
fn progress_only_on_a_terminal() {
    let piped = run(&["stress", "-d", "2s", "-c", "4"]);
    assert_eq!(piped.code(), Some(0), "{}", piped.show());
    assert!(!piped.stderr.contains("req/s"), "{}", piped.stderr);
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped the terminal half: no script(1)");
        return;
    }
    let tty = |extra: &str| {
        let cmd = format!("{} stress -d 2s -c 4 {extra}", bin());
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run script");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let shown = tty("");
    assert!(shown.contains("req/s"), "{shown}");
    assert!(shown.contains("p99"), "{shown}");
    assert!(shown.contains("Requests/sec"), "{shown}");
    let quiet = tty("--quiet");
    assert!(!quiet.contains("req/s"), "{quiet}");
    assert!(quiet.contains("Requests/sec"), "{quiet}");
}

fn tfw_allowed_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
