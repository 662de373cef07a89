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

/// h2load's `requests:` and `status codes:` lines for `r`; `asked` is `-n` when given.
pub fn h2load_lines(r: &RunResult, asked: Option<u64>) -> String {
    let c = &r.totals.counters;
    let class = |lo: u16| -> u64 {
        c.status
            .iter()
            .filter(|&&(code, _)| code >= lo && code < lo + 100)
            .map(|&(_, n)| n)
            .sum()
    };
    let (s2, s3, s4, s5) = (class(200), class(300), class(400), class(500));
    let succeeded = s2 + s3;
    let errored: u64 = ErrorKind::ALL
        .iter()
        .filter(|&&k| k != ErrorKind::Connect)
        .map(|&k| c.error(k))
        .sum();
    let failed = c.responses - succeeded + errored;
    let done = c.responses + errored;
    let total = asked.unwrap_or(c.requests).max(done);
    format!(
        "requests: {total} total, {} started, {done} done, {succeeded} succeeded, {failed} failed, \
         {errored} errored, {} timeout\nstatus codes: {s2} 2xx, {s3} 3xx, {s4} 4xx, {s5} 5xx\n",
        c.requests,
        c.error(ErrorKind::Timeout),
    )
}
