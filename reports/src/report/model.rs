//! The run documents `tfw-bench stress --json` writes, read back as typed structs for reports.
//!
//! Parsing is lenient where the format grew over time (older files lack `settings`,
//! `started_unix_s` and `latency_hdr`; only fixed-rate runs carry `latency_uncorrected_us`)
//! and strict where a report would be meaningless: the text must be JSON, an object whose
//! `tool` is `"tfw-bench"`, with the counts and the latency summary every version wrote.

use super::target::TargetDoc;
use crate::json::{histogram_from_base64, TOOL};
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Why a text is not a usable run document.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("not a tfw-bench run document: {0}")]
    NotARun(String),
    #[error("a tfw-bench run document with a bad field: {0}")]
    BadField(serde_json::Error),
    #[error("latency_hdr is not a base64 HdrHistogram (V2 + DEFLATE)")]
    BadHistogram,
    #[error("a tfw-bench run document with a bad target object: {0}")]
    BadTarget(String),
}

/// Latency statistics in microseconds (`latency_us`, `latency_uncorrected_us`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Latency {
    pub min: f64,
    pub mean: f64,
    pub stdev: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub p9999: f64,
    pub max: f64,
}

impl Latency {
    /// The percentile points as (fraction, value in µs), lowest first.
    pub fn percentile_points(&self) -> [(f64, f64); 6] {
        [
            (0.50, self.p50),
            (0.75, self.p75),
            (0.90, self.p90),
            (0.99, self.p99),
            (0.999, self.p999),
            (0.9999, self.p9999),
        ]
    }
}

/// `connections`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Connections {
    pub requested: u64,
    pub established: u64,
    pub connects: u64,
}

/// `cpu`: the client's CPU time.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Cpu {
    pub user_s: f64,
    pub sys_s: f64,
    pub us_per_response: f64,
}

/// The latency percentiles of one interval (`intervals[].latency_us`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct IntervalLatency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// One entry of `intervals`: counts during the interval ending `t_s` seconds into the run.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct IntervalDoc {
    pub t_s: f64,
    pub requests: u64,
    pub responses: u64,
    pub errors: u64,
    pub bytes_read: u64,
    pub latency_us: IntervalLatency,
}

/// A run document, as far as reports use it. Unknown fields are ignored.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RunDoc {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub commit: Option<String>,
    /// The URL loaded (empty when the key holds the control object instead).
    #[serde(default, deserialize_with = "url_or_object")]
    pub target: String,
    /// The controlled target (`--testbed` runs), see [`TargetDoc::of`].
    #[serde(skip)]
    pub control: Option<TargetDoc>,
    #[serde(default)]
    pub duration_s: f64,
    #[serde(default)]
    pub interrupted: bool,
    #[serde(default)]
    pub connections: Connections,
    #[serde(default)]
    pub pipeline: u64,
    pub requests: u64,
    pub responses: u64,
    #[serde(default)]
    pub unanswered: u64,
    #[serde(default)]
    pub rps: f64,
    #[serde(default)]
    pub bytes_read: u64,
    #[serde(default)]
    pub bytes_written: u64,
    /// Responses by status code (`"200"` -> count).
    #[serde(default)]
    pub status: BTreeMap<String, u64>,
    /// Errors by kind (`"timeout"` -> count).
    #[serde(default)]
    pub errors: BTreeMap<String, u64>,
    pub latency_us: Latency,
    /// Latency from the actual send time (fixed-rate runs only).
    #[serde(default)]
    pub latency_uncorrected_us: Option<Latency>,
    #[serde(default)]
    pub cpu: Cpu,
    #[serde(default)]
    pub intervals: Vec<IntervalDoc>,
    /// The run's settings as the user gave them; empty in older files.
    #[serde(default)]
    pub settings: Map<String, Value>,
    /// Wall-clock start, seconds since the Unix epoch; absent or 0 when unknown.
    #[serde(default)]
    pub started_unix_s: Option<f64>,
    /// The merged latency histogram, base64 (see [`crate::json::histogram_base64`]).
    #[serde(default)]
    pub latency_hdr: Option<String>,
}

/// `target`: a URL string, or the control object (read apart, see [`TargetDoc::of`]).
fn url_or_object<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Object(o) => o
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    })
}

