//! Decoding received header blocks (RFC 7541 sections 3 and 6) against a connection's
//! dynamic table.
//!
//! Every response block is decoded, and servers like nginx send each one with literals that
//! are Huffman-coded and inserted into the table, so this is on the client's per-response
//! path. Fields are handed to a callback as borrowed slices: plain strings straight from the
//! block, indexed fields from the static or dynamic table, Huffman strings from two scratch
//! buffers the decoder keeps. Nothing allocates once the scratch buffers and the table have
//! reached their working sizes.

use super::huffman::{self, HuffmanError};
use super::primitive::{parse_status, read_int, read_string, STATIC_TABLE, TABLE_SIZE};
use super::table::DynamicTable;
use crate::proto::h2::error::H2Error;

/// Why a header block could not be decoded (all of them are COMPRESSION_ERROR).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HpackError {
    /// An integer runs past the block or has more than four continuation bytes.
    #[error("HPACK integer truncated or too large")]
    Integer,
    /// A string literal's length runs past the block.
    #[error("HPACK string literal truncated")]
    String,
    /// An index that is 0 or past the end of the dynamic table.
    #[error("HPACK index {0} not in the static or dynamic table")]
    Index(usize),
    /// A dynamic table size update above our SETTINGS_HEADER_TABLE_SIZE.
    #[error("HPACK dynamic table size update to {size} above our limit {max}")]
    SizeTooLarge {
        /// The size asked for.
        size: usize,
        /// Our setting.
        max: usize,
    },
    /// A dynamic table size update after the first field of a block (section 4.2).
    #[error("HPACK dynamic table size update after a header field")]
    LateSizeUpdate,
    /// A bad Huffman-coded string.
    #[error(transparent)]
    Huffman(#[from] HuffmanError),
}

impl From<HpackError> for H2Error {
    fn from(e: HpackError) -> Self {
        H2Error::Compression(e.to_string())
    }
}

/// A connection's HPACK decoder: the peer's encoder's dynamic table, kept in step by
/// decoding every header block the peer sends, in order.
pub struct HeaderDecoder {
    table: DynamicTable,
    /// Our SETTINGS_HEADER_TABLE_SIZE: the most a size update may ask for.
    max_allowed: usize,
    /// A Huffman-coded name, or a dynamic-table name about to be inserted again.
    name: Vec<u8>,
    /// A Huffman-coded value.
    value: Vec<u8>,
}

impl Default for HeaderDecoder {
    fn default() -> Self {
        Self::new(TABLE_SIZE)
    }
}

impl std::fmt::Debug for HeaderDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeaderDecoder")
            .field("entries", &self.table.len())
            .field("size", &self.table.size())
            .field("max_size", &self.table.max_size())
            .finish()
    }
}

impl HeaderDecoder {
    /// A decoder allowing the peer a dynamic table of up to `table_size` bytes (the
    /// SETTINGS_HEADER_TABLE_SIZE we advertise).
    pub fn new(table_size: usize) -> Self {
        HeaderDecoder {
            table: DynamicTable::new(table_size),
            max_allowed: table_size,
            name: Vec::new(),
            value: Vec::new(),
        }
    }

    /// Decodes a complete header block (HEADERS + CONTINUATIONs joined), calling `f` with
    /// each field's name and value.
    pub fn decode(&mut self, block: &[u8], f: impl FnMut(&[u8], &[u8])) -> Result<(), H2Error> {
        Ok(self.decode_block(block, f)?)
    }

    /// Decodes a complete header block for its first `:status` (None: the block has none,
    /// e.g. trailers), keeping the dynamic table in step.
    pub fn status(&mut self, block: &[u8]) -> Result<Option<u16>, H2Error> {
        let mut status = None;
        let mut bad = false;
        self.decode_block(block, |name, value| {
            if name == b":status" && status.is_none() && !bad {
                match parse_status(value) {
                    Ok(s) => status = Some(s),
                    Err(_) => bad = true,
                }
            }
        })?;
        if bad {
            return Err(H2Error::Protocol("malformed :status (not three digits)"));
        }
        Ok(status)
    }

    /// The dynamic table.
    #[cfg(test)]
    pub(super) fn table(&self) -> &DynamicTable {
        &self.table
    }

    /// The decoding proper, with typed errors. On an error the table may hold the fields
    /// inserted before it; the connection is done for anyway.
    pub(super) fn decode_block(
        &mut self,
        block: &[u8],
        mut f: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), HpackError> {
        let mut rest = block;
        let mut fields_seen = false;
        while let Some(&first) = rest.first() {
            if first & 0x80 != 0 {
                // Indexed field (6.1).
                let (index, used) = read_int(rest, 7).ok_or(HpackError::Integer)?;
                let (name, value) = self.lookup(index)?;
                f(name, value);
                rest = &rest[used..];
                fields_seen = true;
            } else if first & 0xe0 == 0x20 {
                // Dynamic table size update (6.3): only before the first field.
                if fields_seen {
                    return Err(HpackError::LateSizeUpdate);
                }
                let (size, used) = read_int(rest, 5).ok_or(HpackError::Integer)?;
                if size > self.max_allowed {
                    return Err(HpackError::SizeTooLarge {
                        size,
                        max: self.max_allowed,
                    });
                }
                self.table.set_max_size(size);
                rest = &rest[used..];
            } else {
                // Literal with incremental indexing (6.2.1, `01`), without indexing (6.2.2,
                // `0000`) or never indexed (6.2.3, `0001`).
                let indexing = first & 0x40 != 0;
                let (index, mut used) =
                    read_int(rest, if indexing { 6 } else { 4 }).ok_or(HpackError::Integer)?;
                let name: &[u8] = match index {
                    0 => {
                        let (huffman, raw, n) =
                            read_string(&rest[used..]).ok_or(HpackError::String)?;
                        used += n;
                        if huffman {
                            self.name.clear();
                            huffman::decode(raw, &mut self.name)?;
                            &self.name
                        } else {
                            raw
                        }
                    }
                    1..=61 => STATIC_TABLE[index - 1].0,
                    _ => {
                        // Copied: inserting this field may evict the entry it names.
                        let (name, _) =
                            self.table.get(index - 62).ok_or(HpackError::Index(index))?;
                        self.name.clear();
                        self.name.extend_from_slice(name);
                        &self.name
                    }
                };
                let (huffman, raw, n) = read_string(&rest[used..]).ok_or(HpackError::String)?;
                used += n;
                let value: &[u8] = if huffman {
                    self.value.clear();
                    huffman::decode(raw, &mut self.value)?;
                    &self.value
                } else {
                    raw
                };
                f(name, value);
                if indexing {
                    self.table.insert(name, value);
                }
                rest = &rest[used..];
                fields_seen = true;
            }
        }
        Ok(())
    }

    /// Field `index` of the static table (1..=61) followed by the dynamic table.
    fn lookup(&self, index: usize) -> Result<(&[u8], &[u8]), HpackError> {
        match index {
            1..=61 => Ok(STATIC_TABLE[index - 1]),
            62.. => self.table.get(index - 62).ok_or(HpackError::Index(index)),
            _ => Err(HpackError::Index(index)),
        }
    }
}
