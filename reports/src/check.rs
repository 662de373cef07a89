//! The functional checker's report (`tfw-bench check`): one line per case, a failure report
//! with a diff and the exchange that led there, and the last summary line. Pure printers:
//! the binary prints what they return.

mod escape;
mod exchange;
#[cfg(test)]
mod tests;

use tfw_engine::check::{CaseResult, CheckPlan, Failure, Got, Outcome};

pub use escape::escape;

/// "PASS name (12 ms)" / "FAIL name (12 ms)" / "SKIP name: reason".
pub fn case_line(r: &CaseResult) -> String {
    let ms = r.elapsed.as_millis();
    match &r.outcome {
        Outcome::Passed => format!("PASS {} ({ms} ms)", r.name),
        Outcome::Failed(_) => format!("FAIL {} ({ms} ms)", r.name),
        Outcome::Skipped(why) => format!("SKIP {}: {why}", r.name),
    }
}

/// Every failure of a failed case: what, expected, got (a diff, bytes escaped around the
/// first difference), then the exchange (what was sent, what came, per connection, capped).
/// Empty for a case that did not fail.
pub fn failure_report(r: &CaseResult, plan: &CheckPlan) -> String {
    let Outcome::Failed(failures) = &r.outcome else {
        return String::new();
    };
    let mut out = format!("--- {} ({})\n", r.name, r.file);
    for f in failures {
        failure(f, &mut out);
    }
    out.push_str("  exchange:\n");
    exchange::exchange(&r.transcript, plan, &mut out);
    out
}

/// "N passed, N failed" + ", N skipped" when any.
pub fn summary_line(results: &[CaseResult]) -> String {
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    let passed = count(|o| matches!(o, Outcome::Passed));
    let failed = count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
    let mut s = format!("{passed} passed, {failed} failed");
    if skipped > 0 {
        s.push_str(&format!(", {skipped} skipped"));
    }
    s
}

/// Bytes shown either side of the first difference.
const BEFORE: usize = 24;
const AFTER: usize = 48;
/// "expected: " and "got:      ": the values start in the same column.
const LABEL: usize = 10;
/// Values up to this long are shown whole (a reason, a header value); longer ones (bodies,
/// heads) as a window around the first difference.
const WHOLE: usize = 160;

fn failure(f: &Failure, out: &mut String) {
    // Steps of the case's list are numbers ("step 3"); setup and cleanup name themselves.
    let step = if f.step.bytes().all(|b| b.is_ascii_digit()) {
        format!("step {}", f.step)
    } else {
        f.step.clone()
    };
    out.push_str(&format!("  {step}: {}\n", f.what));
    let expected = f.expected.as_bytes();
    let got: &[u8] = match &f.got {
        Got::Nothing(came) => {
            out.push_str(&format!("    expected: {}\n", escape(expected)));
            out.push_str(&format!("    got:      nothing ({came})\n"));
            return;
        }
        Got::Text(s) => s.as_bytes(),
        Got::Bytes(b) => b,
    };
    let at = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    let whole = expected.len().max(got.len()) <= WHOLE;
    let start = if whole { 0 } else { at.saturating_sub(BEFORE) };
    let after = if whole { WHOLE } else { AFTER };
    let (e_line, col) = window(expected, start, at, after);
    let (g_line, _) = window(got, start, at, after);
    out.push_str(&format!("    expected: {e_line}\n"));
    out.push_str(&format!("    got:      {g_line}\n"));
    if at > 0 {
        let mut note = format!("^ differs at byte {at}");
        if expected.len() != got.len() {
            note.push_str(&format!(
                " (expected {} bytes, got {})",
                expected.len(),
                got.len()
            ));
        }
        out.push_str(&format!("    {}{note}\n", " ".repeat(LABEL + col)));
    }
}

/// The escaped bytes from `start` to `at + after`, with "..." where cut, and the column
/// (in the escaped text) of byte `at`.
fn window(bytes: &[u8], start: usize, at: usize, after: usize) -> (String, usize) {
    let end = bytes.len().min(at + after);
    let start = start.min(end);
    let mut s = String::new();
    if start > 0 {
        s.push_str("...");
    }
    let col = s.len() + escape(&bytes[start..at.min(end)]).len();
    s.push_str(&escape(&bytes[start..end]));
    if end < bytes.len() {
        s.push_str(&format!("... ({} more bytes)", bytes.len() - end));
    }
    (s, col)
}
