//! Bad check files are refused with one line naming the file, the line and the key
//! (`FILE:LINE: KEY: MESSAGE`): unknown keys, wrong types, missing parts, bad templates,
//! bad regexes, duplicate names, unknown peers, two verbs in a step, matrix typos...

use tfw_scenarios::check::*;

/// Lines 1-7 of most files below: one backend, an h1 client `c`, an h2 client `h2`.
const PEERS: &str = "[backends.b]\nlisten = \"127.0.0.1:9001\"\n[clients.c]\nconnect = \"127.0.0.1:9100\"\n[clients.h2]\nconnect = \"127.0.0.1:9101\"\nproto = \"h2\"\n";

/// The one-line error of file `dir/bad.toml` holding `text`.
fn error(text: &str) -> String {
    let opts = LoadOptions {
        vars: Vars::defaults(),
        ..Default::default()
    };
    match load_sources(&[("dir/bad.toml".to_owned(), text.to_owned())], &opts) {
        Ok(plan) => panic!("loaded: {plan:?}"),
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(
                line,
                format!("{}:{}: {}: {}", e.file, e.line, e.key, e.message)
            );
            line
        }
    }
}

/// `case` after PEERS, or as it is after a leading `!`.
fn check(case: &str, expected: &str) {
    let text = match case.strip_prefix('!') {
        Some(whole) => whole.to_owned(),
        None => format!("{PEERS}{case}"),
    };
    assert_eq!(error(&text), expected, "file:\n{text}");
}

#[test]
fn unknown_case_key() {
    check(
        "[[case]]\nname = \"x\"\nbogus = 1\n[[case.step]]\nclient = \"c\"\nsend = {}\n",
        "dir/bad.toml:10: x.bogus: unknown key (expected one of: alone, cleanup, disabled_reason, enabled, matrix, name, profile, setup, skip, step, timeout)",
    );
}

#[test]
fn unknown_request_key() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = { methd = \"GET\" }\n",
        "dir/bad.toml:12: x.step[1].send.methd: unknown key (expected one of: authority, body, body_hex, body_size, chunked, headers, method, target, version)",
    );
}

#[test]
fn unknown_top_key() {
    check(
        "[vars]\na = 1\n",
        "dir/bad.toml:8: vars: unknown key (expected one of: backends, case, clients, defaults)",
    );
}

#[test]
fn unknown_client_key() {
    check(
        "![clients.c]\nconnect = \"127.0.0.1:1\"\nhost = \"x\"\n",
        "dir/bad.toml:3: clients.c.host: unknown key (expected one of: alpn, authority, auto_ack, ca, connect, disabled_reason, enabled, preface, proto, segment_gap, segment_size, settings, sni, tls)",
    );
}

#[test]
fn wrong_type_method() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = { method = 1 }\n",
        "dir/bad.toml:12: x.step[1].send.method: expected a string, found integer",
    );
}

#[test]
fn wrong_type_status() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"response\"\nstatus = \"abc\"\n",
        "dir/bad.toml:13: x.step[1].status: expected a number 0 or more, found \"abc\"",
    );
}

#[test]
fn wrong_type_bool() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = {}\nwait = \"maybe\"\n",
        "dir/bad.toml:13: x.step[1].wait: expected true or false, found \"maybe\"",
    );
}

#[test]
fn wrong_type_table() {
    check(
        "!clients = 1\n",
        "dir/bad.toml:1: clients: expected a table, found integer",
    );
}

#[test]
fn status_range() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"response\"\nstatus = 2000\n",
        "dir/bad.toml:13: x.step[1].status: 2000 is out of range 100-999",
    );
}

#[test]
fn missing_name() {
    check(
        "[[case]]\n[[case.step]]\nclient = \"c\"\nsend = {}\n",
        "dir/bad.toml:8: case[1].name: missing key `name`",
    );
}

