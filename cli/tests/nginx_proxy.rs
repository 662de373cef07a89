//! nginx as the reverse proxy the checker's `--profile nginx` runs behind
//! (tools/peers/nginx-ctl.sh with BACKEND): in front of `tfw-bench serve --record`, curl gets
//! 200 through the HTTP/1.1 port and the TLS port (h2 by ALPN, and http/1.1), the backend sees
//! every request with the client's Host and an X-Forwarded-For, and a backend that accepts but
//! never answers gives 504 (the 1 s proxy timeouts).

mod common;

use common::nginx::Nginx;
use common::*;
use serde_json::Value;
use std::net::TcpListener;
use std::process::Command;

/// curl's output (`-w`: status and HTTP version after the body), bounded in time.
fn curl(args: &[&str]) -> String {
    let mut all = vec![
        "-sS",
        "--max-time",
        "20",
        "-w",
        " %{http_code} %{http_version}",
    ];
    all.extend_from_slice(args);
    let out = spawn_with(Command::new("curl").args(&all)).finish();
    assert_eq!(out.code(), Some(0), "curl {args:?}\n{}", out.show());
    out.stdout
}

#[test]
fn proxy_in_front_of_serve() {
    let record = tmp_json("nginx-proxy-record");
    let (srv, addr) = serve(&["--record", record.to_str().unwrap()]);
    let nginx = Nginx::start_proxy("proxy", &addr);
    let plain = format!("127.0.0.1:{}", nginx.proxy);
    let tls = format!("127.0.0.1:{}", nginx.proxy_tls);
    assert_eq!(curl(&[&format!("http://{plain}/a")]), "xx 200 1.1");
    assert_eq!(curl(&["-k", &format!("https://{tls}/b")]), "xx 200 2");
    let h1 = curl(&["-k", "--http1.1", &format!("https://{tls}/c")]);
    assert_eq!(h1, "xx 200 1.1");
    let out = stop_serve(srv);
    assert_eq!(served_requests(&out), 3, "{}", out.show());

    let text = std::fs::read_to_string(&record).unwrap();
    let _ = std::fs::remove_file(&record);
    let seen: Vec<(String, String, String)> = text
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let field = |name: &str| {
                v["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
                    .map(|h| h[1].as_str().unwrap().to_owned())
                    .unwrap_or_else(|| panic!("no {name} in {l}"))
            };
            let path = v["path"].as_str().unwrap().to_owned();
            (path, field("Host"), field("X-Forwarded-For"))
        })
        .collect();
    let want = |path: &str, host: &str| (path.to_owned(), host.to_owned(), "127.0.0.1".to_owned());
    assert_eq!(
        seen,
        vec![want("/a", &plain), want("/b", &tls), want("/c", &tls)]
    );
}

/// A backend that accepts and never answers: nginx gives up after its 1 s timeout with 504.
#[test]
fn silent_backend_gives_504() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let backend = silent.local_addr().unwrap().to_string();
    let nginx = Nginx::start_proxy("proxy-silent", &backend);
    let timed_out = curl(&[&format!("http://127.0.0.1:{}/", nginx.proxy)]);
    assert!(timed_out.ends_with(" 504 1.1"), "{timed_out}");
    drop(silent);
}
