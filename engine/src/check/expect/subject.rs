//! Finding an expectation's subject in the transcript: whether it is there yet, can no longer
//! come, and what did come instead (for the deadline's report).

use std::time::Duration;

use super::super::plan::{Check, CloseHow, Expectation, Subject};
use super::super::profile;
use super::super::transcript::{ClientLog, Closed, FrameEvent, Got, Message, Transcript};
use super::checks::{self, Miss};
use super::state::{Ctx, Cursors};

const GOAWAY: u8 = 0x7;
const RST_STREAM: u8 = 0x3;

/// None: wait. Some(misses): decided (empty: passed).
pub fn evaluate(
    exp: &Expectation,
    t: &Transcript,
    cur: &mut Cursors,
    cx: &Ctx,
) -> Option<Vec<Miss>> {
    match exp.subject {
        Subject::Response { client, index } => {
            let all = responses(t, client);
            let idx = index.unwrap_or_else(|| Cursors::get(&cur.responses, client));
            let desc = format!("response {idx} of client {}", client_name(cx, client));
            if let Some(m) = all.get(idx) {
                Cursors::advance(&mut cur.responses, client, idx);
                return Some(on_message(&desc, &exp.checks, m));
            }
            let log = current(t, client)?;
            let why = match (&log.parse_error, &log.closed) {
                (Some(e), _) => format!("a malformed response: {e}"),
                (None, Some(c)) => closed_text(c),
                (None, None) => return None,
            };
            let n = all.len();
            Some(vec![(
                desc,
                "a response".to_string(),
                Got::Text(format!("{why}, after {n} response(s)")),
            )])
        }
        Subject::BackendRequest { backend, index } => {
            let all = requests(t, backend);
            let idx = index.unwrap_or_else(|| Cursors::get(&cur.requests, backend));
            let m = all.get(idx)?;
            Cursors::advance(&mut cur.requests, backend, idx);
            let desc = format!("request {idx} at backend {}", backend_name(cx, backend));
            Some(on_message(&desc, &exp.checks, m))
        }
        Subject::Forwarded {
            client,
            sent,
            backend,
            index,
        } => {
            let sent_all = sent_requests(t, client);
            let got_all = requests(t, backend);
            let (sent_msg, log) = *sent_all.get(sent)?;
            let got = got_all.get(index)?;
            Cursors::advance(&mut cur.requests, backend, index);
            let desc = forwarded_desc(cx, client, sent, backend, index);
            let Some(def) = cx.plan.clients.get(client) else {
                return Some(vec![(desc, "a client of the plan".into(), no_peer(client))]);
            };
            let ip = log.local.map(|a| a.ip());
            let mut misses: Vec<Miss> =
                profile::forwarded_failures(cx.case.profile, sent_msg, def, ip, got)
                    .into_iter()
                    .map(|(what, e, g)| (format!("{desc}: {what}"), e, g))
                    .collect();
            misses.extend(on_message(&desc, &exp.checks, got));
            Some(misses)
        }
        Subject::BackendCount {
            backend,
            count,
            settle,
        } => {
            let n = requests(t, backend).len();
            let settled = cx.now >= cx.step_started + settle;
            if n <= count && !settled {
                return None;
            }
            let desc = format!("requests at backend {}", backend_name(cx, backend));
            let mut misses = Vec::new();
            if n != count {
                misses.push((desc.clone(), count.to_string(), Got::Text(n.to_string())));
            }
            misses.extend(inapplicable(&desc, &exp.checks, "a count"));
            Some(misses)
        }
        Subject::Closed { client, how } => {
            let closed = current(t, client)?.closed.as_ref()?;
            let desc = format!("connection of client {}", client_name(cx, client));
            let ok = matches!(
                (how, closed),
                (CloseHow::Any, _)
                    | (CloseHow::Fin, Closed::Fin)
                    | (CloseHow::Reset, Closed::Reset)
            );
            let mut misses = Vec::new();
            if !ok {
                misses.push((
                    desc.clone(),
                    how_text(how).to_string(),
                    Got::Text(closed_text(closed)),
                ));
            }
            misses.extend(inapplicable(&desc, &exp.checks, "a closed connection"));
            Some(misses)
        }
        Subject::Goaway { client } => {
            let desc = format!("GOAWAY on client {}", client_name(cx, client));
            on_frames(&desc, exp, t, client, |f| f.kind == GOAWAY)
        }
        Subject::RstStream { client, stream } => {
            let desc = rst_desc(cx, client, stream);
            on_frames(&desc, exp, t, client, |f| {
                f.kind == RST_STREAM && stream.is_none_or(|s| f.stream == s)
            })
        }
        Subject::Silence { client, duration } => {
            let desc = silence_desc(cx, client, duration);
            let log = current(t, client);
            if let Some(at) = log
                .and_then(|l| l.last_at)
                .filter(|at| *at > cx.step_started)
            {
                let got = arrived_text(log.expect("a time implies a log"), cx.step_started, at);
                return Some(vec![(desc, "nothing received".into(), Got::Text(got))]);
            }
            if cx.now < cx.step_started + duration {
                return None;
            }
            Some(inapplicable(&desc, &exp.checks, "silence"))
        }
    }
}

