//! The built-in target's response as HTTP/2, built once from the HTTP/1.1 bytes the plan
//! already has: the header block encoded up front (`:status` indexed from the static table
//! where it is there, literals without indexing, so the peer's dynamic table is never
//! touched) and the body shared by every stream that sends it.

use crate::proto::h2::error::H2Error;
use crate::proto::h2::hpack;
use std::sync::Arc;

/// The built-in target's response as HTTP/2: status, header block encoded once (literals,
/// `:status` indexed where static), body.
#[derive(Clone, Debug)]
pub struct H2Response {
    status: u16,
    pub(super) block: Vec<u8>,
    pub(super) body: Arc<[u8]>,
}

impl H2Response {
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The encoded header block (`:status` first).
    pub fn block(&self) -> &[u8] {
        &self.block
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// Fields HTTP/2 forbids (RFC 9113 section 8.2.2), dropped from an HTTP/1.1 template.
const CONNECTION_SPECIFIC: [&str; 5] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
];

/// Builds the HTTP/2 response from a complete HTTP/1.1 response (head and body as sent):
/// status, fields minus connection-specific ones (names lowercased), body.
pub fn response_from_h1(wire: &[u8]) -> Result<H2Response, H2Error> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let head_len = match resp.parse(wire) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(H2Error::Template("incomplete response head")),
        Err(_) => return Err(H2Error::Template("not an HTTP/1.1 response")),
    };
    let status = resp.code.ok_or(H2Error::Template("no status code"))?;
    let mut block = Vec::new();
    hpack::encode_status(&mut block, status);
    let mut name = Vec::new();
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // The body would be chunk-framed bytes, not the body.
            return Err(H2Error::Template("chunked response body"));
        }
        if CONNECTION_SPECIFIC
            .iter()
            .any(|c| h.name.eq_ignore_ascii_case(c))
        {
            continue;
        }
        name.clear();
        name.extend(h.name.bytes().map(|b| b.to_ascii_lowercase()));
        hpack::encode_literal(&mut block, &name, h.value);
    }
    Ok(H2Response {
        status,
        block,
        body: Arc::from(&wire[head_len..]),
    })
}
