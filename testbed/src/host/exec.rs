//! One command over an SSH channel, bounded by a timeout that really stops it.
//!
//! The quoted command line ([`super::quote`]) runs as
//! `exec sh -c 'echo PIDMARK$$; LINE; rc=$?; printf "\nRCMARK%s\n" $rc >&2; exit $rc'`: the
//! shell first prints its pid on stdout, and the command's status on stderr when it ended
//! (both marker lines are taken out of the output). sshd
//! starts a session's command in a new session and process group (OpenSSH session.c calls
//! setsid() in the child), and `exec` keeps that pid for `sh`, so the pid is the group of the
//! command and everything it forks. On timeout a second channel runs `kill -s KILL -- -PID`
//! (falling back to the pid alone): nothing is left running on the host.
//!
//! stdout and stderr share the channel's window: reading one while the other fills would
//! deadlock, so the session is non-blocking while the command runs and both are polled.
//!
//! A command that leaves a process behind holding its stdout or stderr (a daemon that did
//! not close them) would keep the channel open until the timeout (ssh(1) hangs the same way);
//! the status line tells that the command itself ended, and output is then awaited only
//! briefly, as the local host does.

use super::attempt::{connection_lost, millis, Attempt};
use super::quote::{command_line, display_argv, quote};
use super::types::{Cmd, HostError, Output};
use ssh2::{Channel, Session};
use std::io::Read;
use std::time::{Duration, Instant};

/// Starts the pid line the wrapper prints before the command runs.
const MARK: &str = "tfw-bench-pid=";

/// Starts the status line the wrapper prints on stderr after the command ended.
const RC_MARK: &str = "tfw-bench-rc=";

/// How long output is still awaited after the command ended while a process it left behind
/// keeps the channel open.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// libssh2's "would block" (LIBSSH2_ERROR_EAGAIN).
const EAGAIN: ssh2::ErrorCode = ssh2::ErrorCode::Session(-37);

/// Bound on opening the channel and starting the command (within the command's timeout).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Bound on the kill of a timed-out command (a channel open and a `kill`).
const KILL_TIMEOUT: Duration = Duration::from_secs(10);

/// The session back in blocking mode however the command ends.
struct Blocking<'a>(&'a Session);

impl Drop for Blocking<'_> {
    fn drop(&mut self) {
        self.0.set_blocking(true);
    }
}

/// Linux signal numbers of the names an SSH exit-signal carries (RFC 4254 6.10).
fn signal_number(name: &str) -> i32 {
    match name {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "TRAP" => 5,
        "ABRT" => 6,
        "BUS" => 7,
        "FPE" => 8,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    }
}

/// Takes the marker line out of `out` (it comes first, unless a login script printed
/// something before it); returns the pid.
fn take_pid(out: &mut Vec<u8>) -> Option<u32> {
    let mark = MARK.as_bytes();
    let start = (0..out.len().min(64 * 1024))
        .find(|&i| (i == 0 || out[i - 1] == b'\n') && out[i..].starts_with(mark))?;
    let end = start + out[start..].iter().position(|&b| b == b'\n')?;
    let pid = std::str::from_utf8(&out[start + mark.len()..end])
        .ok()?
        .parse()
        .ok()?;
    out.drain(start..=end);
    Some(pid)
}

/// Takes the status line (`\nRC_MARKn\n`, the last one starting at or after `from`) out of
/// `err`; returns the status.
fn take_rc(err: &mut Vec<u8>, from: usize) -> Option<i32> {
    let mark = format!("\n{RC_MARK}");
    let mark = mark.as_bytes();
    let start = (from..err.len().saturating_sub(mark.len() - 1))
        .rev()
        .find(|&i| err[i..].starts_with(mark))?;
    let end = start + 1 + err[start + 1..].iter().position(|&b| b == b'\n')?;
    let rc = std::str::from_utf8(&err[start + mark.len()..end])
        .ok()?
        .parse()
        .ok()?;
    err.drain(start..=end);
    Some(rc)
}

