//! The drop-in personalities' printers: wrk's, ab's, h2load's and tls-perf's output, in their
//! words and layout, from tfw-bench's own figures. Pure functions of a result.

pub mod ab;
pub mod h2load;
pub mod tls_perf;
pub mod wrk;

/// The printers' unit tests' run: `totals` and `intervals` over `elapsed`, against
/// http://127.0.0.1:8080/ on 4 connections, HTTP/1.1, nothing else of note.
#[cfg(test)]
pub(crate) fn test_run(
    totals: tfw_engine::stats::Snapshot,
    elapsed: std::time::Duration,
    intervals: Vec<tfw_engine::result::Interval>,
) -> tfw_engine::result::RunResult {
    use tfw_engine::result::{CpuUsage, IoInfo, RunResult};
    RunResult {
        target: "http://127.0.0.1:8080/".into(),
        elapsed,
        conns_requested: 4,
        conns_established: 4,
        totals,
        intervals,
        io: IoInfo::default(),
        cpu: CpuUsage::default(),
        workers: Vec::new(),
        pipeline: 1,
        interrupted: false,
        unanswered: 0,
        first_connect_error: None,
        rate: None,
        warmup: std::time::Duration::ZERO,
        protocol: "http/1.1",
        tls_negotiated: None,
        script_error: None,
    }
}
