//! What a run produced: merged counters and histograms, per-interval series, and facts about
//! how it ran. Output formats (text, JSON, plots) are pure functions of this.

use crate::stats::handshake::{HsSnapshot, HS_ERROR_KINDS};
use crate::stats::Snapshot;
use std::time::Duration;

/// Which I/O path ran and what the kernel offered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IoInfo {
    /// "io_uring" or "epoll".
    pub backend: &'static str,
    /// Multishot receive into a provided buffer ring.
    pub multishot_recv: bool,
    /// Provided buffer ring registered.
    pub buffer_ring: bool,
    /// Registered (fixed) file table in use.
    pub registered_files: bool,
    pub single_issuer: bool,
    pub defer_taskrun: bool,
    /// Why a faster path was not taken (empty when the fastest ran).
    pub fallback_reason: String,
}

/// One interval of the time series (all workers merged), of any workload's measurement.
#[derive(Clone, Debug)]
pub struct Interval<S = Snapshot> {
    /// Seconds from the start of the measured run (after the warmup, or the handshakes' slow
    /// start) to the end of this interval.
    pub t_s: f64,
    pub snapshot: S,
}

/// One merged interval of a handshake run.
pub type HsInterval = Interval<HsSnapshot>;

/// CPU time the client process used, from getrusage(RUSAGE_SELF).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CpuUsage {
    pub user_s: f64,
    pub sys_s: f64,
    /// Peak resident set size of the client process.
    pub max_rss_kib: u64,
}

/// Per-worker facts.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerInfo {
    pub cpu: usize,
    pub conns: u32,
    /// Thread CPU time (user + sys) over the run (after the warmup).
    pub cpu_s: f64,
    /// Share of the measured wall time the worker's thread was on a CPU (0..1): near 1, the
    /// worker was saturated and the figures describe the client more than the target.
    pub busy: f64,
}

/// A worker busier than this (share of wall time on CPU) is reported as saturated.
pub const SATURATED_BUSY: f64 = 0.9;

/// What an open-loop run was asked for and how well its schedule was kept (the rest is in the
/// counters: `late`, `max_lag_us`, and `latency_uncorrected`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateInfo {
    /// Requests per second asked for (total).
    pub target_rps: f64,
    /// Requests due by the end of the load that were never sent.
    pub unsent: u64,
}

/// A finished (or interrupted) client run.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub target: String,
    /// Wall time from the first connect to the end of the drain.
    pub elapsed: Duration,
    pub conns_requested: u32,
    /// Connections ever established (first connects; reconnects are in `totals.counters.connects`).
    pub conns_established: u32,
    pub totals: Snapshot,
    pub intervals: Vec<Interval>,
    pub io: IoInfo,
    pub cpu: CpuUsage,
    pub workers: Vec<WorkerInfo>,
    pub pipeline: u32,
    /// The run was stopped by a signal before its planned end.
    pub interrupted: bool,
    /// Requests still without a response when the drain ended.
    pub unanswered: u64,
    /// The first connect failure of the run, to explain connect errors.
    pub first_connect_error: Option<String>,
    /// Open loop: the asked rate and the schedule's keeping; None for a closed loop.
    pub rate: Option<RateInfo>,
    /// Load run before the measured part (not counted).
    pub warmup: Duration,
    /// "http/1.1", "h2" (HTTP/2 over TLS) or "h2c" (HTTP/2 over TCP).
    pub protocol: &'static str,
    /// TLS: what the first handshake negotiated; None without TLS or without a handshake.
    pub tls_negotiated: Option<String>,
    /// The request script failed during the run (its first error): the run stopped there;
    /// the totals are what happened until then.
    pub script_error: Option<String>,
}

impl RunResult {
    /// Requests sent per second over the measured run.
    pub fn sent_rps(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.totals.counters.requests as f64 / s
        } else {
            0.0
        }
    }

    /// Workers that were saturated (busy above [`SATURATED_BUSY`]).
    pub fn saturated_workers(&self) -> Vec<&WorkerInfo> {
        self.workers
            .iter()
            .filter(|w| w.busy > SATURATED_BUSY)
            .collect()
    }

    pub fn rps(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.totals.counters.responses as f64 / s
        } else {
            0.0
        }
    }
}

/// What a handshake run measured (after the slow start).
#[derive(Clone, Debug)]
pub struct HandshakeResult {
    pub target: String,
    /// Measured phase: from the end of the slow start to the end.
    pub elapsed: Duration,
    /// Totals (handshakes, errors, the latency of every handshake).
    pub totals: HsSnapshot,
    /// Full intervals only (a partial last one is in `totals`).
    pub intervals: Vec<HsInterval>,
    pub interval: Duration,
    /// The first message of each error kind (indexed as `HsError as usize`).
    pub first_errors: [Option<String>; HS_ERROR_KINDS],
    /// Version, suite and group of the first handshake, e.g. "TLSv1_3 TLS13_AES_256_GCM_SHA384 X25519".
    pub negotiated: Option<String>,
    /// Every attempt failed and none succeeded: the workers gave up (the first error).
    pub aborted: Option<String>,
    /// The slow start never ended (nothing was counted).
    pub slow_start_only: bool,
    pub interrupted: bool,
    pub io: IoInfo,
    pub cpu: CpuUsage,
    /// Worker threads' CPU time over the measured phase, summed.
    pub worker_cpu_s: f64,
    /// `--request`: responses to the slow start's requests (not in `totals`).
    pub uncounted_responses: u64,
}