/// Kills the process group `pid` leads on the host, through a channel of its own. The POSIX
/// form `kill -s KILL -- -PID`: dash's builtin refuses `kill -KILL -- -PID`.
fn kill_remote(session: &Session, pid: u32) -> Result<(), ssh2::Error> {
    session.set_blocking(true);
    session.set_timeout(millis(KILL_TIMEOUT));
    let mut ch = session.channel_session()?;
    // Through `sh` whatever the login shell, as the command itself.
    let script =
        format!("kill -s KILL -- -{pid} 2>/dev/null || kill -s KILL {pid} 2>/dev/null; true");
    ch.exec(&format!("exec sh -c {}", quote(&script)))?;
    let mut sink = Vec::new();
    let _ = ch.read_to_end(&mut sink);
    ch.wait_close()
}

/// Reads what is there on one stream; Ok(true) if something came.
fn read_some(r: &mut impl Read, into: &mut Vec<u8>, buf: &mut [u8]) -> std::io::Result<bool> {
    match r.read(buf) {
        Ok(0) => Ok(false),
        Ok(n) => {
            into.extend_from_slice(&buf[..n]);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e),
    }
}

/// Runs `cmd` on the session's host; more than `timeout` kills it and is an error.
pub fn run(
    session: &Session,
    host: &str,
    cmd: &Cmd,
    timeout: Duration,
) -> Result<Output, HostError> {
    attempt(session, host, cmd, timeout).map_err(|a| a.error)
}

