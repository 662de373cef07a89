//! The server side of HTTP/2 for the built-in target (`tfw-bench serve`), sans-IO: received
//! bytes in, complete requests out to a sink, and the frames to send appended to a caller's
//! buffer. The worker decides when each request is answered (`--delay`, stalls) and calls
//! `respond`; meanwhile the connection core (`conn`) keeps the protocol honest: SETTINGS and
//! their ACKs, PING, both directions of flow control (response DATA waits for the client's
//! windows; received DATA is given back with WINDOW_UPDATE), RST_STREAM, GOAWAY either way.
//! This module is the server's side of that core (`Side`): request streams and responses.
//!
//! The response is built once (`response_from_h1`, from the HTTP/1.1 bytes the plan already
//! has): its header block is encoded up front, its body shared, so answering a stream copies
//! only what goes on the wire. A request limit (`--close-after N`) becomes a GOAWAY sent when
//! the N-th stream opens: streams above it are not processed, the ones below are answered, and
//! then `is_done` tells the worker to close.
//!
//! Per connection: a slab of stream slots (at most the advertised MAX_CONCURRENT_STREAMS),
//! each with a reused field buffer, so steady state allocates nothing.

use super::conn::{Block, Connection, Core, Cx, Setup, Side, State, Wording};
use super::error::H2Error;
use super::flow::RecvSizes;
use super::frame::{self, code, setting, Kind};

mod fields;
mod response;

pub use fields::Fields;
pub use response::{response_from_h1, H2Response};

/// Our receive window, per stream (SETTINGS_INITIAL_WINDOW_SIZE) and for the connection;
/// received bytes are given back (WINDOW_UPDATE) once half of it is unacknowledged.
const RECV_WINDOW: u32 = 1 << 20;
/// Largest header block (HEADERS plus CONTINUATIONs) accepted.
const MAX_BLOCK: usize = 256 << 10;

/// The server's wording of the errors `conn` reports.
const WORDING: Wording = Wording {
    first_not_settings: "the first frame must be SETTINGS",
    push_promise: "PUSH_PROMISE from a client",
    stray_continuation: "CONTINUATION without HEADERS",
    not_continuation: "expected CONTINUATION of a header block",
    block_too_large: "header block too large",
    already_failed: "the connection already failed",
    rst_stream_zero: "RST_STREAM on an idle stream",
    zero_increment_conn: "WINDOW_UPDATE of 0 on the connection",
    zero_increment_stream: None,
};

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

/// A stream slot (its windows and bodies are the core's `flows` of the same slot).
#[derive(Debug)]
struct Stream {
    id: u32,
    phase: Phase,
    /// A HEAD request: the response goes without its body.
    head: bool,
    fields: Fields,
}

impl Stream {
    fn new() -> Self {
        Stream {
            id: 0,
            phase: Phase::Free,
            head: false,
            fields: Fields::default(),
        }
    }
}

/// One HTTP/2 connection's server side.
#[derive(Debug)]
pub struct H2Server {
    conn: Connection<Server>,
}

/// The server's part of the connection: request streams and what the core does not share.
#[derive(Debug)]
struct Server {
    max_streams: u32,
    settings_sent: bool,
    /// A response's header block with extra fields, being sent.
    resp_block: Vec<u8>,
    streams: Vec<Stream>,
    /// Slots not Free.
    live: usize,
    /// Fields of blocks that are decoded only to keep HPACK in step.
    discard: Fields,
    /// Streams accepted, and after how many a GOAWAY goes (0: never).
    accepted: u64,
    limit: u64,
}

impl H2Server {
    /// A server connection advertising `max_streams` concurrent streams; its SETTINGS go out
    /// with the first `feed`.
    pub fn new(max_streams: u32) -> Self {
        let server = Server {
            max_streams: max_streams.max(1),
            settings_sent: false,
            resp_block: Vec::new(),
            streams: Vec::new(),
            live: 0,
            discard: Fields::default(),
            accepted: 0,
            limit: 0,
        };
        let recv = RecvSizes {
            conn: RECV_WINDOW,
            stream: RECV_WINDOW,
        };
        let setup = Setup {
            max_frame: frame::DEFAULT_MAX_FRAME,
            state: State::AwaitPreface(0),
            recv,
            max_block: MAX_BLOCK,
            words: &WORDING,
            slots: 0,
        };
        H2Server {
            conn: Connection::new(setup, server),
        }
    }

