//! A target's counters as one flat list of named values (from Tempesta's perfstat or nginx's
//! stub_status), and the difference of two readings: what a run did to the target.

/// One counter.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Stable name, lower_snake_case (`ss_pfl_hits`, `requests`, ...).
    pub name: String,
    pub value: u64,
    /// True for a monotonic counter (its delta means something), false for a gauge
    /// (response time min/avg/max, connections active now).
    pub counter: bool,
}

/// One reading.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// "perfstat" or "stub_status".
    pub source: String,
    pub entries: Vec<Entry>,
    /// Lines not understood, kept as they were.
    pub unknown: Vec<String>,
}

/// One counter's before and after.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Delta {
    pub name: String,
    pub before: Option<u64>,
    pub after: Option<u64>,
    /// after - before, for counters present in both readings.
    pub delta: Option<i64>,
    pub counter: bool,
}

/// The differences of `after` from `before`, in `after`'s order (then names only in `before`).
/// Counters get `delta` = after - before (negative when the target restarted in between);
/// gauges keep before and after only. A name in one reading only has `delta` None.
pub fn delta(before: &Counters, after: &Counters) -> Vec<Delta> {
    let find = |c: &Counters, name: &str| c.entries.iter().find(|e| e.name == name).cloned();
    let mut out: Vec<Delta> = Vec::new();
    for a in &after.entries {
        if out.iter().any(|d| d.name == a.name) {
            continue;
        }
        let b = find(before, &a.name);
        let counter = a.counter && b.as_ref().is_none_or(|b| b.counter);
        let delta = match (&b, counter) {
            (Some(b), true) => Some(a.value as i64 - b.value as i64),
            _ => None,
        };
        out.push(Delta {
            name: a.name.clone(),
            before: b.map(|b| b.value),
            after: Some(a.value),
            delta,
            counter,
        });
    }
    for b in &before.entries {
        if out.iter().any(|d| d.name == b.name) {
            continue;
        }
        out.push(Delta {
            name: b.name.clone(),
            before: Some(b.value),
            after: None,
            delta: None,
            counter: b.counter,
        });
    }
    out
}

/// nginx's stub_status page (ngx_http_stub_status_module):
///
/// ```text
/// Active connections: 291
/// server accepts handled requests
///  16630948 16630948 31070465
/// Reading: 6 Writing: 179 Waiting: 106
/// ```
///
/// Names: `active`, `accepts`, `handled`, `requests`, `reading`, `writing`, `waiting`;
/// active/reading/writing/waiting are gauges. Other lines are kept in `unknown`; a page
/// without the connection counts or the accepts/handled/requests triple is an error.
pub fn parse_stub_status(text: &str) -> Result<Counters, String> {
    let mut c = Counters {
        source: "stub_status".into(),
        ..Counters::default()
    };
    let gauge = |name: &str, value: u64| Entry {
        name: name.into(),
        value,
        counter: false,
    };
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut active = None;
    let mut triple = None;
    let mut rww = None;
    while let Some(line) = lines.next() {
        if let Some(n) = line.strip_prefix("Active connections:") {
            active = n.trim().parse::<u64>().ok();
            if active.is_none() {
                c.unknown.push(line.to_string());
            }
        } else if line == "server accepts handled requests" {
            let next = lines.next().unwrap_or("");
            let nums: Vec<u64> = next
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            match nums[..] {
                [a, h, r] => triple = Some((a, h, r)),
                _ => {
                    return Err(format!(
                        "stub_status: bad counters line after \"{line}\": \"{next}\""
                    ))
                }
            }
        } else if line.starts_with("Reading:") {
            let w: Vec<&str> = line.split_whitespace().collect();
            match w[..] {
                ["Reading:", r, "Writing:", wr, "Waiting:", wa] => {
                    match (r.parse(), wr.parse(), wa.parse()) {
                        (Ok(r), Ok(wr), Ok(wa)) => rww = Some((r, wr, wa)),
                        _ => c.unknown.push(line.to_string()),
                    }
                }
                _ => c.unknown.push(line.to_string()),
            }
        } else {
            c.unknown.push(line.to_string());
        }
    }
    let active = active.ok_or("stub_status: no \"Active connections: N\" line")?;
    let (accepts, handled, requests) =
        triple.ok_or("stub_status: no \"server accepts handled requests\" counters")?;
    c.entries.push(gauge("active", active));
    for (name, value) in [
        ("accepts", accepts),
        ("handled", handled),
        ("requests", requests),
    ] {
        c.entries.push(Entry {
            name: name.into(),
            value,
            counter: true,
        });
    }
    if let Some((r, w, wa)) = rww {
        c.entries.push(gauge("reading", r));
        c.entries.push(gauge("writing", w));
        c.entries.push(gauge("waiting", wa));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, value: u64, counter: bool) -> Entry {
        Entry {
            name: name.into(),
            value,
            counter,
        }
    }

    #[test]
    fn delta_of_counters_and_gauges() {
        let before = Counters {
            source: "x".into(),
            entries: vec![
                entry("requests", 10, true),
                entry("active", 3, false),
                entry("gone", 1, true),
            ],
            unknown: vec![],
        };
        let after = Counters {
            source: "x".into(),
            entries: vec![
                entry("active", 5, false),
                entry("requests", 25, true),
                entry("new", 2, true),
            ],
            unknown: vec![],
        };
        let d = delta(&before, &after);
        let names: Vec<&str> = d.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["active", "requests", "new", "gone"]);
        assert_eq!(
            (d[0].before, d[0].after, d[0].delta, d[0].counter),
            (Some(3), Some(5), None, false)
        );
        assert_eq!(d[1].delta, Some(15));
        assert_eq!((d[2].before, d[2].delta), (None, None));
        assert_eq!((d[3].after, d[3].delta), (None, None));
    }

    #[test]
    fn delta_may_be_negative_after_a_restart() {
        let one = |v| Counters {
            entries: vec![entry("requests", v, true)],
            ..Counters::default()
        };
        assert_eq!(delta(&one(100), &one(7))[0].delta, Some(-93));
    }

    #[test]
    fn stub_status_page() {
        let c = parse_stub_status(
            "Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n",
        )
        .unwrap();
        assert_eq!(c.source, "stub_status");
        assert!(c.unknown.is_empty());
        assert_eq!(
            c.entries,
            vec![
                entry("active", 291, false),
                entry("accepts", 16630948, true),
                entry("handled", 16630948, true),
                entry("requests", 31070465, true),
                entry("reading", 6, false),
                entry("writing", 179, false),
                entry("waiting", 106, false),
            ]
        );
    }

    #[test]
    fn stub_status_errors_and_unknown_lines() {
        assert!(parse_stub_status("<html>404</html>")
            .unwrap_err()
            .contains("Active connections"));
        let e = parse_stub_status("Active connections: 1\nserver accepts handled requests\n 1 x\n")
            .unwrap_err();
        assert!(e.contains("bad counters line"), "{e}");
        let c = parse_stub_status(
            "Active connections: 1\nserver accepts handled requests\n 1 2 3\nextra: 9\n",
        )
        .unwrap();
        assert_eq!(c.unknown, vec!["extra: 9"]);
        assert_eq!(c.entries.len(), 4);
    }
}
