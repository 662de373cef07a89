//! The load client's side of an HTTP/2 connection: opens streams for a run's requests, sends
//! their bodies as the peer's windows allow, and reports each stream's end (response, reset,
//! refused) to a sink by the stream's slot.
//!
//! Sans-IO and allocation-free in steady state: per-stream state lives in a table of
//! `max_streams` slots allocated once; a stream id finds its slot through a ring indexed by
//! the id (ids that would collide in the ring are skipped when a stream opens, which HTTP/2
//! allows: unused lower ids are simply closed); request bodies are shared `Arc<[u8]>`s, so a
//! body waiting for a window is just a slot in a queue and an offset.
//!
//! Frames are read and dispatched by the connection core (`conn`); this module is the
//! client's side of it (`Side`): stream slots, responses, resets and refusals.

mod encode;
mod request;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_flow;

use std::collections::VecDeque;
use std::sync::Arc;

use super::conn::{Block, Connection, Core, Cx, Setup, Side, State, Wording};
use super::error::H2Error;
use super::flow::RecvSizes;
use super::frame::{
    self, code, setting, Kind, DEFAULT_MAX_FRAME, DEFAULT_WINDOW, MAX_FRAME_LIMIT, MAX_STREAM_ID,
    MAX_WINDOW,
};
use encode::RequestEncoder;
pub use request::{request_from_h1, H2Request};

/// Largest response header block (HEADERS + CONTINUATIONs) accepted.
pub const MAX_HEADER_BLOCK: usize = 64 * 1024;

/// The client's wording of the errors `conn` reports.
const WORDING: Wording = Wording {
    first_not_settings: "the server's first frame is not SETTINGS",
    push_promise: "PUSH_PROMISE although push is disabled",
    stray_continuation: "CONTINUATION without a header block in progress",
    not_continuation: "a frame other than the CONTINUATION of a header block",
    block_too_large: "response header block larger than 64 KiB",
    already_failed: "connection already failed",
    rst_stream_zero: "RST_STREAM on stream 0",
    zero_increment_conn: "WINDOW_UPDATE with increment 0",
    zero_increment_stream: Some("WINDOW_UPDATE with increment 0"),
};

/// What the client advertises and how many streams it keeps open at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientSettings {
    /// Stream slots (concurrent streams at most; the peer's MAX_CONCURRENT_STREAMS may cap
    /// it further). At least 1.
    pub max_streams: u32,
    /// Our SETTINGS_INITIAL_WINDOW_SIZE: what the peer may send per stream before we
    /// replenish (1..=2^31-1).
    pub stream_window: u32,
    /// The connection's receive window (raised from 65535 by a WINDOW_UPDATE at start;
    /// smaller values mean 65535).
    pub conn_window: u32,
    /// Our SETTINGS_MAX_FRAME_SIZE (16384..=2^24-1).
    pub max_frame: u32,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            max_streams: 100,
            stream_window: 1 << 20,
            conn_window: 1 << 24,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }
}

/// Where the client reports the end of each stream, by slot.
pub trait H2Sink {
    /// Stream `slot` got its complete final response.
    fn response(&mut self, slot: u32, status: u16, body_len: u64);
    /// The peer reset stream `slot` (RST_STREAM); REFUSED_STREAM also goes here with its code.
    fn reset(&mut self, slot: u32, code: u32);
    /// Stream `slot` was above a GOAWAY's last stream id: never processed, safe to send again.
    fn refused(&mut self, slot: u32);
    /// A GOAWAY arrived.
    fn goaway(&mut self, last_stream: u32, code: u32);
}

/// What a stream slot expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamState {
    /// The slot is free.
    Free,
    /// The response's HEADERS (interim 1xx responses keep the stream here).
    AwaitHead,
    /// DATA or trailers, until END_STREAM.
    AwaitBody,
}

/// A stream slot (its windows and bodies are the core's `flows` of the same slot).
#[derive(Debug)]
struct Stream {
    id: u32,
    state: StreamState,
    status: u16,
    /// In the send queue.
    queued: bool,
}

impl Stream {
    fn free() -> Stream {
        Stream {
            id: 0,
            state: StreamState::Free,
            status: 0,
            queued: false,
        }
    }
}

/// The client side of one HTTP/2 connection.
#[derive(Debug)]
pub struct H2Client {
    conn: Connection<Client>,
}

