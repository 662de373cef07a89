//! `tfw-bench check` end to end without a proxy in front: the checker's client talks to the
//! checker's own backend (the `generic` profile holds for nothing in between). A deliberately
//! wrong expectation fails with a diff that shows both sides; a bad file exits 2 with one line
//! naming file, line and key; bad flags exit 2; a refused port fails the case with its
//! reason (no hang); Ctrl-C prints the results so far.

mod check_support;
mod common;

use check_support::*;
use common::*;
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn direct_file(addr: &str, cases: &str) -> String {
    format!(
        "[defaults]\ntimeout = \"3s\"\n\n[backends.origin]\nlisten = \"{addr}\"\n\n\
         [clients.direct]\nconnect = \"{addr}\"\n\n{cases}"
    )
}

const DIFF_CASES: &str = r#"
[[case]]
name = "right"

[[case.step]]
respond = { status = 200, body = "hello world" }

[[case.step]]
send = { target = "/right" }

[[case.step]]
expect = "forwarded"

[[case.step]]
expect = "response"
status = 200
body = "hello world"

[[case]]
name = "wrong"

[[case.step]]
respond = { status = 200, headers = [["x-color", "green"]], body = "hello world" }

[[case.step]]
send = { target = "/wrong" }

[[case.step]]
expect = "response"
status = 201
headers = { "x-color" = "blue" }
body = "hello there"
"#;

#[test]
fn wrong_expectation_fails_with_a_diff() {
    let addr = free_addr();
    let file = check_file("diff", &direct_file(&addr, DIFF_CASES));
    let out = check(&["-v", file.to_str().unwrap()]);
    assert_eq!(out.code(), Some(1), "{}", out.show());
    assert_eq!(summary(&out), (1, 1, 0), "{}", out.show());
    let so = &out.stdout;
    assert!(so.contains("PASS diff.right"), "{}", out.show());
    assert!(so.contains("FAIL diff.wrong"), "{}", out.show());
    // The report after the FAIL line names each failed check with both sides.
    let report = &so[so.find("FAIL diff.wrong").unwrap()..];
    for want in [
        "201",
        "200",
        "x-color",
        "blue",
        "green",
        "hello there",
        "hello world",
    ] {
        assert!(
            report.contains(want),
            "report lacks {want:?}\n{}",
            out.show()
        );
    }
    // The exchange that led there: the request the client sent.
    assert!(report.contains("/wrong"), "{}", out.show());
    // Without -v a passed case prints nothing of its own.
    let quiet = check(&[file.to_str().unwrap()]);
    assert_eq!(quiet.code(), Some(1), "{}", quiet.show());
    assert!(!quiet.stdout.contains("PASS"), "{}", quiet.show());
    assert!(quiet.stdout.contains("FAIL diff.wrong"), "{}", quiet.show());
}

