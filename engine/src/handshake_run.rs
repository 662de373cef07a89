//! The coordinator of a handshake storm: checks the plan, starts one pinned handshake worker
//! per CPU, merges their per-interval snapshots into a series and their totals into a
//! `HandshakeResult`. Like `run`, it touches no socket after the preflight connect.

use crate::error::EngineError;
use crate::limits;
use crate::plan::HandshakePlan;
use crate::result::{CpuUsage, IoInfo};
use crate::ring::sys;
use crate::ring::uring::UringConfig;
use crate::stats::handshake::{HsSnapshot, HS_ERROR_KINDS};
use crate::worker::handshake::{handshake_thread, HandshakeSetup, HsEnd, HsMsg};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// One merged interval of a handshake run.
#[derive(Clone, Debug)]
pub struct HsInterval {
    /// Seconds from the end of the slow start to this interval's end.
    pub t_s: f64,
    pub snapshot: HsSnapshot,
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

/// Runs a handshake storm to its end (or until `stop` is set); `on_interval` sees each merged
/// interval as it completes.
pub fn run_handshakes(
    plan: &HandshakePlan,
    stop: Arc<AtomicBool>,
    on_interval: &mut dyn FnMut(&HsInterval),
) -> Result<HandshakeResult, EngineError> {
    if plan.cpus.is_empty() {
        return Err(EngineError::NoCpus);
    }
    if plan.conns == 0 {
        return Err(EngineError::Invalid("at least one peer is needed".into()));
    }
    crate::proto::tls::client_config(&plan.tls).map_err(|e| EngineError::Invalid(e.to_string()))?;
    limits::ensure_fds(plan.conns, 16 * plan.cpus.len() as u64)?;
    let t = plan
        .timeout
        .clamp(Duration::from_millis(100), Duration::from_secs(5));
    TcpStream::connect_timeout(&plan.target, t)
        .map(drop)
        .map_err(|error| EngineError::Unreachable {
            addr: plan.target,
            error,
        })?;

    let plan = Arc::new(plan.clone());
    let cpus = &plan.cpus[..plan.cpus.len().min(plan.conns as usize)];
    let workers = cpus.len();
    let (tx, rx) = mpsc::channel();
    let mut starts = Vec::new();
    let mut handles = Vec::new();
    for (i, &cpu) in cpus.iter().enumerate() {
        let share = |n: u64| n / workers as u64 + u64::from((i as u64) < n % workers as u64);
        let (stx, srx) = mpsc::channel();
        starts.push(stx);
        let mut uring = UringConfig::default();
        uring.cq_entries = (plan.conns * 4).clamp(4096, 65536).next_power_of_two();
        uring.sq_entries = (uring.cq_entries / 4).clamp(1024, 16384);
        let setup = HandshakeSetup {
            worker: i,
            cpu,
            conns: share(plan.conns as u64) as u32,
            quota: plan.handshakes.map(share),
            plan: plan.clone(),
            uring,
            stop: stop.clone(),
            tx: tx.clone(),
            start: srx,
        };
        let h = std::thread::Builder::new()
            .name(format!("tfw-hs-{i}"))
            .spawn(move || handshake_thread(setup))
            .map_err(|e| EngineError::WorkerStart {
                cpu,
                reason: e.to_string(),
            })?;
        handles.push(h);
    }
    drop(tx);

    let mut io = None;
    let mut failure = None;
    for _ in 0..workers {
        match rx.recv() {
            Ok(HsMsg::Ready { io: info, .. }) => {
                io.get_or_insert(info);
            }
            Ok(HsMsg::Failed { worker, reason }) => {
                failure.get_or_insert(EngineError::WorkerStart {
                    cpu: cpus[worker],
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

    let (u0, s0, _) = sys::rusage(false);
    let start = Instant::now();
    for s in &starts {
        let _ = s.send(Some(start));
    }
    let mut pending: Vec<(HsSnapshot, usize)> = Vec::new();
    let mut intervals = Vec::new();
    let mut totals = HsSnapshot::empty();
    let mut ends: Vec<HsEnd> = vec![HsEnd::default(); workers];
    let interval_s = plan.interval.as_secs_f64();
    while let Ok(msg) = rx.recv() {
        match msg {
            HsMsg::Interval { seq, snapshot, .. } => {
                if pending.len() <= seq {
                    pending.resize_with(seq + 1, || (HsSnapshot::empty(), 0));
                }
                pending[seq].0.add(&snapshot);
                pending[seq].1 += 1;
                totals.add(&snapshot);
                while intervals.len() < pending.len() && pending[intervals.len()].1 == workers {
                    let i = intervals.len();
                    let iv = HsInterval {
                        t_s: (i + 1) as f64 * interval_s,
                        snapshot: pending[i].0.clone(),
                    };
                    on_interval(&iv);
                    intervals.push(iv);
                }
            }
            HsMsg::Done {
                worker,
                end,
                snapshot,
            } => {
                let mut s = snapshot;
                s.in_progress = 0;
                totals.add(&s);
                ends[worker] = end;
            }
            _ => {}
        }
    }
    for h in handles {
        let _ = h.join();
    }
    let (u1, s1, rss) = sys::rusage(false);
    totals.in_progress = 0;
    let elapsed_ns = ends
        .iter()
        .filter_map(|e| e.measure_start_ns.map(|m| e.end_ns.saturating_sub(m)))
        .max()
        .unwrap_or(0);
    let mut first_errors: [Option<String>; HS_ERROR_KINDS] = Default::default();
    for e in &ends {
        for (k, m) in e.first_errors.iter().enumerate() {
            if first_errors[k].is_none() {
                first_errors[k] = m.clone();
            }
        }
    }
    Ok(HandshakeResult {
        target: plan.target_name.clone(),
        elapsed: Duration::from_nanos(elapsed_ns),
        totals,
        intervals,
        interval: plan.interval,
        first_errors,
        negotiated: ends.iter().find_map(|e| e.negotiated.clone()),
        aborted: ends.iter().find_map(|e| e.aborted.clone()),
        slow_start_only: ends.iter().all(|e| e.measure_start_ns.is_none()),
        interrupted: stop.load(Ordering::Relaxed),
        io: io.unwrap_or_default(),
        cpu: CpuUsage {
            user_s: u1 - u0,
            sys_s: s1 - s0,
            max_rss_kib: rss,
        },
        worker_cpu_s: ends.iter().map(|e| e.cpu_s).sum(),
        uncounted_responses: ends.iter().map(|e| e.uncounted_responses).sum(),
    })
}