/// The client's part of the connection: stream slots and what the core does not share.
#[derive(Debug)]
struct Client {
    streams: Box<[Stream]>,
    /// Free slots (a stack).
    free: Vec<u32>,
    /// (id / 2) & ring_mask -> slot + 1 of the live stream with that id (0: none).
    ring: Box<[u32]>,
    ring_mask: u32,
    next_id: u32,
    settings: ClientSettings,
    peer_max_streams: u32,
    encoder: RequestEncoder,
    /// Slots whose request body waits for a window, in order.
    pending: VecDeque<u32>,
}

impl H2Client {
    pub fn new(settings: &ClientSettings) -> Self {
        let settings = ClientSettings {
            max_streams: settings.max_streams.clamp(1, 1 << 20),
            stream_window: settings.stream_window.clamp(1, MAX_WINDOW),
            conn_window: settings.conn_window.clamp(DEFAULT_WINDOW, MAX_WINDOW),
            max_frame: settings.max_frame.clamp(DEFAULT_MAX_FRAME, MAX_FRAME_LIMIT),
        };
        let n = settings.max_streams;
        let ring_len = (2 * n).next_power_of_two();
        let client = Client {
            streams: (0..n).map(|_| Stream::free()).collect(),
            free: (0..n).rev().collect(),
            ring: vec![0; ring_len as usize].into_boxed_slice(),
            ring_mask: ring_len - 1,
            next_id: 1,
            settings,
            peer_max_streams: u32::MAX,
            encoder: RequestEncoder::new(),
            pending: VecDeque::with_capacity(n as usize),
        };
        let recv = RecvSizes {
            conn: settings.conn_window,
            stream: settings.stream_window,
        };
        let setup = Setup {
            max_frame: settings.max_frame,
            state: State::AwaitSettings,
            recv,
            max_block: MAX_HEADER_BLOCK,
            words: &WORDING,
            slots: n as usize,
        };
        H2Client {
            conn: Connection::new(setup, client),
        }
    }

    /// Connection preface + SETTINGS (+ connection WINDOW_UPDATE when conn_window > 65535).
    pub fn start(&mut self, out: &mut Vec<u8>) {
        let s = &self.conn.side.settings;
        out.extend_from_slice(frame::PREFACE);
        let params = [
            (setting::ENABLE_PUSH, 0),
            (setting::INITIAL_WINDOW_SIZE, s.stream_window),
            (setting::MAX_FRAME_SIZE, s.max_frame),
        ];
        let n = if s.max_frame == DEFAULT_MAX_FRAME {
            2
        } else {
            3
        };
        self.conn.core.announce(out, &params[..n]);
    }

    /// A stream slot is free, the peer's MAX_CONCURRENT_STREAMS allows one more, no GOAWAY
    /// was received and stream ids are not used up.
    pub fn can_open(&self) -> bool {
        self.conn.side.open_refusal(&self.conn.core).is_none()
    }

    /// Opens a stream for `req`: HEADERS (+ DATA as the peer's windows allow; the rest is
    /// queued and sent from `feed` as WINDOW_UPDATEs arrive). Returns the stream's slot,
    /// in 0..max_streams, which the sink's callbacks report when it ends.
    pub fn open(&mut self, req: &H2Request, out: &mut Vec<u8>) -> Result<u32, H2Error> {
        self.conn.side.open(&mut self.conn.core, req, out)
    }

    /// Feeds received bytes; answers SETTINGS (ack), PING (ack), sends WINDOW_UPDATE for data
    /// received (when half of a window is used), handles RST_STREAM, GOAWAY, trailers and
    /// 1xx interim responses, sends queued request body data. Writes what must be sent to
    /// `out`. On a connection error it also writes a GOAWAY with the error's code; the
    /// connection is then dead (later feeds fail again) and should be closed.
    pub fn feed(
        &mut self,
        data: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2Sink,
    ) -> Result<(), H2Error> {
        self.conn.feed(data, out, sink)
    }

    /// Streams open (slots in use).
    pub fn inflight(&self) -> u32 {
        let c = &self.conn.side;
        c.streams.len() as u32 - c.free.len() as u32
    }

    /// GOAWAY received (or ids used up): no new streams; close once inflight() == 0.
    pub fn closing(&self) -> bool {
        self.conn.core.peer_goaway.is_some() || self.conn.side.next_id > MAX_STREAM_ID
    }

    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS (u32::MAX until it says).
    pub fn peer_max_streams(&self) -> u32 {
        self.conn.side.peer_max_streams
    }

    /// Whether requests are inserted into the peer's dynamic table on their first use on
    /// this connection and referenced by index afterwards (default on). Off: every request
    /// goes as literals without indexing.
    pub fn set_header_indexing(&mut self, on: bool) {
        self.conn.side.encoder.indexing = on;
    }

