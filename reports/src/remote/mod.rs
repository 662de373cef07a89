//! Printers for the target of a test-bed: its counters (a reading, and before/after deltas),
//! kernel-log findings, status. Pure functions of `tfw_testbed`'s types.
//!
//! OWNER: helper "remote-cli" (H4).

use tfw_testbed::counters::{Counters, Delta};
use tfw_testbed::kernel_log::Scan;

/// One reading, a line per entry, then the unknown lines.
pub fn counters_text(c: &Counters) -> String {
    let _ = c;
    todo!("H4")
}

/// A table of before, after and delta per counter (only the counters that changed, and the
/// gauges' before/after), with a title line naming the source.
pub fn delta_text(d: &[Delta]) -> String {
    let _ = d;
    todo!("H4")
}

/// The findings, a line each (with the call-trace lines indented), or one "no findings" line.
pub fn findings_text(s: &Scan) -> String {
    let _ = s;
    todo!("H4")
}
