//! Commands and files over SSH against a real sshd (support/sshd.rs): output and status,
//! literal arguments, env and cwd, a timeout that kills the remote process group, SFTP upload
//! and download (procfs included).

#[path = "support/host_cases.rs"]
mod host_cases;
#[path = "support/spec.rs"]
mod spec;
#[path = "support/sshd.rs"]
mod sshd;

use sshd::Sshd;

fn work(s: &Sshd) -> String {
    s.dir.join("work").display().to_string()
}

#[test]
fn ssh_exec_streams_and_status() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut h = spec::connect_ok(&s);
    assert_eq!(h.name(), format!("{}@127.0.0.1:{}", s.user, s.port));
    host_cases::exec_streams_and_status(h.as_mut());
}

#[test]
fn ssh_hostile_arguments_stay_literal() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut h = spec::connect_ok(&s);
    host_cases::hostile_arguments_stay_literal(h.as_mut());
}

#[test]
fn ssh_env_and_cwd() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut h = spec::connect_ok(&s);
    host_cases::env_and_cwd(h.as_mut(), &work(&s));
}

#[test]
fn ssh_timeout_kills_the_remote_process_group() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut h = spec::connect_ok(&s);
    host_cases::timeout_kills_the_process_group(h.as_mut(), &work(&s));
}

#[test]
fn ssh_upload_download() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut h = spec::connect_ok(&s);
    host_cases::upload_download(h.as_mut(), &work(&s));
}

#[test]
fn ssh_download_procfs() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut h = spec::connect_ok(&s);
    host_cases::download_procfs(h.as_mut());
}

#[test]
fn ssh_leftover_process_does_not_hold_the_command() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut h = spec::connect_ok(&s);
    host_cases::leftover_process_does_not_hold_the_command(h.as_mut(), &work(&s));
}

/// The harness's test-bed file (used by the other crates' tests) is one the parser takes,
/// and its `[tempesta]` host is this sshd, reachable with the file's own settings.
#[test]
fn ssh_harness_testbed_file_connects() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let text = s.testbed_toml("kind = \"command\"\nstart = \"true\"\nstop = \"true\"");
    let tb = tfw_testbed::file::Testbed::parse("harness.toml", &text, &s.dir)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(tb.client.host.is_local() && tb.server.host.is_local());
    assert_eq!(tb.tempesta.workdir, work(&s));
    let opts = tfw_testbed::host::ConnectOptions {
        known_hosts: tb.general.known_hosts.clone(),
        accept_new_host_key: false,
        connect_timeout: spec::CONNECT,
    };
    let mut h =
        tfw_testbed::host::connect(&tb.tempesta.host, &opts).unwrap_or_else(|e| panic!("{e}"));
    let out = h
        .exec(
            &tfw_testbed::host::Cmd::new("pwd").cwd(&tb.tempesta.workdir),
            spec::QUICK,
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", work(&s))
    );
}

/// A connection lost between commands (the host rebooted, the network dropped it during a
/// long run) is made again, host key verified as before, and the command runs.
#[test]
fn ssh_lost_connection_is_made_again() {
    use tfw_testbed::host::Cmd;
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut a = spec::connect_ok(&s);
    let mut b = spec::connect_ok(&s);
    let text =
        |o: tfw_testbed::host::Output| String::from_utf8(o.stdout).unwrap().trim().to_string();
    for round in 0..2 {
        // The sshd process serving A: the parent of A's wrapper shell, a child of our sshd.
        let server = text(
            a.exec(&Cmd::shell("ps -o ppid= -p $PPID"), spec::QUICK)
                .unwrap(),
        );
        let parent = text(
            b.exec(
                &Cmd::new("ps").arg("-o").arg("ppid=").arg("-p").arg(&server),
                spec::QUICK,
            )
            .unwrap(),
        );
        assert_eq!(
            parent,
            s.pid().to_string(),
            "pid {server} is not our sshd's"
        );
        let killed = b
            .exec(&Cmd::new("kill").arg("-KILL").arg(&server), spec::QUICK)
            .unwrap();
        assert_eq!(killed.status, 0);
        if round == 0 {
            let out = a.exec(&Cmd::new("echo").arg("again"), spec::QUICK);
            assert_eq!(text(out.unwrap_or_else(|e| panic!("{e}"))), "again");
        } else {
            let path = format!("{}/after-reconnect", work(&s));
            a.upload(b"data", &path, 0o600)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(a.download(&path).unwrap(), b"data");
        }
    }
}