    /// A graceful GOAWAY (NO_ERROR) telling the peer we are done with the connection.
    pub fn shutdown(&mut self, out: &mut Vec<u8>) {
        frame::goaway(out, 0, code::NO_ERROR, &[]);
    }
}

impl Client {
    fn open_refusal(&self, core: &Core) -> Option<&'static str> {
        if core.failed() {
            Some("the connection failed")
        } else if core.peer_goaway.is_some() {
            Some("the peer sent GOAWAY")
        } else if self.next_id > MAX_STREAM_ID {
            Some("stream ids used up")
        } else if self.free.is_empty() {
            Some("all stream slots in use")
        } else if self.streams.len() - self.free.len() >= self.peer_max_streams as usize {
            Some("the peer's SETTINGS_MAX_CONCURRENT_STREAMS reached")
        } else {
            None
        }
    }

    fn ring_pos(&self, id: u32) -> usize {
        ((id >> 1) & self.ring_mask) as usize
    }

    fn open(
        &mut self,
        core: &mut Core,
        req: &H2Request,
        out: &mut Vec<u8>,
    ) -> Result<u32, H2Error> {
        if let Some(why) = self.open_refusal(core) {
            return Err(H2Error::CannotOpen(why));
        }
        let mut id = self.next_id;
        while self.ring[self.ring_pos(id)] != 0 {
            id += 2;
        }
        if id > MAX_STREAM_ID {
            self.next_id = id;
            return Err(H2Error::CannotOpen("stream ids used up"));
        }
        self.next_id = id + 2;
        let Some(slot) = self.free.pop() else {
            return Err(H2Error::CannotOpen("all stream slots in use"));
        };
        let pos = self.ring_pos(id);
        self.ring[pos] = slot + 1;
        let end_stream = req.body.is_empty();
        core.open_stream(slot as usize).body = (!end_stream).then(|| Arc::clone(&req.body));
        self.streams[slot as usize] = Stream {
            id,
            state: StreamState::AwaitHead,
            ..Stream::free()
        };
        let block = self.encoder.block(req);
        frame::headers(out, id, block, end_stream, core.send.max_frame);
        if !end_stream && !self.send_body(core, slot, out) {
            self.streams[slot as usize].queued = true;
            self.pending.push_back(slot);
        }
        Ok(slot)
    }

    /// Sends as much of the slot's request body as the windows allow; true once all is sent.
    fn send_body(&mut self, core: &mut Core, slot: u32, out: &mut Vec<u8>) -> bool {
        let id = self.streams[slot as usize].id;
        core.send.send_body(out, id, &mut core.flows[slot as usize])
    }

    /// Sends queued body data while the connection's window allows.
    fn flush(&mut self, core: &mut Core, out: &mut Vec<u8>) {
        let mut n = self.pending.len();
        while n > 0 && core.send.window > 0 {
            n -= 1;
            let Some(slot) = self.pending.pop_front() else {
                break;
            };
            if self.send_body(core, slot, out) {
                self.streams[slot as usize].queued = false;
            } else {
                self.pending.push_back(slot);
            }
        }
    }

    fn free_slot(&mut self, core: &mut Core, slot: u32) {
        core.close_stream(slot as usize);
        let pos = self.ring_pos(self.streams[slot as usize].id);
        let s = &mut self.streams[slot as usize];
        let queued = s.queued;
        *s = Stream::free();
        self.ring[pos] = 0;
        if queued {
            self.pending.retain(|&q| q != slot);
        }
        self.free.push(slot);
    }

    /// The slot of a stream we opened that is still open; None for a stream already closed.
    /// Frames on streams we never opened (even ids: push is disabled) are errors.
    fn known(&self, id: u32) -> Result<Option<u32>, H2Error> {
        if id.is_multiple_of(2) {
            return Err(H2Error::Protocol(
                "frame on a server-initiated stream (push is disabled)",
            ));
        }
        if id >= self.next_id {
            return Err(H2Error::Protocol("frame on a stream not opened yet"));
        }
        let slot = self.ring[self.ring_pos(id)];
        Ok((slot != 0 && self.streams[slot as usize - 1].id == id).then(|| slot - 1))
    }

    /// A complete header block on stream `id`: a response head (interim or final) or
    /// trailers.
    fn on_head<K: H2Sink>(
        &mut self,
        cx: &mut Cx<K>,
        block: Block,
        status: Option<u16>,
    ) -> Result<(), H2Error> {
        let end_stream = block.end_stream;
        let Some(slot) = self.known(block.stream)? else {
            return Ok(());
        };
        let s = &mut self.streams[slot as usize];
        match (s.state, status) {
            (StreamState::AwaitHead, None) => {
                Err(H2Error::Protocol("response HEADERS without :status"))
            }
            (StreamState::AwaitHead, Some(101)) => {
                Err(H2Error::Protocol("101 Switching Protocols in HTTP/2"))
            }
            (StreamState::AwaitHead, Some(100..=199)) if end_stream => Err(H2Error::Protocol(
                "an interim (1xx) response ends its stream",
            )),
            (StreamState::AwaitHead, Some(100..=199)) => Ok(()),
            (StreamState::AwaitHead, Some(status)) => {
                s.status = status;
                if end_stream {
                    self.complete(cx, slot);
                } else {
                    s.state = StreamState::AwaitBody;
                }
                Ok(())
            }
            (StreamState::AwaitBody, _) if !end_stream => {
                Err(H2Error::Protocol("trailers without END_STREAM"))
            }
            (StreamState::AwaitBody, Some(_)) => Err(H2Error::Protocol(":status in trailers")),
            (StreamState::AwaitBody, None) => {
                self.complete(cx, slot);
                Ok(())
            }
            (StreamState::Free, _) => Ok(()),
        }
    }

    /// The stream's response is complete.
    fn complete<K: H2Sink>(&mut self, cx: &mut Cx<K>, slot: u32) {
        let s = &self.streams[slot as usize];
        let flow = &cx.core.flows[slot as usize];
        if flow.body.is_some() {
            // The response came before the whole request body: stop sending it.
            frame::rst_stream(cx.out, s.id, code::CANCEL);
        }
        cx.sink.response(slot, s.status, flow.received);
        self.free_slot(cx.core, slot);
    }
}