impl RunDoc {
    /// Errors of every kind added up.
    pub fn total_errors(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// A parsed run with the name it is shown under and its decoded latency histogram (µs).
#[derive(Clone, Debug)]
pub struct Run {
    pub label: String,
    pub doc: RunDoc,
    /// `None` when the document has no (or an empty) `latency_hdr`.
    pub histogram: Option<Histogram<u64>>,
}

impl Run {
    /// Parses the text of a run document, to be shown as `label`.
    pub fn parse(label: &str, text: &str) -> Result<Run, ParseError> {
        let value: Value = serde_json::from_str(text).map_err(ParseError::NotJson)?;
        let Some(obj) = value.as_object() else {
            return Err(ParseError::NotARun(format!(
                "the top level is {}, not an object",
                kind_of(&value)
            )));
        };
        match obj.get("tool") {
            Some(Value::String(t)) if t == TOOL => {}
            Some(other) => {
                return Err(ParseError::NotARun(format!(
                    "\"tool\" is {other}, not \"{TOOL}\""
                )))
            }
            None => return Err(ParseError::NotARun("no \"tool\" field".to_string())),
        }
        let control = TargetDoc::of(&value)
            .transpose()
            .map_err(ParseError::BadTarget)?;
        let mut doc: RunDoc = serde_json::from_value(value).map_err(ParseError::BadField)?;
        doc.control = control;
        let histogram = match doc.latency_hdr.as_deref() {
            None | Some("") => None,
            Some(s) => Some(histogram_from_base64(s).ok_or(ParseError::BadHistogram)?),
        };
        Ok(Run {
            label: label.to_string(),
            doc,
            histogram,
        })
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/run.sample.json");

    #[test]
    fn parses_the_sample_document() {
        let run = Run::parse("sample", SAMPLE).unwrap();
        let d = &run.doc;
        assert_eq!(run.label, "sample");
        assert_eq!(d.requests, 1105);
        assert_eq!(d.responses, 1000);
        assert_eq!(d.rps, 500.0);
        assert_eq!(d.errors["timeout"], 2);
        assert_eq!(d.total_errors(), 3);
        assert_eq!(d.status["404"], 10);
        assert_eq!(d.latency_us.p99, 990.0);
        assert_eq!(d.latency_us.max, 1000.0);
        assert_eq!(d.cpu.us_per_response, 1000.0);
        assert_eq!(d.intervals.len(), 2);
        assert_eq!(d.intervals[1].t_s, 2.0);
        assert_eq!(d.intervals[1].latency_us.p99, 995.0);
        assert_eq!(d.settings["connections"], 2);
        assert_eq!(d.started_unix_s, Some(1_700_000_000.0));
        assert_eq!(d.commit.as_deref(), Some("2d45108"));
        assert!(d.latency_uncorrected_us.is_none());
        let h = run.histogram.expect("sample has latency_hdr");
        assert_eq!(h.len(), 1000);
        assert_eq!(h.max(), 1000);
    }

    #[test]
    fn older_documents_without_optional_fields_parse() {
        let mut v: Value = serde_json::from_str(SAMPLE).unwrap();
        let o = v.as_object_mut().unwrap();
        for k in [
            "settings",
            "started_unix_s",
            "latency_hdr",
            "intervals",
            "cpu",
        ] {
            o.remove(k);
        }
        let run = Run::parse("old", &v.to_string()).unwrap();
        assert!(run.histogram.is_none());
        assert!(run.doc.settings.is_empty());
        assert!(run.doc.intervals.is_empty());
        assert_eq!(run.doc.started_unix_s, None);
        assert_eq!(run.doc.latency_us.p50, 500.0);
    }

    #[test]
    fn uncorrected_latency_is_read_when_present() {
        let mut v: Value = serde_json::from_str(SAMPLE).unwrap();
        v["latency_uncorrected_us"] = serde_json::json!({"p50": 120.0, "p99": 480.0, "max": 600.0});
        let run = Run::parse("fixed", &v.to_string()).unwrap();
        let u = run.doc.latency_uncorrected_us.unwrap();
        assert_eq!((u.p50, u.p99, u.max, u.p75), (120.0, 480.0, 600.0, 0.0));
    }

    #[test]
    fn rejects_what_is_not_a_run() {
        let e = Run::parse("x", "this is not json").unwrap_err();
        assert!(matches!(e, ParseError::NotJson(_)), "{e}");
        let e = Run::parse("x", "[1, 2]").unwrap_err();
        assert!(e.to_string().contains("an array, not an object"), "{e}");
        let e = Run::parse("x", r#"{"requests": 1}"#).unwrap_err();
        assert!(e.to_string().contains("no \"tool\" field"), "{e}");
        let e = Run::parse("x", r#"{"tool": "wrk"}"#).unwrap_err();
        assert!(e.to_string().contains("\"wrk\", not \"tfw-bench\""), "{e}");
        let e = Run::parse("x", r#"{"tool": "tfw-bench", "requests": 1}"#).unwrap_err();
        assert!(matches!(e, ParseError::BadField(_)), "{e}");
        assert!(e.to_string().contains("responses"), "{e}");
    }

    #[test]
    fn rejects_a_corrupt_histogram() {
        let mut v: Value = serde_json::from_str(SAMPLE).unwrap();
        v["latency_hdr"] = Value::from("bm90IGEgaGlzdG9ncmFt");
        let e = Run::parse("x", &v.to_string()).unwrap_err();
        assert!(matches!(e, ParseError::BadHistogram), "{e}");
        // An empty string is what a failed serialisation writes: no histogram, no error.
        v["latency_hdr"] = Value::from("");
        assert!(Run::parse("x", &v.to_string()).unwrap().histogram.is_none());
    }
}
