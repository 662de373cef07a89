//! `-n/--requests`: a run stops after exactly N responses, and the built-in target counted
//! exactly N requests, whatever the workers, connections, pipelining and I/O path.

mod common;

use common::*;

fn exact(n: u64, extra: &[&str]) {
    let json = tmp_json(&format!("count-{n}-{}", extra.join("")));
    let n_s = n.to_string();
    let mut args = vec![
        "stress",
        "-n",
        n_s.as_str(),
        "-q",
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let v = read_json(&json);
    assert_eq!(count(&v, &["responses"]), n, "{}", out.show());
    assert_eq!(count(&v, &["requests"]), n);
    assert_eq!(count(&v, &["builtin_target", "requests"]), n);
    for kind in ["connect", "read", "write", "timeout", "parse"] {
        assert_eq!(count(&v, &["errors", kind]), 0, "{kind} errors");
    }
}

#[test]
fn exact_count_one_worker() {
    exact(12345, &["-c", "50"]);
}

#[test]
fn exact_count_two_workers_pipelined() {
    exact(12345, &["-c", "50", "-t", "2", "--pipeline", "8"]);
}

#[test]
fn exact_count_epoll_and_plain_uring() {
    exact(5000, &["-c", "20", "--io", "epoll"]);
    exact(5000, &["-c", "20", "--io", "uring-plain"]);
}

#[test]
fn count_below_the_connection_count() {
    exact(7, &["-c", "50"]);
}

#[test]
fn zero_requests_is_refused() {
    let out = run(&["stress", "-n", "0", "-q"]);
    assert_setup_error(&out, "--requests");
}

#[test]
fn stall_options_go_together() {
    let out = run(&["serve", "--stall-after", "1s", "--duration", "1s"]);
    assert_setup_error(&out, "--stall-for");
}
