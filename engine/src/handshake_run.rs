//! The handshake storm: an instance of the coordinator (`coordinator`) with one handshake
//! worker per CPU (at most one per peer), each with its share of the peers and of the
//! handshake count and its own TLS client configuration; its outcome becomes a
//! `HandshakeResult`, measured from the end of each worker's slow start.

use crate::coordinator::{self, share, Settings};
use crate::error::EngineError;
use crate::limits;
use crate::plan::HandshakePlan;
use crate::proto::tls;
use crate::stats::handshake::HS_ERROR_KINDS;
use crate::worker::handshake::HandshakeSetup;
use crate::worker::{uring_config, Placement};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

pub use crate::result::{HandshakeResult, HsInterval};

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
    tls::client_config(&plan.tls).map_err(|e| EngineError::Invalid(e.to_string()))?;
    limits::ensure_fds(plan.conns, 16 * plan.cpus.len() as u64)?;
    limits::ensure_reachable(plan.target, plan.timeout)?;

    let plan = Arc::new(plan.clone());
    let cpus = &plan.cpus[..plan.cpus.len().min(plan.conns as usize)];
    let workers = cpus.len();
    let mut setups = Vec::with_capacity(workers);
    for (i, &cpu) in cpus.iter().enumerate() {
        // Each worker has its own configuration, so its own session cache.
        let tls = tls::client_config(&plan.tls)
            .and_then(|c| Ok((c, tls::server_name(&plan.tls)?)))
            .map_err(|e| EngineError::WorkerStart {
                cpu,
                reason: e.to_string(),
            })?;
        let setup = HandshakeSetup {
            conns: share(plan.conns.into(), i, workers) as u32,
            quota: plan.handshakes.map(|n| share(n, i, workers)),
            plan: plan.clone(),
            tls,
            stop: stop.clone(),
        };
        let placement = Placement {
            cpu,
            io: plan.io,
            uring: uring_config(plan.conns),
        };
        setups.push((placement, setup));
    }
    let settings = Settings {
        name: "tfw-hs",
        interval: plan.interval,
        warmup: Duration::ZERO,
        stop,
    };
    let out = coordinator::run(setups, &settings, on_interval)?;

    // Full intervals only: the tail is in the totals. A gauge at the end means nothing.
    let merged = out.merged;
    let mut totals = merged.totals;
    totals.in_progress = 0;
    let ends = merged.ends;
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
        intervals: merged.intervals,
        interval: plan.interval,
        first_errors,
        negotiated: ends.iter().find_map(|e| e.negotiated.clone()),
        aborted: ends.iter().find_map(|e| e.aborted.clone()),
        slow_start_only: ends.iter().all(|e| e.measure_start_ns.is_none()),
        interrupted: out.interrupted,
        io: out.io,
        cpu: out.cpu,
        worker_cpu_s: ends.iter().map(|e| e.cpu_s).sum(),
        uncounted_responses: ends.iter().map(|e| e.uncounted_responses).sum(),
    })
}
