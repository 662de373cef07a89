//! A host over SSH (the ssh2 crate, libssh2): TCP connect with a timeout over every address
//! of the name, the handshake bounded by the same timeout, the host key verified against
//! known_hosts BEFORE any authentication (tempesta-test's paramiko AutoAddPolicy skips this;
//! we do not), then key-file or agent authentication. Commands: [`super::exec`]; files:
//! [`super::sftp`].

use super::attempt::{millis, Attempt};
use super::known_hosts::{self, Verdict};
use super::types::{Cmd, ConnectOptions, Host, HostError, Output};
use super::{exec, keyfile, sftp};
use crate::file::HostSpec;
use ssh2::Session;
use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Bound on each blocking SSH call after the connect (SFTP reads and writes, channel opens).
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// A connected, verified, authenticated SSH session.
pub struct SshHost {
    session: Session,
    /// "user@host:port".
    name: String,
    /// What it was connected with, to connect again when the connection was lost.
    spec: HostSpec,
    opts: ConnectOptions,
}

/// The user name of this process, for a spec without `user`.
fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".to_string())
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// `~/x` as $HOME/x.
fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), home()) {
        (Ok(rest), Some(h)) => h.join(rest),
        _ => p.to_path_buf(),
    }
}

fn tcp_connect(
    host: &str,
    port: u16,
    timeout: Duration,
    name: &str,
) -> Result<TcpStream, HostError> {
    let unreachable = |message: String| HostError::Unreachable {
        host: name.to_string(),
        message,
    };
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(unreachable(format!("{host} has no address")));
    }
    let mut errors = Vec::new();
    for a in &addrs {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => {
                // SSH sends small packets and waits for the answer (key exchange, auth,
                // channel requests): without this, Nagle's algorithm against the peer's
                // delayed ACK adds ~40 ms to an exchange (OpenSSH sets it too). A socket
                // that refuses the option still works, only slower.
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => errors.push(format!("{a}: {e}")),
        }
    }
    Err(unreachable(errors.join("; ")))
}

