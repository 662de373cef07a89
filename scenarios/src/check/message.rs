//! REQUEST and RESPONSE tables: structured requests a client sends and the responses a
//! backend is scripted with (bodies as text, hex or a size; chunking; response actions).

use tfw_engine::check::{Chunking, Request, Response, ResponseAction};

use super::node::{Res, Tab, Val};

/// A step's `send`: one REQUEST table or an array of them.
pub(crate) fn requests(v: &Val) -> Res<Vec<Request>> {
    let items = if v.is_array() {
        v.array()?
    } else {
        vec![v.clone()]
    };
    if items.is_empty() {
        return Err(v.err("expected at least one request"));
    }
    items.iter().map(request).collect()
}

fn request(v: &Val) -> Res<Request> {
    let t = v.table()?;
    let method = t.get("method").map_or(Ok("GET".into()), |v| token(&v))?;
    let target = t.get("target").map_or(Ok("/".into()), |v| field_text(&v))?;
    let version = version(&t)?;
    let authority = t.get("authority").map(|v| field_text(&v)).transpose()?;
    let headers = headers(&t)?;
    let body = body(&t)?;
    let chunked = chunked(&t)?;
    t.finish()?;
    Ok(Request {
        method,
        target,
        version,
        authority,
        headers,
        body,
        chunked,
    })
}

/// A step's `respond`: one RESPONSE table or an array of them.
pub(crate) fn responses(v: &Val) -> Res<Vec<Response>> {
    let items = if v.is_array() {
        v.array()?
    } else {
        vec![v.clone()]
    };
    if items.is_empty() {
        return Err(v.err("expected at least one response"));
    }
    items.iter().map(response).collect()
}

fn response(v: &Val) -> Res<Response> {
    let t = v.table()?;
    let raw = match (t.get("raw"), t.get("raw_hex")) {
        (Some(a), Some(_)) => return Err(a.err("raw and raw_hex both given: keep one")),
        (Some(a), None) => Some(a.bytes()?),
        (None, Some(h)) => Some(h.hex()?),
        (None, None) => None,
    };
    if raw.is_some() {
        for key in [
            "status",
            "reason",
            "version",
            "headers",
            "body",
            "body_hex",
            "body_size",
            "chunked",
        ] {
            if t.has(key) {
                return Err(t.err(
                    key,
                    "a raw response is sent as it is: remove this key or raw",
                ));
            }
        }
    }
    let status = t.get("status").map_or(Ok(200), |v| v.range(100, 999))?;
    let reason = t.get("reason").map(|v| field_text(&v)).transpose()?;
    let version = version(&t)?;
    let headers = headers(&t)?;
    let body = body(&t)?;
    let chunked = chunked(&t)?;
    let delay = t
        .get("delay")
        .map_or(Ok(Default::default()), |v| v.duration())?;
    let batch = t.get("batch").map_or(Ok(0), |v| v.uint())?;
    let mut action = ResponseAction::Keep;
    let mut set = |v: Val, a: ResponseAction| {
        if action != ResponseAction::Keep {
            return Err(v.err("one action per response: close, reset_after or hang"));
        }
        action = a;
        Ok(())
    };
    if let Some(v) = t.get("close") {
        if v.bool()? {
            set(v, ResponseAction::Close)?;
        }
    }
    if let Some(v) = t.get("reset_after") {
        let n = v.size()?;
        set(v, ResponseAction::ResetAfter(n))?;
    }
    if let Some(v) = t.get("hang") {
        if v.bool()? {
            set(v, ResponseAction::Hang)?;
        }
    }
    t.finish()?;
    Ok(Response {
        status,
        reason,
        version,
        headers,
        body,
        chunked,
        raw,
        delay,
        batch,
        action,
    })
}

