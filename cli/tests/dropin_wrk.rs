//! `tfw-bench wrk` against the real wrk (/usr/bin/wrk, Debian's 4.1.0), nginx and the
//! built-in target: the same usage, messages and exit statuses for bad command lines; output
//! that tempesta-test's Wrk client (framework/services/wrk_client.py, commit
//! a646d14218f6097b172f339beb083909a5442d84, its regular expressions applied by Python as
//! there: see dropin_wrk_support) reads the same kind of figures from as from the real wrk run
//! against the same nginx in the same test; the request wrk sends; the README's example
//! (github:wg/wrk README.md, commit a211dd5a7050b1f9e8a9870b95513060e72ac4a0, shortened to 1
//! s); the `wrk` link; `--tfw-json`. Scripts (`-s`) are in dropin_wrk_lua.rs.
//!
//! No figure is compared across tools or against a threshold: both runs answer, both print
//! the lines, the counts agree with what the server saw.

mod common;
mod dropin_wrk_support;

use common::nginx::Nginx;
use common::{closed_port, read_json, serve, tmp_json};
use dropin_wrk_support::{head_lines, real, tempesta_parse, tfw, HeadServer};
use serde_json::Value;

#[test]
fn usage_messages_and_exit_statuses_are_wrks() {
    let closed = format!("http://127.0.0.1:{}/", closed_port());
    let lines: Vec<Vec<String>> = [
        "",
        "-x http://127.0.0.1/",
        "-h",
        "--help",
        "--nope http://127.0.0.1/",
        "-c",
        "-c abc http://127.0.0.1/",
        "-t 0 http://127.0.0.1/",
        "-d 0 http://127.0.0.1/",
        "-d 1ms http://127.0.0.1/",
        "-c 1 -t 2 http://127.0.0.1/",
        "--connections=5 -t 6 http://127.0.0.1/",
        "-d1s http://",
        "-d1s localhost:80",
        "--latency=1 http://127.0.0.1/",
    ]
    .iter()
    .map(|l| l.split_whitespace().map(str::to_string).collect())
    .chain([vec![
        "-d1".to_string(),
        "-t1".into(),
        "-c1".into(),
        closed.clone(),
    ]])
    .collect();
    for args in lines {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (want, got) = (real(&args), tfw(&args));
        let ctx = format!(
            "wrk {args:?}\nwrk:\n{}\ntfw-bench:\n{}",
            want.show(),
            got.show()
        );
        assert_eq!(got.code(), want.code(), "{ctx}");
        assert_eq!(got.stdout, want.stdout, "{ctx}");
        assert_eq!(got.stderr, want.stderr, "{ctx}");
        assert_eq!(got.code(), Some(1), "{ctx}");
    }
}

#[test]
fn version_prints_then_the_usage() {
    let (want, got) = (real(&["-v"]), tfw(&["-v"]));
    assert_eq!(got.code(), want.code(), "{}", got.show());
    for out in [&want, &got] {
        let first = out.stdout.lines().next().unwrap_or_default();
        assert!(first.starts_with("wrk ") && first.ends_with("Copyright (C) 2012 Will Glozer"));
        assert!(
            out.stdout.contains("Usage: wrk <options> <url>"),
            "{}",
            out.show()
        );
    }
}

#[test]
fn what_wrk_takes_and_tfw_bench_cannot_is_refused_by_name() {
    for (args, name) in [
        (&["-d1", "ftp://127.0.0.1/"][..], "ftp://"),
        (
            &["-d1", "--timeout", "0", "http://127.0.0.1/"][..],
            "--timeout 0",
        ),
    ] {
        let out = tfw(args);
        assert_eq!(out.code(), Some(1), "{}", out.show());
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.show());
        assert!(out.stderr.contains(name), "{}", out.show());
        assert!(out.stdout.is_empty(), "{}", out.show());
    }
}

/// tempesta-test's command shape (BaseClient.set_user_agent, then Wrk.form_command): `-H
/// 'User-Agent: ...' -d D -t T -c C --timeout T URL`.
fn tempesta_args(url: &str) -> Vec<String> {
    [
        "-H",
        "User-Agent: tempesta-test",
        "-d",
        "1",
        "-t",
        "2",
        "-c",
        "4",
        "--timeout",
        "60",
        url,
    ]
    .map(str::to_string)
    .to_vec()
}

