//! The server side of HTTP/2 for the built-in target (`tfw-bench serve`), sans-IO: received
//! bytes in, complete requests out to a sink, and the frames to send appended to a caller's
//! buffer. The worker decides when each request is answered (`--delay`, stalls) and calls
//! `respond`; this module keeps the protocol honest meanwhile: SETTINGS and their ACKs, PING,
//! both directions of flow control (response DATA waits for the client's windows; received
//! DATA is given back with WINDOW_UPDATE), RST_STREAM, GOAWAY either way.
//!
//! The response is built once (`response_from_h1`, from the HTTP/1.1 bytes the plan already
//! has): its header block is encoded up front, its body shared, so answering a stream copies
//! only what goes on the wire. A request limit (`--close-after N`) becomes a GOAWAY sent when
//! the N-th stream opens: streams above it are not processed, the ones below are answered, and
//! then `is_done` tells the worker to close.
//!
//! Per connection: a slab of stream slots (at most the advertised MAX_CONCURRENT_STREAMS),
//! each with a reused field buffer, so steady state allocates nothing.

use super::conn::{self, HeaderBlock, SendLimits, SendWindow, Wording};
use super::frame::{self, code, flag, setting, FrameReader, Head, Kind, PREFACE};
use super::hpack::HeaderDecoder;
use super::H2Error;
use std::sync::Arc;

mod response;

pub use response::{response_from_h1, H2Response};

/// Our receive window, per stream (SETTINGS_INITIAL_WINDOW_SIZE) and for the connection.
const RECV_WINDOW: u32 = 1 << 20;
/// Received bytes are given back (WINDOW_UPDATE) once this many are unacknowledged.
const RECV_UPDATE: u32 = RECV_WINDOW / 2;
/// Largest header block (HEADERS plus CONTINUATIONs) accepted.
const MAX_BLOCK: usize = 256 << 10;

/// The server's wording of the errors `conn` reports.
const WORDING: Wording = Wording {
    first_not_settings: "the first frame must be SETTINGS",
    push_promise: "PUSH_PROMISE from a client",
    stray_continuation: "CONTINUATION without HEADERS",
    not_continuation: "expected CONTINUATION of a header block",
    block_too_large: "header block too large",
};

/// A request's fields as decoded (pseudo-fields included, in order), kept in one buffer.
#[derive(Debug, Default)]
pub struct Fields {
    bytes: Vec<u8>,
    /// (name end, value end) offsets into `bytes`; each field starts where the last ended.
    ends: Vec<(u32, u32)>,
}

impl Fields {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    fn push(&mut self, name: &[u8], value: &[u8]) {
        self.bytes.extend_from_slice(name);
        let n = self.bytes.len() as u32;
        self.bytes.extend_from_slice(value);
        self.ends.push((n, self.bytes.len() as u32));
    }

    /// Every field as (name, value), in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&(n, v)| {
            let (n, v) = (n as usize, v as usize);
            let field = (&self.bytes[start..n], &self.bytes[n..v]);
            start = v;
            field
        })
    }

    /// The first field named `name`.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// Where complete requests go.
pub trait H2RequestSink {
    /// Stream `stream` carried a complete request (END_STREAM seen); `respond` answers it.
    fn request(&mut self, stream: u32, fields: &Fields, body_len: u64);
}

/// What a stream slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Free,
    /// The header block came; body DATA (or trailers) until END_STREAM.
    AwaitBody,
    /// The request is complete: the worker owes a response.
    AwaitRespond,
    /// The response head went out; body data waits for the client's windows.
    AwaitWindow,
}

#[derive(Debug)]
struct Stream {
    id: u32,
    phase: Phase,
    /// A HEAD request: the response goes without its body.
    head: bool,
    body_len: u64,
    /// Received bytes not yet given back with a WINDOW_UPDATE.
    unacked: u32,
    /// What the client lets us send on it.
    window: i64,
    /// The response body being sent, and how much of it went.
    body: Option<Arc<[u8]>>,
    sent: usize,
    fields: Fields,
}

impl Stream {
    fn new() -> Self {
        Stream {
            id: 0,
            phase: Phase::Free,
            head: false,
            body_len: 0,
            unacked: 0,
            window: 0,
            body: None,
            sent: 0,
            fields: Fields::default(),
        }
    }
}

