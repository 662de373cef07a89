//! `/proc/tempesta/perfstat`, typed: Tempesta's procfs format, lines of `Name\t\t: value`.
//! Lines not understood are kept, not dropped.
//!
//! What is known comes from `tfw_perfstat_seq_show()` in fw/procfs.c of
//! tempesta-tech/tempesta (mirrored revision d6519380, 2026-08-16), and its older forms
//! seen in recorded output (README.md at 53bd41cc, 2017: `SS pfl hits`/`SS pfl misses`;
//! issue #2250, 2024: `SS work queues' sizes` with an apostrophe). Those lines are:
//!
//! - `Minimal|Average|Median  |Maximum response time\t\t: 12ms` (or `n/a` before the APM
//!   has data), then `Percentiles` and `50%:\t3ms` lines (50, 75, 90, 95, 99; fw/apm.h);
//! - `SS work queue full`, `SS work queues sizes` / `SS backlog's sizes` (one number per
//!   online CPU, or `n/a`);
//! - cache, client and server message, connection and byte counters, HTTP/2 flood
//!   counters, server TLS handshakes (the [`KNOWN`] table);
//! - with `health_stat` configured: `Tempesta health statistics:` and `\tHTTP '200' code\t: N`.
//!
//! tempesta-test reads the same file (framework/services/tempesta.py, class `Stats`) by
//! regex per name; here each line is typed once, and a value that fails to parse makes the
//! line unknown, never a zero.

use crate::counters::{Counters, Entry};

/// A scalar perfstat line: its label as Tempesta prints it (whitespace collapsed), the
/// stable counter name, and whether it is a monotonic counter (false: a gauge).
pub struct Known {
    pub label: &'static str,
    pub name: &'static str,
    pub counter: bool,
}

const fn k(label: &'static str, name: &'static str, counter: bool) -> Known {
    Known {
        label,
        name,
        counter,
    }
}

/// Every scalar line of fw/procfs.c's perfstat, current and older.
pub const KNOWN: &[Known] = &[
    k("SS pfl hits", "ss_pfl_hits", true),
    k("SS pfl misses", "ss_pfl_misses", true),
    k("SS work queue full", "ss_work_queue_full", true),
    k("Cache hits", "cache_hits", true),
    k("Cache misses", "cache_misses", true),
    // Entries now in the cache: it shrinks on eviction.
    k("Cache objects", "cache_objects", false),
    k("Cache bytes", "cache_bytes", false),
    k("Client messages received", "client_messages_received", true),
    k(
        "Client messages forwarded",
        "client_messages_forwarded",
        true,
    ),
    k(
        "Client messages served from cache",
        "client_messages_from_cache",
        true,
    ),
    k(
        "Client messages parsing errors",
        "client_messages_parsing_errors",
        true,
    ),
    k(
        "Client messages filtered out",
        "client_messages_filtered_out",
        true,
    ),
    k(
        "Client messages other errors",
        "client_messages_other_errors",
        true,
    ),
    k("Clients online", "clients_online", false),
    k(
        "Client connection attempts",
        "client_connection_attempts",
        true,
    ),
    k(
        "Client established connections",
        "client_established_connections",
        true,
    ),
    k(
        "Client connections active",
        "client_connections_active",
        false,
    ),
    k("Client RX bytes", "client_rx_bytes", true),
    k(
        "Client max streams number exceeded",
        "client_max_streams_exceeded",
        true,
    ),
    k(
        "Client priority frames number exceeded",
        "client_priority_frames_exceeded",
        true,
    ),
    k(
        "Client rst frames number exceeded",
        "client_rst_frames_exceeded",
        true,
    ),
    k(
        "Client settings frames number exceeded",
        "client_settings_frames_exceeded",
        true,
    ),
    k(
        "Client ping frames number exceeded",
        "client_ping_frames_exceeded",
        true,
    ),
    k(
        "Client window update frames number exceeded",
        "client_window_update_frames_exceeded",
        true,
    ),
    k("Server messages received", "server_messages_received", true),
    k(
        "Server messages forwarded",
        "server_messages_forwarded",
        true,
    ),
    k(
        "Server messages parsing errors",
        "server_messages_parsing_errors",
        true,
    ),
    k(
        "Server messages filtered out",
        "server_messages_filtered_out",
        true,
    ),
    k(
        "Server messages other errors",
        "server_messages_other_errors",
        true,
    ),
    k(
        "Server connection attempts",
        "server_connection_attempts",
        true,
    ),
    k(
        "Server established connections",
        "server_established_connections",
        true,
    ),
    k(
        "Server connections active",
        "server_connections_active",
        false,
    ),
    k(
        "Server connections schedulable",
        "server_connections_schedulable",
        false,
    ),
    k("Server RX bytes", "server_rx_bytes", true),
    k(
        "Server successful TLS handshakes",
        "server_tls_handshakes_ok",
        true,
    ),
    k(
        "Server failed TLS handshakes",
        "server_tls_handshakes_failed",
        true,
    ),
];