fn both(args: &[String]) -> [(String, Value); 2] {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (w, t) = (real(&args), tfw(&args));
    [("wrk", w), ("tfw-bench wrk", t)].map(|(name, out)| {
        assert_eq!(out.code(), Some(0), "{name}\n{}", out.show());
        let parsed = tempesta_parse(&out.stdout);
        (format!("{name}\n{}", out.show()), parsed)
    })
}

#[test]
fn tempesta_tests_parser_reads_the_same_figures_from_both() {
    let nginx = Nginx::start("dropin-wrk-parse");
    let ok = format!("http://127.0.0.1:{}/", nginx.http);
    let missing = format!("http://127.0.0.1:{}/no-such-file", nginx.http);
    for (ctx, p) in both(&tempesta_args(&ok)) {
        assert!(p["requests"].as_u64().unwrap_or(0) > 0, "{ctx}\n{p}");
        assert!(p["rate"].as_u64().is_some(), "{ctx}\n{p}");
        assert!(
            p["errors"].is_null(),
            "all 200: no Non-2xx line\n{ctx}\n{p}"
        );
        assert!(p["socket_errors"].is_null(), "{ctx}\n{p}");
        assert_eq!(p["statuses"], serde_json::json!({}), "{ctx}");
    }
    for (ctx, p) in both(&tempesta_args(&missing)) {
        let requests = p["requests"].as_u64().unwrap_or(0);
        assert!(requests > 0, "{ctx}\n{p}");
        // Every response is a 404: the Non-2xx count is the request count.
        assert_eq!(p["errors"].as_u64(), Some(requests), "{ctx}\n{p}");
        assert!(p["rate"].as_u64().is_some(), "{ctx}\n{p}");
    }
}

#[test]
fn refused_connections_read_by_tempesta_tests_parser() {
    // wrk gives up before the run when the first connect fails: nothing for the parser.
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let args = tempesta_args(&url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    for out in [real(&args), tfw(&args)] {
        assert_eq!(out.code(), Some(1), "{}", out.show());
        assert!(
            out.stderr.starts_with("unable to connect to 127.0.0.1:"),
            "{}",
            out.show()
        );
        let p = tempesta_parse(&out.stdout);
        assert!(p["requests"].is_null() && p["rate"].is_null(), "{p}");
    }
}

#[test]
fn the_request_is_the_one_wrk_sends() {
    let server = HeadServer::start();
    let url = format!("http://{}/path?q=1", server.addr);
    let args = [
        "-d",
        "1",
        "-t",
        "1",
        "-c",
        "1",
        "-H",
        "User-Agent: x",
        "-H",
        "X-A: 1",
        &url,
    ];
    let want = real(&args);
    assert_eq!(want.code(), Some(0), "{}", want.show());
    let heads = server.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let got = tfw(&args);
    assert_eq!(got.code(), Some(0), "{}", got.show());
    let all = server.heads();
    assert_eq!(all.len(), 2, "one connection each: {all:?}");
    assert_eq!(head_lines(&all[1]), head_lines(&heads[0]), "{all:?}");
    // -H Host replaces the default one.
    let args = [
        "-d",
        "1",
        "-t",
        "1",
        "-c",
        "1",
        "-H",
        "Host: example.com",
        &url,
    ];
    let (w, t) = (real(&args), tfw(&args));
    assert_eq!(
        (w.code(), t.code()),
        (Some(0), Some(0)),
        "{}\n{}",
        w.show(),
        t.show()
    );
    let all = server.heads();
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(head_lines(&all[3]), head_lines(&all[2]));
    assert!(all[3].contains("\r\nHost: example.com\r\n"), "{}", all[3]);
}

/// The figure of `(\d+) requests in ` in `out`.
fn requests_in(out: &str) -> u64 {
    tempesta_parse(out)["requests"]
        .as_u64()
        .unwrap_or_else(|| panic!("no request count in\n{out}"))
}

#[test]
fn readme_example_runs() {
    // `wrk -t12 -c400 -d30s http://127.0.0.1:8080/index.html`, for 1 s: more threads than
    // this machine's CPUs share them.
    let (srv, addr) = serve(&[]);
    let url = format!("http://{addr}/index.html");
    let out = tfw(&["-t12", "-c400", "-d1s", &url]);
    drop(srv);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out
        .stdout
        .starts_with(&format!("Running 1s test @ {url}\n  12 threads and 400 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency ")));
    assert!(requests_in(&out.stdout) > 0, "{}", out.show());
    assert!(out.stdout.contains("\nRequests/sec: "), "{}", out.show());
    assert!(out.stdout.contains("\nTransfer/sec: "), "{}", out.show());
}

