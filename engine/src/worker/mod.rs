//! Pinned worker threads: each owns one backend, its connections, buffers and stats, and runs
//! one event loop. The client and server loops share the backend interface and the clock; the
//! coordinator (`run`) only exchanges messages with them at start, interval ends and the end.

pub mod client;
pub mod clock;
pub mod handshake;
mod hs_request;
pub mod record;
pub mod schedule;
pub mod server;

use crate::plan::IoMode;
use crate::result::IoInfo;
use crate::ring::epoll::EpollBackend;
use crate::ring::uring::{UringBackend, UringConfig};
use crate::stats::Snapshot;

/// What a worker tells the coordinator.
#[derive(Debug)]
pub enum WorkerMsg {
    /// The backend is set up; the worker waits for the start signal.
    Ready { worker: usize, io: IoInfo },
    /// The worker could not start.
    Failed { worker: usize, reason: String },
    /// Measurements of interval `seq` (0-based).
    Interval {
        worker: usize,
        seq: usize,
        snapshot: Snapshot,
    },
    /// The worker finished; `snapshot` holds what happened since the last interval.
    Done {
        worker: usize,
        end: WorkerEnd,
        snapshot: Snapshot,
    },
}

/// A worker's closing facts.
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
}

/// Either backend; workers are generic over `Backend`, this picks one at run time.
#[allow(clippy::large_enum_variant)] // one per worker, built once
pub enum AnyBackend {
    Uring(UringBackend),
    Epoll(EpollBackend),
}

/// Sets up the backend `mode` asks for, falling back (and saying why) where the kernel
/// refuses: io_uring multishot -> io_uring plain -> epoll. Returns the backend and the facts
/// for the summary.
pub fn make_backend(mode: IoMode, uring: &UringConfig) -> std::io::Result<(AnyBackend, IoInfo)> {
    use crate::ring::Backend;
    let try_epoll = |reason: String| -> std::io::Result<(AnyBackend, IoInfo)> {
        let b = EpollBackend::new(1024)?;
        let mut info = b.info();
        info.fallback_reason = reason;
        Ok((AnyBackend::Epoll(b), info))
    };
    match mode {
        IoMode::Epoll => try_epoll(String::new()),
        IoMode::Auto | IoMode::UringPlain => {
            let mut cfg = uring.clone();
            cfg.multishot = mode == IoMode::Auto;
            if disabled_by_sysctl() {
                return try_epoll("io_uring disabled (kernel.io_uring_disabled)".into());
            }
            match UringBackend::new(&cfg) {
                Ok(b) => {
                    let info = b.info();
                    Ok((AnyBackend::Uring(b), info))
                }
                Err(e) => try_epoll(format!("io_uring unavailable: {e}")),
            }
        }
    }
}

fn disabled_by_sysctl() -> bool {
    std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
        .map(|s| s.trim() == "2")
        .unwrap_or(false)
}
