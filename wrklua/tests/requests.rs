//! request() batches: pipelines, HEAD flags, bodies, the static request, and the errors a
//! script's requests can have (malformed, runtime errors, syntax errors with their lines).
//! Scripts in the style of tempesta-test's tools/wrk/*.lua (pipeline.lua, head_get.lua,
//! post_small.lua).

mod support;

use support::{batch, header, load, loaded, request_lines, script_file, target};
use tfw_wrklua::WrkScript;

/// The 1-based line of `source` that contains `marker`.
fn line_of(source: &str, marker: &str) -> usize {
    source
        .lines()
        .position(|l| l.contains(marker))
        .map(|i| i + 1)
        .expect("marker in source")
}

#[test]
fn pipelined_request_returns_three_requests_per_batch() {
    let script = loaded(
        "pipeline.lua",
        r#"
init = function(args)
   local r = {}
   r[1] = wrk.format("GET", "/a")
   r[2] = wrk.format("GET", "/b")
   r[3] = wrk.format("GET", "/c")
   req = table.concat(r)
end
request = function()
   return req
end
"#,
        2,
    );
    assert_eq!(script.pipeline(), 3);
    assert!(script.wants().request);
    assert!(!script.wants().response && !script.wants().delay);
    assert!(script.static_request().is_err());
    let factory = script.factory();
    for index in 0..2 {
        let mut worker = factory.worker(index, 2).expect("worker");
        let (text, heads) = batch(worker.as_mut());
        assert_eq!(
            request_lines(&text),
            ["GET /a HTTP/1.1", "GET /b HTTP/1.1", "GET /c HTTP/1.1"]
        );
        assert_eq!(heads, [false, false, false]);
        assert_eq!(header(&text, "Host"), Some("127.0.0.1:8080"));
        worker.finish();
    }
}

#[test]
fn per_method_mix_flags_each_head() {
    let script = loaded(
        "mix.lua",
        r#"
local methods = { "GET", "POST", "HEAD" }
local n = 0
request = function()
   n = n + 1
   return wrk.format(methods[(n - 1) % 3 + 1], "/m" .. n)
end
"#,
        1,
    );
    // Thread 0's first request() was the check at load (wrk's script_verify_request).
    assert_eq!(script.pipeline(), 1);
    let mut worker = script.factory().worker(0, 1).expect("worker");
    let mut seen = Vec::new();
    for _ in 0..6 {
        let (text, heads) = batch(worker.as_mut());
        assert_eq!(heads.len(), 1);
        let line = request_lines(&text).remove(0);
        assert_eq!(heads[0], line.starts_with("HEAD "), "{line}");
        seen.push(line);
    }
    assert_eq!(
        seen,
        [
            "POST /m2 HTTP/1.1",
            "HEAD /m3 HTTP/1.1",
            "GET /m4 HTTP/1.1",
            "POST /m5 HTTP/1.1",
            "HEAD /m6 HTTP/1.1",
            "GET /m7 HTTP/1.1",
        ]
    );
}

#[test]
fn pipelined_head_then_get_flags_the_head_only() {
    let script = loaded(
        "head_get.lua",
        r#"
init = function(args)
   local r = {}
   r[1] = wrk.format("HEAD", "/")
   r[2] = wrk.format("GET", "/")
   req = table.concat(r)
end
request = function()
   return req
end
"#,
        1,
    );
    assert_eq!(script.pipeline(), 2);
    let mut worker = script.factory().worker(0, 1).expect("worker");
    let (_, heads) = batch(worker.as_mut());
    assert_eq!(heads, [true, false]);
}

#[test]
fn post_body_gets_its_content_length() {
    let body = "some not very long text\n";
    let source = format!(
        r#"
local body = "{}"
wrk.method  = "POST"
wrk.headers = {{["Content-Type"] = "text/plain", ["Host"] = "localhost"}}
wrk.body    = body
request = function()
   return wrk.format(nil, "/post") .. wrk.format("PUT", "/put", nil, "xy")
end
"#,
        body.replace('\n', "\\n")
    );
    let script = loaded("post.lua", &source, 1);
    assert_eq!(script.pipeline(), 2);
    let mut worker = script.factory().worker(0, 1).expect("worker");
    let (text, heads) = batch(worker.as_mut());
    assert_eq!(heads, [false, false]);
    assert_eq!(
        request_lines(&text),
        ["POST /post HTTP/1.1", "PUT /put HTTP/1.1"]
    );
    let (first, second) = text.split_at(text.find("PUT /put").expect("second request"));
    assert_eq!(header(first, "Content-Length"), Some("24"));
    assert_eq!(body.len(), 24);
    assert!(first.ends_with(&format!("\r\n\r\n{body}")), "{first:?}");
    assert_eq!(header(first, "Host"), Some("localhost"));
    assert_eq!(header(second, "Content-Length"), Some("2"));
    assert!(second.ends_with("\r\n\r\nxy"), "{second:?}");
}

#[test]
fn static_script_request_comes_from_the_wrk_table_after_init() {
    // args[0] is the URL, args[1]... the arguments after it (as in wrk).
    let path = script_file(
        "static.lua",
        r#"
init = function(args)
   wrk.method = "POST"
   wrk.path = "/upload?x=" .. args[1]
   wrk.headers["X-Run"] = args[2]
   wrk.headers["X-Url"] = args[0]
   wrk.body = "payload"
end
"#,
    );
    let args = ["one".to_string(), "two".to_string()];
    let script = WrkScript::load(&path, &target(8080), &args, 2).expect("load");
    assert!(!script.wants().request);
    assert_eq!(script.pipeline(), 1);
    let (bytes, heads) = script.static_request().expect("static request");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(heads, [false]);
    assert_eq!(request_lines(&text), ["POST /upload?x=one HTTP/1.1"]);
    assert_eq!(header(&text, "X-Run"), Some("two"));
    assert_eq!(header(&text, "X-Url"), Some("http://127.0.0.1:8080/"));
    assert_eq!(header(&text, "Host"), Some("127.0.0.1:8080"));
    assert_eq!(header(&text, "Content-Length"), Some("7"));
    assert!(text.ends_with("\r\n\r\npayload"));
}

