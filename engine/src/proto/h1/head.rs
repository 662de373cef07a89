//! Message heads, shared by the response and request parsers: finding a complete head in fed
//! bytes, and reading the few fields that decide body framing and connection reuse.
//!
//! The hot path parses straight from the fed slice; only a head split across feeds is copied,
//! into a buffer whose capacity is kept for the connection's life.

use super::body::Framing;
use super::error::{ParseError, MAX_HEAD};

/// Header fields parsed per head (on the stack); more is an error.
pub(crate) const MAX_HEADERS: usize = 64;

/// Collects the bytes of a head that arrived in more than one feed.
#[derive(Debug, Default)]
pub(crate) struct HeadBuf {
    buf: Vec<u8>,
}

impl HeadBuf {
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Looks for a complete head starting with what earlier feeds left and continuing in
    /// `data`. `parse` runs httparse over a candidate and returns `Ok(None)` while incomplete,
    /// else the head's length and what the caller extracted from it.
    ///
    /// `Ok(Some((head, n)))`: the head ends after `data[..n]`. `Ok(None)`: all of `data` was
    /// buffered and more is needed.
    #[inline]
    pub(crate) fn next_head<T>(
        &mut self,
        data: &[u8],
        parse: impl Fn(&[u8]) -> Result<Option<(usize, T)>, ParseError>,
    ) -> Result<Option<(T, usize)>, ParseError> {
        if self.buf.is_empty() {
            if let Some((n, head)) = parse(data)? {
                return Ok(Some((head, n)));
            }
            if data.len() > MAX_HEAD {
                return Err(ParseError::HeadTooLarge);
            }
            self.buf.extend_from_slice(data);
            return Ok(None);
        }
        self.continue_head(data, parse)
    }

    /// The split-head path: append `data` up to each empty line and retry, so body bytes
    /// that follow the head are never copied.
    #[cold]
    fn continue_head<T>(
        &mut self,
        data: &[u8],
        parse: impl Fn(&[u8]) -> Result<Option<(usize, T)>, ParseError>,
    ) -> Result<Option<(T, usize)>, ParseError> {
        let mut from = 0;
        while let Some(end) = self.find_empty_line(data, from) {
            if self.buf.len() + (end - from) > MAX_HEAD {
                return Err(ParseError::HeadTooLarge);
            }
            self.buf.extend_from_slice(&data[from..end]);
            from = end;
            if let Some((n, head)) = parse(&self.buf)? {
                // httparse stops at the first empty line, which is the one just found.
                let unused = self.buf.len() - n;
                self.buf.clear();
                return Ok(Some((head, from - unused)));
            }
            // An empty line before the start line (tolerated by httparse): keep looking.
        }
        if self.buf.len() + (data.len() - from) > MAX_HEAD {
            return Err(ParseError::HeadTooLarge);
        }
        self.buf.extend_from_slice(&data[from..]);
        Ok(None)
    }

    /// The end (exclusive) of the first line feed at or after `data[from]` that ends an empty
    /// line (`\n\n` or `\n\r\n`), where `data[..from]` is already the tail of `self.buf`.
    fn find_empty_line(&self, data: &[u8], from: usize) -> Option<usize> {
        let before = |i: usize, back: usize| -> u8 {
            if i >= from + back {
                data[i - back]
            } else {
                let k = from + back - i;
                self.buf.len().checked_sub(k).map_or(0, |j| self.buf[j])
            }
        };
        let mut i = from;
        while let Some(off) = data[i..].iter().position(|&b| b == b'\n') {
            let lf = i + off;
            let b1 = before(lf, 1);
            if b1 == b'\n' || (b1 == b'\r' && before(lf, 2) == b'\n') {
                return Some(lf + 1);
            }
            i = lf + 1;
        }
        None
    }
}

/// The fields of a head that frame its body and decide whether the connection persists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    pub content_length: Option<u64>,
    /// A Transfer-Encoding field was present.
    pub transfer_encoding: bool,
    /// The final coding of the last Transfer-Encoding field is `chunked`.
    pub chunked: bool,
    /// `Connection: close` was present.
    pub conn_close: bool,
    /// `Connection: keep-alive` was present.
    pub conn_keep_alive: bool,
}

