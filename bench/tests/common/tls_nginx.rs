//! nginx for the `handshake` tests (tools/peers/nginx-ctl.sh: ECDSA P-256 signed by a
//! throw-away CA `RUN/ca.pem`; a TLS 1.2 + 1.3 port, a tickets-on port, a TLS 1.3-only port
//! and plain HTTP with stub_status), started on free ports and stopped by its pid file, and
//! a runner for `tfw-bench handshake --json`.

use super::{run, tmp_json, Out};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Nginx {
    pub run: PathBuf,
    ctl: PathBuf,
    pub http: u16,
    pub tls: u16,
    pub tickets: u16,
    pub tls13: u16,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    pub fn start(name: &str) -> Nginx {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let ctl = root.join("tools/peers/nginx-ctl.sh");
        let run = std::env::temp_dir().join(format!("tfw-hs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&run);
        // A port just released by the kernel can be taken again before nginx binds it; retry.
        for _ in 0..5 {
            let p = [free_port(), free_port(), free_port(), free_port()];
            let out = Command::new("bash")
                .arg(&ctl)
                .arg("start")
                .env("PEERS_RUN", &run)
                .env("HTTP_PORT", p[0].to_string())
                .env("TLS_PORT", p[1].to_string())
                .env("TLS_TICKETS_PORT", p[2].to_string())
                .env("TLS13_PORT", p[3].to_string())
                .env("SERVER_CPU", "0")
                .stdin(Stdio::null())
                .output()
                .expect("run nginx-ctl.sh");
            if out.status.success() {
                return Nginx {
                    run,
                    ctl,
                    http: p[0],
                    tls: p[1],
                    tickets: p[2],
                    tls13: p[3],
                };
            }
            eprintln!(
                "nginx-ctl start failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        panic!("could not start nginx (is Debian's nginx installed? .ci/run installs it)");
    }
}

impl Nginx {
    /// nginx's `requests` counter (stub_status; this request included).
    pub fn requests(&self) -> u64 {
        let mut s = TcpStream::connect(("127.0.0.1", self.http)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"GET /status HTTP/1.0\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        // "...server accepts handled requests\n 3 3 7 \n..."
        let line = body
            .lines()
            .skip_while(|l| !l.contains("accepts handled requests"))
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected stub_status: {body}"));
        line.split_whitespace().nth(2).unwrap().parse().unwrap()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.ctl)
            .arg("stop")
            .env("PEERS_RUN", &self.run)
            .stdin(Stdio::null())
            .output();
        let _ = std::fs::remove_dir_all(&self.run);
    }
}

/// Runs `handshake` with `args` plus `--json`; returns the process and the document (Null
/// when none was written).
pub fn handshake(args: &[&str], name: &str) -> (Out, Value) {
    let json = tmp_json(name);
    let js = json.to_str().unwrap().to_string();
    let mut all = vec!["handshake", "-q", "--json", &js];
    all.extend_from_slice(args);
    let out = run(&all);
    let doc = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let _ = std::fs::remove_file(&json);
    (out, doc)
}
