//! `tfw-bench handshake HOST:PORT`: the tls-perf replacement. Options -> `HandshakePlan`,
//! a per-second line while it runs, then tls-perf's report lines (TOTAL, MEASURES, LATENCY),
//! full latency percentiles, errors by kind, and optionally a JSON document.

use crate::cli::IoOpts;
use crate::parse;
use crate::plan::{io_mode, worker_cpus};
use crate::stress::EXIT_INTERRUPTED;
use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::json;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use tfw_engine::handshake_run::{run_handshakes, HandshakeResult, HsInterval};
use tfw_engine::plan::HandshakePlan;
use tfw_engine::stats::handshake::HsError;

#[derive(Args, Debug)]
pub struct HandshakeOpts {
    /// Target HOST:PORT (e.g. 127.0.0.1:443, localhost:8443, [::1]:443).
    pub target: String,
    /// Peers: handshakes in progress at once (over all workers).
    #[arg(short = 'c', long = "conns", default_value_t = 10)]
    pub conns: u32,
    #[command(flatten)]
    pub io: IoOpts,
    /// Length of the measured phase (after the slow start), e.g. 10s (default 10s; with -n,
    /// no limit but the count).
    #[arg(short = 'd', long)]
    pub duration: Option<String>,
    /// Stop after exactly N measured handshakes.
    #[arg(short = 'n', long = "handshakes")]
    pub handshakes: Option<u64>,
    #[command(flatten)]
    pub tls: crate::tls_opts::TlsOpts,
    /// A connect plus handshake not done within this long is a timeout.
    #[arg(long, default_value = "5s")]
    pub timeout: String,
    /// After each handshake send one HTTP/1.1 GET (of PATH, default /) and read its response
    /// before the reset; the handshake latency is still the handshake's.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "/")]
    pub request: Option<String>,
    /// Write the results as JSON to FILE.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// No per-second lines.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// "host:port" -> (host as the user wrote it, without brackets; the address).
fn target(s: &str) -> Result<(String, SocketAddr)> {
    let Some((host, port)) = s.rsplit_once(':') else {
        bail!("{s:?}: expected HOST:PORT, e.g. 127.0.0.1:443");
    };
    if host.is_empty() || port.parse::<u16>().is_err() {
        bail!("{s:?}: expected HOST:PORT, e.g. 127.0.0.1:443");
    }
    let addr = s
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {s:?}"))?
        .next()
        .with_context(|| format!("{s:?} resolves to no address"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_string(), addr))
}

/// `--request [PATH]`: `GET PATH` with `Host` (the --sni name or the target's host, and
/// the port), built once.
fn request_bytes(o: &HandshakeOpts) -> Result<Option<Vec<u8>>> {
    let Some(path) = &o.request else {
        return Ok(None);
    };
    if !path.starts_with('/')
        || path
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        bail!("--request {path:?}: expected a path such as / or /index.html");
    }
    let host = match (&o.tls.sni, o.target.rsplit_once(':')) {
        (Some(sni), Some((_, port))) => format!("{sni}:{port}"),
        _ => o.target.clone(),
    };
    Ok(Some(tfw_engine::proto::h1::build_request(
        "GET",
        path,
        &host,
        &[],
        b"",
    )))
}

pub fn plan(o: &HandshakeOpts) -> Result<HandshakePlan> {
    let (host, addr) = target(&o.target)?;
    if o.conns == 0 {
        bail!("--conns must be at least 1");
    }
    if o.handshakes == Some(0) {
        bail!("--handshakes must be at least 1");
    }
    let duration = match (&o.duration, o.handshakes) {
        (Some(d), _) => Some(parse::duration(d).context("--duration")?),
        (None, Some(_)) => None,
        (None, None) => Some(Duration::from_secs(10)),
    };
    if duration.is_some_and(|d| d.is_zero()) {
        bail!("--duration must be greater than zero");
    }
    let timeout = parse::duration(&o.timeout).context("--timeout")?;
    if timeout.is_zero() {
        bail!("--timeout must be greater than zero");
    }
    let tls = o.tls.settings(&host, Vec::new(), false)?;
    let mut cpus = worker_cpus(&o.io, &[])?;
    cpus.truncate(o.conns as usize);
    Ok(HandshakePlan {
        target_name: o.target.clone(),
        target: addr,
        conns: o.conns,
        cpus,
        tls,
        duration,
        handshakes: o.handshakes,
        timeout,
        io: io_mode(o.io.io),
        interval: Duration::from_secs(1),
        request: request_bytes(o)?,
    })
}

