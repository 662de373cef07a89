//! ab's URL and request: `[http[s]://]hostname[:port]/path` split as ab's `parse_url` does
//! (the path is required), and the request bytes exactly as ab builds them in `test()`
//! (apache/httpd support/ab.c, 2.4.x branch, commit f45abec1bd20396cea777a411bd5975abefad279):
//! an HTTP/1.0 request line, `Connection: Keep-Alive` with -k, the cookie, the credentials,
//! Content-length/Content-type with a body, the -H lines, then Host, User-Agent and Accept
//! unless -H gave them.

use super::args::{AbArgs, Method};

/// The parts of ab's URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbUrl {
    pub https: bool,
    /// The host without IPv6 brackets.
    pub host: String,
    pub port: u16,
    pub path: String,
    /// Host header value: the host (IPv6 in brackets) and `:port` unless the default.
    pub host_field: String,
}

/// ab's `parse_url`; None is ab's "invalid URL".
pub fn parse_url(url: &str) -> Option<AbUrl> {
    let (https, rest) = if url.len() > 7 && url.starts_with("http://") {
        (false, &url[7..])
    } else if url.len() > 8 && url.starts_with("https://") {
        (true, &url[8..])
    } else {
        (false, url)
    };
    let slash = rest.find('/')?;
    let (authority, path) = rest.split_at(slash);
    let (host, port) = if let Some(r) = authority.strip_prefix('[') {
        let (h, after) = r.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() || host.contains(':') && !authority.starts_with('[') {
        return None;
    }
    let default = if https { 443 } else { 80 };
    let port = match port {
        None => default,
        Some(p) => match p.parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => return None,
        },
    };
    let bracketed = if authority.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let host_field = if port == default {
        bracketed
    } else {
        format!("{bracketed}:{port}")
    };
    Some(AbUrl {
        https,
        host: host.to_string(),
        port,
        path: path.to_string(),
        host_field,
    })
}

/// The request line's method.
pub fn method_name(a: &AbArgs) -> &str {
    if let Some(m) = &a.method_name {
        return m;
    }
    match &a.method {
        Method::Default => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Custom(m) => m,
    }
}

fn has_field(headers: &[String], name: &str) -> bool {
    headers
        .iter()
        .any(|h| h.len() >= name.len() && h[..name.len()].eq_ignore_ascii_case(name))
}

/// The request's bytes: head, then the body (`-p`/`-u`) if any.
pub fn build(a: &AbArgs, url: &AbUrl, body: Option<&[u8]>) -> Vec<u8> {
    let mut s = format!("{} {} HTTP/1.0\r\n", method_name(a), url.path);
    if a.keepalive {
        s.push_str("Connection: Keep-Alive\r\n");
    }
    if let Some(c) = &a.cookie {
        s.push_str(&format!("Cookie: {c}\r\n"));
    }
    if let Some(cred) = &a.auth {
        s.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64(cred.as_bytes())
        ));
    }
    if let Some(b) = body {
        s.push_str(&format!("Content-length: {}\r\n", b.len()));
        let ct = a.content_type.as_deref().unwrap_or("text/plain");
        s.push_str(&format!("Content-type: {ct}\r\n"));
    }
    for h in &a.headers {
        s.push_str(h);
        s.push_str("\r\n");
    }
    if !has_field(&a.headers, "Host:") {
        s.push_str(&format!("Host: {}\r\n", url.host_field));
    }
    if !has_field(&a.headers, "User-Agent:") {
        s.push_str("User-Agent: ApacheBench/2.3\r\n");
    }
    if !has_field(&a.headers, "Accept:") {
        s.push_str("Accept: */*\r\n");
    }
    s.push_str("\r\n");
    let mut wire = s.into_bytes();
    if let Some(b) = body {
        wire.extend_from_slice(b);
    }
    wire
}

/// Standard base64 with padding (ab's `apr_base64_encode`).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::args::{parse, Parsed};
    use super::*;

    fn args(v: &[&str]) -> AbArgs {
        match parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()) {
            Ok(Parsed::Run(a)) => *a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn urls_as_ab_splits_them() {
        let u = parse_url("http://127.0.0.1:8080/a?b=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 8080, "/a?b=1")
        );
        assert_eq!(u.host_field, "127.0.0.1:8080");
        let u = parse_url("localhost/").unwrap();
        assert_eq!(
            (u.https, u.port, u.host_field.as_str()),
            (false, 80, "localhost")
        );
        let u = parse_url("https://[::1]:4433/x").unwrap();
        assert_eq!(
            (u.https, u.host.as_str(), u.host_field.as_str()),
            (true, "::1", "[::1]:4433")
        );
        assert_eq!(parse_url("https://h/").unwrap().port, 443);
        for bad in [
            "http://127.0.0.1",
            "http:///x",
            "http://h:0/",
            "http://h:x/",
            "h",
        ] {
            assert_eq!(parse_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn requests_as_ab_builds_them() {
        let a = args(&["http://h:81/p"]);
        let u = parse_url(&a.url).unwrap();
        assert_eq!(
            String::from_utf8(build(&a, &u, None)).unwrap(),
            "GET /p HTTP/1.0\r\nHost: h:81\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n"
        );
        let a = args(&[
            "-k",
            "-C",
            "a=1",
            "-A",
            "u:p",
            "-T",
            "application/json",
            "-H",
            "X-A: 1",
            "-H",
            "accept: t/x",
            "http://h/p",
        ]);
        let u = parse_url(&a.url).unwrap();
        assert_eq!(
            String::from_utf8(build(&a, &u, Some(b"{}"))).unwrap(),
            "GET /p HTTP/1.0\r\nConnection: Keep-Alive\r\nCookie: a=1\r\nAuthorization: Basic dTpw\r\n\
             Content-length: 2\r\nContent-type: application/json\r\nX-A: 1\r\naccept: t/x\r\n\
             Host: h\r\nUser-Agent: ApacheBench/2.3\r\n\r\n{}"
        );
        assert_eq!(method_name(&args(&["-i", "http://h/"])), "HEAD");
        assert_eq!(
            method_name(&args(&["-p", "f", "-m", "PATCH", "http://h/"])),
            "PATCH"
        );
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b""), "");
    }
}
