//! wrk's output, from tfw-bench's figures: the `Running ...` header and the report after the
//! run, in wrk's words, spacing and number formats (github:wg/wrk src/wrk.c `main`,
//! `print_stats_header`, `print_stats`, `print_stats_latency`, commit
//! a211dd5a7050b1f9e8a9870b95513060e72ac4a0; units in [`units`]).
//!
//! What the figures are, where they differ from wrk's:
//! - Latency: every response's latency from the engine's HDR histogram (µs, 3 significant
//!   digits). wrk records one value per pipelined batch and then back-fills synthetic samples
//!   (`stats_correct`); neither is done here.
//! - Req/Sec: wrk samples each thread's rate every 100 ms. The engine hands over its
//!   intervals merged over the workers, so each interval with responses gives, for each
//!   thread, the workers' mean rate in it ([`requests_histogram`]): the mean is wrk's, the
//!   spread between threads is not seen.
//! - Socket errors: connect (TCP and TLS handshake failures, as wrk counts them), read (read
//!   failures, a peer closing with requests outstanding, unparsable responses — wrk's read
//!   errors), write, timeout (a request without its response within `--timeout`).
//! - `Non-2xx or 3xx responses` counts statuses above 399, as wrk's `errors.status` does.

pub mod units;

use hdrhistogram::Histogram;
use std::fmt::Write;
use tfw_engine::result::RunResult;
use tfw_engine::stats::ErrorKind;
use units::{column, format_binary, format_metric, format_time_s, format_time_us};

/// wrk's `MAX_THREAD_RATE_S`: the highest requests/s a thread's sample records.
pub const MAX_THREAD_RATE_S: u64 = 10_000_000;

/// What the header says: the URL as given, the thread and connection counts as asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrkRun<'a> {
    pub url: &'a str,
    pub threads: u64,
    pub connections: u64,
    /// `-d` in seconds.
    pub duration_s: u64,
}

/// The two lines printed before the run.
pub fn header(run: &WrkRun<'_>) -> String {
    format!(
        "Running {} test @ {}\n  {} threads and {} connections\n",
        format_time_s(run.duration_s as f64),
        run.url,
        run.threads,
        run.connections
    )
}

/// wrk's `errors` struct (also the Lua `summary.errors`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WrkErrors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    pub timeout: u64,
    /// Responses with a status above 399.
    pub status: u64,
}

/// The run's errors in wrk's five kinds.
pub fn errors(r: &RunResult) -> WrkErrors {
    let c = &r.totals.counters;
    WrkErrors {
        connect: c.error(ErrorKind::Connect) + c.error(ErrorKind::Tls),
        read: c.error(ErrorKind::Read) + c.error(ErrorKind::Parse) + c.error(ErrorKind::Reset),
        write: c.error(ErrorKind::Write),
        timeout: c.error(ErrorKind::Timeout),
        status: c
            .status
            .iter()
            .filter(|&&(code, _)| code > 399)
            .map(|&(_, n)| n)
            .sum(),
    }
}

/// Per-thread requests/s samples, as wrk's `statistics.requests`: for each interval with
/// responses, `threads` samples of the responses per second per thread in it.
pub fn requests_histogram(r: &RunResult, threads: u64) -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, MAX_THREAD_RATE_S, 3)
        .expect("static histogram bounds are valid");
    let threads = threads.max(1);
    let mut start = 0.0;
    for iv in &r.intervals {
        let len = iv.t_s - start;
        start = iv.t_s;
        let n = iv.snapshot.counters.responses;
        if n == 0 || len.is_nan() || len <= 0.0 {
            continue;
        }
        let rate = (n as f64 / threads as f64 / len) as u64;
        h.saturating_record_n(rate.min(MAX_THREAD_RATE_S), threads);
    }
    h
}

/// `stats_mean`, `stats_stdev` (n - 1), `max` and `stats_within_stdev` over a histogram; each
/// bucket counts as its median equivalent value. NaN where wrk divides by a zero count.
struct Moments {
    mean: f64,
    stdev: f64,
    max: f64,
    within: f64,
}

