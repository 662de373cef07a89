//! HPACK (RFC 7541): decoding received header blocks and encoding our templates.
//!
//! Decoding runs for every response, against a per-connection dynamic table that servers
//! such as nginx feed on every response (Huffman-coded literals with incremental indexing),
//! so it is our own allocation-free decoder: `decode` (the field representations and
//! `HeaderDecoder`), `huffman` (a nibble state machine), `table` (the dynamic table in one
//! byte arena). `primitive` holds what the decoder and the encoders share (the static table,
//! our table size, reading integers and strings), `encode` the encoders; this module only
//! declares them and re-exports their public items, so no child imports it back.
//!
//! Encoding happens once per request or response template, before the run: integers and
//! plain string literals (no Huffman; the checker's client also uses the Huffman encoder), names indexed from the static table when they are
//! there, `:status` fully indexed when the static table has it.

mod decode;
mod encode;
mod huffman;
mod primitive;
mod table;

pub use decode::{HeaderDecoder, HpackError};
pub use encode::{
    encode_field, encode_indexed, encode_int, encode_literal, encode_literal_indexed,
    encode_size_update, encode_status, encode_string, encode_string_as, FieldRepr,
};
pub use huffman::{encode as huffman_encode, encoded_len as huffman_len, HuffmanError};
pub use primitive::{parse_status, static_index, static_name_index, STATIC_TABLE, TABLE_SIZE};

#[cfg(test)]
mod crosscheck;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_encode;
