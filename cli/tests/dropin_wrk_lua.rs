//! `tfw-bench wrk -s SCRIPT` against the real wrk, with tempesta-test-style scripts written
//! for these tests (the API of github:wg/wrk SCRIPTING, commit
//! a211dd5a7050b1f9e8a9870b95513060e72ac4a0; the shape of tempesta-test's tools/wrk/*.lua and
//! results.lua, commit a646d14218f6097b172f339beb083909a5442d84): a `done()` printing
//! per-status counts read by tempesta-test's parser, a `request()` building pipelined
//! batches, a `response()` counting header fields, a POST body, `init(args)`, and the errors.
//!
//! These need the Lua crate (tfw-wrklua) and the engine's script hooks: they pass once both
//! have landed; everything else of the personality is tested in dropin_wrk.rs.

mod common;
mod dropin_wrk_support;

use common::nginx::Nginx;
use common::tmp_file;
use dropin_wrk_support::{head_lines, real, tempesta_parse, tfw, HeadServer};
use serde_json::Value;

/// results.lua's way: each thread counts its responses by status; `done()` gathers them
/// with `thread:get` and prints `Status NNN : N times`; also the header fields seen.
const RESULTS: &str = r#"
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
init = function(args)
  statuses = {}
  fields = 0
  if local_init ~= nil then local_init(args) end
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  for name, value in pairs(headers) do fields = fields + 1 end
end
done = function(summary, latency, requests)
  local all, f = {}, 0
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("statuses")) do all[s] = (all[s] or 0) + n end
    f = f + t:get("fields")
  end
  io.write("---- RESULTS --------\n")
  for s = 100, 599 do
    if all[s] then io.write(string.format("Status %d : %d times\n", s, all[s])) end
  end
  io.write(string.format("Header fields: %d\n", f))
  io.write(string.format("Summary requests: %d\n", summary.requests))
  io.write("---- END ------------\n")
end
"#;

/// A script of its own lines followed by RESULTS, as tempesta-test's Wrk.set_script
/// appends results.lua.
fn script(name: &str, own: &str) -> String {
    let path = tmp_file(name, format!("{own}\n{RESULTS}").as_bytes());
    path.to_str().unwrap().to_string()
}

fn run_both(args: &[&str]) -> Vec<(String, String, Value)> {
    [("wrk", real(args)), ("tfw-bench wrk", tfw(args))]
        .into_iter()
        .map(|(name, out)| {
            assert_eq!(out.code(), Some(0), "{name}\n{}", out.show());
            let p = tempesta_parse(&out.stdout);
            (format!("{name}\n{}", out.show()), out.stdout, p)
        })
        .collect()
}

/// The `Header fields: N` figure.
fn fields(stdout: &str) -> u64 {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Header fields: "))
        .unwrap_or_else(|| panic!("no header field count in\n{stdout}"));
    line.trim().parse().unwrap()
}

#[test]
fn done_prints_per_status_counts_read_by_tempesta_tests_parser() {
    let nginx = Nginx::start("dropin-wrk-lua-status");
    let s = script("lua-status.lua", "");
    for (path, status) in [("/", "200"), ("/no-such-file", "404")] {
        let url = format!("http://127.0.0.1:{}{path}", nginx.http);
        let args = [
            "-d",
            "1",
            "-t",
            "2",
            "-c",
            "4",
            "--timeout",
            "60",
            "-s",
            &s,
            &url,
        ];
        for (ctx, out, p) in run_both(&args) {
            let requests = p["requests"].as_u64().unwrap_or(0);
            assert!(requests > 0, "{ctx}");
            // Every response reached response(): the statuses add up to the requests.
            let statuses = p["statuses"].as_object().unwrap();
            assert_eq!(statuses.len(), 1, "{ctx}");
            assert_eq!(statuses[status].as_u64(), Some(requests), "{ctx}");
            assert!(
                out.contains(&format!("Summary requests: {requests}\n")),
                "{ctx}"
            );
            if status == "404" {
                assert_eq!(p["errors"].as_u64(), Some(requests), "{ctx}");
            }
        }
    }
}

#[test]
fn request_builds_pipelined_batches() {
    let nginx = Nginx::start("dropin-wrk-lua-pipeline");
    let s = script(
        "lua-pipeline.lua",
        r#"
local_init = function(args)
  local r = {}
  r[1] = wrk.format("GET", "/")
  r[2] = wrk.format("GET", "/?a=1")
  r[3] = wrk.format("GET", "/?b=2")
  req = table.concat(r)
end
request = function()
  return req
end
"#,
    );
    let url = format!("http://127.0.0.1:{}/", nginx.http);
    let before = nginx.requests();
    let out = tfw(&["-d", "1", "-t", "1", "-c", "2", "-s", &s, &url]);
    let after = nginx.requests();
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let p = tempesta_parse(&out.stdout);
    let requests = p["requests"].as_u64().unwrap_or(0);
    assert!(requests > 0, "{}", out.show());
    assert_eq!(
        p["statuses"]["200"].as_u64(),
        Some(requests),
        "{}",
        out.show()
    );
    // nginx saw every counted request (and its own status request).
    assert!(
        requests < after - before,
        "{requests} of {}\n{}",
        after - before,
        out.show()
    );
    let (_, _, w) = &run_both(&["-d", "1", "-t", "1", "-c", "2", "-s", &s, &url])[0];
    assert_eq!(
        w["statuses"]["200"], w["requests"],
        "the real wrk agrees: {w}"
    );
}

