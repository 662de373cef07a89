//! Shared helpers for the tfw-bench binary's tests: running it with a hard time limit,
//! temporary JSON paths, (schema) a small JSON Schema checker for
//! reports/schema/run.schema.json, a raw-socket server that misbehaves on purpose, `serve
//! --tls` as a child, (regress) `regress` runs on a matrix of their own, and (tls_nginx) the
//! nginx the `handshake` tests run against.
//!
//! Everything is on loopback with port 0; every wait is bounded; nothing asserts on timing.

#![allow(dead_code)]

pub mod nginx;
pub mod regress;
pub mod schema;
pub mod tls_nginx;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A tfw-bench process still running after this long is a hang: it is killed, the test fails.
pub const LIMIT: Duration = Duration::from_secs(60);

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tfw-bench")
}

/// What a finished process left.
#[derive(Debug)]
pub struct Out {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// For assertion messages.
    pub fn show(&self) -> String {
        format!(
            "status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// A spawned tfw-bench whose stdout and stderr are collected by threads; stdout lines are
/// also forwarded as they come (for tests that wait for a line).
pub struct Running {
    pub child: Child,
    pub lines: mpsc::Receiver<String>,
    out: Option<JoinHandle<String>>,
    err: Option<JoinHandle<String>>,
    started: Instant,
}

pub fn spawn(args: &[&str]) -> Running {
    spawn_with(Command::new(bin()).args(args))
}

pub fn spawn_with(cmd: &mut Command) -> Running {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tfw-bench");
    let (tx, lines) = mpsc::channel();
    let mut so = BufReader::new(child.stdout.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut all = String::new();
        let mut line = String::new();
        while so.read_line(&mut line).unwrap_or(0) > 0 {
            let _ = tx.send(line.trim_end().to_string());
            all.push_str(&line);
            line.clear();
        }
        all
    });
    let mut se = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    Running {
        child,
        lines,
        out: Some(out),
        err: Some(err),
        started: Instant::now(),
    }
}

impl Running {
    /// Waits for exit (killing the process and failing the test after `LIMIT`).
    pub fn finish(mut self) -> Out {
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                break st;
            }
            if self.started.elapsed() > LIMIT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("tfw-bench ran longer than {LIMIT:?}: killed");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Out {
            status,
            stdout: self.out.take().unwrap().join().unwrap_or_default(),
            stderr: self.err.take().unwrap().join().unwrap_or_default(),
        }
    }

    /// Waits (bounded) for a stdout line starting with `prefix`.
    pub fn wait_line(&self, prefix: &str) -> Option<String> {
        let end = Instant::now() + LIMIT;
        while Instant::now() < end {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(l) if l.starts_with(prefix) => return Some(l),
                Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        }
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A test that failed half-way must not leave its process behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs tfw-bench to its end.
pub fn run(args: &[&str]) -> Out {
    spawn(args).finish()
}

/// Sends `sig` (e.g. "-INT") to `target` (a pid, or "-PGID" for a process group) with kill(1).
pub fn kill(sig: &str, target: &str) {
    let st = Command::new("kill")
        .args([sig, "--", target])
        .status()
        .expect("run kill");
    assert!(st.success(), "kill {sig} {target} failed");
}

/// Established TCP connections (IPv4 and IPv6) among the open files of process `pid`, read
/// from /proc: its socket inodes, matched against the connection tables in state 01.
pub fn established_tcp(pid: u32) -> usize {
    let mut inodes = std::collections::HashSet::new();
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
        for e in dir.flatten() {
            let Ok(link) = std::fs::read_link(e.path()) else {
                continue;
            };
            let inode = link
                .to_str()
                .and_then(|l| l.strip_prefix("socket:["))
                .and_then(|l| l.strip_suffix(']'))
                .map(str::to_string);
            inodes.extend(inode);
        }
    }
    let mut n = 0;
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        n += text
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() > 9 && f[3] == "01" && inodes.contains(f[9]))
            .count();
    }
    n
}

