//! The kernel log since a mark, scanned for what fails a Tempesta test: Oops, WARNING, BUG,
//! ERROR lines and call traces, minus an ignore list (tempesta-test's dmesg checks).
//!
//! OWNER: helper "target" (H3).

/// What kind of trouble a line shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Kind {
    Oops,
    Warning,
    Bug,
    Error,
    CallTrace,
}

/// One finding: its kind and the line (with the lines of its call trace, if any).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub line: String,
}

/// The scan of a log: findings, and how many matching lines the ignore list dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scan {
    pub findings: Vec<Finding>,
    pub ignored: usize,
}

/// Scans `log` (kernel log text since the mark); `ignore` are regular expressions.
pub fn scan(log: &str, ignore: &[String]) -> Result<Scan, String> {
    let _ = (log, ignore);
    todo!("H3")
}