#[test]
fn static_head_request_is_flagged() {
    let script = loaded("head.lua", "wrk.method = \"HEAD\"\n", 1);
    let (bytes, heads) = script.static_request().expect("static request");
    assert_eq!(heads, [true]);
    assert!(bytes.starts_with(b"HEAD / HTTP/1.1\r\n"));
}

#[test]
fn chunked_request_bodies_are_counted() {
    let script = loaded(
        "chunked.lua",
        r#"
request = function()
   local chunked = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" ..
      "5\r\nhello\r\n0\r\n\r\n"
   return chunked .. wrk.format("GET", "/after")
end
"#,
        1,
    );
    assert_eq!(script.pipeline(), 2);
}

#[test]
fn garbage_from_request_is_a_malformed_request() {
    let err = load(
        "garbage.lua",
        "request = function() return \"garbage\\r\\n\\r\\n\" end\n",
        1,
    )
    .err()
    .expect("garbage refused");
    assert!(
        err.0
            .starts_with("request() returned a malformed request: "),
        "{err}"
    );

    let err = load(
        "partial.lua",
        "request = function() return \"GET / HTTP/1.1\\r\\nHost: x\\r\\n\" end\n",
        1,
    )
    .err()
    .expect("partial refused");
    assert!(
        err.0.contains("malformed request: incomplete request"),
        "{err}"
    );

    let err = load(
        "short.lua",
        "request = function() return \"POST / HTTP/1.1\\r\\nContent-Length: 10\\r\\n\\r\\nabc\" end\n",
        1,
    )
    .err()
    .expect("short body refused");
    assert!(
        err.0.contains("malformed request: incomplete request"),
        "{err}"
    );

    let err = load("nil.lua", "request = function() end\n", 1)
        .err()
        .expect("nil refused");
    assert!(
        err.0.contains("malformed request: a nil, not a string"),
        "{err}"
    );
}

#[test]
fn garbage_after_a_good_first_batch_fails_the_worker() {
    let script = loaded(
        "later.lua",
        r#"
local n = 0
request = function()
   n = n + 1
   if n > 2 then
      return wrk.format() .. "GET / HTTP/1.1\r\nHost"
   end
   return wrk.format()
end
"#,
        1,
    );
    let mut worker = script.factory().worker(0, 1).expect("worker");
    let (mut out, mut heads) = (b"kept".to_vec(), vec![true]);
    worker
        .request(&mut out, &mut heads)
        .expect("second batch is good");
    assert_eq!(heads, [true, false]);
    let before = (out.len(), heads.len());
    let err = worker
        .request(&mut out, &mut heads)
        .expect_err("third is cut");
    assert!(
        err.0.contains("malformed request: incomplete request"),
        "{err}"
    );
    // A refused batch leaves the buffers as they were.
    assert_eq!((out.len(), heads.len()), before);
}

#[test]
fn runtime_error_in_request_names_file_and_line() {
    let source = r#"
local n = 0
request = function()
   n = n + 1
   if n == 3 then
      local t = nil
      return t.field -- fails here
   end
   return wrk.format()
end
"#;
    let path = script_file("runtime.lua", source);
    let script = WrkScript::load(&path, &target(8080), &[], 1).expect("load");
    let mut worker = script.factory().worker(0, 1).expect("worker");
    let (mut out, mut heads) = (Vec::new(), Vec::new());
    worker.request(&mut out, &mut heads).expect("second call");
    let err = worker
        .request(&mut out, &mut heads)
        .expect_err("third call fails");
    let expected = format!("{}:{}:", path.display(), line_of(source, "fails here"));
    assert!(err.0.starts_with(&expected), "{err} (wanted {expected})");
    assert!(err.0.contains("attempt to index"), "{err}");
}

#[test]
fn runtime_error_in_init_fails_the_load_with_its_line() {
    let source = "init = function(args)\n   error(\"no way\")\nend\n";
    let path = script_file("init_err.lua", source);
    let err = WrkScript::load(&path, &target(8080), &[], 1)
        .err()
        .expect("init fails");
    assert_eq!(err.0, format!("{}:2: no way", path.display()));
}

#[test]
fn syntax_error_names_file_and_line() {
    let source = "wrk.method = \"GET\"\n\nrequest = function()\n   return = 1\nend\n";
    let path = script_file("syntax.lua", source);
    let err = WrkScript::load(&path, &target(8080), &[], 1)
        .err()
        .expect("syntax error");
    let shown = path.display().to_string();
    // wrk prints "<file>: <lua's message>", and Lua's message starts "<file>:<line>:".
    assert!(err.0.starts_with(&format!("{shown}: {shown}:4:")), "{err}");
    assert!(err.0.contains("near"), "{err}");
}

#[test]
fn missing_script_file_is_an_error() {
    let path = std::env::temp_dir().join("wrklua-no-such-dir/none.lua");
    let err = WrkScript::load(&path, &target(8080), &[], 1)
        .err()
        .expect("missing file");
    assert!(err.0.contains("cannot open"), "{err}");
}
