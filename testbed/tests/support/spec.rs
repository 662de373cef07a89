//! The HostSpec and ConnectOptions of a test sshd ([`crate::sshd::Sshd`]), for the host tests.

#![allow(dead_code)]

use crate::sshd::Sshd;
use std::path::Path;
use std::time::Duration;
use tfw_testbed::file::HostSpec;
use tfw_testbed::host::{connect, ConnectOptions, Host, HostError};

/// Bound on connecting to the local test sshd (generous: the machine is shared).
pub const CONNECT: Duration = Duration::from_secs(30);
/// Bound on a command that should finish at once (generous for the same reason).
pub const QUICK: Duration = Duration::from_secs(60);

pub fn spec(s: &Sshd) -> HostSpec {
    HostSpec {
        ip: "127.0.0.1".into(),
        hostname: "127.0.0.1".into(),
        port: s.port,
        user: s.user.clone(),
        ssh_key: Some(s.user_key.clone()),
    }
}

pub fn opts(known_hosts: &Path) -> ConnectOptions {
    ConnectOptions {
        known_hosts: known_hosts.to_path_buf(),
        accept_new_host_key: false,
        connect_timeout: CONNECT,
    }
}

/// Connected with the sshd's own known_hosts and user key.
pub fn connect_ok(s: &Sshd) -> Box<dyn Host> {
    connect(&spec(s), &opts(&s.known_hosts))
        .unwrap_or_else(|e| panic!("connect: {e}\nsshd log:\n{}", s.log()))
}

/// The error of a connect that must fail.
pub fn connect_err(spec: &HostSpec, opts: &ConnectOptions) -> HostError {
    match connect(spec, opts) {
        Ok(h) => panic!("connect to {} should have failed", h.name()),
        Err(e) => e,
    }
}

/// Connected with the sshd's user key and the options given.
pub fn connect_ok_with(s: &Sshd, o: &ConnectOptions) -> Box<dyn Host> {
    connect(&spec(s), o).unwrap_or_else(|e| panic!("connect: {e}\nsshd log:\n{}", s.log()))
}
