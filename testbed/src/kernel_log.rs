//! The kernel log since a mark, scanned for what fails a Tempesta test: Oops, WARNING, BUG,
//! ERROR lines and call traces, minus an ignore list (tempesta-test's dmesg checks).
//!
//! tempesta-test (framework/test_suite/tester.py, `cleanup_check_dmesg`) reads
//! `journalctl -k -o cat --since=@START` (framework/helpers/dmesg.py) after each test and
//! fails it when "Oops", "WARNING", "ERROR" or "BUG" occurs, unless the test put the word
//! in its `oops_ignore`. Here the same four words are matched case-sensitively but as whole
//! words (so a "DEBUG" or "CONFIG_BUG_ON" is no BUG), plus call traces: the lines after
//! "Call Trace:" are grouped into the finding they belong to (the Oops/WARNING/BUG just
//! before it) or make a finding of their own (a UBSAN report or a "Slab cache still has
//! objects" dump names none of the four words but prints a trace). Tempesta's own
//! `T_ERR` lines ("[tempesta fw] ERROR: ...", lib/log.h of tempesta-tech/tempesta) are
//! Error findings; its `T_WARN` lines ("[tempesta fw] Warning: ...") are not findings, as
//! in tempesta-test.
//!
//! Lines come as `dmesg` prints them (`[  123.456789] msg`), `dmesg -T` (`[Mon Dec  7
//! 20:58:21 2026] msg`), `dmesg -r` (`<4>[ 1.2] msg`), `journalctl -k` (`Dec 07 20:58:21
//! host kernel: msg`, also the ISO forms) or `journalctl -o cat` (the bare message).

use regex::Regex;
use std::sync::OnceLock;

/// What kind of trouble a line shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Kind {
    Oops,
    Warning,
    Bug,
    Error,
    CallTrace,
}

/// One finding: its kind and the line (with the lines of its call trace, if any).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub line: String,
}

/// The scan of a log: findings, and how many matching lines the ignore list dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scan {
    pub findings: Vec<Finding>,
    pub ignored: usize,
}

/// A finding may take the call trace printed this many lines after it (an Oops prints
/// modules, registers and code between its first line and "Call Trace:").
const TRACE_REACH: usize = 80;

fn prefix_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^(?:<\d+>)?", // dmesg -r priority
            r"(?:",
            r"\d+,\d+,\d+,[^;]*;",            // /dev/kmsg record
            r"|\[\s*\d+\.\d+\] ?",            // [  12.345678]
            r"|\[[A-Z][a-z]{2} [^\]]*\d\] ?", // dmesg -T: [Mon Dec  7 20:58:21 2026]
            r"|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ kernel: ", // journalctl short
            r"|\d{4}-\d\d-\d\dT\S+ \S+ kernel: ", // journalctl short-iso
            r")?",
        ))
        .expect("static regex")
    })
}

fn kind_re() -> &'static [(Kind, Regex)] {
    static RE: OnceLock<Vec<(Kind, Regex)>> = OnceLock::new();
    RE.get_or_init(|| {
        [
            (Kind::Oops, r"\bOops\b"),
            (Kind::Bug, r"\bBUG\b"),
            (Kind::Warning, r"\bWARNING\b"),
            (Kind::Error, r"\bERROR\b"),
        ]
        .into_iter()
        .map(|(k, re)| (k, Regex::new(re).expect("static regex")))
        .collect()
    })
}

/// The message of a log line, its timestamp or journal prefix removed.
pub fn message(line: &str) -> &str {
    match prefix_re().find(line) {
        Some(m) => &line[m.end()..],
        None => line,
    }
}

/// A line inside a call trace: indented frames (` dump_stack+0x72/0x8e`,
/// ` [<ffffffffa569ddf8>] ? dump_stack+0x46/0x5e`) and the `<IRQ>`/`<TASK>` markers.
fn is_trace_line(msg: &str) -> bool {
    let t = msg.trim();
    if t.is_empty() {
        return false;
    }
    msg.starts_with([' ', '\t']) || (t.starts_with('<') && t.ends_with('>'))
}

