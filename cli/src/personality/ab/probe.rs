//! One request before the run, to learn what ab reads from the first response and the load
//! engine does not keep: the Server header ("Server Software") and the body length ("Document
//! Length"), and for https:// the negotiated version, suite and key exchange. It is the run's
//! own request, sent once on its own connection (a blocking socket, the engine's HTTP/1.1
//! parser `OwnedResponseParser`, and for TLS the engine's `TlsHandshake`); it is not counted in
//! the results, but the server sees it (one more request than `-n`). It does not bind to `-B`'s
//! address (std sockets cannot bind before connecting); the run does.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use tfw_engine::proto::h1::message::{OwnedMessage, OwnedResponseParser};
use tfw_engine::proto::tls::{client_config, server_name, Step, TlsHandshake, TlsSettings};

/// What the probe learnt.
#[derive(Debug)]
pub struct Probe {
    pub response: OwnedMessage,
    /// TLS: "TLSv1_3 TLS13_AES_256_GCM_SHA384 X25519" (the engine's spelling).
    pub negotiated: Option<String>,
}

/// Why the probe failed, in ab's words: the stderr line and ab's exit code.
#[derive(Debug)]
pub struct ProbeError {
    pub line: String,
    pub code: i32,
}

/// An OS error as ab's `apr_err` shows it: "what: strerror (errno)", exit errno.
fn os_error(what: &str, e: &std::io::Error) -> ProbeError {
    if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::WouldBlock {
        // APR_TIMEUP (70007), exit status 70007 & 0xff.
        return ProbeError {
            line: "apr_pollset_poll: The timeout specified has expired (70007)".into(),
            code: 70007 & 0xff,
        };
    }
    let errno = e.raw_os_error().unwrap_or(5);
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    ProbeError {
        line: format!("{what}: {text} ({errno})"),
        code: errno & 0xff,
    }
}

fn other(line: String) -> ProbeError {
    ProbeError { line, code: 1 }
}

/// Sends `request` to `addr` (over TLS with `tls`) and reads one response.
pub fn probe(
    addr: SocketAddr,
    request: &[u8],
    head: bool,
    timeout: Duration,
    tls: Option<&TlsSettings>,
) -> Result<Probe, ProbeError> {
    // ab connects without blocking and learns of a refusal from its first receive.
    let mut sock =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| os_error("apr_socket_recv", &e))?;
    let deadline = Instant::now() + timeout;
    let set = |s: &TcpStream| {
        let left = deadline.saturating_duration_since(Instant::now());
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
    };
    let mut parser = OwnedResponseParser::new();
    let mut done = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut head_fn = || head;
    let mut feed = |parser: &mut OwnedResponseParser, data: &[u8], done: &mut Vec<OwnedMessage>| {
        parser
            .feed(data, &mut head_fn, done)
            .map_err(|e| other(format!("ab: the first response could not be parsed: {e}")))
    };
    let Some(tls) = tls else {
        sock.write_all(request)
            .map_err(|e| os_error("apr_socket_send", &e))?;
        while done.is_empty() {
            set(&sock).map_err(|e| os_error("apr_socket_recv", &e))?;
            let n = sock
                .read(&mut buf)
                .map_err(|e| os_error("apr_socket_recv", &e))?;
            if n == 0 {
                match parser.eof() {
                    Ok(Some(m)) => done.push(m),
                    _ => {
                        return Err(other(
                            "apr_socket_recv: Connection reset by peer (104)".into(),
                        ))
                    }
                }
            } else {
                feed(&mut parser, &buf[..n], &mut done)?;
            }
        }
        return Ok(Probe {
            response: done.remove(0),
            negotiated: None,
        });
    };
    let tls_err = |e: tfw_engine::proto::tls::TlsError| other(format!("SSL handshake failed: {e}"));
    let config = client_config(tls).map_err(tls_err)?;
    let name = server_name(tls).map_err(tls_err)?;
    let mut hs = TlsHandshake::new(config, name).map_err(tls_err)?;
    let mut out = Vec::new();
    let mut plain = Vec::new();
    let mut received: Vec<u8> = Vec::new();
    let mut sent_request = false;
    loop {
        let step = hs
            .advance_into(&received, &mut out, Some(&mut plain))
            .map_err(tls_err)?;
        received.clear();
        if step == Step::Established && !sent_request {
            hs.encrypt(request, &mut out).map_err(tls_err)?;
            sent_request = true;
        }
        if !out.is_empty() {
            sock.write_all(&out)
                .map_err(|e| os_error("apr_socket_send", &e))?;
            out.clear();
        }
        if !plain.is_empty() {
            feed(&mut parser, &plain, &mut done)?;
            plain.clear();
        }
        if !done.is_empty() {
            break;
        }
        set(&sock).map_err(|e| os_error("apr_socket_recv", &e))?;
        let n = sock
            .read(&mut buf)
            .map_err(|e| os_error("apr_socket_recv", &e))?;
        if n == 0 || hs.peer_closed() {
            match parser.eof() {
                Ok(Some(m)) => done.push(m),
                _ => return Err(other("SSL read failed - closing connection".into())),
            }
            break;
        }
        received.extend_from_slice(&buf[..n]);
    }
    Ok(Probe {
        response: done.remove(0),
        negotiated: hs.negotiated(),
    })
}
