//! What a run produced: merged counters and histograms, per-interval series, and facts about
//! how it ran. Output formats (text, JSON, plots) are pure functions of this.

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

/// One interval of the time series (all workers merged).
#[derive(Clone, Debug)]
pub struct Interval {
    /// Seconds from the start of the run to the end of this interval.
    pub t_s: f64,
    pub snapshot: Snapshot,
}

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
    /// Thread CPU time (user + sys) over the run.
    pub cpu_s: f64,
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
}

impl RunResult {
    pub fn rps(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.totals.counters.responses as f64 / s
        } else {
            0.0
        }
    }
}
