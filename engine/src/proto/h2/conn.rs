//! The one HTTP/2 connection core that the load client (`client`) and the built-in target's
//! server side (`server`) both run: reading frames (the client preface when we are the
//! server, the rule that the peer's first frame is SETTINGS), dispatching them, SETTINGS
//! (the peer's, applied and acknowledged; ours, announced), flow control in both directions
//! (with `flow`), PING, PRIORITY, PUSH_PROMISE, CONTINUATION assembly (with `block`),
//! GOAWAY sent and received, and a connection error's GOAWAY.
//!
//! What differs between the two sides is behind `Side`, a trait each side implements and the
//! core calls through generics (no dynamic dispatch per frame): which stream ids are valid
//! and which slot holds a stream, what a complete header block or a stream's end means,
//! resets, GOAWAY, side-specific SETTINGS, and when queued body data is sent. A `Wording`
//! carries the error messages that say which side of the connection we are.
//!
//! Sans-IO: bytes in, frames appended to the caller's buffer, nothing allocated per frame.

use super::block::HeaderBlock;
use super::error::H2Error;
use super::flow::{self, RecvSizes, RecvWindow, SendLimits, StreamFlow};
use super::frame::{
    self, flag, setting, FrameReader, Head, Kind, DEFAULT_MAX_FRAME, DEFAULT_WINDOW,
    MAX_FRAME_LIMIT, MAX_WINDOW, PREFACE,
};
use super::hpack::HeaderDecoder;

/// The error messages that say which side of the connection we are.
#[derive(Clone, Copy, Debug)]
pub(super) struct Wording {
    /// The peer's first frame is not SETTINGS.
    pub first_not_settings: &'static str,
    /// PUSH_PROMISE received.
    pub push_promise: &'static str,
    /// CONTINUATION with no header block in progress.
    pub stray_continuation: &'static str,
    /// A frame other than the awaited CONTINUATION.
    pub not_continuation: &'static str,
    /// A header block above the size limit.
    pub block_too_large: &'static str,
    /// Bytes fed after a connection error.
    pub already_failed: &'static str,
    /// RST_STREAM on stream 0.
    pub rst_stream_zero: &'static str,
    /// WINDOW_UPDATE of 0 on the connection.
    pub zero_increment_conn: &'static str,
    /// WINDOW_UPDATE of 0 on a stream: Some, a connection error with this message, whatever
    /// the stream; None, a stream error (`Side::on_stream_error`) when the stream is open.
    pub zero_increment_stream: Option<&'static str>,
}

/// What the connection expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    /// The client connection preface (we are the server); this many of its bytes came.
    AwaitPreface(usize),
    /// The peer's first frame, which must be SETTINGS.
    AwaitSettings,
    /// Any frame.
    AwaitFrames,
    /// The CONTINUATION of a header block on this stream (END_STREAM as on its HEADERS).
    AwaitContinuation { stream: u32, end_stream: bool },
    /// A connection error happened (its GOAWAY was written); nothing more is read.
    Failed,
}

/// A complete header block: HEADERS (+ CONTINUATIONs) on `stream`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Block<'b> {
    pub stream: u32,
    /// END_STREAM was set on the HEADERS.
    pub end_stream: bool,
    pub bytes: &'b [u8],
}

/// What a side's hook may use while a frame is handled: the core, the buffer of bytes to
/// send, and the sink the side reports to.
pub(super) struct Cx<'a, K> {
    pub core: &'a mut Core,
    pub out: &'a mut Vec<u8>,
    pub sink: &'a mut K,
}

