//! The one coordinator of a measured run, generic over what its workers measure
//! (`stats::Measure`): the load (`run::run_load`) and the handshake storm
//! (`handshake_run::run_handshakes`) are instances of it that only set up their workers and
//! read the outcome. It starts one pinned worker thread per CPU (`worker::Placement::spawn`
//! and `worker::measured_thread`: the one start-up), waits until every worker is ready (or
//! aborts them all when one is not), gives them one common start instant, counts the
//! process's CPU time from the end of the warmup, merges the workers' interval snapshots in
//! order into a time series, and their totals. The workers watch the stop flag; the outcome
//! says whether it was set. It touches no socket and no per-request state.
//!
//! The merging (`Merger`) is apart from the spawning: it consumes a channel of `WorkerMsg`s
//! from N sources, whoever they are, so that other kinds of workers (functional checks,
//! remote agents whose snapshots arrive over SSH) can be sources of the same merge.

use crate::error::EngineError;
use crate::result::{CpuUsage, Interval, IoInfo};
use crate::ring::sys;
use crate::stats::Measure;
use crate::worker::{measured_thread, Placement, Report, WorkerMsg, Workload};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a measured run is coordinated.
pub struct Settings {
    /// Worker threads are named `{name}-{index}`.
    pub name: &'static str,
    /// Length of one interval of the time series.
    pub interval: Duration,
    /// Load before the measured run: the process's CPU time counts from its end.
    pub warmup: Duration,
    /// Set to stop the run early (a signal); the workers watch it.
    pub stop: Arc<AtomicBool>,
}

/// What the sources of a merge measured.
pub struct Merged<S: Measure> {
    /// Intervals every source reported, in order (each was handed to `on_interval`).
    pub intervals: Vec<Interval<S>>,
    /// Everything measured, by every source.
    pub totals: S,
    /// What was measured after the last complete interval: intervals some source did not
    /// report, and the sources' final snapshots.
    pub tail: S,
    /// Each source's closing facts (the default for one that never sent its end).
    pub ends: Vec<S::End>,
}

/// A finished (or interrupted) measured run.
pub struct Outcome<S: Measure> {
    pub merged: Merged<S>,
    /// The backend facts of the first worker that was ready.
    pub io: IoInfo,
    /// The process's CPU time from the end of the warmup to the end.
    pub cpu: CpuUsage,
    /// The stop flag was set.
    pub interrupted: bool,
}

/// Worker `i`'s share of `n` spread over `workers` (the first ones take one more).
pub fn share(n: u64, i: usize, workers: usize) -> u64 {
    n / workers as u64 + u64::from((i as u64) < n % workers as u64)
}

/// Runs one worker per `(placement, workload)`, from a common start to the end of the last;
/// `on_interval` sees each merged interval as it completes.
pub fn run<W: Workload>(
    workers: Vec<(Placement, W)>,
    settings: &Settings,
    on_interval: &mut dyn FnMut(&Interval<W::Measure>),
) -> Result<Outcome<W::Measure>, EngineError> {
    let cpus: Vec<usize> = workers.iter().map(|(p, _)| p.cpu).collect();
    let (tx, rx) = mpsc::channel();
    let mut starts = Vec::with_capacity(cpus.len());
    let mut handles = Vec::with_capacity(cpus.len());
    for (i, (placement, workload)) in workers.into_iter().enumerate() {
        let (start_tx, start_rx) = mpsc::channel();
        starts.push(start_tx);
        let report = Report::new(i, tx.clone());
        let name = format!("{}-{i}", settings.name);
        handles.push(placement.spawn(name, move |started| {
            measured_thread(started, workload, report, start_rx)
        })?);
    }
    drop(tx);

    let io = match ready(&rx, &cpus) {
        Ok(io) => io,
        Err(err) => {
            for s in &starts {
                let _ = s.send(None);
            }
            join(handles);
            return Err(err);
        }
    };
    let (mut u0, mut s0, _) = sys::rusage(false);
    let start = Instant::now();
    for s in &starts {
        let _ = s.send(Some(start));
    }
    let mut merger = Merger::new(cpus.len(), settings.interval);
    // The process's CPU time counts from the warmup's end.
    if !settings.warmup.is_zero() && merger.drain(&rx, Some(start + settings.warmup), on_interval) {
        (u0, s0, _) = sys::rusage(false);
    }
    merger.drain(&rx, None, on_interval);
    join(handles);
    let (u1, s1, rss) = sys::rusage(false);
    Ok(Outcome {
        merged: merger.finish(),
        io,
        cpu: CpuUsage {
            user_s: u1 - u0,
            sys_s: s1 - s0,
            max_rss_kib: rss,
        },
        interrupted: settings.stop.load(Ordering::Relaxed),
    })
}

