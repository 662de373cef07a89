//! Warnings that tell a user when a run's figures describe tfw-bench rather than the target:
//! a saturated worker, or an open-loop schedule that was not kept. Pure functions of the
//! result, shared by the text summary and the JSON document.

use crate::units::format_time_us;
use tfw_engine::result::RunResult;

/// Share of requests sent late (or never) above which an open-loop run warns.
const LATE_SHARE: f64 = 0.01;
/// Schedule lag above which an open-loop run warns (µs).
const LAG_US: u64 = 10_000;

/// One line per problem; empty when the run describes the target.
pub fn warnings(r: &RunResult) -> Vec<String> {
    let mut out = Vec::new();
    for w in r.saturated_workers() {
        out.push(format!(
            "worker on CPU {} was busy {:.0}% of the run: it was saturated, so the figures may \
             describe tfw-bench rather than the target (use more threads or fewer connections)",
            w.cpu,
            w.busy * 100.0
        ));
    }
    if let Some(rate) = &r.rate {
        let c = &r.totals.counters;
        let behind = c.late + rate.unsent;
        let asked = (c.requests + rate.unsent).max(1);
        let lag_growing = lag_grows(r);
        if behind as f64 > LATE_SHARE * asked as f64 || c.max_lag_us > LAG_US || lag_growing {
            out.push(format!(
                "the schedule of {:.0} requests/s was not kept: sent {:.1}/s, {} late (over 1ms \
                 behind), {} never sent, schedule lag up to {}{} — the target or the client \
                 could not keep up",
                rate.target_rps,
                r.sent_rps(),
                c.late,
                rate.unsent,
                format_time_us(c.max_lag_us as f64),
                if lag_growing { " and growing" } else { "" }
            ));
        }
    }
    out
}

/// The schedule lag rose over the last three intervals, ending above the warning level.
fn lag_grows(r: &RunResult) -> bool {
    let lags: Vec<u64> = r
        .intervals
        .iter()
        .map(|i| i.snapshot.counters.max_lag_us)
        .collect();
    lags.len() >= 3
        && lags[lags.len() - 3..].windows(2).all(|w| w[1] > w[0])
        && lags[lags.len() - 1] > LAG_US
}