impl<K: H2Sink> Side<K> for Client {
    fn check_headers(&self, id: u32) -> Result<(), H2Error> {
        if id == 0 {
            return Err(H2Error::Protocol("HEADERS on stream 0"));
        }
        Ok(())
    }

    fn lookup(&self, _: &Core, id: u32, _: Kind) -> Result<Option<usize>, H2Error> {
        Ok(self.known(id)?.map(|slot| slot as usize))
    }

    /// A response head (interim or final) or trailers.
    fn on_block(&mut self, cx: &mut Cx<K>, block: Block) -> Result<(), H2Error> {
        let status = cx.core.decoder.status(block.bytes)?;
        self.on_head(cx, block, status)
    }

    fn accepts_data(&mut self, _: &mut Cx<K>, slot: usize) -> Result<bool, H2Error> {
        if self.streams[slot].state != StreamState::AwaitBody {
            return Err(H2Error::Protocol("DATA before the response's HEADERS"));
        }
        Ok(true)
    }

    fn on_end_stream(&mut self, cx: &mut Cx<K>, slot: usize) {
        self.complete(cx, slot as u32);
    }

    fn on_reset(&mut self, cx: &mut Cx<K>, slot: usize, code: u32) {
        cx.sink.reset(slot as u32, code);
        self.free_slot(cx.core, slot as u32);
    }

    /// Streams above `last` were never processed: refused, safe to send again.
    fn on_goaway(&mut self, cx: &mut Cx<K>, last: u32, code: u32) {
        cx.sink.goaway(last, code);
        for slot in 0..self.streams.len() as u32 {
            let id = self.streams[slot as usize].id;
            if id != 0 && id > last {
                cx.sink.refused(slot);
                self.free_slot(cx.core, slot);
            }
        }
    }

    fn on_setting(&mut self, id: u16, value: u32) -> Result<(), H2Error> {
        match id {
            setting::HEADER_TABLE_SIZE => self.encoder.peer_table_size(value),
            setting::ENABLE_PUSH if value != 0 => {
                return Err(H2Error::Protocol("the server set SETTINGS_ENABLE_PUSH"));
            }
            setting::MAX_CONCURRENT_STREAMS => self.peer_max_streams = value,
            _ => {}
        }
        Ok(())
    }

    fn on_stream_window(&mut self, cx: &mut Cx<K>, _: usize) {
        self.flush(cx.core, cx.out);
    }

    /// A window past 2^31-1 fails the whole connection.
    fn on_stream_error(&mut self, _: &mut Cx<K>, _: usize, e: H2Error) -> Result<(), H2Error> {
        Err(e)
    }

    fn send_pending(&mut self, cx: &mut Cx<K>) {
        self.flush(cx.core, cx.out);
    }
}
