//! The human summary of a run, in the spirit of wrk's: workers and I/O path, latency
//! statistics and distribution, totals and rates, status codes, errors and client CPU.
//!
//! The `Running 10s test @ URL` header is printed by the binary; every line here is indented
//! by two spaces below it. Times use µs/ms/s and byte counts B/KB/MB/GB (see [`crate::units`]);
//! an empty run prints zeros and "no responses", never NaN.

use crate::latency::{LatencySummary, PERCENTILES};
use crate::units::{finite_or_zero, format_bytes, format_time_us};
use tfw_engine::result::{IoInfo, RunResult, WorkerInfo};
use tfw_engine::stats::ErrorKind;

/// Per-worker CPU entries per line when there are many workers.
const WORKERS_PER_LINE: usize = 8;

/// The multi-line human summary of `r`, ending with a newline.
pub fn summary(r: &RunResult) -> String {
    let c = &r.totals.counters;
    let elapsed = r.elapsed.as_secs_f64();
    let lat = LatencySummary::from_snapshot(&r.totals);
    let mut lines: Vec<String> = Vec::new();

    if r.interrupted {
        lines.push(format!(
            "  INTERRUPTED: stopped by a signal after {elapsed:.2}s; figures cover the partial run"
        ));
    }
    lines.push(workers_line(r));
    lines.push(format!("  io: {}", io_description(&r.io)));

    if r.warmup > std::time::Duration::ZERO {
        lines.push(format!(
            "  after a warmup of {:.2}s (not counted)",
            r.warmup.as_secs_f64()
        ));
    }
    if lat.count == 0 {
        lines.push("  Latency     none (no responses)".to_string());
    } else if let Some(rate) = &r.rate {
        let unc = LatencySummary::from_histogram(&r.totals.latency_uncorrected);
        lines.push(format!(
            "  Latency     from the intended send (corrected): mean {}  stdev {}  max {}",
            format_time_us(lat.mean),
            format_time_us(lat.stdev),
            format_time_us(lat.max)
        ));
        lines.push("  Latency distribution   corrected  uncorrected".to_string());
        for ((&(_, _, label), &v), &u) in PERCENTILES
            .iter()
            .zip(lat.percentiles.iter())
            .zip(unc.percentiles.iter())
        {
            lines.push(format!(
                "    {label:>6}  {:>18}  {:>11}",
                format_time_us(v),
                format_time_us(u)
            ));
        }
        let c = &r.totals.counters;
        lines.push(format!(
            "  Rate: asked {:.2}/s, sent {:.2}/s; {} late (over 1ms behind schedule), {} never \
             sent; max schedule lag {}",
            rate.target_rps,
            finite_or_zero(r.sent_rps()),
            c.late,
            rate.unsent,
            format_time_us(c.max_lag_us as f64)
        ));
    } else {
        lines.push(format!(
            "  Latency     mean {}  stdev {}  max {}",
            format_time_us(lat.mean),
            format_time_us(lat.stdev),
            format_time_us(lat.max)
        ));
        lines.push("  Latency distribution".to_string());
        for (&(_, _, label), &v) in PERCENTILES.iter().zip(lat.percentiles.iter()) {
            lines.push(format!("    {label:>6}  {:>7}", format_time_us(v)));
        }
    }

    lines.push(format!(
        "  {} requests, {} responses in {elapsed:.2}s, {} read, {} written",
        c.requests,
        c.responses,
        format_bytes(c.bytes_read as f64),
        format_bytes(c.bytes_written as f64)
    ));
    if r.unanswered > 0 {
        lines.push(format!(
            "  Unanswered: {} had no response when the drain ended",
            plural(r.unanswered, "request")
        ));
    }
    lines.push(format!("  Requests/sec: {:.2}", finite_or_zero(r.rps())));
    let transfer = if elapsed > 0.0 {
        c.bytes_read as f64 / elapsed
    } else {
        0.0
    };
    lines.push(format!("  Transfer/sec: {}", format_bytes(transfer)));

    lines.push(format!("  Status: {}", status_list(&c.status)));
    let non_ok: u64 = c
        .status
        .iter()
        .filter(|&&(code, _)| !(200..400).contains(&code))
        .map(|&(_, n)| n)
        .sum();
    if non_ok > 0 {
        lines.push(format!("  Non-2xx or 3xx responses: {non_ok}"));
    }
    let errors: Vec<String> = ErrorKind::ALL
        .iter()
        .map(|&k| format!("{} {}", k.name(), c.error(k)))
        .collect();
    lines.push(format!("  Errors: {}", errors.join(", ")));
    if r.protocol != "http/1.1" || r.tls_negotiated.is_some() {
        let mut p = format!("  Protocol: {}", r.protocol);
        if let Some(t) = &r.tls_negotiated {
            p.push_str(&format!(", {t}"));
        }
        if r.protocol != "http/1.1" {
            p.push_str(&format!(
                ", {} streams per connection, {} GOAWAY, {} streams refused (sent again)",
                r.pipeline, c.goaways, c.refused
            ));
        }
        lines.push(p);
    }

    let cpu_s = finite_or_zero(r.cpu.user_s) + finite_or_zero(r.cpu.sys_s);
    let per_response = if c.responses > 0 {
        format!(
            "{} per response",
            format_time_us(cpu_s * 1e6 / c.responses as f64)
        )
    } else {
        "no responses".to_string()
    };
    lines.push(format!(
        "  Client CPU: user {:.2}s, sys {:.2}s ({per_response}), max RSS {}",
        finite_or_zero(r.cpu.user_s),
        finite_or_zero(r.cpu.sys_s),
        format_bytes(r.cpu.max_rss_kib as f64 * 1024.0)
    ));
    if r.workers.len() > 1 {
        lines.extend(worker_cpu_lines(&r.workers));
    }

    for w in crate::warnings::warnings(r) {
        lines.push(format!("  WARNING: {w}"));
    }

    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `"1 request"`, `"2 requests"`.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `2 workers (CPUs 0,1), 10000 connections requested, 10000 established, pipeline 1`.
fn workers_line(r: &RunResult) -> String {
    let n = r.workers.len();
    let cpus: Vec<usize> = r.workers.iter().map(|w| w.cpu).collect();
    let cpus = match n {
        0 => String::new(),
        1 => format!(" (CPU {})", cpus[0]),
        _ => format!(" (CPUs {})", cpu_ranges(&cpus)),
    };
    format!(
        "  {}{cpus}, {} requested, {} established, pipeline {}",
        plural(n as u64, "worker"),
        plural(u64::from(r.conns_requested), "connection"),
        r.conns_established,
        r.pipeline
    )
}

/// CPU ids as a sorted, deduplicated list with runs collapsed: `0-3,8,10,11`.
fn cpu_ranges(cpus: &[usize]) -> String {
    let mut cpus = cpus.to_vec();
    cpus.sort_unstable();
    cpus.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        match j - i {
            0 => parts.push(cpus[i].to_string()),
            1 => parts.push(format!("{},{}", cpus[i], cpus[j])),
            _ => parts.push(format!("{}-{}", cpus[i], cpus[j])),
        }
        i = j + 1;
    }
    parts.join(",")
}

