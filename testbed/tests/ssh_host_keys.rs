//! Host-key verification against a real sshd (support/sshd.rs): unknown hosts refused unless
//! trusted on first use (and then written to known_hosts), hashed entries (ssh-keygen -H),
//! changed keys refused with both fingerprints, revoked keys refused. Fingerprints are
//! compared with what `ssh-keygen -lf` prints.

#[path = "support/spec.rs"]
mod spec;
#[path = "support/sshd.rs"]
mod sshd;

use sshd::Sshd;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use tfw_testbed::host::{connect, HostError};

/// `SHA256:...` of a public key line, by ssh-keygen.
fn keygen_fingerprint(dir: &Path, key_pub: &str) -> String {
    let f = dir.join("fp.pub");
    std::fs::write(&f, format!("{key_pub}\n")).unwrap();
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_string()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn ssh_unknown_host_refused_then_trusted_on_first_use() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let kh = s.dir.join("fresh/ssh/known_hosts");
    let e = spec::connect_err(&spec::spec(&s), &spec::opts(&kh));
    let fp = keygen_fingerprint(&s.dir, &s.host_key_pub);
    match &e {
        HostError::UnknownHostKey {
            key_type,
            fingerprint,
            ..
        } => {
            assert_eq!(key_type, "ssh-ed25519");
            assert_eq!(fingerprint, &fp);
        }
        other => panic!("expected an unknown host key: {other}"),
    }
    let msg = e.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{}", s.port)), "{msg}");
    assert!(msg.contains("--accept-new-host-key"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    assert!(!kh.exists(), "nothing written without the flag");

    let mut o = spec::opts(&kh);
    o.accept_new_host_key = true;
    let mut h = connect(&spec::spec(&s), &o).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        h.exec(&tfw_testbed::host::Cmd::new("true"), spec::QUICK)
            .unwrap()
            .status,
        0
    );
    let text = std::fs::read_to_string(&kh).unwrap();
    assert_eq!(text, format!("{}\n", s.known_hosts_line(&s.host_key_pub)));
    assert_eq!(mode(&kh), 0o600);
    assert_eq!(mode(kh.parent().unwrap()), 0o700);

    // Known now: no flag needed, nothing appended (with the flag neither).
    spec::connect_ok_with(&s, &spec::opts(&kh));
    spec::connect_ok_with(&s, &o);
    assert_eq!(std::fs::read_to_string(&kh).unwrap(), text);
}

#[test]
fn ssh_accept_new_appends_to_an_existing_file() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let other = s.other_host_key();
    // Another host's entry, no final newline.
    let kh = s.dir.join("kh_existing");
    std::fs::write(&kh, format!("[127.0.0.1]:1 {other}")).unwrap();
    let mut o = spec::opts(&kh);
    o.accept_new_host_key = true;
    spec::connect_ok_with(&s, &o);
    let text = std::fs::read_to_string(&kh).unwrap();
    assert_eq!(
        text,
        format!(
            "[127.0.0.1]:1 {other}\n{}\n",
            s.known_hosts_line(&s.host_key_pub)
        )
    );
}

#[test]
fn ssh_hashed_known_hosts_entry_accepted() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let kh = s.write_file("kh_hashed", &[s.known_hosts_line(&s.host_key_pub)]);
    let out = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&kh)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&kh).unwrap();
    assert!(
        text.starts_with("|1|") && !text.contains("127.0.0.1"),
        "{text}"
    );
    spec::connect_ok_with(&s, &spec::opts(&kh));
}

#[test]
fn ssh_changed_host_key_refused_with_both_fingerprints() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let other = s.other_host_key();
    let kh = s.write_file(
        "kh_changed",
        &["# a comment".to_string(), s.known_hosts_line(&other)],
    );
    let expected = keygen_fingerprint(&s.dir, &other);
    let got = keygen_fingerprint(&s.dir, &s.host_key_pub);
    for accept in [false, true] {
        let mut o = spec::opts(&kh);
        o.accept_new_host_key = accept;
        let e = spec::connect_err(&spec::spec(&s), &o);
        assert!(
            matches!(e, HostError::ChangedHostKey { line: 2, .. }),
            "{e}"
        );
        let msg = e.to_string();
        assert!(msg.contains(&expected) && msg.contains(&got), "{msg}");
        assert!(msg.contains(&format!("{}:2", kh.display())), "{msg}");
        assert!(msg.contains("CHANGED"), "{msg}");
    }
    // Never rewritten.
    assert_eq!(std::fs::read_to_string(&kh).unwrap().lines().count(), 2);
}

#[test]
fn ssh_revoked_host_key_refused() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    let line = s.known_hosts_line(&s.host_key_pub);
    let kh = s.write_file("kh_revoked", &[line.clone(), format!("@revoked {line}")]);
    let e = spec::connect_err(&spec::spec(&s), &spec::opts(&kh));
    assert!(
        matches!(e, HostError::RevokedHostKey { line: 2, .. }),
        "{e}"
    );
}

#[test]
fn ssh_unreadable_known_hosts_is_an_error() {
    let Some(s) = Sshd::start_or_skip() else {
        return;
    };
    // A directory where the file should be.
    let e = spec::connect_err(&spec::spec(&s), &spec::opts(&s.dir));
    assert!(matches!(e, HostError::KnownHosts { .. }), "{e}");
}

/// A host offering several key types (Debian's sshd has rsa, ecdsa and ed25519): whichever
/// one known_hosts holds is the one asked for, so the host is not refused as "changed" for
/// offering another type first (libssh2 prefers ecdsa; ssh(1) writes ed25519).
#[test]
fn ssh_known_key_type_is_negotiated_first() {
    let Some(s) = Sshd::start_or_skip_with_host_keys(&["ed25519", "ecdsa"]) else {
        return;
    };
    assert_eq!(s.host_key_pubs.len(), 2);
    for (i, key) in s.host_key_pubs.iter().enumerate() {
        let kh = s.write_file(&format!("kh_type_{i}"), &[s.known_hosts_line(key)]);
        spec::connect_ok_with(&s, &spec::opts(&kh));
    }
    // Unknown: trusted on first use is the key negotiated, and then known.
    let kh = s.dir.join("kh_tofu");
    let mut o = spec::opts(&kh);
    o.accept_new_host_key = true;
    spec::connect_ok_with(&s, &o);
    let line = std::fs::read_to_string(&kh).unwrap();
    assert!(
        s.host_key_pubs
            .iter()
            .any(|k| line == format!("{}\n", s.known_hosts_line(k))),
        "{line}"
    );
    spec::connect_ok_with(&s, &spec::opts(&kh));
}
