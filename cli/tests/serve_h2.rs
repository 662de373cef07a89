//! `tfw-bench serve` over HTTP/2 against real peers: h2c by prior knowledge on the HTTP/1.1
//! port and h2 over TLS by ALPN, driven by curl and h2load (nghttp2-client); exact request
//! counts in h2load's summary, serve's counters and the record; a 64 KiB body through
//! 65535-byte windows; `--close-after N` as a GOAWAY after N streams, read frame by frame by a
//! raw-socket client; bad bytes after the preface answered with a GOAWAY.

mod common;

use common::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tfw_engine::proto::h2::frame::{self, code, flag, Kind, PREFACE};
use tfw_engine::proto::h2::{hpack, FrameReader, H2Error, HeaderDecoder};

use common::stop_serve as stop;

fn curl(args: &[&str]) -> std::process::Output {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
        .expect("run curl");
    assert!(out.status.success(), "curl {args:?}: {out:?}");
    out
}

/// Runs h2load and checks that all `n` requests succeeded.
fn h2load(args: &[&str], n: u64) -> String {
    let out = Command::new("h2load")
        .args(args)
        .output()
        .expect("run h2load (apt-get install nghttp2-client)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "h2load {args:?}: {out:?}");
    let want = format!(
        "requests: {n} total, {n} started, {n} done, {n} succeeded, 0 failed, 0 errored, 0 timeout"
    );
    assert!(text.contains(&want), "h2load {args:?}:\n{text}");
    text
}

fn record_path(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serve-h2-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

fn records(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let _ = std::fs::remove_file(path);
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn h2c_and_http1_share_the_port() {
    let rec = record_path("h2c");
    let (srv, addr) = serve(&["--record", rec.to_str().unwrap()]);
    let url = format!("http://{addr}/p?q=1");
    // curl 7.88 cannot reuse a prior-knowledge connection (curl/curl#10634): one URL each.
    let got = curl(&["--http2-prior-knowledge", "-w", "%{http_version}", &url]);
    assert_eq!(got.stdout, b"xx2");
    let got = curl(&["--http1.1", "-w", "%{http_version}", &url]);
    assert_eq!(got.stdout, b"xx1.1");
    h2load(&["-n", "1000", "-c", "4", "-m", "10", &url], 1000);
    let out = stop(srv);
    assert!(
        out.stdout
            .contains("served requests=1002 responses=1002 connections=6 "),
        "{}",
        out.show()
    );
    let recs = records(&rec);
    assert_eq!(recs.len(), 1002);
    let h2: Vec<&Value> = recs.iter().filter(|r| r["protocol"] == "h2").collect();
    assert_eq!(h2.len(), 1001);
    for r in &recs {
        assert_eq!(
            (&r["method"], &r["path"]),
            (&"GET".into(), &"/p?q=1".into())
        );
    }
    let headers = h2[0]["headers"].as_array().unwrap();
    assert!(
        headers.contains(&serde_json::json!([":authority", addr])),
        "{}",
        h2[0]
    );
}

#[test]
fn h2_over_tls_by_alpn_and_a_64k_body_through_small_windows() {
    let rec = record_path("tls");
    let (srv, addr) = serve(&[
        "--tls",
        "--body-size",
        "65536",
        "--record",
        rec.to_str().unwrap(),
    ]);
    let url = format!("https://{addr}/big");
    // Two requests on one connection (ALPN h2), the whole body each time.
    let got = curl(&["-k", "--http2", "-w", "%{http_version}\n", &url, &url]);
    let mut want = vec![b'x'; 65536];
    want.extend_from_slice(b"2\n");
    assert_eq!(got.stdout, [want.clone(), want].concat());
    h2load(&["-n", "1000", "-c", "4", "-m", "10", &url], 1000);
    // Windows of 2^16-1 bytes (stream and connection): each body needs a WINDOW_UPDATE.
    let text = h2load(
        &[
            "-n", "40", "-c", "2", "-m", "4", "-w", "16", "-W", "16", &url,
        ],
        40,
    );
    assert!(text.contains("(2621440) data"), "{text}");
    let out = stop(srv);
    assert!(
        out.stdout.contains("served requests=1042 responses=1042 "),
        "{}",
        out.show()
    );
    let recs = records(&rec);
    assert_eq!(recs.len(), 1042);
    assert!(recs.iter().all(|r| r["protocol"] == "h2"));
    // 64 KiB over h2c too.
    let (srv, addr) = serve(&["--body-size", "65536"]);
    let url = format!("http://{addr}/");
    let got = curl(&["--http2-prior-knowledge", "-w", "%{size_download}", &url]);
    assert_eq!(got.stdout.len(), 65536 + 5);
    h2load(
        &[
            "-n", "20", "-c", "1", "-m", "2", "-w", "16", "-W", "16", &url,
        ],
        20,
    );
    stop(srv);
}

/// A raw HTTP/2 client connection: preface, SETTINGS, then what the test writes.
struct Raw {
    s: TcpStream,
    reader: FrameReader,
    decoder: HeaderDecoder,
}

impl Raw {
    fn connect(addr: &str) -> Raw {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut b = PREFACE.to_vec();
        frame::settings(&mut b, &[]);
        s.write_all(&b).unwrap();
        Raw {
            s,
            reader: FrameReader::new(frame::MAX_FRAME_LIMIT),
            decoder: HeaderDecoder::default(),
        }
    }

    /// GETs on streams `ids`, in one write.
    fn get(&mut self, ids: impl Iterator<Item = u32>) {
        let mut b = Vec::new();
        for id in ids {
            let mut block = Vec::new();
            hpack::encode_literal(&mut block, b":method", b"GET");
            hpack::encode_literal(&mut block, b":scheme", b"http");
            hpack::encode_literal(&mut block, b":path", format!("/{id}").as_bytes());
            hpack::encode_literal(&mut block, b":authority", b"t");
            frame::headers(&mut b, id, &block, true, 16384);
        }
        self.s.write_all(&b).unwrap();
    }

    /// Frames until the server closes: (kind, flags, stream, :status or GOAWAY's last
    /// stream id and code).
    fn until_closed(&mut self) -> Vec<(Kind, u8, u32, Vec<u32>)> {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 65536];
        loop {
            let n = self.s.read(&mut buf).expect("read (the server must close)");
            if n == 0 {
                return got;
            }
            let dec = &mut self.decoder;
            self.reader
                .feed::<H2Error>(&buf[..n], |h, p| {
                    let info = match h.kind {
                        Kind::Headers => vec![dec.status(p)?.unwrap_or(0) as u32],
                        Kind::Goaway => {
                            let (last, code, _) = frame::parse_goaway(p)?;
                            vec![last, code]
                        }
                        _ => Vec::new(),
                    };
                    got.push((h.kind, h.flags, h.stream, info));
                    Ok(())
                })
                .unwrap();
        }
    }
}

#[test]
fn close_after_is_a_goaway_after_n_streams() {
    let rec = record_path("goaway");
    let (srv, addr) = serve(&["--close-after", "10", "--record", rec.to_str().unwrap()]);
    for _ in 0..2 {
        let mut c = Raw::connect(&addr);
        // 15 streams at once: the 10th (stream 19) is the GOAWAY's last stream id.
        c.get((1..30).step_by(2));
        let got = c.until_closed();
        let goaway: Vec<_> = got.iter().filter(|f| f.0 == Kind::Goaway).collect();
        assert_eq!(goaway.len(), 1, "{got:?}");
        assert_eq!(goaway[0].3, [19, code::NO_ERROR]);
        let answered: Vec<u32> = got
            .iter()
            .filter(|f| f.0 == Kind::Headers)
            .map(|f| {
                assert_eq!(f.3, [200]);
                f.2
            })
            .collect();
        assert_eq!(answered, (1..20).step_by(2).collect::<Vec<u32>>());
        let ends = got
            .iter()
            .filter(|f| f.0 == Kind::Data && f.1 & flag::END_STREAM != 0)
            .count();
        assert_eq!(ends, 10);
    }
    let out = stop(srv);
    assert!(
        out.stdout
            .contains("served requests=20 responses=20 connections=2 "),
        "{}",
        out.show()
    );
    let recs = records(&rec);
    assert_eq!(recs.len(), 20);
    assert!(recs.iter().all(|r| r["index"].as_u64().unwrap() < 10));

    // curl over TLS takes the GOAWAY and carries on on new connections.
    let (srv, addr) = serve(&["--tls", "--close-after", "10"]);
    let url = format!("https://{addr}/");
    let urls = vec![url.as_str(); 25];
    let mut args = vec!["-k", "--http2"];
    args.extend(urls);
    let got = curl(&args);
    assert_eq!(got.stdout, vec![b'x'; 50]);
    let out = stop(srv);
    assert!(
        out.stdout
            .contains("served requests=25 responses=25 connections=3 "),
        "{}",
        out.show()
    );
}

#[test]
fn delay_stall_cookie_and_head_over_h2() {
    let rec = record_path("cookie");
    // Requests in the first 100 ms wait for the stall's end; all wait for the delay.
    let (srv, addr) = serve(&[
        "--tls",
        "--stall-after",
        "0s",
        "--stall-for",
        "100ms",
        "--delay",
        "5ms",
        "--set-cookie",
        "sid",
        "--record",
        rec.to_str().unwrap(),
    ]);
    let url = format!("https://{addr}/c");
    // One connection: the cookie on the first response only; then sent back.
    let got = curl(&["-k", "--http2", "-D", "-", "-o", "/dev/null", &url, &url]);
    let heads = String::from_utf8(got.stdout).unwrap();
    let cookies: Vec<&str> = heads
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .collect();
    assert_eq!(cookies.len(), 1, "{heads}");
    let cookie = cookies[0].trim().to_string();
    assert!(heads.starts_with("HTTP/2 200"), "{heads}");
    let got = curl(&["-k", "--http2", "-b", &cookie, "-I", &url]);
    let head = String::from_utf8(got.stdout).unwrap();
    assert!(head.starts_with("HTTP/2 200"), "{head}");
    let out = stop(srv);
    assert!(out.stdout.contains("served requests=3 "), "{}", out.show());
    let recs = records(&rec);
    assert_eq!(recs.len(), 3);
    assert_eq!(cookie, format!("sid=c{}", recs[0]["conn"]));
    assert_eq!(recs[2]["method"], "HEAD");
    assert_eq!(recs[2]["cookie"], cookie.as_str());
}

#[test]
fn garbage_after_the_preface_gets_a_goaway() {
    let (srv, addr) = serve(&[]);
    let mut c = Raw::connect(&addr);
    // A PUSH_PROMISE from a client is a protocol error.
    let mut b = Vec::new();
    frame::Head {
        len: 4,
        kind: Kind::PushPromise,
        flags: 0,
        stream: 1,
    }
    .write(&mut b);
    b.extend_from_slice(&[0, 0, 0, 2]);
    c.s.write_all(&b).unwrap();
    let got = c.until_closed();
    let goaway = got.iter().find(|f| f.0 == Kind::Goaway).expect("GOAWAY");
    assert_eq!(goaway.3, [0, code::PROTOCOL_ERROR]);
    // The server goes on serving.
    let got = curl(&["--http2-prior-knowledge", &format!("http://{addr}/")]);
    assert_eq!(got.stdout, b"xx");
    let out = stop(srv);
    assert!(out.stdout.contains("parse_errors=1"), "{}", out.show());
}

#[test]
fn h2_max_streams_must_be_positive() {
    let out = run(&["serve", "--h2-max-streams", "0"]);
    assert_usage_error(&out, "--h2-max-streams");
}
