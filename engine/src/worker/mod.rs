//! Pinned worker threads: each owns one backend, its connections, buffers and stats, and runs
//! one event loop. Every worker thread starts the same way (`Placement::spawn`: pin, set up
//! the backend, then the worker's own ready protocol); the measured workers (client load,
//! handshakes) are `Workload`s that exchange `WorkerMsg`s with the coordinator only at the
//! start, at interval ends and at their end.

pub mod client;
pub mod clock;
pub mod handshake;
pub mod record;
pub mod schedule;
pub mod server;

use crate::error::EngineError;
use crate::plan::IoMode;
use crate::result::IoInfo;
use crate::ring::epoll::EpollBackend;
use crate::ring::uring::{UringBackend, UringConfig};
use crate::ring::Backend;
use crate::stats::Measure;
use clock::Clock;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Instant;

/// What a measured worker tells the coordinator.
#[derive(Debug)]
pub enum WorkerMsg<S: Measure> {
    /// The backend is set up; the worker waits for the start signal.
    Ready { worker: usize, io: IoInfo },
    /// The worker could not start.
    Failed { worker: usize, reason: String },
    /// Measurements of interval `seq` (0-based).
    Interval {
        worker: usize,
        seq: usize,
        snapshot: S,
    },
    /// The worker finished; `snapshot` holds what happened since the last interval.
    Done {
        worker: usize,
        end: S::End,
        snapshot: S,
    },
}

/// A measured worker's line to the coordinator: its interval snapshots, numbered in order.
pub struct Report<S: Measure> {
    worker: usize,
    seq: usize,
    tx: Sender<WorkerMsg<S>>,
}

impl<S: Measure> Report<S> {
    pub fn new(worker: usize, tx: Sender<WorkerMsg<S>>) -> Self {
        Report { worker, seq: 0, tx }
    }

    /// Sends the snapshot of the worker's next interval.
    pub fn interval(&mut self, snapshot: S) {
        let _ = self.tx.send(WorkerMsg::Interval {
            worker: self.worker,
            seq: self.seq,
            snapshot,
        });
        self.seq += 1;
    }

    fn send(&self, msg: WorkerMsg<S>) {
        let _ = self.tx.send(msg);
    }
}

/// What a measured worker runs from the common start to its end (the load loop, the
/// handshake loop), on whichever backend its thread set up.
pub trait Workload: Send + 'static {
    type Measure: Measure;
    /// Runs to the end; sends interval snapshots through `report`, and returns the closing
    /// facts and what was measured since the last interval.
    fn run<B: Backend>(
        self,
        io: B,
        clock: Clock,
        report: &mut Report<Self::Measure>,
    ) -> (<Self::Measure as Measure>::End, Self::Measure);
}

/// Where a worker thread runs: its CPU and the backend it asks for.
#[derive(Clone, Debug)]
pub struct Placement {
    pub cpu: usize,
    pub io: IoMode,
    pub uring: UringConfig,
}

/// A backend and its facts, or why the thread could not pin itself or set one up.
pub type Started = Result<(AnyBackend, IoInfo), String>;

impl Placement {
    /// The one worker thread start-up: a thread named `name` that pins itself to the CPU,
    /// sets up its backend and hands both (or why there are none) to `body`, which tells
    /// whoever waits for it (each kind of worker has its own ready protocol).
    pub fn spawn<R, F>(self, name: String, body: F) -> Result<JoinHandle<R>, EngineError>
    where
        R: Send + 'static,
        F: FnOnce(Started) -> R + Send + 'static,
    {
        let cpu = self.cpu;
        std::thread::Builder::new()
            .name(name)
            .spawn(move || body(self.start()))
            .map_err(|e| EngineError::WorkerStart {
                cpu,
                reason: e.to_string(),
            })
    }

    fn start(&self) -> Started {
        if !core_affinity::set_for_current(core_affinity::CoreId { id: self.cpu }) {
            return Err(format!("could not pin to CPU {}", self.cpu));
        }
        make_backend(self.io, &self.uring).map_err(|e| format!("no I/O backend: {e}"))
    }
}

/// The body of a measured worker's thread: Ready (or Failed), wait for the common start (or
/// the abort), run the workload on the backend, Done.
pub fn measured_thread<W: Workload>(
    started: Started,
    workload: W,
    mut report: Report<W::Measure>,
    start: Receiver<Option<Instant>>,
) {
    let worker = report.worker;
    let backend = match started {
        Ok((backend, io)) => {
            report.send(WorkerMsg::Ready { worker, io });
            backend
        }
        Err(reason) => return report.send(WorkerMsg::Failed { worker, reason }),
    };
    let Ok(Some(start)) = start.recv() else {
        return;
    };
    let clock = Clock::new(start);
    let (end, snapshot) = backend.run(Measured {
        workload,
        clock,
        report: &mut report,
    });
    report.send(WorkerMsg::Done {
        worker,
        end,
        snapshot,
    });
}

/// A workload with what its run needs, as `OnBackend`.
struct Measured<'a, W: Workload> {
    workload: W,
    clock: Clock,
    report: &'a mut Report<W::Measure>,
}

impl<W: Workload> OnBackend for Measured<'_, W> {
    type Output = (<W::Measure as Measure>::End, W::Measure);

    fn run<B: Backend>(self, io: B) -> Self::Output {
        self.workload.run(io, self.clock, self.report)
    }
}

/// What a worker thread runs on its backend, whichever it is.
pub trait OnBackend {
    type Output;
    fn run<B: Backend>(self, io: B) -> Self::Output;
}

/// Ring sizes for a worker with `conns` connections (or handshake peers).
pub fn uring_config(conns: u32) -> UringConfig {
    let mut cfg = UringConfig::default();
    let cq = (conns.saturating_mul(4))
        .clamp(4096, 65536)
        .next_power_of_two();
    cfg.cq_entries = cq;
    cfg.sq_entries = (cq / 4).clamp(1024, 16384);
    cfg
}

/// Either backend; workers are generic over `Backend`, this picks one at run time.
#[allow(clippy::large_enum_variant)] // one per worker, built once
pub enum AnyBackend {
    Uring(UringBackend),
    Epoll(EpollBackend),
}

impl AnyBackend {
    /// Runs `body` on the backend, whichever it is.
    pub fn run<R: OnBackend>(self, body: R) -> R::Output {
        match self {
            AnyBackend::Uring(b) => body.run(b),
            AnyBackend::Epoll(b) => body.run(b),
        }
    }
}

/// Sets up the backend `mode` asks for, falling back (and saying why) where the kernel
/// refuses: io_uring multishot -> io_uring plain -> epoll. Returns the backend and the facts
/// for the summary.
pub fn make_backend(mode: IoMode, uring: &UringConfig) -> std::io::Result<(AnyBackend, IoInfo)> {
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
