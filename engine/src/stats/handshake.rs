//! Handshake-storm measurement: handshakes (full and resumed), errors by kind, an HDR
//! histogram of every handshake's latency, and with `--request` the responses by status
//! class, per worker, snapshotted per interval like `Stats`.

use super::{new_latency_histogram, Measure};
use hdrhistogram::Histogram;

/// Why a handshake attempt failed. Each has a stable name used in summaries and the JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HsError {
    /// The TCP connect failed or was refused.
    Connect,
    /// The server sent an alert, something that is not TLS, or closed mid-handshake.
    Handshake,
    /// Connect plus handshake took longer than the timeout.
    Timeout,
    /// The connection was reset (or a send failed) during the handshake.
    Reset,
    /// `--request`: the request after an established handshake got no valid response (the
    /// server closed or reset, the response was not HTTP/1.1, TLS failed, or it timed out).
    Request,
}

/// Error kinds (the length of arrays indexed by `HsError as usize`).
pub const HS_ERROR_KINDS: usize = 5;

impl HsError {
    pub const ALL: [HsError; HS_ERROR_KINDS] = [
        HsError::Connect,
        HsError::Handshake,
        HsError::Timeout,
        HsError::Reset,
        HsError::Request,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HsError::Connect => "connect",
            HsError::Handshake => "handshake",
            HsError::Timeout => "timeout",
            HsError::Reset => "reset",
            HsError::Request => "request",
        }
    }
}

/// What a handshake worker measured over one interval (or a whole run, once merged).
#[derive(Clone, Debug)]
pub struct HsSnapshot {
    /// Completed handshakes (resumed ones included).
    pub handshakes: u64,
    /// Handshakes that resumed a session.
    pub resumed: u64,
    /// Failed attempts, indexed as `HsError as usize`.
    pub errors: [u64; HS_ERROR_KINDS],
    /// Handshakes in progress when the snapshot was taken (a gauge: merged by sum over
    /// workers of one interval).
    pub in_progress: u64,
    /// Connect-to-established latency of every handshake, in µs.
    pub latency: Histogram<u64>,
    /// `--request`: responses received (one per connection at most).
    pub responses: u64,
    /// Responses by status class: index 1..=5 for 1xx..5xx, 0 for any other status.
    pub status_classes: [u64; 6],
}

impl HsSnapshot {
    pub fn empty() -> Self {
        HsSnapshot {
            handshakes: 0,
            resumed: 0,
            errors: [0; HS_ERROR_KINDS],
            responses: 0,
            status_classes: [0; 6],
            in_progress: 0,
            latency: new_latency_histogram(),
        }
    }

    pub fn total_errors(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn error(&self, kind: HsError) -> u64 {
        self.errors[kind as usize]
    }

    pub fn add(&mut self, other: &HsSnapshot) {
        self.handshakes += other.handshakes;
        self.resumed += other.resumed;
        self.in_progress += other.in_progress;
        self.responses += other.responses;
        for (a, b) in self.status_classes.iter_mut().zip(other.status_classes) {
            *a += b;
        }
        for (a, b) in self.errors.iter_mut().zip(other.errors) {
            *a += b;
        }
        self.latency
            .add(&other.latency)
            .expect("latency histograms share bounds");
    }

    /// A handshake finished `latency_us` after its connect started.
    #[inline]
    pub fn handshake(&mut self, latency_us: u64, resumed: bool) {
        self.handshakes += 1;
        self.resumed += u64::from(resumed);
        self.latency.saturating_record(latency_us);
    }

    /// A response with `status` arrived (`--request`).
    #[inline]
    pub fn response(&mut self, status: u16) {
        self.responses += 1;
        let class = usize::from(status / 100);
        self.status_classes[if (1..=5).contains(&class) { class } else { 0 }] += 1;
    }

    #[inline]
    pub fn failed(&mut self, kind: HsError) {
        self.errors[kind as usize] += 1;
    }

    /// Everything since the last take; this one starts empty.
    pub fn take(&mut self) -> HsSnapshot {
        std::mem::replace(self, HsSnapshot::empty())
    }
}

impl Measure for HsSnapshot {
    type End = HsEnd;

    fn empty() -> Self {
        HsSnapshot::empty()
    }

    fn add(&mut self, other: &Self) {
        HsSnapshot::add(self, other)
    }
}

/// A handshake worker's closing facts.
#[derive(Debug, Clone, Default)]
pub struct HsEnd {
    /// When counting started (the slow start ended), from the common start; None: never.
    pub measure_start_ns: Option<u64>,
    pub end_ns: u64,
    /// Thread CPU time (user + sys) over the measured phase.
    pub cpu_s: f64,
    /// The first message of each error kind (indexed as `HsError as usize`).
    pub first_errors: [Option<String>; HS_ERROR_KINDS],
    /// Version, suite and group of the first handshake.
    pub negotiated: Option<String>,
    /// Why the worker gave up: every attempt failed and none succeeded.
    pub aborted: Option<String>,
    /// `--request`: responses to requests of attempts that were not counted (the slow start).
    pub uncounted_responses: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_resets_and_add_merges() {
        let mut s = HsSnapshot::empty();
        s.handshake(100, false);
        s.handshake(300, true);
        s.failed(HsError::Timeout);
        let a = s.take();
        assert_eq!((a.handshakes, a.resumed, a.total_errors()), (2, 1, 1));
        assert_eq!(s.handshakes + s.total_errors() + s.latency.len(), 0);
        s.handshake(200, false);
        s.failed(HsError::Reset);
        s.response(200);
        s.response(404);
        s.response(204);
        s.response(999);
        let mut t = HsSnapshot::empty();
        t.add(&a);
        t.add(&s);
        assert_eq!(t.handshakes, 3);
        assert_eq!(t.error(HsError::Timeout), 1);
        assert_eq!(t.error(HsError::Reset), 1);
        assert_eq!(t.latency.len(), 3);
        assert_eq!(t.latency.max(), 300);
        assert_eq!(t.responses, 4);
        assert_eq!(t.status_classes, [1, 0, 2, 0, 1, 0]);
    }
}
