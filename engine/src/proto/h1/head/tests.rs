//! Head buffering, the head cache and the framing fields, on hand-made heads.

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
    let bad = [
        "",
        "-1",
        "+1",
        "1.0",
        "0x10",
        "abc",
        "42, 43",
        "42,",
        "18446744073709551616",
    ];
    for value in bad {
        assert_eq!(
            parse_content_length(value.as_bytes()),
            Err(ParseError::BadContentLength),
            "{value:?}"
        );
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
    .unwrap()
    .0;
    assert_eq!(f.content_length, Some(5));
    assert!(f.conn_keep_alive && !f.conn_close);
    assert!(!f.closes(0) && !f.closes(1));

    let f = Fields::scan(&[h("Transfer-Encoding", "gzip, Chunked ")])
        .unwrap()
        .0;
    assert!(f.transfer_encoding && f.chunked);
    assert_eq!(f.response_framing(1), Framing::Chunked);
    assert_eq!(f.response_framing(0), Framing::UntilClose);
    assert_eq!(f.request_framing(0), Err(ParseError::BadTransferEncoding));

    let f = Fields::scan(&[h("Transfer-Encoding", "chunked, gzip")])
        .unwrap()
        .0;
    assert!(f.transfer_encoding && !f.chunked);
    assert_eq!(f.response_framing(1), Framing::UntilClose);
    assert_eq!(f.request_framing(1), Err(ParseError::BadTransferEncoding));

    let f = Fields::scan(&[h("Transfer-Encoding", "chunked"), h("Content-Length", "3")])
        .unwrap()
        .0;
    assert_eq!(f.response_framing(1), Framing::Chunked);
    assert!(f.closes(1));

    let f = Fields::scan(&[h("connection", "close")]).unwrap().0;
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
    let mut hb = HeadBuf::<()>::new();
    hb.buf.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    assert_eq!(hb.find_empty_line(b"\r\nbody", 0), Some(2));
    hb.buf.push(b'\r');
    assert_eq!(hb.find_empty_line(b"\nbody", 0), Some(1));
    assert_eq!(hb.find_empty_line(b"X: y\r\n\r\n", 0), Some(8));
    assert_eq!(hb.find_empty_line(b"X: y\r\n", 0), None);
    hb.buf.clear();
    assert_eq!(hb.find_empty_line(b"\n\n", 0), Some(2));
}

#[test]
fn scan_finds_the_first_date() {
    let (_, date) = Fields::scan(&[
        h("Server", "x"),
        h("DATE", "Mon, 04 May 2026 10:00:00 GMT"),
        h("date", "other"),
    ])
    .unwrap();
    assert_eq!(date, Some(&b"Mon, 04 May 2026 10:00:00 GMT"[..]));
    assert_eq!(Fields::scan(&[h("Dates", "x")]).unwrap().1, None);
}

#[test]
fn visible_bytes() {
    for len in 0..40 {
        let ok: Vec<u8> = (0..len).map(|i| 0x20 + (i * 7 % 95) as u8).collect();
        assert!(visible(&ok), "{ok:?}");
        for at in 0..len {
            for bad in [0u8, b'\t', b'\r', b'\n', 0x1f, 0x7f, 0x80, 0xff] {
                let mut v = ok.clone();
                v[at] = bad;
                assert!(!visible(&v), "{v:?}");
            }
        }
    }
    // Every byte value at every position of words and word overlaps.
    for len in 8..=17 {
        for at in 0..len {
            for b in 0..=255u8 {
                let mut v = vec![b'a'; len];
                v[at] = b;
                assert_eq!(visible(&v), (0x20..=0x7e).contains(&b), "{v:?}");
            }
        }
    }
    assert!(visible(b"Mon, 04 May 2026 10:00:00 GMT"));
    assert!(visible(&[0x7e; 9]));
    assert!(visible(&[0x20; 9]));
}

