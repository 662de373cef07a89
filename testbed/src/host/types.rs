//! The host interface's types: a command ([`Cmd`]), what it did ([`Output`]), how to connect
//! ([`ConnectOptions`]), what can go wrong ([`HostError`]) and the [`Host`] trait. Apart from
//! `mod.rs` (which re-exports them as `host::...`) so that the implementations import these
//! and not the module that names them: no import circle.

use std::path::PathBuf;
use std::time::Duration;

/// What a command did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Exit status; a command killed by a signal is 128 + the signal.
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// A command: a program with arguments, environment and directory, quoted for the remote
/// shell when run over SSH (no value can inject shell syntax), or a shell script of the
/// user's own (a `command` target's start/stop), run with `sh -c`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cmd {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: Option<String>,
}

impl Cmd {
    pub fn new(program: &str) -> Cmd {
        Cmd {
            argv: vec![program.to_string()],
            ..Cmd::default()
        }
    }
    /// `sh -c SCRIPT`: the script is the user's own shell text.
    pub fn shell(script: &str) -> Cmd {
        Cmd::new("sh").arg("-c").arg(script)
    }
    pub fn arg(mut self, a: &str) -> Cmd {
        self.argv.push(a.to_string());
        self
    }
    pub fn env(mut self, k: &str, v: &str) -> Cmd {
        self.env.push((k.to_string(), v.to_string()));
        self
    }
    pub fn cwd(mut self, dir: &str) -> Cmd {
        self.cwd = Some(dir.to_string());
        self
    }
}

/// How to connect.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub known_hosts: PathBuf,
    /// Trust an unknown host's key and append it to known_hosts (never a changed one).
    pub accept_new_host_key: bool,
    pub connect_timeout: Duration,
}

/// A host's errors, each one line; the message never holds a secret (no key contents, no
/// environment values of a command).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// No TCP connection to any address of the host.
    #[error("{host}: unreachable: {message}")]
    Unreachable { host: String, message: String },
    /// The SSH handshake failed or timed out.
    #[error("{host}: SSH handshake failed: {message}")]
    Handshake { host: String, message: String },
    /// The host's key is not in known_hosts (trust on first use needs the flag).
    #[error(
        "{host}: host key not known: {key_type} {fingerprint} is not in {known_hosts}; \
         verify the fingerprint and run with --accept-new-host-key to trust it"
    )]
    UnknownHostKey {
        host: String,
        key_type: String,
        fingerprint: String,
        known_hosts: String,
    },
    /// The host shows a key other than the one on file: refused, always. `expected` and
    /// `got` are "KEYTYPE SHA256:fingerprint".
    #[error(
        "{host}: HOST KEY CHANGED, refused (possible man-in-the-middle): expected {expected} \
         ({file}:{line}), got {got}; if the host was reinstalled, remove line {line} of {file}"
    )]
    ChangedHostKey {
        host: String,
        file: String,
        line: usize,
        expected: String,
        got: String,
    },
    /// The host's key is marked `@revoked`.
    #[error("{host}: host key {key_type} {fingerprint} is revoked ({file}:{line}), refused")]
    RevokedHostKey {
        host: String,
        key_type: String,
        fingerprint: String,
        file: String,
        line: usize,
    },
    /// A private key file that is missing, unreadable or open to others.
    #[error("{path}: {message}")]
    KeyFile { path: String, message: String },
    /// No authentication method worked.
    #[error("{host}: authentication failed (tried: {tried})")]
    Auth { host: String, tried: String },
    /// A command ran past its timeout (it was killed).
    #[error("{host}: command timed out after {timeout:?}: {command}")]
    Timeout {
        host: String,
        timeout: Duration,
        command: String,
    },
    /// A command could not be run (not: it ran and failed; that is an [`Output`]).
    #[error("{host}: {command}: {message}")]
    Exec {
        host: String,
        command: String,
        message: String,
    },
    /// A file transfer failed.
    #[error("{host}: {path}: {message}")]
    Sftp {
        host: String,
        path: String,
        message: String,
    },
    /// The known_hosts file cannot be read or written.
    #[error("{file}: {message}")]
    KnownHosts { file: String, message: String },
    #[error("{host}: {message}")]
    Other { host: String, message: String },
}

pub trait Host: Send {
    /// "user@host:port", or "localhost".
    fn name(&self) -> &str;
    /// Runs `cmd`; more than `timeout` is an error (the command is abandoned/killed).
    fn exec(&mut self, cmd: &Cmd, timeout: Duration) -> Result<Output, HostError>;
    /// Writes `data` to the file `path` on the host (mode `mode`), atomically where possible.
    fn upload(&mut self, data: &[u8], path: &str, mode: i32) -> Result<(), HostError>;
    /// Reads the file `path` on the host.
    fn download(&mut self, path: &str) -> Result<Vec<u8>, HostError>;
}