impl SendWindow for Stream {
    fn open_window(&mut self) -> Option<&mut i64> {
        (self.phase != Phase::Free).then_some(&mut self.window)
    }
}

/// What the connection expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The client connection preface; this many of its bytes came so far.
    AwaitPreface(usize),
    /// The client's first frame, which must be SETTINGS.
    AwaitSettings,
    AwaitFrames,
    /// CONTINUATION frames of the header block of this stream (END_STREAM as on HEADERS).
    AwaitContinuation {
        stream: u32,
        end_stream: bool,
    },
    /// A connection error happened (its GOAWAY was written); nothing more is read.
    Failed,
}

/// One HTTP/2 connection's server side.
#[derive(Debug)]
pub struct H2Server {
    reader: FrameReader,
    conn: Conn,
}

#[derive(Debug)]
struct Conn {
    state: State,
    max_streams: u32,
    settings_sent: bool,
    decoder: HeaderDecoder,
    /// A header block split over CONTINUATIONs, being joined.
    block: HeaderBlock,
    /// A response's header block with extra fields, being sent.
    resp_block: Vec<u8>,
    streams: Vec<Stream>,
    /// Slots not Free.
    live: usize,
    /// Fields of blocks that are decoded only to keep HPACK in step.
    discard: Fields,
    /// Highest stream id the client opened.
    last_stream: u32,
    /// Streams accepted, and after how many a GOAWAY goes (0: never).
    accepted: u64,
    limit: u64,
    /// The last stream id of the GOAWAY we sent.
    goaway: Option<u32>,
    peer_goaway: bool,
    /// What the client lets us send: on the connection, initially on each stream, per frame.
    send: SendLimits,
    /// Received bytes on the connection not yet given back.
    unacked: u32,
}

impl H2Server {
    /// A server connection advertising `max_streams` concurrent streams; its SETTINGS go out
    /// with the first `feed`.
    pub fn new(max_streams: u32) -> Self {
        H2Server {
            reader: FrameReader::new(frame::DEFAULT_MAX_FRAME),
            conn: Conn {
                state: State::AwaitPreface(0),
                max_streams: max_streams.max(1),
                settings_sent: false,
                decoder: HeaderDecoder::default(),
                block: HeaderBlock::new(MAX_BLOCK),
                resp_block: Vec::new(),
                streams: Vec::new(),
                live: 0,
                discard: Fields::default(),
                last_stream: 0,
                accepted: 0,
                limit: 0,
                goaway: None,
                peer_goaway: false,
                send: SendLimits::default(),
                unacked: 0,
            },
        }
    }

    /// After `n` streams (0: never), a GOAWAY stops the client opening more.
    pub fn set_request_limit(&mut self, n: u64) {
        self.conn.limit = n;
    }

    /// Feeds received bytes: preface, SETTINGS (ack), PING (ack), WINDOW_UPDATE (sends queued
    /// response data), request HEADERS/CONTINUATION/DATA; each complete request goes to
    /// `sink.request`. On a connection error the GOAWAY saying why is written to `out`, the
    /// error returned, and the connection must be closed once `out` is sent.
    pub fn feed(
        &mut self,
        data: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2RequestSink,
    ) -> Result<(), H2Error> {
        let c = &mut self.conn;
        if !c.settings_sent {
            c.settings_sent = true;
            frame::settings(
                out,
                &[
                    (setting::MAX_CONCURRENT_STREAMS, c.max_streams),
                    (setting::INITIAL_WINDOW_SIZE, RECV_WINDOW),
                ],
            );
            frame::window_update(out, 0, RECV_WINDOW - frame::DEFAULT_WINDOW);
        }
        let mut data = data;
        match c.state {
            State::Failed => return Err(H2Error::Protocol("the connection already failed")),
            State::AwaitPreface(have) => {
                let n = data.len().min(PREFACE.len() - have);
                if data[..n] != PREFACE[have..have + n] {
                    return Err(c.fail(H2Error::Protocol("bad connection preface"), out));
                }
                data = &data[n..];
                c.state = if have + n == PREFACE.len() {
                    State::AwaitSettings
                } else {
                    State::AwaitPreface(have + n)
                };
            }
            _ => {}
        }
        if data.is_empty() {
            return Ok(());
        }
        let res = self
            .reader
            .feed(data, |head, payload| c.on_frame(head, payload, out, sink));
        res.map_err(|e| c.fail(e, out))
    }

