//! The HTTP/2 client connection's state, shared by what sends (`send`) and what reads
//! (`recv`): streams, windows, the peer's settings, the HPACK decoder, a header block in
//! progress.

use std::collections::BTreeMap;

use crate::check::plan::ClientDef;
use crate::check::transcript::Message;
use crate::proto::h2::frame::{self, setting, DEFAULT_MAX_FRAME, DEFAULT_WINDOW};
use crate::proto::h2::hpack::{HeaderDecoder, TABLE_SIZE};
use crate::proto::h2::FrameReader;

/// One stream we sent on or received a header block for.
#[derive(Debug, Default)]
pub(super) struct Stream {
    /// Opened by `send_requests`: counts for `awaiting` until done.
    pub(super) counted: bool,
    /// Ended (END_STREAM received), reset, or beyond a GOAWAY's last stream.
    pub(super) done: bool,
    /// What the peer lets us send on it.
    pub(super) window: i64,
    /// Body bytes not sent yet (flow control), from `sent`.
    pub(super) body: Vec<u8>,
    pub(super) sent: usize,
    /// DATA frame sizes to use (chunked requests), the last repeating; empty: max frame.
    pub(super) sizes: Vec<usize>,
    /// Trailer fields to send after the body (HEADERS with END_STREAM); None: the last DATA
    /// ends the stream.
    pub(super) trailers: Option<Vec<(String, String)>>,
    /// Still something to send (body and/or trailers).
    pub(super) sending: bool,
    /// The response being received (after its final HEADERS).
    pub(super) response: Option<Message>,
    /// 1xx statuses before the final HEADERS.
    pub(super) interim: Vec<u16>,
}

/// A header block being joined from HEADERS/PUSH_PROMISE + CONTINUATIONs.
#[derive(Debug)]
pub(super) struct Block {
    pub(super) stream: u32,
    pub(super) end_stream: bool,
    /// PUSH_PROMISE: decoded (to keep HPACK in step) and dropped.
    pub(super) push: bool,
    pub(super) bytes: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct H2Client {
    pub(super) authority: String,
    pub(super) scheme: String,
    pub(super) preface: bool,
    pub(super) settings: Vec<(u16, u32)>,
    pub(super) auto_ack: bool,
    pub(super) reader: FrameReader,
    pub(super) decoder: HeaderDecoder,
    pub(super) next_stream: u32,
    pub(super) streams: BTreeMap<u32, Stream>,
    /// What the peer lets us send on the connection, and its SETTINGS.
    pub(super) conn_window: i64,
    pub(super) peer_initial_window: i64,
    pub(super) peer_max_frame: usize,
    /// The dynamic table size the peer's decoder keeps for us, and a size update owed at the
    /// start of our next header block (the peer lowered SETTINGS_HEADER_TABLE_SIZE).
    pub(super) peer_table: usize,
    pub(super) table_update: Option<usize>,
    pub(super) block: Option<Block>,
    /// The framing broke or the peer closed: nothing more is parsed or awaited.
    pub(super) ended: bool,
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
    pub(super) fn advertised(&mut self, params: &[(u16, u32)]) {
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
}
