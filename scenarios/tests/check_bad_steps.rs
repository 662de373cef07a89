//! Bad check files, steps and frames: refused with one line naming the file, the line and
//! the key (frames, error codes, settings, expectations, responses, headers, peers' options).

mod bad_support;

use bad_support::*;
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
