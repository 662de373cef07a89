//! The header blocks a connection sends for its requests: "a table built once per
//! connection".
//!
//! The first time a connection sends a request it uses the request's inserting block (its
//! fields as literals with incremental indexing), so the peer adds them to its dynamic table;
//! every later time it sends only indexed references to those entries, a few bytes per field.
//! Entries are never evicted by us: a request is inserted only while the table has room for
//! it, else it is sent as literals without indexing. Dynamic indexes count from the newest
//! entry, so a reference is computed from how many entries were inserted after the request's
//! own (into a scratch buffer kept for the connection's life).
//!
//! When the peer's SETTINGS_HEADER_TABLE_SIZE shrinks the table below what we use, the next
//! block starts with a dynamic table size update and our bookkeeping starts over (RFC 7541
//! section 4.2).

use super::super::hpack;
use super::request::H2Request;

/// Requests a connection inserts at most (a request mix beyond this sends literals).
const MAX_ENTRIES: usize = 32;

#[derive(Debug)]
pub(super) struct RequestEncoder {
    /// Blocks built per send: indexed references, or a block behind a size update.
    scratch: Vec<u8>,
    /// Requests in the peer's table: (request id, insertion ordinal of its first entry).
    entries: Vec<(u64, u32)>,
    /// Entries inserted since the bookkeeping (re)started.
    inserted: u32,
    /// Table space those entries take.
    used: usize,
    /// The table size we let the peer's decoder keep (at most its setting and the default).
    max: usize,
    /// A dynamic table size update owed at the start of the next block.
    pending_update: Option<usize>,
    /// Insert fields into the peer's table at all.
    pub indexing: bool,
}

impl RequestEncoder {
    pub fn new() -> Self {
        RequestEncoder {
            scratch: Vec::with_capacity(256),
            entries: Vec::with_capacity(MAX_ENTRIES),
            inserted: 0,
            used: 0,
            max: hpack::TABLE_SIZE,
            pending_update: None,
            indexing: true,
        }
    }

    /// The peer's SETTINGS_HEADER_TABLE_SIZE.
    pub fn peer_table_size(&mut self, size: u32) {
        let size = (size as usize).min(hpack::TABLE_SIZE);
        if size < self.max {
            self.max = size;
            self.pending_update = Some(size);
            self.entries.clear();
            self.inserted = 0;
            self.used = 0;
        }
    }

    /// The header block to send for `req` now.
    pub fn block<'a>(&'a mut self, req: &'a H2Request) -> &'a [u8] {
        self.scratch.clear();
        if let Some(size) = self.pending_update.take() {
            hpack::encode_size_update(&mut self.scratch, size);
        }
        if let Some(&(_, first)) = self.entries.iter().find(|(id, _)| *id == req.id) {
            let mut ordinal = first;
            for f in &req.fields {
                match f.static_index {
                    Some(i) => hpack::encode_indexed(&mut self.scratch, i),
                    None => {
                        let newer = self.inserted - 1 - ordinal;
                        hpack::encode_indexed(&mut self.scratch, 62 + newer as usize);
                        ordinal += 1;
                    }
                }
            }
            return &self.scratch;
        }
        let block = if self.indexing
            && req.insert_count > 0
            && self.entries.len() < MAX_ENTRIES
            && self.used + req.insert_size <= self.max
        {
            self.entries.push((req.id, self.inserted));
            self.inserted += req.insert_count;
            self.used += req.insert_size;
            &req.insert
        } else {
            &req.plain
        };
        if self.scratch.is_empty() {
            return block;
        }
        self.scratch.extend_from_slice(block);
        &self.scratch
    }
}
