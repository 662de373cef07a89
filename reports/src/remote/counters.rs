//! A target's counters as text: one reading (`tfw-bench remote perfstat`) and the
//! before/after table of a run (what the run did to the target).

use tfw_testbed::counters::{Counters, Delta};

/// One reading, a line per entry (gauges marked), then the unknown lines as they were.
pub fn counters_text(c: &Counters) -> String {
    let mut out = format!("target counters ({}):\n", source_name(&c.source));
    if c.entries.is_empty() {
        out.push_str("  (none)\n");
    }
    let w = c.entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let vw = c
        .entries
        .iter()
        .map(|e| e.value.to_string().len())
        .max()
        .unwrap_or(0);
    for e in &c.entries {
        let mark = if e.counter { "" } else { "  (gauge)" };
        out.push_str(&format!(
            "  {:<w$}  {:>vw$}{mark}\n",
            e.name,
            e.value,
            w = w,
            vw = vw
        ));
    }
    push_unknown(&mut out, &c.unknown);
    out
}

/// A table of before, after and delta per counter (only the counters that changed, and the
/// gauges' before/after), with a title line. The deltas do not carry their source: use
/// [`delta_text_titled`] to name it.
pub fn delta_text(d: &[Delta]) -> String {
    delta_text_titled("", d)
}

/// [`delta_text`] with the source ("perfstat", "stub_status") named in the title line.
pub fn delta_text_titled(source: &str, d: &[Delta]) -> String {
    let title = if source.is_empty() {
        "target counters, before and after the run:".to_string()
    } else {
        format!("target counters ({source}), before and after the run:")
    };
    let rows: Vec<[String; 4]> = d
        .iter()
        .filter(|x| shown(x))
        .map(|x| {
            [
                x.name.clone(),
                opt(x.before),
                opt(x.after),
                match (x.counter, x.delta) {
                    (true, Some(v)) => format!("{v:+}"),
                    (true, None) => "-".to_string(),
                    (false, _) => "(gauge)".to_string(),
                },
            ]
        })
        .collect();
    let mut out = format!("{title}\n");
    if rows.is_empty() {
        out.push_str("  no counter changed\n");
        return out;
    }
    let head = [
        "counter".to_string(),
        "before".to_string(),
        "after".to_string(),
        "delta".to_string(),
    ];
    let mut w = [0usize; 4];
    for r in std::iter::once(&head).chain(rows.iter()) {
        for (i, cell) in r.iter().enumerate() {
            w[i] = w[i].max(cell.chars().count());
        }
    }
    for r in std::iter::once(&head).chain(rows.iter()) {
        out.push_str(&format!(
            "  {:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}\n",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        ));
    }
    out
}

/// A counter is shown when it changed or is in one reading only; a gauge always.
fn shown(x: &Delta) -> bool {
    if !x.counter {
        return true;
    }
    match x.delta {
        Some(v) => v != 0,
        None => x.before != x.after,
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn source_name(s: &str) -> &str {
    if s.is_empty() {
        "unknown source"
    } else {
        s
    }
}

fn push_unknown(out: &mut String, unknown: &[String]) {
    if unknown.is_empty() {
        return;
    }
    out.push_str(&format!(
        "lines not understood ({}), kept as they were:\n",
        unknown.len()
    ));
    for l in unknown {
        out.push_str(&format!("  | {l}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfw_testbed::counters::Entry;

    fn entry(name: &str, value: u64, counter: bool) -> Entry {
        Entry {
            name: name.into(),
            value,
            counter,
        }
    }

    fn d(name: &str, b: Option<u64>, a: Option<u64>, counter: bool) -> Delta {
        Delta {
            name: name.into(),
            before: b,
            after: a,
            delta: match (counter, b, a) {
                (true, Some(b), Some(a)) => Some(a as i64 - b as i64),
                _ => None,
            },
            counter,
        }
    }

    #[test]
    fn a_reading_lists_entries_in_order_gauges_marked_and_unknown_lines_kept() {
        let c = Counters {
            source: "perfstat".into(),
            entries: vec![
                entry("ss_pfl_hits", 12345, true),
                entry("rt_max", 7, false),
                entry("clnt_msg_received", 0, true),
            ],
            unknown: vec!["Frobnication count\t\t: 3".into()],
        };
        let t = counters_text(&c);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "target counters (perfstat):");
        assert_eq!(lines[1], "  ss_pfl_hits        12345");
        assert_eq!(lines[2], "  rt_max                 7  (gauge)");
        assert_eq!(lines[3], "  clnt_msg_received      0");
        assert_eq!(lines[4], "lines not understood (1), kept as they were:");
        assert_eq!(lines[5], "  | Frobnication count\t\t: 3");
        assert_eq!(lines.len(), 6);
    }

    #[test]
    fn an_empty_reading_says_so() {
        let t = counters_text(&Counters::default());
        assert_eq!(t, "target counters (unknown source):\n  (none)\n");
    }

    #[test]
    fn the_table_shows_changed_counters_and_gauges_only() {
        let rows = vec![
            d("requests", Some(10), Some(25), true),
            d("accepts", Some(3), Some(3), true),
            d("active", Some(1), Some(2), false),
            d("handled", None, Some(4), true),
            d("dropped", Some(9), Some(2), true),
        ];
        let t = delta_text_titled("stub_status", &rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "target counters (stub_status), before and after the run:"
        );
        assert_eq!(lines[1], "  counter   before  after    delta");
        assert_eq!(lines[2], "  requests      10     25      +15");
        assert_eq!(lines[3], "  active         1      2  (gauge)");
        assert_eq!(lines[4], "  handled        -      4        -");
        assert_eq!(lines[5], "  dropped        9      2       -7");
        assert_eq!(lines.len(), 6, "{t}");
        assert!(!t.contains("accepts"));
    }

    #[test]
    fn nothing_changed_is_one_line_and_the_untitled_table_has_a_generic_title() {
        let t = delta_text(&[d("requests", Some(5), Some(5), true)]);
        assert_eq!(
            t,
            "target counters, before and after the run:\n  no counter changed\n"
        );
    }
}
