//! The scripted client's side of one connection: HTTP/1.1 (`client_h1`) or HTTP/2
//! (`h2_send`, `h2_recv`) per `ClientDef`, behind one interface for the event loop. Also
//! keeps the connection's byte log (`ClientLog::received`, `sent_raw`).

use std::time::Duration;

use super::client_h1::H1Client;
use super::h2::H2Client;
use crate::check::plan::{ClientDef, ClientProto, Frame, Request};
use crate::check::transcript::{ClientLog, RAW_CAP};

/// One client connection (HTTP/1.1 or HTTP/2 per `ClientDef`).
#[derive(Debug)]
pub struct ClientWire {
    marker: String,
    proto: Proto,
}

#[derive(Debug)]
enum Proto {
    H1(Box<H1Client>),
    H2(Box<H2Client>),
}

impl ClientWire {
    pub fn new(def: &ClientDef, marker: &str) -> ClientWire {
        let proto = match def.proto {
            ClientProto::H1 => Proto::H1(Box::new(H1Client::new(&def.authority))),
            ClientProto::H2 => Proto::H2(Box::new(H2Client::new(def))),
        };
        ClientWire {
            marker: marker.to_string(),
            proto,
        }
    }

    /// HTTP/2 with `def.preface`: the preface and SETTINGS(def.settings). HTTP/1.1: nothing.
    pub fn on_open(&mut self, out: &mut Vec<u8>) {
        if let Proto::H2(h2) = &mut self.proto {
            h2.on_open(out);
        }
    }

    /// Encodes requests (HTTP/1.1 per plan.rs's `Request` doc; HTTP/2 HEADERS, CONTINUATION
    /// and DATA on new odd streams, as flow control allows: the rest goes when the peer's
    /// WINDOW_UPDATEs come), each with `MARKER_HEADER`; pushes each as a `Message` (what was
    /// sent) to `log.sent`.
    pub fn send_requests(&mut self, reqs: &[Request], log: &mut ClientLog, out: &mut Vec<u8>) {
        for req in reqs {
            let sent = match &mut self.proto {
                Proto::H1(h1) => h1.send(req, &self.marker, out),
                Proto::H2(h2) => h2.send(req, &self.marker, out),
            };
            log.sent.push(sent);
        }
    }

    /// Bytes as they are (HTTP/1.1: requests among them are noted, so a response to a raw
    /// HEAD is read without a body).
    pub fn send_raw(&mut self, bytes: &[u8], log: &mut ClientLog, out: &mut Vec<u8>) {
        if let Proto::H1(h1) = &mut self.proto {
            h1.sent_raw(bytes);
        }
        keep(&mut log.sent_raw, bytes);
        out.extend_from_slice(bytes);
    }

    /// HTTP/2 frames as they are, in order (header blocks via this connection's HPACK
    /// encoder). On an HTTP/1.1 connection the frames' bytes are sent all the same.
    pub fn send_frames(&mut self, frames: &[Frame], log: &mut ClientLog, out: &mut Vec<u8>) {
        let start = out.len();
        match &mut self.proto {
            Proto::H2(h2) => h2.send_frames(frames, out),
            Proto::H1(_) => super::h2::write_frames_stateless(frames, out),
        }
        keep(&mut log.sent_raw, &out[start..]);
    }

    /// Bytes arrived: complete responses → `log.responses` (1xx into the next one's
    /// `interim`; a response to HEAD has no body), h2 frames → `log.frames`, auto acks
    /// (`def.auto_ack`) and WINDOW_UPDATEs → `out`; a protocol error → `log.parse_error`
    /// (the first one; what follows it on the connection is not parsed). Also fills
    /// `log.received`, `received_len` and `last_at`.
    pub fn on_data(&mut self, data: &[u8], at: Duration, log: &mut ClientLog, out: &mut Vec<u8>) {
        keep(&mut log.received, data);
        log.received_len += data.len() as u64;
        if !data.is_empty() {
            log.last_at = Some(at);
        }
        match &mut self.proto {
            Proto::H1(h1) => h1.on_data(data, log),
            Proto::H2(h2) => h2.on_data(data, at, log, out),
        }
    }

    /// The peer closed: completes a read-until-close body; a response cut short is a
    /// `parse_error`. Nothing is awaited any more.
    pub fn on_eof(&mut self, log: &mut ClientLog) {
        match &mut self.proto {
            Proto::H1(h1) => h1.on_eof(log),
            Proto::H2(h2) => h2.on_eof(),
        }
    }

    /// Requests sent by `send_requests` still without a complete response (HTTP/2: stream
    /// not ended/reset, nor above a GOAWAY's last stream). 0 once the connection ended or its
    /// framing broke (`parse_error`): nothing more can come.
    pub fn awaiting(&self) -> usize {
        match &self.proto {
            Proto::H1(h1) => h1.awaiting(),
            Proto::H2(h2) => h2.awaiting(),
        }
    }
}

/// Appends to a capped byte log.
fn keep(log: &mut Vec<u8>, bytes: &[u8]) {
    let room = RAW_CAP.saturating_sub(log.len());
    log.extend_from_slice(&bytes[..room.min(bytes.len())]);
}
