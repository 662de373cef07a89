//! The state an expectation is evaluated in: the case's read cursors, the context (plan, time)
//! and the verdict. Apart from `expect` so its submodules use them without importing it back.

use std::time::Duration;

use crate::check::plan::{CasePlan, CheckPlan};
use crate::check::transcript::Failure;

/// The next unread response per client id and request per backend id: where a subject
/// without an index (`None`) reads from. Grows on demand.
#[derive(Default, Clone, Debug)]
pub struct Cursors {
    pub responses: Vec<usize>,
    pub requests: Vec<usize>,
}

impl Cursors {
    pub(super) fn get(v: &[usize], id: usize) -> usize {
        v.get(id).copied().unwrap_or(0)
    }

    /// Marks everything up to `index` of `v[id]` as read.
    pub(super) fn advance(v: &mut Vec<usize>, id: usize, index: usize) {
        if v.len() <= id {
            v.resize(id + 1, 0);
        }
        v[id] = v[id].max(index + 1);
    }
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
