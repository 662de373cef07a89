//! The checks every [`Host`] must pass, the same for SSH (against the test sshd) and for the
//! local host: output and exit status, arguments that stay literal, env and cwd, a timeout
//! that kills the whole process group, atomic upload with mode, download to EOF (procfs).

#![allow(dead_code)]

use std::time::{Duration, Instant};
use tfw_testbed::host::{Cmd, Host, HostError};

/// Bound on a command that should finish at once (generous: the machine is shared).
const QUICK: Duration = Duration::from_secs(60);
/// Bound on waiting for a killed process to be gone.
const GONE: Duration = Duration::from_secs(60);

fn run(h: &mut dyn Host, cmd: &Cmd) -> (i32, String, String) {
    let out = h
        .exec(cmd, QUICK)
        .unwrap_or_else(|e| panic!("{}: {e}", h.name()));
    (
        out.status,
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

pub fn exec_streams_and_status(h: &mut dyn Host) {
    let cmd = Cmd::new("sh")
        .arg("-c")
        .arg("echo out; echo err >&2; exit 3");
    assert_eq!(run(h, &cmd), (3, "out\n".into(), "err\n".into()));
    // stdin is empty (closed): a command reading it does not wait.
    assert_eq!(run(h, &Cmd::new("cat")), (0, String::new(), String::new()));
    let (st, out, _) = run(h, &Cmd::new("echo").arg("hello"));
    assert_eq!((st, out.as_str()), (0, "hello\n"));
    // Killed by a signal: 128 + n.
    let (st, _, _) = run(h, &Cmd::new("sh").arg("-c").arg("kill -TERM $$"));
    assert_eq!(st, 143);
    // Both streams well past a channel window / pipe buffer at once: no deadlock.
    let big = Cmd::new("sh").arg("-c").arg(
        "i=0; while [ $i -lt 4000 ]; do echo \"out line $i of some length to fill things\"; \
         echo \"err line $i of some length to fill things\" >&2; i=$((i+1)); done",
    );
    let (st, out, err) = run(h, &big);
    assert_eq!(st, 0);
    assert_eq!(out.lines().count(), 4000);
    assert_eq!(err.lines().count(), 4000);
    assert!(out.ends_with("out line 3999 of some length to fill things\n"));
    // A missing program: the shell's 127 over SSH, a start error locally; never a hang.
    match h.exec(&Cmd::new("/nonexistent/tfw-bench-prog"), QUICK) {
        Ok(o) => assert_eq!(o.status, 127),
        Err(HostError::Exec { message, .. }) => assert!(message.contains("cannot start")),
        Err(e) => panic!("{e}"),
    }
}

pub const HOSTILE: &[&str] = &[
    "$(touch /tmp/tfw-host-pwned)",
    "`touch /tmp/tfw-host-pwned`",
    "a; touch /tmp/tfw-host-pwned",
    "it's",
    "'\\''",
    "\"q\" $HOME ${PATH}",
    "line1\nline2",
    "* ?",
    "",
    "| > /tmp/tfw-host-pwned &",
    "-n",
];

pub fn hostile_arguments_stay_literal(h: &mut dyn Host) {
    let mut cmd = Cmd::new("printf").arg("[%s]\\n");
    for a in HOSTILE {
        cmd = cmd.arg(a);
    }
    let (st, out, err) = run(h, &cmd);
    assert_eq!(st, 0, "{err}");
    let want: String = HOSTILE.iter().map(|a| format!("[{a}]\n")).collect();
    assert_eq!(out, want);
    let (_, out, _) = run(
        h,
        &Cmd::new("sh")
            .arg("-c")
            .arg("test -e /tmp/tfw-host-pwned && echo pwned || echo clean"),
    );
    assert_eq!(out, "clean\n");
}

pub fn env_and_cwd(h: &mut dyn Host, dir: &str) {
    let value = "v a'l\"ue $(touch /tmp/tfw-host-pwned) `x` ;";
    let cmd = Cmd::new("sh")
        .arg("-c")
        .arg("pwd; printf '%s|%s\\n' \"$TFW_A\" \"$TFW_B\"")
        .env("TFW_A", value)
        .env("TFW_B", "")
        .cwd(dir);
    let (st, out, err) = run(h, &cmd);
    assert_eq!(st, 0, "{err}");
    assert_eq!(out, format!("{dir}\n{value}|\n"));
    match h.exec(&Cmd::new("true").env("BAD NAME", "x"), QUICK) {
        Err(HostError::Exec { message, .. }) => {
            assert!(message.contains("environment variable name"), "{message}")
        }
        other => panic!("a bad env name must be refused: {other:?}"),
    }
    // A missing directory: the command does not run, the status says so.
    match h.exec(
        &Cmd::new("echo").arg("ran").cwd(&format!("{dir}/missing")),
        QUICK,
    ) {
        Ok(o) => assert!(o.status != 0 && o.stdout.is_empty(), "{o:?}"),
        Err(HostError::Exec { message, .. }) => assert!(message.contains("cannot start")),
        Err(e) => panic!("{e}"),
    }
}

/// True once `pid` is gone (or a zombie nobody waits for).
fn gone(h: &mut dyn Host, pid: &str) -> bool {
    let cmd = Cmd::new("sh")
        .arg("-c")
        .arg("kill -0 \"$1\" 2>/dev/null || exit 0; grep -q '^State:.*Z' \"/proc/$1/status\"");
    run(h, &cmd.arg("sh").arg(pid)).0 == 0
}

/// A command that hangs (a child `sleep 1000` of a shell) times out, and both the shell and
/// the sleep are killed.
pub fn timeout_kills_the_process_group(h: &mut dyn Host, dir: &str) {
    let pids = format!("{dir}/pids");
    let cmd = Cmd::new("sh")
        .arg("-c")
        .arg("sleep 1000 & echo \"$$ $!\" > \"$1\"; wait")
        .arg("sh")
        .arg(&pids);
    let timeout = Duration::from_secs(3);
    match h.exec(&cmd, timeout) {
        Err(HostError::Timeout {
            timeout: t,
            command,
            ..
        }) => {
            assert_eq!(t, timeout);
            assert!(command.starts_with("sh -c 'sleep 1000 &"), "{command}");
        }
        other => panic!("expected a timeout: {other:?}"),
    }
    let text = String::from_utf8(h.download(&pids).expect("the pid file")).unwrap();
    let ids: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(ids.len(), 2, "{text:?}");
    let t0 = Instant::now();
    for pid in ids {
        while !gone(h, pid) {
            assert!(
                t0.elapsed() < GONE,
                "pid {pid} still runs after the timeout"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // The host stays usable after a timeout.
    assert_eq!(run(h, &Cmd::new("echo").arg("after")).1, "after\n");
}

pub fn upload_download(h: &mut dyn Host, dir: &str) {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let path = format!("{dir}/new/sub dir/it's.bin");
    h.upload(&data, &path, 0o640).unwrap();
    assert_eq!(h.download(&path).unwrap(), data);
    let (_, mode, _) = run(h, &Cmd::new("stat").arg("-c").arg("%a").arg(&path));
    assert_eq!(mode, "640\n");
    // Over an existing file: replaced whole, new mode, no temporary left behind.
    h.upload(b"second\n", &path, 0o600).unwrap();
    assert_eq!(h.download(&path).unwrap(), b"second\n");
    let (_, mode, _) = run(h, &Cmd::new("stat").arg("-c").arg("%a").arg(&path));
    assert_eq!(mode, "600\n");
    let (_, listing, _) = run(
        h,
        &Cmd::new("ls").arg("-A").arg(&format!("{dir}/new/sub dir")),
    );
    assert_eq!(listing, "it's.bin\n");
    h.upload(b"", &format!("{dir}/empty"), 0o644).unwrap();
    assert_eq!(h.download(&format!("{dir}/empty")).unwrap(), b"");
    match h.download(&format!("{dir}/missing")) {
        Err(HostError::Sftp { path, .. }) => assert!(path.ends_with("/missing")),
        other => panic!("{other:?}"),
    }
}

pub fn download_procfs(h: &mut dyn Host) {
    // procfs reports size 0; the contents must still come whole.
    let status = String::from_utf8(h.download("/proc/self/status").unwrap()).unwrap();
    assert!(status.starts_with("Name:"), "{status}");
    assert!(status.contains("\nPid:"), "{status}");
    let (_, size, _) = run(
        h,
        &Cmd::new("stat")
            .arg("-c")
            .arg("%s")
            .arg("/proc/self/status"),
    );
    assert_eq!(size, "0\n");
    let maps = h.download("/proc/self/maps").unwrap();
    assert!(!maps.is_empty());
}

/// A command that leaves a process behind holding its stdout (a daemon that did not close
/// it) still returns its own status and output, well before its timeout.
pub fn leftover_process_does_not_hold_the_command(h: &mut dyn Host, dir: &str) {
    let pidfile = format!("{dir}/leftover.pid");
    let cmd = Cmd::new("sh")
        .arg("-c")
        .arg("sleep 1000 & echo $! > \"$1\"; echo started; echo note >&2; exit 4")
        .arg("sh")
        .arg(&pidfile);
    let out = h
        .exec(&cmd, Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status, 4);
    assert_eq!(out.stdout, b"started\n");
    assert_eq!(out.stderr, b"note\n");
    // Our own leftover, by pid.
    let pid = String::from_utf8(h.download(&pidfile).unwrap()).unwrap();
    let (st, _, _) = run(h, &Cmd::new("kill").arg("-KILL").arg(pid.trim()));
    assert_eq!(st, 0);
}
