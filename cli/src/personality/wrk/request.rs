//! The request wrk sends and the names it resolves, built as wrk builds them (github:wg/wrk
//! src/wrk.lua `wrk.init` and `wrk.format`, src/script.c `script_create`, commit
//! a211dd5a7050b1f9e8a9870b95513060e72ac4a0):
//!
//! - `-H` takes `Name: value` (a colon, then a space); anything else is dropped by wrk (here
//!   with a warning). A name given twice keeps the last value (a Lua table).
//! - `GET <path> HTTP/1.1`, `Host: host[:port]` (the port as written in the URL, IPv6 in
//!   brackets) unless `-H` gives `Host` (the same spelling: Lua keys are case-sensitive), the
//!   `-H` headers, and no `Content-Length` (`wrk.format` sets it from the body: none).
//! - The "service" of wrk's messages is the URL's port as written, or its scheme.
//!
//! A script's static batch (`static_request()`: several pipelined requests) is split here
//! into its requests, so that the engine counts each one.

use std::sync::Arc;
use tfw_engine::plan::{MixEntry, MixOrder, RequestMix, RequestTemplate};
use tfw_scenarios::Target;

/// The URL's port text as written (`http://h:8080/` -> `8080`), if any.
pub fn port_text(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let after_host = match authority.rfind(']') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let (_, port) = after_host.rsplit_once(':')?;
    (!port.is_empty()).then_some(port)
}

/// What wrk's messages call the target's service: the port as written, or the scheme.
pub fn service(url: &str, target: &Target) -> String {
    port_text(url)
        .map(str::to_string)
        .unwrap_or_else(|| target.scheme.as_str().to_string())
}

/// The `-H` headers wrk takes, in order, and the ones it drops.
pub fn headers(given: &[String]) -> (Vec<(String, String)>, Vec<String>) {
    let mut kept: Vec<(String, String)> = Vec::new();
    let mut dropped = Vec::new();
    for h in given {
        match h.split_once(':') {
            Some((name, value)) if value.starts_with(' ') => {
                let value = value[1..].to_string();
                match kept.iter_mut().find(|(n, _)| n == name) {
                    Some(e) => e.1 = value,
                    None => kept.push((name.to_string(), value)),
                }
            }
            _ => dropped.push(h.clone()),
        }
    }
    (kept, dropped)
}

