//! The bytes of a scripted backend response.

use crate::check::plan::Response;

/// A scripted response's bytes (raw as is; else status line, headers, Content-Length unless
/// given/chunked, chunked framing with sizes/extension/trailers; no body for HEAD, 1xx, 204, 304).
pub fn response_bytes(r: &Response, head_request: bool) -> Vec<u8> {
    let _ = (r, head_request);
    Vec::new()
}
