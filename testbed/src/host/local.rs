//! This machine as a [`Host`] (`hostname = "localhost"`): commands through std::process (no
//! shell in between: the argument vector is passed as is), files through std::fs, with the
//! same semantics as over SSH — output captured on both streams at once, a timeout that kills
//! the process group the command started in, uploads written to a temporary name and renamed.

use super::quote::{display_argv, validate};
use super::types::{Cmd, Host, HostError, Output};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long output is still awaited after the command exited while a process it left behind
/// keeps the pipe open (a daemon that did not close its stdout).
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// Commands and files on this machine.
#[derive(Debug, Default)]
pub struct LocalHost;

impl LocalHost {
    pub fn new() -> LocalHost {
        LocalHost
    }
}

enum Chunk {
    Out(Vec<u8>),
    Err(Vec<u8>),
    OutEof,
    ErrEof,
}

/// Reads `r` to its end on a thread of its own, sending what comes as it comes.
fn pump<R: Read + Send + 'static>(
    mut r: R,
    tx: mpsc::Sender<Chunk>,
    wrap: fn(Vec<u8>) -> Chunk,
    eof: Chunk,
) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(wrap(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = tx.send(eof);
    });
}

/// Kills the process group `pgid` (the command was started as its leader), by pid, with
/// kill(1): std has no killpg and this crate uses no `unsafe`.
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(s)) => 128 + s,
        (None, None) => -1,
    }
}

impl Host for LocalHost {
    fn name(&self) -> &str {
        "localhost"
    }

    fn exec(&mut self, cmd: &Cmd, timeout: Duration) -> Result<Output, HostError> {
        let shown = display_argv(cmd, 200);
        let err = |message: String| HostError::Exec {
            host: "localhost".into(),
            command: shown.clone(),
            message,
        };
        validate(cmd).map_err(|e| err(e.to_string()))?;
        let deadline = Instant::now() + timeout;
        let mut c = Command::new(&cmd.argv[0]);
        c.args(&cmd.argv[1..])
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if let Some(dir) = &cmd.cwd {
            c.current_dir(dir);
        }
        let mut child = c.spawn().map_err(|e| err(format!("cannot start: {e}")))?;
        let pid = child.id();
        let (tx, rx) = mpsc::channel();
        if let Some(o) = child.stdout.take() {
            pump(o, tx.clone(), Chunk::Out, Chunk::OutEof);
        }
        if let Some(e) = child.stderr.take() {
            pump(e, tx, Chunk::Err, Chunk::ErrEof);
        }
        let mut out = Output::default();
        let (mut out_eof, mut err_eof) = (false, false);
        let mut status = None;
        let mut drain_until = deadline;
        loop {
            if status.is_none() {
                match child.try_wait() {
                    Ok(Some(s)) => {
                        status = Some(exit_code(s));
                        drain_until = deadline.min(Instant::now() + DRAIN_AFTER_EXIT);
                    }
                    Ok(None) => {}
                    Err(e) => return Err(err(format!("waiting for it: {e}"))),
                }
            }
            if let Some(code) = status {
                if (out_eof && err_eof) || Instant::now() >= drain_until {
                    out.status = code;
                    return Ok(out);
                }
            } else if Instant::now() >= deadline {
                kill_group(pid);
                let _ = child.kill();
                let _ = child.wait();
                return Err(HostError::Timeout {
                    host: "localhost".into(),
                    timeout,
                    command: shown,
                });
            }
            // Wake for output as it comes, or every 10 ms to look at the process.
            match rx.recv_timeout(Duration::from_millis(10)) {
                Ok(Chunk::Out(b)) => out.stdout.extend_from_slice(&b),
                Ok(Chunk::Err(b)) => out.stderr.extend_from_slice(&b),
                Ok(Chunk::OutEof) => out_eof = true,
                Ok(Chunk::ErrEof) => err_eof = true,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    out_eof = true;
                    err_eof = true;
                    if status.is_none() {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }
        }
    }

    fn upload(&mut self, data: &[u8], path: &str, mode: i32) -> Result<(), HostError> {
        let err = |message: String| HostError::Sftp {
            host: "localhost".into(),
            path: path.to_string(),
            message,
        };
        let target = Path::new(path);
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| err(format!("cannot create {}: {e}", parent.display())))?;
        }
        let tmp = format!("{path}.tmp-{}", std::process::id());
        let write = || -> std::io::Result<()> {
            std::fs::write(&tmp, data)?;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode as u32 & 0o7777))?;
            std::fs::rename(&tmp, target)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(format!("cannot write: {e}"))
        })
    }

    fn download(&mut self, path: &str) -> Result<Vec<u8>, HostError> {
        // fs::read reads to EOF: procfs files that report size 0 come whole.
        std::fs::read(path).map_err(|e| HostError::Sftp {
            host: "localhost".into(),
            path: path.to_string(),
            message: format!("cannot read: {e}"),
        })
    }
}
