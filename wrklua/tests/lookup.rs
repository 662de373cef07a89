//! wrk.lookup and wrk.connect against a real listener on loopback, and thread.addr (readable,
//! settable only to the run's target).

mod support;

use hdrhistogram::Histogram;
use std::net::TcpListener;
use support::{load, loaded, script_file, target};
use tfw_wrklua::{Summary, WrkScript};

fn done_text(script: &WrkScript) -> String {
    let empty = Histogram::<u64>::new(3).expect("histogram");
    let mut out = Vec::new();
    script
        .done_to(&mut out, &Summary::default(), &empty, &empty)
        .expect("done()");
    String::from_utf8(out).expect("utf-8")
}

/// A port nothing listens on (bound, then closed).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn lookup_and_connect_reach_a_listener_and_not_a_closed_port() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let open = listener.local_addr().expect("addr").port();
    let closed = closed_port();
    let source = format!(
        r#"
done = function()
   local addrs = wrk.lookup("127.0.0.1", "{open}")
   print(#addrs, tostring(addrs[1]), wrk.connect(addrs[1]))
   local gone = wrk.lookup("127.0.0.1", {closed})
   print(tostring(gone[1]), wrk.connect(gone[1]))
end
"#
    );
    let script = loaded("connect.lua", &source, 1);
    assert_eq!(
        done_text(&script),
        format!("1\t127.0.0.1:{open}\ttrue\n127.0.0.1:{closed}\tfalse\n")
    );
    // The connection wrk.connect made reached the listener.
    let (conn, peer) = listener
        .accept()
        .expect("accepted wrk.connect's connection");
    assert_eq!(peer.ip(), conn.local_addr().expect("local").ip());
}

#[test]
fn lookup_of_localhost_gives_loopback_addresses() {
    let script = loaded(
        "localhost.lua",
        r#"
done = function()
   for i, addr in ipairs(wrk.lookup("localhost", "http")) do
      print(tostring(addr))
   end
end
"#,
        1,
    );
    let text = done_text(&script);
    assert!(!text.is_empty());
    for line in text.lines() {
        assert!(
            line == "127.0.0.1:80" || line == "::1:80",
            "not a loopback address: {line}"
        );
    }
}

#[test]
fn lookup_of_an_unknown_service_is_an_error() {
    let script = loaded(
        "badservice.lua",
        "done = function() wrk.lookup(\"127.0.0.1\", \"no-such-service\") end\n",
        1,
    );
    let empty = Histogram::<u64>::new(3).expect("histogram");
    let err = script
        .done_to(&mut Vec::new(), &Summary::default(), &empty, &empty)
        .expect_err("unknown service");
    assert!(
        err.0
            .contains("unable to resolve 127.0.0.1:no-such-service"),
        "{err}"
    );
}

#[test]
fn thread_addr_reads_the_target_and_refuses_another() {
    let script = loaded(
        "addr.lua",
        r#"
setup = function(thread)
   print_me = tostring(thread.addr)
   thread.addr = wrk.lookup("127.0.0.1", "8080")[1]
   thread:set("addr_seen", tostring(thread.addr))
end
init = function(args)
   wrk.headers["X-Addr"] = addr_seen .. " " .. tostring(wrk.thread.addr)
end
done = function() print(print_me) end
"#,
        1,
    );
    let (bytes, _) = script.static_request().expect("static");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(
        support::header(&text, "X-Addr"),
        Some("127.0.0.1:8080 127.0.0.1:8080")
    );
    assert_eq!(done_text(&script), "127.0.0.1:8080\n");

    let other = closed_port();
    let source = format!(
        "setup = function(thread)\n   thread.addr = wrk.lookup(\"127.0.0.1\", \"{other}\")[1]\nend\n"
    );
    let path = script_file("other.lua", &source);
    let err = WrkScript::load(&path, &target(8080), &[], 1)
        .err()
        .expect("another address is refused");
    assert!(
        err.0.starts_with(&format!(
            "{}:2: thread.addr = 127.0.0.1:{other}",
            path.display()
        )),
        "{err}"
    );
    assert!(err.0.contains("one target"), "{err}");

    let err = load("notaddr.lua", "setup = function(t) t.addr = \"x\" end\n", 1)
        .err()
        .expect("a string is not an address");
    assert!(err.0.contains("thread.addr must be an address"), "{err}");
}
