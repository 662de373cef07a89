//! Message heads, shared by the response and request parsers: finding a complete head in fed
//! bytes, and reading the few fields that decide body framing and connection reuse.
//!
//! The hot path parses straight from the fed slice; only a head split across feeds is copied,
//! into a buffer whose capacity is kept for the connection's life.
//!
//! A server sends the same head again and again (nginx: only its `Date` changes, once a
//! second), so each connection remembers its last head and what httparse made of it: a head
//! whose bytes equal the remembered ones everywhere but inside the `Date` value reuses that
//! outcome without being parsed again (`HeadCache`).

use super::body::Framing;
use super::error::{ParseError, MAX_HEAD};

/// Header fields parsed per head (on the stack); more is an error.
pub(crate) const MAX_HEADERS: usize = 64;

/// Longest head the head cache remembers.
pub(crate) const MAX_CACHED_HEAD: usize = 512;

/// After this many lookups in a row miss, the head cache rests (is neither looked up nor
/// filled) for `CACHE_REST` heads, so a server whose heads always differ costs little more
/// than parsing alone.
pub(crate) const CACHE_MISSES: u8 = 8;
pub(crate) const CACHE_REST: u8 = 120;

/// What a head parser made of a complete head.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parsed<T> {
    /// Length of the head: its start line, fields and the empty line ending it (and any
    /// empty lines httparse skipped before the start line).
    pub len: usize,
    pub head: T,
    /// May a later head with the same bytes reuse `head`? False for interim responses, which
    /// would only evict the final head that follows them.
    pub cacheable: bool,
    /// The bytes a later head may change and still reuse `head`: the value of a `Date` field,
    /// as offsets into the head (`start == end`: none). See `HeadCache`.
    pub volatile: (usize, usize),
}

/// Collects the bytes of a head that arrived in more than one feed, and remembers the last
/// head parsed (see `HeadCache`).
#[derive(Debug)]
pub(crate) struct HeadBuf<T> {
    buf: Vec<u8>,
    /// The last head that arrived split across feeds, complete (swapped out of `buf`, so it
    /// costs no copy): where `HeadAt::Split` points.
    split: Vec<u8>,
    cache: HeadCache<T>,
}

/// Where the bytes of a head `HeadBuf::next_head` found are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadAt {
    /// At the start of the slice fed, `n` bytes long (`n` as returned).
    Fed,
    /// In `HeadBuf::split_head` (it arrived in more than one feed).
    Split,
}

