//! The JSON run documents the drivers write (`stress --json`, `handshake --json`, the
//! personalities' `--tfw-json`): their metadata made one way (version, commit, start time,
//! settings) and the file written atomically (a reader never sees half a document).

use serde_json::Value;
use std::path::Path;
use std::time::SystemTime;
use tfw_engine::plan::HandshakePlan;
use tfw_engine::result::{HandshakeResult, RunResult};
use tfw_reports::handshake::HandshakeMeta;
use tfw_reports::json::Meta;

/// Seconds since the Unix epoch of `t` (0 when the clock is before it).
pub fn unix_s(t: SystemTime) -> f64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The load run document of `r`, begun at `started`, with the run's `settings`.
pub fn load_doc(r: &RunResult, settings: Value, started: SystemTime) -> Value {
    let meta = Meta {
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: option_env!("TFW_BENCH_COMMIT").map(str::to_string),
        settings,
        started_unix_s: unix_s(started),
    };
    tfw_reports::json::to_json(r, &meta)
}

/// The handshake run document of `r` under `plan`; `request_path` is `--request`'s path.
pub fn handshake_doc(
    r: &HandshakeResult,
    plan: &HandshakePlan,
    settings: Value,
    request_path: Option<String>,
    started: SystemTime,
) -> Value {
    let meta = HandshakeMeta {
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_unix_s: unix_s(started),
        target: plan.target_name.clone(),
        address: plan.target.to_string(),
        settings,
        request_path,
    };
    tfw_reports::handshake::to_json(r, &meta)
}

/// Writes `bytes` to `path` through a temporary file beside it, renamed into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Writes the document `doc` (pretty JSON) to `path`, atomically.
pub fn write_doc(path: &Path, doc: &Value) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(doc).map_err(std::io::Error::other)?;
    write_atomically(path, &bytes)
}
