//! The exit statuses of tfw-bench, one place for all subcommands.

/// The run was done but failed: errors were counted with `--fail-on-errors`, or no TLS
/// handshake succeeded.
pub const FAILED: i32 = 1;
/// `regress`: a metric got worse.
pub const REGRESSED: i32 = 1;
/// A run cannot start or a setup is broken (bad input, unreachable target, limits, no
/// connection could be established).
pub const SETUP: i32 = 2;
/// Stopped by SIGINT/SIGTERM (a second signal ends the process at once, with this status too).
pub const INTERRUPTED: i32 = 130;
