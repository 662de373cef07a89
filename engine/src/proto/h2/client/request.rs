//! A run's request as HTTP/2: the plan's HTTP/1.1 wire bytes turned, once before the run,
//! into pseudo-header and header fields, their header blocks and the body.
//!
//! Two blocks are built per request: one of literals without indexing (always valid) and one
//! that inserts the fields into the peer's dynamic table, which a connection sends the first
//! time it uses the request and then replaces with indexed references (see `encode`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::super::error::H2Error;
use super::super::hpack;

/// Header fields parsed from a request template.
const MAX_HEADERS: usize = 64;

/// Fields HTTP/2 forbids (RFC 9113 section 8.2.2), and Host, which becomes `:authority`.
const DROPPED: [&str; 6] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// Hands each request a process-unique id, the key of a connection's table of indexed
/// requests.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One field of a request and how its indexed form refers to it.
#[derive(Clone, Debug)]
pub(super) struct Field {
    pub name: Box<[u8]>,
    pub value: Box<[u8]>,
    /// Static-table index of the whole field, when the static table has it (never inserted
    /// into the dynamic table).
    pub static_index: Option<usize>,
}

/// A request template turned into HTTP/2 fields and body, built once before the run from the
/// HTTP/1.1 wire bytes the plan already has (method, path, Host -> :authority, scheme given;
/// connection-specific fields dropped: Connection, Keep-Alive, Proxy-Connection,
/// Transfer-Encoding, Upgrade, Host; names lowercased).
#[derive(Clone, Debug)]
pub struct H2Request {
    pub(super) id: u64,
    pub(super) fields: Vec<Field>,
    /// Literals without indexing (names from the static table where they are there).
    pub(super) plain: Vec<u8>,
    /// Literals with incremental indexing for the fields not in the static table.
    pub(super) insert: Vec<u8>,
    /// Fields `insert` adds to the peer's table, and the table space they take (RFC 7541
    /// section 4.1: name + value + 32 each).
    pub(super) insert_count: u32,
    pub(super) insert_size: usize,
    pub(super) body: Arc<[u8]>,
}

impl H2Request {
    /// A request from its parts. `headers` are regular fields (names are lowercased here;
    /// connection-specific ones are dropped).
    pub fn new(
        method: &[u8],
        scheme: &[u8],
        authority: &[u8],
        path: &[u8],
        headers: &[(&[u8], &[u8])],
        body: Arc<[u8]>,
    ) -> Result<H2Request, H2Error> {
        if method.is_empty() || method == b"CONNECT" {
            return Err(H2Error::Template("method empty or CONNECT"));
        }
        if path.is_empty() {
            return Err(H2Error::Template("empty :path"));
        }
        let mut fields = Vec::with_capacity(4 + headers.len());
        let mut push = |name: &[u8], value: &[u8]| {
            fields.push(Field {
                name: name.into(),
                value: value.into(),
                static_index: hpack::static_index(name, value),
            })
        };
        push(b":method", method);
        push(b":scheme", scheme);
        push(b":authority", authority);
        push(b":path", path);
        for (name, value) in headers {
            let name = name.to_ascii_lowercase();
            if name.is_empty() || name.starts_with(b":") {
                return Err(H2Error::Template("empty or pseudo-header field name"));
            }
            if DROPPED.iter().any(|d| d.as_bytes() == name.as_slice()) {
                continue;
            }
            if name == b"te" && !value.eq_ignore_ascii_case(b"trailers") {
                continue;
            }
            push(&name, value);
        }
        let mut req = H2Request {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            fields,
            plain: Vec::new(),
            insert: Vec::new(),
            insert_count: 0,
            insert_size: 0,
            body,
        };
        for f in &req.fields {
            match f.static_index {
                Some(i) => {
                    hpack::encode_indexed(&mut req.plain, i);
                    hpack::encode_indexed(&mut req.insert, i);
                }
                None => {
                    hpack::encode_literal(&mut req.plain, &f.name, &f.value);
                    hpack::encode_literal_indexed(&mut req.insert, &f.name, &f.value);
                    req.insert_count += 1;
                    req.insert_size += f.name.len() + f.value.len() + 32;
                }
            }
        }
        Ok(req)
    }

    /// The request body (sent as DATA).
    pub fn body(&self) -> &Arc<[u8]> {
        &self.body
    }

    /// The fields in the order sent: `:method`, `:scheme`, `:authority`, `:path`, then the
    /// regular fields.
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields.iter().map(|f| (&*f.name, &*f.value))
    }

    /// The header block of literals without indexing.
    pub fn header_block(&self) -> &[u8] {
        &self.plain
    }
}

/// Builds an `H2Request` from one HTTP/1.1 request (head and body). The target's authority
/// comes from Host, or from an absolute-form target; `scheme` is `http` or `https`.
pub fn request_from_h1(wire: &[u8], scheme: &str) -> Result<H2Request, H2Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let head_len = match parsed.parse(wire) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(H2Error::Template("incomplete request head")),
        Err(_) => return Err(H2Error::Template("malformed request head")),
    };
    let method = parsed.method.unwrap_or_default().as_bytes();
    let mut target = parsed.path.unwrap_or_default().as_bytes();
    let mut authority: Option<&[u8]> = None;
    // Absolute form: scheme://authority/path.
    if let Some(pos) = target.windows(3).position(|w| w == b"://") {
        if !target.starts_with(b"/") {
            let rest = &target[pos + 3..];
            let slash = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            authority = Some(&rest[..slash]);
            target = if slash == rest.len() {
                b"/"
            } else {
                &rest[slash..]
            };
        }
    }
    let mut length: Option<usize> = None;
    let mut fields: Vec<(&[u8], &[u8])> = Vec::with_capacity(parsed.headers.len());
    for h in parsed.headers.iter() {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"host") {
            authority.get_or_insert(h.value);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(H2Error::Template(
                "Transfer-Encoding has no HTTP/2 equivalent: give the body with Content-Length",
            ));
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or(H2Error::Template("invalid Content-Length"))?;
            if length.is_some_and(|l| l != n) {
                return Err(H2Error::Template("conflicting Content-Length fields"));
            }
            length = Some(n);
        }
        fields.push((name, h.value));
    }
    let body = &wire[head_len..];
    if length.is_some_and(|n| n != body.len()) {
        return Err(H2Error::Template(
            "Content-Length differs from the body's length",
        ));
    }
    let authority = authority.ok_or(H2Error::Template("no Host field for :authority"))?;
    H2Request::new(
        method,
        scheme.as_bytes(),
        authority,
        target,
        &fields,
        Arc::from(body),
    )
}

#[cfg(test)]
mod tests;
