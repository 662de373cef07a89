//! Unit tests of the test-bed file's parsing: defaults, each key's checks with the line of
//! the error, kinds, unknown keys, `${section_key}` values.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::file::defaults::default_text;
use crate::file::model::{TargetKind, Testbed};

fn parse(text: &str) -> Testbed {
    Testbed::parse("tb.toml", text, Path::new("/etc/tb")).unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> String {
    match Testbed::parse("tb.toml", text, Path::new("/etc/tb")) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_empty_file_is_all_defaults() {
    let tb = parse("");
    assert_eq!(tb.general.connect_timeout, Duration::from_secs(10));
    assert_eq!(tb.general.command_timeout, Duration::from_secs(60));
    assert_eq!(tb.general.ready_timeout, Duration::from_secs(30));
    assert!(tb.general.dmesg_ignore.is_empty());
    assert!(tb.general.known_hosts.ends_with(".ssh/known_hosts"));
    for (role, h) in tb.roles() {
        assert_eq!(h.ip, "127.0.0.1", "{role}");
        assert_eq!(h.hostname, "localhost");
        assert!(h.is_local());
        assert_eq!(h.port, 22);
        assert_eq!(h.user, "root");
        assert_eq!(h.ssh_key, None);
    }
    assert_eq!(tb.client.workdir, "/tmp/client");
    assert_eq!(tb.tempesta.workdir, "/tmp/tempesta");
    assert_eq!(tb.server.workdir, "/tmp/nginx");
    assert_eq!(tb.tempesta.kind, None);
    assert!(tb.extra.is_empty());
}

#[test]
fn the_printed_defaults_parse_to_the_defaults() {
    let printed = parse(&default_text());
    let empty = parse("");
    assert_eq!(printed.vars(), empty.vars());
    assert_eq!(printed.tempesta.kind, None);
}

#[test]
fn a_tempesta_target_with_its_keys() {
    let tb = parse(
        "[general]\nknown_hosts = \"kh\"\nconnect_timeout = \"500ms\"\ndmesg_ignore = [\"lockdep\", \"^x.*y$\"]\n\
         [tempesta]\nkind = \"tempesta\"\nhostname = \"tfw.test\"\nport = 2222\nuser = \"rtest\"\n\
         ssh_key = \"keys/id\"\nsrcdir = \"/src/tempesta\"\nconfig_file = \"t.conf\"\ninterfaces = \"lo eth1\"\n",
    );
    assert_eq!(tb.general.known_hosts, PathBuf::from("/etc/tb/kh"));
    assert_eq!(tb.general.connect_timeout, Duration::from_millis(500));
    assert_eq!(tb.general.dmesg_ignore, ["lockdep", "^x.*y$"]);
    let h = &tb.tempesta.host;
    assert_eq!(
        (h.hostname.as_str(), h.port, h.user.as_str()),
        ("tfw.test", 2222, "rtest")
    );
    assert!(!h.is_local());
    assert_eq!(h.ssh_key, Some(PathBuf::from("/etc/tb/keys/id")));
    assert_eq!(
        tb.tempesta.kind,
        Some(TargetKind::Tempesta {
            srcdir: "/src/tempesta".into(),
            config: "tempesta.conf".into(),
            config_file: Some(PathBuf::from("/etc/tb/t.conf")),
            interfaces: "lo eth1".into(),
        })
    );
}

#[test]
fn a_command_target_needs_start_and_stop() {
    let tb = parse(
        "[tempesta]\nkind = \"command\"\nstart = \"nginx -c x\"\nstop = \"kill $(cat p)\"\n\
         ready_url = \"http://127.0.0.1:8080/\"\nconfig = \"nginx.conf\"\nsrcdir = \"/s\"\n",
    );
    match &tb.tempesta.kind {
        Some(TargetKind::Command {
            start,
            stop,
            reload,
            ready_url,
            config,
            ..
        }) => {
            assert_eq!(start, "nginx -c x");
            assert_eq!(stop, "kill $(cat p)");
            assert_eq!(reload, &None);
            assert_eq!(ready_url.as_deref(), Some("http://127.0.0.1:8080/"));
            assert_eq!(config.as_deref(), Some("nginx.conf"));
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(tb.vars()["tempesta_srcdir"], "/s");
    assert_eq!(
        error("[tempesta]\nkind = \"command\"\nstart = \"x\"\n"),
        "tb.toml:2: tempesta.stop: is required with kind = \"command\" (shell text)"
    );
    assert_eq!(
        error("[tempesta]\nkind = \"command\"\nstart = \"x\"\nstop = \"\"\n"),
        "tb.toml:4: tempesta.stop: must not be empty"
    );
}

#[test]
fn errors_name_the_line_and_the_key() {
    let cases = [
        ("[tempesta]\nport = 70000\n", "tb.toml:2: tempesta.port: must be a port number, 1 to 65535"),
        ("[server]\n\nport = \"x\"\n", "tb.toml:3: server.port: must be a port number, 1 to 65535"),
        ("[client]\nip = 1\n", "tb.toml:2: client.ip: must be a string (in quotes), not integer"),
        ("[client]\nhostname = \"\"\n", "tb.toml:2: client.hostname: must not be empty"),
        (
            "[general]\ncommand_timeout = \"10\"\n",
            "tb.toml:2: general.command_timeout: \"10\" is not a duration: write a whole number and ms, s, m or h (\"10s\")",
        ),
        (
            "[general]\ndmesg_ignore = \"x\"\n",
            "tb.toml:2: general.dmesg_ignore: must be an array of regular expressions ([\"...\", ...])",
        ),
        (
            "[tempesta]\nkind = \"nginx\"\n",
            "tb.toml:2: tempesta.kind: \"nginx\": must be \"tempesta\" or \"command\"",
        ),
        (
            "[tempesta]\nkind = \"tempesta\"\nstart = \"x\"\n",
            "tb.toml:3: tempesta.start: is for kind = \"command\", not \"tempesta\"",
        ),
        (
            "[tempesta]\nreload = \"x\"\n",
            "tb.toml:2: tempesta.reload: needs kind = \"command\" in [tempesta] (no target is controlled without a kind)",
        ),
        (
            "[tempesta]\nkind = \"command\"\nstart = \"a\"\nstop = \"b\"\nready_url = \"localhost:80\"\n",
            "tb.toml:5: tempesta.ready_url: \"localhost:80\" is not an http:// or https:// URL",
        ),
        (
            "[tempesta]\nkind = \"command\"\nstart = \"a\"\nstop = \"b\"\nstats_url = \"https://h/s\"\n",
            "tb.toml:5: tempesta.stats_url: \"https://h/s\" is not an http:// URL",
        ),
        ("tempesta = 1\n", "tb.toml:1: tempesta: must be a section [tempesta], not integer"),
        ("[client]\nssh_key = \"~bob/id\"\n", "tb.toml:2: client.ssh_key: \"~bob/id\": only `~/...` is supported, not `~user/...`"),
    ];
    for (text, want) in cases {
        assert_eq!(error(text), want, "{text}");
    }
    for (text, key, what) in [
        ("[server]\nlist = [1, 2]\n", "server.list", "array"),
        ("[server]\n[server.sub]\nx = 1\n", "server.sub", "table"),
        ("[tfw_logger]\nports = [1]\n", "tfw_logger.ports", "array"),
        ("top = [1]\n", "top", "array"),
    ] {
        let e = error(text);
        assert!(
            e.ends_with(&format!(
                "{key}: must be a string, number or boolean (a template value), not {what}"
            )),
            "{e}"
        );
    }
    let e = error("[general]\ndmesg_ignore = [\n  \"ok\",\n  \"(\",\n]\n");
    assert!(
        e.starts_with("tb.toml:4: general.dmesg_ignore: \"(\" is not a regular expression: "),
        "{e}"
    );
    assert!(!e.contains('\n'), "{e}");
    let e = error("[server]\nip = \n");
    assert!(e.starts_with("tb.toml:2: toml: "), "{e}");
}

#[test]
fn home_is_expanded_in_paths() {
    let Some(home) = crate::file::value::home_dir() else {
        return; // no HOME here: resolve_path's own test covers `~`
    };
    let tb = parse("[general]\nknown_hosts = \"~/kh\"\n[client]\nssh_key = \"~/.ssh/k\"\n");
    assert_eq!(tb.general.known_hosts, home.join("kh"));
    assert_eq!(tb.client.host.ssh_key, Some(home.join(".ssh/k")));
    assert_eq!(parse("").general.known_hosts, home.join(".ssh/known_hosts"));
    assert_eq!(
        parse("[client]\nssh_key = \"\"\n").client.host.ssh_key,
        None
    );
}

#[test]
fn unknown_keys_and_sections_are_template_values() {
    let tb = parse(
        "top = \"t\"\n[general]\nduration = 10\n[client]\nwrk = \"/opt/wrk\"\ntls-perf = \"tp\"\n\
         [server]\nip = \"10.0.0.3\"\nnginx = \"nginx\"\n\
         [tfw_logger]\nclickhouse_http_port = 8123\nratio = 0.5\non = true\n",
    );
    let v = tb.vars();
    let want = [
        ("top", "t"),
        ("general_duration", "10"),
        ("client_wrk", "/opt/wrk"),
        ("client_tls-perf", "tp"),
        ("server_ip", "10.0.0.3"),
        ("server_nginx", "nginx"),
        ("server_port", "22"),
        ("tfw_logger_clickhouse_http_port", "8123"),
        ("tfw_logger_ratio", "0.5"),
        ("tfw_logger_on", "true"),
        ("tempesta_ip", "127.0.0.1"),
        ("tempesta_srcdir", "/root/tempesta"),
        ("tempesta_config", "tempesta.conf"),
        ("general_connect_timeout", "10s"),
    ];
    for (k, val) in want {
        assert_eq!(v.get(k).map(String::as_str), Some(val), "{k}");
    }
    assert!(!v.contains_key("tempesta_kind"));
    assert_eq!(
        tb.extra["server"].get("nginx").map(String::as_str),
        Some("nginx")
    );
}

#[test]
fn vars_carry_the_target_keys() {
    let tb = parse(
        "[tempesta]\nkind = \"tempesta\"\nip = \"10.0.0.2\"\nsrcdir = \"/src\"\nworkdir = \"/w\"\n\
         [general]\nready_timeout = \"2m\"\n",
    );
    let v = tb.vars();
    assert_eq!(v["tempesta_kind"], "tempesta");
    assert_eq!(v["tempesta_ip"], "10.0.0.2");
    assert_eq!(v["tempesta_srcdir"], "/src");
    assert_eq!(v["tempesta_workdir"], "/w");
    assert_eq!(v["tempesta_interfaces"], "");
    assert_eq!(v["general_ready_timeout"], "2m");
    assert!(!v.contains_key("tempesta_ssh_key"));
}
