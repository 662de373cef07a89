//! A real nginx for the tests (tools/peers/nginx-ctl.sh): plain HTTP/1.1, TLS 1.2 + 1.3 with
//! HTTP/2 (ECDSA P-256 signed by a throw-away CA, ca.pem in the run folder), the same with an
//! RSA 2048 certificate, a tickets-on TLS port, a TLS 1.3-only port and an h2c port, all on free loopback ports; stub_status counts
//! requests; with `start_proxy`, also the reverse proxy to a backend (HTTP/1.1 and TLS ports).
//! Each test starts its own instance and it is stopped (by its pid file) on drop.

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
    pub h2c: u16,
    /// TLS 1.2/1.3 + HTTP/2 with an RSA 2048 certificate (same CA).
    pub rsa: u16,
    /// `start_proxy` only (else 0): the reverse proxy's HTTP/1.1 and TLS (h2, http/1.1) ports.
    pub proxy: u16,
    pub proxy_tls: u16,
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
        Nginx::start_with(name, None)
    }

    /// `start`, with the reverse proxy to `backend` (host:port) as well.
    pub fn start_proxy(name: &str, backend: &str) -> Nginx {
        Nginx::start_with(name, Some(backend))
    }

    fn start_with(name: &str, backend: Option<&str>) -> Nginx {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let ctl = root.join("tools/peers/nginx-ctl.sh");
        let run = std::env::temp_dir().join(format!("tfw-ng-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&run);
        // A port just released by the kernel can be taken again before nginx binds it; retry.
        for _ in 0..5 {
            let p: [u16; 8] = std::array::from_fn(|_| free_port());
            let mut cmd = Command::new("bash");
            if let Some(b) = backend {
                cmd.env("BACKEND", b)
                    .env("PROXY_PORT", p[6].to_string())
                    .env("PROXY_TLS_PORT", p[7].to_string());
            }
            let out = cmd
                .arg(&ctl)
                .arg("start")
                .env("PEERS_RUN", &run)
                .env("HTTP_PORT", p[0].to_string())
                .env("TLS_PORT", p[1].to_string())
                .env("TLS_TICKETS_PORT", p[2].to_string())
                .env("TLS13_PORT", p[3].to_string())
                .env("H2C_PORT", p[4].to_string())
                .env("RSA_PORT", p[5].to_string())
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
                    h2c: p[4],
                    rsa: p[5],
                    proxy: if backend.is_some() { p[6] } else { 0 },
                    proxy_tls: if backend.is_some() { p[7] } else { 0 },
                };
            }
            eprintln!(
                "nginx-ctl start failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        panic!("could not start nginx (is Debian's nginx installed? .ci/run installs it)");
    }

    /// The CA certificate the server's certificate is signed by.
    pub fn ca(&self) -> PathBuf {
        self.run.join("ca.pem")
    }

    /// The `requests` counter of stub_status (this request included).
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
