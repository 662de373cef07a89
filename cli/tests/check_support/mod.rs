//! Helpers of the `tfw-bench check` tests (cli/tests/check*.rs): check files written to a
//! temporary directory, runs of `check` with a time limit of their own (the smoke pack with
//! -T 1 sends every byte on its own), and the report's summary line read back.

#![allow(dead_code)]

use crate::common::{spawn, Out, Running};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A `check` run still going after this long is a hang: killed, the test fails.
pub const CHECK_LIMIT: Duration = Duration::from_secs(300);

/// Writes a check file `STEM.toml` into a directory of its own (its stem names its cases).
pub fn check_file(stem: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("check-{stem}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{stem}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `tfw-bench check ARGS` to its end (killed after `CHECK_LIMIT`).
pub fn check(args: &[&str]) -> Out {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    finish_within(spawn(&all), CHECK_LIMIT)
}

/// Waits for a spawned run (killing it and failing the test after `limit`).
pub fn finish_within(mut r: Running, limit: Duration) -> Out {
    let start = Instant::now();
    loop {
        if r.child.try_wait().expect("try_wait").is_some() {
            return r.finish();
        }
        if start.elapsed() > limit {
            let _ = r.child.kill();
            let out = r.finish();
            panic!(
                "tfw-bench check ran longer than {limit:?}: killed\n{}",
                out.show()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The summary line's counts: (passed, failed, skipped).
pub fn summary(out: &Out) -> (usize, usize, usize) {
    let line = out
        .stdout
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line\n{}", out.show()));
    let mut counts = (0, 0, 0);
    for part in line.split(", ") {
        let mut it = part.split_whitespace();
        let n: usize = it.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
            panic!("bad summary line {line:?}");
        });
        match it.next() {
            Some("passed") => counts.0 = n,
            Some("failed") => counts.1 = n,
            Some("skipped") => counts.2 = n,
            _ => panic!("bad summary line {line:?}"),
        }
    }
    counts
}

/// A free loopback port (bound, then released) as "127.0.0.1:PORT".
pub fn free_addr() -> String {
    format!("127.0.0.1:{}", crate::common::closed_port())
}
