//! A slot's life on io_uring: taken from the free list, its socket registered in the sparse
//! file table (in batches, before the next submission), released with a new generation.

use super::{SlotState, UringBackend, GEN_MASK};
use crate::ring::Slot;
use std::os::fd::RawFd;

impl UringBackend {
    pub(super) fn alloc_slot(&mut self, fd: RawFd) -> Slot {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize].fd = fd;
                slot
            }
            None => {
                self.slots.push(SlotState {
                    fd,
                    gen: 0,
                    fixed: false,
                    accepted_by: super::NO_LISTENER,
                });
                (self.slots.len() - 1) as Slot
            }
        };
        // Registered in batches before the next submission (a ramp of many connects costs one
        // system call, not one each); registering replaces what a previous socket left there.
        let fixed = slot < self.fixed_files;
        if fixed {
            self.pending_files.push((slot, fd));
        }
        self.slots[slot as usize].fixed = fixed;
        self.slots[slot as usize].accepted_by = super::NO_LISTENER;
        slot
    }

    /// Registers the sockets of new slots, one system call per run of consecutive slots.
    /// Must run before queued operations that name those slots are submitted.
    pub(super) fn flush_files(&mut self) {
        if self.pending_files.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending_files);
        let mut start = 0;
        while start < pending.len() {
            let mut end = start + 1;
            while end < pending.len() && pending[end].0 == pending[end - 1].0 + 1 {
                end += 1;
            }
            let fds: Vec<RawFd> = pending[start..end].iter().map(|&(_, fd)| fd).collect();
            let first = pending[start].0;
            let done = self
                .ring
                .submitter()
                .register_files_update(first, &fds)
                .unwrap_or(0);
            // Slots the kernel did not take fall back to their fds for later operations (any
            // already queued on them fail and the connection is retried).
            for &(slot, fd) in &pending[start + done.min(end - start)..end] {
                let s = &mut self.slots[slot as usize];
                if s.fd == fd {
                    s.fixed = false;
                }
            }
            start = end;
        }
        pending.clear();
        self.pending_files = pending;
    }

    pub(super) fn release_slot(&mut self, slot: Slot) {
        // A registration still pending for this slot must not outlive its socket.
        self.pending_files.retain(|&(s, _)| s != slot);
        if self.slots[slot as usize].fixed {
            // Operations in flight hold their own reference to the socket.
            let _ = self.ring.submitter().register_files_update(slot, &[-1]);
        }
        let s = &mut self.slots[slot as usize];
        s.fd = -1;
        s.fixed = false;
        s.gen = (s.gen + 1) & GEN_MASK;
        self.free.push(slot);
    }
}
