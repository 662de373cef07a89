//! The regression matrix: which scenarios the nightly job runs, read from TOML and checked
//! before anything runs, so a typo fails the job in a second instead of after an hour.
//!
//! The format is documented with an example in `cli/matrix/README.md`. Every key of
//! `[defaults]` may also be set per `[[scenario]]`; unknown keys are errors. [`Matrix::parse`]
//! gives fully resolved [`Scenario`]s: nothing optional is left to guess at run time.

use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use super::compare::{Metric, Thresholds};

/// Why a matrix cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    /// TOML syntax, a wrong type, or an unknown key; `line`/`column` 1-based (0: unknown).
    #[error("line {line}, column {column} ({source_line}): {message}")]
    Toml {
        line: usize,
        column: usize,
        /// The offending line of the file, trimmed.
        source_line: String,
        message: String,
    },
    #[error("the matrix has no [[scenario]]")]
    NoScenarios,
    #[error("a [[scenario]] has no name")]
    NoName,
    #[error("scenario name {0:?}: use letters, digits, '.', '_' and '-' only")]
    BadName(String),
    #[error("two scenarios are named {0:?}")]
    DuplicateName(String),
    #[error("scenario {scenario:?}: {key} = {value:?}: {why}")]
    BadValue {
        scenario: String,
        key: &'static str,
        value: String,
        why: String,
    },
    #[error("scenario {scenario:?}: {why}")]
    Conflict { scenario: String, why: String },
    #[error("[compare] {key} = {value}: {why}")]
    BadCompare {
        key: String,
        value: String,
        why: String,
    },
}

/// HTTP version of a load scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Protocol {
    #[serde(rename = "http1")]
    Http1,
    /// HTTP/2 over TLS (ALPN).
    #[serde(rename = "h2")]
    H2,
    /// HTTP/2 over cleartext TCP (prior knowledge).
    #[serde(rename = "h2c")]
    H2c,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http1 => "http1",
            Protocol::H2 => "h2",
            Protocol::H2c => "h2c",
        }
    }
}

/// What a scenario measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Requests and responses (`tfw-bench stress`).
    Load,
    /// TLS handshakes: connect, handshake, reset, repeat (`tfw-bench handshake`).
    Handshake,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Load => "load",
            Kind::Handshake => "handshake",
        }
    }
}

/// Keys allowed in `[defaults]` and in each `[[scenario]]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Only in `[[scenario]]`.
    name: Option<String>,
    /// Only in `[[scenario]]`.
    description: Option<String>,
    kind: Option<Kind>,
    url: Option<String>,
    protocol: Option<Protocol>,
    tls: Option<String>,
    connections: Option<u32>,
    streams: Option<u32>,
    pipeline: Option<u32>,
    rate: Option<u64>,
    duration: Option<String>,
    repeats: Option<u32>,
    body_size: Option<usize>,
    delay: Option<String>,
    headers: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompare {
    alpha: Option<f64>,
    min_effect: Option<f64>,
    #[serde(default)]
    min_effect_by_metric: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    #[serde(default)]
    defaults: Settings,
    #[serde(default)]
    compare: RawCompare,
    #[serde(default)]
    scenario: Vec<Settings>,
}

/// A checked matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    pub scenarios: Vec<Scenario>,
    /// The statistics' settings (`[compare]`), defaults filled in.
    pub thresholds: Thresholds,
}

/// One scenario, every setting resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub kind: Kind,
    /// A real target; `None` = the built-in target.
    pub url: Option<String>,
    pub protocol: Protocol,
    /// TLS version asked for ("1.2" or "1.3"); `None` = the client's default (TLS is still
    /// used for `https://` URLs and HTTP/2).
    pub tls: Option<String>,
    pub connections: u32,
    /// HTTP/2 concurrent streams per connection; `None` = the client's default.
    pub streams: Option<u32>,
    /// HTTP/1.1 requests in flight per connection; `None` = 1.
    pub pipeline: Option<u32>,
    /// Requests (handshakes) per second in total; `None` = closed loop.
    pub rate: Option<u64>,
    pub duration: Duration,
    pub repeats: u32,
    /// Built-in target: response body size in bytes.
    pub body_size: usize,
    /// Built-in target: delay before every response.
    pub delay: Duration,
    /// Extra request headers "Name: value".
    pub headers: Vec<String>,
}

/// Default connections of a scenario that sets none.
pub const DEFAULT_CONNECTIONS: u32 = 50;
/// Default repeats.
pub const DEFAULT_REPEATS: u32 = 5;
/// Default duration of one run.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);
/// Default response body of the built-in target.
pub const DEFAULT_BODY_SIZE: usize = 2;

