//! h2load's output from tfw-bench's figures: the lines before the run ("starting
//! benchmark...", one "spawning thread #N: ..." per worker), the "progress: N% done" lines, and
//! the final block ("finished in ...", "requests: ...", "status codes: ...", "traffic: ...",
//! the time statistics table), in the words and layout of h2load 1.52 (nghttp2
//! src/h2load.cc, tag v1.52.0, commit be0491294a63d891bd12b6b1b7e372a45a5d0ffe; the Debian
//! package CI installs).
//!
//! What the figures are, where they differ from h2load's:
//! - `traffic:` total is the bytes tfw-bench read from the target (after TLS decryption is
//!   not separated: over TLS it counts the bytes of the TLS records). tfw-bench does not split
//!   them into header and body bytes, so `headers` and `data` print as 0 and the space
//!   savings as 0.00%: no figure is made up.
//! - `time for request:` is every response's latency (HDR histogram, every sample);
//!   `time for connect:` every TCP connect (reconnects included).
//! - `time to 1st byte:` is not measured by tfw-bench: the row prints zeros with 0.00%, as
//!   h2load prints a row it has no samples for.
//! - `req/s` is per client in h2load (each client's rate over its life). tfw-bench counts per
//!   interval, not per connection: the samples are each one-second interval's responses per
//!   second divided by the connections (intervals under half a second, such as the drain's
//!   tail, left out; the whole run's figure when it had no full interval),
//!   so min/max/sd describe how the per-client average rate varied over time.

pub mod format;
pub mod sd;

use format::{dtos, format_duration_s, format_duration_us, utos_funit};
use sd::SdStat;
use std::time::Duration;
use tfw_engine::result::RunResult;

use crate::h2load::RequestCounts;

/// One worker's share, for its "spawning thread" line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadShare {
    pub clients: u32,
    /// Requests of a count-based run (`-n`); ignored in a timing-based run.
    pub requests: u64,
}

/// A timing-based run (`-D`): warm-up and main duration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub warm_up: Duration,
    pub duration: Duration,
}

/// Splits `total` over `n` parts as h2load does: the first `total % n` get one more.
pub fn split(total: u64, n: usize, i: usize) -> u64 {
    let n = n.max(1) as u64;
    total / n + u64::from((i as u64) < total % n)
}

/// "starting benchmark..." and one "spawning thread #N: ..." line per worker.
pub fn start_lines(threads: &[ThreadShare], timing: Option<Timing>) -> String {
    let mut s = String::from("starting benchmark...\n");
    for (i, t) in threads.iter().enumerate() {
        match timing {
            Some(tm) => s.push_str(&format!(
                "spawning thread #{i}: {} total client(s). Timing-based test with {}s of warm-up \
                 time and {}s of main duration for measurements.\n",
                t.clients,
                tm.warm_up.as_secs_f64(),
                tm.duration.as_secs_f64()
            )),
            None => s.push_str(&format!(
                "spawning thread #{i}: {} total client(s). {} total requests\n",
                t.clients, t.requests
            )),
        }
    }
    s
}

/// "Application protocol: h2" (or h2c, http/1.1).
pub fn protocol_line(protocol: &str) -> String {
    format!("Application protocol: {protocol}\n")
}

/// The "progress: N% done" lines for the tenths passed from `from` (exclusive) to `to`
/// (inclusive) per cent.
pub fn progress_lines(from: u64, to: u64) -> String {
    (from / 10 + 1..=to.min(100) / 10)
        .map(|t| format!("progress: {}% done\n", t * 10))
        .collect()
}

/// The lines a timing-based run prints around its phases for worker `id`: the warm-up's end
/// and the main duration's start.
pub fn warm_up_over_lines(id: usize) -> String {
    format!(
        "Warm-up phase is over for thread #{id}.\nMain benchmark duration is started for thread #{id}.\n"
    )
}

/// The main duration's end for worker `id`.
pub fn duration_over_lines(id: usize) -> String {
    format!(
        "Main benchmark duration is over for thread #{id}. Stopping all clients.\nStopped all clients for thread #{id}\n"
    )
}

