//! Helpers of the wrk personality's tests: the real wrk and `tfw-bench wrk` run the same way
//! (bounded), tempesta-test's parser of wrk's output, and a server that keeps the request
//! heads it receives.
//!
//! The parser applies, with Python's `re` as tempesta-test does, the regular expressions of
//! `Wrk.parse_out` in github:tempesta-tech/tempesta-test framework/services/wrk_client.py
//! (commit a646d14218f6097b172f339beb083909a5442d84): `(\d+) requests in `,
//! `Non-2xx or 3xx responses: (\d+)`, `Requests\/sec:\s+(\d+)`,
//! `Status (\d{3}) : (\d+) times` (the lines of its tools/wrk/results.lua), and
//! `(Socket errors:.+)` read with `\w+ (\d+), \w+ (\d+), \w+ (\d+), \w+ (\d+)`.

#![allow(dead_code)]

use crate::common::{self, Out};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The real wrk (Debian's package; .ci/run installs it).
pub const WRK: &str = "/usr/bin/wrk";

/// Runs the real wrk with `args` (killed and failing the test after `common::LIMIT`), as
/// `wrk` (getopt's messages start with the program name as invoked).
pub fn real(args: &[&str]) -> Out {
    use std::os::unix::process::CommandExt;
    common::spawn_with(Command::new(WRK).arg0("wrk").args(args)).finish()
}

/// Runs `tfw-bench wrk` with `args`.
pub fn tfw(args: &[&str]) -> Out {
    let mut all = vec!["wrk"];
    all.extend_from_slice(args);
    common::run(&all)
}

/// tempesta-test's reading of a wrk output: requests, errors (Non-2xx or 3xx), rate,
/// statuses (from results.lua's lines) and the four socket error counts (null when absent).
const PARSER: &str = r#"
import json, re, sys
out = sys.stdin.read()
found = {}
m = re.search(r"(\d+) requests in ", out)
found["requests"] = int(m.group(1)) if m else None
m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
found["errors"] = int(m.group(1)) if m else None
m = re.search(r"Requests\/sec:\s+(\d+)", out)
found["rate"] = int(m.group(1)) if m else None
found["statuses"] = {s: int(n) for s, n in re.findall(r"Status (\d{3}) : (\d+) times", out)}
m = re.search(r"(Socket errors:.+)", out)
found["socket_errors"] = None
if m:
    e = re.search(r"\w+ (\d+), \w+ (\d+), \w+ (\d+), \w+ (\d+)", m.group(1))
    found["socket_errors"] = [int(x) for x in e.groups()]
print(json.dumps(found))
"#;

/// What tempesta-test's parser reads from `stdout`.
pub fn tempesta_parse(stdout: &str) -> Value {
    let mut child = Command::new("python3")
        .args(["-c", PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdout.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "parser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A server answering every request with an empty 200 and keeping the head of the first
/// request of each connection; a thread per connection, all bounded in time.
pub struct HeadServer {
    pub addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HeadServer {
    pub fn start() -> HeadServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (heads.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let end = Instant::now() + common::LIMIT;
            while !s.load(Ordering::Relaxed) && Instant::now() < end {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let h = h.clone();
                        std::thread::spawn(move || answer(conn, h));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        HeadServer {
            addr,
            heads,
            stop,
            thread: Some(thread),
        }
    }

    /// The first request head of each connection so far.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn answer(mut s: TcpStream, heads: Arc<Mutex<Vec<String>>>) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut first = true;
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            if first {
                heads
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..end + 4]).into_owned());
                first = false;
            }
            buf.drain(..end + 4);
            if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .is_err()
            {
                return;
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return;
        }
    }
}

impl Drop for HeadServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A request head's lines, the request line first and the header lines sorted (wrk sends
/// its headers in a Lua table's order).
pub fn head_lines(head: &str) -> Vec<String> {
    let mut lines: Vec<String> = head
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    lines[1..].sort();
    lines
}