/// The deadline passed while waiting: what was expected and what came instead.
pub fn expired(exp: &Expectation, t: &Transcript, cur: &Cursors, cx: &Ctx) -> Vec<Miss> {
    let (desc, expected, came) = match exp.subject {
        Subject::Response { client, index } => {
            let idx = index.unwrap_or_else(|| Cursors::get(&cur.responses, client));
            let logs = logs(t, client);
            let bytes: u64 = logs.iter().map(|l| l.received_len).sum();
            let mut came = format!(
                "{} response(s) on {} connection(s), {bytes} byte(s) received",
                responses(t, client).len(),
                logs.len()
            );
            // HTTP/2: a reset stream or GOAWAY is why a response never came.
            let ends: Vec<String> = logs
                .iter()
                .flat_map(|l| l.frames.iter())
                .filter(|f| f.kind == RST_STREAM || f.kind == GOAWAY)
                .map(frame_text)
                .collect();
            if !ends.is_empty() {
                came.push_str(&format!("; {}", ends.join(", ")));
            }
            (
                format!("response {idx} of client {}", client_name(cx, client)),
                "a response",
                came,
            )
        }
        Subject::BackendRequest { backend, index } => {
            let idx = index.unwrap_or_else(|| Cursors::get(&cur.requests, backend));
            (
                format!("request {idx} at backend {}", backend_name(cx, backend)),
                "a request",
                format!("{} request(s) came", requests(t, backend).len()),
            )
        }
        Subject::Forwarded {
            client,
            sent,
            backend,
            index,
        } => (
            forwarded_desc(cx, client, sent, backend, index),
            "the request sent and the request forwarded",
            format!(
                "client sent {} request(s), backend got {}",
                sent_requests(t, client).len(),
                requests(t, backend).len()
            ),
        ),
        Subject::BackendCount { backend, count, .. } => {
            let n = requests(t, backend).len();
            return vec![(
                format!("requests at backend {}", backend_name(cx, backend)),
                count.to_string(),
                Got::Nothing(format!(
                    "the timeout came before the count settled ({n} so far)"
                )),
            )];
        }
        Subject::Closed { client, how } => (
            format!("connection of client {}", client_name(cx, client)),
            how_text(how),
            match current(t, client) {
                None => "no connection".to_string(),
                Some(l) => format!("still open, {} byte(s) received", l.received_len),
            },
        ),
        Subject::Goaway { client } => {
            let desc = format!("GOAWAY on client {}", client_name(cx, client));
            if let Some(m) = last_frame_misses(&desc, exp, t, client, |f| f.kind == GOAWAY) {
                return m;
            }
            (desc, "a GOAWAY frame", frames_text(t, client))
        }
        Subject::RstStream { client, stream } => {
            let desc = rst_desc(cx, client, stream);
            let pick =
                |f: &FrameEvent| f.kind == RST_STREAM && stream.is_none_or(|s| f.stream == s);
            if let Some(m) = last_frame_misses(&desc, exp, t, client, pick) {
                return m;
            }
            (desc, "a RST_STREAM frame", frames_text(t, client))
        }
        Subject::Silence { client, duration } => (
            silence_desc(cx, client, duration),
            "nothing received",
            "the case's timeout came before the silence ended".to_string(),
        ),
    };
    vec![(desc, expected.to_string(), Got::Nothing(came))]
}