/// The figures of the final block.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// Wall time of the whole run (warm-up included), in microseconds.
    pub finished_us: u64,
    pub rps: f64,
    pub bytes_per_s: u64,
    pub counts: RequestCounts,
    pub bytes_total: u64,
    pub bytes_head: u64,
    pub bytes_body: u64,
    pub space_savings: f64,
    pub request: SdStat,
    pub connect: SdStat,
    pub ttfb: SdStat,
    pub client_rps: SdStat,
}

/// The figures of `r`: `asked` is `-n` (count-based runs), `timing` the `-D` run's phases.
/// Rates are over the main duration in a timing-based run (as h2load), else over the run.
pub fn figures(r: &RunResult, asked: Option<u64>, timing: Option<Timing>) -> Figures {
    let c = &r.totals.counters;
    let secs = match timing {
        Some(t) => t.duration.as_secs_f64(),
        None => r.elapsed.as_secs_f64(),
    };
    let per_s = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    Figures {
        finished_us: (r.elapsed + r.warmup).as_micros() as u64,
        rps: per_s(c.responses),
        bytes_per_s: per_s(c.bytes_read) as u64,
        counts: RequestCounts::of(r, asked),
        bytes_total: c.bytes_read,
        bytes_head: 0,
        bytes_body: 0,
        space_savings: 0.0,
        request: SdStat::from_us_histogram(&r.totals.latency),
        connect: SdStat::from_us_histogram(&r.totals.connect_latency),
        ttfb: SdStat::default(),
        client_rps: SdStat::from_samples(&client_rates(r)),
    }
}

/// Per-client request rates, approximated per interval (see the module doc).
fn client_rates(r: &RunResult) -> Vec<f64> {
    let conns = f64::from(r.conns_requested.max(1));
    let mut last = 0.0;
    let mut rates = Vec::with_capacity(r.intervals.len());
    for iv in &r.intervals {
        let len = iv.t_s - last;
        last = iv.t_s;
        // A short tail (the drain after the load) would read as a slow client.
        if len >= 0.5 {
            rates.push(iv.snapshot.counters.responses as f64 / len / conns);
        }
    }
    let secs = r.elapsed.as_secs_f64();
    if rates.is_empty() && secs > 1e-9 && r.conns_established > 0 {
        rates.push(r.totals.counters.responses as f64 / secs / conns);
    }
    rates
}

fn time_row(label: &str, s: &SdStat) -> String {
    format!(
        "{label}: {:>10}  {:>10}  {:>10}  {:>10}{:>9}%\n",
        format_duration_s(s.min),
        format_duration_s(s.max),
        format_duration_s(s.mean),
        format_duration_s(s.sd),
        dtos(s.within_sd)
    )
}

/// The final block, from the blank line before "finished in" to the "req/s" row.
pub fn summary(f: &Figures) -> String {
    let mut s = format!(
        "\nfinished in {}, {:.2} req/s, {}B/s\n",
        format_duration_us(f.finished_us),
        f.rps,
        utos_funit(f.bytes_per_s)
    );
    s.push_str(&f.counts.lines());
    s.push_str(&format!(
        "traffic: {}B ({}) total, {}B ({}) headers (space savings {:.2}%), {}B ({}) data\n",
        utos_funit(f.bytes_total),
        f.bytes_total,
        utos_funit(f.bytes_head),
        f.bytes_head,
        f.space_savings * 100.0,
        utos_funit(f.bytes_body),
        f.bytes_body
    ));
    s.push_str("                     min         max         mean         sd        +/- sd\n");
    s.push_str(&time_row("time for request", &f.request));
    s.push_str(&time_row("time for connect", &f.connect));
    s.push_str(&time_row("time to 1st byte", &f.ttfb));
    let r = &f.client_rps;
    s.push_str(&format!(
        "req/s           : {:>10.2}  {:>10.2}  {:>10.2}  {:>10.2}{:>9}%\n",
        r.min,
        r.max,
        r.mean,
        r.sd,
        dtos(r.within_sd)
    ));
    s
}

#[cfg(test)]
mod tests;
