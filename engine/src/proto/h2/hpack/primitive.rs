//! What HPACK decoding and encoding share: the static table and lookups in it, our
//! SETTINGS_HEADER_TABLE_SIZE, the integer and string literal readers, and reading a
//! `:status` value. A leaf of its own so that `decode` and `encode` can use these without
//! importing the `hpack` parent.

use crate::proto::h2::error::H2Error;

/// The static table (RFC 7541 appendix A); index = position + 1.
pub const STATIC_TABLE: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// Our SETTINGS_HEADER_TABLE_SIZE (the RFC default): the largest dynamic table the peer's
/// encoder may make us keep.
pub const TABLE_SIZE: usize = 4096;

/// Index of the first static-table entry named `name`.
pub fn static_name_index(name: &[u8]) -> Option<usize> {
    STATIC_TABLE
        .iter()
        .position(|(n, _)| *n == name)
        .map(|i| i + 1)
}

/// Index of the static-table entry `name: value`.
pub fn static_index(name: &[u8], value: &[u8]) -> Option<usize> {
    STATIC_TABLE
        .iter()
        .position(|(n, v)| *n == name && *v == value)
        .map(|i| i + 1)
}

/// Reads a `:status` value: exactly three digits, 100..=999.
pub fn parse_status(value: &[u8]) -> Result<u16, H2Error> {
    match value {
        [a @ b'1'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
            Ok(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => Err(H2Error::Protocol("malformed :status (not three digits)")),
    }
}

/// Decodes one HPACK integer at the start of `buf`: (value, bytes used), or None when the
/// buffer ends first or the value is absurdly large.
pub(super) fn read_int(buf: &[u8], prefix_bits: u8) -> Option<(usize, usize)> {
    let max = (1usize << prefix_bits) - 1;
    let mut value = (*buf.first()? as usize) & max;
    if value < max {
        return Some((value, 1));
    }
    for (i, &b) in buf.iter().enumerate().skip(1).take(4) {
        value += ((b & 0x7f) as usize) << (7 * (i - 1));
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Reads one string literal at the start of `buf`: (Huffman-coded?, raw bytes, bytes used).
pub(super) fn read_string(buf: &[u8]) -> Option<(bool, &[u8], usize)> {
    let huffman = *buf.first()? & 0x80 != 0;
    let (len, used) = read_int(buf, 7)?;
    let raw = buf.get(used..used.checked_add(len)?)?;
    Some((huffman, raw, used + len))
}
