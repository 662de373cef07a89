//! Proxy profiles: what a proxy does to a request it forwards, so the forwarded-message check
//! (`expect = "forwarded"`) can compare what the backend got with what the client sent.
//!
//! Every profile compares the same things — method, target, version, `Host`, the framing
//! (`Content-Length` / `Transfer-Encoding` must describe the body the backend got), the
//! end-to-end fields (order-insensitive, names case-insensitive, several fields of one name
//! joined with ", "; HTTP/2 `cookie` fields joined with "; " as RFC 9113 8.2.3 asks), the body,
//! and `X-Forwarded-For`, `Via`, `Connection` — and differ in the rules (`rules`).
//! `MARKER_HEADER` is always kept and never reported.

mod rules;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::plan::{ClientDef, ClientProto, Profile};
use super::transcript::{Got, Message};
use super::MARKER_HEADER;
use rules::{joined, Rule, Rules, ABSENT};

/// Fields compared by their own rules, never as plain end-to-end fields.
const SPECIAL: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "x-forwarded-for",
    "via",
    "connection",
    "keep-alive",
    MARKER_HEADER,
];

/// The differences between `got` (what the backend received) and `sent` (what `sent_by`
/// sent, from `client_ip`) as `profile` transforms it: (what, expected, got) for each.
pub fn forwarded_failures(
    profile: Profile,
    sent: &Message,
    sent_by: &ClientDef,
    client_ip: Option<IpAddr>,
    got: &Message,
) -> Vec<(String, String, Got)> {
    let h2 = sent_by.proto == ClientProto::H2 || sent.version == "HTTP/2";
    let r = rules::rules(profile, sent, h2, client_ip);
    let mut out = Vec::new();
    if got.method != sent.method {
        out.push(miss("method", sent.method.clone(), &got.method));
    }
    check("target", &r.target, Some(got.target.clone()), &mut out);
    if !r.version.is_empty() && !got.version.starts_with(r.version) {
        out.push(miss("version", r.version.to_string(), &got.version));
    }
    check("header host", &r.host, joined(got, "host"), &mut out);
    check(
        "header x-forwarded-for",
        &r.xff,
        joined(got, "x-forwarded-for"),
        &mut out,
    );
    check("header via", &r.via, joined(got, "via"), &mut out);
    check(
        "header connection",
        &r.connection,
        joined(got, "connection"),
        &mut out,
    );
    check(
        "header keep-alive",
        &r.keep_alive,
        joined(got, "keep-alive"),
        &mut out,
    );
    framing(&r, got, &mut out);
    fields(&r, sent, h2, got, &mut out);
    if got.body != sent.body {
        out.push((
            "body".to_string(),
            String::from_utf8_lossy(&sent.body).into_owned(),
            Got::Bytes(got.body.clone()),
        ));
    }
    out
}

fn miss(what: &str, expected: String, got: &str) -> (String, String, Got) {
    (what.to_string(), expected, Got::Text(got.to_string()))
}

fn check(what: &str, rule: &Rule, got: Option<String>, out: &mut Vec<(String, String, Got)>) {
    if !rule.accepts(got.as_deref()) {
        let got = got.unwrap_or_else(|| ABSENT.to_string());
        out.push(miss(what, rule.expected(), &got));
    }
}

/// `Content-Length` and `Transfer-Encoding` of the forwarded request must describe the body
/// the backend got (the proxy may re-frame it: de-chunk, add or change the length).
fn framing(r: &Rules, got: &Message, out: &mut Vec<(String, String, Got)>) {
    let len = got.body.len().to_string();
    let cl = joined(got, "content-length");
    let te = joined(got, "transfer-encoding");
    match (&cl, &te) {
        (Some(_), Some(te)) => out.push(miss(
            "header transfer-encoding",
            format!("{ABSENT} (the request has Content-Length)"),
            te,
        )),
        (Some(cl), None) if *cl != len => out.push(miss("header content-length", len, cl)),
        (None, Some(te)) if !te.eq_ignore_ascii_case("chunked") => {
            out.push(miss("header transfer-encoding", "chunked".into(), te))
        }
        (None, Some(te)) if r.body_with_length && !got.body.is_empty() => {
            out.push(miss("header transfer-encoding", ABSENT.into(), te))
        }
        (None, None) if r.body_with_length && !got.body.is_empty() => {
            out.push(miss("header content-length", len, ABSENT))
        }
        _ => {}
    }
}

/// The end-to-end fields: what the client sent minus what the proxy drops, against what the
/// backend got minus the fields compared on their own.
fn fields(
    r: &Rules,
    sent: &Message,
    h2: bool,
    got: &Message,
    out: &mut Vec<(String, String, Got)>,
) {
    let named: Vec<String> = if r.drop_connection_named {
        sent.header_values("connection")
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    } else {
        Vec::new()
    };
    let valid = |n: &str| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let kept = |n: &str| {
        !n.starts_with(':')
            && !SPECIAL.contains(&n)
            && !r.drop.contains(&n)
            && !named.iter().any(|x| x == n)
            && (!r.drop_invalid_names || valid(n))
    };
    let mut want: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (n, v) in &sent.headers {
        let n = n.to_ascii_lowercase();
        if kept(&n) {
            want.entry(n).or_default().push(v.trim());
        }
    }
    let mut have: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (n, v) in &got.headers {
        let n = n.to_ascii_lowercase();
        if !SPECIAL.contains(&n.as_str()) {
            have.entry(n).or_default().push(v.trim());
        }
    }
    let join = |n: &str, v: &[&str], from_h2: bool| {
        if from_h2 && n == "cookie" {
            v.join("; ")
        } else {
            v.join(", ")
        }
    };
    for (n, v) in &want {
        let expected = join(n, v, h2);
        match have.get(n) {
            Some(g) => {
                let g = join(n, g, false);
                if g != expected {
                    out.push(miss(&format!("header {n}"), expected, &g));
                }
            }
            None if r.may_drop.contains(&n.as_str()) => {}
            None => out.push(miss(&format!("header {n}"), expected, ABSENT)),
        }
    }
    for (n, g) in &have {
        if !want.contains_key(n) {
            out.push(miss(
                &format!("header {n}"),
                ABSENT.into(),
                &join(n, g, false),
            ));
        }
    }
}
