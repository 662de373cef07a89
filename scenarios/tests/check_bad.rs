//! Bad check files are refused with one line naming the file, the line and the key
//! (`FILE:LINE: KEY: MESSAGE`): unknown keys, wrong types, missing parts, bad templates,
//! bad regexes, duplicate names, unknown peers, two verbs in a step, matrix typos...

mod bad_support;

use bad_support::*;
use tfw_scenarios::check::*;

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
        "dir/bad.toml:8: vars: unknown key (expected one of: backends, case, clients, defaults, target)",
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
