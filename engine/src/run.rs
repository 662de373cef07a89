//! The load run: an instance of the coordinator (`coordinator`) with one client worker per
//! CPU, each with its share of the connections and of the response count; its outcome
//! becomes a `RunResult`. Also the built-in target's start (`start_server`): one server
//! worker per CPU, started one after another because the first binds the port.

use crate::coordinator::{self, share, Settings};
use crate::error::EngineError;
use crate::limits;
use crate::plan::{LoadPlan, Protocol, ServePlan};
use crate::result::{Interval, IoInfo, RateInfo, RunResult, WorkerInfo};
use crate::ring::sys;
use crate::ring::uring::UringConfig;
use crate::worker::client::ClientSetup;
use crate::worker::record::Recorder;
use crate::worker::server::{server_thread, ServerCounters, ServerSetup};
use crate::worker::{uring_config, Placement};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

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
    check_script(plan)?;
    let entries = plan.requests.entries.len();
    if entries > usize::from(u16::MAX) {
        // The client keeps the mix entry of each request in flight as a u16.
        return Err(EngineError::Invalid(format!(
            "the request mix has {entries} entries; at most {} are supported",
            u16::MAX
        )));
    }
    limits::ensure_fds(plan.conns, 16 * plan.cpus.len() as u64)?;
    limits::ensure_ports(plan.conns, plan.target, plan.source_addrs.len())?;
    limits::ensure_reachable(plan.target, plan.timeout)?;

    let plan = Arc::new(plan.clone());
    let workers = plan.cpus.len();
    let abort = Arc::new(AtomicBool::new(false));
    let conns_of = |i: usize| share(plan.conns.into(), i, workers) as u32;
    let mut first_conn = 0u32;
    let mut setups = Vec::with_capacity(workers);
    for (i, &cpu) in plan.cpus.iter().enumerate() {
        let setup = ClientSetup {
            worker: i,
            conns: conns_of(i),
            first_conn,
            quota: plan.stop.responses.map(|n| share(n, i, workers)),
            plan: plan.clone(),
            stop: stop.clone(),
            abort: abort.clone(),
        };
        first_conn += setup.conns;
        let placement = Placement {
            cpu,
            io: plan.io,
            uring: uring_config(plan.conns / workers as u32),
        };
        setups.push((placement, setup));
    }
    let settings = Settings {
        name: "tfw-worker",
        interval: plan.interval,
        warmup: plan.warmup,
        stop,
    };
    let out = coordinator::run(setups, &settings, on_interval)?;

    let mut merged = out.merged;
    let ends = merged.ends;
    if let Some((worker, reason)) = ends
        .iter()
        .enumerate()
        .find_map(|(i, e)| e.script_start_error.clone().map(|r| (i, r)))
    {
        return Err(EngineError::Script { worker, reason });
    }
    let end_ns = ends.iter().map(|e| e.end_ns).max().unwrap_or(0);
    // The measured run starts after the warmup.
    let elapsed = Duration::from_nanos(end_ns).saturating_sub(plan.warmup);
    // Every not-yet-emitted interval (partial ones and the tails) ends the series.
    let tail = merged.tail;
    if tail.counters != Default::default() || !tail.latency.is_empty() {
        let iv = Interval {
            t_s: elapsed.as_secs_f64(),
            snapshot: tail,
        };
        on_interval(&iv);
        merged.intervals.push(iv);
    }
    Ok(RunResult {
        target: plan.target_name.clone(),
        elapsed,
        conns_requested: plan.conns,
        conns_established: ends.iter().map(|e| e.established).sum(),
        totals: merged.totals,
        intervals: merged.intervals,
        io: out.io,
        cpu: out.cpu,
        workers: plan
            .cpus
            .iter()
            .zip(&ends)
            .enumerate()
            .map(|(i, (&cpu, end))| {
                let wall = Duration::from_nanos(end.end_ns)
                    .saturating_sub(plan.warmup)
                    .as_secs_f64();
                WorkerInfo {
                    cpu,
                    conns: conns_of(i),
                    cpu_s: end.cpu_s,
                    busy: if wall > 0.0 {
                        (end.cpu_s / wall).min(1.0)
                    } else {
                        0.0
                    },
                }
            })
            .collect(),
        pipeline: plan.pipeline,
        interrupted: out.interrupted,
        unanswered: ends.iter().map(|e| e.unanswered).sum(),
        first_connect_error: ends.iter().find_map(|e| e.first_connect_error.clone()),
        protocol: plan.protocol_name(),
        tls_negotiated: ends.iter().find_map(|e| e.tls_negotiated.clone()),
        rate: plan.pacing.rate().map(|target_rps| RateInfo {
            target_rps,
            unsent: ends.iter().map(|e| e.unsent).sum(),
        }),
        warmup: plan.warmup,
        script_error: ends.iter().find_map(|e| e.script_error.clone()),
    })
}