    /// After `n` streams (0: never), a GOAWAY stops the client opening more.
    pub fn set_request_limit(&mut self, n: u64) {
        self.conn.side.limit = n;
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
        let Connection { core, side, .. } = &mut self.conn;
        if !side.settings_sent {
            side.settings_sent = true;
            let params = [
                (setting::MAX_CONCURRENT_STREAMS, side.max_streams),
                (setting::INITIAL_WINDOW_SIZE, RECV_WINDOW),
            ];
            core.announce(out, &params);
        }
        self.conn.feed(data, out, sink)
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
        let Connection { core, side: c, .. } = &mut self.conn;
        let Some(i) = c.find(stream) else {
            return false;
        };
        if c.streams[i].phase != Phase::AwaitRespond {
            return false;
        }
        let s = &mut c.streams[i];
        let end = s.head || resp.body.is_empty();
        if extra.is_empty() {
            frame::headers(out, stream, &resp.block, end, core.send.max_frame);
        } else {
            c.resp_block.clear();
            c.resp_block.extend_from_slice(&resp.block);
            c.resp_block.extend_from_slice(extra);
            frame::headers(out, stream, &c.resp_block, end, core.send.max_frame);
        }
        if end {
            c.free(core, i);
        } else {
            c.streams[i].phase = Phase::AwaitWindow;
            let flow = &mut core.flows[i];
            flow.body = Some(resp.body.clone());
            flow.sent = 0;
            c.send_data(core, i, out);
        }
        true
    }

    /// GOAWAY with the last stream id seen: streams the client opens later are not
    /// processed; the open ones are still answered. Once only.
    pub fn goaway(&mut self, code: u32, out: &mut Vec<u8>) {
        self.conn.core.goaway(code, out);
    }

    /// The connection can be closed once what was written is sent: a GOAWAY went either way
    /// and every stream that will be answered has been, or a connection error happened.
    pub fn is_done(&self) -> bool {
        let c = &self.conn.core;
        let goaway = c.goaway_sent.is_some() || c.peer_goaway.is_some();
        c.failed() || (goaway && self.conn.side.live == 0)
    }

    /// Streams open: receiving, owed a response, or sending one.
    pub fn streams(&self) -> usize {
        self.conn.side.live
    }
}

impl Server {
    fn find(&self, id: u32) -> Option<usize> {
        self.streams
            .iter()
            .position(|s| s.id == id && s.phase != Phase::Free)
    }

    fn free(&mut self, core: &mut Core, i: usize) {
        let s = &mut self.streams[i];
        if s.phase != Phase::Free {
            s.phase = Phase::Free;
            core.close_stream(i);
            self.live -= 1;
        }
    }

    /// Resets the stream on slot `i` with `code` and frees the slot.
    fn reset<K>(&mut self, cx: &mut Cx<K>, i: usize, code: u32) {
        frame::rst_stream(cx.out, self.streams[i].id, code);
        self.free(cx.core, i);
    }

    /// Decodes a header block whose fields are not wanted, to keep HPACK in step.
    fn skip_block(&mut self, core: &mut Core, block: &[u8]) -> Result<(), H2Error> {
        self.discard.clear();
        let discard = &mut self.discard;
        core.decoder.decode(block, |n, v| discard.push(n, v))?;
        Ok(())
    }

    /// A free slot for a new stream, or None when MAX_CONCURRENT_STREAMS are open.
    fn slot(&mut self, core: &mut Core) -> Option<usize> {
        if self.live >= self.max_streams as usize {
            return None;
        }
        match self.streams.iter().position(|s| s.phase == Phase::Free) {
            Some(i) => Some(i),
            None => {
                self.streams.push(Stream::new());
                core.flows.push(Default::default());
                Some(self.streams.len() - 1)
            }
        }
    }

    /// The request on slot `i` is complete.
    fn complete(&mut self, cx: &mut Cx<impl H2RequestSink>, i: usize) {
        let s = &mut self.streams[i];
        s.phase = Phase::AwaitRespond;
        cx.sink.request(s.id, &s.fields, cx.core.flows[i].received);
    }

    /// Sends what the windows allow of the response body on slot `i`; frees it when done.
    fn send_data(&mut self, core: &mut Core, i: usize, out: &mut Vec<u8>) {
        let flow = &mut core.flows[i];
        if flow.body.is_some() && core.send.send_body(out, self.streams[i].id, flow) {
            self.free(core, i);
        }
    }
}

impl<K: H2RequestSink> Side<K> for Server {
    fn check_headers(&self, id: u32) -> Result<(), H2Error> {
        if id == 0 || id.is_multiple_of(2) {
            return Err(H2Error::Protocol("HEADERS on stream 0 or an even stream"));
        }
        Ok(())
    }