/// The APM's response times (milliseconds); None where Tempesta printed `n/a` or the line
/// was absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseTime {
    pub min_ms: Option<u64>,
    pub avg_ms: Option<u64>,
    pub median_ms: Option<u64>,
    pub max_ms: Option<u64>,
}

/// One line of the `Percentiles` block: `95%:\t15ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Percentile {
    pub ith: u32,
    /// None for `n/a`.
    pub ms: Option<u64>,
}

/// One known scalar line's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub name: &'static str,
    pub value: u64,
    pub counter: bool,
}

/// A parsed perfstat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Perfstat {
    pub response_time: ResponseTime,
    pub percentiles: Vec<Percentile>,
    /// The [`KNOWN`] lines found, in the file's order.
    pub values: Vec<Value>,
    /// `SS work queues sizes`: one per online CPU; None when absent or `n/a`.
    pub ss_work_queue_sizes: Option<Vec<u64>>,
    /// `SS backlog's sizes`: one per online CPU; None when absent or `n/a`.
    pub ss_backlog_sizes: Option<Vec<u64>>,
    /// `Tempesta health statistics`: (HTTP status code, responses in total).
    pub health: Vec<(u16, u64)>,
    /// Lines not understood, as they were.
    pub unknown: Vec<String>,
}

/// `label` with runs of white space made one space, trimmed.
fn collapse(label: &str) -> String {
    label.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `12ms` or `12`: Some(12); `n/a`: Ok(None); anything else: Err.
fn number(v: &str, unit: &str) -> Result<Option<u64>, ()> {
    if v == "n/a" {
        return Ok(None);
    }
    let digits = v.strip_suffix(unit).unwrap_or(v);
    digits.parse::<u64>().map(Some).map_err(|_| ())
}

fn list(v: &str) -> Result<Option<Vec<u64>>, ()> {
    if v == "n/a" {
        return Ok(None);
    }
    v.split_whitespace()
        .map(|n| n.parse::<u64>().map_err(|_| ()))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `HTTP '200' code` -> 200.
fn health_code(label: &str) -> Option<u16> {
    let rest = label.strip_prefix("HTTP '")?;
    let code = rest.strip_suffix("' code")?;
    code.parse().ok()
}

impl Perfstat {
    /// Takes one line; false when it is not understood.
    fn line(&mut self, line: &str) -> bool {
        let trimmed = line.trim();
        if trimmed == "Percentiles" || trimmed == "Tempesta health statistics:" {
            return true;
        }
        let Some((label, value)) = trimmed.split_once(':') else {
            return false;
        };
        let label = collapse(label);
        let value = value.trim();
        if let Some(ith) = label.strip_suffix('%') {
            let (Ok(ith), Ok(ms)) = (ith.parse::<u32>(), number(value, "ms")) else {
                return false;
            };
            self.percentiles.push(Percentile { ith, ms });
            return true;
        }
        let rt = match label.as_str() {
            "Minimal response time" => Some(&mut self.response_time.min_ms),
            "Average response time" => Some(&mut self.response_time.avg_ms),
            "Median response time" => Some(&mut self.response_time.median_ms),
            "Maximum response time" => Some(&mut self.response_time.max_ms),
            _ => None,
        };
        if let Some(slot) = rt {
            return match number(value, "ms") {
                Ok(v) => {
                    *slot = v;
                    true
                }
                Err(()) => false,
            };
        }
        let sizes = match label.as_str() {
            "SS work queues sizes" | "SS work queues' sizes" => Some(&mut self.ss_work_queue_sizes),
            "SS backlog's sizes" => Some(&mut self.ss_backlog_sizes),
            _ => None,
        };
        if let Some(slot) = sizes {
            return match list(value) {
                Ok(v) => {
                    *slot = v;
                    true
                }
                Err(()) => false,
            };
        }
        if let Some(code) = health_code(&label) {
            return match value.parse::<u64>() {
                Ok(total) => {
                    self.health.push((code, total));
                    true
                }
                Err(_) => false,
            };
        }
        let Some(known) = KNOWN.iter().find(|k| k.label == label) else {
            return false;
        };
        match value.parse::<u64>() {
            Ok(v) => {
                self.values.push(Value {
                    name: known.name,
                    value: v,
                    counter: known.counter,
                });
                true
            }
            Err(_) => false,
        }
    }

    /// A known value by its stable name (`client_messages_received`, ...).
    pub fn get(&self, name: &str) -> Option<u64> {
        self.values.iter().find(|v| v.name == name).map(|v| v.value)
    }

    /// Every value as a flat counter list (source "perfstat"). Response times, percentiles,
    /// queue sizes and "active"/"online"/"schedulable" counts are gauges.
    pub fn counters(&self) -> Counters {
        let mut entries = Vec::new();
        let mut gauge = |name: String, value: Option<u64>| {
            if let Some(value) = value {
                entries.push(Entry {
                    name,
                    value,
                    counter: false,
                });
            }
        };
        let rt = &self.response_time;
        gauge("response_time_min_ms".into(), rt.min_ms);
        gauge("response_time_avg_ms".into(), rt.avg_ms);
        gauge("response_time_median_ms".into(), rt.median_ms);
        gauge("response_time_max_ms".into(), rt.max_ms);
        for p in &self.percentiles {
            gauge(format!("response_time_p{}_ms", p.ith), p.ms);
        }
        for (what, sizes) in [
            ("ss_work_queue_size", &self.ss_work_queue_sizes),
            ("ss_backlog_size", &self.ss_backlog_sizes),
        ] {
            for (cpu, n) in sizes.iter().flatten().enumerate() {
                gauge(format!("{what}_cpu{cpu}"), Some(*n));
            }
        }
        for v in &self.values {
            entries.push(Entry {
                name: v.name.to_string(),
                value: v.value,
                counter: v.counter,
            });
        }
        for (code, total) in &self.health {
            entries.push(Entry {
                name: format!("health_http_{code}"),
                value: *total,
                counter: true,
            });
        }
        Counters {
            source: "perfstat".into(),
            entries,
            unknown: self.unknown.clone(),
        }
    }
}

/// Parses the text of `/proc/tempesta/perfstat`. Never fails: what is not understood
/// lands in [`Perfstat::unknown`]; empty lines are skipped.
pub fn parse(text: &str) -> Perfstat {
    let mut p = Perfstat::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !p.line(line) {
            p.unknown.push(line.to_string());
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as fw/procfs.c's format strings print them (tabs included).
    const CURRENT: &str = "Minimal response time\t\t: 1ms\n\
Average response time\t\t: 4ms\n\
Median  response time\t\t: 3ms\n\
Maximum response time\t\t: 66ms\n\
Percentiles\n\
50%:\t3ms\n\
75%:\t7ms\n\
99%:\t29ms\n\
SS work queue full\t\t\t\t: 2\n\
SS work queues sizes\t\t\t\t: 0 1 2\n\
SS backlog's sizes\t\t\t\t: n/a\n\
Client messages received\t\t\t: 10\n\
Client connections active\t\t\t: 4\n\
Tempesta health statistics:\n\
\tHTTP '502' code\t: 7\n";

    #[test]
    fn types_every_line_of_the_format() {
        let p = parse(CURRENT);
        assert!(p.unknown.is_empty(), "{:?}", p.unknown);
        assert_eq!(p.response_time.min_ms, Some(1));
        assert_eq!(p.response_time.median_ms, Some(3));
        assert_eq!(p.response_time.max_ms, Some(66));
        assert_eq!(
            p.percentiles,
            vec![
                Percentile {
                    ith: 50,
                    ms: Some(3)
                },
                Percentile {
                    ith: 75,
                    ms: Some(7)
                },
                Percentile {
                    ith: 99,
                    ms: Some(29)
                },
            ]
        );
        assert_eq!(p.ss_work_queue_sizes, Some(vec![0, 1, 2]));
        assert_eq!(p.ss_backlog_sizes, None);
        assert_eq!(p.get("ss_work_queue_full"), Some(2));
        assert_eq!(p.get("client_messages_received"), Some(10));
        assert_eq!(p.health, vec![(502, 7)]);
    }

    #[test]
    fn not_available_values_are_known_but_absent() {
        let p = parse("Minimal response time\t\t: n/a\nPercentiles\n50%:\t n/a\n");
        assert!(p.unknown.is_empty(), "{:?}", p.unknown);
        assert_eq!(p.response_time.min_ms, None);
        assert_eq!(p.percentiles, vec![Percentile { ith: 50, ms: None }]);
        assert!(p.counters().entries.is_empty());
    }

    #[test]
    fn unexpected_lines_and_bad_values_are_kept() {
        let p = parse("Cache hits\t: 5\nCache misses\t: lots\nNew shiny counter\t: 3\nnoise\n");
        assert_eq!(p.get("cache_hits"), Some(5));
        assert_eq!(p.get("cache_misses"), None);
        assert_eq!(
            p.unknown,
            vec!["Cache misses\t: lots", "New shiny counter\t: 3", "noise"]
        );
    }

    #[test]
    fn counters_mark_gauges() {
        let c = parse(CURRENT).counters();
        assert_eq!(c.source, "perfstat");
        let kind = |n: &str| c.entries.iter().find(|e| e.name == n).map(|e| e.counter);
        assert_eq!(kind("response_time_avg_ms"), Some(false));
        assert_eq!(kind("response_time_p99_ms"), Some(false));
        assert_eq!(kind("ss_work_queue_size_cpu2"), Some(false));
        assert_eq!(kind("client_connections_active"), Some(false));
        assert_eq!(kind("client_messages_received"), Some(true));
        assert_eq!(kind("health_http_502"), Some(true));
    }

    #[test]
    fn names_are_unique_lower_snake() {
        for (i, a) in KNOWN.iter().enumerate() {
            assert!(a
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
            assert!(KNOWN[i + 1..]
                .iter()
                .all(|b| b.name != a.name && b.label != a.label));
        }
    }
}
