//! When each request in flight went out, and the one place a response's latency is recorded.
//!
//! Every connection has `pipeline` positions: HTTP/1.1 uses them as a ring in send order,
//! HTTP/2 as its stream slots. A position holds the actual send time, the intended send time
//! (fixed rate: the schedule's; closed loop: the send itself) and the request's mix entry.
//! Both protocols report "the response at position X completed with status S" to
//! [`ConnTimes::completed`], which records the corrected and uncorrected latency, so the two
//! measures cannot drift apart between protocols.

use crate::stats::Stats;

/// Send time of a position no request occupies (HTTP/2 marks ended streams with it, so the
/// timeout scan finds the oldest open stream without asking the protocol layer).
pub(super) const FREE: u64 = u64::MAX;

/// The worker's positions, `pipeline` per connection.
pub(super) struct Timings {
    sent: Vec<u64>,
    intended: Vec<u64>,
    entry: Vec<u16>,
    per_conn: usize,
    /// Fixed rate: latency also counts from the intended send time (coordinated omission
    /// corrected); the uncorrected measure counts from the actual send.
    corrected: bool,
}

impl Timings {
    pub(super) fn new(conns: usize, pipeline: u32, corrected: bool) -> Timings {
        let n = conns * pipeline as usize;
        Timings {
            sent: vec![0; n],
            intended: vec![0; n],
            entry: vec![0; n],
            per_conn: pipeline as usize,
            corrected,
        }
    }

    /// Connection `ci`'s positions.
    #[inline]
    pub(super) fn conn(&mut self, ci: usize) -> ConnTimes<'_> {
        let r = ci * self.per_conn..(ci + 1) * self.per_conn;
        ConnTimes {
            sent: &mut self.sent[r.clone()],
            intended: &mut self.intended[r.clone()],
            entry: &mut self.entry[r],
            corrected: self.corrected,
        }
    }

    /// Connection `ci`'s send times (FREE where HTTP/2 has no stream).
    #[inline]
    pub(super) fn sent(&self, ci: usize) -> &[u64] {
        &self.sent[ci * self.per_conn..(ci + 1) * self.per_conn]
    }
}

/// One connection's positions.
pub(super) struct ConnTimes<'a> {
    sent: &'a mut [u64],
    intended: &'a mut [u64],
    entry: &'a mut [u16],
    corrected: bool,
}

impl ConnTimes<'_> {
    /// The request of mix entry `entry` went out at `now` from position `pos`; it was due at
    /// `intended` (fixed rate) or is due now.
    #[inline]
    pub(super) fn sent(&mut self, pos: usize, now: u64, intended: Option<u64>, entry: usize) {
        self.sent[pos] = now;
        self.intended[pos] = intended.unwrap_or(now);
        self.entry[pos] = entry as u16;
    }

    /// The mix entry of the request at `pos` (a scripted request: its HEAD flag, 0 or 1).
    #[inline]
    pub(super) fn entry(&self, pos: usize) -> usize {
        self.entry[pos] as usize
    }

    /// HTTP/2: position `pos` holds a stream.
    #[inline]
    pub(super) fn in_use(&self, pos: usize) -> bool {
        self.sent.get(pos).is_some_and(|&t| t != FREE)
    }

    /// HTTP/2: the stream at `pos` ended; the position is free.
    #[inline]
    pub(super) fn release(&mut self, pos: usize) {
        self.sent[pos] = FREE;
    }

    /// HTTP/2: no position holds a stream (a new connection).
    pub(super) fn release_all(&mut self) {
        self.sent.fill(FREE);
    }

    /// The response to the request that went out from `pos` completed at `now` with
    /// `status`: counted, and its latency recorded (corrected and uncorrected under a fixed
    /// rate, from the send in a closed loop). Every protocol's responses end here.
    #[inline]
    pub(super) fn completed(&self, stats: &mut Stats, pos: usize, status: u16, now: u64) {
        let uncorrected = now.saturating_sub(self.sent[pos]) / 1000;
        if self.corrected {
            let corrected = now.saturating_sub(self.intended[pos]) / 1000;
            stats.response_open_loop(status, corrected, uncorrected);
        } else {
            stats.response(status, uncorrected);
        }
    }
}