fn read_known_hosts(path: &Path) -> Result<String, HostError> {
    match std::fs::read(path) {
        Ok(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(HostError::KnownHosts {
            file: path.display().to_string(),
            message: format!("cannot read: {e}"),
        }),
    }
}

/// Appends `line` to known_hosts, creating it (0600) and its directory (0700) if needed.
fn append_known_host(path: &Path, line: &str) -> Result<(), HostError> {
    let err = |message: String| HostError::KnownHosts {
        file: path.display().to_string(),
        message,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let existing = std::fs::read(path).unwrap_or_default();
    let mut text = String::new();
    if !existing.is_empty() && !existing.ends_with(b"\n") {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| err(format!("cannot append the new host key: {e}")))
}

/// Checks the session's host key against known_hosts; trusts a new one if allowed.
fn verify_host_key(
    session: &Session,
    spec: &HostSpec,
    opts: &ConnectOptions,
    known_hosts_path: &Path,
    text: &str,
    name: &str,
) -> Result<(), HostError> {
    let (blob, _) = session.host_key().ok_or_else(|| HostError::Handshake {
        host: name.to_string(),
        message: "the server sent no host key".into(),
    })?;
    let key_type = known_hosts::key_type_of(blob).ok_or_else(|| HostError::Handshake {
        host: name.to_string(),
        message: "the server's host key is malformed".into(),
    })?;
    let fingerprint = known_hosts::fingerprint(blob);
    let file = known_hosts_path.display().to_string();
    match known_hosts::check(text, &spec.hostname, spec.port, &key_type, blob) {
        Verdict::Known { .. } => Ok(()),
        Verdict::Revoked { line } => Err(HostError::RevokedHostKey {
            host: name.to_string(),
            key_type,
            fingerprint,
            file,
            line,
        }),
        Verdict::Changed {
            line,
            key_type: expected_type,
            fingerprint: expected,
        } => Err(HostError::ChangedHostKey {
            host: name.to_string(),
            file,
            line,
            expected: format!("{expected_type} {expected}"),
            got: format!("{key_type} {fingerprint}"),
        }),
        Verdict::Unknown if opts.accept_new_host_key => {
            let line = known_hosts::entry_line(&spec.hostname, spec.port, &key_type, blob);
            append_known_host(known_hosts_path, &line)?;
            eprintln!(
                "tfw-bench: {name}: trusting new host key {key_type} {fingerprint} \
                 (--accept-new-host-key); added to {file}"
            );
            Ok(())
        }
        Verdict::Unknown => Err(HostError::UnknownHostKey {
            host: name.to_string(),
            key_type,
            fingerprint,
            known_hosts: file,
        }),
    }
}

/// The public key next to a private key file, if there is one (libssh2 can also derive it).
fn pub_of(key: &Path) -> Option<PathBuf> {
    let mut p = key.as_os_str().to_owned();
    p.push(".pub");
    let p = PathBuf::from(p);
    p.exists().then_some(p)
}

/// Tries one private key; Err(reason) for the failure list (no key contents: libssh2's
/// message names what went wrong, not the key).
fn try_key(session: &Session, user: &str, key: &Path) -> Result<(), String> {
    session
        .userauth_pubkey_file(user, pub_of(key).as_deref(), key, None)
        .map_err(|e| e.message().to_string())
}

fn authenticate(
    session: &Session,
    spec: &HostSpec,
    user: &str,
    name: &str,
) -> Result<(), HostError> {
    let mut tried = Vec::new();
    if let Some(key) = &spec.ssh_key {
        let key = expand_home(key);
        keyfile::check(&key).map_err(|p| HostError::KeyFile {
            path: p.path.display().to_string(),
            message: p.message,
        })?;
        match try_key(session, user, &key) {
            Ok(()) => return Ok(()),
            Err(e) => tried.push(format!("publickey {} ({e})", key.display())),
        }
    } else {
        if std::env::var_os("SSH_AUTH_SOCK").is_some() {
            match session.userauth_agent(user) {
                Ok(()) => return Ok(()),
                Err(e) => tried.push(format!("agent ({})", e.message())),
            }
        }
        for key in home()
            .map(|h| keyfile::default_keys(&h))
            .unwrap_or_default()
        {
            if let Err(p) = keyfile::check(&key) {
                tried.push(format!(
                    "publickey {} (not used: {})",
                    key.display(),
                    p.message
                ));
                continue;
            }
            match try_key(session, user, &key) {
                Ok(()) => return Ok(()),
                Err(e) => tried.push(format!("publickey {} ({e})", key.display())),
            }
        }
    }
    if session.authenticated() {
        return Ok(());
    }
    if tried.is_empty() {
        tried.push("nothing: no ssh_key, no SSH agent (SSH_AUTH_SOCK), no ~/.ssh/id_* key".into());
    }
    Err(HostError::Auth {
        host: name.to_string(),
        tried: tried.join(", "),
    })
}

impl SshHost {
    /// Connects, verifies the host key, authenticates; every step bounded by the connect
    /// timeout.
    pub fn connect(spec: &HostSpec, opts: &ConnectOptions) -> Result<SshHost, HostError> {
        let user = if spec.user.is_empty() {
            current_user()
        } else {
            spec.user.clone()
        };
        let name = format!("{user}@{}:{}", spec.hostname, spec.port);
        let known_hosts_path = expand_home(&opts.known_hosts);
        let text = read_known_hosts(&known_hosts_path)?;
        let handshake = |message: String| HostError::Handshake {
            host: name.clone(),
            message,
        };
        let tcp = tcp_connect(&spec.hostname, spec.port, opts.connect_timeout, &name)?;
        let mut session = Session::new().map_err(|e| handshake(e.message().to_string()))?;
        // Ask for a host key of a type already on file first, as ssh does.
        let known = known_hosts::known_types(&text, &spec.hostname, spec.port);
        if let Some(pref) = known_hosts::preferred_types(&known) {
            let _ = session.method_pref(ssh2::MethodType::HostKey, &pref);
        }
        session.set_tcp_stream(tcp);
        session.set_timeout(millis(opts.connect_timeout));
        session.handshake().map_err(|e| {
            if e.code() == ssh2::ErrorCode::Session(-9) {
                handshake(format!("timed out after {:?}", opts.connect_timeout))
            } else {
                handshake(e.message().to_string())
            }
        })?;
        verify_host_key(&session, spec, opts, &known_hosts_path, &text, &name)?;
        authenticate(&session, spec, &user, &name)?;
        session.set_timeout(millis(IO_TIMEOUT));
        Ok(SshHost {
            session,
            name,
            spec: spec.clone(),
            opts: opts.clone(),
        })
    }

    /// Runs `op`; if it finds the connection lost before anything ran (the host rebooted,
    /// the network dropped it while a long run went on), connects again, verifying the host
    /// key as the first time, and runs it once more.
    fn retrying<T>(
        &mut self,
        mut op: impl FnMut(&mut SshHost) -> Result<T, Attempt>,
    ) -> Result<T, HostError> {
        match op(self) {
            Ok(v) => Ok(v),
            Err(a) if a.lost => {
                *self = SshHost::connect(&self.spec, &self.opts)?;
                op(self).map_err(|a| a.error)
            }
            Err(a) => Err(a.error),
        }
    }
}

impl Host for SshHost {
    fn name(&self) -> &str {
        &self.name
    }

    fn exec(&mut self, cmd: &Cmd, timeout: Duration) -> Result<Output, HostError> {
        self.retrying(|h| exec::attempt(&h.session, &h.name, cmd, timeout))
    }

    fn upload(&mut self, data: &[u8], path: &str, mode: i32) -> Result<(), HostError> {
        self.retrying(|h| sftp::upload(&h.session, &h.name, data, path, mode))
    }

    fn download(&mut self, path: &str) -> Result<Vec<u8>, HostError> {
        self.retrying(|h| sftp::download(&h.session, &h.name, path))
    }
}
