//! Shared by the tfw-wrklua tests: scripts written to temporary files (as tempesta-test keeps
//! its wrk scripts in files), a target on loopback, and helpers that drive a worker's hooks
//! directly (the engine is not needed to call them).

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use tfw_engine::script::WorkerScript;
use tfw_wrklua::{LuaError, ScriptTarget, WrkScript};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Writes `source` to a fresh file named `name` and returns its path.
pub fn script_file(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wrklua-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, source).expect("write script");
    path
}

/// A target on 127.0.0.1:`port` with path "/".
pub fn target(port: u16) -> ScriptTarget {
    ScriptTarget {
        scheme: "http".into(),
        host: "127.0.0.1".into(),
        port,
        path: "/".into(),
        headers: Vec::new(),
    }
}

/// Loads `source` (as `name`) for `threads` threads against 127.0.0.1:8080.
pub fn load(name: &str, source: &str, threads: usize) -> Result<WrkScript, LuaError> {
    WrkScript::load(&script_file(name, source), &target(8080), &[], threads)
}

/// Loads a script that must load.
pub fn loaded(name: &str, source: &str, threads: usize) -> WrkScript {
    load(name, source, threads).unwrap_or_else(|e| panic!("{name} did not load: {e}"))
}

/// One batch from a worker: its bytes (as text) and HEAD flags.
pub fn batch(worker: &mut dyn WorkerScript) -> (String, Vec<bool>) {
    let (mut out, mut heads) = (Vec::new(), Vec::new());
    worker.request(&mut out, &mut heads).expect("request()");
    (String::from_utf8(out).expect("utf-8 request"), heads)
}

/// The request lines ("METHOD PATH HTTP/1.1") of a batch, in order.
pub fn request_lines(batch: &str) -> Vec<String> {
    batch
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| l.ends_with(" HTTP/1.1"))
        .map(str::to_string)
        .collect()
}

/// The value of header `name` in the first request of `batch`.
pub fn header<'a>(batch: &'a str, name: &str) -> Option<&'a str> {
    let head = batch.split("\r\n\r\n").next()?;
    head.split("\r\n").skip(1).find_map(|l| {
        let (n, v) = l.split_once(": ")?;
        n.eq_ignore_ascii_case(name).then_some(v)
    })
}
