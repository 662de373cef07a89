//! `tfw-bench handshake` against servers that break the handshake on purpose: a plain TCP
//! listener in the test reads the ClientHello and then closes, resets, or answers with bytes
//! that are not TLS (or a TLS record whose handshake message is junk); and a server whose
//! certificate the client does not trust under `--verify --cacert` (`serve --tls`, whose
//! generated certificate is not signed by nginx-ctl's CA). Each is counted under its error
//! kind, the first message of the kind is in the summary (with rustls' reason), the run
//! ends (no hang) and exits 1 with one error line, as when nothing else succeeds.

mod common;

use common::nginx::Nginx;
use common::tls_nginx::handshake;
use common::{serve_tls, stop_serve, Out, LIMIT};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the fault server does once it has the client's first bytes.
#[derive(Clone, Copy)]
enum Fault {
    /// Reads the whole ClientHello record, then closes (FIN).
    Close,
    /// Reads only the record header and closes with the rest unread: the kernel sends RST.
    Reset,
    /// Reads the ClientHello, answers with these bytes and waits for the client to go.
    Answer(&'static [u8]),
}

struct FaultTls {
    addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl FaultTls {
    fn start(fault: Fault) -> FaultTls {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let end = Instant::now() + LIMIT;
            let mut hellos = 0;
            while !s.load(Ordering::Relaxed) && Instant::now() < end {
                match listener.accept() {
                    Ok((c, _)) => hellos += u64::from(serve(c, fault)),
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
            hellos
        });
        FaultTls {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the server; returns how many ClientHellos it read.
    fn stop(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for FaultTls {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One connection; true when it began with a TLS handshake record (a ClientHello).
fn serve(mut c: TcpStream, fault: Fault) -> bool {
    c.set_nonblocking(false).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = [0u8; 5];
    if c.read_exact(&mut head).is_err() {
        return false;
    }
    let hello = head[0] == 0x16;
    if let Fault::Reset = fault {
        return hello;
    }
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([head[3], head[4]]))];
    if c.read_exact(&mut body).is_err() {
        return false;
    }
    if let Fault::Answer(bytes) = fault {
        let _ = c.write_all(bytes);
        // Until the client closes (it resets after its error).
        let mut sink = [0u8; 1024];
        while matches!(c.read(&mut sink), Ok(n) if n > 0) {}
    }
    hello
}

/// Exit 1, one "tfw-bench: error:" line saying no handshake succeeded and naming `why`,
/// the summary's first error of `kind` naming `why` too.
fn failed_with(out: &Out, doc: &Value, kind: &str, why: &str) {
    assert_eq!(out.code(), Some(1), "{}", out.show());
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.show());
    assert!(
        lines[0].starts_with("tfw-bench: error: no TLS handshake succeeded:")
            && lines[0].contains(why),
        "{why:?}\n{}",
        out.show()
    );
    let first = format!("first {kind} error: ");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains(&first) && l.contains(why)),
        "{first:?} {why:?}\n{}",
        out.show()
    );
    assert!(
        out.stdout.contains("TOTAL:") && out.stdout.contains("ERRORS:"),
        "{}",
        out.show()
    );
    assert_eq!(doc["handshakes"], 0, "{doc}");
    assert!(doc["errors"][kind].as_u64().unwrap() > 0, "{doc}");
    assert!(
        doc["first_errors"][kind].as_str().unwrap().contains(why),
        "{doc}"
    );
}

#[test]
fn server_closes_after_the_client_hello() {
    let srv = FaultTls::start(Fault::Close);
    let (out, doc) = handshake(&[&srv.addr, "-n", "20", "-c", "2"], "close");
    failed_with(
        &out,
        &doc,
        "handshake",
        "closed the connection during the handshake",
    );
    assert_eq!(doc["errors"]["reset"], 0, "{doc}");
    assert!(srv.stop() > 0, "the server never saw a ClientHello");
}

#[test]
fn server_resets_after_the_client_hello() {
    let srv = FaultTls::start(Fault::Reset);
    let (out, doc) = handshake(&[&srv.addr, "-n", "20", "-c", "2"], "reset");
    failed_with(
        &out,
        &doc,
        "reset",
        "reset the connection during the handshake",
    );
    assert!(srv.stop() > 0);
}

#[test]
fn server_answers_with_garbage() {
    // Text, not TLS at all.
    let srv = FaultTls::start(Fault::Answer(b"220 smtp.example ESMTP ready\r\n"));
    let (out, doc) = handshake(&[&srv.addr, "-n", "20", "-c", "2"], "text");
    failed_with(&out, &doc, "handshake", "is this a TLS port?");
    assert!(srv.stop() > 0);
    // A TLS handshake record whose message is junk (a ServerHello cut short).
    let junk: &[u8] = b"\x16\x03\x03\x00\x08\x02\x00\x00\x04\xde\xad\xbe\xef";
    let srv = FaultTls::start(Fault::Answer(junk));
    let (out, doc) = handshake(&[&srv.addr, "-n", "20", "-c", "2"], "junk");
    failed_with(&out, &doc, "handshake", "corrupt message");
    assert!(srv.stop() > 0);
}

#[test]
fn untrusted_certificate_under_verify() {
    let ng = Nginx::start("untrusted");
    let ca = ng.run.join("ca.pem");
    let ca = ca.to_str().unwrap();
    let (srv, addr) = serve_tls(&[]);
    for v in ["1.2", "1.3"] {
        let args = [
            &addr, "-n", "20", "-c", "2", "--tls", v, "--verify", "--cacert", ca,
        ];
        let (out, doc) = handshake(&args, "untrusted");
        failed_with(
            &out,
            &doc,
            "handshake",
            "invalid peer certificate: UnknownIssuer",
        );
        assert_eq!(doc["settings"]["verify"], true);
    }
    // The same server without --verify: every handshake completes.
    let (out, doc) = handshake(&[&addr, "-n", "20", "-c", "2"], "unverified");
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_eq!(doc["handshakes"], 20);
    stop_serve(srv);
}
