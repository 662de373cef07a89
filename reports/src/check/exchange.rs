//! The exchange that led to a failure: per client connection what was sent and what came
//! (HTTP/1.1: the bytes, escaped, line by line; HTTP/2: the responses and frames), then what
//! each backend received for the case. Capped so one report stays readable.

use tfw_engine::check::expect::frame_text;
use tfw_engine::check::{CheckPlan, ClientLog, ClientProto, Closed, Message, Transcript};

use super::escape::{escape, escaped_lines};

/// Bytes of one direction of one connection shown.
const BYTES_CAP: usize = 2048;
/// Messages (sent, received, forwarded) and frames shown per connection.
const ITEMS_CAP: usize = 10;
const FRAMES_CAP: usize = 30;

pub fn exchange(t: &Transcript, plan: &CheckPlan, out: &mut String) {
    if t.clients.is_empty() && t.backends.iter().all(|b| b.requests.is_empty()) {
        out.push_str("    nothing was sent or received\n");
        return;
    }
    for (i, log) in t.clients.iter().enumerate() {
        connection(i + 1, log, plan, out);
    }
    for b in &t.backends {
        let name = plan
            .backends
            .get(b.backend)
            .map_or("?", |d| d.name.as_str());
        out.push_str(&format!(
            "    backend {name}: {} request(s) on {} connection(s)\n",
            b.requests.len(),
            b.connections
        ));
        for m in b.requests.iter().take(ITEMS_CAP) {
            message("      > ", m, out);
        }
        more(b.requests.len(), ITEMS_CAP, "request(s)", out);
    }
}

fn connection(n: usize, log: &ClientLog, plan: &CheckPlan, out: &mut String) {
    let def = plan.clients.get(log.client);
    let name = def.map_or("?", |d| d.name.as_str());
    let mut head = format!("    connection {n}, client {name}");
    if let (Some(local), Some(d)) = (log.local, def) {
        head.push_str(&format!(" ({local} -> {})", d.connect));
    }
    head.push_str(match &log.closed {
        None => ", open",
        Some(Closed::Fin) => ", closed by the peer (FIN)",
        Some(Closed::Reset) => ", reset by the peer (RST)",
        Some(Closed::Error(_)) => ", failed",
    });
    out.push_str(&head);
    out.push_str(":\n");
    if let Some(Closed::Error(e)) = &log.closed {
        out.push_str(&format!("      error: {e}\n"));
    }
    for m in log.sent.iter().take(ITEMS_CAP) {
        message("      > ", m, out);
    }
    more(log.sent.len(), ITEMS_CAP, "request(s)", out);
    if !log.sent_raw.is_empty() {
        out.push_str(&format!(
            "      sent raw, {} byte(s):\n",
            log.sent_raw.len()
        ));
        for line in escaped_lines(&log.sent_raw, BYTES_CAP) {
            out.push_str(&format!("      > {line}\n"));
        }
    }
    let h2 = def.is_some_and(|d| d.proto == ClientProto::H2);
    out.push_str(&format!("      received {} byte(s)", log.received_len));
    if let Some(at) = log.last_at {
        out.push_str(&format!(", the last at {} ms", at.as_millis()));
    }
    out.push_str(if log.received_len > 0 { ":\n" } else { "\n" });
    if h2 {
        for m in log.responses.iter().take(ITEMS_CAP) {
            message("      < ", m, out);
        }
        more(log.responses.len(), ITEMS_CAP, "response(s)", out);
        for f in log.frames.iter().take(FRAMES_CAP) {
            out.push_str(&format!(
                "      < {} at {} ms\n",
                frame_text(f),
                f.at.as_millis()
            ));
        }
        more(log.frames.len(), FRAMES_CAP, "frame(s)", out);
    } else {
        for line in escaped_lines(&log.received, BYTES_CAP) {
            out.push_str(&format!("      < {line}\n"));
        }
        let kept = log.received.len() as u64;
        if log.received_len > kept {
            out.push_str(&format!(
                "      < ... ({} byte(s) not kept)\n",
                log.received_len - kept
            ));
        }
    }
    if let Some(e) = &log.parse_error {
        out.push_str(&format!("      malformed: {e}\n"));
    }
}

/// A message's head, one field a line, and its body's size and first bytes.
fn message(prefix: &str, m: &Message, out: &mut String) {
    let first = if m.status != 0 {
        let interim: String = m.interim.iter().map(|s| format!("{s}, then ")).collect();
        format!("{interim}{} {}", m.version, m.status)
    } else {
        format!("{} {} {}", m.method, m.target, m.version)
    };
    match m.stream {
        Some(s) => out.push_str(&format!(
            "{prefix}{} (stream {s})\n",
            escape(first.as_bytes())
        )),
        None => out.push_str(&format!("{prefix}{}\n", escape(first.as_bytes()))),
    }
    for (n, v) in &m.headers {
        out.push_str(&format!(
            "{prefix}{}: {}\n",
            escape(n.as_bytes()),
            escape(v.as_bytes())
        ));
    }
    if !m.body.is_empty() {
        let shown = &m.body[..m.body.len().min(64)];
        let cut = if m.body.len() > shown.len() {
            "..."
        } else {
            ""
        };
        out.push_str(&format!(
            "{prefix}({} body byte(s): {}{cut})\n",
            m.body.len(),
            escape(shown)
        ));
    }
    for (n, v) in &m.trailers {
        out.push_str(&format!(
            "{prefix}trailer {}: {}\n",
            escape(n.as_bytes()),
            escape(v.as_bytes())
        ));
    }
}

fn more(total: usize, cap: usize, what: &str, out: &mut String) {
    if total > cap {
        out.push_str(&format!("      ... ({} more {what})\n", total - cap));
    }
}
