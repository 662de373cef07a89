//! `tfw-bench testbed defaults|import|check` as a user runs them: the printed defaults read
//! back by `check` (a localhost-only file: no SSH), missing programs and files reported with
//! exit 1, tempesta-test's real `tests_config.ini.sample` imported, bad files exit 2 with one
//! line, and `check` over a real sshd (testbed/tests/support/sshd.rs): a known host, an
//! unknown one refused and then accepted with --accept-new-host-key, a changed key refused.
//!
//! Every process is spawned with a hard time limit (`common::LIMIT`).

mod common;
#[path = "../../testbed/tests/support/sshd.rs"]
mod sshd;

use std::path::{Path, PathBuf};

use common::*;
use tfw_testbed::file::{TargetKind, Testbed};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testbed/testdata/ini/tests_config.ini.sample"
);

/// A fresh directory of this test's own.
fn tmpdir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("testbed-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// The line of `role` in `check`'s output.
fn role_line<'a>(out: &'a Out, role: &str) -> &'a str {
    out.stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(role))
        .unwrap_or_else(|| panic!("no {role} line\n{}", out.show()))
}

fn defaults() -> String {
    let out = run(&["testbed", "defaults"]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out.stdout.starts_with("# tfw-bench test-bed file"));
    out.stdout
}

