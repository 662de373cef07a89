//! A provided buffer ring (IORING_REGISTER_PBUF_RING, kernel 5.19+).
//!
//! The ring memory (entries of addr/len/bid, tail in the first entry's reserved field) is
//! page-aligned as the kernel requires; buffers are one contiguous allocation. A buffer handed
//! out by a completion belongs to user space until `recycle` puts it back; `publish` makes the
//! recycled buffers visible to the kernel with one release store.

use io_uring::types::BufRingEntry;
use io_uring::Submitter;
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::io;
use std::sync::atomic::{AtomicU16, Ordering};

pub struct BufRing {
    ring: *mut BufRingEntry,
    ring_layout: Layout,
    bufs: Box<[u8]>,
    buf_size: u32,
    mask: u16,
    entries: u16,
    /// Local tail: buffers up to here are written; published by `publish`.
    tail: u16,
    bgid: u16,
}

impl BufRing {
    /// `entries` must be a power of two (at most 32768); every buffer starts in the ring.
    pub fn new(entries: u16, buf_size: u32, bgid: u16) -> io::Result<BufRing> {
        if !entries.is_power_of_two() || entries > 32768 || buf_size == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "buffer ring entries must be a power of two up to 32768 and buffers non-empty",
            ));
        }
        let ring_layout =
            Layout::from_size_align(entries as usize * std::mem::size_of::<BufRingEntry>(), 4096)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        // SAFETY: alloc_zeroed needs a non-zero size: `entries` is a power of two (at least
        // one) and a BufRingEntry is 16 bytes. A null result is checked below.
        let ring = unsafe { alloc_zeroed(ring_layout) } as *mut BufRingEntry;
        if ring.is_null() {
            return Err(io::Error::new(
                io::ErrorKind::OutOfMemory,
                "buffer ring allocation failed",
            ));
        }
        let bufs = vec![0u8; entries as usize * buf_size as usize].into_boxed_slice();
        let mut br = BufRing {
            ring,
            ring_layout,
            bufs,
            buf_size,
            mask: entries - 1,
            entries,
            tail: 0,
            bgid,
        };
        for bid in 0..entries {
            br.recycle(bid);
        }
        br.publish();
        Ok(br)
    }

    /// Registers the ring with `submitter`'s io_uring under this ring's group id.
    pub fn register(&self, submitter: &Submitter<'_>) -> io::Result<()> {
        // SAFETY: the kernel reads and writes the ring memory until the io_uring goes: it is
        // page-aligned, holds `entries` entries and lives until `self` is dropped, and the
        // owner (UringBackend, by field order) drops the io_uring first.
        unsafe {
            submitter.register_buf_ring_with_flags(self.ring as u64, self.entries, self.bgid, 0)
        }
    }

    pub fn bgid(&self) -> u16 {
        self.bgid
    }

    pub fn buf_size(&self) -> u32 {
        self.buf_size
    }

    pub fn entries(&self) -> u16 {
        self.entries
    }

    /// Start of buffer `bid` (valid for `buf_size` bytes while `self` lives).
    pub fn buf_ptr(&self, bid: u16) -> *const u8 {
        let off = (bid as usize % self.entries as usize) * self.buf_size as usize;
        self.bufs[off..].as_ptr()
    }

    /// Puts buffer `bid` back at the local tail (visible to the kernel after `publish`).
    pub fn recycle(&mut self, bid: u16) {
        let idx = (self.tail & self.mask) as usize;
        // SAFETY: idx = tail & mask < entries, so the entry lies inside the ring allocation
        // (live while `self` is); no other reference to it exists: the kernel only reads
        // entries between its head and the published tail, and this one is past the tail.
        let entry = unsafe { &mut *self.ring.add(idx) };
        let bid = bid % self.entries;
        entry.set_addr(self.buf_ptr(bid) as u64);
        entry.set_len(self.buf_size);
        entry.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    /// Publishes recycled buffers to the kernel.
    pub fn publish(&mut self) {
        // SAFETY: `self.ring` is the live, page-aligned base of the ring; BufRingEntry::tail
        // gives its first entry's reserved field, the u16 tail the kernel reads atomically.
        // AtomicU16 has u16's size and alignment, and the kernel only reads this field.
        unsafe {
            let tail = BufRingEntry::tail(self.ring) as *const AtomicU16;
            (*tail).store(self.tail, Ordering::Release);
        }
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: `self.ring` was allocated in `new` with `self.ring_layout` and is freed only
        // here; the io_uring that used it is gone (the backend drops its ring before its
        // buffers, and the probe's ring is dropped before its BufRing).
        unsafe { dealloc(self.ring as *mut u8, self.ring_layout) };
    }
}

// SAFETY: the ring memory is owned exclusively by this value; moving it to another thread
// (before the worker starts) is sound.
unsafe impl Send for BufRing {}
