//! Expectations: decides, from a case's transcript alone, when an `Expect` step's subject
//! exists and whether it satisfies its checks. Pure functions the event loop calls after
//! every event of the case (`evaluate`), when the case's deadline passes (`expire`), and to
//! know when time alone may change the answer (`wake_at`).

use std::time::Duration;

use super::plan::{CasePlan, CheckPlan, Expectation};
use super::transcript::{Failure, Transcript};

/// The next unread response per client id and request per backend id: where a subject
/// without an index (`None`) reads from. Grows on demand.
#[derive(Default, Clone, Debug)]
pub struct Cursors {
    pub responses: Vec<usize>,
    pub requests: Vec<usize>,
}

/// What an expectation needs besides the transcript: the plan (peer names, profile), the
/// time now and when the step began waiting (both from the case's start).
pub struct Ctx<'a> {
    pub plan: &'a CheckPlan,
    pub case: &'a CasePlan,
    pub now: Duration,
    pub step_started: Duration,
}

/// The answer of `evaluate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The subject is not there yet.
    Wait,
    /// Checked: these failed (empty: passed).
    Done(Vec<Failure>),
}

/// Called after every event of the case while the step waits; decides when the subject exists.
pub fn evaluate(
    _step: &str,
    _exp: &Expectation,
    _t: &Transcript,
    _cur: &mut Cursors,
    _cx: &Ctx,
) -> Verdict {
    Verdict::Wait
}

/// The case's deadline passed while waiting: the failures to report (Got::Nothing with what did come).
pub fn expire(
    _step: &str,
    _exp: &Expectation,
    _t: &Transcript,
    _cur: &Cursors,
    _cx: &Ctx,
) -> Vec<Failure> {
    Vec::new()
}

/// The earliest `now` at which evaluate may change its answer without a new event (Silence, BackendCount settle).
pub fn wake_at(_exp: &Expectation, _t: &Transcript, _cx: &Ctx) -> Option<Duration> {
    None
}
