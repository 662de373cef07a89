//! Request scripts: the engine's side of a scripting layer it does not know (wrk's Lua
//! `request()`, `response()` and `delay()`, implemented in the `tfw-wrklua` crate).
//!
//! A plan that carries a [`ScriptFactory`] asks it for one [`WorkerScript`] per worker, made
//! in that worker's thread and never leaving it (wrk has one Lua state per thread). A plan
//! without one never calls into a script: the hot path stays as it is. Scripts speak
//! HTTP/1.1 only (as wrk does).

use std::fmt;
use std::time::Duration;
use thiserror::Error;

/// A script's failure (a Lua error with its line, a malformed request): the run stops and
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct ScriptError(pub String);

/// Which of the hooks a script has; the same for every worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScriptWants {
    /// `request()`: each batch of requests comes from the script (otherwise the plan's
    /// requests are sent, built once).
    pub request: bool,
    /// `response()`: every response is handed over whole (status, fields, body).
    pub response: bool,
    /// `delay()`: asked before each batch is sent.
    pub delay: bool,
}

/// Makes the per-worker scripts. Shared by the workers' threads.
pub trait ScriptFactory: Send + Sync + fmt::Debug {
    /// What the scripts do.
    fn wants(&self) -> ScriptWants;

    /// The script of worker `index` (of `workers`), called in that worker's thread before
    /// it connects.
    fn worker(&self, index: usize, workers: usize) -> Result<Box<dyn WorkerScript>, ScriptError>;
}

/// One worker's script. Lives in its worker's thread.
pub trait WorkerScript {
    /// Appends the next batch of requests (complete HTTP/1.1 requests, pipelined when more
    /// than one) to `out`, and one entry per request to `heads` (true for a HEAD request,
    /// whose response has no body). A batch of none is an error.
    fn request(&mut self, out: &mut Vec<u8>, heads: &mut Vec<bool>) -> Result<(), ScriptError>;

    /// A complete response: its status, header fields in order, and body (chunked coding
    /// removed).
    fn response(
        &mut self,
        status: u16,
        headers: &[(&[u8], &[u8])],
        body: &[u8],
    ) -> Result<(), ScriptError>;

    /// How long to wait before the next batch is sent on a connection.
    fn delay(&mut self) -> Result<Duration, ScriptError>;

    /// The run is over (called in the worker's thread before it ends, also after an
    /// interruption): the script hands on what it keeps (wrk's `thread:get`).
    fn finish(&mut self);
}
