//! What the history keeps of one run, read from the run's JSON document (`--json` of
//! `stress`, or of `handshake`): the compared metrics, a few more figures, the errors by kind
//! and the merged latency histogram.

use super::compare::Metric;
use serde_json::Value;

/// Why a run document cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum RunDocError {
    #[error("the run document has no numeric {0}")]
    Missing(&'static str),
    #[error("the run document's latency_hdr is not base64: {0}")]
    Histogram(String),
}

/// The figures of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunFigures {
    /// (metric key, value): the [`Metric`]s first, then `p90_us`, `p999_us`, `max_us`,
    /// `responses`, `duration_s` where the document has them.
    pub metrics: Vec<(String, f64)>,
    /// The document's `errors` object (kind → count).
    pub errors_by_kind: Value,
    /// The document's `settings` object.
    pub settings: Value,
    /// Wall-clock start of the run, seconds since the Unix epoch.
    pub started_unix_s: f64,
    /// The merged latency histogram, HdrHistogram V2 + DEFLATE bytes (empty if absent).
    pub latency_hdr: Vec<u8>,
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

impl RunFigures {
    /// Reads a run document. Handshake documents name their rate `handshakes_per_s` and their
    /// CPU cost `us_per_handshake`; both land in the same metrics.
    pub fn from_json(doc: &Value) -> Result<RunFigures, RunDocError> {
        let rps = num(doc, &["rps"])
            .or_else(|| num(doc, &["handshakes_per_s"]))
            .ok_or(RunDocError::Missing("rps"))?;
        let lat = |k: &'static str| num(doc, &["latency_us", k]).ok_or(RunDocError::Missing(k));
        let cpu = num(doc, &["cpu", "us_per_response"])
            .or_else(|| num(doc, &["cpu", "us_per_handshake"]))
            .ok_or(RunDocError::Missing("cpu.us_per_response"))?;
        let errors_by_kind = doc.get("errors").cloned().unwrap_or(Value::Null);
        let errors: f64 = match &errors_by_kind {
            Value::Object(m) => m.values().filter_map(Value::as_f64).sum(),
            Value::Number(n) => n.as_f64().unwrap_or(0.0),
            _ => return Err(RunDocError::Missing("errors")),
        };
        let mut metrics = Vec::new();
        for m in Metric::ALL {
            let v = match m {
                Metric::Rps => rps,
                Metric::P50 => lat("p50")?,
                Metric::P99 => lat("p99")?,
                Metric::Cpu => cpu,
                Metric::Errors => errors,
            };
            metrics.push((m.key().to_string(), v));
        }
        for (key, path) in [
            ("p90_us", &["latency_us", "p90"][..]),
            ("p999_us", &["latency_us", "p999"]),
            ("max_us", &["latency_us", "max"]),
            ("responses", &["responses"]),
            ("handshakes", &["handshakes"]),
            ("duration_s", &["duration_s"]),
        ] {
            if let Some(v) = num(doc, path) {
                metrics.push((key.to_string(), v));
            }
        }
        let latency_hdr = match doc.get("latency_hdr").and_then(Value::as_str) {
            Some(s) if !s.is_empty() => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| RunDocError::Histogram(e.to_string()))?
            }
            _ => Vec::new(),
        };
        Ok(RunFigures {
            metrics,
            errors_by_kind,
            settings: doc.get("settings").cloned().unwrap_or(Value::Null),
            started_unix_s: num(doc, &["started_unix_s"]).unwrap_or(0.0),
            latency_hdr,
        })
    }

    /// The value of `key`, if the run has it.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.metrics.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
}
