//! The honest-count check: against a real nginx (one worker, stub_status on), the number of
//! responses tfw-bench reports equals the number of requests nginx counted.
//!
//! nginx comes from Debian's package (.ci/run installs it); each test starts its own instance
//! with tools/peers/nginx-ctl.sh on free ports and stops it by its pid file.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Nginx {
    run: PathBuf,
    port: u16,
    ctl: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    fn start(name: &str) -> Nginx {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let ctl = root.join("tools/peers/nginx-ctl.sh");
        let run = std::env::temp_dir().join(format!("tfw-nginx-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&run);
        // A port just released by the kernel can be taken again before nginx binds it; retry.
        for _ in 0..5 {
            let (port, tls) = (free_port(), free_port());
            let out = Command::new("bash")
                .arg(&ctl)
                .arg("start")
                .env("PEERS_RUN", &run)
                .env("HTTP_PORT", port.to_string())
                .env("TLS_PORT", tls.to_string())
                .env("SERVER_CPU", "0")
                .stdin(Stdio::null())
                .output()
                .expect("run nginx-ctl.sh");
            if out.status.success() {
                return Nginx { run, port, ctl };
            }
            eprintln!(
                "nginx-ctl start failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        panic!("could not start nginx (is Debian's nginx installed? .ci/run installs it)");
    }

    /// The `requests` counter of stub_status (this request included).
    fn requests(&self) -> u64 {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
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

fn stress(args: &[&str], json: &PathBuf) -> serde_json::Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tfw-bench"))
        .arg("stress")
        .args(args)
        .arg("--json")
        .arg(json)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tfw-bench did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "tfw-bench failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap()
}

fn check_counts(name: &str, extra: &[&str]) {
    let nginx = Nginx::start(name);
    let url = format!("http://127.0.0.1:{}/", nginx.port);
    let json = nginx.run.join("out.json");
    let before = nginx.requests();
    let mut args = vec![url.as_str(), "--conns", "50", "--duration", "2s"];
    args.extend_from_slice(extra);
    let r = stress(&args, &json);
    let after = nginx.requests();
    let responses = r["responses"].as_u64().unwrap();
    // `after` counts its own status request.
    let counted = after - before - 1;
    assert!(responses > 0);
    assert_eq!(
        responses, counted,
        "tfw-bench responses vs nginx's request count"
    );
    assert_eq!(
        r["requests"].as_u64().unwrap(),
        responses,
        "every request answered"
    );
    assert_eq!(r["status"]["200"].as_u64().unwrap(), responses);
    for (kind, n) in r["errors"].as_object().unwrap() {
        assert_eq!(n.as_u64().unwrap(), 0, "{kind} errors");
    }
    assert_eq!(r["connections"]["established"].as_u64().unwrap(), 50);
}

#[test]
fn responses_equal_nginx_requests() {
    check_counts("plain", &[]);
}

#[test]
fn responses_equal_nginx_requests_pipelined_epoll() {
    check_counts("pipe", &["--pipeline", "8", "--io", "epoll"]);
}
