//! Hooks for the binary's own tests, compiled only with the `test-hooks` feature: the tests'
//! build enables it (the package dev-depends on itself with that feature, see Cargo.toml);
//! `cargo build` and `cargo install` leave it out.
//!
//! With `TFW_BENCH_TEST_PAUSE_IN_WRITE=N` in the environment, `regress`'s N-th stored run
//! prints `test-hook: paused inside the write of run N` on stdout and sleeps for up to 60 s
//! inside its transaction, so a test can kill -9 the process in the middle of a write.

use std::io::Write;
use std::time::Duration;

const PAUSE_IN_WRITE: &str = "TFW_BENCH_TEST_PAUSE_IN_WRITE";

/// Called inside the transaction that stores run `n` (1-based, in the order stored).
pub fn pause_in_write(n: u64) {
    let at: Option<u64> = std::env::var(PAUSE_IN_WRITE)
        .ok()
        .and_then(|v| v.parse().ok());
    if at == Some(n) {
        println!("test-hook: paused inside the write of run {n}");
        let _ = std::io::stdout().flush();
        std::thread::sleep(Duration::from_secs(60));
    }
}