fn on_message(desc: &str, list: &[Check], m: &Message) -> Vec<Miss> {
    list.iter()
        .filter_map(|c| checks::check_message(c, m))
        .map(|(what, e, g)| (format!("{desc}: {what}"), e, g))
        .collect()
}

fn inapplicable(desc: &str, list: &[Check], subject: &str) -> Vec<Miss> {
    list.iter()
        .map(|c| checks::not_applicable(c, subject))
        .map(|(what, e, g)| (format!("{desc}: {what}"), e, g))
        .collect()
}

/// GOAWAY / RST_STREAM: passed when one of the picked frames satisfies every check; failed
/// when none does and the connection is closed (no other can come); else wait.
fn on_frames(
    desc: &str,
    exp: &Expectation,
    t: &Transcript,
    client: usize,
    pick: impl Fn(&FrameEvent) -> bool,
) -> Option<Vec<Miss>> {
    let log = current(t, client)?;
    let picked: Vec<&FrameEvent> = log.frames.iter().filter(|f| pick(f)).collect();
    let misses_of = |f: &FrameEvent| -> Vec<Miss> {
        exp.checks
            .iter()
            .filter_map(|c| checks::check_frame(c, f))
            .map(|(what, e, g)| (format!("{desc}: {what}"), e, g))
            .collect()
    };
    if picked.iter().any(|f| misses_of(f).is_empty()) {
        return Some(Vec::new());
    }
    // A check other than the error code can never pass on a frame: decide at once.
    let only_codes = exp.checks.iter().all(|c| matches!(c, Check::ErrorCode(_)));
    if let (false, Some(f)) = (only_codes, picked.last()) {
        return Some(misses_of(f));
    }
    let closed = log.closed.as_ref()?;
    Some(match picked.last() {
        Some(f) => misses_of(f),
        None => vec![(
            desc.to_string(),
            "a frame".to_string(),
            Got::Text(format!(
                "{} without one; frames: {}",
                closed_text(closed),
                frames_of(log)
            )),
        )],
    })
}

fn last_frame_misses(
    desc: &str,
    exp: &Expectation,
    t: &Transcript,
    client: usize,
    pick: impl Fn(&FrameEvent) -> bool,
) -> Option<Vec<Miss>> {
    let f = current(t, client)?.frames.iter().rev().find(|f| pick(f))?;
    let m: Vec<Miss> = exp
        .checks
        .iter()
        .filter_map(|c| checks::check_frame(c, f))
        .map(|(what, e, g)| (format!("{desc}: {what}"), e, g))
        .collect();
    (!m.is_empty()).then_some(m)
}

fn logs(t: &Transcript, client: usize) -> Vec<&ClientLog> {
    t.clients.iter().filter(|l| l.client == client).collect()
}

/// The case's current (latest) connection of `client`.
fn current(t: &Transcript, client: usize) -> Option<&ClientLog> {
    t.clients.iter().rev().find(|l| l.client == client)
}

fn responses(t: &Transcript, client: usize) -> Vec<&Message> {
    logs(t, client)
        .into_iter()
        .flat_map(|l| l.responses.iter())
        .collect()
}

fn sent_requests(t: &Transcript, client: usize) -> Vec<(&Message, &ClientLog)> {
    logs(t, client)
        .into_iter()
        .flat_map(|l| l.sent.iter().map(move |m| (m, l)))
        .collect()
}

fn requests(t: &Transcript, backend: usize) -> Vec<&Message> {
    t.backends
        .iter()
        .filter(|b| b.backend == backend)
        .flat_map(|b| b.requests.iter())
        .collect()
}