pub fn run(o: HandshakeOpts, stop: Arc<AtomicBool>) -> Result<i32> {
    let plan = plan(&o)?;
    if let Some(path) = &o.json {
        std::fs::write(path, b"").with_context(|| format!("cannot write {}", path.display()))?;
    }
    let length = match (plan.duration, plan.handshakes) {
        (Some(d), Some(n)) => format!("{n} handshakes / {d:?}"),
        (None, Some(n)) => format!("{n} handshakes"),
        (Some(d), None) => format!("{d:?}"),
        (None, None) => unreachable!("plan() sets a duration or a count"),
    };
    println!(
        "Running {length} handshake test @ {} ({})\n  {} peers, {} worker(s), tickets {}, TLS {}",
        plan.target_name,
        plan.target,
        plan.conns,
        plan.cpus.len(),
        if plan.tls.tickets { "on" } else { "off" },
        o.tls.versions_label(),
    );
    if let Some(path) = &o.request {
        println!("  One request per connection: GET {path}");
    }
    if plan.tls.roots.is_none() {
        println!("  Certificates are NOT verified (use --verify --cacert FILE to verify them)");
    }
    let quiet = o.quiet;
    let mut on_interval = |iv: &HsInterval| {
        if !quiet {
            let s = &iv.snapshot;
            println!(
                "  [{:>4.0}s] HANDSHAKES/s {:>7}  in progress {:>5}  errors {}",
                iv.t_s,
                s.handshakes,
                s.in_progress,
                s.total_errors()
            );
        }
    };
    let started = std::time::SystemTime::now();
    let r = run_handshakes(&plan, stop, &mut on_interval)?;
    print!("{}", summary(&r, plan.request.is_some()));
    if let Some(path) = &o.json {
        let doc = json_doc(&o, &plan, &r, started);
        std::fs::write(path, serde_json::to_vec_pretty(&doc)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if r.interrupted {
        return Ok(EXIT_INTERRUPTED);
    }
    if r.totals.handshakes == 0 {
        let why = r
            .aborted
            .clone()
            .or_else(|| r.first_errors.iter().flatten().next().cloned())
            .unwrap_or_else(|| "none completed".into());
        eprintln!("tfw-bench: error: no TLS handshake succeeded: {why}");
        return Ok(1);
    }
    Ok(0)
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
fn status_classes(t: &tfw_engine::stats::handshake::HsSnapshot) -> Vec<(String, u64)> {
    let c = &t.status_classes;
    let mut v: Vec<(String, u64)> = (1..=5).map(|i| (format!("{i}xx"), c[i])).collect();
    if c[0] > 0 {
        v.push(("other".into(), c[0]));
    }
    v
}

/// tls-perf's report lines and the rest; the REQUESTS line only with `requests`.
fn summary(r: &HandshakeResult, requests: bool) -> String {
    use std::fmt::Write;
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

fn json_doc(
    o: &HandshakeOpts,
    plan: &HandshakePlan,
    r: &HandshakeResult,
    started: std::time::SystemTime,
) -> serde_json::Value {
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
    let mut errors = serde_json::Map::new();
    let mut first = serde_json::Map::new();
    for k in HsError::ALL {
        errors.insert(k.name().into(), json!(t.error(k)));
        if let Some(m) = &r.first_errors[k as usize] {
            first.insert(k.name().into(), json!(m));
        }
    }
    errors.insert("total".into(), json!(t.total_errors()));
    let secs = r.elapsed.as_secs_f64();
    json!({
        "tool": "tfw-bench",
        "version": env!("CARGO_PKG_VERSION"),
        "mode": "handshake",
        "target": plan.target_name,
        "address": plan.target.to_string(),
        "started_unix_s": started
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
        "duration_s": secs,
        "interrupted": r.interrupted,
        "settings": {
            "conns": plan.conns,
            "threads": plan.cpus.len(),
            "cpus": plan.cpus,
            "duration": o.duration,
            "handshakes": o.handshakes,
            "tls": o.tls.tls,
            "ciphers": plan.tls.ciphers,
            "curves": plan.tls.curves,
            "tickets": plan.tls.tickets,
            "server_name": plan.tls.server_name,
            "verify": plan.tls.roots.is_some(),
            "timeout_s": plan.timeout.as_secs_f64(),
            "io": format!("{:?}", plan.io),
        },
        "negotiated": r.negotiated,
        "handshakes": t.handshakes,
        "resumed": t.resumed,
        "requests": plan.request.as_ref().map(|_| json!({
            "path": o.request,
            "answered": t.responses,
            "failed": t.error(HsError::Request),
            "answered_in_slow_start": r.uncounted_responses,
            "status": status_classes(t)
                .into_iter()
                .map(|(k, n)| (k, json!(n)))
                .collect::<serde_json::Map<_, _>>(),
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
