//! A `command` target's ready and stats URLs, fetched from this machine (where the load
//! comes from) with one plain HTTP/1.1 GET over a std `TcpStream`; the status line and
//! headers parsed by httparse. `https://` URLs are supported for readiness only, as a TCP
//! connect to the port (no TLS handshake here); a stats URL must be `http://`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// A URL split: scheme, host, port, path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

pub fn parse_url(url: &str) -> Result<Url, String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else {
        return Err(format!("{url}: not an http:// or https:// URL"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let default = if tls { 443 } else { 80 };
    let (host, port) = if let Some(h) = authority.strip_prefix('[') {
        let (h, p) = h.split_once(']').ok_or(format!("{url}: bad [IPv6] host"))?;
        (h, p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("{url}: bad port {p:?}"))?,
        None => default,
    };
    if host.is_empty() {
        return Err(format!("{url}: no host"));
    }
    Ok(Url {
        tls,
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

fn connect(u: &Url, timeout: Duration) -> Result<TcpStream, String> {
    let addrs = (u.host.as_str(), u.port)
        .to_socket_addrs()
        .map_err(|e| format!("{}:{}: {e}", u.host, u.port))?;
    let mut last = format!("{}:{}: no address", u.host, u.port);
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = format!("{a}: {e}"),
        }
    }
    Err(last)
}

/// Largest response read.
const MAX_RESPONSE: usize = 1 << 20;

/// The chunked body `raw` decoded; None when it is malformed or cut short.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let nl = raw.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&raw[..nl]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[nl + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

/// GET `url`: its status code and body, within `timeout` in all.
pub fn get(url: &str, timeout: Duration) -> Result<(u16, Vec<u8>), String> {
    let u = parse_url(url)?;
    if u.tls {
        return Err(format!(
            "{url}: https is not fetched here (only readiness, by TCP connect)"
        ));
    }
    let deadline = Instant::now() + timeout;
    let mut s = connect(&u, timeout)?;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    s.set_write_timeout(Some(left()))
        .map_err(|e| e.to_string())?;
    let host = if u.host.contains(':') {
        format!("[{}]:{}", u.host, u.port)
    } else {
        format!("{}:{}", u.host, u.port)
    };
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tfw-bench\r\nConnection: close\r\n\r\n",
        u.path
    );
    s.write_all(req.as_bytes())
        .map_err(|e| format!("{url}: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if Instant::now() >= deadline {
            return Err(format!("{url}: no complete answer within {timeout:?}"));
        }
        s.set_read_timeout(Some(left()))
            .map_err(|e| e.to_string())?;
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_RESPONSE {
                    return Err(format!("{url}: answer larger than {MAX_RESPONSE} bytes"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if buf.is_empty() => return Err(format!("{url}: {e}")),
            Err(_) => break,
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let head = match resp.parse(&buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(format!("{url}: answer cut short")),
        Err(e) => return Err(format!("{url}: not an HTTP answer: {e}")),
    };
    let code = resp.code.unwrap_or(0);
    let chunked = resp.headers.iter().any(|h| {
        h.name.eq_ignore_ascii_case("transfer-encoding")
            && String::from_utf8_lossy(h.value)
                .to_ascii_lowercase()
                .contains("chunked")
    });
    let length = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| {
            std::str::from_utf8(h.value)
                .ok()?
                .trim()
                .parse::<usize>()
                .ok()
        });
    let raw = &buf[head..];
    let body = if chunked {
        dechunk(raw).ok_or(format!("{url}: bad chunked body"))?
    } else if let Some(n) = length {
        raw.get(..n)
            .ok_or(format!("{url}: body cut short"))?
            .to_vec()
    } else {
        raw.to_vec()
    };
    Ok((code, body))
}

/// Whether `url` answers now: any HTTP status for http, a TCP connect for https.
pub fn answers(url: &str, timeout: Duration) -> Result<(), String> {
    let u = parse_url(url)?;
    if u.tls {
        return connect(&u, timeout).map(drop);
    }
    get(url, timeout).map(drop)
}

/// Polls `url` until it answers, for at most `timeout`.
pub fn wait_ready(url: &str, timeout: Duration) -> Result<Duration, String> {
    parse_url(url)?;
    let began = Instant::now();
    let deadline = began + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let err = match answers(
            url,
            left.clamp(Duration::from_millis(50), Duration::from_secs(2)),
        ) {
            Ok(()) => return Ok(began.elapsed()),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "ready_url {url} did not answer within {timeout:?} (last: {err})"
            ));
        }
        std::thread::sleep(
            Duration::from_millis(100).min(deadline.saturating_duration_since(Instant::now())),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls() {
        let u = parse_url("http://127.0.0.1:8080/status").unwrap();
        assert_eq!(
            (u.tls, u.host.as_str(), u.port, u.path.as_str()),
            (false, "127.0.0.1", 8080, "/status")
        );
        let u = parse_url("https://[::1]/").unwrap();
        assert_eq!((u.tls, u.host.as_str(), u.port), (true, "::1", 443));
        assert_eq!(parse_url("http://h").unwrap().path, "/");
        assert!(parse_url("ftp://h/").is_err());
        assert!(parse_url("http://h:99999/").is_err());
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
        assert!(dechunk(b"5\r\nab").is_none());
    }

    /// A one-shot server on a real socket answering `answer`.
    fn serve(answer: &'static [u8]) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut req = [0u8; 1024];
            let _ = s.read(&mut req);
            s.write_all(answer).unwrap();
        });
        port
    }

    #[test]
    fn gets_over_a_real_socket() {
        let port = serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnopEXTRA");
        let (code, body) = get(
            &format!("http://127.0.0.1:{port}/x"),
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!((code, body.as_slice()), (404, &b"nop"[..]));
        let port =
            serve(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        let (code, body) =
            get(&format!("http://127.0.0.1:{port}/"), Duration::from_secs(5)).unwrap();
        assert_eq!((code, body.as_slice()), (200, &b"ok"[..]));
        let port = serve(b"SSH-2.0-OpenSSH\r\n");
        assert!(
            get(&format!("http://127.0.0.1:{port}/"), Duration::from_secs(5))
                .unwrap_err()
                .contains("not an HTTP answer")
        );
    }

    #[test]
    fn waiting_for_a_closed_port_is_bounded() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = wait_ready(
            &format!("http://127.0.0.1:{port}/"),
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(e.contains("did not answer within"), "{e}");
    }
}