    /// Answers stream `stream` with `resp`: HEADERS (plus CONTINUATIONs), then DATA as the
    /// client's windows allow (the rest is sent as WINDOW_UPDATEs come). False when the
    /// stream is not waiting for a response (the client reset it, or it never was).
    pub fn respond(&mut self, stream: u32, resp: &H2Response, out: &mut Vec<u8>) -> bool {
        self.respond_with(stream, resp, &[], out)
    }

    /// `respond` with `extra`, an encoded header block fragment, appended to the response's
    /// fields (e.g. a per-connection Set-Cookie).
    pub fn respond_with(
        &mut self,
        stream: u32,
        resp: &H2Response,
        extra: &[u8],
        out: &mut Vec<u8>,
    ) -> bool {
        let c = &mut self.conn;
        let Some(i) = c.find(stream) else {
            return false;
        };
        if c.streams[i].phase != Phase::AwaitRespond {
            return false;
        }
        let s = &mut c.streams[i];
        let end = s.head || resp.body.is_empty();
        if extra.is_empty() {
            frame::headers(out, stream, &resp.block, end, c.send.max_frame);
        } else {
            c.resp_block.clear();
            c.resp_block.extend_from_slice(&resp.block);
            c.resp_block.extend_from_slice(extra);
            frame::headers(out, stream, &c.resp_block, end, c.send.max_frame);
        }
        if end {
            c.free(i);
        } else {
            let s = &mut c.streams[i];
            s.phase = Phase::AwaitWindow;
            s.body = Some(resp.body.clone());
            s.sent = 0;
            c.send_data(i, out);
        }
        true
    }

    /// GOAWAY with the last stream id seen: streams the client opens later are not
    /// processed; the open ones are still answered. Once only.
    pub fn goaway(&mut self, code: u32, out: &mut Vec<u8>) {
        let c = &mut self.conn;
        if c.goaway.is_none() {
            c.goaway = Some(c.last_stream);
            frame::goaway(out, c.last_stream, code, &[]);
        }
    }

    /// The connection can be closed once what was written is sent: a GOAWAY went either way
    /// and every stream that will be answered has been, or a connection error happened.
    pub fn is_done(&self) -> bool {
        let c = &self.conn;
        c.state == State::Failed || ((c.goaway.is_some() || c.peer_goaway) && c.live == 0)
    }

    /// Streams open: receiving, owed a response, or sending one.
    pub fn streams(&self) -> usize {
        self.conn.live
    }
}

impl Conn {
    /// Marks the connection failed and writes the GOAWAY that says why.
    fn fail(&mut self, e: H2Error, out: &mut Vec<u8>) -> H2Error {
        if self.state != State::Failed {
            self.state = State::Failed;
            let last = self.goaway.unwrap_or(self.last_stream);
            frame::goaway(out, last, e.code(), e.to_string().as_bytes());
        }
        e
    }

    fn find(&self, id: u32) -> Option<usize> {
        self.streams
            .iter()
            .position(|s| s.id == id && s.phase != Phase::Free)
    }

    fn free(&mut self, i: usize) {
        let s = &mut self.streams[i];
        if s.phase != Phase::Free {
            s.phase = Phase::Free;
            s.body = None;
            self.live -= 1;
        }
    }

    /// Resets the stream on slot `i` with `code` and frees the slot.
    fn reset(&mut self, i: usize, code: u32, out: &mut Vec<u8>) {
        frame::rst_stream(out, self.streams[i].id, code);
        self.free(i);
    }

    /// Decodes a header block whose fields are not wanted, to keep HPACK in step.
    fn skip_block(&mut self, block: &[u8]) -> Result<(), H2Error> {
        self.discard.clear();
        let discard = &mut self.discard;
        self.decoder.decode(block, |n, v| discard.push(n, v))?;
        Ok(())
    }