/// What one side of the connection does with what the core has checked. `K` is the sink
/// the side reports to. Slots are the side's numbering of its streams, also the index of
/// each stream's flow-control state in `Core::flows`.
pub(super) trait Side<K> {
    /// A HEADERS frame on stream `id` is allowed to start a block there.
    fn check_headers(&self, id: u32) -> Result<(), H2Error>;
    /// The slot of open stream `id`, None for a stream already closed; an id the peer may
    /// not use for a frame of `kind` is a connection error.
    fn lookup(&self, core: &Core, id: u32, kind: Kind) -> Result<Option<usize>, H2Error>;
    /// A complete header block (decode it with `core.decoder` whatever the stream's state,
    /// so the HPACK table stays in step).
    fn on_block(&mut self, cx: &mut Cx<K>, block: Block) -> Result<(), H2Error>;
    /// DATA arrived on the stream in `slot`: true to take it, false when the side dealt
    /// with it otherwise (e.g. reset the stream), an error to fail the connection.
    fn accepts_data(&mut self, cx: &mut Cx<K>, slot: usize) -> Result<bool, H2Error>;
    /// The peer ended the stream in `slot` with a DATA frame.
    fn on_end_stream(&mut self, cx: &mut Cx<K>, slot: usize);
    /// The peer reset the stream in `slot` with `code`.
    fn on_reset(&mut self, cx: &mut Cx<K>, slot: usize, code: u32);
    /// The peer sent GOAWAY; `last` is the smallest last stream id it sent so far.
    fn on_goaway(&mut self, cx: &mut Cx<K>, last: u32, code: u32);
    /// A SETTINGS parameter the core does not apply itself.
    fn on_setting(&mut self, id: u16, value: u32) -> Result<(), H2Error>;
    /// A WINDOW_UPDATE grew the send window of the stream in `slot`.
    fn on_stream_window(&mut self, cx: &mut Cx<K>, slot: usize);
    /// A WINDOW_UPDATE for the stream in `slot` is bad (an increment of 0, a window past
    /// 2^31-1): the error to fail the connection with, or Ok once the stream is dealt with.
    fn on_stream_error(&mut self, cx: &mut Cx<K>, slot: usize, e: H2Error) -> Result<(), H2Error>;
    /// The connection's window grew or the peer's SETTINGS changed: send queued body data.
    fn send_pending(&mut self, cx: &mut Cx<K>);
}

/// The connection-level state both sides share.
#[derive(Debug)]
pub(super) struct Core {
    pub state: State,
    /// The error messages of our side.
    words: &'static Wording,
    /// Every stream slot's flow-control state, indexed by the side's slot.
    pub flows: Vec<StreamFlow>,
    /// What the peer lets us send.
    pub send: SendLimits,
    /// Our receive windows' sizes.
    pub recv_sizes: RecvSizes,
    /// What the peer may still send on the connection.
    recv: RecvWindow,
    /// A header block split into HEADERS + CONTINUATIONs, joined.
    block: HeaderBlock,
    pub decoder: HeaderDecoder,
    /// The highest stream id the peer opened (0 for the client: push is off).
    pub last_peer_stream: u32,
    /// The last stream id of the GOAWAY we sent.
    pub goaway_sent: Option<u32>,
    /// The last stream id of the GOAWAY received (the smallest, if several).
    pub peer_goaway: Option<u32>,
}

impl Core {
    pub fn failed(&self) -> bool {
        self.state == State::Failed
    }

    /// A stream opens in `slot`: fresh windows, nothing received or being sent.
    pub fn open_stream(&mut self, slot: usize) -> &mut StreamFlow {
        let flow = &mut self.flows[slot];
        *flow = StreamFlow::open(self.recv_sizes.stream, self.send.initial_window);
        flow
    }

    /// The stream in `slot` closed (its body, if any, is dropped).
    pub fn close_stream(&mut self, slot: usize) {
        self.flows[slot] = StreamFlow::default();
    }

    /// Our SETTINGS (`params`), then the WINDOW_UPDATE raising the connection's receive
    /// window from 65535 when it is larger.
    pub fn announce(&self, out: &mut Vec<u8>, params: &[(u16, u32)]) {
        frame::settings(out, params);
        if self.recv_sizes.conn > DEFAULT_WINDOW {
            frame::window_update(out, 0, self.recv_sizes.conn - DEFAULT_WINDOW);
        }
    }

    /// GOAWAY with the last stream id the peer opened; once only.
    pub fn goaway(&mut self, code: u32, out: &mut Vec<u8>) {
        if self.goaway_sent.is_none() {
            self.goaway_sent = Some(self.last_peer_stream);
            frame::goaway(out, self.last_peer_stream, code, &[]);
        }
    }

    /// Marks the connection failed and writes the GOAWAY that says why.
    fn fail(&mut self, e: H2Error, out: &mut Vec<u8>) -> H2Error {
        if self.state != State::Failed {
            self.state = State::Failed;
            let last = self.goaway_sent.unwrap_or(self.last_peer_stream);
            frame::goaway(out, last, e.code(), e.to_string().as_bytes());
        }
        e
    }
}

/// How a connection starts: what differs between the client's and the server's.
#[derive(Clone, Copy, Debug)]
pub(super) struct Setup {
    /// Our SETTINGS_MAX_FRAME_SIZE: the largest frame read.
    pub max_frame: u32,
    /// AwaitPreface(0) for the server, AwaitSettings for the client.
    pub state: State,
    /// Our receive windows.
    pub recv: RecvSizes,
    /// The largest header block accepted.
    pub max_block: usize,
    pub words: &'static Wording,
    /// Stream slots to start with (a side may add more with `Core::flows`).
    pub slots: usize,
}

