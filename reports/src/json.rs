//! The machine-readable run document: one JSON object per run, described by the committed
//! JSON Schema `schema/run.schema.json` ([`crate::RUN_SCHEMA`]).
//!
//! Field names are a contract: fields may be added, never renamed or removed. Counts are JSON
//! integers, rates/durations/latencies JSON numbers; latencies are microseconds. Every float
//! is finite (an empty run gives zeros, never NaN/null), so the document always validates.

use crate::latency::{LatencySummary, PERCENTILES};
use crate::units::finite_or_zero;
use serde_json::{json, Map, Value};
use tfw_engine::result::{Interval, RunResult, WorkerInfo};
use tfw_engine::stats::{Counters, ErrorKind};

/// The value of the `tool` field.
pub const TOOL: &str = "tfw-bench";

/// Facts about the build that produced the run, which the engine does not know.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    /// The tool's version (`CARGO_PKG_VERSION` of the binary).
    pub version: String,
    /// The source commit the binary was built from, when known.
    pub commit: Option<String>,
    /// The run's settings as the user gave them (a JSON object; reports show it as is).
    pub settings: Value,
    /// Wall-clock start of the run, seconds since the Unix epoch (0 when unknown).
    pub started_unix_s: f64,
}

/// The JSON run document of `r`.
pub fn to_json(r: &RunResult, meta: &Meta) -> Value {
    let c = &r.totals.counters;
    let lat = LatencySummary::from_snapshot(&r.totals);
    let cpu_s = finite_or_zero(r.cpu.user_s) + finite_or_zero(r.cpu.sys_s);
    let us_per_response = if c.responses > 0 {
        cpu_s * 1e6 / c.responses as f64
    } else {
        0.0
    };
    let mut doc = json!({
        "tool": TOOL,
        "version": meta.version,
        "commit": meta.commit,
        "target": r.target,
        "duration_s": finite_or_zero(r.elapsed.as_secs_f64()),
        "interrupted": r.interrupted,
        "connections": {
            "requested": r.conns_requested,
            "established": r.conns_established,
            "connects": c.connects,
        },
        "pipeline": r.pipeline,
        "requests": c.requests,
        "responses": c.responses,
        "unanswered": r.unanswered,
        "rps": finite_or_zero(r.rps()),
        "bytes_read": c.bytes_read,
        "bytes_written": c.bytes_written,
        "status": status_object(c),
        "errors": errors_object(c),
        "latency_us": latency_object(&lat),
        "io": {
            "backend": r.io.backend,
            "multishot_recv": r.io.multishot_recv,
            "buffer_ring": r.io.buffer_ring,
            "registered_files": r.io.registered_files,
            "single_issuer": r.io.single_issuer,
            "defer_taskrun": r.io.defer_taskrun,
            "fallback_reason": r.io.fallback_reason,
        },
        "cpu": {
            "user_s": finite_or_zero(r.cpu.user_s),
            "sys_s": finite_or_zero(r.cpu.sys_s),
            "us_per_response": finite_or_zero(us_per_response),
        },
        "max_rss_kib": r.cpu.max_rss_kib,
        "workers": r.workers.iter().map(worker_object).collect::<Vec<_>>(),
        "intervals": r.intervals.iter().map(interval_object).collect::<Vec<_>>(),
        "settings": if meta.settings.is_object() { meta.settings.clone() } else { json!({}) },
        "started_unix_s": finite_or_zero(meta.started_unix_s),
        "latency_hdr": histogram_base64(&r.totals.latency),
        "warmup_s": finite_or_zero(r.warmup.as_secs_f64()),
        "warnings": crate::warnings::warnings(r),
        "protocol": r.protocol,
    });
    if let Some(t) = &r.tls_negotiated {
        doc["tls"] = json!(t);
    }
    if r.protocol != "http/1.1" {
        doc["h2"] = json!({
            "streams": r.pipeline,
            "streams_reset": c.error(ErrorKind::Reset),
            "goaways": c.goaways,
            "refused": c.refused,
        });
    }
    if let Some(rate) = &r.rate {
        let unc = LatencySummary::from_histogram(&r.totals.latency_uncorrected);
        doc["latency_uncorrected_us"] = latency_object(&unc);
        doc["rate"] = json!({
            "target_rps": finite_or_zero(rate.target_rps),
            "sent_rps": finite_or_zero(r.sent_rps()),
            "late": c.late,
            "unsent": rate.unsent,
            "max_lag_us": c.max_lag_us,
        });
    }
    doc
}

/// The merged latency histogram, V2-compressed (DEFLATE) and base64-encoded: the form
/// HdrHistogram's interval logs use, so any HdrHistogram port can decode it. Empty string if
/// serialisation fails (it cannot for an in-memory histogram).
pub fn histogram_base64(h: &hdrhistogram::Histogram<u64>) -> String {
    use base64::Engine as _;
    use hdrhistogram::serialization::{Serializer as _, V2DeflateSerializer};
    let mut bytes = Vec::new();
    match V2DeflateSerializer::new().serialize(h, &mut bytes) {
        Ok(_) => base64::engine::general_purpose::STANDARD.encode(bytes),
        Err(_) => String::new(),
    }
}

/// Decodes [`histogram_base64`]'s output.
pub fn histogram_from_base64(s: &str) -> Option<hdrhistogram::Histogram<u64>> {
    use base64::Engine as _;
    use hdrhistogram::serialization::Deserializer;
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    Deserializer::new().deserialize(&mut bytes.as_slice()).ok()
}

/// `{"200": N, ...}`: only codes seen.
fn status_object(c: &Counters) -> Value {
    let map: Map<String, Value> = c
        .status
        .iter()
        .map(|&(code, n)| (code.to_string(), Value::from(n)))
        .collect();
    Value::Object(map)
}

/// `{"connect": N, "read": N, ...}`: every kind, zeros included.
fn errors_object(c: &Counters) -> Value {
    let map: Map<String, Value> = ErrorKind::ALL
        .iter()
        .map(|&k| (k.name().to_string(), Value::from(c.error(k))))
        .collect();
    Value::Object(map)
}

/// `{"min", "mean", "stdev", "p50", ..., "p9999", "max"}` in µs.
fn latency_object(lat: &LatencySummary) -> Value {
    let mut map = Map::new();
    map.insert("min".into(), json!(lat.min));
    map.insert("mean".into(), json!(lat.mean));
    map.insert("stdev".into(), json!(lat.stdev));
    for (&(_, key, _), &v) in PERCENTILES.iter().zip(lat.percentiles.iter()) {
        map.insert(key.into(), json!(v));
    }
    map.insert("max".into(), json!(lat.max));
    Value::Object(map)
}

fn worker_object(w: &WorkerInfo) -> Value {
    json!({
        "cpu": w.cpu,
        "conns": w.conns,
        "cpu_s": finite_or_zero(w.cpu_s),
        "busy": finite_or_zero(w.busy),
        "saturated": w.busy > tfw_engine::result::SATURATED_BUSY,
    })
}

fn interval_object(i: &Interval) -> Value {
    let c = &i.snapshot.counters;
    let lat = LatencySummary::from_snapshot(&i.snapshot);
    json!({
        "t_s": finite_or_zero(i.t_s),
        "requests": c.requests,
        "responses": c.responses,
        "errors": c.total_errors(),
        "bytes_read": c.bytes_read,
        "late": c.late,
        "max_lag_us": c.max_lag_us,
        "latency_us": {
            "p50": lat.p50(),
            "p90": lat.p90(),
            "p99": lat.p99(),
            "max": lat.max,
        },
    })
}