impl Matrix {
    /// Parses and checks a matrix.
    pub fn parse(text: &str) -> Result<Matrix, MatrixError> {
        let raw: RawMatrix = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        if raw.scenario.is_empty() {
            return Err(MatrixError::NoScenarios);
        }
        let thresholds = compare_settings(&raw.compare)?;
        if raw.defaults.name.is_some() || raw.defaults.description.is_some() {
            return Err(MatrixError::Conflict {
                scenario: "[defaults]".to_string(),
                why: "name and description belong in [[scenario]]".to_string(),
            });
        }
        let mut names = HashSet::new();
        let mut scenarios = Vec::with_capacity(raw.scenario.len());
        for rs in raw.scenario {
            let Some(name) = rs.name.clone() else {
                return Err(MatrixError::NoName);
            };
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                return Err(MatrixError::BadName(name));
            }
            if !names.insert(name.clone()) {
                return Err(MatrixError::DuplicateName(name));
            }
            scenarios.push(resolve(name, rs, &raw.defaults)?);
        }
        Ok(Matrix {
            scenarios,
            thresholds,
        })
    }

    /// Command-line overrides: `--repeats`, `--duration` and `--url` for every scenario.
    pub fn set_overrides(
        &mut self,
        repeats: Option<u32>,
        duration: Option<Duration>,
        url: Option<&str>,
    ) -> Result<(), MatrixError> {
        for s in &mut self.scenarios {
            if let Some(r) = repeats {
                s.repeats = positive(&s.name, "repeats", r)?;
            }
            if let Some(d) = duration {
                if d.is_zero() {
                    return Err(bad(&s.name, "duration", "0", "must be above zero"));
                }
                s.duration = d;
            }
            if let Some(u) = url {
                s.url = Some(check_url(&s.name, u)?);
            }
        }
        Ok(())
    }

    /// Seconds of load the matrix asks for (durations × repeats), without start-up and drain.
    pub fn planned_load(&self) -> Duration {
        self.scenarios.iter().map(|s| s.duration * s.repeats).sum()
    }
}

impl Scenario {
    /// Whether TLS is used: an `https://` URL, HTTP/2 over TLS, a TLS version, or handshakes.
    pub fn uses_tls(&self) -> bool {
        self.kind == Kind::Handshake
            || self.protocol == Protocol::H2
            || self.tls.is_some()
            || self.url.as_deref().is_some_and(|u| {
                u.get(..8)
                    .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
            })
    }

    /// The settings that define the load (not the target): runs are compared only with runs
    /// of the same scenario name and the same load key, so a changed scenario starts a new
    /// series. The target's settings (URL, body size, delay) are not part of it: they are what
    /// is being measured.
    pub fn load_key(&self) -> String {
        format!(
            "kind={} protocol={} tls={} connections={} streams={} pipeline={} rate={} duration_ms={} headers={}",
            self.kind.as_str(),
            self.protocol.as_str(),
            self.tls.as_deref().unwrap_or("-"),
            self.connections,
            opt(self.streams),
            opt(self.pipeline),
            opt(self.rate),
            self.duration.as_millis(),
            self.headers.join("|"),
        )
    }

    /// The scenario as JSON, for the history and the reports.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "description": self.description,
            "kind": self.kind.as_str(),
            "url": self.url,
            "builtin_target": self.url.is_none(),
            "protocol": self.protocol.as_str(),
            "tls": self.tls,
            "connections": self.connections,
            "streams": self.streams,
            "pipeline": self.pipeline,
            "rate": self.rate,
            "duration_s": self.duration.as_secs_f64(),
            "repeats": self.repeats,
            "body_size": self.body_size,
            "delay_s": self.delay.as_secs_f64(),
            "headers": self.headers,
        })
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn bad(scenario: &str, key: &'static str, value: &str, why: &str) -> MatrixError {
    MatrixError::BadValue {
        scenario: scenario.to_string(),
        key,
        value: value.to_string(),
        why: why.to_string(),
    }
}

fn positive<T: Copy + Default + PartialEq + std::fmt::Display>(
    scenario: &str,
    key: &'static str,
    v: T,
) -> Result<T, MatrixError> {
    if v == T::default() {
        Err(bad(scenario, key, &v.to_string(), "must be above zero"))
    } else {
        Ok(v)
    }
}

fn check_url(scenario: &str, url: &str) -> Result<String, MatrixError> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') => Ok(url.to_string()),
        _ => Err(bad(
            scenario,
            "url",
            url,
            "expected http://host[:port][/path] or https://...",
        )),
    }
}