#[test]
fn all_passed_exits_0() {
    let addr = free_addr();
    let file = check_file(
        "pass",
        &direct_file(
            &addr,
            &DIFF_CASES[..DIFF_CASES.find("[[case]]\nname = \"wrong\"").unwrap()],
        ),
    );
    let out = check(&[file.to_str().unwrap()]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(summary(&out), (1, 0, 0), "{}", out.show());
}

/// One bad line in an otherwise good file: exit 2 before anything runs, one line naming the
/// file, the line and the key.
#[test]
fn bad_file_exits_2_with_file_line_and_key() {
    let addr = free_addr();
    let good = direct_file(
        &addr,
        &DIFF_CASES[..DIFF_CASES.find("[[case]]\nname = \"wrong\"").unwrap()],
    );
    // (what to put at the end of the last step, the key the error names)
    let bad: [(&str, &str); 4] = [
        ("colour = \"red\"\n", "colour"),
        ("body_size = \"big\"\n", "body_size"),
        ("headers = { \"x-a\" = { matches = \"([\" } }\n", "matches"),
        ("headers = { \"x-a\" = \"${nope}\" }\n", "x-a"),
    ];
    for (i, (line, key)) in bad.iter().enumerate() {
        let text = format!("{good}{line}");
        let lineno = text.lines().count();
        let file = check_file(&format!("bad{i}"), &text);
        let out = check(&[file.to_str().unwrap()]);
        let want = format!("bad{i}.toml:{lineno}");
        assert_setup_error(&out, &want);
        assert!(
            out.stderr.contains(key),
            "key {key:?} not named\n{}",
            out.show()
        );
        assert!(!out.stdout.contains("passed"), "cases ran\n{}", out.show());
    }
    let missing = check(&["/nonexistent/checks.toml"]);
    assert_setup_error(&missing, "/nonexistent/checks.toml");
}

#[test]
fn bad_flags_exit_2() {
    assert_usage_error(&check(&[]), "FILE|DIR");
    assert_usage_error(&check(&["--smoke", "http://127.0.0.1:1"]), "--backend");
    // (clap does not enforce `requires` next to a positional: the plan does)
    assert_setup_error(&check(&["--backend", "127.0.0.1:1", "x.toml"]), "--smoke");
    assert_usage_error(
        &check(&["--segment-gap", "1ms", "x.toml"]),
        "--segment-size",
    );
    assert_usage_error(&check(&["--profile", "apache", "x.toml"]), "apache");
    let addr = free_addr();
    let file = check_file(
        "flags",
        &direct_file(
            &addr,
            &DIFF_CASES[..DIFF_CASES.find("[[case]]\nname = \"wrong\"").unwrap()],
        ),
    );
    let f = file.to_str().unwrap();
    assert_setup_error(&check(&["--parallel", "0", f]), "--parallel");
    assert_setup_error(&check(&["--timeout", "0s", f]), "--timeout");
    assert_setup_error(&check(&["--timeout", "soon", f]), "--timeout");
    assert_setup_error(&check(&["-T", "99999999", f]), "--segment-size");
    assert_setup_error(&check(&["--cpu", "100000", f]), "--cpu");
    assert_setup_error(
        &check(&["--smoke", "ftp://127.0.0.1:1", "--backend", "127.0.0.1:2"]),
        "--smoke",
    );
    assert_setup_error(
        &check(&["--smoke", "http://127.0.0.1:1", "--backend", "nowhere"]),
        "--backend",
    );
}

/// Nothing listens where the client connects: every case fails with the reason, promptly.
#[test]
fn refused_port_fails_cases_with_a_reason() {
    let addr = free_addr();
    let refused = free_addr();
    let text = format!(
        "[defaults]\ntimeout = \"3s\"\n\n[backends.origin]\nlisten = \"{addr}\"\n\n\
         [clients.proxy]\nconnect = \"{refused}\"\n{}",
        DIFF_CASES
    );
    let file = check_file("refused", &text);
    let out = check(&[file.to_str().unwrap()]);
    assert_eq!(out.code(), Some(1), "{}", out.show());
    assert_eq!(summary(&out), (0, 2, 0), "{}", out.show());
    assert!(
        out.stdout.to_lowercase().contains("refused"),
        "no reason given\n{}",
        out.show()
    );
}

/// Ctrl-C: the case running ends as failed (interrupted), what passed is reported, the summary
/// is printed, exit 130.
#[test]
fn interrupt_prints_results_so_far() {
    let addr = free_addr();
    let cases = format!(
        "{}\n[[case]]\nname = \"slow\"\ntimeout = \"100s\"\n\n[[case.step]]\nsleep = \"90s\"\n",
        &DIFF_CASES[..DIFF_CASES.find("[[case]]\nname = \"wrong\"").unwrap()]
    );
    let file = check_file("interrupt", &direct_file(&addr, &cases));
    let run = spawn(&["check", "-v", file.to_str().unwrap()]);
    assert!(
        run.wait_line("PASS interrupt.right").is_some(),
        "no PASS line"
    );
    // The checker is in its run (its backend listens): interrupt it.
    let end = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(&addr).is_err() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    kill("-INT", &run.child.id().to_string());
    let out = finish_within(run, Duration::from_secs(30));
    assert_eq!(out.code(), Some(130), "{}", out.show());
    assert_eq!(summary(&out), (1, 1, 0), "{}", out.show());
    assert!(out.stdout.contains("FAIL interrupt.slow"), "{}", out.show());
    assert!(out.stdout.contains("interrupted"), "{}", out.show());
}
