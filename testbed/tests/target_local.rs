//! `Target` on this machine (`hostname = "localhost"`, no SSH) through the same interface:
//! the Tempesta stand-in (testdata/standin, not real Tempesta), nginx as a command target,
//! and a test-bed without `kind`. Writing /dev/kmsg and reading dmesg need root, as for
//! real Tempesta; without root the tests say "skipped" (under CI they must run).

mod target_support;

use std::time::Duration;
use target_support::*;
use tfw_testbed::host::ConnectOptions;
use tfw_testbed::target::Target;

fn opts() -> ConnectOptions {
    ConnectOptions {
        known_hosts: "/nonexistent".into(),
        accept_new_host_key: false,
        connect_timeout: Duration::from_secs(5),
    }
}

fn root_or_skip() -> bool {
    let uid = std::process::Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set: the target tests need root"
    );
    println!("skipped: /dev/kmsg and dmesg need root");
    false
}

#[test]
fn open_without_kind_is_an_error() {
    let mut tb = testbed(
        local_spec(),
        "/nonexistent".as_ref(),
        &temp_dir("work"),
        tempesta_kind("/x".as_ref()),
    );
    tb.tempesta.kind = None;
    let e = Target::open(&tb, &opts())
        .err()
        .expect("no kind, no target")
        .to_string();
    assert!(e.contains("names no target to control"), "{e}");
    // The host alone (what `remote exec` uses): control calls are errors, not panics.
    let host = tfw_testbed::host::connect(&tb.tempesta.host, &opts()).unwrap();
    let mut t = Target::with_host(host, tb);
    for e in [
        t.status().err().map(|e| e.to_string()),
        t.start(None).err().map(|e| e.to_string()),
        t.counters().err().map(|e| e.to_string()),
        t.facts().err().map(|e| e.to_string()),
    ] {
        assert!(e.unwrap().contains("names no target to control"));
    }
    let out = t.exec(&tfw_testbed::host::Cmd::new("true")).unwrap();
    assert_eq!(out.status, 0);
}

#[test]
fn tempesta_standin_locally() {
    if !root_or_skip() {
        return;
    }
    let src = standin_srcdir("procfs-d6519380-format.txt");
    let work = temp_dir("work");
    let tb = testbed(
        local_spec(),
        "/nonexistent".as_ref(),
        &work,
        tempesta_kind(&src),
    );
    let mut t = Target::open(&tb, &opts()).unwrap();
    assert_eq!(t.host.name(), "localhost");
    scenarios::standin_fails(&mut t, &src);
    scenarios::run_standin(&mut t, &src, &work);
    scenarios::kernel_log_finding(&mut t);
}

#[test]
fn nginx_command_target_locally() {
    let nginx = NginxTarget::new();
    let tb = testbed(
        local_spec(),
        "/nonexistent".as_ref(),
        &temp_dir("work"),
        nginx.kind(),
    );
    let mut t = Target::open(&tb, &opts()).unwrap();
    scenarios::run_nginx(&mut t, &nginx);
}

#[test]
fn perfstat_and_state_keys_of_a_testbed_file() {
    let work = temp_dir("work");
    let text = format!(
        "[tempesta]\nhostname = \"localhost\"\nworkdir = \"{}\"\nkind = \"tempesta\"\n\
         srcdir = \"/opt/tempesta\"\nperfstat = \"/tmp/standin/perfstat\"\nstate = \"/tmp/standin/state\"\n",
        work.display()
    );
    let tb = tfw_testbed::file::Testbed::parse("t.toml", &text, &work).unwrap();
    let t = Target::open(&tb, &opts()).unwrap();
    assert_eq!(t.paths.perfstat, "/tmp/standin/perfstat");
    assert_eq!(t.paths.state, "/tmp/standin/state");
    // Without them, the real ones.
    let text = text.replace(
        "perfstat = \"/tmp/standin/perfstat\"\nstate = \"/tmp/standin/state\"\n",
        "",
    );
    let tb = tfw_testbed::file::Testbed::parse("t.toml", &text, &work).unwrap();
    let t = Target::open(&tb, &opts()).unwrap();
    assert_eq!(t.paths, tfw_testbed::target::TempestaPaths::default());
    assert_eq!(t.paths.perfstat, "/proc/tempesta/perfstat");
}

#[test]
fn facts_name_the_srcdir_revision() {
    let src = standin_srcdir("issue-2250.txt");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&src)
            .args(["-c", "user.name=t", "-c", "user.email=t@localhost"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "stand-in"]);
    git(&["tag", "v0.8.0-test"]);
    let tb = testbed(
        local_spec(),
        "/nonexistent".as_ref(),
        &temp_dir("work"),
        tempesta_kind(&src),
    );
    let mut t = Target::open(&tb, &opts()).unwrap();
    let f = t.facts().unwrap();
    assert_eq!(f.revision.as_deref(), Some("v0.8.0-test"));
    std::fs::write(src.join("scripts/tempesta.sh"), "#!/bin/sh\n").unwrap();
    assert_eq!(
        t.facts().unwrap().revision.as_deref(),
        Some("v0.8.0-test-dirty")
    );
    assert!(f.kernel.is_some_and(|k| !k.is_empty()));
}
