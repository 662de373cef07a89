//! A target's counters as one flat list of named values (from Tempesta's perfstat or nginx's
//! stub_status), and the difference of two readings: what a run did to the target.
//!
//! OWNER: helper "target" (H3).

/// One counter.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Stable name, lower_snake_case (`ss_pfl_hits`, `requests`, ...).
    pub name: String,
    pub value: u64,
    /// True for a monotonic counter (its delta means something), false for a gauge
    /// (response time min/avg/max, connections active now).
    pub counter: bool,
}

/// One reading.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// "perfstat" or "stub_status".
    pub source: String,
    pub entries: Vec<Entry>,
    /// Lines not understood, kept as they were.
    pub unknown: Vec<String>,
}

/// One counter's before and after.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Delta {
    pub name: String,
    pub before: Option<u64>,
    pub after: Option<u64>,
    /// after - before, for counters present in both readings.
    pub delta: Option<i64>,
    pub counter: bool,
}

/// The differences of `after` from `before`, in `after`'s order (then names only in `before`).
pub fn delta(before: &Counters, after: &Counters) -> Vec<Delta> {
    let _ = (before, after);
    todo!("H3")
}

/// nginx's stub_status page (`Active connections: ...`).
pub fn parse_stub_status(text: &str) -> Result<Counters, String> {
    let _ = text;
    todo!("H3")
}
