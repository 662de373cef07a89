//! Expectations: decides, from a case's transcript alone, when an `Expect` step's subject
//! exists and whether it satisfies its checks. Pure functions the event loop calls after
//! every event of the case (`evaluate`), when the case's deadline passes (`expire`), and to
//! know when time alone may change the answer (`wake_at`).
//!
//! Peers are named in failures by their names in the plan, indexes are those of the check
//! file (from 0): "response 2 of client h2: header content-type".

mod checks;
mod state;
mod subject;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_events;

use std::time::Duration;

use super::plan::{Expectation, Subject};
use super::transcript::{Failure, Transcript};

pub use checks::code_text;
pub use state::{Ctx, Cursors, Verdict};
pub use subject::{frame_name, frame_text};

/// Called after every event of the case while the step waits; decides when the subject
/// exists. A subject that can no longer come (the connection it would arrive on is closed)
/// is decided at once rather than at the deadline.
pub fn evaluate(
    step: &str,
    exp: &Expectation,
    t: &Transcript,
    cur: &mut Cursors,
    cx: &Ctx,
) -> Verdict {
    match subject::evaluate(exp, t, cur, cx) {
        None => Verdict::Wait,
        Some(misses) => Verdict::Done(
            misses
                .into_iter()
                .map(|(what, expected, got)| Failure {
                    step: step.to_string(),
                    what,
                    expected,
                    got,
                })
                .collect(),
        ),
    }
}

/// The case's deadline passed while waiting: the failures to report (Got::Nothing with what
/// did come).
pub fn expire(
    step: &str,
    exp: &Expectation,
    t: &Transcript,
    cur: &Cursors,
    cx: &Ctx,
) -> Vec<Failure> {
    subject::expired(exp, t, cur, cx)
        .into_iter()
        .map(|(what, expected, got)| Failure {
            step: step.to_string(),
            what,
            expected,
            got,
        })
        .collect()
}

/// The earliest `now` at which evaluate may change its answer without a new event (Silence,
/// BackendCount settle).
pub fn wake_at(exp: &Expectation, _t: &Transcript, cx: &Ctx) -> Option<Duration> {
    match exp.subject {
        Subject::Silence { duration, .. } => Some(cx.step_started + duration),
        Subject::BackendCount { settle, .. } => Some(cx.step_started + settle),
        _ => None,
    }
}