/// Waits until process `pid` holds `n` established TCP connections (a client that connected
/// them all); fails the test past `LIMIT` or when the process has exited.
pub fn wait_established(child: &mut Child, n: usize) {
    let end = Instant::now() + LIMIT;
    loop {
        let have = established_tcp(child.id());
        if have >= n {
            return;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("the process exited ({st}) with {have} of {n} connections established");
        }
        assert!(
            Instant::now() < end,
            "{have} of {n} connections established after {LIMIT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh path for a JSON result in the target's temp dir.
pub fn tmp_json(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{name}-{}-{n}.json", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

pub fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// `v[k1][k2]...` as u64 (panics with the path when absent or not a count).
pub fn count(v: &Value, path: &[&str]) -> u64 {
    let mut x = v;
    for k in path {
        x = &x[*k];
    }
    x.as_u64()
        .unwrap_or_else(|| panic!("{path:?} is not a count: {x}"))
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The hard RLIMIT_NOFILE this process (and so the children it starts) has.
pub fn nofile_hard_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let hard = line.split_whitespace().nth(4)?;
    if hard == "unlimited" {
        Some(u64::MAX)
    } else {
        hard.parse().ok()
    }
}

/// Checks a failed start: exit code 2, no panic, and exactly one `tfw-bench: error:` line on
/// stderr, containing `want`.
pub fn assert_setup_error(out: &Out, want: &str) {
    assert_eq!(out.code(), Some(2), "exit code\n{}", out.show());
    assert!(!out.stderr.contains("panicked"), "panic\n{}", out.show());
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("tfw-bench: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line expected\n{}", out.show());
    assert!(
        errors[0].contains(want),
        "error line lacks {want:?}: {}",
        errors[0]
    );
}

/// Checks a command line clap refused: exit code 2, its `error:` line and a pointer to the
/// usage or --help, no panic.
pub fn assert_usage_error(out: &Out, want: &str) {
    assert_eq!(out.code(), Some(2), "exit code\n{}", out.show());
    assert!(!out.stderr.contains("panicked"), "panic\n{}", out.show());
    assert!(out.stderr.starts_with("error:"), "{}", out.show());
    assert!(
        out.stderr.contains("Usage:") || out.stderr.contains("--help"),
        "{}",
        out.show()
    );
    assert!(out.stderr.contains(want), "lacks {want:?}\n{}", out.show());
}

// --- A raw server that answers every request with fixed bytes. ---

pub struct FaultServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FaultServer {
    /// Answers each request head (up to the blank line) with `reply`, keeping the
    /// connection open; a thread per connection, ending at EOF or after 5 s of silence.
    pub fn answering(reply: &'static [u8]) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let end = Instant::now() + LIMIT + Duration::from_secs(30);
            while !s.load(Ordering::Relaxed) && Instant::now() < end {
                match listener.accept() {
                    Ok((stream, _)) => {
                        std::thread::spawn(move || serve_conn(stream, reply));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FaultServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

fn serve_conn(mut s: TcpStream, reply: &[u8]) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while head.len() < 64 * 1024 {
        match s.read(&mut b) {
            Ok(1) => {
                head.push(b[0]);
                if head.ends_with(b"\r\n\r\n") {
                    head.clear();
                    if s.write_all(reply).is_err() {
                        return;
                    }
                }
            }
            _ => return,
        }
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Writes `bytes` to a fresh file in the target's temp dir and returns its path.
pub fn tmp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{name}-{}", std::process::id()));
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(bytes).unwrap();
    p
}

// --- `tfw-bench serve` as a child, and `stress --json` runs. ---

/// Starts `serve` on a free port with `extra` arguments; returns it and its address.
pub fn serve(extra: &[&str]) -> (Running, String) {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "-t", "1"];
    args.extend_from_slice(extra);
    let srv = spawn(&args);
    let line = srv
        .wait_line("tfw-bench serve: listening on ")
        .expect("serve starts");
    let addr = line
        .trim_start_matches("tfw-bench serve: listening on ")
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    (srv, addr)
}

/// Starts `serve --tls` with `extra` arguments; returns it and its address.
pub fn serve_tls(extra: &[&str]) -> (Running, String) {
    let mut args = vec!["--tls"];
    args.extend_from_slice(extra);
    serve(&args)
}

/// The `served requests=N` count of a stopped `serve`'s output.
pub fn served_requests(out: &Out) -> u64 {
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("served requests="))
        .unwrap_or_else(|| panic!("no request count\n{}", out.show()));
    let n = line.trim_start_matches("served requests=");
    n.split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs `stress -q ARGS --json`; returns the process and the document (Null when none).
pub fn stress_json(args: &[&str], name: &str) -> (Out, Value) {
    let json = tmp_json(name);
    let js = json.to_str().unwrap().to_string();
    let mut all = vec!["stress", "-q", "--json", &js];
    all.extend_from_slice(args);
    let out = run(&all);
    let doc = if json.exists() && std::fs::metadata(&json).unwrap().len() > 0 {
        read_json(&json)
    } else {
        Value::Null
    };
    let _ = std::fs::remove_file(&json);
    (out, doc)
}

/// All errors of a run document, every kind.
pub fn errors_total(doc: &Value) -> u64 {
    doc["errors"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum()
}

/// Stops `serve` and returns its output.
pub fn stop_serve(srv: Running) -> Out {
    kill("-TERM", &srv.child.id().to_string());
    let out = srv.finish();
    assert_eq!(out.code(), Some(0), "{}", out.show());
    out
}
