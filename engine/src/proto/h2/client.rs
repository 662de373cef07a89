//! The load client's side of an HTTP/2 connection: opens streams for a run's requests, sends
//! their bodies as the peer's windows allow, and reports each stream's end (response, reset,
//! refused) to a sink by the stream's slot.
//!
//! Sans-IO and allocation-free in steady state: per-stream state lives in a table of
//! `max_streams` slots allocated once; a stream id finds its slot through a ring indexed by
//! the id (ids that would collide in the ring are skipped when a stream opens, which HTTP/2
//! allows: unused lower ids are simply closed); request bodies are shared `Arc<[u8]>`s, so a
//! body waiting for a window is just a slot in a queue and an offset.

mod encode;
mod request;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_flow;

use std::collections::VecDeque;
use std::sync::Arc;

use super::conn::{self, HeaderBlock, SendLimits, SendWindow, Wording};
use super::error::H2Error;
use super::frame::{
    self, code, flag, setting, FrameReader, Head, Kind, DEFAULT_MAX_FRAME, DEFAULT_WINDOW,
    MAX_FRAME_LIMIT, MAX_STREAM_ID, MAX_WINDOW,
};
use super::hpack::HeaderDecoder;
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

#[derive(Debug)]
struct Stream {
    id: u32,
    state: StreamState,
    status: u16,
    body_len: u64,
    /// What the peer may still send on this stream.
    recv_window: i64,
    /// Received since the last WINDOW_UPDATE we sent for this stream.
    recv_unacked: u32,
    /// What we may still send on this stream.
    send_window: i64,
    /// The request body still (partly) unsent; None once END_STREAM went out.
    body: Option<Arc<[u8]>>,
    sent: usize,
    /// In the send queue.
    queued: bool,
}

impl Stream {
    fn free() -> Stream {
        Stream {
            id: 0,
            state: StreamState::Free,
            status: 0,
            body_len: 0,
            recv_window: 0,
            recv_unacked: 0,
            send_window: 0,
            body: None,
            sent: 0,
            queued: false,
        }
    }
}

impl SendWindow for Stream {
    fn open_window(&mut self) -> Option<&mut i64> {
        (self.id != 0).then_some(&mut self.send_window)
    }
}

/// What the connection expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConnState {
    /// The server's preface: a SETTINGS frame.
    AwaitSettings,
    /// Any frame.
    AwaitFrames,
    /// The CONTINUATION of a header block on this stream.
    AwaitContinuation { stream: u32, end_stream: bool },
    /// Nothing: the connection failed with this error (kept for later feeds).
    Failed(&'static str),
}

/// The client side of one HTTP/2 connection.
#[derive(Debug)]
pub struct H2Client {
    reader: FrameReader,
    conn: Conn,
}

/// Everything but the frame reader, so the reader's callback can borrow it.
#[derive(Debug)]
struct Conn {
    state: ConnState,
    streams: Box<[Stream]>,
    /// Free slots (a stack).
    free: Vec<u32>,
    /// (id / 2) & ring_mask -> slot + 1 of the live stream with that id (0: none).
    ring: Box<[u32]>,
    ring_mask: u32,
    next_id: u32,
    settings: ClientSettings,
    peer_max_streams: u32,
    /// The connection's send window and the peer's frame and initial window limits.
    send: SendLimits,
    conn_recv_window: i64,
    conn_recv_unacked: u32,
    /// The last stream id of the GOAWAY received (the smallest, if several).
    goaway: Option<u32>,
    /// A header block split into HEADERS + CONTINUATIONs, joined.
    block: HeaderBlock,
    decoder: HeaderDecoder,
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
        H2Client {
            reader: FrameReader::new(settings.max_frame),
            conn: Conn {
                state: ConnState::AwaitSettings,
                streams: (0..n).map(|_| Stream::free()).collect(),
                free: (0..n).rev().collect(),
                ring: vec![0; ring_len as usize].into_boxed_slice(),
                ring_mask: ring_len - 1,
                next_id: 1,
                settings,
                peer_max_streams: u32::MAX,
                send: SendLimits::default(),
                conn_recv_window: i64::from(settings.conn_window),
                conn_recv_unacked: 0,
                goaway: None,
                block: HeaderBlock::new(MAX_HEADER_BLOCK),
                decoder: HeaderDecoder::default(),
                encoder: RequestEncoder::new(),
                pending: VecDeque::with_capacity(n as usize),
            },
        }
    }

    /// Connection preface + SETTINGS (+ connection WINDOW_UPDATE when conn_window > 65535).
    pub fn start(&mut self, out: &mut Vec<u8>) {
        let s = &self.conn.settings;
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
        frame::settings(out, &params[..n]);
        if s.conn_window > DEFAULT_WINDOW {
            frame::window_update(out, 0, s.conn_window - DEFAULT_WINDOW);
        }
    }

    /// A stream slot is free, the peer's MAX_CONCURRENT_STREAMS allows one more, no GOAWAY
    /// was received and stream ids are not used up.
    pub fn can_open(&self) -> bool {
        self.conn.open_refusal().is_none()
    }

    /// Opens a stream for `req`: HEADERS (+ DATA as the peer's windows allow; the rest is
    /// queued and sent from `feed` as WINDOW_UPDATEs arrive). Returns the stream's slot,
    /// in 0..max_streams, which the sink's callbacks report when it ends.
    pub fn open(&mut self, req: &H2Request, out: &mut Vec<u8>) -> Result<u32, H2Error> {
        self.conn.open(req, out)
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
        let H2Client { reader, conn } = self;
        if let ConnState::Failed(why) = conn.state {
            return Err(H2Error::Protocol(why));
        }
        let fed = reader.feed(data, |head, payload| {
            conn.on_frame(head, payload, out, sink)
        });
        if let Err(e) = &fed {
            frame::goaway(out, 0, e.code(), e.to_string().as_bytes());
            conn.state = ConnState::Failed("connection already failed");
        }
        fed
    }

    /// Streams open (slots in use).
    pub fn inflight(&self) -> u32 {
        self.conn.streams.len() as u32 - self.conn.free.len() as u32
    }

    /// GOAWAY received (or ids used up): no new streams; close once inflight() == 0.
    pub fn closing(&self) -> bool {
        self.conn.closing()
    }

    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS (u32::MAX until it says).
    pub fn peer_max_streams(&self) -> u32 {
        self.conn.peer_max_streams
    }

    /// Whether requests are inserted into the peer's dynamic table on their first use on
    /// this connection and referenced by index afterwards (default on). Off: every request
    /// goes as literals without indexing.
    pub fn set_header_indexing(&mut self, on: bool) {
        self.conn.encoder.indexing = on;
    }

    /// A graceful GOAWAY (NO_ERROR) telling the peer we are done with the connection.
    pub fn shutdown(&mut self, out: &mut Vec<u8>) {
        frame::goaway(out, 0, code::NO_ERROR, &[]);
    }
}

