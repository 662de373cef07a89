//! One `Check` applied to one subject (a message or a frame), giving the failure if it does not
//! hold. Separate from `expect` (which decides *when* a subject exists) so the per-check rules
//! and their report texts sit in one place.

use crate::proto::h2::code;

use super::super::plan::{Check, Pred};
use super::super::transcript::{FrameEvent, Got, Message};

/// What a failed check says: (what was looked at, expected, got). `what` is the check's own
/// part ("status", "header content-type"); the caller puts the subject in front.
pub type Miss = (String, String, Got);

/// The texts of an absent field in reports.
pub const ABSENT: &str = "(absent)";

/// Checks `check` against a message (response or request).
pub fn check_message(check: &Check, m: &Message) -> Option<Miss> {
    match check {
        Check::Status(s) => (m.status != *s).then(|| {
            (
                "status".to_string(),
                s.to_string(),
                Got::Text(m.status.to_string()),
            )
        }),
        Check::Method(x) => text_equals("method", x, &m.method),
        Check::Target(x) => text_equals("target", x, &m.target),
        Check::Version(x) => text_equals("version", x, &m.version),
        Check::Header { name, pred } => check_header(name, pred, m),
        Check::HeaderAbsent(name) => {
            let joined = joined(m, name)?;
            Some((
                format!("header {name}"),
                ABSENT.to_string(),
                Got::Text(joined),
            ))
        }
        Check::Body(pred) => check_body(pred, &m.body),
        Check::BodySize(n) => (m.body.len() != *n).then(|| {
            (
                "body size".to_string(),
                n.to_string(),
                Got::Text(m.body.len().to_string()),
            )
        }),
        Check::ErrorCode(c) => Some((
            "error code".to_string(),
            code_text(*c),
            Got::Text("a message, not a GOAWAY or RST_STREAM frame".to_string()),
        )),
    }
}

/// Checks `check` against a GOAWAY or RST_STREAM frame: only `ErrorCode` applies.
pub fn check_frame(check: &Check, f: &FrameEvent) -> Option<Miss> {
    match check {
        Check::ErrorCode(c) => (f.code != Some(*c)).then(|| {
            (
                "error code".to_string(),
                code_text(*c),
                Got::Text(f.code.map_or_else(|| "none".to_string(), code_text)),
            )
        }),
        other => Some(not_applicable(other, "a frame")),
    }
}

/// A check that cannot apply to the subject (the check file's author asked for, say, a status
/// of a closed connection): reported, never silently passed.
pub fn not_applicable(check: &Check, subject: &str) -> Miss {
    (
        check_name(check).to_string(),
        format!("{} (not applicable to {subject})", check_name(check)),
        Got::Text(subject.to_string()),
    )
}

fn check_name(check: &Check) -> &'static str {
    match check {
        Check::Status(_) => "status",
        Check::Method(_) => "method",
        Check::Target(_) => "target",
        Check::Version(_) => "version",
        Check::Header { .. } | Check::HeaderAbsent(_) => "header",
        Check::Body(_) => "body",
        Check::BodySize(_) => "body size",
        Check::ErrorCode(_) => "error code",
    }
}

/// "PROTOCOL_ERROR (0x1)".
pub fn code_text(c: u32) -> String {
    format!("{} (0x{c:x})", code::name(c))
}

fn text_equals(what: &str, expected: &str, got: &str) -> Option<Miss> {
    (expected != got).then(|| {
        (
            what.to_string(),
            expected.to_string(),
            Got::Text(got.to_string()),
        )
    })
}

/// The values of field `name` joined with ", " (None: no such field).
pub fn joined(m: &Message, name: &str) -> Option<String> {
    let values: Vec<&str> = m.header_values(name).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn check_header(name: &str, pred: &Pred, m: &Message) -> Option<Miss> {
    let what = format!("header {name}");
    let Some(value) = joined(m, name) else {
        return Some((what, pred_text(pred), Got::Text(ABSENT.to_string())));
    };
    let ok = match pred {
        Pred::Exists => true,
        Pred::Equals(s) => value == *s,
        Pred::Contains(s) => value.contains(s.as_str()),
        Pred::Matches(re) => re.0.is_match(&value),
        Pred::EqualsBytes(b) => value.as_bytes() == b.as_slice(),
    };
    (!ok).then(|| (what, pred_text(pred), Got::Text(value)))
}

fn check_body(pred: &Pred, body: &[u8]) -> Option<Miss> {
    let ok = match pred {
        Pred::Exists => !body.is_empty(),
        Pred::Equals(s) => body == s.as_bytes(),
        Pred::Contains(s) => contains(body, s.as_bytes()),
        Pred::Matches(re) => re.0.is_match(&String::from_utf8_lossy(body)),
        Pred::EqualsBytes(b) => body == b.as_slice(),
    };
    (!ok).then(|| {
        (
            "body".to_string(),
            pred_text(pred),
            Got::Bytes(body.to_vec()),
        )
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// The expected side of a predicate as the report shows it: the value itself for equality
/// (so the report can show where it differs), else the predicate in words.
pub fn pred_text(pred: &Pred) -> String {
    match pred {
        Pred::Exists => "present".to_string(),
        Pred::Equals(s) => s.clone(),
        Pred::Contains(s) => format!("contains {s:?}"),
        Pred::Matches(re) => format!("matches /{}/", re.0.as_str()),
        Pred::EqualsBytes(b) => String::from_utf8_lossy(b).into_owned(),
    }
}