#[test]
fn missing_steps() {
    check(
        "[[case]]\nname = \"x\"\n",
        "dir/bad.toml:8: x.step: missing key `step`",
    );
}

#[test]
fn missing_verb() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\n",
        "dir/bad.toml:10: x.step[1]: a step needs a verb: one of send, raw, raw_hex, frames, respond, connect, close, backend_down, backend_up, sleep, expect",
    );
}

#[test]
fn missing_connect() {
    check(
        "![clients.c]\nproto = \"h1\"\n",
        "dir/bad.toml:1: clients.c.connect: missing key `connect`",
    );
}

#[test]
fn missing_cases() {
    check(
        "![clients.c]\nconnect = \"127.0.0.1:1\"\n",
        "dir/bad.toml:1: case: a check file needs at least one [[case]]",
    );
}

#[test]
fn missing_count() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nexpect = \"requests\"\n",
        "dir/bad.toml:10: x.step[1].count: missing key `count`",
    );
}

#[test]
fn which_client() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nsend = {}\n",
        "dir/bad.toml:10: x.step[1].client: missing key `client`: which one of c, h2?",
    );
}

#[test]
fn unknown_template() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = { target = \"/${nope}\" }\n",
        "dir/bad.toml:12: x.step[1].send.target: unknown template name ${nope} (known: client_ip, marker, server_ip, tempesta_ip; $$ is a literal $)",
    );
}

#[test]
fn unclosed_template() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = { target = \"/${nope\" }\n",
        "dir/bad.toml:12: x.step[1].send.target: unclosed template in \"/${nope\": write ${name}, or $$ for a $",
    );
}

#[test]
fn template_in_peers() {
    check(
        "![clients.c]\nconnect = \"${marker}:1\"\n",
        "dir/bad.toml:2: clients.c.connect: unknown template name ${marker} (known: client_ip, server_ip, tempesta_ip; $$ is a literal $)",
    );
}

#[test]
fn bad_regex() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"response\"\nheaders = { a = { matches = \"(\" } }\n",
        "dir/bad.toml:13: x.step[1].headers.a.matches: bad regex \"(\": unclosed group",
    );
}

#[test]
fn bad_body_regex() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"response\"\nbody = { matches = \"a{2,1}\" }\n",
        "dir/bad.toml:13: x.step[1].body.matches: bad regex \"a{2,1}\": invalid repetition count range, the start must be <= the end",
    );
}

#[test]
fn duplicate_name() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = {}\n[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = {}\n",
        "dir/bad.toml:14: case[2].name: duplicate case name bad.x (also at dir/bad.toml:9)",
    );
}

#[test]
fn duplicate_key() {
    check(
        "[[case]]\nname = \"x\"\nname = \"y\"\n",
        "dir/bad.toml:10: toml: duplicate key",
    );
}

#[test]
fn unknown_client() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"d\"\nsend = {}\n",
        "dir/bad.toml:11: x.step[1].client: unknown client \"d\" (clients: c, h2)",
    );
}

#[test]
fn unknown_backend() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nbackend = \"d\"\nrespond = {}\n",
        "dir/bad.toml:11: x.step[1].backend: unknown backend \"d\" (backends: b)",
    );
}

#[test]
fn two_verbs() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = {}\nraw = \"x\"\n",
        "dir/bad.toml:13: x.step[1].raw: a step has one verb: send and raw both given",
    );
}

#[test]
fn matrix_typo() {
    check(
        "[[case]]\nname = \"x\"\nmatrix = { sise = [1, 2] }\n[[case.step]]\nclient = \"c\"\nsend = { body_size = \"${size}\" }\n",
        "dir/bad.toml:13: x[1].step[1].send.body_size: unknown template name ${size} (known: client_ip, marker, server_ip, sise, tempesta_ip; $$ is a literal $)",
    );
}

