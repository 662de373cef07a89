//! The coordinator: checks limits, starts one pinned worker per CPU, starts them together,
//! merges their interval snapshots into a time series and their totals into a `RunResult`.
//! It touches no socket and no per-request state.

use crate::error::EngineError;
use crate::limits;
use crate::plan::{LoadPlan, ServePlan};
use crate::result::{CpuUsage, Interval, IoInfo, RateInfo, RunResult, WorkerInfo};
use crate::ring::sys;
use crate::ring::uring::UringConfig;
use crate::stats::Snapshot;
use crate::worker::client::{client_thread, ClientSetup};
use crate::worker::server::{server_thread, ServerCounters, ServerSetup};
use crate::worker::{WorkerEnd, WorkerMsg};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs a load plan to its end (or until `stop` is set); `on_interval` sees each merged
/// interval as it completes (for live progress).
pub fn run_load(
    plan: &LoadPlan,
    stop: Arc<AtomicBool>,
    on_interval: &mut dyn FnMut(&Interval),
) -> Result<RunResult, EngineError> {
    if plan.cpus.is_empty() {
        return Err(EngineError::NoCpus);
    }
    limits::ensure_fds(plan.conns, 16 * plan.cpus.len() as u64)?;
    limits::ensure_ports(plan.conns, plan.target, plan.source_addrs.len())?;
    preflight(plan)?;

    let plan = Arc::new(plan.clone());
    let workers = plan.cpus.len();
    let (tx, rx) = mpsc::channel();
    let mut starts = Vec::new();
    let mut handles: Vec<JoinHandle<()>> = Vec::new();
    let mut first_conn = 0u32;
    for (i, &cpu) in plan.cpus.iter().enumerate() {
        let conns =
            plan.conns / workers as u32 + u32::from((i as u32) < plan.conns % workers as u32);
        let (stx, srx) = mpsc::channel();
        starts.push(stx);
        let setup = ClientSetup {
            worker: i,
            cpu,
            conns,
            first_conn,
            quota: plan
                .stop
                .responses
                .map(|n| n / workers as u64 + u64::from((i as u64) < n % workers as u64)),
            plan: plan.clone(),
            uring: uring_config(plan.conns / workers as u32),
            stop: stop.clone(),
            tx: tx.clone(),
            start: srx,
        };
        first_conn += conns;
        let h = std::thread::Builder::new()
            .name(format!("tfw-worker-{i}"))
            .spawn(move || client_thread(setup))
            .map_err(|e| EngineError::WorkerStart {
                cpu,
                reason: e.to_string(),
            })?;
        handles.push(h);
    }
    drop(tx);

    let mut io: Option<IoInfo> = None;
    let mut failure = None;
    for _ in 0..workers {
        match rx.recv() {
            Ok(WorkerMsg::Ready { io: info, .. }) => {
                io.get_or_insert(info);
            }
            Ok(WorkerMsg::Failed { worker, reason }) => {
                failure.get_or_insert(EngineError::WorkerStart {
                    cpu: plan.cpus[worker],
                    reason,
                });
            }
            _ => {
                failure.get_or_insert(EngineError::Invalid(
                    "a worker ended before starting".into(),
                ));
            }
        }
    }
    if let Some(err) = failure {
        for s in &starts {
            let _ = s.send(None);
        }
        for h in handles {
            let _ = h.join();
        }
        return Err(err);
    }

    let (mut u0, mut s0, _) = sys::rusage(false);
    let start = Instant::now();
    for s in &starts {
        let _ = s.send(Some(start));
    }
    // The process's CPU time counts from the warmup's end.
    let mut early = Vec::new();
    while !plan.warmup.is_zero() {
        let left = plan.warmup.saturating_sub(start.elapsed());
        if left.is_zero() {
            (u0, s0, _) = sys::rusage(false);
            break;
        }
        match rx.recv_timeout(left) {
            Ok(msg) => early.push(msg),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }

    let mut pending: Vec<(Snapshot, usize)> = Vec::new();
    let mut intervals: Vec<Interval> = Vec::new();
    let mut totals = Snapshot::empty();
    let mut ends: Vec<Option<WorkerEnd>> = vec![None; workers];
    // What workers measured after their last full interval.
    let mut tails = Snapshot::empty();
    let interval_s = plan.interval.as_secs_f64();
    let mut early = early.into_iter();
    while let Some(msg) = early.next().or_else(|| rx.recv().ok()) {
        match msg {
            WorkerMsg::Interval { seq, snapshot, .. } => {
                if pending.len() <= seq {
                    pending.resize_with(seq + 1, || (Snapshot::empty(), 0));
                }
                pending[seq].0.add(&snapshot);
                pending[seq].1 += 1;
                totals.add(&snapshot);
                // Intervals complete in order once every worker reported them.
                while intervals.len() < pending.len() && pending[intervals.len()].1 == workers {
                    let i = intervals.len();
                    let iv = Interval {
                        t_s: (i + 1) as f64 * interval_s,
                        snapshot: pending[i].0.clone(),
                    };
                    on_interval(&iv);
                    intervals.push(iv);
                }
            }
            WorkerMsg::Done {
                worker,
                end,
                snapshot,
            } => {
                totals.add(&snapshot);
                tails.add(&snapshot);
                ends[worker] = Some(end);
            }
            _ => {}
        }
    }
    for h in handles {
        let _ = h.join();
    }
    let ends: Vec<WorkerEnd> = ends.into_iter().map(|e| e.unwrap_or_default()).collect();
    let end_ns = ends.iter().map(|e| e.end_ns).max().unwrap_or(0);
    // The measured run starts after the warmup.
    let elapsed = Duration::from_nanos(end_ns).saturating_sub(plan.warmup);
    // Fold every not-yet-emitted interval (partial ones and the tails) into the series.
    let mut tail = tails;
    for (snap, _) in pending.iter().skip(intervals.len()) {
        tail.add(snap);
    }
    if tail.counters != Default::default() || !tail.latency.is_empty() {
        let iv = Interval {
            t_s: elapsed.as_secs_f64(),
            snapshot: tail,
        };
        on_interval(&iv);
        intervals.push(iv);
    }
    let (u1, s1, rss) = sys::rusage(false);
    let established: u32 = ends.iter().map(|e| e.established).sum();
    Ok(RunResult {
        target: plan.target_name.clone(),
        elapsed,
        conns_requested: plan.conns,
        conns_established: established,
        totals,
        intervals,
        io: io.unwrap_or_default(),
        cpu: CpuUsage {
            user_s: u1 - u0,
            sys_s: s1 - s0,
            max_rss_kib: rss,
        },
        workers: plan
            .cpus
            .iter()
            .enumerate()
            .map(|(i, &cpu)| {
                let wall = Duration::from_nanos(ends[i].end_ns)
                    .saturating_sub(plan.warmup)
                    .as_secs_f64();
                WorkerInfo {
                    cpu,
                    conns: plan.conns / workers as u32
                        + u32::from((i as u32) < plan.conns % workers as u32),
                    cpu_s: ends[i].cpu_s,
                    busy: if wall > 0.0 {
                        (ends[i].cpu_s / wall).min(1.0)
                    } else {
                        0.0
                    },
                }
            })
            .collect(),
        pipeline: plan.pipeline,
        interrupted: stop.load(Ordering::Relaxed),
        unanswered: ends.iter().map(|e| e.unanswered).sum(),
        first_connect_error: ends.iter().find_map(|e| e.first_connect_error.clone()),
        protocol: plan.protocol_name(),
        tls_negotiated: ends.iter().find_map(|e| e.tls_negotiated.clone()),
        rate: plan.pacing.rate().map(|target_rps| RateInfo {
            target_rps,
            unsent: ends.iter().map(|e| e.unsent).sum(),
        }),
        warmup: plan.warmup,
    })
}

/// One blocking connect before the run, so an unreachable target is a clear one-line error
/// instead of a run full of connect errors.
fn preflight(plan: &LoadPlan) -> Result<(), EngineError> {
    let t = plan
        .timeout
        .clamp(Duration::from_millis(100), Duration::from_secs(5));
    TcpStream::connect_timeout(&plan.target, t)
        .map(drop)
        .map_err(|error| EngineError::Unreachable {
            addr: plan.target,
            error,
        })
}

/// Ring sizes for a worker with `conns` connections.
fn uring_config(conns: u32) -> UringConfig {
    let mut cfg = UringConfig::default();
    let cq = (conns.saturating_mul(4))
        .clamp(4096, 65536)
        .next_power_of_two();
    cfg.cq_entries = cq;
    cfg.sq_entries = (cq / 4).clamp(1024, 16384);
    cfg
}

/// What the built-in target counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerTotals {
    pub requests: u64,
    pub responses: u64,
    pub connections: u64,
    pub parse_errors: u64,
}

