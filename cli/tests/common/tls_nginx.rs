//! For the `handshake` tests: the shared nginx (common/nginx.rs) and a runner for
//! `tfw-bench handshake --json`.

use super::{run, tmp_json, Out};
use serde_json::Value;

/// Runs `handshake` with `args` plus `--json`; returns the process and the document (Null
/// when none was written).
pub fn handshake(args: &[&str], name: &str) -> (Out, Value) {
    let json = tmp_json(name);
    let js = json.to_str().unwrap().to_string();
    let mut all = vec!["handshake", "-q", "--json", &js];
    all.extend_from_slice(args);
    let out = run(&all);
    let doc = std::fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let _ = std::fs::remove_file(&json);
    (out, doc)
}
