//! The functional checker's report (`tfw-bench check`): one line per case, a failure report
//! with a diff and the exchange that led there, and the last summary line. Pure printers.

use tfw_engine::check::{CaseResult, CheckPlan};

/// "PASS name (12 ms)" / "FAIL name (12 ms)" / "SKIP name: reason".
pub fn case_line(_r: &CaseResult) -> String {
    String::new()
}

/// Every failure of a failed case: what, expected, got (a diff, bytes escaped around the
/// first difference), then the exchange (what was sent, what came, per connection, capped).
pub fn failure_report(_r: &CaseResult, _plan: &CheckPlan) -> String {
    String::new()
}

/// "N passed, N failed" + ", N skipped" when any.
pub fn summary_line(_results: &[CaseResult]) -> String {
    String::new()
}
