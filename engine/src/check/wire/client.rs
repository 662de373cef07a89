//! The scripted client's side of one connection, HTTP/1.1 or HTTP/2.

use std::time::Duration;

use crate::check::plan::{ClientDef, ClientProto, Frame, Request};
use crate::check::transcript::ClientLog;

/// One client connection (HTTP/1.1 or HTTP/2 per `ClientDef`).
#[derive(Debug)]
pub struct ClientWire {
    proto: ClientProto,
    marker: String,
}

impl ClientWire {
    pub fn new(def: &ClientDef, marker: &str) -> ClientWire {
        ClientWire {
            proto: def.proto,
            marker: marker.to_string(),
        }
    }

    /// HTTP/2 with `def.preface`: the preface and SETTINGS(def.settings).
    pub fn on_open(&mut self, out: &mut Vec<u8>) {
        let _ = out;
    }

    /// Encodes requests (HTTP/1.1 per plan.rs's `Request` doc; HTTP/2 HEADERS, CONTINUATION
    /// and DATA on new odd streams), each with `MARKER_HEADER`; pushes each as a `Message`
    /// (what was sent) to `log.sent`.
    pub fn send_requests(&mut self, reqs: &[Request], log: &mut ClientLog, out: &mut Vec<u8>) {
        let _ = (reqs, log, out, &self.marker);
    }

    /// Bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8], log: &mut ClientLog, out: &mut Vec<u8>) {
        let _ = log;
        out.extend_from_slice(bytes);
    }

    /// HTTP/2 frames as they are (header blocks via this connection's HPACK encoder).
    pub fn send_frames(&mut self, frames: &[Frame], log: &mut ClientLog, out: &mut Vec<u8>) {
        let _ = (frames, log, out);
    }

    /// Bytes arrived: complete responses → `log.responses` (1xx into the next one's
    /// `interim`; a response to HEAD has no body), h2 frames → `log.frames`, auto acks
    /// (`def.auto_ack`) and WINDOW_UPDATEs → `out`; a protocol error → `log.parse_error`.
    pub fn on_data(&mut self, data: &[u8], at: Duration, log: &mut ClientLog, out: &mut Vec<u8>) {
        let _ = (data, at, log, out, self.proto);
    }

    /// The peer closed: completes a read-until-close body.
    pub fn on_eof(&mut self, log: &mut ClientLog) {
        let _ = log;
    }

    /// Requests sent by `send_requests` still without a complete response (HTTP/2: stream not
    /// ended/reset).
    pub fn awaiting(&self) -> usize {
        0
    }
}
