//! Reaching and authenticating against a real sshd (support/sshd.rs): key files that are
//! missing or open to others refused like OpenSSH, a key the server does not know refused
//! with the methods tried, unreachable ports and silent servers bounded.

#[path = "support/spec.rs"]
mod spec;
#[path = "support/sshd.rs"]
mod sshd;

use sshd::Sshd;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;
use tfw_testbed::host::HostError;

#[test]
fn ssh_key_file_open_to_others_refused() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let key = s.dir.join("loose_key");
    std::fs::copy(&s.user_key, &key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut sp = spec::spec(&s);
    sp.ssh_key = Some(key.clone());
    let e = spec::connect_err(&sp, &spec::opts(&s.known_hosts));
    assert!(matches!(e, HostError::KeyFile { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("UNPROTECTED PRIVATE KEY FILE") && msg.contains("0644"),
        "{msg}"
    );
    assert!(msg.contains(&key.display().to_string()), "{msg}");
    let contents = std::fs::read_to_string(&key).unwrap();
    for l in contents.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!msg.contains(l), "key contents in the message: {msg}");
    }
}

#[test]
fn ssh_missing_key_file_refused() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut sp = spec::spec(&s);
    sp.ssh_key = Some(s.dir.join("no_such_key"));
    let e = spec::connect_err(&sp, &spec::opts(&s.known_hosts));
    assert!(matches!(e, HostError::KeyFile { .. }), "{e}");
    assert!(
        e.to_string().contains("no_such_key: no such key file"),
        "{e}"
    );
}

#[test]
fn ssh_unknown_user_key_refused_with_methods_tried() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let key = s.dir.join("stranger_ed25519");
    sshd::keygen(&key);
    let mut sp = spec::spec(&s);
    sp.ssh_key = Some(key.clone());
    let e = spec::connect_err(&sp, &spec::opts(&s.known_hosts));
    assert!(matches!(e, HostError::Auth { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("{}@127.0.0.1:{}", s.user, s.port)),
        "{msg}"
    );
    assert!(
        msg.contains("publickey") && msg.contains("stranger_ed25519"),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "{msg}");
}

#[test]
fn ssh_wrong_user_refused() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut sp = spec::spec(&s);
    sp.user = "tfw-bench-nobody".into();
    let e = spec::connect_err(&sp, &spec::opts(&s.known_hosts));
    assert!(matches!(e, HostError::Auth { .. }), "{e}");
}

#[test]
fn ssh_unreachable_port() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut sp = spec::spec(&s);
    sp.port = port;
    let e = spec::connect_err(&sp, &spec::opts(&s.known_hosts));
    assert!(matches!(e, HostError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
}

#[test]
fn ssh_unresolvable_host() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let mut sp = spec::spec(&s);
    sp.hostname = "no-such-host.invalid".into();
    let e = spec::connect_err(&sp, &spec::opts(&s.known_hosts));
    assert!(matches!(e, HostError::Unreachable { .. }), "{e}");
}

#[test]
fn ssh_silent_server_handshake_times_out() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    // Accepts (the kernel does, from the backlog) and never speaks.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut sp = spec::spec(&s);
    sp.port = silent.local_addr().unwrap().port();
    let mut o = spec::opts(&s.known_hosts);
    o.connect_timeout = Duration::from_secs(1);
    let e = spec::connect_err(&sp, &o);
    assert!(matches!(e, HostError::Handshake { .. }), "{e}");
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[test]
fn ssh_passphrase_protected_key_refused_without_printing_it() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    // The server knows this key; only its passphrase is missing.
    let key = s.dir.join("locked_ed25519");
    let out = std::process::Command::new("ssh-keygen")
        .args(["-t", "ed25519", "-N", "s3cret-pass", "-q", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let public = std::fs::read_to_string(s.dir.join("locked_ed25519.pub")).unwrap();
    let mut auth = std::fs::OpenOptions::new()
        .append(true)
        .open(s.dir.join("authorized_keys"))
        .unwrap();
    std::io::Write::write_all(&mut auth, public.as_bytes()).unwrap();
    let mut sp = spec::spec(&s);
    sp.ssh_key = Some(key);
    let e = spec::connect_err(&sp, &spec::opts(&s.known_hosts));
    assert!(matches!(e, HostError::Auth { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("locked_ed25519") && !msg.contains("s3cret"),
        "{msg}"
    );
}