impl Conn {
    fn closing(&self) -> bool {
        self.goaway.is_some() || self.next_id > MAX_STREAM_ID
    }

    fn open_refusal(&self) -> Option<&'static str> {
        if matches!(self.state, ConnState::Failed(_)) {
            Some("the connection failed")
        } else if self.goaway.is_some() {
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

    fn open(&mut self, req: &H2Request, out: &mut Vec<u8>) -> Result<u32, H2Error> {
        if let Some(why) = self.open_refusal() {
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
        let s = &mut self.streams[slot as usize];
        *s = Stream {
            id,
            state: StreamState::AwaitHead,
            recv_window: i64::from(self.settings.stream_window),
            send_window: self.send.initial_window,
            body: (!end_stream).then(|| Arc::clone(&req.body)),
            ..Stream::free()
        };
        let block = self.encoder.block(req);
        frame::headers(out, id, block, end_stream, self.send.max_frame);
        if !end_stream && !self.send_body(slot, out) {
            self.streams[slot as usize].queued = true;
            self.pending.push_back(slot);
        }
        Ok(slot)
    }

    /// Sends as much of the slot's request body as the windows allow; true once all is sent.
    fn send_body(&mut self, slot: u32, out: &mut Vec<u8>) -> bool {
        let s = &mut self.streams[slot as usize];
        let Some(body) = s.body.take() else {
            return true;
        };
        let done = self
            .send
            .send_data(out, s.id, &mut s.send_window, &body, &mut s.sent);
        if !done {
            s.body = Some(body);
        }
        done
    }

    /// Sends queued body data while the connection's window allows.
    fn flush(&mut self, out: &mut Vec<u8>) {
        let mut n = self.pending.len();
        while n > 0 && self.send.window > 0 {
            n -= 1;
            let Some(slot) = self.pending.pop_front() else {
                break;
            };
            if self.send_body(slot, out) {
                self.streams[slot as usize].queued = false;
            } else {
                self.pending.push_back(slot);
            }
        }
    }

    fn free_slot(&mut self, slot: u32) {
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

    fn on_frame(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2Sink,
    ) -> Result<(), H2Error> {
        match self.state {
            ConnState::AwaitContinuation { stream, end_stream } => {
                if self.block.continuation(&head, payload, stream, &WORDING)? {
                    self.state = ConnState::AwaitFrames;
                    let status = self.decoder.status(self.block.bytes())?;
                    self.on_head(stream, status, end_stream, out, sink)?;
                }
                return Ok(());
            }
            ConnState::AwaitSettings => {
                conn::first_frame(&head, &WORDING)?;
                self.state = ConnState::AwaitFrames;
            }
            ConnState::AwaitFrames => {}
            ConnState::Failed(why) => return Err(H2Error::Protocol(why)),
        }
        match head.kind {
            Kind::Data => self.on_data(head, payload, out, sink),
            Kind::Headers => self.on_headers(head, payload, out, sink),
            Kind::Settings => self.on_settings(head, payload, out),
            Kind::WindowUpdate => self.on_window_update(head, payload, out),
            Kind::RstStream => {
                if head.stream == 0 {
                    return Err(H2Error::Protocol("RST_STREAM on stream 0"));
                }
                let code = frame::parse_rst_stream(payload)?;
                if let Some(slot) = self.known(head.stream)? {
                    sink.reset(slot, code);
                    self.free_slot(slot);
                }
                Ok(())
            }
            Kind::Ping => conn::on_ping(&head, payload, out),
            Kind::Goaway => {
                let (last, code) = conn::parse_goaway(&head, payload)?;
                let last = self.goaway.map_or(last, |prev| prev.min(last));
                self.goaway = Some(last);
                sink.goaway(last, code);
                for slot in 0..self.streams.len() as u32 {
                    let id = self.streams[slot as usize].id;
                    if id != 0 && id > last {
                        sink.refused(slot);
                        self.free_slot(slot);
                    }
                }
                Ok(())
            }
            Kind::Priority | Kind::PushPromise | Kind::Continuation | Kind::Unknown(_) => {
                conn::ignored_frame(&head, payload, &WORDING)
            }
        }
    }

    fn on_headers(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2Sink,
    ) -> Result<(), H2Error> {
        if head.stream == 0 {
            return Err(H2Error::Protocol("HEADERS on stream 0"));
        }
        let end_stream = head.has(flag::END_STREAM);
        let Some(fragment) = self.block.headers(&head, payload)? else {
            self.state = ConnState::AwaitContinuation {
                stream: head.stream,
                end_stream,
            };
            return Ok(());
        };
        // Decoded whatever the stream's state, so the HPACK table stays in step.
        let status = self.decoder.status(fragment)?;
        self.on_head(head.stream, status, end_stream, out, sink)
    }

    /// A complete header block on stream `id`: a response head (interim or final) or
    /// trailers.
    fn on_head(
        &mut self,
        id: u32,
        status: Option<u16>,
        end_stream: bool,
        out: &mut Vec<u8>,
        sink: &mut impl H2Sink,
    ) -> Result<(), H2Error> {
        let Some(slot) = self.known(id)? else {
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
                    self.complete(slot, out, sink);
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
                self.complete(slot, out, sink);
                Ok(())
            }
            (StreamState::Free, _) => Ok(()),
        }
    }

    /// The stream's response is complete.
    fn complete(&mut self, slot: u32, out: &mut Vec<u8>, sink: &mut impl H2Sink) {
        let s = &self.streams[slot as usize];
        if s.body.is_some() {
            // The response came before the whole request body: stop sending it.
            frame::rst_stream(out, s.id, code::CANCEL);
        }
        sink.response(slot, s.status, s.body_len);
        self.free_slot(slot);
    }

    fn on_data(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2Sink,
    ) -> Result<(), H2Error> {
        if head.stream == 0 {
            return Err(H2Error::Protocol("DATA on stream 0"));
        }
        // Flow control counts the whole payload, padding included, on any stream.
        let len = head.len;
        conn::consume(&mut self.conn_recv_window, len)?;
        let threshold = (self.settings.conn_window / 2).max(1);
        let back = conn::replenish(out, 0, &mut self.conn_recv_unacked, len, threshold);
        self.conn_recv_window += i64::from(back);
        let body = frame::unpad(&head, payload)?;
        let Some(slot) = self.known(head.stream)? else {
            return Ok(());
        };
        let threshold = (self.settings.stream_window / 2).max(1);
        let s = &mut self.streams[slot as usize];
        if s.state != StreamState::AwaitBody {
            return Err(H2Error::Protocol("DATA before the response's HEADERS"));
        }
        conn::consume(&mut s.recv_window, len)?;
        s.body_len += body.len() as u64;
        if head.has(flag::END_STREAM) {
            self.complete(slot, out, sink);
            return Ok(());
        }
        let back = conn::replenish(out, s.id, &mut s.recv_unacked, len, threshold);
        s.recv_window += i64::from(back);
        Ok(())
    }

    fn on_settings(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), H2Error> {
        let (encoder, peer_max_streams) = (&mut self.encoder, &mut self.peer_max_streams);
        let other = |id, value| {
            match id {
                setting::HEADER_TABLE_SIZE => encoder.peer_table_size(value),
                setting::ENABLE_PUSH if value != 0 => {
                    return Err(H2Error::Protocol("the server set SETTINGS_ENABLE_PUSH"));
                }
                setting::MAX_CONCURRENT_STREAMS => *peer_max_streams = value,
                _ => {}
            }
            Ok(())
        };
        if self
            .send
            .on_settings(&head, payload, &mut self.streams, other, out)?
        {
            self.flush(out);
        }
        Ok(())
    }

    fn on_window_update(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), H2Error> {
        let increment = conn::increment(payload)?;
        if increment == 0 {
            return Err(H2Error::Protocol("WINDOW_UPDATE with increment 0"));
        }
        if head.stream == 0 {
            conn::grow(&mut self.send.window, increment)?;
        } else if let Some(slot) = self.known(head.stream)? {
            conn::grow(&mut self.streams[slot as usize].send_window, increment)?;
        }
        self.flush(out);
        Ok(())
    }
}