#[test]
fn matrix_unused() {
    check(
        "[[case]]\nname = \"x\"\nmatrix = { size = [1, 2] }\n[[case.step]]\nclient = \"c\"\nsend = {}\n",
        "dir/bad.toml:10: case[1].matrix.size: matrix axis size is used by no ${size}",
    );
}

#[test]
fn matrix_empty_axis() {
    check(
        "[[case]]\nname = \"x\"\nmatrix = { size = [] }\n[[case.step]]\nclient = \"c\"\nsend = {}\n",
        "dir/bad.toml:10: case[1].matrix.size: an axis needs at least one value",
    );
}

#[test]
fn matrix_label() {
    check(
        "[[case]]\nname = \"x\"\nmatrix = { m = [\"a b\"] }\n[[case.step]]\nclient = \"c\"\nsend = { method = \"${m}\" }\n",
        "dir/bad.toml:10: case[1].matrix.m[1]: \"a b\" cannot label a case name (letters, digits and _ . : / + = only): write the axis as a table, label = value",
    );
}

#[test]
fn matrix_unknown_client() {
    check(
        "[[case]]\nname = \"x\"\nmatrix = { client = [\"c\", \"d\"] }\n[[case.step]]\nclient = \"${client}\"\nsend = {}\n",
        "dir/bad.toml:12: x[d].step[1].client: unknown client \"d\" (clients: c, h2)",
    );
}

#[test]
fn matrix_bad_value() {
    check(
        "[[case]]\nname = \"x\"\nmatrix = { size = [\"1\", \"big\"] }\n[[case.step]]\nclient = \"c\"\nsend = { body_size = \"${size}\" }\n",
        "dir/bad.toml:13: x[big].step[1].send.body_size: \"big\" is not a size: write a number of bytes, or e.g. \"64KiB\", \"1MiB\"",
    );
}

#[test]
fn frames_on_h1() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nframes = [{ type = \"ping\" }]\n",
        "dir/bad.toml:12: x.step[1].frames: frames need an h2 client; c is h1",
    );
}

#[test]
fn frame_type() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"h2\"\nframes = [{ type = \"pong\" }]\n",
        "dir/bad.toml:12: x.step[1].frames[1].type: unknown frame type \"pong\": settings, headers, continuation, data, window_update, rst_stream, ping, priority, goaway or a number",
    );
}

#[test]
fn frame_key() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"h2\"\nframes = [{ type = \"ping\", stream = 1 }]\n",
        "dir/bad.toml:12: x.step[1].frames[1].stream: unknown key (expected one of: ack, payload_hex, type)",
    );
}

#[test]
fn error_code_name() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"h2\"\nframes = [{ type = \"rst_stream\", stream = 1, code = \"OOPS\" }]\n",
        "dir/bad.toml:12: x.step[1].frames[1].code: unknown error code \"OOPS\": a number or one of NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, CONNECT_ERROR, ENHANCE_YOUR_CALM, INADEQUATE_SECURITY, HTTP_1_1_REQUIRED",
    );
}

#[test]
fn ping_payload() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"h2\"\nframes = [{ type = \"ping\", payload_hex = \"00\" }]\n",
        "dir/bad.toml:12: x.step[1].frames[1].payload_hex: a PING payload is 8 bytes (16 hex digits)",
    );
}

#[test]
fn stream_range() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"h2\"\nframes = [{ type = \"data\", stream = 2147483648 }]\n",
        "dir/bad.toml:12: x.step[1].frames[1].stream: 2147483648 is out of range 0-2147483647",
    );
}

#[test]
fn settings_name() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"h2\"\nframes = [{ type = \"settings\", params = { window = 1 } }]\n",
        "dir/bad.toml:12: x.step[1].frames[1].params.window: unknown SETTINGS parameter \"window\": a number (0-65535) or one of header_table_size, enable_push, max_concurrent_streams, initial_window_size, max_frame_size, max_header_list_size, enable_connect_protocol",
    );
}