impl Fields {
    /// Reads the framing fields; Content-Length values must all agree.
    #[inline]
    pub(crate) fn scan(headers: &[httparse::Header<'_>]) -> Result<Fields, ParseError> {
        let mut f = Fields::default();
        for h in headers {
            let name = h.name.as_bytes();
            match name.len() {
                14 if lower_eq(name, b"content-length") => {
                    let n = parse_content_length(h.value)?;
                    if f.content_length.is_some_and(|m| m != n) {
                        return Err(ParseError::BadContentLength);
                    }
                    f.content_length = Some(n);
                }
                17 if lower_eq(name, b"transfer-encoding") => {
                    f.transfer_encoding = true;
                    let last = h.value.rsplit(|&b| b == b',').next().unwrap_or_default();
                    f.chunked = trim_ows(last).eq_ignore_ascii_case(b"chunked");
                }
                10 if lower_eq(name, b"connection") => f.connection(h.value),
                _ => {}
            }
        }
        Ok(f)
    }

    fn connection(&mut self, value: &[u8]) {
        // The common single-token values first, without splitting.
        if lower_eq(value, b"keep-alive") {
            self.conn_keep_alive = true;
            return;
        }
        if value.eq_ignore_ascii_case(b"close") {
            self.conn_close = true;
            return;
        }
        for token in value.split(|&b| b == b',') {
            let token = trim_ows(token);
            if token.eq_ignore_ascii_case(b"close") {
                self.conn_close = true;
            } else if token.eq_ignore_ascii_case(b"keep-alive") {
                self.conn_keep_alive = true;
            }
        }
    }

    /// Must the connection close after this message? `minor` is the HTTP/1.x minor version.
    /// A message with both Transfer-Encoding and Content-Length also closes (RFC 9112 §6.1).
    pub(crate) fn closes(&self, minor: u8) -> bool {
        self.conn_close
            || (minor == 0 && !self.conn_keep_alive)
            || (self.transfer_encoding && self.content_length.is_some())
    }

    /// Body framing of a response that may have a body (RFC 9112 §6.3). Transfer-Encoding
    /// overrides Content-Length; anything but a final `chunked` (or any coding in HTTP/1.0)
    /// leaves only the connection close to end the body.
    pub(crate) fn response_framing(&self, minor: u8) -> Framing {
        if self.transfer_encoding {
            if self.chunked && minor > 0 {
                Framing::Chunked
            } else {
                Framing::UntilClose
            }
        } else {
            match self.content_length {
                Some(n) => Framing::Length(n),
                None => Framing::UntilClose,
            }
        }
    }

    /// Body framing of a request (RFC 9112 §6.3): no length means no body, and a request
    /// whose Transfer-Encoding is not a final `chunked` cannot be framed at all.
    pub(crate) fn request_framing(&self, minor: u8) -> Result<Framing, ParseError> {
        if self.transfer_encoding {
            if self.chunked && minor > 0 {
                Ok(Framing::Chunked)
            } else {
                Err(ParseError::BadTransferEncoding)
            }
        } else {
            Ok(Framing::Length(self.content_length.unwrap_or(0)))
        }
    }
}

/// Is `s` (a header name or value as httparse passed it) `lower`, ignoring ASCII case?
/// Compares 8 bytes at a time; `lower` holds only lowercase letters and `-` and is at least
/// 8 bytes long. Setting bit 0x20 maps only uppercase letters onto lowercase ones, and only
/// CR (which httparse never leaves in a name or value) onto `-`, so this is exact.
#[inline]
fn lower_eq(s: &[u8], lower: &[u8]) -> bool {
    const LOWER: u64 = 0x2020_2020_2020_2020;
    debug_assert!(lower.len() >= 8);
    debug_assert!(lower.iter().all(|&b| b.is_ascii_lowercase() || b == b'-'));
    let len = s.len();
    if len != lower.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    let mut at = 0;
    loop {
        // The last word may overlap the one before it.
        let i = at.min(len - 8);
        if word(s, i) | LOWER != word(lower, i) {
            return false;
        }
        if i + 8 == len {
            return true;
        }
        at += 8;
    }
}

/// `1*DIGIT`, or a list of identical ones (`42, 42`, RFC 9110 §8.6).
#[inline]
fn parse_content_length(value: &[u8]) -> Result<u64, ParseError> {
    // Plain digits, short enough not to overflow: the usual case.
    if !value.is_empty() && value.len() <= 19 && value.iter().all(u8::is_ascii_digit) {
        return Ok(value.iter().fold(0, |n, &b| n * 10 + u64::from(b - b'0')));
    }
    parse_content_length_list(value)
}

#[cold]
fn parse_content_length_list(value: &[u8]) -> Result<u64, ParseError> {
    let mut found = None;
    for part in value.split(|&b| b == b',') {
        let part = trim_ows(part);
        if part.is_empty() {
            return Err(ParseError::BadContentLength);
        }
        let mut n: u64 = 0;
        for &b in part {
            if !b.is_ascii_digit() {
                return Err(ParseError::BadContentLength);
            }
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(b - b'0')))
                .ok_or(ParseError::BadContentLength)?;
        }
        if found.is_some_and(|m| m != n) {
            return Err(ParseError::BadContentLength);
        }
        found = Some(n);
    }
    found.ok_or(ParseError::BadContentLength)
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h<'a>(name: &'a str, value: &'a str) -> httparse::Header<'a> {
        httparse::Header {
            name,
            value: value.as_bytes(),
        }
    }

    #[test]
    fn content_length_values() {
        assert_eq!(parse_content_length(b"0"), Ok(0));
        assert_eq!(parse_content_length(b"0042"), Ok(42));
        assert_eq!(
            parse_content_length(b"9999999999999999999"),
            Ok(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_content_length(b" 42 "), Ok(42));
        assert_eq!(parse_content_length(b"42, 42"), Ok(42));
        assert_eq!(parse_content_length(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [
            &b""[..],
            b"-1",
            b"+1",
            b"1.0",
            b"0x10",
            b"abc",
            b"42, 43",
            b"42,",
            b"18446744073709551616",
        ] {
            assert_eq!(parse_content_length(bad), Err(ParseError::BadContentLength));
        }
    }

    #[test]
    fn lowercase_compare() {
        assert!(lower_eq(b"Content-Length", b"content-length"));
        assert!(lower_eq(b"CONTENT-LENGTH", b"content-length"));
        assert!(lower_eq(b"Transfer-Encoding", b"transfer-encoding"));
        assert!(lower_eq(b"connectioN", b"connection"));
        assert!(!lower_eq(b"Content-Lengtx", b"content-length"));
        assert!(!lower_eq(b"Xontent-Length", b"content-length"));
        assert!(!lower_eq(b"Content_Length", b"content-length"));
        assert!(!lower_eq(b"Transfer-Encodinf", b"transfer-encoding"));
        assert!(!lower_eq(b"Transfer-Xncoding", b"transfer-encoding"));
        assert!(!lower_eq(b"Connection-", b"connection"));
        assert!(lower_eq(b"Keep-ALIVE", b"keep-alive"));
        assert!(!lower_eq(b"keep-alivf", b"keep-alive"));
        assert!(!lower_eq(b"keep\xadalive", b"keep-alive"));
    }

    #[test]
    fn scan_fields() {
        let f = Fields::scan(&[
            h("content-LENGTH", "5"),
            h("Content-Length", "5"),
            h("Connection", "Keep-Alive, Upgrade"),
        ])
        .unwrap();
        assert_eq!(f.content_length, Some(5));
        assert!(f.conn_keep_alive && !f.conn_close);
        assert!(!f.closes(0) && !f.closes(1));

        let f = Fields::scan(&[h("Transfer-Encoding", "gzip, Chunked ")]).unwrap();
        assert!(f.transfer_encoding && f.chunked);
        assert_eq!(f.response_framing(1), Framing::Chunked);
        assert_eq!(f.response_framing(0), Framing::UntilClose);
        assert_eq!(f.request_framing(0), Err(ParseError::BadTransferEncoding));

        let f = Fields::scan(&[h("Transfer-Encoding", "chunked, gzip")]).unwrap();
        assert!(f.transfer_encoding && !f.chunked);
        assert_eq!(f.response_framing(1), Framing::UntilClose);
        assert_eq!(f.request_framing(1), Err(ParseError::BadTransferEncoding));

        let f =
            Fields::scan(&[h("Transfer-Encoding", "chunked"), h("Content-Length", "3")]).unwrap();
        assert_eq!(f.response_framing(1), Framing::Chunked);
        assert!(f.closes(1));

        let f = Fields::scan(&[h("connection", "close")]).unwrap();
        assert!(f.closes(1));
        assert!(Fields::default().closes(0));
        assert_eq!(Fields::default().request_framing(1), Ok(Framing::Length(0)));
        assert_eq!(Fields::default().response_framing(1), Framing::UntilClose);

        assert_eq!(
            Fields::scan(&[h("Content-Length", "1"), h("Content-Length", "2")]),
            Err(ParseError::BadContentLength)
        );
    }

    #[test]
    fn empty_line_found_across_feeds() {
        let mut hb = HeadBuf::default();
        hb.buf.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        assert_eq!(hb.find_empty_line(b"\r\nbody", 0), Some(2));
        hb.buf.push(b'\r');
        assert_eq!(hb.find_empty_line(b"\nbody", 0), Some(1));
        assert_eq!(hb.find_empty_line(b"X: y\r\n\r\n", 0), Some(8));
        assert_eq!(hb.find_empty_line(b"X: y\r\n", 0), None);
        hb.buf.clear();
        assert_eq!(hb.find_empty_line(b"\n\n", 0), Some(2));
    }
}