    /// A free slot for a new stream, or None when MAX_CONCURRENT_STREAMS are open.
    fn slot(&mut self) -> Option<usize> {
        if self.live >= self.max_streams as usize {
            return None;
        }
        match self.streams.iter().position(|s| s.phase == Phase::Free) {
            Some(i) => Some(i),
            None => {
                self.streams.push(Stream::new());
                Some(self.streams.len() - 1)
            }
        }
    }

    fn on_frame(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2RequestSink,
    ) -> Result<(), H2Error> {
        match self.state {
            State::AwaitContinuation { stream, end_stream } => {
                if self.block.continuation(&head, payload, stream, &WORDING)? {
                    self.state = State::AwaitFrames;
                    let block = self.block.take();
                    let res = self.on_block(stream, end_stream, &block, out, sink);
                    self.block.put_back(block);
                    res?;
                }
                return Ok(());
            }
            State::AwaitSettings => {
                conn::first_frame(&head, &WORDING)?;
                self.state = State::AwaitFrames;
            }
            _ => {}
        }
        match head.kind {
            Kind::Settings => self.on_settings(head, payload, out),
            Kind::Ping => conn::on_ping(&head, payload, out),
            Kind::WindowUpdate => self.on_window_update(head, payload, out),
            Kind::Headers => self.on_headers(head, payload, out, sink),
            Kind::Data => self.on_data(head, payload, out, sink),
            Kind::RstStream => {
                frame::parse_rst_stream(payload)?;
                if head.stream == 0 || head.stream > self.last_stream {
                    return Err(H2Error::Protocol("RST_STREAM on an idle stream"));
                }
                if let Some(i) = self.find(head.stream) {
                    self.free(i);
                }
                Ok(())
            }
            Kind::Goaway => {
                conn::parse_goaway(&head, payload)?;
                self.peer_goaway = true;
                Ok(())
            }
            Kind::Priority | Kind::PushPromise | Kind::Continuation | Kind::Unknown(_) => {
                conn::ignored_frame(&head, payload, &WORDING)
            }
        }
    }

    fn on_settings(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), H2Error> {
        let other = |id, value| match id {
            setting::ENABLE_PUSH if value > 1 => {
                Err(H2Error::Protocol("SETTINGS_ENABLE_PUSH above 1"))
            }
            // Our header blocks never use the dynamic table; the rest are advisory.
            _ => Ok(()),
        };
        if self
            .send
            .on_settings(&head, payload, &mut self.streams, other, out)?
        {
            self.pump(out);
        }
        Ok(())
    }

    fn on_window_update(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), H2Error> {
        let inc = conn::increment(payload)?;
        if head.stream == 0 {
            if inc == 0 {
                return Err(H2Error::Protocol("WINDOW_UPDATE of 0 on the connection"));
            }
            conn::grow(&mut self.send.window, inc)?;
            self.pump(out);
            return Ok(());
        }
        if head.stream > self.last_stream {
            return Err(H2Error::Protocol("WINDOW_UPDATE on an idle stream"));
        }
        let Some(i) = self.find(head.stream) else {
            // A stream closed meanwhile.
            return Ok(());
        };
        if inc == 0 {
            self.reset(i, code::PROTOCOL_ERROR, out);
        } else if conn::grow(&mut self.streams[i].window, inc).is_err() {
            self.reset(i, code::FLOW_CONTROL_ERROR, out);
        } else {
            self.send_data(i, out);
        }
        Ok(())
    }

    fn on_headers(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2RequestSink,
    ) -> Result<(), H2Error> {
        if head.stream == 0 || head.stream.is_multiple_of(2) {
            return Err(H2Error::Protocol("HEADERS on stream 0 or an even stream"));
        }
        let end_stream = head.has(flag::END_STREAM);
        if let Some(fragment) = self.block.headers(&head, payload)? {
            return self.on_block(head.stream, end_stream, fragment, out, sink);
        }
        self.state = State::AwaitContinuation {
            stream: head.stream,
            end_stream,
        };
        Ok(())
    }