fn client_name<'a>(cx: &'a Ctx, id: usize) -> &'a str {
    cx.plan.clients.get(id).map_or("?", |c| c.name.as_str())
}

fn backend_name<'a>(cx: &'a Ctx, id: usize) -> &'a str {
    cx.plan.backends.get(id).map_or("?", |b| b.name.as_str())
}

fn no_peer(id: usize) -> Got {
    Got::Text(format!("client id {id} is not in the plan"))
}

fn forwarded_desc(cx: &Ctx, client: usize, sent: usize, backend: usize, index: usize) -> String {
    format!(
        "request {index} at backend {} (request {sent} of client {} forwarded)",
        backend_name(cx, backend),
        client_name(cx, client)
    )
}

fn rst_desc(cx: &Ctx, client: usize, stream: Option<u32>) -> String {
    match stream {
        Some(s) => format!(
            "RST_STREAM on stream {s} of client {}",
            client_name(cx, client)
        ),
        None => format!("RST_STREAM on client {}", client_name(cx, client)),
    }
}

fn silence_desc(cx: &Ctx, client: usize, d: Duration) -> String {
    format!(
        "client {}: silence for {} ms",
        client_name(cx, client),
        d.as_millis()
    )
}

fn how_text(how: CloseHow) -> &'static str {
    match how {
        CloseHow::Fin => "closed by the peer (FIN)",
        CloseHow::Reset => "reset by the peer (RST)",
        CloseHow::Any => "closed by the peer (FIN or RST)",
    }
}

fn closed_text(c: &Closed) -> String {
    match c {
        Closed::Fin => "connection closed by the peer (FIN)".to_string(),
        Closed::Reset => "connection reset by the peer (RST)".to_string(),
        Closed::Error(e) => format!("connection error: {e}"),
    }
}

/// What arrived on `log` since the step began (frames for HTTP/2, else a byte count).
fn arrived_text(log: &ClientLog, since: Duration, last: Duration) -> String {
    let frames: Vec<String> = log
        .frames
        .iter()
        .filter(|f| f.at > since)
        .map(frame_text)
        .collect();
    if frames.is_empty() {
        format!(
            "data at {} ms (the step began at {} ms; {} byte(s) received in all)",
            last.as_millis(),
            since.as_millis(),
            log.received_len
        )
    } else {
        format!("frames: {}", frames.join(", "))
    }
}

fn frames_text(t: &Transcript, client: usize) -> String {
    match current(t, client) {
        None => "no connection".to_string(),
        Some(l) => format!("frames: {}", frames_of(l)),
    }
}

fn frames_of(log: &ClientLog) -> String {
    if log.frames.is_empty() {
        return "none".to_string();
    }
    let list: Vec<String> = log.frames.iter().take(20).map(frame_text).collect();
    let more = log.frames.len().saturating_sub(20);
    if more > 0 {
        format!("{} and {more} more", list.join(", "))
    } else {
        list.join(", ")
    }
}

/// "GOAWAY(stream 0, PROTOCOL_ERROR (0x1))", "SETTINGS(stream 0, flags 0x1)".
pub fn frame_text(f: &FrameEvent) -> String {
    let mut s = format!("{}(stream {}", frame_name(f.kind), f.stream);
    if f.flags != 0 {
        s.push_str(&format!(", flags 0x{:x}", f.flags));
    }
    if let Some(c) = f.code {
        s.push_str(&format!(", {}", checks::code_text(c)));
    }
    s.push(')');
    s
}

/// The RFC 9113 name of a frame type.
pub fn frame_name(kind: u8) -> String {
    let name = match kind {
        0x0 => "DATA",
        0x1 => "HEADERS",
        0x2 => "PRIORITY",
        0x3 => "RST_STREAM",
        0x4 => "SETTINGS",
        0x5 => "PUSH_PROMISE",
        0x6 => "PING",
        0x7 => "GOAWAY",
        0x8 => "WINDOW_UPDATE",
        0x9 => "CONTINUATION",
        other => return format!("type 0x{other:02x}"),
    };
    name.to_string()
}