/// Waits for every worker's Ready (or Failed): the first ready worker's backend facts, or
/// the first failure.
fn ready<S: Measure>(rx: &Receiver<WorkerMsg<S>>, cpus: &[usize]) -> Result<IoInfo, EngineError> {
    let mut io = None;
    let mut failure = None;
    for _ in cpus {
        match rx.recv() {
            Ok(WorkerMsg::Ready { io: info, .. }) => {
                io.get_or_insert(info);
            }
            Ok(WorkerMsg::Failed { worker, reason }) => {
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
    match failure {
        Some(err) => Err(err),
        None => Ok(io.unwrap_or_default()),
    }
}

fn join(handles: Vec<JoinHandle<()>>) {
    for h in handles {
        let _ = h.join();
    }
}

/// Merges the snapshots of `sources` sources: an interval is complete (and emitted) once
/// every source reported it; totals count everything.
pub struct Merger<S: Measure> {
    sources: usize,
    interval_s: f64,
    /// Per interval: the snapshots merged so far, and how many sources reported it.
    pending: Vec<(S, usize)>,
    intervals: Vec<Interval<S>>,
    totals: S,
    /// The sources' final snapshots (what they measured after their last interval).
    finals: S,
    ends: Vec<Option<S::End>>,
}

impl<S: Measure> Merger<S> {
    pub fn new(sources: usize, interval: Duration) -> Self {
        Merger {
            sources,
            interval_s: interval.as_secs_f64(),
            pending: Vec::new(),
            intervals: Vec::new(),
            totals: S::empty(),
            finals: S::empty(),
            ends: vec![None; sources],
        }
    }

    /// Takes one message (Ready and Failed belong to the start and are ignored here).
    pub fn take(&mut self, msg: WorkerMsg<S>, on_interval: &mut dyn FnMut(&Interval<S>)) {
        match msg {
            WorkerMsg::Interval { seq, snapshot, .. } => {
                if self.pending.len() <= seq {
                    self.pending.resize_with(seq + 1, || (S::empty(), 0));
                }
                self.pending[seq].0.add(&snapshot);
                self.pending[seq].1 += 1;
                self.totals.add(&snapshot);
                // Intervals complete in order once every source reported them.
                while let Some((snap, n)) = self.pending.get(self.intervals.len()) {
                    if *n < self.sources {
                        break;
                    }
                    let iv = Interval {
                        t_s: (self.intervals.len() + 1) as f64 * self.interval_s,
                        snapshot: snap.clone(),
                    };
                    on_interval(&iv);
                    self.intervals.push(iv);
                }
            }
            WorkerMsg::Done {
                worker,
                end,
                snapshot,
            } => {
                self.totals.add(&snapshot);
                self.finals.add(&snapshot);
                self.ends[worker] = Some(end);
            }
            WorkerMsg::Ready { .. } | WorkerMsg::Failed { .. } => {}
        }
    }

    /// Takes messages until every sender is gone (false), or until `until` passes (true).
    pub fn drain(
        &mut self,
        rx: &Receiver<WorkerMsg<S>>,
        until: Option<Instant>,
        on_interval: &mut dyn FnMut(&Interval<S>),
    ) -> bool {
        loop {
            let msg = match until {
                None => match rx.recv() {
                    Ok(msg) => msg,
                    Err(_) => return false,
                },
                Some(t) => {
                    let left = t.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return true;
                    }
                    match rx.recv_timeout(left) {
                        Ok(msg) => msg,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return false,
                    }
                }
            };
            self.take(msg, on_interval);
        }
    }

    /// The merge: complete intervals, totals, and the tail (every interval not emitted, and
    /// the final snapshots, folded into one).
    pub fn finish(self) -> Merged<S> {
        let mut tail = self.finals;
        for (snap, _) in self.pending.iter().skip(self.intervals.len()) {
            tail.add(snap);
        }
        Merged {
            intervals: self.intervals,
            totals: self.totals,
            tail,
            ends: self
                .ends
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::handshake::{HsEnd, HsSnapshot};

    fn shaken(n: u64) -> HsSnapshot {
        let mut s = HsSnapshot::empty();
        for i in 0..n {
            s.handshake(100 + i, false);
        }
        s
    }

    #[test]
    fn intervals_complete_in_order_and_the_rest_is_the_tail() {
        let (tx, rx) = mpsc::channel();
        let mut a = Report::new(0, tx.clone());
        let mut b = Report::new(1, tx.clone());
        // Source 0 runs ahead: its second interval waits for source 1's.
        a.interval(shaken(1));
        a.interval(shaken(2));
        b.interval(shaken(3));
        a.interval(shaken(4));
        let end = HsEnd {
            end_ns: 7,
            ..HsEnd::default()
        };
        tx.send(WorkerMsg::Done {
            worker: 0,
            end,
            snapshot: shaken(5),
        })
        .unwrap();
        b.interval(shaken(6));
        drop((a, b, tx));
        let mut seen = Vec::new();
        let mut merger = Merger::new(2, Duration::from_millis(500));
        let until = Instant::now() + Duration::from_secs(60);
        assert!(
            !merger.drain(&rx, Some(until), &mut |iv: &Interval<HsSnapshot>| {
                seen.push((iv.t_s, iv.snapshot.handshakes))
            })
        );
        assert_eq!(seen, [(0.5, 4), (1.0, 8)]);
        let m = merger.finish();
        assert_eq!(m.intervals.len(), 2);
        assert_eq!(m.totals.handshakes, 21);
        // Source 0's third interval (4) and its final snapshot (5).
        assert_eq!(m.tail.handshakes, 9);
        assert_eq!(m.tail.latency.len(), 9);
        assert_eq!(m.ends[0].end_ns, 7);
        assert_eq!(m.ends[1].end_ns, 0);
    }

    #[test]
    fn shares_spread_the_remainder_over_the_first() {
        let shares: Vec<u64> = (0..3).map(|i| share(10, i, 3)).collect();
        assert_eq!(shares, [4, 3, 3]);
        assert_eq!((0..4).map(|i| share(2, i, 4)).sum::<u64>(), 2);
    }
}
