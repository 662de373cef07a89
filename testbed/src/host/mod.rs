//! A host to run commands on and to move files to and from: over SSH ([`ssh`]) or this
//! machine ([`local`]), behind one trait so the target code does not care which.
//!
//! OWNER: helper "host" (H2). The public names below are used by the target code and the CLI.

use crate::file::HostSpec;
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

/// A host's errors, each one line; the message never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
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

/// The host of `spec`: local when its hostname is "localhost", else over SSH.
pub fn connect(spec: &HostSpec, opts: &ConnectOptions) -> Result<Box<dyn Host>, HostError> {
    let _ = (spec, opts);
    todo!("H2")
}
