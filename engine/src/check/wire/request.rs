//! HTTP/1.x request bytes from a structured request, and the message that records what was
//! sent (plan.rs's `Request` says what is added: Host, Content-Length, Transfer-Encoding,
//! the marker).

use super::chunk::{field, has_field, write_chunked};
use crate::check::plan::Request;
use crate::check::transcript::Message;
use crate::check::MARKER_HEADER;

/// Appends the request's bytes to `out` and returns the message recording them.
pub fn h1_request(req: &Request, authority: &str, marker: &str, out: &mut Vec<u8>) -> Message {
    let mut headers = Vec::with_capacity(req.headers.len() + 3);
    if !has_field(&req.headers, "host") {
        let host = req.authority.as_deref().unwrap_or(authority);
        headers.push(("Host".to_string(), host.to_string()));
    }
    headers.extend(req.headers.iter().cloned());
    match &req.chunked {
        Some(_) if !has_field(&req.headers, "transfer-encoding") => {
            headers.push(("Transfer-Encoding".into(), "chunked".into()));
        }
        Some(_) => {}
        None if !req.body.is_empty() && !has_field(&req.headers, "content-length") => {
            headers.push(("Content-Length".into(), req.body.len().to_string()));
        }
        None => {}
    }
    headers.push((MARKER_HEADER.to_string(), marker.to_string()));
    let start = out.len();
    out.extend_from_slice(format!("{} {} {}\r\n", req.method, req.target, req.version).as_bytes());
    for (name, value) in &headers {
        field(out, name, value);
    }
    out.extend_from_slice(b"\r\n");
    let raw_head = out[start..].to_vec();
    let trailers = match &req.chunked {
        Some(c) => {
            write_chunked(out, &req.body, c);
            c.trailers.clone()
        }
        None => {
            out.extend_from_slice(&req.body);
            Vec::new()
        }
    };
    Message {
        method: req.method.clone(),
        target: req.target.clone(),
        version: req.version.clone(),
        headers,
        body: req.body.clone(),
        trailers,
        raw_head,
        ..Message::default()
    }
}
