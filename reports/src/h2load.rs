//! h2load's result lines (`--summary h2load`), so scripts that read h2load's output (Tempesta's
//! test-bed does) keep working on tfw-bench runs:
//!
//! ```text
//! requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, 0 errored, 0 timeout
//! status codes: 1000 2xx, 0 3xx, 0 4xx, 0 5xx
//! ```
//!
//! The meanings follow h2load's: succeeded are 2xx and 3xx responses; failed are the other
//! responses plus the errored requests; errored are requests that ended without a response
//! (h2load counts per stream; tfw-bench counts per event, so a connection lost with several
//! requests in flight is one); timeout are requests without a response in time.

use tfw_engine::result::RunResult;
use tfw_engine::stats::ErrorKind;

/// h2load's request counts and status classes of a run (the figures of its `requests:` and
/// `status codes:` lines).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub total: u64,
    pub started: u64,
    pub done: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub errored: u64,
    pub timeout: u64,
    /// Responses by class: 2xx, 3xx, 4xx, 5xx.
    pub classes: [u64; 4],
}

impl RequestCounts {
    /// The counts of `r`; `asked` is `-n` when given.
    pub fn of(r: &RunResult, asked: Option<u64>) -> RequestCounts {
        let c = &r.totals.counters;
        let class = |lo: u16| -> u64 {
            c.status
                .iter()
                .filter(|&&(code, _)| code >= lo && code < lo + 100)
                .map(|&(_, n)| n)
                .sum()
        };
        let classes = [class(200), class(300), class(400), class(500)];
        let succeeded = classes[0] + classes[1];
        let errored: u64 = ErrorKind::ALL
            .iter()
            .filter(|&&k| k != ErrorKind::Connect)
            .map(|&k| c.error(k))
            .sum();
        let done = c.responses + errored;
        RequestCounts {
            total: asked.unwrap_or(c.requests).max(done),
            started: c.requests,
            done,
            succeeded,
            failed: c.responses.saturating_sub(succeeded) + errored,
            errored,
            timeout: c.error(ErrorKind::Timeout),
            classes,
        }
    }

    /// The `requests:` and `status codes:` lines.
    pub fn lines(&self) -> String {
        let [s2, s3, s4, s5] = self.classes;
        format!(
            "requests: {} total, {} started, {} done, {} succeeded, {} failed, {} errored, \
             {} timeout\nstatus codes: {s2} 2xx, {s3} 3xx, {s4} 4xx, {s5} 5xx\n",
            self.total,
            self.started,
            self.done,
            self.succeeded,
            self.failed,
            self.errored,
            self.timeout,
        )
    }
}

/// h2load's `requests:` and `status codes:` lines for `r`; `asked` is `-n` when given.
pub fn h2load_lines(r: &RunResult, asked: Option<u64>) -> String {
    RequestCounts::of(r, asked).lines()
}