/// Scans `log` (kernel log text since the mark); `ignore` are regular expressions matched
/// against a finding's text (its line and its trace): a match drops it and counts it in
/// [`Scan::ignored`]. A bad regular expression is an error naming it.
pub fn scan(log: &str, ignore: &[String]) -> Result<Scan, String> {
    let ignore = ignore
        .iter()
        .map(|re| Regex::new(re).map_err(|e| format!("bad kernel-log ignore pattern {re:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let lines: Vec<&str> = log.lines().map(|l| l.trim_end()).collect();
    // (finding, index of its line, has a trace)
    let mut raw: Vec<(Finding, usize, bool)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let msg = message(line);
        if msg.trim_start().starts_with("Call Trace:") {
            let mut trace = vec![line.to_string()];
            i += 1;
            while i < lines.len() && is_trace_line(message(lines[i])) {
                trace.push(lines[i].to_string());
                i += 1;
            }
            let text = trace.join("\n");
            let start = i - trace.len();
            match raw.last_mut() {
                Some((f, at, has)) if !*has && start - *at <= TRACE_REACH => {
                    f.line.push('\n');
                    f.line.push_str(&text);
                    *has = true;
                }
                _ => raw.push((
                    Finding {
                        kind: Kind::CallTrace,
                        line: text,
                    },
                    start,
                    true,
                )),
            }
            continue;
        }
        if let Some((kind, _)) = kind_re().iter().find(|(_, re)| re.is_match(msg)) {
            raw.push((
                Finding {
                    kind: *kind,
                    line: line.to_string(),
                },
                i,
                false,
            ));
        }
        i += 1;
    }
    let mut scan = Scan::default();
    for (f, _, _) in raw {
        if ignore.iter().any(|re| re.is_match(&f.line)) {
            scan.ignored += 1;
        } else {
            scan.findings.push(f);
        }
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_every_prefix_form() {
        for l in [
            "[  123.456789] WARNING: CPU: 1",
            "[Mon Dec  7 20:58:21 2026] WARNING: CPU: 1",
            "<4>[    1.000000] WARNING: CPU: 1",
            "Dec 07 20:58:21 tfw kernel: WARNING: CPU: 1",
            "Dec 07 20:58:21.123456 tfw kernel: WARNING: CPU: 1",
            "2026-12-07T20:58:21+0000 tfw kernel: WARNING: CPU: 1",
            "4,1234,5678,-;WARNING: CPU: 1",
            "WARNING: CPU: 1",
        ] {
            assert_eq!(message(l), "WARNING: CPU: 1", "{l}");
        }
    }

    #[test]
    fn frames_are_not_timestamps() {
        assert_eq!(
            message("[<ffffffff8161b6a1>] dump_stack"),
            "[<ffffffff8161b6a1>] dump_stack"
        );
        assert_eq!(
            message("[tempesta fw] Warning: x"),
            "[tempesta fw] Warning: x"
        );
    }

    #[test]
    fn words_not_substrings() {
        let s = scan(
            "[ 1.0] DEBUG mode\n[ 1.1] [tempesta fw] Warning: slow\n[ 1.2] ERRORS none\n",
            &[],
        )
        .unwrap();
        assert_eq!(s, Scan::default());
    }

    #[test]
    fn trace_joins_the_warning_before_it() {
        let log = "[ 5.0] ------------[ cut here ]------------\n\
[ 5.1] WARNING: CPU: 2 PID: 0 at tempesta_new_clntsk+0x3b/0x50\n\
[ 5.2] Modules linked in: tempesta_fw(OE)\n\
[ 5.3] Call Trace:\n\
[ 5.3]  <IRQ>\n\
[ 5.3]  tcp_v4_syn_recv_sock+0x1/0x2\n\
[ 5.4] ---[ end trace 1 ]---\n\
[ 5.5] something else\n";
        let s = scan(log, &[]).unwrap();
        assert_eq!(s.findings.len(), 1, "{s:?}");
        assert_eq!(s.findings[0].kind, Kind::Warning);
        assert_eq!(s.findings[0].line.lines().count(), 4);
        assert!(s.findings[0].line.ends_with("tcp_v4_syn_recv_sock+0x1/0x2"));
    }

    #[test]
    fn lone_trace_is_a_finding_and_ignore_counts() {
        let log = "UBSAN: object-size-mismatch\nCall Trace:\n dump_stack+0x72/0x8e\n tfw_ctlfn_state_io+0x3d1/0x400 [tempesta_fw]\nnext\n";
        let s = scan(log, &[]).unwrap();
        assert_eq!(s.findings.len(), 1);
        assert_eq!(s.findings[0].kind, Kind::CallTrace);
        assert_eq!(s.findings[0].line.lines().count(), 3);
        let s = scan(log, &["tfw_ctlfn_state_io".into()]).unwrap();
        assert_eq!((s.findings.len(), s.ignored), (0, 1));
        assert!(scan(log, &["(".into()])
            .unwrap_err()
            .contains("bad kernel-log ignore pattern"));
    }
}
