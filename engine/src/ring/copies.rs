//! Owned send buffers for `Backend::send_copy` on io_uring.
//!
//! An io_uring send reads its bytes when the kernel gets to it, which may be long after the
//! call (a full socket buffer) and even after the slot was closed (the operation holds its
//! own reference to the socket). So a copy is kept here from submission until the send's
//! completion, whatever happened to the slot meanwhile. Buffers are reused from a free list:
//! in steady state a copy costs a `memcpy`, no allocation.

use super::Slot;

/// A buffer that held more than this is freed when its send completes, so one large send
/// does not pin its memory for the backend's life.
const KEEP: usize = 1 << 20;

/// One buffer: its bytes and the send they belong to.
#[derive(Default)]
struct CopyBuf {
    bytes: Vec<u8>,
    slot: Slot,
    gen: u32,
    ack: bool,
    busy: bool,
}

/// What a completed copy send was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CopySend {
    pub slot: Slot,
    pub gen: u32,
    pub ack: bool,
    /// Bytes the send was asked to send.
    pub len: usize,
}

/// The buffers of one backend. Indexes fit the low 32 bits of a `user_data`.
#[derive(Default)]
pub(crate) struct Copies {
    bufs: Vec<CopyBuf>,
    free: Vec<u32>,
    busy: usize,
}

impl Copies {
    /// Copies `bytes` into a free buffer for a send on (`slot`, `gen`); returns its index
    /// and the copy, which stays where it is (unmoved, unchanged) until `release(index)`.
    pub(crate) fn take(&mut self, bytes: &[u8], slot: Slot, gen: u32, ack: bool) -> (u32, &[u8]) {
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                self.bufs.push(CopyBuf::default());
                (self.bufs.len() - 1) as u32
            }
        };
        let b = &mut self.bufs[idx as usize];
        b.bytes.clear();
        b.bytes.extend_from_slice(bytes);
        (b.slot, b.gen, b.ack, b.busy) = (slot, gen, ack, true);
        self.busy += 1;
        (idx, &self.bufs[idx as usize].bytes)
    }

    /// The send of buffer `idx` completed: the buffer is free again. `None` for an index
    /// that is not in use (never the case for completions of this backend's sends).
    pub(crate) fn release(&mut self, idx: u32) -> Option<CopySend> {
        let b = self.bufs.get_mut(idx as usize).filter(|b| b.busy)?;
        b.busy = false;
        let done = CopySend {
            slot: b.slot,
            gen: b.gen,
            ack: b.ack,
            len: b.bytes.len(),
        };
        if b.bytes.capacity() > KEEP {
            b.bytes = Vec::new();
        }
        self.free.push(idx);
        self.busy -= 1;
        Some(done)
    }

    /// Sends whose completion has not arrived yet.
    pub(crate) fn in_flight(&self) -> usize {
        self.busy
    }

    /// Buffers allocated so far (in use or free).
    #[cfg(test)]
    pub(crate) fn allocated(&self) -> usize {
        self.bufs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_large_ones_freed() {
        let mut c = Copies::default();
        let (a, bytes) = c.take(b"hello", 3, 7, true);
        assert_eq!(bytes, b"hello");
        let ptr = bytes.as_ptr();
        let (b, _) = c.take(b"x", 4, 8, false);
        assert_ne!(a, b);
        assert_eq!(c.in_flight(), 2);
        let want = CopySend {
            slot: 3,
            gen: 7,
            ack: true,
            len: 5,
        };
        assert_eq!(c.release(a), Some(want));
        assert_eq!(c.release(a), None, "released twice");
        assert_eq!(c.release(99), None);
        // The freed buffer (and its memory) is taken first.
        let (again, bytes) = c.take(b"hi", 5, 9, false);
        assert_eq!((again, bytes, bytes.as_ptr()), (a, &b"hi"[..], ptr));
        assert_eq!((c.allocated(), c.in_flight()), (2, 2));
        // Pushing more buffers does not move the bytes of one in use.
        let (big, bytes) = c.take(&vec![1; KEEP + 1], 6, 1, false);
        let big_ptr = bytes.as_ptr();
        for _ in 0..100 {
            c.take(b"y", 1, 1, false);
        }
        assert_eq!(c.bufs[big as usize].bytes.as_ptr(), big_ptr);
        assert_eq!(c.release(big).map(|d| d.len), Some(KEEP + 1));
        assert_eq!(
            c.bufs[big as usize].bytes.capacity(),
            0,
            "large buffer freed"
        );
    }
}
