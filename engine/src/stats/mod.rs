//! Per-worker measurement: counters and HDR latency histograms.
//!
//! Each worker owns one `Stats`; nothing here is shared or locked. At interval ends the worker
//! takes a `Snapshot` (counters since the last one plus that interval's histogram) and hands it
//! to the coordinator, which merges snapshots into run totals. `Measure` is what the
//! coordinator knows of a workload's measurement: load (`Snapshot`) and handshakes
//! (`handshake::HsSnapshot`) are two of them.

use hdrhistogram::Histogram;

pub mod handshake;

/// What a worker measures, as the coordinator sees it: a snapshot that merges (the workers'
/// snapshots of one interval, or a whole run's), and the facts a worker reports once, at its
/// end (read by the workload that ran, not by the coordinator).
pub trait Measure: Clone + std::fmt::Debug + Send + 'static {
    /// A worker's closing facts.
    type End: Clone + Default + std::fmt::Debug + Send + 'static;
    /// Nothing measured.
    fn empty() -> Self;
    /// Merges `other` into this.
    fn add(&mut self, other: &Self);
}

/// Highest latency a histogram records exactly (1 hour, in µs); larger values saturate.
pub const LATENCY_MAX_US: u64 = 3_600_000_000;

/// Open loop: a request sent more than this long after its intended time counts as late.
pub const LATE_NS: u64 = 1_000_000;

/// Kinds of error a run counts. Each has a stable name used in summaries and the JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A connect failed or was refused.
    Connect,
    /// A receive failed, or the peer closed/reset with responses outstanding.
    Read,
    /// A send failed.
    Write,
    /// A request had no complete response within the timeout.
    Timeout,
    /// The response could not be parsed as HTTP (or broke the HTTP/2 protocol).
    Parse,
    /// The TLS handshake failed (alert, certificate rejected under --verify, not TLS) or a
    /// TLS record could not be read.
    Tls,
    /// HTTP/2: the server reset a stream (RST_STREAM) before its response was complete.
    Reset,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::Connect,
        ErrorKind::Read,
        ErrorKind::Write,
        ErrorKind::Timeout,
        ErrorKind::Parse,
        ErrorKind::Tls,
        ErrorKind::Reset,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Read => "read",
            ErrorKind::Write => "write",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Parse => "parse",
            ErrorKind::Tls => "tls",
            ErrorKind::Reset => "reset",
        }
    }
}

/// Plain counters; added up field by field when merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests put on the wire.
    pub requests: u64,
    /// Complete responses received (any status).
    pub responses: u64,
    /// Bytes received from the target.
    pub bytes_read: u64,
    /// Bytes sent to the target.
    pub bytes_written: u64,
    /// Connections that completed their TCP handshake (reconnects included).
    pub connects: u64,
    /// Errors by kind, indexed as `ErrorKind as usize`.
    pub errors: [u64; ErrorKind::ALL.len()],
    /// Responses by status code: (code, count), only codes seen; kept sorted by code.
    pub status: Vec<(u16, u64)>,
    /// Open loop: requests sent later than `LATE_NS` after their intended time.
    pub late: u64,
    /// Open loop: the largest schedule lag seen (how far the oldest due, unsent request was
    /// behind), in µs. Merged by maximum, not sum.
    pub max_lag_us: u64,
    /// HTTP/2: GOAWAY frames received.
    pub goaways: u64,
    /// HTTP/2: streams the server did not process (above a GOAWAY's last stream id, or
    /// REFUSED_STREAM); their requests are sent again and not counted as errors.
    pub refused: u64,
}

impl Counters {
    pub fn error(&self, kind: ErrorKind) -> u64 {
        self.errors[kind as usize]
    }

    pub fn total_errors(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn add(&mut self, other: &Counters) {
        self.requests += other.requests;
        self.responses += other.responses;
        self.bytes_read += other.bytes_read;
        self.bytes_written += other.bytes_written;
        self.connects += other.connects;
        self.late += other.late;
        self.max_lag_us = self.max_lag_us.max(other.max_lag_us);
        self.goaways += other.goaways;
        self.refused += other.refused;
        for (a, b) in self.errors.iter_mut().zip(other.errors.iter()) {
            *a += b;
        }
        for &(code, n) in &other.status {
            match self.status.binary_search_by_key(&code, |&(c, _)| c) {
                Ok(i) => self.status[i].1 += n,
                Err(i) => self.status.insert(i, (code, n)),
            }
        }
    }
}

/// A fresh latency histogram in microseconds (3 significant digits, 0 µs to 1 h).
pub fn new_latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LATENCY_MAX_US, 3).expect("static histogram bounds are valid")
}

