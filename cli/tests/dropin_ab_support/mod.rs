//! Helpers for the `tfw-bench ab` tests: running the real /usr/bin/ab and `tfw-bench ab` with
//! the same arguments (both under the common time limit), reading ab's result lines the way a
//! script's regular expressions would, and a raw loopback server that records the requests it
//! gets (to compare the bytes ab and tfw-bench send).

#![allow(dead_code)]

use crate::common::{self, Out};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const REAL_AB: &str = "/usr/bin/ab";

/// Runs the real ab.
pub fn real_ab(args: &[&str]) -> Out {
    common::spawn_with(Command::new(REAL_AB).args(args)).finish()
}

/// Runs `tfw-bench ab`.
pub fn our_ab(args: &[&str]) -> Out {
    let mut all = vec!["ab"];
    all.extend_from_slice(args);
    common::run(&all)
}

/// The rest of the line that starts with `label` (e.g. "Complete requests:"), trimmed: what
/// `^Complete requests:\s+(.*)$` captures.
pub fn field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .map(str::trim)
}

/// All lines starting with `label`.
pub fn fields<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.strip_prefix(label))
        .map(str::trim)
        .collect()
}

fn is_int(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A decimal number with exactly `places` digits after the point (`\d+\.\d{places}`).
fn is_fixed(s: &str, places: usize) -> bool {
    match s.split_once('.') {
        Some((i, f)) => is_int(i) && f.len() == places && is_int(f),
        None => false,
    }
}

/// An integer field: `^LABEL\s+(\d+)$`.
pub fn int(text: &str, label: &str) -> Option<u64> {
    field(text, label)
        .filter(|v| is_int(v))
        .map(|v| v.parse().unwrap())
}

/// The figures a script reads from ab's output, each checked against the regular expression
/// it would use; panics (with the output) when a line is missing or malformed.
#[derive(Debug)]
pub struct Figures {
    pub complete: u64,
    pub failed: u64,
    pub non2xx: Option<u64>,
    pub keepalive: Option<u64>,
    pub doc_len: String,
    pub server: String,
    pub rps: f64,
    pub time_per_request: [f64; 2],
    pub transfer_rate: f64,
    /// The 9 "served within" lines: (percent, ms).
    pub percentiles: Vec<(u32, u64)>,
}

pub fn figures(out: &Out) -> Figures {
    let t = &out.stdout;
    let fail = |what: &str| -> ! { panic!("{what}\n{}", out.show()) };
    let complete = int(t, "Complete requests:").unwrap_or_else(|| fail("Complete requests"));
    let failed = int(t, "Failed requests:").unwrap_or_else(|| fail("Failed requests"));
    // `^Requests per second:\s+([\d.]+) \[#/sec\] \(mean\)$`
    let rps = field(t, "Requests per second:")
        .and_then(|v| v.strip_suffix(" [#/sec] (mean)"))
        .filter(|v| is_fixed(v, 2))
        .unwrap_or_else(|| fail("Requests per second"));
    // `^Time per request:\s+([\d.]+) \[ms\] \(mean(, across all concurrent requests)?\)$`
    let tpr = fields(t, "Time per request:");
    if tpr.len() != 2
        || !tpr[0].ends_with(" [ms] (mean)")
        || !tpr[1].ends_with(" [ms] (mean, across all concurrent requests)")
    {
        fail("Time per request (two lines)");
    }
    let ms = |s: &str| -> f64 {
        let v = s.split(' ').next().unwrap();
        if !is_fixed(v, 3) {
            fail("Time per request figure");
        }
        v.parse().unwrap()
    };
    // `^Transfer rate:\s+([\d.]+) \[Kbytes/sec\] received$`
    let rate = field(t, "Transfer rate:")
        .and_then(|v| v.strip_suffix(" [Kbytes/sec] received"))
        .filter(|v| is_fixed(v, 2))
        .unwrap_or_else(|| fail("Transfer rate"));
    // `^\s+(\d+)%\s+(\d+)( \(longest request\))?$` after the table's title.
    let mut percentiles = Vec::new();
    if let Some(at) = t.find("Percentage of the requests served within a certain time (ms)\n") {
        for l in t[at..].lines().skip(1).take(9) {
            let l = l.trim().trim_end_matches(" (longest request)");
            let (p, v) = l.split_once('%').unwrap_or_else(|| fail("percentage line"));
            let v = v.trim();
            if !is_int(p) || !is_int(v) {
                fail("percentage line figures");
            }
            percentiles.push((p.parse().unwrap(), v.parse().unwrap()));
        }
    }
    Figures {
        complete,
        failed,
        non2xx: int(t, "Non-2xx responses:"),
        keepalive: int(t, "Keep-Alive requests:"),
        doc_len: field(t, "Document Length:")
            .unwrap_or_else(|| fail("Document Length"))
            .to_string(),
        server: field(t, "Server Software:")
            .unwrap_or_else(|| fail("Server Software"))
            .to_string(),
        rps: rps.parse().unwrap(),
        time_per_request: [ms(tpr[0]), ms(tpr[1])],
        transfer_rate: rate.parse().unwrap(),
        percentiles,
    }
}

/// The percentages ab's table lists.
pub const PERCENTS: [u32; 9] = [50, 66, 75, 80, 90, 95, 98, 99, 100];

/// A loopback server that records every request (head and Content-length body) and answers
/// each with a fixed HTTP/1.0 response, closing the connection.
pub struct Recorder {
    pub addr: SocketAddr,
    pub got: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Recorder {
    pub fn start() -> Recorder {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { return };
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let req = loop {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => break None,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse::<usize>().unwrap_or(0));
                        if buf.len() >= end + 4 + len {
                            break Some(buf[..end + 4 + len].to_vec());
                        }
                    }
                };
                if let Some(r) = req {
                    g.lock().unwrap().push(r);
                    let _ = s.write_all(
                        b"HTTP/1.0 200 OK\r\nServer: recorder\r\nContent-Length: 2\r\n\r\nok",
                    );
                }
            }
        });
        Recorder { addr, got }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The requests recorded so far, taken.
    pub fn take(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.got.lock().unwrap())
    }
}
