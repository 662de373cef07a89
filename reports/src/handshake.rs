//! The `handshake` workload's output: the start header, the per-second line, tls-perf's
//! report lines (TOTAL, MEASURES, LATENCY) with full latency percentiles, errors by kind and
//! the rest ([`summary`]), and the JSON document ([`to_json`]). Pure functions: the binary
//! prints the strings and writes the file.

use crate::json::TOOL;
use serde_json::{json, Map, Value};
use std::fmt::Write;
use tfw_engine::handshake_run::{HandshakeResult, HsInterval};
use tfw_engine::plan::HandshakePlan;
use tfw_engine::stats::handshake::{HsError, HsSnapshot};

/// What the JSON document holds beside the result, which the engine does not know.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HandshakeMeta {
    /// The tool's version (`CARGO_PKG_VERSION` of the binary).
    pub version: String,
    /// Wall-clock start of the run, seconds since the Unix epoch (0 when unknown).
    pub started_unix_s: f64,
    /// The target as the user wrote it (HOST:PORT).
    pub target: String,
    /// The address it resolved to.
    pub address: String,
    /// The run's settings (a JSON object, shown as is).
    pub settings: Value,
    /// `--request PATH`: the path requested after each handshake.
    pub request_path: Option<String>,
}

/// "Running 10s handshake test @ HOST:PORT (ADDR)" and the lines under it; `versions` is the
/// TLS versions offered as the user asked ("1.2", "1.3", "1.2+1.3").
pub fn header(plan: &HandshakePlan, versions: &str, request_path: Option<&str>) -> String {
    let length = match (plan.duration, plan.handshakes) {
        (Some(d), Some(n)) => format!("{n} handshakes / {d:?}"),
        (None, Some(n)) => format!("{n} handshakes"),
        (Some(d), None) => format!("{d:?}"),
        (None, None) => "an unbounded".to_string(),
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Running {length} handshake test @ {} ({})\n  {} peers, {} worker(s), tickets {}, TLS {}",
        plan.target_name,
        plan.target,
        plan.conns,
        plan.cpus.len(),
        if plan.tls.tickets { "on" } else { "off" },
        versions,
    );
    if let Some(path) = request_path {
        let _ = writeln!(s, "  One request per connection: GET {path}");
    }
    if plan.tls.roots.is_none() {
        let _ = writeln!(
            s,
            "  Certificates are NOT verified (use --verify --cacert FILE to verify them)"
        );
    }
    s
}

/// The line printed for each second of the run.
pub fn interval_line(iv: &HsInterval) -> String {
    let s = &iv.snapshot;
    format!(
        "  [{:>4.0}s] HANDSHAKES/s {:>7}  in progress {:>5}  errors {}\n",
        iv.t_s,
        s.handshakes,
        s.in_progress,
        s.total_errors()
    )
}

/// Handshakes/s of each full second, and (MAX, AVG, 95P, MIN) as tls-perf computes them:
/// 95P is the rate 95 % of the seconds reached.
fn rates(r: &HandshakeResult) -> (Vec<u64>, [f64; 4]) {
    let per_s = r.interval.as_secs_f64().max(1e-9);
    let mut series: Vec<u64> = r
        .intervals
        .iter()
        .map(|iv| (iv.snapshot.handshakes as f64 / per_s).round() as u64)
        .collect();
    let overall = if r.elapsed.is_zero() {
        0.0
    } else {
        r.totals.handshakes as f64 / r.elapsed.as_secs_f64()
    };
    if series.is_empty() {
        return (series, [overall; 4]);
    }
    let avg = series.iter().sum::<u64>() as f64 / series.len() as f64;
    let out = series.clone();
    series.sort_unstable_by(|a, b| b.cmp(a));
    let p95 = series[(series.len() * 95 / 100).min(series.len() - 1)];
    (
        out,
        [
            series[0] as f64,
            avg,
            p95 as f64,
            series[series.len() - 1] as f64,
        ],
    )
}

/// Responses by status class: 1xx ... 5xx, and "other" when some status was outside them.
fn status_classes(t: &HsSnapshot) -> Vec<(String, u64)> {
    let c = &t.status_classes;
    let mut v: Vec<(String, u64)> = (1..=5).map(|i| (format!("{i}xx"), c[i])).collect();
    if c[0] > 0 {
        v.push(("other".into(), c[0]));
    }
    v
}