/// One HTTP/2 connection: the frame reader, the shared core and one side.
#[derive(Debug)]
pub(super) struct Connection<S> {
    reader: FrameReader,
    pub core: Core,
    pub side: S,
}

impl<S> Connection<S> {
    pub fn new(setup: Setup, side: S) -> Self {
        Connection {
            reader: FrameReader::new(setup.max_frame),
            core: Core {
                state: setup.state,
                words: setup.words,
                flows: (0..setup.slots).map(|_| StreamFlow::default()).collect(),
                send: SendLimits::default(),
                recv_sizes: setup.recv,
                recv: RecvWindow::new(setup.recv.conn),
                block: HeaderBlock::new(setup.max_block),
                decoder: HeaderDecoder::default(),
                last_peer_stream: 0,
                goaway_sent: None,
                peer_goaway: None,
            },
            side,
        }
    }

    /// Feeds received bytes: the preface if one is awaited, then frames. On a connection
    /// error the GOAWAY saying why is written to `out` and the error returned; later feeds
    /// fail without reading.
    pub fn feed<K>(&mut self, data: &[u8], out: &mut Vec<u8>, sink: &mut K) -> Result<(), H2Error>
    where
        S: Side<K>,
    {
        let Connection { reader, core, side } = self;
        let mut data = data;
        match core.state {
            State::Failed => return Err(H2Error::Protocol(core.words.already_failed)),
            State::AwaitPreface(have) => {
                let n = data.len().min(PREFACE.len() - have);
                if data[..n] != PREFACE[have..have + n] {
                    return Err(core.fail(H2Error::Protocol("bad connection preface"), out));
                }
                data = &data[n..];
                core.state = if have + n == PREFACE.len() {
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
        let mut d = Dispatch {
            side,
            cx: Cx { core, out, sink },
        };
        let fed = reader.feed(data, |head, payload| d.on_frame(head, payload));
        fed.map_err(|e| d.cx.core.fail(e, d.cx.out))
    }
}

/// One feed's frames handed to the core's handlers and the side's hooks.
struct Dispatch<'a, S, K> {
    side: &'a mut S,
    cx: Cx<'a, K>,
}

impl<S: Side<K>, K> Dispatch<'_, S, K> {
    fn on_frame(&mut self, head: Head, payload: &[u8]) -> Result<(), H2Error> {
        let Dispatch { side, cx } = self;
        let words = cx.core.words;
        match cx.core.state {
            State::AwaitContinuation { stream, end_stream } => {
                let (other, large) = (words.not_continuation, words.block_too_large);
                if cx
                    .core
                    .block
                    .continuation(&head, payload, stream, other, large)?
                {
                    cx.core.state = State::AwaitFrames;
                    let bytes = cx.core.block.take();
                    let block = Block {
                        stream,
                        end_stream,
                        bytes: &bytes,
                    };
                    let res = side.on_block(cx, block);
                    cx.core.block.put_back(bytes);
                    res?;
                }
                return Ok(());
            }
            State::AwaitSettings => {
                if head.kind != Kind::Settings || head.has(flag::ACK) {
                    return Err(H2Error::Protocol(words.first_not_settings));
                }
                cx.core.state = State::AwaitFrames;
            }
            State::Failed => return Err(H2Error::Protocol(words.already_failed)),
            State::AwaitFrames | State::AwaitPreface(_) => {}
        }
        match head.kind {
            Kind::Data => self.on_data(head, payload),
            Kind::Headers => {
                side.check_headers(head.stream)?;
                let end_stream = head.has(flag::END_STREAM);
                let Some(bytes) = cx.core.block.headers(&head, payload)? else {
                    cx.core.state = State::AwaitContinuation {
                        stream: head.stream,
                        end_stream,
                    };
                    return Ok(());
                };
                let block = Block {
                    stream: head.stream,
                    end_stream,
                    bytes,
                };
                side.on_block(cx, block)
            }
            Kind::Settings => self.on_settings(head, payload),
            Kind::WindowUpdate => self.on_window_update(head, payload),
            Kind::RstStream => {
                if head.stream == 0 {
                    return Err(H2Error::Protocol(words.rst_stream_zero));
                }
                let code = frame::parse_rst_stream(payload)?;
                if let Some(slot) = side.lookup(cx.core, head.stream, Kind::RstStream)? {
                    side.on_reset(cx, slot, code);
                }
                Ok(())
            }
            Kind::Ping => {
                if head.stream != 0 {
                    return Err(H2Error::Protocol("PING on a stream"));
                }
                let data = frame::parse_ping(payload)?;
                if !head.has(flag::ACK) {
                    frame::ping(cx.out, true, data);
                }
                Ok(())
            }
            Kind::Goaway => {
                if head.stream != 0 {
                    return Err(H2Error::Protocol("GOAWAY on a stream"));
                }
                let (last, code, _) = frame::parse_goaway(payload)?;
                let last = cx.core.peer_goaway.map_or(last, |prev| prev.min(last));
                cx.core.peer_goaway = Some(last);
                side.on_goaway(cx, last, code);
                Ok(())
            }
            Kind::Priority => {
                if head.stream == 0 {
                    return Err(H2Error::Protocol("PRIORITY on stream 0"));
                }
                if payload.len() != 5 {
                    return Err(H2Error::FrameSize);
                }
                Ok(())
            }
            // Push is never on.
            Kind::PushPromise => Err(H2Error::Protocol(words.push_promise)),
            Kind::Continuation => Err(H2Error::Protocol(words.stray_continuation)),
            Kind::Unknown(_) => Ok(()),
        }
    }

    fn on_data(&mut self, head: Head, payload: &[u8]) -> Result<(), H2Error> {
        let Dispatch { side, cx } = self;
        if head.stream == 0 {
            return Err(H2Error::Protocol("DATA on stream 0"));
        }
        let slot = side.lookup(cx.core, head.stream, Kind::Data)?;
        // Flow control counts the whole payload, padding included, on any stream.
        let len = head.len;
        let core = &mut *cx.core;
        core.recv.consume(len)?;
        let threshold = core.recv_sizes.conn_threshold();
        core.recv.replenish(cx.out, 0, len, threshold);
        let body = frame::unpad(&head, payload)?;
        let Some(slot) = slot else {
            // Closed (reset, refused, above our GOAWAY): dropped.
            return Ok(());
        };
        if !side.accepts_data(cx, slot)? {
            return Ok(());
        }
        let threshold = cx.core.recv_sizes.stream_threshold();
        let flow = &mut cx.core.flows[slot];
        flow.recv.consume(len)?;
        flow.received += body.len() as u64;
        if head.has(flag::END_STREAM) {
            side.on_end_stream(cx, slot);
        } else {
            flow.recv.replenish(cx.out, head.stream, len, threshold);
        }
        Ok(())
    }

    fn on_settings(&mut self, head: Head, payload: &[u8]) -> Result<(), H2Error> {
        let Dispatch { side, cx } = self;
        if head.stream != 0 {
            return Err(H2Error::Protocol("SETTINGS on a stream"));
        }
        if head.has(flag::ACK) {
            return if payload.is_empty() {
                Ok(())
            } else {
                Err(H2Error::FrameSize)
            };
        }
        let send = &mut cx.core.send;
        for (id, value) in frame::parse_settings(payload)? {
            match id {
                setting::INITIAL_WINDOW_SIZE => {
                    if value > MAX_WINDOW {
                        return Err(H2Error::FlowControl);
                    }
                    let delta = i64::from(value) - send.initial_window;
                    send.initial_window = i64::from(value);
                    for flow in cx.core.flows.iter_mut().filter(|f| f.open) {
                        flow::grow(&mut flow.send_window, delta)?;
                    }
                }
                setting::MAX_FRAME_SIZE => {
                    if !(DEFAULT_MAX_FRAME..=MAX_FRAME_LIMIT).contains(&value) {
                        return Err(H2Error::Protocol("SETTINGS_MAX_FRAME_SIZE out of range"));
                    }
                    send.max_frame = value as usize;
                }
                _ => side.on_setting(id, value)?,
            }
        }
        frame::settings_ack(cx.out);
        side.send_pending(cx);
        Ok(())
    }

    fn on_window_update(&mut self, head: Head, payload: &[u8]) -> Result<(), H2Error> {
        let Dispatch { side, cx } = self;
        let words = cx.core.words;
        let increment = flow::increment(payload)?;
        if head.stream == 0 {
            if increment == 0 {
                return Err(H2Error::Protocol(words.zero_increment_conn));
            }
            flow::grow(&mut cx.core.send.window, increment)?;
            side.send_pending(cx);
            return Ok(());
        }
        if let (0, Some(why)) = (increment, words.zero_increment_stream) {
            return Err(H2Error::Protocol(why));
        }
        let Some(slot) = side.lookup(cx.core, head.stream, Kind::WindowUpdate)? else {
            // A stream closed meanwhile.
            return Ok(());
        };
        let grown = if increment == 0 {
            Err(H2Error::Protocol("WINDOW_UPDATE of 0 on a stream"))
        } else {
            flow::grow(&mut cx.core.flows[slot].send_window, increment)
        };
        match grown {
            Ok(()) => {
                side.on_stream_window(cx, slot);
                Ok(())
            }
            Err(e) => side.on_stream_error(cx, slot, e),
        }
    }
}