/// `version`: HTTP/1.1 (default) or HTTP/1.0.
fn version(t: &Tab) -> Res<String> {
    match t.get("version") {
        None => Ok("HTTP/1.1".into()),
        Some(v) => match v.string()?.as_str() {
            s @ ("HTTP/1.1" | "HTTP/1.0") => Ok(s.to_owned()),
            s => Err(v.err(format!(
                "unknown version {s:?}: HTTP/1.1 or HTTP/1.0 (raw for others)"
            ))),
        },
    }
}

/// `headers`: `[name, value]` pairs, in order.
pub(crate) fn headers(t: &Tab) -> Res<Vec<(String, String)>> {
    let Some(v) = t.get("headers") else {
        return Ok(Vec::new());
    };
    let pairs = v.pairs()?;
    for (name, value) in &pairs {
        if name.is_empty() || bad_field_text(name) || bad_field_text(value) {
            return Err(v.err(format!(
                "header {name:?} cannot be sent as a field (empty name, CR, LF or NUL): use raw"
            )));
        }
    }
    Ok(pairs)
}

/// `body` (text), `body_hex` or `body_size` (a repeating `a`..`z` pattern); none: empty.
pub(crate) fn body(t: &Tab) -> Res<Vec<u8>> {
    body_keys(t, ["body", "body_hex", "body_size"])
}

/// One of three keys: text, hex, or a size of the `a`..`z` pattern.
pub(crate) fn body_keys(t: &Tab, keys: [&'static str; 3]) -> Res<Vec<u8>> {
    let given: Vec<(usize, Val)> = (0..3)
        .filter_map(|i| t.get(keys[i]).map(|v| (i, v)))
        .collect();
    if let Some((_, second)) = given.get(1) {
        return Err(second.err(format!(
            "{}, {} and {} exclude each other: keep one",
            keys[0], keys[1], keys[2]
        )));
    }
    match given.first() {
        None => Ok(Vec::new()),
        Some((0, v)) => v.bytes(),
        Some((1, v)) => v.hex(),
        Some((_, v)) => match v.size()? {
            n if n > MAX_BODY => Err(v.err(format!(
                "{n} bytes is more than the {MAX_BODY} a body may have"
            ))),
            n => Ok(pattern(n)),
        },
    }
}

/// The largest `body_size` / `payload_size` (64 MiB): bodies are built in memory.
pub const MAX_BODY: usize = 64 << 20;

/// `n` bytes of `abc...zabc...`.
pub(crate) fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

/// `chunked`: `true`, or `{ sizes, extension, trailers }`.
fn chunked(t: &Tab) -> Res<Option<Chunking>> {
    let Some(v) = t.get("chunked") else {
        return Ok(None);
    };
    if !v.is_table() {
        return Ok(v.bool()?.then(Chunking::default));
    }
    let c = v.table()?;
    let sizes = match c.get("sizes") {
        None => Vec::new(),
        Some(s) => {
            let mut out = Vec::new();
            for item in s.array()? {
                match item.size()? {
                    0 => return Err(item.err("a chunk size must be 1 or more (0 ends the body)")),
                    n => out.push(n),
                }
            }
            out
        }
    };
    let extension = c
        .get("extension")
        .map_or(Ok(String::new()), |v| field_text(&v))?;
    let trailers = c.get("trailers").map_or(Ok(Vec::new()), |v| v.pairs())?;
    c.finish()?;
    Ok(Some(Chunking {
        sizes,
        extension,
        trailers,
    }))
}

fn bad_field_text(s: &str) -> bool {
    s.contains(['\r', '\n', '\0'])
}

/// Text that goes into a request or status line: no CR, LF or NUL.
fn field_text(v: &Val) -> Res<String> {
    let s = v.string()?;
    if bad_field_text(&s) {
        return Err(v.err("CR, LF and NUL cannot be sent here: use raw"));
    }
    Ok(s)
}

/// A method: not empty, no whitespace or control characters.
fn token(v: &Val) -> Res<String> {
    let s = v.string()?;
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(v.err(format!(
            "method {s:?} cannot be sent in a request line: use raw"
        )));
    }
    Ok(s)
}
