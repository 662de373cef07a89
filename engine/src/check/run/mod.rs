//! `run_checks`: the functional checker's event loop on one thread (pinned when the plan says
//! so) over one I/O backend (`ring`, `plan.io`). The cases' clients and the scripted backends
//! are the two ends of every exchange, on one loop so requests are routed to cases without
//! locks. Results are handed to the caller's thread as each case ends.
//!
//! Parts: `out` (a slot's send queue: segments, gaps, one acknowledged send in flight),
//! `client` (a case's client connection: TLS, `wire::ClientWire`), `server` (a backend
//! connection: requests in, scripted answers out in order), `case` (a running case's state),
//! `engine` (the loop, scheduling, completions, routing), `steps` (the step machine).

mod case;
mod client;
mod engine;
mod error;
mod out;
mod server;
mod steps;

use std::sync::atomic::AtomicBool;
use std::sync::mpsc;

pub use error::CheckError;

use crate::check::plan::CheckPlan;
use crate::check::transcript::CaseResult;
use crate::ring::uring::UringConfig;
use crate::ring::Backend;
use crate::worker::{make_backend, OnBackend};

/// Runs every case (cases not `alone` up to `plan.parallel` at once; `alone` ones by
/// themselves) on one thread and one ring, calling `on_result` as each case ends (results
/// are returned in plan order). `stop` set: running cases end as failed ("interrupted"),
/// the rest are skipped.
pub fn run_checks(
    plan: &CheckPlan,
    stop: &AtomicBool,
    on_result: &mut dyn FnMut(&CaseResult),
) -> Result<Vec<CaseResult>, CheckError> {
    let (tx, rx) = mpsc::channel::<CaseResult>();
    let outcome = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("tfw-check".into())
            .spawn_scoped(scope, move || run_on_thread(plan, stop, tx))
            .map_err(|e| CheckError::Thread(e.to_string()))?;
        let mut results = Vec::new();
        for r in rx {
            on_result(&r);
            results.push(r);
        }
        worker
            .join()
            .map_err(|_| CheckError::Thread("the checker thread panicked".into()))??;
        Ok::<_, CheckError>(results)
    });
    let mut results = outcome?;
    let order = |r: &CaseResult| plan.cases.iter().position(|c| c.name == r.name);
    results.sort_by_key(order);
    Ok(results)
}

fn run_on_thread(
    plan: &CheckPlan,
    stop: &AtomicBool,
    tx: mpsc::Sender<CaseResult>,
) -> Result<(), CheckError> {
    if let Some(cpu) = plan.cpu {
        if !core_affinity::set_for_current(core_affinity::CoreId { id: cpu }) {
            return Err(CheckError::Pin(cpu));
        }
    }
    // One checker thread with few connections: a small ring.
    let cfg = UringConfig {
        sq_entries: 256,
        cq_entries: 1024,
        buffers: 256,
        buf_size: 16 * 1024,
        ..UringConfig::default()
    };
    let (backend, _) = make_backend(plan.io, &cfg).map_err(CheckError::Ring)?;
    backend.run(Checks { plan, stop, tx })
}

/// The loop as `OnBackend`, for whichever backend was set up.
struct Checks<'a> {
    plan: &'a CheckPlan,
    stop: &'a AtomicBool,
    tx: mpsc::Sender<CaseResult>,
}

impl OnBackend for Checks<'_> {
    type Output = Result<(), CheckError>;

    fn run<B: Backend>(self, mut io: B) -> Self::Output {
        let mut lp = engine::Loop::new(self.plan, &mut io)?;
        let tx = self.tx;
        lp.run(&mut io, self.stop, &mut |r| {
            let _ = tx.send(r);
        })
    }
}
