//! `expect = KIND` steps: the subject waited for (a response, a backend request, the
//! forwarded-message comparison, a request count, a close, GOAWAY, RST_STREAM, silence) and
//! the checks on it. Regexes are compiled here, so a bad one names its key.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tfw_engine::check::{
    Check, ClientId, ClientProto, CloseHow, Expectation, Pred, Regex, Subject,
};

use super::error::CheckFileError;
use super::node::{Res, Tab, Val};
use super::peers::{BackendRef, ClientRef, Peers};

const KINDS: &str = "response, request, forwarded, requests, closed, goaway, rst_stream or silence";

/// What the case sent before this step, for `forwarded`'s defaults (the latest request).
pub(crate) struct SentSoFar<'a> {
    /// Structured requests sent, per client.
    pub by_client: &'a BTreeMap<ClientId, usize>,
    /// By every client of the case.
    pub total: usize,
}

/// The client and the backend the case's last steps used (the default peers).
pub(crate) type Last<'p> = (Option<&'p ClientRef>, Option<&'p BackendRef>);

/// The expectation of step table `t` (its `expect` is `kind`); the client and backend it
/// uses, if any.
pub(crate) fn expectation<'p>(
    kind: &Val,
    t: &Tab,
    peers: &'p Peers,
    last: Last<'p>,
    sent: &SentSoFar,
) -> Res<(Expectation, Option<&'p ClientRef>, Option<&'p BackendRef>)> {
    let index = || t.get("index").map(|v| v.uint()).transpose();
    let mut checks = Vec::new();
    let (subject, client, backend) = match kind.string()?.as_str() {
        "response" => {
            let c = peers.client(t, last.0)?;
            let index = index()?;
            if let Some(v) = t.get("status") {
                checks.push(Check::Status(v.range(100, 999)?));
            }
            if let Some(v) = t.get("version") {
                checks.push(Check::Version(v.string()?));
            }
            message_checks(t, &mut checks)?;
            (
                Subject::Response {
                    client: c.id,
                    index,
                },
                Some(c),
                None,
            )
        }
        "request" => {
            let b = peers.backend(t, last.1)?;
            let index = index()?;
            for (key, make) in [
                ("method", Check::Method as fn(String) -> Check),
                ("target", Check::Target),
                ("version", Check::Version),
            ] {
                if let Some(v) = t.get(key) {
                    checks.push(make(v.string()?));
                }
            }
            message_checks(t, &mut checks)?;
            (
                Subject::BackendRequest {
                    backend: b.id,
                    index,
                },
                None,
                Some(b),
            )
        }
        "forwarded" => {
            let c = peers.client(t, last.0)?;
            let b = peers.backend(t, last.1)?;
            let by_client = sent.by_client.get(&c.id).copied().unwrap_or(0);
            let sent_index = match t.get("sent") {
                Some(v) => v.uint()?,
                None => by_client.checked_sub(1).ok_or_else(|| {
                    kind.err(format!(
                        "client {} sent no request before this step (or give sent = N)",
                        c.name
                    ))
                })?,
            };
            let index = match t.get("index") {
                Some(v) => v.uint()?,
                None => sent.total.checked_sub(1).ok_or_else(|| {
                    kind.err("no request was sent before this step (or give index = N)")
                })?,
            };
            let subject = Subject::Forwarded {
                client: c.id,
                sent: sent_index,
                backend: b.id,
                index,
            };
            (subject, Some(c), Some(b))
        }
        "requests" => {
            let b = peers.backend(t, last.1)?;
            let subject = Subject::BackendCount {
                backend: b.id,
                count: t.req("count")?.uint()?,
                settle: t
                    .get("settle")
                    .map_or(Ok(Duration::from_millis(100)), |v| v.duration())?,
            };
            (subject, None, Some(b))
        }
        "closed" => {
            let c = peers.client(t, last.0)?;
            let how = match t.get("how") {
                None => CloseHow::Any,
                Some(v) => match v.string()?.as_str() {
                    "fin" => CloseHow::Fin,
                    "reset" => CloseHow::Reset,
                    "any" => CloseHow::Any,
                    s => return Err(v.err(format!("unknown close {s:?}: fin, reset or any"))),
                },
            };
            (Subject::Closed { client: c.id, how }, Some(c), None)
        }
        k @ ("goaway" | "rst_stream") => {
            let c = peers.client(t, last.0)?;
            if c.proto != ClientProto::H2 {
                return Err(kind.err(format!(
                    "expect = \"{k}\" needs an h2 client; {} is h1",
                    c.name
                )));
            }
            let subject = if k == "goaway" {
                Subject::Goaway { client: c.id }
            } else {
                let stream = t
                    .get("stream")
                    .map(|v| v.range(0, (1 << 31) - 1))
                    .transpose()?;
                Subject::RstStream {
                    client: c.id,
                    stream,
                }
            };
            if let Some(v) = t.get("code") {
                checks.push(Check::ErrorCode(v.error_code()?));
            }
            (subject, Some(c), None)
        }
        "silence" => {
            let c = peers.client(t, last.0)?;
            let duration = t.req("for")?.duration()?;
            (
                Subject::Silence {
                    client: c.id,
                    duration,
                },
                Some(c),
                None,
            )
        }
        s => return Err(kind.err(format!("unknown expectation {s:?}: {KINDS}"))),
    };
    Ok((Expectation { subject, checks }, client, backend))
}