/// [`run`], telling a connection found lost before the command started.
pub fn attempt(
    session: &Session,
    host: &str,
    cmd: &Cmd,
    timeout: Duration,
) -> Result<Output, Attempt> {
    let shown = display_argv(cmd, 200);
    let exec_err = |message: String| HostError::Exec {
        host: host.to_string(),
        command: shown.clone(),
        message,
    };
    let timed_out = || HostError::Timeout {
        host: host.to_string(),
        timeout,
        command: shown.clone(),
    };
    let line = command_line(cmd).map_err(|e| exec_err(e.to_string()))?;
    let script = format!(
        "echo {MARK}$$; {line}; rc=$?; printf '\\n{RC_MARK}%s\\n' \"$rc\" >&2; exit \"$rc\""
    );
    let remote = format!("exec sh -c {}", quote(&script));
    let deadline = Instant::now() + timeout;
    let saved_timeout = session.timeout();
    struct Restore<'a>(&'a Session, u32);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            self.0.set_timeout(self.1);
        }
    }
    let _restore = Restore(session, saved_timeout);
    session.set_blocking(true);
    // A live host opens a channel at once: a long command timeout does not stretch the wait
    // on a dead connection.
    session.set_timeout(millis(timeout.min(START_TIMEOUT)));
    let start_err = |e: ssh2::Error| Attempt {
        error: match e.code() {
            ssh2::ErrorCode::Session(-9) if Instant::now() >= deadline => timed_out(),
            ssh2::ErrorCode::Session(-9) => exec_err(format!(
                "cannot start: no answer from the host within {START_TIMEOUT:?}"
            )),
            _ => exec_err(format!("cannot start: {}", e.message())),
        },
        lost: connection_lost(&e),
    };
    let mut ch: Channel = session.channel_session().map_err(start_err)?;
    ch.exec(&remote).map_err(start_err)?;
    ch.send_eof().map_err(start_err)?;

    let mut out = Output::default();
    let mut pid = None;
    let mut buf = vec![0u8; 32 * 1024];
    let mut idle = Duration::from_millis(1);
    let blocking = Blocking(session);
    session.set_blocking(false);
    let read_err = |e: std::io::Error| exec_err(format!("reading its output: {e}"));
    let mut rc = None;
    let mut rc_scanned = 0;
    let mut drain_until = deadline;
    let finished = loop {
        let mut progress = read_some(&mut ch, &mut out.stdout, &mut buf).map_err(read_err)?;
        progress |= read_some(&mut ch.stderr(), &mut out.stderr, &mut buf).map_err(read_err)?;
        if pid.is_none() {
            pid = take_pid(&mut out.stdout);
        }
        if rc.is_none() && progress {
            rc = take_rc(&mut out.stderr, rc_scanned);
            if rc.is_some() {
                drain_until = deadline.min(Instant::now() + DRAIN_AFTER_EXIT);
            }
            // A line cut in two by the reads is found in full the next time.
            rc_scanned = out.stderr.len().saturating_sub(RC_MARK.len() + 24);
        }
        if !progress && ch.eof() {
            break true;
        }
        let now = Instant::now();
        if rc.is_some() && now >= drain_until {
            // Ended; what it left behind holds the channel open: no more waiting.
            break true;
        }
        if now >= deadline {
            break false;
        }
        if progress {
            idle = Duration::from_millis(1);
        } else {
            std::thread::sleep(idle);
            idle = (idle * 2).min(Duration::from_millis(20));
        }
    };
    if finished {
        if let Some(code) = rc {
            drop(blocking);
            out.status = code;
            return Ok(out);
        }
        // No status line (the shell itself was killed): the channel's exit status, which
        // comes with the close, right after EOF.
        loop {
            match ch.wait_close() {
                Ok(()) => break,
                Err(e) if e.code() == EAGAIN && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) if e.code() == EAGAIN => break,
                Err(e) => {
                    return Err(exec_err(format!("closing its channel: {}", e.message())).into())
                }
            }
        }
        drop(blocking);
        let signal = ch.exit_signal().ok().and_then(|s| s.exit_signal);
        out.status = match signal {
            Some(name) => 128 + signal_number(&name),
            None => ch
                .exit_status()
                .map_err(|e| exec_err(format!("no exit status: {}", e.message())))?,
        };
        return Ok(out);
    }
    drop(blocking);
    // Without the pid not even the shell started in time: closing the channel is all there is.
    if let Some(pid) = pid {
        if let Err(e) = kill_remote(session, pid) {
            return Err(exec_err(format!(
                "timed out after {timeout:?} and could not be killed (pid {pid}): {}",
                e.message()
            ))
            .into());
        }
    }
    drop(ch);
    Err(timed_out().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_marker_taken_out() {
        let mut out = b"tfw-bench-pid=4242\nhello\n".to_vec();
        assert_eq!(take_pid(&mut out), Some(4242));
        assert_eq!(out, b"hello\n");
        let mut motd = b"welcome\ntfw-bench-pid=7\nx".to_vec();
        assert_eq!(take_pid(&mut motd), Some(7));
        assert_eq!(motd, b"welcome\nx");
        let mut partial = b"tfw-bench-pid=12".to_vec();
        assert_eq!(take_pid(&mut partial), None);
        assert_eq!(partial, b"tfw-bench-pid=12");
        let mut inline = b"x tfw-bench-pid=1\n".to_vec();
        assert_eq!(take_pid(&mut inline), None);
    }

    #[test]
    fn status_line_taken_out() {
        let mut err = b"warn\n\ntfw-bench-rc=3\n".to_vec();
        assert_eq!(take_rc(&mut err, 0), Some(3));
        assert_eq!(err, b"warn\n");
        let mut no_nl = b"warn\ntfw-bench-rc=0\nlate\n".to_vec();
        assert_eq!(take_rc(&mut no_nl, 0), Some(0));
        assert_eq!(no_nl, b"warnlate\n");
        let mut empty = b"\ntfw-bench-rc=143\n".to_vec();
        assert_eq!(take_rc(&mut empty, 0), Some(143));
        assert!(empty.is_empty());
        let mut partial = b"\ntfw-bench-rc=1".to_vec();
        assert_eq!(take_rc(&mut partial, 0), None);
        let mut none = b"tfw-bench-rc=1\n".to_vec();
        assert_eq!(take_rc(&mut none, 0), None);
        let mut before = b"\ntfw-bench-rc=1\nmore".to_vec();
        assert_eq!(take_rc(&mut before, 3), None);
    }

    #[test]
    fn signals() {
        assert_eq!(128 + signal_number("KILL"), 137);
        assert_eq!(128 + signal_number("TERM"), 143);
    }
}
