//! Kernel-log findings and the target's status as text: what `tfw-bench remote dmesg` and
//! `status` print, and what a run prints when the kernel log fails it.

use tfw_testbed::kernel_log::{Kind, Scan};
use tfw_testbed::target::Status;

/// The findings, a line each (with the call-trace lines indented), or one "no findings" line;
/// then how many lines the ignore list dropped, when any.
pub fn findings_text(s: &Scan) -> String {
    let mut out = String::new();
    if s.findings.is_empty() {
        out.push_str("kernel log: no findings\n");
    } else {
        out.push_str(&format!("kernel log: {} finding(s):\n", s.findings.len()));
        for f in &s.findings {
            let mut lines = f.line.lines();
            let first = lines.next().unwrap_or("");
            out.push_str(&format!("  {}: {}\n", kind_label(f.kind), first.trim_end()));
            for l in lines {
                out.push_str(&format!("      {}\n", l.trim_end()));
            }
        }
    }
    if s.ignored > 0 {
        out.push_str(&format!(
            "kernel log: {} matching line(s) ignored (ignore list)\n",
            s.ignored
        ));
    }
    out
}

/// One line: "running" or "not running", and how that was found out.
pub fn status_text(s: &Status) -> String {
    let state = if s.running { "running" } else { "not running" };
    if s.detail.is_empty() {
        format!("target: {state}\n")
    } else {
        format!("target: {state} ({})\n", s.detail.trim())
    }
}

/// The kind as the kernel log spells it.
fn kind_label(k: Kind) -> &'static str {
    match k {
        Kind::Oops => "Oops",
        Kind::Warning => "WARNING",
        Kind::Bug => "BUG",
        Kind::Error => "ERROR",
        Kind::CallTrace => "Call Trace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfw_testbed::kernel_log::Finding;

    #[test]
    fn findings_are_a_line_each_with_trace_lines_indented() {
        let s = Scan {
            findings: vec![
                Finding {
                    kind: Kind::Warning,
                    line: "[  12.5] WARNING: CPU: 1 PID: 7 at fw/sock.c:10 ss_send+0x1/0x2\n\
                           [  12.5] Call Trace:\n[  12.5]  ss_tx_action+0x3/0x4\n"
                        .into(),
                },
                Finding {
                    kind: Kind::Bug,
                    line: "[  13.0] BUG: unable to handle page fault".into(),
                },
            ],
            ignored: 2,
        };
        let t = findings_text(&s);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "kernel log: 2 finding(s):");
        assert_eq!(
            lines[1],
            "  WARNING: [  12.5] WARNING: CPU: 1 PID: 7 at fw/sock.c:10 ss_send+0x1/0x2"
        );
        assert_eq!(lines[2], "      [  12.5] Call Trace:");
        assert_eq!(lines[3], "      [  12.5]  ss_tx_action+0x3/0x4");
        assert_eq!(lines[4], "  BUG: [  13.0] BUG: unable to handle page fault");
        assert_eq!(
            lines[5],
            "kernel log: 2 matching line(s) ignored (ignore list)"
        );
        assert_eq!(lines.len(), 6);
    }

    #[test]
    fn no_findings_is_one_line() {
        assert_eq!(findings_text(&Scan::default()), "kernel log: no findings\n");
        let t = findings_text(&Scan {
            findings: vec![],
            ignored: 1,
        });
        assert!(t.starts_with("kernel log: no findings\n"));
        assert!(t.contains("1 matching line(s) ignored"));
    }

    #[test]
    fn status_is_one_line() {
        let up = Status {
            running: true,
            detail: "status command exited 0\n".into(),
        };
        assert_eq!(
            status_text(&up),
            "target: running (status command exited 0)\n"
        );
        let down = Status {
            running: false,
            detail: String::new(),
        };
        assert_eq!(status_text(&down), "target: not running\n");
    }
}
