//! A connection's outgoing bytes, in order: queued as the sends that cross the wire (whole
//! messages, or segments of `Segmenting::size` bytes `gap` apart), one acknowledged send in
//! flight at a time so order holds on io_uring too, and an optional close once all is sent.

use std::collections::VecDeque;
use std::time::Instant;

use crate::check::plan::Segmenting;
use crate::check::wire::segments;
use crate::ring::{Backend, Slot};

/// What `Out::pump` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pumped {
    /// The connection stays (sending, waiting or idle).
    Open,
    /// Everything was sent and the close asked for was done: the slot is gone.
    Closed,
}

/// The send queue of one slot.
#[derive(Debug)]
pub(super) struct Out {
    seg: Segmenting,
    /// Each entry is one send.
    queue: VecDeque<Vec<u8>>,
    in_flight: bool,
    /// The gap after the last segment: no send before this.
    next_at: Option<Instant>,
    /// Close once the queue is sent (`true`: with a reset).
    close_after: Option<bool>,
}

impl Out {
    pub(super) fn new(seg: Segmenting) -> Out {
        Out {
            seg,
            queue: VecDeque::new(),
            in_flight: false,
            next_at: None,
            close_after: None,
        }
    }

    /// The segment size (0: whole messages).
    pub(super) fn segment_size(&self) -> usize {
        self.seg.size
    }

    /// Queues `bytes` as one send, or as segments.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        for s in segments(bytes, self.seg.size) {
            self.queue.push_back(s.to_vec());
        }
    }

    /// Queues `bytes` as one send whatever the segmenting (a segment already cut, then
    /// encrypted).
    pub(super) fn push_one(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.queue.push_back(bytes);
        }
    }

    /// Closes the slot once everything queued is sent.
    pub(super) fn close_when_sent(&mut self, reset: bool) {
        self.close_after = Some(reset);
    }

    pub(super) fn closing(&self) -> bool {
        self.close_after.is_some()
    }

    /// Issues the next send when none is in flight and the gap has passed; closes the slot
    /// when all was sent and a close was asked for.
    pub(super) fn pump<B: Backend>(&mut self, io: &mut B, slot: Slot, now: Instant) -> Pumped {
        if self.in_flight {
            return Pumped::Open;
        }
        if self.next_at.is_some_and(|t| t > now) {
            return Pumped::Open;
        }
        if let Some(bytes) = self.queue.pop_front() {
            io.send_copy(slot, &bytes, true);
            self.in_flight = true;
            return Pumped::Open;
        }
        match self.close_after {
            Some(reset) => {
                io.close(slot, reset);
                Pumped::Closed
            }
            None => Pumped::Open,
        }
    }

    /// The send in flight was handed to the kernel.
    pub(super) fn on_sent(&mut self, now: Instant) {
        self.in_flight = false;
        if self.seg.size > 0 && !self.seg.gap.is_zero() {
            self.next_at = Some(now + self.seg.gap);
        }
    }

    /// When a pump can next do something without a completion (a gap ending).
    pub(super) fn wake_at(&self) -> Option<Instant> {
        if self.in_flight || self.queue.is_empty() {
            return None;
        }
        self.next_at
    }
}
