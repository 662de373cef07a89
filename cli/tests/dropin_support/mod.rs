//! Shared by the h2load and tls-perf drop-in tests: running the real tool (bounded, like
//! tfw-bench in common/), and reading their output the way tempesta-test reads it.
//!
//! tempesta-test (github tempesta-tech/tempesta-test, commit
//! a646d14218f6097b172f339beb083909a5442d84) reads h2load's output in
//! tests/stress/test_clickhouse.py (`status codes: (\d*) 2xx, (\d*) 3xx, (\d*) 4xx, (\d*)
//! 5xx`, summed and compared with the server's access log) and asserts `" 0 2xx, "` is not in
//! it (tests/stress/test_stress.py, tests/reconf/*.py) with exit status 0.

#![allow(dead_code)]

use super::common::{self, Out};
use std::process::Command;

/// Runs `program` with `args` to its end (killed after common::LIMIT).
pub fn run_tool(program: &str, args: &[String]) -> Out {
    common::spawn_with(Command::new(program).args(args)).finish()
}

/// Runs `tfw-bench h2load ARGS`.
pub fn tfw_h2load(args: &[String]) -> Out {
    let mut all = vec!["h2load".to_string()];
    all.extend_from_slice(args);
    run_tool(common::bin(), &all)
}

/// The numbers after `prefix` on the line starting with it, in order, as
/// `prefix(\d+) word, (\d+) word, ...` reads them; None when no such line.
pub fn numbers_after(out: &str, prefix: &str) -> Option<Vec<u64>> {
    let line = out.lines().find(|l| l.starts_with(prefix))?;
    Some(
        line[prefix.len()..]
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect(),
    )
}

/// tempesta-test's reading of `status codes: N 2xx, N 3xx, N 4xx, N 5xx`: exactly four
/// numbers, each followed by its class.
pub fn status_codes(out: &str) -> [u64; 4] {
    let line = out
        .lines()
        .find(|l| l.starts_with("status codes: "))
        .unwrap_or_else(|| panic!("no status codes line:\n{out}"));
    let parts: Vec<&str> = line["status codes: ".len()..].split(", ").collect();
    assert_eq!(parts.len(), 4, "{line}");
    let mut n = [0; 4];
    for (i, (p, class)) in parts.iter().zip(["2xx", "3xx", "4xx", "5xx"]).enumerate() {
        let (num, word) = p.split_once(' ').unwrap_or_else(|| panic!("{line}"));
        assert_eq!(word, class, "{line}");
        n[i] = num.parse().unwrap_or_else(|_| panic!("{line}"));
    }
    n
}

/// `requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout`.
pub fn requests(out: &str) -> [u64; 7] {
    let line = out
        .lines()
        .find(|l| l.starts_with("requests: "))
        .unwrap_or_else(|| panic!("no requests line:\n{out}"));
    let parts: Vec<&str> = line["requests: ".len()..].split(", ").collect();
    let words = [
        "total",
        "started",
        "done",
        "succeeded",
        "failed",
        "errored",
        "timeout",
    ];
    assert_eq!(parts.len(), 7, "{line}");
    let mut n = [0; 7];
    for (i, (p, w)) in parts.iter().zip(words).enumerate() {
        let (num, word) = p.split_once(' ').unwrap_or_else(|| panic!("{line}"));
        assert_eq!(word, w, "{line}");
        n[i] = num.parse().unwrap_or_else(|_| panic!("{line}"));
    }
    n
}

/// Each line's words before its first digit: the layout without the figures.
pub fn shape(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| {
            let end = l.find(|c: char| c.is_ascii_digit()).unwrap_or(l.len());
            l[..end].trim_end().to_string()
        })
        .collect()
}

pub fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}