/// tls-perf's report lines and the rest; the REQUESTS line only with `requests`.
pub fn summary(r: &HandshakeResult, requests: bool) -> String {
    let t = &r.totals;
    let h = &t.latency;
    let ms = |us: u64| us as f64 / 1000.0;
    let (_, [max, avg, p95, min]) = rates(r);
    let mut s = String::new();
    let _ = writeln!(s, "========================================");
    let _ = writeln!(
        s,
        " TOTAL:                  SECONDS {:.1}; HANDSHAKES {}",
        r.elapsed.as_secs_f64(),
        t.handshakes
    );
    let _ = writeln!(
        s,
        " MEASURES (seconds) {}:  MAX h/s {max:.0}; AVG h/s {avg:.0}; 95P h/s {p95:.0}; MIN h/s {min:.0}",
        r.intervals.len()
    );
    if h.is_empty() {
        let _ = writeln!(s, " LATENCY (ms):           no handshake completed");
    } else {
        let _ = writeln!(
            s,
            " LATENCY (ms):           MIN {:.2}; AVG {:.2}; 95P {:.2}; MAX {:.2}",
            ms(h.min()),
            h.mean() / 1000.0,
            ms(h.value_at_quantile(0.95)),
            ms(h.max())
        );
        let _ = writeln!(
            s,
            " LATENCY percentiles (ms): p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  p99.99 {:.2}  (HDR, {} handshakes)",
            ms(h.value_at_quantile(0.5)),
            ms(h.value_at_quantile(0.9)),
            ms(h.value_at_quantile(0.99)),
            ms(h.value_at_quantile(0.999)),
            ms(h.value_at_quantile(0.9999)),
            h.len()
        );
    }
    let errors: Vec<String> = HsError::ALL
        .iter()
        .filter(|&&k| requests || k != HsError::Request)
        .map(|&k| format!("{} {}", k.name(), t.error(k)))
        .collect();
    let _ = writeln!(s, " ERRORS:                 {}", errors.join(", "));
    for k in HsError::ALL {
        if let Some(m) = &r.first_errors[k as usize] {
            let _ = writeln!(s, "   first {} error: {m}", k.name());
        }
    }
    if requests {
        let _ = writeln!(
            s,
            " REQUESTS:               {} answered ({}), {} failed; {} more answered in the slow start (not counted)",
            t.responses,
            status_classes(t)
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            t.error(HsError::Request),
            r.uncounted_responses
        );
    }
    if let Some(n) = &r.negotiated {
        let _ = writeln!(s, " NEGOTIATED:             {n}");
    }
    let _ = writeln!(
        s,
        " RESUMED:                {} of {} handshakes",
        t.resumed, t.handshakes
    );
    if t.handshakes > 0 {
        let _ = writeln!(
            s,
            " CPU:                    {:.0} us per handshake (workers), I/O {}",
            r.worker_cpu_s * 1e6 / t.handshakes as f64,
            r.io.backend
        );
    }
    if r.slow_start_only {
        let _ = writeln!(
            s,
            " (the run ended during the slow start: nothing was counted)"
        );
    }
    if r.interrupted {
        let _ = writeln!(s, " (interrupted)");
    }
    s
}

pub fn to_json(r: &HandshakeResult, meta: &HandshakeMeta) -> Value {
    let t = &r.totals;
    let h = &t.latency;
    let (series, [max, avg, p95, min]) = rates(r);
    let q = |x: f64| {
        if h.is_empty() {
            0
        } else {
            h.value_at_quantile(x)
        }
    };
    let mut errors = Map::new();
    let mut first = Map::new();
    for k in HsError::ALL {
        errors.insert(k.name().into(), json!(t.error(k)));
        if let Some(m) = &r.first_errors[k as usize] {
            first.insert(k.name().into(), json!(m));
        }
    }
    errors.insert("total".into(), json!(t.total_errors()));
    let secs = r.elapsed.as_secs_f64();
    json!({
        "tool": TOOL,
        "version": meta.version,
        "mode": "handshake",
        "target": meta.target,
        "address": meta.address,
        "started_unix_s": meta.started_unix_s,
        "duration_s": secs,
        "interrupted": r.interrupted,
        "settings": meta.settings,
        "negotiated": r.negotiated,
        "handshakes": t.handshakes,
        "resumed": t.resumed,
        "requests": meta.request_path.as_ref().map(|path| json!({
            "path": path,
            "answered": t.responses,
            "failed": t.error(HsError::Request),
            "answered_in_slow_start": r.uncounted_responses,
            "status": status_classes(t)
                .into_iter()
                .map(|(k, n)| (k, json!(n)))
                .collect::<Map<_, _>>(),
        })),
        "handshakes_per_s": if secs > 0.0 { t.handshakes as f64 / secs } else { 0.0 },
        "per_second": { "max": max, "avg": avg, "p95": p95, "min": min, "series": series },
        "errors": errors,
        "first_errors": first,
        "latency_us": {
            "count": h.len(),
            "min": if h.is_empty() { 0 } else { h.min() },
            "mean": if h.is_empty() { 0.0 } else { h.mean() },
            "p50": q(0.5), "p90": q(0.9), "p95": q(0.95), "p99": q(0.99),
            "p99_9": q(0.999), "p99_99": q(0.9999),
            "max": h.max(),
        },
        "cpu": {
            "user_s": r.cpu.user_s,
            "sys_s": r.cpu.sys_s,
            "workers_s": r.worker_cpu_s,
            "us_per_handshake": if t.handshakes > 0 { r.worker_cpu_s * 1e6 / t.handshakes as f64 } else { 0.0 },
        },
        "io": r.io.backend,
        "aborted": r.aborted,
        "slow_start_only": r.slow_start_only,
    })
}