#[test]
fn span_of_a_value() {
    let buf = b"Date: now\r\n";
    assert_eq!(span_in(buf, Some(&buf[6..9])), (6, 9));
    assert_eq!(span_in(buf, Some(&buf[6..6])), (0, 0));
    assert_eq!(span_in(buf, None), (0, 0));
}

/// `Parsed` for a head of `len` bytes whose outcome is `tag`.
fn parsed(len: usize, tag: u32, volatile: (usize, usize)) -> Parsed<u32> {
    Parsed {
        len,
        head: tag,
        cacheable: true,
        volatile,
    }
}

#[test]
fn cache_lookup() {
    let head = b"HTTP/1.1 200 OK\r\nDate: 10:00\r\n\r\n";
    let mut c = HeadCache::new();
    assert_eq!(c.lookup(head), None, "empty");
    c.store(head, &parsed(head.len(), 7, (23, 28)));
    assert_eq!(&head[23..28], b"10:00");
    let n = head.len();
    assert_eq!(c.lookup(head), Some((7, n)));
    assert_eq!(c.lookup(&[&head[..], b"body"].concat()), Some((7, n)));
    assert_eq!(c.lookup(&head[..n - 1]), None, "short");
    assert_eq!(c.misses, 0, "too short to tell");
    let mut other = head.to_vec();
    other[23..28].copy_from_slice(b"10:01");
    assert_eq!(c.lookup(&other), Some((7, n)));
    other[23..28].copy_from_slice(b"  : ~");
    assert_eq!(c.lookup(&other), Some((7, n)));
    for bad in [b'\r', b'\n', b'\t', 0, 0x7f, 0xc3] {
        other[25] = bad;
        assert_eq!(c.lookup(&other), None, "{bad}");
        c.misses = 0; // not resting
    }
    // Any byte outside the volatile range.
    for i in (0..23).chain(28..n) {
        let mut other = head.to_vec();
        other[i] ^= 0x01;
        assert_eq!(c.lookup(&other), None, "{i}");
        c.misses = 0;
    }
    // Not cacheable, or too long: the old entry stays.
    let long = [
        &b"HTTP/1.1 200 OK\r\nX: "[..],
        &[b'a'; MAX_CACHED_HEAD],
        b"\r\n\r\n",
    ]
    .concat();
    c.store(&long, &parsed(long.len(), 8, (0, 0)));
    let mut interim = parsed(head.len(), 9, (0, 0));
    interim.cacheable = false;
    c.store(head, &interim);
    assert_eq!(c.lookup(head), Some((7, n)));
    // A head without a volatile range must match in full.
    c.store(&head[..], &parsed(n, 10, (0, 0)));
    assert_eq!(c.lookup(head), Some((10, n)));
    assert_eq!(c.lookup(&other), None);
}

#[test]
fn cache_rests_after_misses() {
    let head = b"HTTP/1.1 200 OK\r\nDate: 10:00\r\n\r\n";
    let other = b"HTTP/1.1 201 OK\r\nDate: 10:00\r\n\r\n";
    let n = head.len();
    let mut c = HeadCache::new();
    c.store(head, &parsed(n, 7, (23, 28)));
    // A hit in between starts the count again.
    for _ in 0..CACHE_MISSES - 1 {
        assert_eq!(c.lookup(other), None);
    }
    assert_eq!(c.lookup(head), Some((7, n)));
    for _ in 0..CACHE_MISSES {
        assert_eq!(c.rest, 0);
        assert_eq!(c.lookup(other), None);
    }
    // Resting: neither looked up nor filled.
    for _ in 0..CACHE_REST - 1 {
        assert_eq!(c.lookup(head), None);
        c.store(other, &parsed(n, 8, (23, 28)));
    }
    // The last head passed by is stored, and the cache answers again.
    assert_eq!(c.lookup(other), None);
    assert_eq!(c.rest, 0);
    c.store(other, &parsed(n, 8, (23, 28)));
    assert_eq!(c.lookup(other), Some((8, n)));
    assert_eq!(c.lookup(head), None);
}
