//! Authentication without `ssh_key`, against a real sshd (support/sshd.rs): the SSH agent
//! (a real ssh-agent holding the test's user key) and OpenSSH's default keys (~/.ssh/id_*),
//! a default key open to others skipped. One test in this binary: it changes HOME and
//! SSH_AUTH_SOCK of the process.

#[path = "support/spec.rs"]
mod spec;
#[path = "support/sshd.rs"]
mod sshd;

use sshd::Sshd;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tfw_testbed::host::{Cmd, HostError};

#[test]
fn ssh_agent_and_default_keys() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut sp = spec::spec(&s);
    sp.ssh_key = None;
    let o = spec::opts(&s.known_hosts);
    std::env::remove_var("SSH_AUTH_SOCK");

    // No agent, no default key.
    let empty_home = s.dir.join("home-empty");
    std::fs::create_dir_all(&empty_home).unwrap();
    std::env::set_var("HOME", &empty_home);
    let e = spec::connect_err(&sp, &o);
    assert!(matches!(e, HostError::Auth { .. }), "{e}");

    // The default key ~/.ssh/id_ed25519.
    let home = s.dir.join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let key = home.join(".ssh/id_ed25519");
    std::fs::copy(&s.user_key, &key).unwrap();
    std::env::set_var("HOME", &home);
    let mut h = spec::connect_ok_with(&s, &o);
    assert_eq!(h.exec(&Cmd::new("true"), spec::QUICK).unwrap().status, 0);

    // Open to others: not used, and said so.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = spec::connect_err(&sp, &o);
    let msg = e.to_string();
    assert!(matches!(e, HostError::Auth { .. }), "{msg}");
    assert!(
        msg.contains("id_ed25519") && msg.contains("UNPROTECTED"),
        "{msg}"
    );

    // The agent, with the user key added; HOME without keys.
    std::env::set_var("HOME", &empty_home);
    let sock = s.dir.join("agent.sock");
    let mut agent = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ssh-agent (openssh-client)");
    let t0 = Instant::now();
    while !sock.exists() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "ssh-agent did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let added = Command::new("ssh-add")
        .arg(&s.user_key)
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    std::env::set_var("SSH_AUTH_SOCK", &sock);
    let result =
        tfw_testbed::host::connect(&sp, &o).map(|mut h| h.exec(&Cmd::new("true"), spec::QUICK));
    std::env::remove_var("SSH_AUTH_SOCK");
    let _ = agent.kill();
    let _ = agent.wait();
    match result {
        Ok(Ok(out)) => assert_eq!(out.status, 0),
        Ok(Err(e)) | Err(e) => panic!("through the agent: {e}"),
    }
}
