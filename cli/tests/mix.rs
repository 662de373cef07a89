//! Request files (`stress --mix FILE`) against the built-in target, which records every request
//! it receives (`serve --record`): the shares, orders, sequences and cookie replay the file
//! asks for are what arrives. Counts only; nothing depends on timing.

mod common;

use common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios/examples")
        .join(name)
}

/// Runs `stress --mix FILE -n N` against a recording built-in target (with `serve_args`) and
/// returns the stress JSON and the recorded requests.
fn run_mix(file: &Path, n: u64, args: &[&str], serve_args: &[&str]) -> (Value, Vec<Value>) {
    let record = tmp_json("mix-record");
    let mut sargs = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--announce",
        "--cpus",
        "0",
        "--record",
        record.to_str().unwrap(),
    ];
    sargs.extend_from_slice(serve_args);
    let server = spawn(&sargs);
    let line = server.wait_line("listening ").expect("serve announces");
    let url = format!("http://{}/", line.trim_start_matches("listening ").trim());
    let json = tmp_json("mix-run");
    let n_s = n.to_string();
    let mut all = vec![
        "stress",
        url.as_str(),
        "--mix",
        file.to_str().unwrap(),
        "-n",
        n_s.as_str(),
        "-q",
        "--json",
        json.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    // SIGTERM: serve stops and flushes its record.
    kill("-TERM", &server.child.id().to_string());
    let sout = server.finish();
    assert_eq!(sout.code(), Some(0), "{}", sout.show());
    let v = read_json(&json);
    for kind in ["connect", "read", "write", "timeout", "parse"] {
        assert_eq!(
            count(&v, &["errors", kind]),
            0,
            "{kind} errors\n{}",
            out.stdout
        );
    }
    assert_eq!(count(&v, &["responses"]), n);
    let text = std::fs::read_to_string(&record).expect("record file");
    let recs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("record line is JSON"))
        .collect();
    (v, recs)
}

fn tally(recs: &[Value], key: impl Fn(&Value) -> String) -> HashMap<String, u64> {
    let mut m = HashMap::new();
    for r in recs {
        *m.entry(key(r)).or_insert(0) += 1;
    }
    m
}

/// Round-robin over the seven methods of Tempesta's mixed-method script: each method exactly
/// 1/7 of the requests (HEAD answered without a body, DELETE closing its connection).
#[test]
fn round_robin_mixed_methods() {
    let (v, recs) = run_mix(&example("mixed-methods.toml"), 700, &["-c", "7"], &[]);
    assert_eq!(recs.len(), 700);
    assert_eq!(count(&v, &["requests"]), 700);
    let by_method = tally(&recs, |r| r["method"].as_str().unwrap().to_string());
    for m in ["OPTIONS", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] {
        assert_eq!(by_method.get(m), Some(&100), "{m}: {by_method:?}");
    }
    assert!(recs
        .iter()
        .any(|r| r["method"] == "OPTIONS" && r["path"] == "*"));
    let patch = recs.iter().find(|r| r["method"] == "PATCH").unwrap();
    assert_eq!(patch["body_len"], 29);
}

/// Weights 3:1 give exactly three of one for each of the other, on every worker.
#[test]
fn weighted_shares_are_exact() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("weighted-{}.toml", std::process::id()));
    std::fs::write(
        &file,
        "order = \"weighted\"\n\
         [[request]]\nname = \"often\"\nmethod = \"GET\"\npath = \"/often\"\nweight = 3\n\
         [[request]]\nname = \"rarely\"\nmethod = \"POST\"\npath = \"/rarely\"\nbody = \"x\"\nweight = 1\n",
    )
    .unwrap();
    let (_, recs) = run_mix(&file, 800, &["-c", "8", "-t", "2"], &[]);
    let by_path = tally(&recs, |r| r["path"].as_str().unwrap().to_string());
    assert_eq!(by_path.get("/often"), Some(&600), "{by_path:?}");
    assert_eq!(by_path.get("/rarely"), Some(&200), "{by_path:?}");
}

/// A sequence with cookie replay: every connection walks login, account, add-to-cart in order
/// and, once the target set its cookie on the first response, sends that cookie — its own —
/// on every later request.
#[test]
fn sequence_with_cookie_replay() {
    let (_, recs) = run_mix(
        &example("cookie-session.toml"),
        300,
        &["-c", "5", "--pipeline", "1"],
        &["--set-cookie", "sid"],
    );
    let seq = ["/login", "/account", "/cart"];
    let conns = tally(&recs, |r| r["conn"].to_string());
    assert_eq!(conns.len(), 5, "{conns:?}");
    for r in &recs {
        let index = r["index"].as_u64().unwrap() as usize;
        let conn = r["conn"].as_u64().unwrap();
        assert_eq!(r["path"], seq[index % 3], "{r}");
        if index == 0 {
            assert!(r["cookie"].is_null(), "first request has no cookie: {r}");
        } else {
            assert_eq!(r["cookie"], format!("sid=c{conn}"), "{r}");
        }
    }
    let cart = recs.iter().find(|r| r["path"] == "/cart").unwrap();
    assert_eq!(cart["method"], "POST");
    assert_eq!(cart["body_len"], 15);
}

/// `Connection: close` on every request: one request per connection, all answered.
#[test]
fn connection_close_on_every_request() {
    let (v, recs) = run_mix(&example("connection-close.toml"), 200, &["-c", "4"], &[]);
    assert_eq!(recs.len(), 200);
    assert!(
        recs.iter().all(|r| r["index"] == 0),
        "one request per connection"
    );
    assert!(count(&v, &["connections", "connects"]) >= 200);
}

/// Seven pipelined GETs per connection (Tempesta's pipelining script): exact counts.
#[test]
fn pipelined_gets() {
    let (_, recs) = run_mix(
        &example("pipelined-gets.toml"),
        7000,
        &["-c", "10", "--pipeline", "7"],
        &[],
    );
    assert_eq!(recs.len(), 7000);
    assert!(recs.iter().all(|r| r["method"] == "GET"));
}

#[test]
fn bad_request_files_are_setup_errors() {
    let out = run(&["stress", "--mix", "/nonexistent/x.toml", "-q"]);
    assert_setup_error(&out, "--mix");
    let bad = tmp_file(
        "bad-mix.toml",
        b"order = \"sideways\"\n[[request]]\npath = \"/\"\n",
    );
    let out = run(&["stress", "--mix", bad.to_str().unwrap(), "-q"]);
    assert_setup_error(&out, "--mix");
    let out = run(&["stress", "--mix", bad.to_str().unwrap(), "--method", "POST"]);
    assert_usage_error(&out, "--method");
}