/// The hot-path side of a worker's measurement.
pub struct Stats {
    requests: u64,
    responses: u64,
    bytes_read: u64,
    bytes_written: u64,
    connects: u64,
    errors: [u64; ErrorKind::ALL.len()],
    /// Counts for status 0..=999, indexed by code; folded into `Counters::status` at snapshots.
    status: Box<[u64; 1000]>,
    latency: Histogram<u64>,
    /// Open loop only: latency from the actual send.
    latency_uncorrected: Histogram<u64>,
    /// TCP connect times (connect submitted to established), reconnects included.
    connect_latency: Histogram<u64>,
    late: u64,
    max_lag_us: u64,
    goaways: u64,
    refused: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

impl Stats {
    pub fn new() -> Self {
        Stats {
            requests: 0,
            responses: 0,
            bytes_read: 0,
            bytes_written: 0,
            connects: 0,
            errors: [0; ErrorKind::ALL.len()],
            status: Box::new([0; 1000]),
            latency: new_latency_histogram(),
            latency_uncorrected: new_latency_histogram(),
            connect_latency: new_latency_histogram(),
            late: 0,
            max_lag_us: 0,
            goaways: 0,
            refused: 0,
        }
    }

    #[inline]
    pub fn requests_sent(&mut self, n: u64, bytes: u64) {
        self.requests += n;
        self.bytes_written += bytes;
    }

    #[inline]
    pub fn bytes_read(&mut self, n: u64) {
        self.bytes_read += n;
    }

    /// A connection completed its TCP handshake `latency_us` after its connect was submitted.
    #[inline]
    pub fn connected(&mut self, latency_us: u64) {
        self.connects += 1;
        self.connect_latency.saturating_record(latency_us);
    }

    #[inline]
    pub fn error(&mut self, kind: ErrorKind) {
        self.errors[kind as usize] += 1;
    }

    /// A complete response with `status`, `latency_us` after its request was (meant to be) sent.
    #[inline]
    pub fn response(&mut self, status: u16, latency_us: u64) {
        self.responses += 1;
        self.status[(status as usize).min(999)] += 1;
        self.latency.saturating_record(latency_us);
    }

    /// Open loop: a response `corrected_us` after its request's intended send time and
    /// `uncorrected_us` after its actual send.
    #[inline]
    pub fn response_open_loop(&mut self, status: u16, corrected_us: u64, uncorrected_us: u64) {
        self.response(status, corrected_us);
        self.latency_uncorrected.saturating_record(uncorrected_us);
    }

    /// HTTP/2: a GOAWAY arrived.
    #[inline]
    pub fn goaway(&mut self) {
        self.goaways += 1;
    }

    /// HTTP/2: a stream was not processed by the server (its request is sent again).
    #[inline]
    pub fn refused(&mut self) {
        self.refused += 1;
    }

    /// Open loop: a request went out `behind_ns` after its intended time.
    #[inline]
    pub fn sent_behind(&mut self, behind_ns: u64) {
        if behind_ns > LATE_NS {
            self.late += 1;
        }
    }

    /// Open loop: the schedule is `lag_ns` behind (the oldest due request is still unsent).
    #[inline]
    pub fn lag(&mut self, lag_ns: u64) {
        self.max_lag_us = self.max_lag_us.max(lag_ns / 1000);
    }

    /// Responses so far in this interval (for count-based stops and progress).
    pub fn interval_responses(&self) -> u64 {
        self.responses
    }

    /// Mean latency of this interval's responses so far (0 when none); walks the histogram's
    /// buckets, so call it at interval ends, not per response.
    pub fn interval_latency_mean_us(&self) -> f64 {
        if self.latency.is_empty() {
            0.0
        } else {
            self.latency.mean()
        }
    }

