//! `Target` over a real sshd (testbed/tests/support/sshd.rs: OpenSSH on 127.0.0.1 with keys
//! the test generates): nginx as a command target, the Tempesta stand-in
//! (testdata/standin, not real Tempesta) through its tempesta.sh interface, a failing
//! script, a ready timeout, and the kernel log after a mark.

#[path = "support/sshd.rs"]
mod sshd;
mod target_support;

use sshd::Sshd;
use std::path::Path;
use std::time::Duration;
use target_support::*;
use tfw_testbed::file::{HostSpec, TargetKind};
use tfw_testbed::host::ConnectOptions;
use tfw_testbed::target::Target;

fn spec(s: &Sshd) -> HostSpec {
    HostSpec {
        ip: "127.0.0.1".into(),
        hostname: "127.0.0.1".into(),
        port: s.port,
        user: s.user.clone(),
        ssh_key: Some(s.user_key.clone()),
    }
}

fn open(s: &Sshd, work: &Path, kind: TargetKind) -> Target {
    let tb = testbed(spec(s), &s.known_hosts, work, kind);
    let opts = ConnectOptions {
        known_hosts: s.known_hosts.clone(),
        accept_new_host_key: false,
        connect_timeout: Duration::from_secs(10),
    };
    Target::open(&tb, &opts).unwrap_or_else(|e| panic!("open: {e}\nsshd log:\n{}", s.log()))
}

#[test]
fn nginx_command_target_over_ssh() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let nginx = NginxTarget::new();
    let mut t = open(&s, &temp_dir("work"), nginx.kind());
    assert!(t.host.name().contains(&s.port.to_string()));
    scenarios::run_nginx(&mut t, &nginx);
}

#[test]
fn command_target_config_env_and_ready_timeout() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let work = temp_dir("work");
    let closed = free_port();
    let kind = TargetKind::Command {
        start: "cat \"$TFW_CONFIG\" > started.txt; pwd >> started.txt".into(),
        stop: "true".into(),
        reload: None,
        status: None,
        ready_url: Some(format!("http://127.0.0.1:{closed}/")),
        stats_url: None,
        config: Some("conf/target.conf".into()),
        config_file: None,
    };
    let mut t = open(&s, &work, kind);
    t.testbed.general.ready_timeout = Duration::from_secs(1);
    let e = t.start(Some(b"x = 1\n")).unwrap_err().to_string();
    assert!(e.contains("did not answer within 1s"), "{e}");
    // The start command ran in workdir, with TFW_CONFIG naming the uploaded config.
    let started = std::fs::read_to_string(work.join("started.txt")).unwrap();
    assert_eq!(started, format!("x = 1\n{}\n", work.display()));
    let st = t.status().unwrap();
    assert!(
        !st.running && st.detail.contains("does not answer"),
        "{}",
        st.detail
    );
    assert!(t.counters().unwrap().is_none(), "no stats_url, no counters");
    let e = t.reload(None).unwrap_err().to_string();
    assert!(e.contains("no reload command"), "{e}");
}

#[test]
fn tempesta_standin_over_ssh() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let src = standin_srcdir("issue-2250.txt");
    let work = temp_dir("work");
    let mut kind = tempesta_kind(&src);
    if let TargetKind::Tempesta { interfaces, .. } = &mut kind {
        *interfaces = "lo".into();
    }
    let mut t = open(&s, &work, kind);
    scenarios::run_standin(&mut t, &src, &work);
}

#[test]
fn tempesta_config_file_over_ssh() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let src = standin_srcdir("readme-53bd41cc.txt");
    let work = temp_dir("work");
    let mut t = open(&s, &work, tempesta_kind(&src));
    scenarios::standin_config_file(&mut t, &src, &work);
}

#[test]
fn failing_tempesta_sh_over_ssh() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let src = standin_srcdir("issue-2250.txt");
    let mut t = open(&s, &temp_dir("work"), tempesta_kind(&src));
    scenarios::standin_fails(&mut t, &src);
}

#[test]
fn tempesta_ready_timeout_over_ssh() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let src = standin_srcdir("issue-2250.txt");
    let mut t = open(&s, &temp_dir("work"), tempesta_kind(&src));
    scenarios::standin_never_ready(&mut t, &src);
}

#[test]
fn kernel_log_finding_over_ssh() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let src = standin_srcdir("issue-2250.txt");
    let mut t = open(&s, &temp_dir("work"), tempesta_kind(&src));
    scenarios::kernel_log_finding(&mut t);
}

/// The whole path the CLI takes: a test-bed file's text, parsed, then `Target::open`.
#[test]
fn stand_in_from_a_testbed_file_over_ssh() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let src = standin_srcdir("issue-2250.txt");
    let extra = format!(
        "kind = \"tempesta\"\nsrcdir = {}\nconfig = \"etc/tempesta.conf\"\nperfstat = {}\nstate = {}\n",
        sshd::toml_str(&src.display().to_string()),
        sshd::toml_str(&src.join("run/perfstat").display().to_string()),
        sshd::toml_str(&src.join("run/state").display().to_string()),
    );
    let text = s.testbed_toml(&extra);
    let tb = tfw_testbed::file::Testbed::parse("standin.toml", &text, &s.dir).unwrap();
    let opts = ConnectOptions {
        known_hosts: tb.general.known_hosts.clone(),
        accept_new_host_key: false,
        connect_timeout: tb.general.connect_timeout,
    };
    let mut t = Target::open(&tb, &opts).unwrap();
    let _one_at_a_time = standin_lock();
    t.start(Some(b"listen 80;\n")).unwrap();
    let work = std::path::PathBuf::from(&tb.tempesta.workdir);
    assert_eq!(
        std::fs::read(work.join("etc/tempesta.conf")).unwrap(),
        b"listen 80;\n"
    );
    let c = t.counters().unwrap().unwrap();
    assert_eq!(c.source, "perfstat");
    assert!(c
        .entries
        .iter()
        .any(|e| e.name == "client_rx_bytes" && e.value == 29));
    t.stop().unwrap();
    assert!(!t.status().unwrap().running);
}