#[test]
fn response_sees_the_same_header_fields_as_in_wrk() {
    let nginx = Nginx::start("dropin-wrk-lua-fields");
    let s = script("lua-fields.lua", "");
    let url = format!("http://127.0.0.1:{}/", nginx.http);
    let per_response: Vec<f64> = run_both(&["-d", "1", "-t", "1", "-c", "2", "-s", &s, &url])
        .iter()
        .map(|(ctx, out, p)| {
            let requests = p["requests"].as_u64().unwrap_or(0);
            assert!(requests > 0, "{ctx}");
            fields(out) as f64 / requests as f64
        })
        .collect();
    // nginx sends the same fields in every response, to both.
    assert_eq!(per_response[0], per_response[1]);
}

#[test]
fn a_post_body_is_sent_as_wrk_sends_it() {
    let post = r#"
wrk.method = "POST"
wrk.body = "name=tfw&value=1"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"#;
    let s = script("lua-post.lua", post);
    let server = HeadServer::start();
    let url = format!("http://{}/form", server.addr);
    let args = ["-d", "1", "-t", "1", "-c", "1", "-s", &s, &url];
    for (ctx, _, p) in run_both(&args) {
        assert!(p["requests"].as_u64().unwrap_or(0) > 0, "{ctx}");
    }
    let heads = server.heads();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert_eq!(head_lines(&heads[1]), head_lines(&heads[0]));
    assert!(
        heads[1].contains("\r\nContent-Length: 16\r\n"),
        "{}",
        heads[1]
    );
    // nginx answers the POST on "/" (return 200) to both.
    let nginx = Nginx::start("dropin-wrk-lua-post");
    let url = format!("http://127.0.0.1:{}/", nginx.http);
    for (ctx, _, p) in run_both(&["-d", "1", "-t", "1", "-c", "2", "-s", &s, &url]) {
        assert_eq!(p["statuses"]["200"], p["requests"], "{ctx}");
    }
}

#[test]
fn init_gets_the_arguments_after_the_url() {
    let s = tmp_file(
        "lua-args.lua",
        br#"
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) first, second = args[1], args[2] end
done = function(summary, latency, requests)
  local t = threads[1]
  io.write(string.format("args %s %s\n", t:get("first"), t:get("second")))
end
"#,
    );
    let server = HeadServer::start();
    let url = format!("http://{}/", server.addr);
    let args = [
        "-d",
        "1",
        "-t",
        "1",
        "-c",
        "1",
        "-s",
        s.to_str().unwrap(),
        &url,
        "one",
        "two",
    ];
    for (ctx, out, _) in run_both(&args) {
        assert!(out.contains("\nargs one two\n"), "{ctx}");
    }
}

#[test]
fn a_malformed_request_fails_as_in_wrk() {
    let s = tmp_file(
        "lua-garbage.lua",
        b"request = function() return \"garbage\" end\n",
    );
    let server = HeadServer::start();
    let url = format!("http://{}/", server.addr);
    let args = [
        "-d",
        "1",
        "-t",
        "1",
        "-c",
        "1",
        "-s",
        s.to_str().unwrap(),
        &url,
    ];
    let (want, got) = (real(&args), tfw(&args));
    assert_eq!(got.code(), want.code(), "{}", got.show());
    // wrk says what http_parser says ("invalid HTTP method at 1:1"); tfw-bench says what
    // httparse found, naming request(): both one line with the place.
    for out in [&want, &got] {
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.show());
        assert!(out.stderr.contains(" at 1:"), "{}", out.show());
    }
    assert!(got
        .stderr
        .starts_with("request() returned a malformed request"));
}

#[test]
fn script_errors_are_one_line_with_their_place() {
    let server = HeadServer::start();
    let url = format!("http://{}/", server.addr);
    let cases: [(&str, &[u8], &str); 3] = [
        ("lua-syntax.lua", b"x = = 1\n", ":1:"),
        (
            "lua-runtime.lua",
            b"response = function(s, h, b)\n  error(\"boom\")\nend\n",
            "boom",
        ),
        ("lua-missing.lua", b"", "no-such-script"),
    ];
    for (name, text, want) in cases {
        let path = if name == "lua-missing.lua" {
            "/no-such-script.lua".to_string()
        } else {
            tmp_file(name, text).to_str().unwrap().to_string()
        };
        let out = tfw(&["-d", "1", "-t", "1", "-c", "1", "-s", &path, &url]);
        assert_eq!(out.code(), Some(1), "{}", out.show());
        assert!(!out.stderr.contains("panicked"), "{}", out.show());
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.show());
        assert!(out.stderr.contains(want), "{}", out.show());
    }
}