/// `headers`, `body`, `body_size` of a response or request expectation.
fn message_checks(t: &Tab, checks: &mut Vec<Check>) -> Res<()> {
    if let Some(v) = t.get("headers") {
        let h = v.table()?;
        for (name, _, val) in h.entries() {
            if val.is_table() {
                let p = val.table()?;
                let given: Vec<&'static str> = ["contains", "matches", "exists", "absent"]
                    .into_iter()
                    .filter(|k| p.has(k))
                    .collect();
                let check = match given.as_slice() {
                    ["contains"] => Check::Header {
                        name,
                        pred: Pred::Contains(p.req("contains")?.string()?),
                    },
                    ["matches"] => Check::Header {
                        name,
                        pred: Pred::Matches(regex(&p.req("matches")?)?),
                    },
                    ["exists"] => {
                        if p.req("exists")?.bool()? {
                            Check::Header {
                                name,
                                pred: Pred::Exists,
                            }
                        } else {
                            Check::HeaderAbsent(name)
                        }
                    }
                    ["absent"] => {
                        if p.req("absent")?.bool()? {
                            Check::HeaderAbsent(name)
                        } else {
                            Check::Header {
                                name,
                                pred: Pred::Exists,
                            }
                        }
                    }
                    _ => {
                        return Err(one_of(
                            &val,
                            &p,
                            &given,
                            "contains, matches, exists, absent",
                        ))
                    }
                };
                p.finish()?;
                checks.push(check);
            } else {
                checks.push(Check::Header {
                    name,
                    pred: Pred::Equals(val.string()?),
                });
            }
        }
    }
    if let Some(v) = t.get("body") {
        let pred = if v.is_table() {
            let p = v.table()?;
            let given: Vec<&'static str> = ["contains", "matches", "hex"]
                .into_iter()
                .filter(|k| p.has(k))
                .collect();
            let pred = match given.as_slice() {
                ["contains"] => Pred::Contains(p.req("contains")?.string()?),
                ["matches"] => Pred::Matches(regex(&p.req("matches")?)?),
                ["hex"] => Pred::EqualsBytes(p.req("hex")?.hex()?),
                _ => return Err(one_of(&v, &p, &given, "contains, matches, hex")),
            };
            p.finish()?;
            pred
        } else {
            Pred::Equals(v.string()?)
        };
        checks.push(Check::Body(pred));
    }
    if let Some(v) = t.get("body_size") {
        checks.push(Check::BodySize(v.size()?));
    }
    Ok(())
}

/// A predicate table with none or several of its keys: an unknown key, or which to keep.
fn one_of(v: &Val, p: &Tab, given: &[&str], keys: &str) -> CheckFileError {
    if given.is_empty() {
        if let Err(e) = p.finish() {
            return e;
        }
        return v.err(format!("expected one of {keys}"));
    }
    v.err(format!(
        "{} exclude each other: keep one",
        given.join(" and ")
    ))
}

/// A compiled regex; a bad one is an error at its key.
fn regex(v: &Val) -> Res<Regex> {
    let s = v.string()?;
    regex::Regex::new(&s)
        .map(|r| Regex(Arc::new(r)))
        .map_err(|e| {
            let text = e.to_string();
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            let why = last.trim().trim_start_matches("error: ");
            v.err(format!("bad regex {s:?}: {why}"))
        })
}
