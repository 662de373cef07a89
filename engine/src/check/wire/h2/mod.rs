//! The HTTP/2 client of one connection, with frame-level control: structured requests on
//! new odd streams (sent as flow control allows), frames exactly as a case writes them, and
//! every received frame recorded and read into responses. Built on `proto::h2`'s frame layer
//! and HPACK; no state checks on what we send (sending what a peer must reject is the point),
//! only what it takes to read what comes back.
//!
//! `send` writes requests and frames, `recv` reads frames; this file holds the connection's
//! state both share.

mod recv;
mod send;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::check::plan::{ClientDef, Frame};
use crate::check::transcript::Message;
use crate::proto::h2::frame::{self, setting, DEFAULT_MAX_FRAME, DEFAULT_WINDOW};
use crate::proto::h2::hpack::{HeaderDecoder, TABLE_SIZE};
use crate::proto::h2::FrameReader;

pub(super) use send::write_frames_stateless;

/// One stream we sent on or received a header block for.
#[derive(Debug, Default)]
struct Stream {
    /// Opened by `send_requests`: counts for `awaiting` until done.
    counted: bool,
    /// Ended (END_STREAM received), reset, or beyond a GOAWAY's last stream.
    done: bool,
    /// What the peer lets us send on it.
    window: i64,
    /// Body bytes not sent yet (flow control), from `sent`.
    body: Vec<u8>,
    sent: usize,
    /// DATA frame sizes to use (chunked requests), the last repeating; empty: max frame.
    sizes: Vec<usize>,
    /// Trailer fields to send after the body (HEADERS with END_STREAM); None: the last DATA
    /// ends the stream.
    trailers: Option<Vec<(String, String)>>,
    /// Still something to send (body and/or trailers).
    sending: bool,
    /// The response being received (after its final HEADERS).
    response: Option<Message>,
    /// 1xx statuses before the final HEADERS.
    interim: Vec<u16>,
}

/// A header block being joined from HEADERS/PUSH_PROMISE + CONTINUATIONs.
#[derive(Debug)]
struct Block {
    stream: u32,
    end_stream: bool,
    /// PUSH_PROMISE: decoded (to keep HPACK in step) and dropped.
    push: bool,
    bytes: Vec<u8>,
}

#[derive(Debug)]
pub(super) struct H2Client {
    authority: String,
    scheme: String,
    preface: bool,
    settings: Vec<(u16, u32)>,
    auto_ack: bool,
    reader: FrameReader,
    decoder: HeaderDecoder,
    next_stream: u32,
    streams: BTreeMap<u32, Stream>,
    /// What the peer lets us send on the connection, and its SETTINGS.
    conn_window: i64,
    peer_initial_window: i64,
    peer_max_frame: usize,
    /// The dynamic table size the peer's decoder keeps for us, and a size update owed at the
    /// start of our next header block (the peer lowered SETTINGS_HEADER_TABLE_SIZE).
    peer_table: usize,
    table_update: Option<usize>,
    block: Option<Block>,
    /// The framing broke or the peer closed: nothing more is parsed or awaited.
    ended: bool,
}

impl H2Client {
    pub fn new(def: &ClientDef) -> Self {
        let mut c = H2Client {
            authority: def.authority.clone(),
            scheme: def.scheme.clone(),
            preface: def.preface,
            settings: def.settings.clone(),
            auto_ack: def.auto_ack,
            reader: FrameReader::new(DEFAULT_MAX_FRAME),
            decoder: HeaderDecoder::new(TABLE_SIZE),
            next_stream: 1,
            streams: BTreeMap::new(),
            conn_window: i64::from(DEFAULT_WINDOW),
            peer_initial_window: i64::from(DEFAULT_WINDOW),
            peer_max_frame: DEFAULT_MAX_FRAME as usize,
            peer_table: TABLE_SIZE,
            table_update: None,
            block: None,
            ended: false,
        };
        if def.preface {
            c.advertised(&def.settings);
            for &(id, value) in &def.settings {
                if id == setting::HEADER_TABLE_SIZE && value as usize > TABLE_SIZE {
                    c.decoder = HeaderDecoder::new(value as usize);
                }
            }
        }
        c
    }

    /// What we advertise that changes how we read: the largest frame we take. (The peer's
    /// encoder may use at most the table we advertise; our decoder takes any size up to
    /// the larger of that and the default, so a smaller one is not enforced.)
    fn advertised(&mut self, params: &[(u16, u32)]) {
        for &(id, value) in params {
            if id == setting::MAX_FRAME_SIZE {
                let max = value.clamp(DEFAULT_MAX_FRAME, frame::MAX_FRAME_LIMIT);
                self.reader.set_max_frame(max);
            }
        }
    }

    pub fn on_open(&mut self, out: &mut Vec<u8>) {
        if self.preface {
            out.extend_from_slice(frame::PREFACE);
            frame::settings(out, &self.settings);
        }
    }

    pub fn on_eof(&mut self) {
        self.ended = true;
    }

    pub fn awaiting(&self) -> usize {
        if self.ended {
            return 0;
        }
        self.streams
            .values()
            .filter(|s| s.counted && !s.done)
            .count()
    }

    /// Frames as they are (see `send::write_frame`).
    pub fn send_frames(&mut self, frames: &[Frame], out: &mut Vec<u8>) {
        for f in frames {
            if let Frame::Settings { ack: false, params } = f {
                self.advertised(params);
            }
            let stream = match f {
                Frame::Headers { stream, .. } => Some(*stream),
                _ => None,
            };
            if let Some(id) = stream.filter(|id| id % 2 == 1 && *id >= self.next_stream) {
                self.next_stream = id.saturating_add(2);
            }
            send::write_frame(f, &mut self.table_update, out);
        }
    }
}
