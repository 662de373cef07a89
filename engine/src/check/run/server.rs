//! One accepted backend connection: requests in (`wire::BackendWire`), answers out in request
//! order (HTTP/1.1), each released when its time comes: at once or after its delay, with the
//! rest of a batch (pipelined, one write), never (hang). An answer's action (close, reset
//! after N bytes) ends the connection once it is sent.

use std::collections::VecDeque;
use std::time::Instant;

use super::out::{Out, Pumped};
use crate::check::plan::{BackendId, ResponseAction, Segmenting};
use crate::check::wire::BackendWire;
use crate::ring::{Backend, Slot};

/// When an answer may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ready {
    At(Instant),
    /// Once this many answers of case `case` wait in the queue.
    Batch {
        case: usize,
        n: usize,
    },
    /// Never (hang).
    Never,
}

#[derive(Debug)]
pub(super) struct Answer {
    pub(super) bytes: Vec<u8>,
    pub(super) ready: Ready,
    pub(super) action: ResponseAction,
}

pub(super) struct BackendConn {
    pub(super) backend: BackendId,
    pub(super) slot: Slot,
    pub(super) wire: BackendWire,
    out: Out,
    answers: VecDeque<Answer>,
    /// Cases whose requests came on it (each counted once in its `BackendLog::connections`).
    pub(super) cases: Vec<usize>,
    /// No more answers: the connection closes once what is queued is sent.
    ending: bool,
    pub(super) slot_open: bool,
}

/// A plain answer the backend gives by itself (400 for a malformed request, 502 for a stray).
pub(super) fn status_answer(status: u16, reason: &str, close: bool) -> Vec<u8> {
    let conn = if close { "connection: close\r\n" } else { "" };
    format!("HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\n{conn}\r\n").into_bytes()
}

impl BackendConn {
    pub(super) fn new(backend: BackendId, slot: Slot, seg: Segmenting) -> BackendConn {
        BackendConn {
            backend,
            slot,
            wire: BackendWire::new(),
            out: Out::new(seg),
            answers: VecDeque::new(),
            cases: Vec::new(),
            ending: false,
            slot_open: true,
        }
    }

    pub(super) fn queue(&mut self, answer: Answer) {
        if !self.ending {
            self.answers.push_back(answer);
        }
    }

    fn is_ready(&self, a: &Answer, now: Instant) -> bool {
        match a.ready {
            Ready::At(t) => t <= now,
            Ready::Batch { case, n } => {
                let waiting = self
                    .answers
                    .iter()
                    .filter(|b| matches!(b.ready, Ready::Batch { case: c, .. } if c == case));
                waiting.count() >= n
            }
            Ready::Never => false,
        }
    }

    /// Moves the answers due (in order, stopping at the first that is not) into one write,
    /// then sends what may go.
    pub(super) fn pump<B: Backend>(&mut self, io: &mut B, now: Instant) {
        if !self.slot_open {
            return;
        }
        let mut write = Vec::new();
        let mut batch_of = None;
        while let Some(a) = self.answers.front() {
            let due = match (a.ready, batch_of) {
                // The rest of a released batch goes with it.
                (Ready::Batch { case, .. }, Some(c)) if c == case => true,
                _ => self.is_ready(a, now),
            };
            if !due {
                break;
            }
            let Some(a) = self.answers.pop_front() else {
                break;
            };
            if let Ready::Batch { case, .. } = a.ready {
                batch_of = Some(case);
            }
            match a.action {
                ResponseAction::Keep | ResponseAction::Hang => write.extend_from_slice(&a.bytes),
                ResponseAction::Close => {
                    write.extend_from_slice(&a.bytes);
                    self.end(false);
                }
                ResponseAction::ResetAfter(n) => {
                    write.extend_from_slice(&a.bytes[..n.min(a.bytes.len())]);
                    self.end(true);
                }
            }
            if self.ending {
                break;
            }
        }
        self.out.push(&write);
        if self.out.pump(io, self.slot, now) == Pumped::Closed {
            self.slot_open = false;
        }
    }

    /// Answers no more; closes (FIN, or RST with `reset`) once what is queued is sent.
    pub(super) fn end(&mut self, reset: bool) {
        self.ending = true;
        self.answers.clear();
        self.out.close_when_sent(reset);
    }

    pub(super) fn on_sent(&mut self, now: Instant) {
        self.out.on_sent(now);
    }

    /// The earliest time an answer or a segment may go without a new event.
    pub(super) fn wake_at(&self) -> Option<Instant> {
        let answer = self.answers.front().and_then(|a| match a.ready {
            Ready::At(t) => Some(t),
            _ => None,
        });
        match (answer, self.out.wake_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