#[test]
fn backend_down_not_alone() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nbackend_down = true\n",
        "dir/bad.toml:11: x.step[1].backend_down: only in a case with alone = true (it stops the backend for every case)",
    );
}

#[test]
fn duration() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nsleep = \"5\"\n",
        "dir/bad.toml:11: x.step[1].sleep: \"5\" is not a duration: write a number and a unit, e.g. \"100ms\" or \"2s\"",
    );
}

#[test]
fn forwarded_before_send() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"forwarded\"\n",
        "dir/bad.toml:12: x.step[1].expect: client c sent no request before this step (or give sent = N)",
    );
}

#[test]
fn goaway_on_h1() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"goaway\"\n",
        "dir/bad.toml:12: x.step[1].expect: expect = \"goaway\" needs an h2 client; c is h1",
    );
}

#[test]
fn expect_kind() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"respons\"\n",
        "dir/bad.toml:12: x.step[1].expect: unknown expectation \"respons\": response, request, forwarded, requests, closed, goaway, rst_stream or silence",
    );
}

#[test]
fn expect_key_of_other_kind() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"closed\"\nstatus = 200\n",
        "dir/bad.toml:13: x.step[1].status: unknown key (expected one of: client, expect, how)",
    );
}

#[test]
fn two_actions() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nrespond = { status = 200, close = true, hang = true }\n",
        "dir/bad.toml:11: x.step[1].respond.hang: one action per response: close, reset_after or hang",
    );
}

#[test]
fn raw_and_status() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nrespond = { raw = \"x\", status = 200 }\n",
        "dir/bad.toml:11: x.step[1].respond.status: a raw response is sent as it is: remove this key or raw",
    );
}

#[test]
fn two_bodies() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nrespond = { body = \"a\", body_size = 3 }\n",
        "dir/bad.toml:11: x.step[1].respond.body_size: body, body_hex and body_size exclude each other: keep one",
    );
}

#[test]
fn chunk_size_zero() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = { chunked = { sizes = [0] } }\n",
        "dir/bad.toml:12: x.step[1].send.chunked.sizes[1]: a chunk size must be 1 or more (0 ends the body)",
    );
}

#[test]
fn header_pair() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = { headers = [[\"a\"]] }\n",
        "dir/bad.toml:12: x.step[1].send.headers[1]: expected a [name, value] pair of strings",
    );
}

#[test]
fn header_crlf() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = { headers = [[\"a\", \"b\\r\\nc: d\"]] }\n",
        "dir/bad.toml:12: x.step[1].send.headers: header \"a\" cannot be sent as a field (empty name, CR, LF or NUL): use raw",
    );
}

#[test]
fn hex() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nraw_hex = \"0g\"\n",
        "dir/bad.toml:12: x.step[1].raw_hex: \"0g\" is not hex digits",
    );
}

#[test]
fn profile() {
    check(
        "[[case]]\nname = \"x\"\nprofile = \"squid\"\n[[case.step]]\nclient = \"c\"\nsend = {}\n",
        "dir/bad.toml:10: x.profile: unknown profile \"squid\": tempesta, nginx or generic",
    );
}

#[test]
fn case_name_chars() {
    check(
        "[[case]]\nname = \"a b\"\n[[case.step]]\nclient = \"c\"\nsend = {}\n",
        "dir/bad.toml:9: case[1].name: a case name is letters, digits, _, - and . only: \"a b\"",
    );
}

#[test]
fn two_body_preds() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"response\"\nbody = { contains = \"a\", hex = \"00\" }\n",
        "dir/bad.toml:13: x.step[1].body: contains and hex exclude each other: keep one",
    );
}

#[test]
fn header_pred_typo() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nexpect = \"response\"\nheaders = { a = { contain = \"a\" } }\n",
        "dir/bad.toml:13: x.step[1].headers.a.contain: unknown key (expected one of: absent, contains, exists, matches)",
    );
}

