//! The kernel-log mark: a unique line written to `/dev/kmsg` on the target host, and the
//! log after it. tempesta-test marks by time (`journalctl -k --since=@START`,
//! framework/helpers/dmesg.py) and writes its own lines with `echo ... > /dev/kmsg`
//! (framework/helpers/tf_cfg.py, `log_dmesg`); a line of our own needs no synchronised
//! clocks and no journald: `dmesg` after the line that holds the mark.

use super::{failed, LogMark, Target, TargetError};
use crate::host::Cmd;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// 16 hex digits, different on every call (std's per-process random keys, the time, a
/// counter).
fn random_hex() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(N.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

pub(super) fn mark(t: &mut Target) -> Result<LogMark, TargetError> {
    let line = format!("tfw-bench mark {}", random_hex());
    // The mark is an argument of the script, not part of it: nothing to quote by hand.
    let cmd = Cmd::new("sh")
        .arg("-c")
        .arg("printf '%s\\n' \"$1\" > /dev/kmsg")
        .arg("sh")
        .arg(&line);
    let out = t.run(&cmd)?;
    if out.status != 0 {
        return Err(t.err(failed("writing the kernel-log mark to /dev/kmsg", &out)));
    }
    Ok(LogMark(line))
}

/// The text after the last line holding `mark`; None when no line holds it.
pub(crate) fn after_mark<'a>(log: &'a str, mark: &str) -> Option<&'a str> {
    let at = log.rfind(mark)?;
    let rest = &log[at..];
    Some(match rest.find('\n') {
        Some(nl) => &rest[nl + 1..],
        None => "",
    })
}

/// The kernel log after `mark`, or, when the mark is gone, the whole log and false: a
/// mark that scrolled out of the ring buffer (or a cleared log) leaves only lines newer than
/// itself.
pub(super) fn since_or_all(t: &mut Target, mark: &LogMark) -> Result<(String, bool), TargetError> {
    let out = t.run(&Cmd::new("dmesg"))?;
    if out.status != 0 {
        return Err(t.err(failed("dmesg", &out)));
    }
    let log = String::from_utf8_lossy(&out.stdout);
    Ok(match after_mark(&log, &mark.0) {
        Some(rest) => (rest.to_string(), true),
        None => (log.into_owned(), false),
    })
}

pub(super) fn since(t: &mut Target, mark: &LogMark) -> Result<String, TargetError> {
    match since_or_all(t, mark)? {
        (rest, true) => Ok(rest),
        (_, false) => Err(t.err(format!(
            "the kernel-log mark \"{}\" is not in dmesg (the ring buffer may have wrapped, or the log was cleared)",
            mark.0
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_differ_and_cut_the_log() {
        let (a, b) = (random_hex(), random_hex());
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
        let log = "[1.0] before\n[2.0] tfw-bench mark ab\n[3.0] after 1\n[4.0] after 2\n";
        assert_eq!(
            after_mark(log, "tfw-bench mark ab"),
            Some("[3.0] after 1\n[4.0] after 2\n")
        );
        assert_eq!(
            after_mark("[2.0] tfw-bench mark ab", "tfw-bench mark ab"),
            Some("")
        );
        assert_eq!(after_mark(log, "tfw-bench mark cd"), None);
    }
}