#[test]
fn the_defaults_read_back_and_check_ok_locally() {
    let text = defaults();
    for key in [
        "known_hosts",
        "connect_timeout",
        "command_timeout",
        "ready_timeout",
        "dmesg_ignore",
        "ip",
        "hostname",
        "port",
        "user",
        "ssh_key",
        "workdir",
        "srcdir",
        "config",
        "config_file",
        "interfaces",
        "kind",
        "start",
        "stop",
        "reload",
        "status",
        "ready_url",
        "stats_url",
    ] {
        assert!(
            text.lines()
                .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} = "))),
            "{key} not in the defaults"
        );
    }
    let dir = tmpdir("defaults");
    let file = write(&dir, "tb.toml", &text);
    let out = run(&["testbed", "check", &file]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.show());
    for role in ["client", "tempesta", "server"] {
        let line = role_line(&out, role);
        assert!(line.contains(" localhost "), "{line}");
        assert!(line.contains(" ok"), "{line}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_reports_what_is_missing_with_exit_1() {
    let dir = tmpdir("missing");
    let srcdir = dir.join("tempesta");
    std::fs::create_dir_all(srcdir.join("scripts")).unwrap();
    let text = defaults()
        .replace("# kind = \"tempesta\"", "kind = \"tempesta\"")
        .replace(
            "\"/root/tempesta\"",
            &format!("{:?}", srcdir.display().to_string()),
        )
        + "nginx = \"tfw-bench-test-no-such-nginx\"\n";
    let file = write(&dir, "tb.toml", &text);
    let out = run(&["testbed", "check", &file]);
    assert_eq!(out.code(), Some(1), "{}", out.show());
    let script = format!("{}/scripts/tempesta.sh", srcdir.display());
    assert!(
        role_line(&out, "tempesta").contains(&script),
        "{}",
        out.show()
    );
    assert_eq!(
        role_line(&out, "server")
            .split_whitespace()
            .collect::<Vec<_>>(),
        [
            "server",
            "localhost",
            "missing:",
            "tfw-bench-test-no-such-nginx"
        ]
    );
    // Present now: no longer reported.
    std::fs::write(&script, "#!/bin/bash\n").unwrap();
    let out = run(&["testbed", "check", &file]);
    assert!(
        !role_line(&out, "tempesta").contains(&script),
        "{}",
        out.show()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_file_is_exit_2_with_one_line() {
    let dir = tmpdir("bad");
    let file = write(&dir, "tb.toml", "[general]\nconnect_timeout = \"soon\"\n");
    let out = run(&["testbed", "check", &file]);
    assert_setup_error(
        &out,
        &format!("{file}:2: general.connect_timeout: \"soon\" is not a duration"),
    );
    assert!(out.stdout.is_empty(), "{}", out.show());
    let missing = dir.join("none.toml").display().to_string();
    assert_setup_error(
        &run(&["testbed", "check", &missing]),
        &format!("{missing}: file: cannot read"),
    );
    let ini = write(&dir, "bad.ini", "[Tempesta]\nport = twenty-two\n");
    assert_setup_error(
        &run(&["testbed", "import", &ini]),
        &format!("{ini}:2: Tempesta.port: \"twenty-two\" is not a port number"),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_real_sample_imports_to_a_valid_testbed() {
    let out = run(&["testbed", "import", SAMPLE]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    let tb = Testbed::parse("imported", &out.stdout, Path::new("."))
        .unwrap_or_else(|e| panic!("{e}\n{}", out.stdout));
    assert!(matches!(
        &tb.tempesta.kind,
        Some(TargetKind::Tempesta { srcdir, config, .. })
            if srcdir == "/root/tempesta" && config == "tempesta.conf"
    ));
    let v = tb.vars();
    assert_eq!(v["server_nginx"], "nginx");
    assert_eq!(v["client_wrk"], "wrk");
    assert_eq!(v["tempesta_tmp_config"], "tempesta_tmp.conf");

    // -o writes the same text; an existing OUT needs --force.
    let dir = tmpdir("import");
    let dest = dir.join("tb.toml").display().to_string();
    let w = run(&["testbed", "import", SAMPLE, "-o", &dest]);
    assert_eq!(w.code(), Some(0), "{}", w.show());
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), out.stdout);
    assert_setup_error(&run(&["testbed", "import", SAMPLE, "-o", &dest]), "--force");
    let f = run(&["testbed", "import", SAMPLE, "-o", &dest, "--force"]);
    assert_eq!(f.code(), Some(0), "{}", f.show());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_over_ssh_verifies_the_host_key() {
    let Some(s) = sshd::Sshd::start_or_skip() else {
        return;
    };
    let extra = "kind = \"command\"\nstart = \"true\"\nstop = \"true\"\n";
    let file = s.write_file("tb.toml", &[s.testbed_toml(extra)]);
    let file = file.display().to_string();
    let out = run(&["testbed", "check", &file]);
    assert_eq!(
        out.code(),
        Some(0),
        "{}\nsshd log:\n{}",
        out.show(),
        s.log()
    );
    let want = format!("{}@127.0.0.1:{}", s.user, s.port);
    let line = role_line(&out, "tempesta");
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>(),
        ["tempesta", want.as_str(), "ok"],
        "{}",
        out.show()
    );

    // A Tempesta target whose source tree is not there: reported over SSH, exit 1.
    let srcdir = s.dir.join("no-tempesta").display().to_string();
    let extra = format!("kind = \"tempesta\"\nsrcdir = {srcdir:?}\n");
    let file2 = s.write_file("tb2.toml", &[s.testbed_toml(&extra)]);
    let out = run(&["testbed", "check", &file2.display().to_string()]);
    assert_eq!(out.code(), Some(1), "{}", out.show());
    assert!(
        role_line(&out, "tempesta").contains(&format!("{srcdir}/scripts/tempesta.sh")),
        "{}",
        out.show()
    );

    // An empty known_hosts: refused (exit 2, the tempesta line says why), then accepted and
    // recorded with --accept-new-host-key, then known without it.
    let kh = s.dir.join("kh_empty");
    std::fs::write(&kh, "").unwrap();
    let text = s.testbed_toml("").replace(
        &format!("{:?}", s.known_hosts.display().to_string()),
        &format!("{:?}", kh.display().to_string()),
    );
    assert!(text.contains("kh_empty"), "{text}");
    let file3 = s.write_file("tb3.toml", &[text]).display().to_string();
    let out = run(&["testbed", "check", &file3]);
    assert_eq!(out.code(), Some(2), "{}", out.show());
    assert!(
        role_line(&out, "tempesta").contains("error: "),
        "{}",
        out.show()
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.show());
    let out = run(&["testbed", "check", &file3, "--accept-new-host-key"]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(
        std::fs::read_to_string(&kh)
            .unwrap()
            .contains(&s.host_key_pub),
        "key not recorded"
    );
    let out = run(&["testbed", "check", &file3]);
    assert_eq!(out.code(), Some(0), "{}", out.show());

    // A known_hosts that expects another key: refused even with --accept-new-host-key, and
    // the known_hosts file is left as it was.
    let other = s.other_host_key();
    let kh_line = s.known_hosts_line(&other);
    std::fs::write(&kh, format!("{kh_line}\n")).unwrap();
    let out = run(&["testbed", "check", &file3, "--accept-new-host-key"]);
    assert_eq!(out.code(), Some(2), "{}", out.show());
    let line = role_line(&out, "tempesta");
    assert!(line.contains("HOST KEY CHANGED"), "{}", out.show());
    assert_eq!(
        std::fs::read_to_string(&kh).unwrap(),
        format!("{kh_line}\n")
    );
}