#[test]
fn connect_false() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nconnect = false\n",
        "dir/bad.toml:12: x.step[1].connect: write true, or leave the step out",
    );
}

#[test]
fn settings_on_h1() {
    check(
        "![clients.c]\nconnect = \"127.0.0.1:1\"\nsettings = { enable_push = 0 }\n",
        "dir/bad.toml:3: clients.c.settings: applies only to h2 clients (proto = \"h2\")",
    );
}

#[test]
fn address() {
    check(
        "![backends.b]\nlisten = \"127.0.0.1\"\n",
        "dir/bad.toml:2: backends.b.listen: \"127.0.0.1\" is not HOST:PORT",
    );
}

#[test]
fn proto() {
    check(
        "![clients.c]\nconnect = \"127.0.0.1:1\"\nproto = \"h3\"\n",
        "dir/bad.toml:3: clients.c.proto: unknown proto \"h3\": h1 or h2",
    );
}

#[test]
fn ca_missing() {
    check(
        "![clients.c]\nconnect = \"127.0.0.1:1\"\ntls = true\nca = \"nope.pem\"\n",
        "dir/bad.toml:4: clients.c.ca: cannot use dir/nope.pem: No such file or directory (os error 2)",
    );
}

#[test]
fn toml_syntax() {
    check(
        "![clients.c\n",
        "dir/bad.toml:1: toml: unclosed table, expected `]`",
    );
}

#[test]
fn backend_conflict() {
    check(
        "![backends.a]\nlisten = \"127.0.0.1:1\"\n[backends.b]\nlisten = \"127.0.0.1:1\"\nsegment_size = 1\n",
        "dir/bad.toml:4: backends.b.listen: backend \"a\" at 127.0.0.1:1 is defined again with other segment_size/segment_gap",
    );
}

#[test]
fn sni_not_a_string_without_tls() {
    check(
        "![clients.c]\nconnect = \"127.0.0.1:1\"\nsni = 1\n",
        "dir/bad.toml:3: clients.c.sni: expected a string, found integer",
    );
}

fn path_error(path: &std::path::Path) -> String {
    load_paths(&[path.to_owned()], &LoadOptions::default())
        .unwrap_err()
        .to_string()
}

#[test]
fn missing_file_and_directory_without_check_files() {
    let dir = std::env::temp_dir().join(format!("tfw-check-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a check file").unwrap();
    let missing = dir.join("missing.toml");
    let e = path_error(&missing);
    assert!(
        e.starts_with(&format!("{}:0: file: cannot read: ", missing.display())),
        "{e}"
    );
    assert_eq!(
        path_error(&dir),
        format!(
            "{}:0: file: the directory has no *.toml check files",
            dir.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_testbed_files() {
    let dir = std::env::temp_dir().join(format!("tfw-check-testbed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tb = dir.join("tb.toml");
    let e = Vars::from_testbed(&tb).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}:0: file: cannot read: ", tb.display())),
        "{e}"
    );
    std::fs::write(&tb, "[server]\nip = \"10.0.0.1\"\nports = [1, 2]\n").unwrap();
    assert_eq!(
        Vars::from_testbed(&tb).unwrap_err().to_string(),
        format!(
            "{}:3: server_ports: a test-bed value must be a string, number or boolean",
            tb.display()
        )
    );
    std::fs::write(&tb, "[server\n").unwrap();
    assert_eq!(
        Vars::from_testbed(&tb).unwrap_err().to_string(),
        format!("{}:1: toml: unclosed table, expected `]`", tb.display())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn body_size_too_large() {
    check(
        "[[case]]\nname = \"x\"\n[[case.step]]\nclient = \"c\"\nsend = { body_size = \"1GiB\" }\n",
        "dir/bad.toml:12: x.step[1].send.body_size: 1073741824 bytes is more than the 67108864 a body may have",
    );
}
