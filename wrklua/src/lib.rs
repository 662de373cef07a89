//! wrk's Lua scripting API for tfw-bench's `wrk` personality. (Contract only: the
//! implementation lands with the Lua state behind it.)

use hdrhistogram::Histogram;
use std::path::Path;
use std::sync::Arc;
use tfw_engine::script::{ScriptFactory, ScriptWants};
use thiserror::Error;

/// A script that cannot be loaded or failed: the message as wrk prints it (with the file
/// and line of a Lua error).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct LuaError(pub String);

/// What the script's `wrk` table starts with (wrk's `wrk.scheme`, `wrk.host`, `wrk.port`,
/// `wrk.path`, `wrk.headers` from `-H`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptTarget {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Path and query, e.g. "/index.html?a=1".
    pub path: String,
    /// `-H` headers in order.
    pub headers: Vec<(String, String)>,
}

/// wrk's `summary` table for `done()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Run duration in microseconds.
    pub duration_us: u64,
    pub requests: u64,
    pub bytes: u64,
    pub errors: SummaryErrors,
}

/// wrk's `summary.errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SummaryErrors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    /// Responses with a status above 399.
    pub status: u64,
    pub timeout: u64,
}

/// A loaded script: the main state (where `setup` and `done` run) and what each worker's
/// state is made from.
pub struct WrkScript {
    _private: (),
}

impl WrkScript {
    /// Loads `path` for a run of `threads` threads against `target`; `args` are the
    /// arguments after the URL (`init(args)`). Calls `setup(thread)` once per thread.
    pub fn load(
        path: &Path,
        target: &ScriptTarget,
        args: &[String],
        threads: usize,
    ) -> Result<WrkScript, LuaError> {
        let _ = (path, target, args, threads);
        Err(LuaError(
            "Lua scripts are not available in this build".into(),
        ))
    }

    /// Which hooks the script has (`request`, `response`, `delay`).
    pub fn wants(&self) -> ScriptWants {
        ScriptWants::default()
    }

    /// Requests per batch (wrk's pipeline depth: how many requests one `request()` returns).
    pub fn pipeline(&self) -> u32 {
        1
    }

    /// The batch every connection sends when the script has no `request()`: `wrk.format()`
    /// after `init(args)`, built once; with one flag per request (true for HEAD).
    pub fn static_request(&self) -> Result<(Vec<u8>, Vec<bool>), LuaError> {
        Err(LuaError(
            "Lua scripts are not available in this build".into(),
        ))
    }

    /// The per-worker scripts, for the plan (needed when `wants()` has any hook).
    pub fn factory(&self) -> Arc<dyn ScriptFactory> {
        unimplemented!("contract only")
    }

    /// Calls `done(summary, latency, requests)` when the script has it (its `print`s go to
    /// stdout); `latency` in microseconds, `requests` the per-thread requests/s samples.
    pub fn done(
        &self,
        summary: &Summary,
        latency: &Histogram<u64>,
        requests: &Histogram<u64>,
    ) -> Result<(), LuaError> {
        let _ = (summary, latency, requests);
        Ok(())
    }
}
