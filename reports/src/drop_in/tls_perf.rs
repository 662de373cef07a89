//! tls-perf's output from tfw-bench's handshake figures: the settings block, the once-a-second
//! line, "( All peers are active, start to gather statistics )" and the final statistics
//! block, in tls-perf's words and layout (github tempesta-tech/tls-perf, main.cc, commit
//! 4cf96f4d1800837ae077a3bc3df4a901bc2ff405: `print_settings`, `statistics_update`,
//! `statistics_dump`).
//!
//! What the figures are, where they differ from tls-perf's:
//! - The per-second line's "TLS hs in progress" and "TCP open conns" are both tfw-bench's
//!   gauge of peers between their connect and their handshake's end: tfw-bench does not keep
//!   the TCP connect apart from the TLS handshake, so the TCP connects in progress print as 0.
//! - HANDSHAKES/sec are over the measured one-second intervals (after the slow start, as
//!   tls-perf's start once all peers are active): MAX, the mean (AVG, whole), the rate 95% of
//!   the seconds reached (95P) and the lowest non-zero (MIN).
//! - LATENCY is every handshake's, from the TCP connect to the handshake's end (tls-perf
//!   times the TLS part only, from its first ClientHello), in ms, from an HDR histogram of
//!   every sample (tls-perf keeps a sample ring).

use tfw_engine::result::{HandshakeResult, HsInterval};

/// A number as C++'s `std::cout << double` prints it (`%g`, six significant digits):
/// "1.5", "0.523", "12", "1234.57".
pub fn g6(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_finite() {
            "0".into()
        } else {
            x.to_string()
        };
    }
    let exp = x.abs().log10().floor() as i32;
    if !(-5..6).contains(&exp) {
        let s = format!("{:.5e}", x);
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", e.abs());
    }
    let decimals = (5 - exp).max(0) as usize;
    let s = format!("{:.*}", decimals, x);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// What the settings block shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings<'a> {
    /// The address as given (without brackets).
    pub host: &'a str,
    pub port: u16,
    /// "1.2", "1.3" or "Any of 1.2 or 1.3".
    pub version: &'a str,
    /// The -c value, or "default".
    pub cipher: &'a str,
    /// "on" or "off".
    pub tickets: &'a str,
    /// -T in seconds (0: no limit).
    pub duration_s: u64,
}

/// The block tls-perf prints before the run (not with -q).
pub fn settings(s: &Settings) -> String {
    format!(
        "Running TLS benchmark with following settings:\nHost:        {} : {}\n\
         TLS version: {}\nCipher:      {}\nTLS tickets: {}\nDuration:    {}\n\n",
        s.host, s.port, s.version, s.cipher, s.tickets, s.duration_s
    )
}

/// The line printed once the slow start is over.
pub const ALL_ACTIVE: &str = "( All peers are active, start to gather statistics )\n";

/// The once-a-second line for `iv`, which lasted `secs`; `errors` are all failed attempts
/// so far.
pub fn interval_line(iv: &HsInterval, secs: f64, errors: u64) -> String {
    let s = &iv.snapshot;
    let rate = if secs > 0.0 {
        (s.handshakes as f64 / secs) as i64
    } else {
        0
    };
    format!(
        "TLS hs in progress {} [{rate} h/s], TCP open conns {} [0 hs in progress], Errors {errors}\n",
        s.in_progress, s.in_progress
    )
}

/// The final block's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub seconds: u64,
    pub handshakes: u64,
    /// Per-second rates: MAX, AVG, 95P, MIN.
    pub rate: [i64; 4],
    /// Latency in ms: MIN, AVG, 95P, MAX.
    pub latency_ms: [f64; 4],
}

/// The figures of `r`; None when tls-perf would say "not enough statistics collected" (no
/// handshake measured). A run shorter than an interval is one second of its handshakes.
pub fn figures(r: &HandshakeResult) -> Option<Figures> {
    let secs = r.interval.as_secs_f64();
    let mut rates: Vec<i64> = r
        .intervals
        .iter()
        .map(|iv| (iv.snapshot.handshakes as f64 / secs.max(1e-9)) as i64)
        .collect();
    if rates.is_empty() && r.totals.handshakes > 0 {
        // A run shorter than an interval: tls-perf's first statistics tick comes after a
        // second's sleep, so its one sample is the handshakes over at least a second.
        let secs = r.elapsed.as_secs_f64().max(1.0);
        rates.push((r.totals.handshakes as f64 / secs) as i64);
    }
    let h = &r.totals.latency;
    if rates.is_empty() || h.is_empty() {
        return None;
    }
    rates.sort_unstable_by(|a, b| b.cmp(a));
    let n = rates.len();
    let avg = rates.iter().sum::<i64>() / n as i64;
    let min = rates.iter().copied().filter(|&x| x > 0).min().unwrap_or(0);
    let ms = |us: f64| us / 1000.0;
    Some(Figures {
        seconds: n as u64,
        handshakes: r.totals.handshakes,
        rate: [rates[0], avg, rates[n * 95 / 100], min],
        latency_ms: [
            ms(h.min() as f64),
            ms(h.mean()),
            ms(h.value_at_quantile(0.95) as f64),
            ms(h.max() as f64),
        ],
    })
}

/// The final statistics block.
pub fn summary(f: &Figures) -> String {
    let [max, avg, p95, min] = f.rate;
    let [lmin, lavg, l95, lmax] = f.latency_ms;
    format!(
        "========================================\n \
         TOTAL:           SECONDS {}; HANDSHAKES {}\n \
         HANDSHAKES/sec:  MAX {max}; AVG {avg}; 95P {p95}; MIN {min}\n \
         LATENCY (ms):    MIN {}; AVG {}; 95P {}; MAX {}\n",
        f.seconds,
        f.handshakes,
        g6(lmin),
        g6(lavg),
        g6(l95),
        g6(lmax)
    )
}

#[cfg(test)]
mod tests;