    fn lookup(&self, core: &Core, id: u32, kind: Kind) -> Result<Option<usize>, H2Error> {
        if id > core.last_peer_stream {
            return Err(H2Error::Protocol(match kind {
                Kind::Data => "DATA on an idle stream",
                Kind::WindowUpdate => "WINDOW_UPDATE on an idle stream",
                _ => "RST_STREAM on an idle stream",
            }));
        }
        Ok(self.find(id))
    }

    /// A new request, or trailers of one whose body is coming.
    fn on_block(&mut self, cx: &mut Cx<K>, block: Block) -> Result<(), H2Error> {
        let (id, end_stream) = (block.stream, block.end_stream);
        if id <= cx.core.last_peer_stream {
            let Some(i) = self.find(id) else {
                return Err(H2Error::Protocol("HEADERS on a closed stream"));
            };
            self.skip_block(cx.core, block.bytes)?;
            if self.streams[i].phase != Phase::AwaitBody {
                self.reset(cx, i, code::STREAM_CLOSED);
            } else if !end_stream {
                return Err(H2Error::Protocol("trailers without END_STREAM"));
            } else {
                self.complete(cx, i);
            }
            return Ok(());
        }
        let core = &mut *cx.core;
        core.last_peer_stream = id;
        let ignored = core.goaway_sent.is_some_and(|last| id > last);
        let slot = if ignored { None } else { self.slot(core) };
        let Some(i) = slot else {
            // Above our GOAWAY (the client will send it again elsewhere), or one stream too
            // many: decoded only to keep HPACK in step.
            self.skip_block(core, block.bytes)?;
            if !ignored {
                frame::rst_stream(cx.out, id, code::REFUSED_STREAM);
            }
            return Ok(());
        };
        let s = &mut self.streams[i];
        s.fields.clear();
        let fields = &mut s.fields;
        core.decoder.decode(block.bytes, |n, v| fields.push(n, v))?;
        let method = s.fields.get(b":method");
        let well_formed =
            method.is_some() && (s.fields.get(b":path").is_some() || method == Some(b"CONNECT"));
        if !well_formed {
            frame::rst_stream(cx.out, id, code::PROTOCOL_ERROR);
            return Ok(());
        }
        s.id = id;
        s.phase = Phase::AwaitBody;
        s.head = method == Some(b"HEAD");
        core.open_stream(i);
        self.live += 1;
        self.accepted += 1;
        if self.limit > 0 && self.accepted >= self.limit {
            core.goaway(code::NO_ERROR, cx.out);
        }
        if end_stream {
            self.complete(cx, i);
        }
        Ok(())
    }

    fn accepts_data(&mut self, cx: &mut Cx<K>, slot: usize) -> Result<bool, H2Error> {
        if self.streams[slot].phase != Phase::AwaitBody {
            self.reset(cx, slot, code::STREAM_CLOSED);
            return Ok(false);
        }
        Ok(true)
    }

    fn on_end_stream(&mut self, cx: &mut Cx<K>, slot: usize) {
        self.complete(cx, slot);
    }

    fn on_reset(&mut self, cx: &mut Cx<K>, slot: usize, _: u32) {
        self.free(cx.core, slot);
    }

    /// Nothing to do: `is_done` reads the core's record of it.
    fn on_goaway(&mut self, _: &mut Cx<K>, _: u32, _: u32) {}

    fn on_setting(&mut self, id: u16, value: u32) -> Result<(), H2Error> {
        match id {
            setting::ENABLE_PUSH if value > 1 => {
                Err(H2Error::Protocol("SETTINGS_ENABLE_PUSH above 1"))
            }
            // Our header blocks never use the dynamic table; the rest are advisory.
            _ => Ok(()),
        }
    }

    fn on_stream_window(&mut self, cx: &mut Cx<K>, slot: usize) {
        self.send_data(cx.core, slot, cx.out);
    }

    /// A bad increment or a window past 2^31-1 resets only the stream.
    fn on_stream_error(&mut self, cx: &mut Cx<K>, slot: usize, e: H2Error) -> Result<(), H2Error> {
        self.reset(cx, slot, e.code());
        Ok(())
    }

    /// Sends queued response data on every stream that has some, as the windows allow.
    fn send_pending(&mut self, cx: &mut Cx<K>) {
        for i in 0..self.streams.len() {
            if cx.core.send.window <= 0 {
                return;
            }
            if self.streams[i].phase == Phase::AwaitWindow {
                self.send_data(cx.core, i, cx.out);
            }
        }
    }
}

#[cfg(test)]
mod tests;