impl<T: Copy> HeadBuf<T> {
    pub(crate) fn new() -> Self {
        HeadBuf {
            buf: Vec::new(),
            split: Vec::new(),
            cache: HeadCache::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drops a partial head. The head cache stays: it is exact, whatever the connection.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    #[cfg(test)]
    pub(crate) fn cache_mut(&mut self) -> &mut HeadCache<T> {
        &mut self.cache
    }

    /// The complete head of the last `HeadAt::Split` answer.
    pub(crate) fn split_head(&self) -> &[u8] {
        &self.split
    }

    /// Looks for a complete head starting with what earlier feeds left and continuing in
    /// `data`. `parse` runs httparse over a candidate and returns `Ok(None)` while incomplete.
    ///
    /// `Ok(Some((head, n, at)))`: the head ends after `data[..n]`; its bytes are `data[..n]`
    /// (`HeadAt::Fed`) or `split_head()` (`HeadAt::Split`). `Ok(None)`: all of `data` was
    /// buffered and more is needed.
    #[inline]
    pub(crate) fn next_head(
        &mut self,
        data: &[u8],
        parse: impl Fn(&[u8]) -> Result<Option<Parsed<T>>, ParseError>,
    ) -> Result<Option<(T, usize, HeadAt)>, ParseError> {
        if self.buf.is_empty() {
            if let Some((head, n)) = self.cache.lookup(data) {
                return Ok(Some((head, n, HeadAt::Fed)));
            }
            return self.parse_whole(data, parse);
        }
        self.continue_head(data, parse)
    }

    /// A head starting at `data[0]` that the cache did not know: parse it where it lies.
    #[inline]
    fn parse_whole(
        &mut self,
        data: &[u8],
        parse: impl Fn(&[u8]) -> Result<Option<Parsed<T>>, ParseError>,
    ) -> Result<Option<(T, usize, HeadAt)>, ParseError> {
        if let Some(p) = parse(data)? {
            self.cache.store(&data[..p.len], &p);
            return Ok(Some((p.head, p.len, HeadAt::Fed)));
        }
        if data.len() > MAX_HEAD {
            return Err(ParseError::HeadTooLarge);
        }
        self.buf.extend_from_slice(data);
        Ok(None)
    }

    /// The split-head path: append `data` up to each empty line and retry, so body bytes
    /// that follow the head are never copied. The cache is not consulted (the head is not in
    /// one slice) but is refreshed.
    #[cold]
    fn continue_head(
        &mut self,
        data: &[u8],
        parse: impl Fn(&[u8]) -> Result<Option<Parsed<T>>, ParseError>,
    ) -> Result<Option<(T, usize, HeadAt)>, ParseError> {
        let mut from = 0;
        while let Some(end) = self.find_empty_line(data, from) {
            if self.buf.len() + (end - from) > MAX_HEAD {
                return Err(ParseError::HeadTooLarge);
            }
            self.buf.extend_from_slice(&data[from..end]);
            from = end;
            if let Some(p) = parse(&self.buf)? {
                // httparse stops at the first empty line, which is the one just found.
                let n = p.len;
                self.cache.store(&self.buf[..n], &p);
                let unused = self.buf.len() - n;
                // The head moves to `split` (for `split_head`); `buf` takes the old one's
                // capacity.
                std::mem::swap(&mut self.buf, &mut self.split);
                self.split.truncate(n);
                self.buf.clear();
                return Ok(Some((p.head, from - unused, HeadAt::Split)));
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

/// The last cacheable head parsed on a connection: its bytes `H` and httparse's outcome.
///
/// A head `B` (at the start of a fed slice) reuses the outcome, skipping httparse, when `B`
/// is at least `|H|` long, `B[i] == H[i]` for every `i` outside the volatile range `s..e`,
/// and `B[s..e]` holds only SP and visible ASCII. The volatile range is the value of a `Date`
/// field of `H` (a fixed-length IMF-fixdate that servers change every second).
///
/// This is exact. `s..e` lies inside a field line of `H`, after its colon and before its
/// line end, and `B[s..e]` holds only bytes httparse accepts in any field value (`HTAB / SP
/// / VCHAR / obs-text`) and that cannot end a line (no CR or LF). So httparse splits
/// `B[..|H|]` into the same start line and field lines, in the same places, with the same
/// names and all values but that `Date` value unchanged, and stops at the same empty line:
/// `Complete(|H|)` (it never looks past the empty line). Nothing that decides the outcome
/// reads a `Date` value, so the outcome is the same. Any other difference (a Content-Length
/// digit, a status, a `Date` value of another length) lies outside `s..e` and misses.
///
/// On a hit with a new `Date`, `B[s..e]` is copied into `H`: that keeps the invariants above,
/// and makes the following heads (same second) equal to `H` in full, the cheapest check.
///
/// Whether the cache is used never changes an outcome, only its cost: a head it does not
/// answer goes to httparse.
#[derive(Debug)]
pub(crate) struct HeadCache<T> {
    /// `H`. Its capacity is kept; heads longer than `MAX_CACHED_HEAD` are not cached.
    bytes: Vec<u8>,
    /// The volatile range `s..e` within `bytes` (`s == e`: none).
    volatile: (usize, usize),
    /// The outcome for `H`; `None` until a head was cached.
    head: Option<T>,
    /// Lookups missed in a row.
    misses: u8,
    /// Heads left to pass by while resting (see `CACHE_MISSES`).
    rest: u8,
    /// Tests turn the cache off to compare against the uncached path.
    #[cfg(test)]
    pub(crate) enabled: bool,
    #[cfg(test)]
    pub(crate) hits: usize,
}

impl<T: Copy> HeadCache<T> {
    fn new() -> Self {
        HeadCache {
            bytes: Vec::new(),
            volatile: (0, 0),
            head: None,
            misses: 0,
            rest: 0,
            #[cfg(test)]
            enabled: true,
            #[cfg(test)]
            hits: 0,
        }
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// The cached outcome and head length if `data` starts with the cached head (up to its
    /// volatile range). `None` while resting, and without counting a miss when `data` is too
    /// short to tell (a head split across feeds).
    #[inline]
    fn lookup(&mut self, data: &[u8]) -> Option<(T, usize)> {
        if self.rest > 0 {
            self.rest -= 1;
            return None;
        }
        let head = self.head?;
        let n = self.bytes.len();
        let b = data.get(..n)?;
        if b == self.bytes.as_slice() || self.volatile_hit(b) {
            self.misses = 0;
            #[cfg(test)]
            {
                self.hits += 1;
            }
            return Some((head, n));
        }
        self.missed();
        None
    }

    #[cold]
    fn missed(&mut self) {
        self.misses += 1;
        if self.misses == CACHE_MISSES {
            self.misses = 0;
            self.rest = CACHE_REST;
        }
    }

    /// `b` (as long as `H`, not equal to it) differs from `H` only in the volatile range,
    /// by SP and visible ASCII: adopt the new bytes.
    #[inline(never)]
    fn volatile_hit(&mut self, b: &[u8]) -> bool {
        let (s, e) = self.volatile;
        let cached = self.bytes.as_mut_slice();
        if s == e || b[..s] != cached[..s] || b[e..] != cached[e..] || !visible(&b[s..e]) {
            return false;
        }
        cached[s..e].copy_from_slice(&b[s..e]);
        true
    }

    /// Remembers `parsed`, the outcome for `head` (all of the head's bytes), if cacheable.
    #[inline]
    fn store(&mut self, head: &[u8], parsed: &Parsed<T>) {
        #[cfg(test)]
        if !self.enabled {
            return;
        }
        if !parsed.cacheable || head.len() > MAX_CACHED_HEAD || self.rest > 0 {
            return;
        }
        let (s, e) = parsed.volatile;
        // A field value as httparse returned it: inside its line, no CR or LF.
        debug_assert!(s <= e && e <= head.len());
        debug_assert!(!head[s..e].iter().any(|&b| b == b'\r' || b == b'\n'));
        self.volatile = if e <= head.len() { (s, e) } else { (0, 0) };
        self.bytes.clear();
        self.bytes.extend_from_slice(head);
        self.head = Some(parsed.head);
    }
}

/// Are all of `s` SP or visible ASCII (0x20..=0x7E)? Eight bytes at a time.
#[inline]
fn visible(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let len = s.len();
    if len < 8 {
        return s.iter().all(|&b| (0x20..=0x7e).contains(&b));
    }
    let word = |at: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let mut bad = 0;
    let mut at = 0;
    loop {
        // The last word may overlap the one before it.
        let i = at.min(len - 8);
        let w = word(i);
        // A high bit per byte below 0x20 (the lowest such byte is always flagged; no byte
        // is flagged when there is none), above 0x7E (x + 1 reaches 0x80; a carry into the
        // next byte needs 0xFF, flagged by `| w`), or 0x80 and up.
        bad |= (w.wrapping_sub(0x20 * ONES) & !w) | w.wrapping_add(ONES) | w;
        if i + 8 == len {
            return bad & HIGH == 0;
        }
        at += 8;
    }
}

/// Offsets of `value`, a subslice of `buf` (a field value httparse returned), within `buf`;
/// `(0, 0)` for none or an empty value.
#[inline]
pub(crate) fn span_in(buf: &[u8], value: Option<&[u8]>) -> (usize, usize) {
    match value {
        Some(v) if !v.is_empty() => {
            let start = (v.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
            debug_assert!(start + v.len() <= buf.len());
            (start, start + v.len())
        }
        _ => (0, 0),
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
    /// Reads the framing fields; Content-Length values must all agree. Also returns the value
    /// of the first `Date` field, the head cache's volatile range.
    #[inline]
    pub(crate) fn scan<'a>(
        headers: &[httparse::Header<'a>],
    ) -> Result<(Fields, Option<&'a [u8]>), ParseError> {
        let mut f = Fields::default();
        let mut date = None;
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
                4 if date.is_none() && name.eq_ignore_ascii_case(b"date") => date = Some(h.value),
                _ => {}
            }
        }
        Ok((f, date))
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

/// `s` without leading and trailing spaces and tabs (optional whitespace, RFC 9110 §5.6.3).
pub(super) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests;