fn resolve(name: String, s: Settings, d: &Settings) -> Result<Scenario, MatrixError> {
    let name_owned = name;
    let name = name_owned.as_str();
    macro_rules! pick {
        ($f:ident) => {
            s.$f.clone().or_else(|| d.$f.clone())
        };
    }
    let kind = pick!(kind).unwrap_or(Kind::Load);
    let protocol = pick!(protocol).unwrap_or(Protocol::Http1);
    let url = pick!(url).map(|u| check_url(name, &u)).transpose()?;
    let tls = match pick!(tls) {
        None => None,
        Some(v) if v == "1.2" || v == "1.3" => Some(v),
        Some(v) => return Err(bad(name, "tls", &v, "expected \"1.2\" or \"1.3\"")),
    };
    let duration = match pick!(duration) {
        Some(t) => {
            let d = parse_duration(&t).map_err(|why| bad(name, "duration", &t, &why))?;
            if d.is_zero() {
                return Err(bad(name, "duration", &t, "must be above zero"));
            }
            d
        }
        None => DEFAULT_DURATION,
    };
    let delay = match pick!(delay) {
        Some(t) => parse_duration(&t).map_err(|why| bad(name, "delay", &t, &why))?,
        None => Duration::ZERO,
    };
    let conflict = |why: &str| MatrixError::Conflict {
        scenario: name.to_string(),
        why: why.to_string(),
    };
    let streams = pick!(streams)
        .map(|v| positive(name, "streams", v))
        .transpose()?;
    let pipeline = pick!(pipeline)
        .map(|v| positive(name, "pipeline", v))
        .transpose()?;
    let sc = Scenario {
        name: name.to_string(),
        description: s.description.clone(),
        kind,
        url,
        protocol,
        tls,
        connections: positive(
            name,
            "connections",
            pick!(connections).unwrap_or(DEFAULT_CONNECTIONS),
        )?,
        streams,
        pipeline,
        rate: pick!(rate).map(|v| positive(name, "rate", v)).transpose()?,
        duration,
        repeats: positive(name, "repeats", pick!(repeats).unwrap_or(DEFAULT_REPEATS))?,
        body_size: pick!(body_size).unwrap_or(DEFAULT_BODY_SIZE),
        delay,
        headers: pick!(headers).unwrap_or_default(),
    };
    if sc.streams.is_some() && sc.protocol == Protocol::Http1 {
        return Err(conflict(
            "streams need protocol = \"h2\" or \"h2c\" (HTTP/1.1 has pipeline)",
        ));
    }
    if sc.pipeline.is_some() && sc.protocol != Protocol::Http1 {
        return Err(conflict("pipeline is HTTP/1.1's; HTTP/2 uses streams"));
    }
    if sc.protocol == Protocol::H2c && sc.tls.is_some() {
        return Err(conflict("h2c is HTTP/2 without TLS: drop tls or use h2"));
    }
    if sc.kind == Kind::Handshake && (sc.protocol != Protocol::Http1 || sc.pipeline.is_some()) {
        return Err(conflict(
            "a handshake scenario sends no requests: protocol, streams and pipeline do not apply",
        ));
    }
    for h in &sc.headers {
        if h.split_once(':').is_none_or(|(n, _)| n.trim().is_empty()) {
            return Err(bad(name, "headers", h, "expected \"Name: value\""));
        }
    }
    Ok(sc)
}

fn compare_settings(c: &RawCompare) -> Result<Thresholds, MatrixError> {
    let mut t = Thresholds::default();
    let bad = |key: &str, value: f64, why: &str| MatrixError::BadCompare {
        key: key.to_string(),
        value: value.to_string(),
        why: why.to_string(),
    };
    if let Some(a) = c.alpha {
        if !(a > 0.0 && a < 1.0) {
            return Err(bad("alpha", a, "must be between 0 and 1"));
        }
        t.alpha = a;
    }
    if let Some(e) = c.min_effect {
        if !(e.is_finite() && e >= 0.0) {
            return Err(bad("min_effect", e, "must be 0 or above (0.05 = 5 %)"));
        }
        t.min_effect = e;
    }
    for (k, &e) in &c.min_effect_by_metric {
        let Some(m) = Metric::from_key(k) else {
            let keys: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
            return Err(bad(
                &format!("min_effect_by_metric.{k}"),
                e,
                &format!("unknown metric (use {})", keys.join(", ")),
            ));
        };
        if !(e.is_finite() && e >= 0.0) {
            return Err(bad(
                &format!("min_effect_by_metric.{k}"),
                e,
                "must be 0 or above",
            ));
        }
        t.per_metric.insert(m, e);
    }
    Ok(t)
}

/// The parser's error on one line, with where it is.
fn toml_error(text: &str, e: &toml::de::Error) -> MatrixError {
    let (line, column) = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (line, column)
        }
        None => (0, 0),
    };
    let source_line = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim()
        .to_string();
    MatrixError::Toml {
        line,
        column,
        source_line,
        message: e.message().trim().replace('\n', " "),
    }
}

/// "10s", "500ms", "250us", "2m", "1h", or a bare number of seconds ("1.5").
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| "expected a duration such as 10s, 500ms, 2m".to_string())?;
    let secs = match unit {
        "us" | "µs" => v / 1e6,
        "ms" => v / 1e3,
        "" | "s" => v,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} (use us, ms, s, m or h)")),
    };
    if !secs.is_finite() || !(0.0..=86400.0).contains(&secs) {
        return Err("out of range (at most 24h)".to_string());
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2ms"), Ok(Duration::from_millis(2)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
