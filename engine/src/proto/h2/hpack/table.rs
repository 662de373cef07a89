//! The HPACK dynamic table (RFC 7541 section 2.3.2 and 4): the peer encoder's recent fields,
//! newest first, bounded by a size in bytes (name + value + 32 per entry).
//!
//! A response from nginx inserts four or five fields, so the table turns over every few
//! responses and must not allocate while it does. Entries' bytes live in one arena of twice
//! the largest size the peer may set: new entries are appended, evictions only drop
//! bookkeeping, and when the arena's end is reached the live bytes (at most the table size)
//! are moved back to its start. The arena and the entry ring reach their final capacity
//! while the first table fills and stay there.

use std::collections::VecDeque;

/// Per-entry overhead counted in the table size (section 4.1).
pub const ENTRY_OVERHEAD: usize = 32;

/// Where an entry's bytes are in the arena.
#[derive(Debug, Clone, Copy)]
struct Slot {
    start: usize,
    name_len: usize,
    value_len: usize,
}

impl Slot {
    fn size(&self) -> usize {
        self.name_len + self.value_len + ENTRY_OVERHEAD
    }
}

/// A dynamic table whose size limit may move between 0 and `max_allowed`.
#[derive(Debug)]
pub struct DynamicTable {
    /// Entry bytes, name then value, oldest first; `len()` is where the next entry goes.
    arena: Vec<u8>,
    /// The arena's capacity once the first entry arrives.
    arena_cap: usize,
    /// Newest first: index 0 is HPACK index 62.
    slots: VecDeque<Slot>,
    /// The table size by the RFC's measure.
    size: usize,
    /// The current limit (the last size update, or `max_allowed`).
    max_size: usize,
}

impl DynamicTable {
    /// An empty table whose limit starts at, and may never exceed, `max_allowed` bytes.
    pub fn new(max_allowed: usize) -> Self {
        DynamicTable {
            arena: Vec::new(),
            arena_cap: max_allowed.saturating_mul(2),
            slots: VecDeque::new(),
            size: 0,
            max_size: max_allowed,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The size by the RFC's measure.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The current limit.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// Entry `i` (0 = newest) as (name, value).
    pub fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        let s = self.slots.get(i)?;
        let name_end = s.start + s.name_len;
        Some((
            &self.arena[s.start..name_end],
            &self.arena[name_end..name_end + s.value_len],
        ))
    }

    /// A dynamic table size update: the new limit, evicting down to it. The caller checks
    /// it against the limit we advertised.
    pub fn set_max_size(&mut self, max_size: usize) {
        self.max_size = max_size;
        self.evict_to(max_size);
    }

    /// Inserts `name: value` as the newest entry, evicting the oldest ones to make room;
    /// an entry larger than the limit empties the table and is not kept (section 4.4).
    pub fn insert(&mut self, name: &[u8], value: &[u8]) {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        if size > self.max_size {
            self.evict_to(0);
            return;
        }
        self.evict_to(self.max_size - size);
        let len = name.len() + value.len();
        if self.arena.len() + len > self.arena_cap {
            self.compact();
        }
        if self.arena.capacity() == 0 {
            self.arena.reserve_exact(self.arena_cap);
        }
        let start = self.arena.len();
        self.arena.extend_from_slice(name);
        self.arena.extend_from_slice(value);
        self.slots.push_front(Slot {
            start,
            name_len: name.len(),
            value_len: value.len(),
        });
        self.size += size;
    }

    /// Drops the oldest entries until the size is at most `limit`.
    fn evict_to(&mut self, limit: usize) {
        while self.size > limit {
            let Some(oldest) = self.slots.pop_back() else {
                break;
            };
            self.size -= oldest.size();
        }
        if self.slots.is_empty() {
            self.arena.clear();
        }
    }

    /// Moves the live bytes (from the oldest entry's start) to the arena's start. They are
    /// at most `max_size - 32 * entries` bytes, leaving at least `arena_cap / 2` free, so
    /// this runs at most once per `arena_cap / 2` bytes inserted.
    fn compact(&mut self) {
        let Some(from) = self.slots.back().map(|s| s.start) else {
            self.arena.clear();
            return;
        };
        self.arena.copy_within(from.., 0);
        self.arena.truncate(self.arena.len() - from);
        for s in &mut self.slots {
            s.start -= from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(t: &DynamicTable) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..t.len())
            .map(|i| {
                let (n, v) = t.get(i).unwrap();
                (n.to_vec(), v.to_vec())
            })
            .collect()
    }

    #[test]
    fn inserts_evict_the_oldest_and_count_32_per_entry() {
        let mut t = DynamicTable::new(100);
        t.insert(b"a", b"1"); // 34
        t.insert(b"bb", b"22"); // 36
        assert_eq!(t.size(), 70);
        t.insert(b"c", b""); // 33: 103 > 100, "a" goes
        assert_eq!(t.size(), 69);
        assert_eq!(
            entries(&t),
            [
                (b"c".to_vec(), b"".to_vec()),
                (b"bb".to_vec(), b"22".to_vec())
            ]
        );
        assert_eq!(t.get(2), None);
        // Exactly the limit fits.
        t.insert(&[b'x'; 60], b"");
        assert_eq!(t.size(), 92);
        assert_eq!(t.len(), 1);
        // Larger than the limit: the table ends up empty.
        t.insert(&[b'y'; 69], b"");
        assert_eq!((t.len(), t.size()), (0, 0));
    }

    #[test]
    fn size_updates_evict_and_bound_later_inserts() {
        let mut t = DynamicTable::new(4096);
        for i in 0..10u8 {
            t.insert(b"name", &[i; 10]);
        }
        assert_eq!(t.size(), 10 * 46);
        t.set_max_size(100);
        assert_eq!((t.len(), t.size(), t.max_size()), (2, 92, 100));
        assert_eq!(t.get(0).unwrap().1, &[9; 10]);
        t.set_max_size(0);
        assert_eq!(t.len(), 0);
        t.insert(b"a", b"b");
        assert_eq!(t.len(), 0);
        t.set_max_size(4096);
        t.insert(b"a", b"b");
        assert_eq!(entries(&t), [(b"a".to_vec(), b"b".to_vec())]);
    }

    #[test]
    fn the_arena_wraps_without_growing() {
        let mut t = DynamicTable::new(256);
        let mut model: VecDeque<(Vec<u8>, Vec<u8>)> = VecDeque::new();
        for i in 0..5_000usize {
            let name = vec![b'a' + (i % 26) as u8; i % 7 + 1];
            let value = vec![b'0' + (i % 10) as u8; (i * 37) % 150];
            t.insert(&name, &value);
            model.push_front((name, value));
            let mut size: usize = model.iter().map(|(n, v)| n.len() + v.len() + 32).sum();
            while size > 256 {
                let (n, v) = model.pop_back().unwrap();
                size -= n.len() + v.len() + 32;
            }
            assert_eq!(t.size(), size);
            assert_eq!(entries(&t), Vec::from(model.clone()), "insert {i}");
            assert_eq!(t.arena.capacity(), 512);
        }
    }
}