    /// Everything since the previous snapshot; resets the interval state.
    pub fn take_snapshot(&mut self) -> Snapshot {
        let mut status = Vec::new();
        for (code, n) in self.status.iter_mut().enumerate() {
            if *n > 0 {
                status.push((code as u16, *n));
                *n = 0;
            }
        }
        let counters = Counters {
            requests: std::mem::take(&mut self.requests),
            responses: std::mem::take(&mut self.responses),
            bytes_read: std::mem::take(&mut self.bytes_read),
            bytes_written: std::mem::take(&mut self.bytes_written),
            connects: std::mem::take(&mut self.connects),
            errors: std::mem::take(&mut self.errors),
            status,
            late: std::mem::take(&mut self.late),
            max_lag_us: std::mem::take(&mut self.max_lag_us),
            goaways: std::mem::take(&mut self.goaways),
            refused: std::mem::take(&mut self.refused),
        };
        let latency = std::mem::replace(&mut self.latency, new_latency_histogram());
        let latency_uncorrected =
            std::mem::replace(&mut self.latency_uncorrected, new_latency_histogram());
        let connect_latency = std::mem::replace(&mut self.connect_latency, new_latency_histogram());
        Snapshot {
            counters,
            latency,
            latency_uncorrected,
            connect_latency,
        }
    }
}

/// What a worker measured over one interval.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub counters: Counters,
    /// Latency of every response: from the intended send time in an open-loop run.
    pub latency: Histogram<u64>,
    /// Open loop only (empty otherwise): latency from the actual send.
    pub latency_uncorrected: Histogram<u64>,
    /// TCP connect times in microseconds (reconnects included): ab's "Connect" row.
    pub connect_latency: Histogram<u64>,
}

impl Snapshot {
    pub fn empty() -> Self {
        Snapshot {
            counters: Counters::default(),
            latency: new_latency_histogram(),
            latency_uncorrected: new_latency_histogram(),
            connect_latency: new_latency_histogram(),
        }
    }

    pub fn add(&mut self, other: &Snapshot) {
        self.counters.add(&other.counters);
        self.latency
            .add(&other.latency)
            .expect("latency histograms share bounds");
        self.latency_uncorrected
            .add(&other.latency_uncorrected)
            .expect("latency histograms share bounds");
        self.connect_latency
            .add(&other.connect_latency)
            .expect("latency histograms share bounds");
    }
}

impl Measure for Snapshot {
    type End = WorkerEnd;

    fn empty() -> Self {
        Snapshot::empty()
    }

    fn add(&mut self, other: &Self) {
        Snapshot::add(self, other)
    }
}

/// A load worker's closing facts.
#[derive(Debug, Clone, Default)]
pub struct WorkerEnd {
    pub established: u32,
    pub unanswered: u64,
    /// Open loop: requests due by the end that were never sent.
    pub unsent: u64,
    /// Thread CPU time (user + sys) after the warmup.
    pub cpu_s: f64,
    /// Nanoseconds from the common start to this worker's end.
    pub end_ns: u64,
    /// The first connect error, to explain a run that never connected.
    pub first_connect_error: Option<String>,
    /// TLS: what the first handshake negotiated ("TLSv1_3 TLS13_AES_128_GCM_SHA256 X25519").
    pub tls_negotiated: Option<String>,
    /// The request script's first failure during the run (the run stopped there).
    pub script_error: Option<String>,
    /// The plan's script factory could not make this worker's script (it never ran).
    pub script_start_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_reset_and_merge() {
        let mut s = Stats::new();
        s.requests_sent(3, 300);
        s.response(200, 10);
        s.response(200, 20);
        s.response(404, 30);
        s.error(ErrorKind::Timeout);
        let a = s.take_snapshot();
        assert_eq!(a.counters.responses, 3);
        assert_eq!(a.counters.status, vec![(200, 2), (404, 1)]);
        assert_eq!(a.latency.len(), 3);
        let b = s.take_snapshot();
        assert_eq!(b.counters, Counters::default());
        assert_eq!(b.latency.len(), 0);

        s.response(500, 5);
        let c = s.take_snapshot();
        let mut total = Snapshot::empty();
        total.add(&a);
        total.add(&c);
        assert_eq!(total.counters.status, vec![(200, 2), (404, 1), (500, 1)]);
        assert_eq!(total.counters.error(ErrorKind::Timeout), 1);
        assert_eq!(total.latency.len(), 4);
        assert_eq!(total.latency.max(), 30);
    }
}
