//! The HPACK encoders (RFC 7541 sections 5 and 6): integers and plain string literals (no
//! Huffman), names indexed from the static table when they are there, `:status` fully
//! indexed when the static table has it. Encoding happens once per request or response
//! template, before the run, never per request. The checker's client, which sends header
//! blocks as a case writes them, also encodes with Huffman and in every literal form
//! (`encode_field`).

use super::huffman;
use super::primitive::{static_index, static_name_index};

/// How `encode_field` represents a field (RFC 7541 section 6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldRepr {
    /// Indexed when the static table has the whole field, else a literal with incremental
    /// indexing (the peer's table gets it).
    #[default]
    Indexed,
    /// Literal without indexing.
    Literal,
    /// Literal never indexed.
    NeverIndexed,
}

/// Appends a string literal, Huffman-coded when `huffman`.
pub fn encode_string_as(out: &mut Vec<u8>, s: &[u8], huffman: bool) {
    if huffman {
        encode_int(out, 7, 0x80, huffman::encoded_len(s) as u64);
        huffman::encode_into(s, out);
    } else {
        encode_string(out, s);
    }
}

/// Appends one field as `repr` says, strings Huffman-coded when `huffman`; the name is
/// indexed from the static table when it is there. `name` is sent as given (HTTP/2 wants
/// it lowercase; the caller decides).
pub fn encode_field(out: &mut Vec<u8>, name: &[u8], value: &[u8], repr: FieldRepr, huffman: bool) {
    let (prefix, flags) = match repr {
        FieldRepr::Indexed => {
            if let Some(i) = static_index(name, value) {
                return encode_indexed(out, i);
            }
            (6, 0x40)
        }
        FieldRepr::Literal => (4, 0x00),
        FieldRepr::NeverIndexed => (4, 0x10),
    };
    match static_name_index(name) {
        Some(i) => encode_int(out, prefix, flags, i as u64),
        None => {
            out.push(flags);
            encode_string_as(out, name, huffman);
        }
    }
    encode_string_as(out, value, huffman);
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