/// A running built-in target.
pub struct ServerHandle {
    pub addr: SocketAddr,
    pub io: IoInfo,
    counters: Vec<Arc<ServerCounters>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl ServerHandle {
    /// Totals over all workers so far (updated by each worker once per loop turn).
    pub fn totals(&self) -> ServerTotals {
        let mut t = ServerTotals::default();
        for c in &self.counters {
            t.requests += c.requests.load(Ordering::Relaxed);
            t.responses += c.responses.load(Ordering::Relaxed);
            t.connections += c.connections.load(Ordering::Relaxed);
            t.parse_errors += c.parse_errors.load(Ordering::Relaxed);
        }
        t
    }

    /// Stops the workers, waits for them, and returns the final totals.
    pub fn stop(mut self) -> ServerTotals {
        self.shutdown();
        self.totals()
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for h in self.threads.drain(..) {
            let _ = h.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the built-in target: one worker per CPU in the plan, each with its own listener
/// on the same address (the first binds the port when it is 0; the others reuse it).
pub fn start_server(plan: &ServePlan) -> Result<ServerHandle, EngineError> {
    if plan.cpus.is_empty() {
        return Err(EngineError::NoCpus);
    }
    limits::ensure_fds(0, 0)?;
    // Accepted sockets count against the fd limit too: raise the soft limit to the hard one.
    if let Ok((_, hard)) = sys::nofile_limits() {
        let _ = sys::set_nofile_soft(hard);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let counters: Vec<Arc<ServerCounters>> = plan.cpus.iter().map(|_| Arc::default()).collect();
    let mut threads = Vec::new();
    let mut addr = plan.listen;
    let mut io = None;
    for (i, &cpu) in plan.cpus.iter().enumerate() {
        let mut p = plan.clone();
        p.listen = addr;
        let (tx, rx) = mpsc::channel();
        let setup = ServerSetup {
            cpu,
            plan: Arc::new(p),
            uring: UringConfig::default(),
            stop: stop.clone(),
            counters: counters[i].clone(),
            ready: tx,
        };
        let h = std::thread::Builder::new()
            .name(format!("tfw-serve-{i}"))
            .spawn(move || server_thread(setup))
            .map_err(|e| EngineError::WorkerStart {
                cpu,
                reason: e.to_string(),
            })?;
        threads.push(h);
        let reason = match rx.recv() {
            Ok(Ok((bound, info))) => {
                addr = bound;
                io.get_or_insert(info);
                continue;
            }
            Ok(Err(reason)) => reason,
            Err(_) => "the worker ended before listening".to_string(),
        };
        stop.store(true, Ordering::Relaxed);
        for h in threads {
            let _ = h.join();
        }
        return Err(EngineError::WorkerStart { cpu, reason });
    }
    Ok(ServerHandle {
        addr,
        io: io.unwrap_or_default(),
        counters,
        stop,
        threads,
    })
}