#[test]
fn latency_distribution_and_json_agree_with_the_text() {
    let (srv, addr) = serve(&[]);
    let url = format!("http://{addr}/");
    let json = tmp_json("dropin-wrk");
    let out = tfw(&[
        "--latency",
        "-d",
        "1",
        "-t",
        "1",
        "-c",
        "2",
        &url,
        "--tfw-json",
        json.to_str().unwrap(),
    ]);
    drop(srv);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let dist: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| *l != "  Latency Distribution")
        .skip(1)
        .take(4)
        .collect();
    let want = ["     50%", "     75%", "     90%", "     99%"];
    assert_eq!(dist.len(), 4, "{}", out.show());
    for (line, p) in dist.iter().zip(want) {
        assert!(line.starts_with(p) && line.len() == 18, "{line:?}");
    }
    let doc = read_json(&json);
    assert_eq!(doc["responses"].as_u64(), Some(requests_in(&out.stdout)));
    assert_eq!(doc["settings"]["personality"], "wrk");
}

#[test]
fn json_by_environment() {
    let (srv, addr) = serve(&[]);
    let json = tmp_json("dropin-wrk-env");
    let out = common::spawn_with(
        std::process::Command::new(common::bin())
            .args(["wrk", "-d1", "-t1", "-c1", &format!("http://{addr}/")])
            .env("TFW_BENCH_JSON", &json),
    )
    .finish();
    drop(srv);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(
        read_json(&json)["responses"].as_u64(),
        Some(requests_in(&out.stdout))
    );
}

#[test]
fn https_runs_like_wrk() {
    let nginx = Nginx::start("dropin-wrk-tls");
    let url = format!("https://127.0.0.1:{}/", nginx.tls);
    let args = ["-d", "1", "-t", "1", "-c", "2", &url];
    for out in [real(&args), tfw(&args)] {
        assert_eq!(out.code(), Some(0), "{}", out.show());
        assert!(requests_in(&out.stdout) > 0, "{}", out.show());
        assert!(!out.stdout.contains("Socket errors"), "{}", out.show());
    }
}

#[test]
fn a_link_named_wrk_is_the_personality() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dropin-wrk-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let made = common::run(&["links", dir.to_str().unwrap()]);
    assert_eq!(made.code(), Some(0), "{}", made.show());
    let wrk = dir.join("wrk");
    let usage = common::spawn_with(&mut std::process::Command::new(&wrk)).finish();
    assert_eq!(usage.code(), Some(1), "{}", usage.show());
    assert_eq!(usage.stdout, real(&[]).stdout);
    let (srv, addr) = serve(&[]);
    let out = common::spawn_with(std::process::Command::new(&wrk).args([
        "-d1",
        "-t1",
        "-c1",
        &format!("http://{addr}/"),
    ]))
    .finish();
    drop(srv);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(requests_in(&out.stdout) > 0, "{}", out.show());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_interrupted_run_reports_and_exits_0_as_wrk_does() {
    let (srv, addr) = serve(&[]);
    let run = common::spawn(&[
        "wrk",
        "-d",
        "30",
        "-t",
        "1",
        "-c",
        "2",
        &format!("http://{addr}/"),
    ]);
    assert!(run.wait_line("  1 threads and 2 connections").is_some());
    std::thread::sleep(std::time::Duration::from_millis(300));
    common::kill("-INT", &run.child.id().to_string());
    let out = run.finish();
    drop(srv);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out.stdout.contains("\nRequests/sec: "), "{}", out.show());
}

#[test]
fn connections_are_split_evenly_over_threads_as_wrk_does() {
    // wrk gives each thread -c / -t connections: 3 threads and 10 connections open 9.
    let (srv, addr) = serve(&[]);
    let json = tmp_json("dropin-wrk-split");
    let out = tfw(&[
        "-d1",
        "-t3",
        "-c10",
        "--tfw-json",
        json.to_str().unwrap(),
        &format!("http://{addr}/"),
    ]);
    drop(srv);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(
        out.stdout.contains("\n  3 threads and 10 connections\n"),
        "{}",
        out.show()
    );
    let doc = read_json(&json);
    assert_eq!(doc["connections"]["requested"].as_u64(), Some(9), "{doc}");
    assert_eq!(doc["connections"]["established"].as_u64(), Some(9), "{doc}");
}
