//! The bytes of a scripted backend response: what the recording backend writes back.

use super::chunk::{field, has_field, write_chunked};
use crate::check::plan::Response;
use crate::proto::h1::reason_phrase;

/// A scripted response's bytes (raw as is; else status line, headers, Content-Length unless
/// given or chunked, chunked framing with sizes, extension and trailers; no body for HEAD,
/// 1xx, 204, 304). A response to HEAD keeps the Content-Length its body would have.
pub fn response_bytes(r: &Response, head_request: bool) -> Vec<u8> {
    if let Some(raw) = &r.raw {
        return raw.clone();
    }
    let mut out = Vec::with_capacity(128 + r.body.len());
    let reason = r.reason.as_deref().unwrap_or(reason_phrase(r.status));
    out.extend_from_slice(format!("{} {} {}\r\n", r.version, r.status, reason).as_bytes());
    for (name, value) in &r.headers {
        field(&mut out, name, value);
    }
    let bodiless = r.status < 200 || r.status == 204 || r.status == 304;
    let chunked = r.chunked.as_ref().filter(|_| !bodiless);
    if chunked.is_some() {
        if !has_field(&r.headers, "transfer-encoding") {
            field(&mut out, "Transfer-Encoding", "chunked");
        }
    } else if !bodiless && !has_field(&r.headers, "content-length") {
        field(&mut out, "Content-Length", &r.body.len().to_string());
    }
    out.extend_from_slice(b"\r\n");
    if bodiless || head_request {
        return out;
    }
    match chunked {
        Some(c) => write_chunked(&mut out, &r.body, c),
        None => out.extend_from_slice(&r.body),
    }
    out
}
