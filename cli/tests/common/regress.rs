//! `tfw-bench regress` on a matrix of the test's own, in a fresh directory: the helpers the
//! `regress`, `history` and `regress_setups` tests share (the summary's rows and verdicts too).

use super::{run, Out};
use std::path::{Path, PathBuf};

/// A fresh directory for one test.
pub fn tmp_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("regress-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `regress` with the matrix, history and output directory of `dir`, plus `extra`.
pub fn regress(dir: &Path, matrix: &Path, out: &str, extra: &[&str]) -> Out {
    let db = dir.join("history.db");
    let out = dir.join(out);
    let mut args = vec![
        "regress",
        "--matrix",
        s(matrix),
        "--history",
        s(&db),
        "--out",
        s(&out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The summary row of `scenario`/`metric`: its cells.
pub fn row<'a>(summary: &'a str, scenario: &str, metric: &str) -> Vec<&'a str> {
    summary
        .lines()
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
        .find(|c| c.len() > 3 && c[1] == scenario && c[2] == metric)
        .unwrap_or_else(|| panic!("no row {scenario}/{metric} in\n{summary}"))
}

pub fn verdict<'a>(summary: &'a str, scenario: &str, metric: &str) -> &'a str {
    row(summary, scenario, metric)[7].trim_matches('*')
}

/// One closed-loop HTTP/1.1 scenario: 4 connections, 6 repeats of 1 s, against the built-in
/// target answering after `delay`.
///
/// The baseline runs use a 1 ms delay, so what is measured is dominated by the target's
/// timer rather than by CPU time. The regression is a 5 ms delay: requests/s at most
/// 4 / 5 ms = 800 against ~2,700 (−70 %), p50 above 5 ms against ~1.2 ms (+300 %). The
/// minimum effect sits far below that: 50 %, and 200 % for the p99 tail.
pub fn matrix(delay: &str) -> String {
    format!(
        "[compare]\nalpha = 0.05\nmin_effect = 0.5\nmin_effect_by_metric = {{ p99_us = 2.0 }}\n\n\
         [[scenario]]\nname = \"h1\"\nconnections = 4\nduration = \"1s\"\nrepeats = 6\ndelay = \"{delay}\"\n"
    )
}