/// A plan with a request script runs as wrk runs one: HTTP/1.1, a closed loop, and no
/// response count (a script's batch cannot be cut to what a count leaves).
fn check_script(plan: &LoadPlan) -> Result<(), EngineError> {
    let Some(factory) = &plan.script else {
        return Ok(());
    };
    if matches!(plan.protocol, Protocol::Http2(_)) {
        return Err(EngineError::Invalid(
            "a request script needs HTTP/1.1; it cannot run over HTTP/2".into(),
        ));
    }
    if plan.pacing.rate().is_some() {
        return Err(EngineError::Invalid(
            "a request script cannot run at a fixed rate (closed loop only)".into(),
        ));
    }
    if factory.wants().request && plan.stop.responses.is_some() {
        return Err(EngineError::Invalid(
            "a request script that makes requests cannot stop after a response count".into(),
        ));
    }
    Ok(())
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
    serve(plan, None)
}

/// `start_server` that also records every request it receives into `record` (opened by the
/// caller: the engine sees no files).
pub fn start_server_recording(
    plan: &ServePlan,
    record: Arc<Recorder>,
) -> Result<ServerHandle, EngineError> {
    serve(plan, Some(record))
}

fn serve(plan: &ServePlan, record: Option<Arc<Recorder>>) -> Result<ServerHandle, EngineError> {
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
            worker: i,
            plan: Arc::new(p),
            record: record.clone(),
            stop: stop.clone(),
            counters: counters[i].clone(),
            ready: tx,
        };
        let placement = Placement {
            cpu,
            io: plan.io,
            uring: UringConfig::default(),
        };
        let name = format!("tfw-serve-{i}");
        threads.push(placement.spawn(name, move |started| server_thread(started, setup))?);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{
        IoMode, MixEntry, MixOrder, Pacing, RequestMix, RequestTemplate, StopCondition,
    };

    #[test]
    fn a_mix_beyond_u16_entries_is_refused() {
        let template = RequestTemplate {
            wire: Arc::from(&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..]),
            head: false,
        };
        let entry = |i: usize| MixEntry {
            name: format!("e{i}"),
            template: template.clone(),
            weight: 1,
        };
        // A port nothing listens on: a plan past the check fails at the preflight connect.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap();
        let mut plan = LoadPlan {
            target_name: format!("http://{closed}/"),
            target: closed,
            conns: 1,
            cpus: crate::cpu::allowed_cpus()[..1].to_vec(),
            requests: RequestMix {
                entries: (0..=usize::from(u16::MAX)).map(entry).collect(),
                order: MixOrder::RoundRobin,
                cookies: false,
            },
            pipeline: 1,
            protocol: Protocol::Http1,
            tls: None,
            timeout: Duration::from_millis(100),
            stop: StopCondition {
                duration: Duration::from_millis(100),
                responses: None,
            },
            pacing: Pacing::ClosedLoop {
                batch_wait: Duration::ZERO,
            },
            io: IoMode::Epoll,
            source_addrs: Vec::new(),
            connect_window: 1,
            interval: Duration::from_secs(1),
            warmup: Duration::ZERO,
            ramp_up: Duration::ZERO,
            script: None,
        };
        let run = |plan: &LoadPlan| run_load(plan, Arc::default(), &mut |_| {}).unwrap_err();
        match run(&plan) {
            EngineError::Invalid(msg) => {
                assert_eq!(
                    msg,
                    "the request mix has 65536 entries; at most 65535 are supported"
                )
            }
            other => panic!("not refused for its size: {other}"),
        }
        // One entry fewer passes the check (and fails where nothing listens).
        plan.requests.entries.pop();
        assert!(matches!(run(&plan), EngineError::Unreachable { .. }));
    }
}
