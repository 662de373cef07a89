//! HPACK (RFC 7541): decoding received header blocks and encoding our templates.
//!
//! Decoding runs for every response, against a per-connection dynamic table that servers
//! such as nginx feed on every response (Huffman-coded literals with incremental indexing),
//! so it is our own allocation-free decoder: `decode` (the field representations and
//! `HeaderDecoder`), `huffman` (a nibble state machine), `table` (the dynamic table in one
//! byte arena). This module keeps the static table, the integer and string primitives they
//! share, and the encoders.
//!
//! Encoding happens once per request or response template, before the run: integers and
//! plain string literals (no Huffman), names indexed from the static table when they are
//! there, `:status` fully indexed when the static table has it.

use super::error::H2Error;

mod decode;
mod huffman;
mod table;

pub use decode::{HeaderDecoder, HpackError};
pub use huffman::HuffmanError;

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

/// Appends `value` as an HPACK integer with a `prefix_bits`-bit prefix (1..=8); the other
/// bits of the first byte are `first_byte_flags`.
pub fn encode_int(out: &mut Vec<u8>, prefix_bits: u8, first_byte_flags: u8, value: u64) {
    let max = (1u64 << prefix_bits.clamp(1, 8)) - 1;
    if value < max {
        out.push(first_byte_flags | value as u8);
        return;
    }
    out.push(first_byte_flags | max as u8);
    let mut rest = value - max;
    while rest >= 128 {
        out.push((rest % 128) as u8 | 0x80);
        rest /= 128;
    }
    out.push(rest as u8);
}

/// Appends a string literal, not Huffman-coded.
pub fn encode_string(out: &mut Vec<u8>, s: &[u8]) {
    encode_int(out, 7, 0, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends an indexed field (static index 1..=61, dynamic 62..).
pub fn encode_indexed(out: &mut Vec<u8>, index: usize) {
    encode_int(out, 7, 0x80, index as u64);
}

/// Appends a literal field without indexing; the name is indexed from the static table when
/// it is there. `name` must be lowercase.
pub fn encode_literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    match static_name_index(name) {
        Some(i) => encode_int(out, 4, 0, i as u64),
        None => {
            out.push(0);
            encode_string(out, name);
        }
    }
    encode_string(out, value);
}

/// Appends a literal field with incremental indexing (the peer adds it to its dynamic
/// table); the name is indexed from the static table when it is there.
pub fn encode_literal_indexed(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    match static_name_index(name) {
        Some(i) => encode_int(out, 6, 0x40, i as u64),
        None => {
            out.push(0x40);
            encode_string(out, name);
        }
    }
    encode_string(out, value);
}

/// Appends a dynamic table size update (only allowed at the start of a block).
pub fn encode_size_update(out: &mut Vec<u8>, size: usize) {
    encode_int(out, 5, 0x20, size as u64);
}

/// Appends `:status`: indexed when the static table has the code, else a literal with the
/// static name.
pub fn encode_status(out: &mut Vec<u8>, status: u16) {
    let mut digits = [0u8; 3];
    let s = status.min(999);
    digits[0] = b'0' + (s / 100) as u8;
    digits[1] = b'0' + (s / 10 % 10) as u8;
    digits[2] = b'0' + (s % 10) as u8;
    match static_index(b":status", &digits) {
        Some(i) => encode_indexed(out, i),
        None => encode_literal(out, b":status", &digits),
    }
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
fn read_int(buf: &[u8], prefix_bits: u8) -> Option<(usize, usize)> {
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
fn read_string(buf: &[u8]) -> Option<(bool, &[u8], usize)> {
    let huffman = *buf.first()? & 0x80 != 0;
    let (len, used) = read_int(buf, 7)?;
    let raw = buf.get(used..used.checked_add(len)?)?;
    Some((huffman, raw, used + len))
}

#[cfg(test)]
mod crosscheck;
#[cfg(test)]
mod tests;