fn moments(h: &Histogram<u64>) -> Moments {
    let count = h.len();
    if count == 0 {
        // wrk: mean 0, stdev 0, max 0 and 0/0 for the share within a stdev.
        return Moments {
            mean: 0.0,
            stdev: 0.0,
            max: 0.0,
            within: f64::NAN.copysign(-1.0),
        };
    }
    let values = || {
        h.iter_recorded().map(|v| {
            (
                h.median_equivalent(v.value_iterated_to()) as f64,
                v.count_at_value(),
            )
        })
    };
    let sum: f64 = values().map(|(v, n)| v * n as f64).sum();
    let mean = sum / count as f64;
    let stdev = if count < 2 {
        0.0
    } else {
        let sq: f64 = values().map(|(v, n)| (v - mean).powi(2) * n as f64).sum();
        (sq / (count - 1) as f64).sqrt()
    };
    let (lower, upper) = (mean - stdev, mean + stdev);
    let inside: u64 = values()
        .filter(|&(v, _)| v >= lower && v <= upper)
        .map(|(_, n)| n)
        .sum();
    Moments {
        mean,
        stdev,
        max: h.max() as f64,
        within: inside as f64 / count as f64 * 100.0,
    }
}

/// `print_stats`: one row of the Thread Stats table.
fn stats_row(out: &mut String, name: &str, h: &Histogram<u64>, fmt: fn(f64) -> String) {
    let m = moments(h);
    let _ = write!(
        out,
        "    {name:<10}{}{}{}",
        column(&fmt(m.mean), 8),
        column(&fmt(m.stdev), 10),
        column(&fmt(m.max), 9)
    );
    let within = if m.within.is_nan() {
        "-nan".to_string()
    } else {
        format!("{:.2}", m.within)
    };
    let _ = writeln!(out, "{within:>8}%");
}

/// wrk's latency percentiles (`--latency`).
pub const PERCENTILES: [f64; 4] = [50.0, 75.0, 90.0, 99.0];

/// The report wrk prints after the run (without the script's `done()` output). `latency`:
/// `--latency`'s distribution block.
pub fn report(r: &RunResult, threads: u64, latency: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  Thread Stats{:>6}{:>11}{:>8}{:>12}",
        "Avg", "Stdev", "Max", "+/- Stdev"
    );
    stats_row(&mut out, "Latency", &r.totals.latency, format_time_us);
    let requests = requests_histogram(r, threads);
    stats_row(&mut out, "Req/Sec", &requests, format_metric);
    if latency {
        out.push_str("  Latency Distribution\n");
        for p in PERCENTILES {
            let h = &r.totals.latency;
            let v = if h.is_empty() {
                0
            } else {
                h.value_at_quantile(p / 100.0)
            };
            let _ = writeln!(out, "{p:>7.0}%{}", column(&format_time_us(v as f64), 10));
        }
    }
    let c = &r.totals.counters;
    let runtime_us = r.elapsed.as_micros() as f64;
    let runtime_s = runtime_us / 1e6;
    let _ = writeln!(
        out,
        "  {} requests in {}, {}B read",
        c.responses,
        format_time_us(runtime_us),
        format_binary(c.bytes_read as f64)
    );
    let e = errors(r);
    if e.connect > 0 || e.read > 0 || e.write > 0 || e.timeout > 0 {
        let _ = writeln!(
            out,
            "  Socket errors: connect {}, read {}, write {}, timeout {}",
            e.connect, e.read, e.write, e.timeout
        );
    }
    if e.status > 0 {
        let _ = writeln!(out, "  Non-2xx or 3xx responses: {}", e.status);
    }
    let rate = |n: u64| n as f64 / runtime_s;
    let rps = rate(c.responses);
    let rps = if rps.is_nan() {
        "-nan".to_string()
    } else {
        format!("{rps:.2}")
    };
    let _ = writeln!(out, "Requests/sec: {rps:>9}");
    let _ = writeln!(
        out,
        "Transfer/sec: {:>10}B",
        format_binary(rate(c.bytes_read))
    );
    out
}

#[cfg(test)]
mod tests;
