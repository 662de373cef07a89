//! Printers for the target of a test-bed: its counters (a reading, and before/after deltas),
//! kernel-log findings, status. Pure functions of `tfw_testbed`'s types, so that
//! `tfw-bench remote`, the run summaries (`stress --testbed`, ...) and the tests print the
//! same thing.
//!
//! - [`counters`]: a reading and the before/after table, as text.
//! - [`findings`]: kernel-log findings and the target's status, as text.
//! - [`json`]: the same as JSON objects (`remote --json`, the run document's `target` field).

mod counters;
mod findings;
mod json;

pub use counters::{counters_text, delta_text, delta_text_titled};
pub use findings::{findings_text, status_text};
pub use json::{counters_json, delta_json, mark_json, scan_json, status_json};