/// `io_uring, multishot recv + buffer ring, single issuer, defer taskrun`, or
/// `epoll (io_uring unavailable: <reason>)`.
fn io_description(io: &IoInfo) -> String {
    match io.backend {
        "io_uring" => {
            let recv = match (io.multishot_recv, io.buffer_ring) {
                (true, true) => "multishot recv + buffer ring",
                (true, false) => "multishot recv",
                (false, true) => "buffer ring",
                (false, false) => "single-shot recv",
            };
            let mut parts = vec!["io_uring", recv];
            if io.registered_files {
                parts.push("registered files");
            }
            if io.single_issuer {
                parts.push("single issuer");
            }
            if io.defer_taskrun {
                parts.push("defer taskrun");
            }
            let mut s = parts.join(", ");
            if !io.fallback_reason.is_empty() {
                s.push_str(&format!(" (fallback: {})", io.fallback_reason));
            }
            s
        }
        "epoll" if io.fallback_reason.is_empty() => "epoll".to_string(),
        "epoll" => format!("epoll (io_uring unavailable: {})", io.fallback_reason),
        "" => "unknown".to_string(),
        other if io.fallback_reason.is_empty() => other.to_string(),
        other => format!("{other} ({})", io.fallback_reason),
    }
}

/// `200: 1234560, 404: 12`, or `none`.
fn status_list(status: &[(u16, u64)]) -> String {
    if status.is_empty() {
        return "none".to_string();
    }
    status
        .iter()
        .map(|&(code, n)| format!("{code}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `  Worker CPU: cpu0 1.23s (5000 conns), cpu1 ...`, wrapped every few workers.
fn worker_cpu_lines(workers: &[WorkerInfo]) -> Vec<String> {
    workers
        .chunks(WORKERS_PER_LINE)
        .enumerate()
        .map(|(i, chunk)| {
            let entries: Vec<String> = chunk
                .iter()
                .map(|w| {
                    format!(
                        "cpu{} {:.2}s ({} conns)",
                        w.cpu,
                        finite_or_zero(w.cpu_s),
                        w.conns
                    )
                })
                .collect();
            let lead = if i == 0 {
                "  Worker CPU: "
            } else {
                "              "
            };
            format!("{lead}{}", entries.join(", "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(cpu_ranges(&[]), "");
        assert_eq!(cpu_ranges(&[0]), "0");
        assert_eq!(cpu_ranges(&[0, 1]), "0,1");
        assert_eq!(cpu_ranges(&[3, 2, 1, 0, 8, 10, 11, 0]), "0-3,8,10,11");
        assert_eq!(cpu_ranges(&[5, 7, 9]), "5,7,9");
    }

    #[test]
    fn io_lines() {
        let mut io = IoInfo {
            backend: "io_uring",
            multishot_recv: true,
            buffer_ring: true,
            registered_files: false,
            single_issuer: true,
            defer_taskrun: true,
            fallback_reason: String::new(),
        };
        assert_eq!(
            io_description(&io),
            "io_uring, multishot recv + buffer ring, single issuer, defer taskrun"
        );
        io.multishot_recv = false;
        io.buffer_ring = false;
        io.registered_files = true;
        io.defer_taskrun = false;
        io.fallback_reason = "multishot recv needs Linux 6.0".into();
        assert_eq!(
            io_description(&io),
            "io_uring, single-shot recv, registered files, single issuer \
             (fallback: multishot recv needs Linux 6.0)"
        );
        let epoll = IoInfo {
            backend: "epoll",
            fallback_reason: "io_uring_setup: EPERM".into(),
            ..IoInfo::default()
        };
        assert_eq!(
            io_description(&epoll),
            "epoll (io_uring unavailable: io_uring_setup: EPERM)"
        );
        assert_eq!(
            io_description(&IoInfo {
                backend: "epoll",
                ..IoInfo::default()
            }),
            "epoll"
        );
        assert_eq!(io_description(&IoInfo::default()), "unknown");
    }

    #[test]
    fn status_and_plurals() {
        assert_eq!(status_list(&[]), "none");
        assert_eq!(status_list(&[(200, 5), (404, 1)]), "200: 5, 404: 1");
        assert_eq!(plural(1, "request"), "1 request");
        assert_eq!(plural(0, "request"), "0 requests");
    }

    #[test]
    fn worker_lines_wrap() {
        let workers: Vec<WorkerInfo> = (0..10)
            .map(|cpu| WorkerInfo {
                cpu,
                conns: 100,
                cpu_s: 1.5,
                busy: 0.25,
            })
            .collect();
        let lines = worker_cpu_lines(&workers);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("  Worker CPU: cpu0 1.50s (100 conns), cpu1 "));
        assert_eq!(
            lines[1],
            "              cpu8 1.50s (100 conns), cpu9 1.50s (100 conns)"
        );
    }
}