    /// A complete header block: a new request, or trailers of one whose body is coming.
    fn on_block(
        &mut self,
        id: u32,
        end_stream: bool,
        block: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2RequestSink,
    ) -> Result<(), H2Error> {
        if id <= self.last_stream {
            let Some(i) = self.find(id) else {
                return Err(H2Error::Protocol("HEADERS on a closed stream"));
            };
            self.skip_block(block)?;
            if self.streams[i].phase != Phase::AwaitBody {
                self.reset(i, code::STREAM_CLOSED, out);
            } else if !end_stream {
                return Err(H2Error::Protocol("trailers without END_STREAM"));
            } else {
                self.complete(i, sink);
            }
            return Ok(());
        }
        self.last_stream = id;
        let ignored = self.goaway.is_some_and(|last| id > last);
        let slot = if ignored { None } else { self.slot() };
        let Some(i) = slot else {
            // Above our GOAWAY (the client will send it again elsewhere), or one stream too
            // many: decoded only to keep HPACK in step.
            self.skip_block(block)?;
            if !ignored {
                frame::rst_stream(out, id, code::REFUSED_STREAM);
            }
            return Ok(());
        };
        let s = &mut self.streams[i];
        s.fields.clear();
        let fields = &mut s.fields;
        self.decoder.decode(block, |n, v| fields.push(n, v))?;
        let method = s.fields.get(b":method");
        let well_formed =
            method.is_some() && (s.fields.get(b":path").is_some() || method == Some(b"CONNECT"));
        if !well_formed {
            frame::rst_stream(out, id, code::PROTOCOL_ERROR);
            return Ok(());
        }
        s.id = id;
        s.phase = Phase::AwaitBody;
        s.head = method == Some(b"HEAD");
        s.body_len = 0;
        s.unacked = 0;
        s.window = self.send.initial_window;
        s.body = None;
        s.sent = 0;
        self.live += 1;
        self.accepted += 1;
        if self.limit > 0 && self.accepted >= self.limit && self.goaway.is_none() {
            self.goaway = Some(id);
            frame::goaway(out, id, code::NO_ERROR, &[]);
        }
        if end_stream {
            self.complete(i, sink);
        }
        Ok(())
    }

    /// The request on slot `i` is complete.
    fn complete(&mut self, i: usize, sink: &mut impl H2RequestSink) {
        let s = &mut self.streams[i];
        s.phase = Phase::AwaitRespond;
        sink.request(s.id, &s.fields, s.body_len);
    }

    fn on_data(
        &mut self,
        head: Head,
        payload: &[u8],
        out: &mut Vec<u8>,
        sink: &mut impl H2RequestSink,
    ) -> Result<(), H2Error> {
        if head.stream == 0 {
            return Err(H2Error::Protocol("DATA on stream 0"));
        }
        if head.stream > self.last_stream {
            return Err(H2Error::Protocol("DATA on an idle stream"));
        }
        let body = frame::unpad(&head, payload)?;
        // Flow control counts the whole payload, padding included, whatever the stream.
        let len = payload.len() as u32;
        conn::replenish(out, 0, &mut self.unacked, len, RECV_UPDATE);
        let Some(i) = self.find(head.stream) else {
            // Reset, refused or above our GOAWAY: dropped.
            return Ok(());
        };
        let s = &mut self.streams[i];
        if s.phase != Phase::AwaitBody {
            self.reset(i, code::STREAM_CLOSED, out);
            return Ok(());
        }
        s.body_len += body.len() as u64;
        if head.has(flag::END_STREAM) {
            self.complete(i, sink);
            return Ok(());
        }
        conn::replenish(out, head.stream, &mut s.unacked, len, RECV_UPDATE);
        Ok(())
    }

    /// Sends what the windows allow of the response body on slot `i`; frees it when done.
    fn send_data(&mut self, i: usize, out: &mut Vec<u8>) {
        let s = &mut self.streams[i];
        let Some(body) = s.body.as_ref() else {
            return;
        };
        if self
            .send
            .send_data(out, s.id, &mut s.window, body, &mut s.sent)
        {
            self.free(i);
        }
    }

    /// Sends queued response data on every stream that has some, as the windows allow.
    fn pump(&mut self, out: &mut Vec<u8>) {
        for i in 0..self.streams.len() {
            if self.send.window <= 0 {
                return;
            }
            if self.streams[i].phase == Phase::AwaitWindow {
                self.send_data(i, out);
            }
        }
    }
}

#[cfg(test)]
mod tests;