/// The Host header wrk sends by default.
pub fn host_header(url: &str, target: &Target) -> String {
    let host = if target.host.contains(':') {
        format!("[{}]", target.host)
    } else {
        target.host.clone()
    };
    match port_text(url) {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// wrk's request without a script.
pub fn build(url: &str, target: &Target, headers: &[(String, String)]) -> Vec<u8> {
    let mut s = format!("GET {} HTTP/1.1\r\n", target.path_and_query);
    if !headers.iter().any(|(n, _)| n == "Host") {
        s.push_str(&format!("Host: {}\r\n", host_header(url, target)));
    }
    for (n, v) in headers {
        // wrk.format: `headers["Content-Length"] = body and string.len(body)`, no body: nil.
        if n != "Content-Length" {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// One request: one entry.
pub fn single(wire: Vec<u8>) -> RequestMix {
    RequestMix::single(RequestTemplate {
        wire: Arc::from(wire),
        head: false,
    })
}

/// A pipelined batch split into its requests, one entry each, sent in order by every
/// connection (with as many in flight as the batch has): each request and each response is
/// counted once, as wrk counts them.
pub fn batch(bytes: &[u8], heads: &[bool]) -> Result<RequestMix, String> {
    let requests = split(bytes)?;
    if requests.len() != heads.len() {
        return Err(format!(
            "the script's request holds {} requests, its parser found {}",
            requests.len(),
            heads.len()
        ));
    }
    let entries = requests
        .into_iter()
        .zip(heads)
        .enumerate()
        .map(|(i, (wire, &head))| MixEntry {
            name: format!("request {}", i + 1),
            template: RequestTemplate {
                wire: Arc::from(wire),
                head,
            },
            weight: 1,
        })
        .collect();
    Ok(RequestMix {
        entries,
        order: MixOrder::Sequence,
        cookies: false,
    })
}

/// Splits complete HTTP/1.1 requests laid end to end (bodies by Content-Length).
pub fn split(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Err(format!(
                "the script's request {} has no end of its header",
                out.len() + 1
            ));
        };
        let head = &rest[..end + 4];
        let mut body = 0usize;
        for line in head.split(|&b| b == b'\n').skip(1) {
            let line = String::from_utf8_lossy(line);
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let name = name.trim();
            if name.eq_ignore_ascii_case("content-length") {
                body = value.trim().parse().map_err(|_| {
                    format!(
                        "the script's request {} has a bad Content-Length: {}",
                        out.len() + 1,
                        value.trim()
                    )
                })?;
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(format!(
                    "the script's request {} has a chunked body: not supported in a static request",
                    out.len() + 1
                ));
            }
        }
        let len = head.len() + body;
        if len > rest.len() {
            return Err(format!(
                "the script's request {} is shorter than its Content-Length",
                out.len() + 1
            ));
        }
        out.push(rest[..len].to_vec());
        pos += len;
    }
    if out.is_empty() {
        return Err("the script's request is empty".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn host_and_service_as_written() {
        let url = "http://127.0.0.1:8080/a?b=1";
        assert_eq!(port_text(url), Some("8080"));
        assert_eq!(host_header(url, &t(url)), "127.0.0.1:8080");
        assert_eq!(service(url, &t(url)), "8080");
        // A default port written out stays in the Host header, as wrk sends it.
        let url = "http://localhost:80/";
        assert_eq!(host_header(url, &t(url)), "localhost:80");
        let url = "https://localhost/";
        assert_eq!(host_header(url, &t(url)), "localhost");
        assert_eq!(service(url, &t(url)), "https");
        let url = "http://[::1]:81/";
        assert_eq!(host_header(url, &t(url)), "[::1]:81");
        let url = "http://[::1]/";
        assert_eq!(port_text(url), None);
        assert_eq!(host_header(url, &t(url)), "[::1]");
    }

    #[test]
    fn headers_need_a_colon_and_a_space() {
        let given = ["A: 1", "B:2", "C", "A: 3", "Host: x"].map(String::from);
        let (kept, dropped) = headers(&given);
        assert_eq!(
            kept,
            [("A".into(), "3".into()), ("Host".into(), "x".into())]
        );
        assert_eq!(dropped, ["B:2", "C"]);
    }

    #[test]
    fn the_request_as_wrk_formats_it() {
        let url = "http://127.0.0.1:8080/index.html";
        let wire = build(url, &t(url), &[]);
        assert_eq!(
            wire,
            b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
        );
        let h = [
            ("User-Agent".to_string(), "wrk".to_string()),
            ("Content-Length".to_string(), "5".to_string()),
        ];
        let wire = build(url, &t(url), &h);
        assert_eq!(
            wire,
            b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n"
        );
        let h = [("Host".to_string(), "example.com".to_string())];
        assert_eq!(
            build(url, &t(url), &h),
            b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
    }

    #[test]
    fn batches_split_into_their_requests() {
        let one = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec();
        let post = b"POST /p HTTP/1.1\r\nHost: a\r\ncontent-length: 3\r\n\r\nabc".to_vec();
        let bytes = [one.clone(), post.clone(), one.clone()].concat();
        assert_eq!(split(&bytes).unwrap(), vec![one.clone(), post, one.clone()]);
        let mix = batch(&bytes, &[false, false, true]).unwrap();
        assert_eq!(mix.entries.len(), 3);
        assert_eq!(mix.order, MixOrder::Sequence);
        assert!(mix.entries[2].template.head);
        assert!(batch(&bytes, &[false]).is_err());
        assert!(split(b"GET / HTTP/1.1\r\n").is_err());
        assert!(split(b"").is_err());
        assert!(split(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab").is_err());
        assert!(split(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
    }
}
