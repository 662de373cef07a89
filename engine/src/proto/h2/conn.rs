//! Connection-level frame handling that the load client (`client`) and the built-in target's
//! server side (`server`) share: the checks of frames neither side acts on (PRIORITY,
//! PUSH_PROMISE, a stray CONTINUATION, unknown types), PING answers, SETTINGS that bound what
//! we send (initial stream window, max frame size), WINDOW_UPDATE arithmetic with its overflow
//! check, giving received bytes back with WINDOW_UPDATE, and joining a header block split
//! into HEADERS + CONTINUATIONs.
//!
//! What differs between the two sides (which stream ids are valid, what a stream error
//! becomes, the wording of some errors) stays with each side; a `Wording` carries the
//! messages that are side-specific.

use super::error::H2Error;
use super::frame::{
    self, flag, setting, Head, Kind, DEFAULT_MAX_FRAME, DEFAULT_WINDOW, MAX_FRAME_LIMIT, MAX_WINDOW,
};

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
}

/// The peer's first frame (after any preface) must be a SETTINGS that is not an ACK.
pub(super) fn first_frame(head: &Head, words: &Wording) -> Result<(), H2Error> {
    if head.kind != Kind::Settings || head.has(flag::ACK) {
        return Err(H2Error::Protocol(words.first_not_settings));
    }
    Ok(())
}

/// Frames neither side acts on: PRIORITY is checked and ignored, PUSH_PROMISE is an error
/// (push is never on), CONTINUATION outside a header block is an error, unknown types are
/// ignored. Any other kind is the caller's and passes.
pub(super) fn ignored_frame(head: &Head, payload: &[u8], words: &Wording) -> Result<(), H2Error> {
    match head.kind {
        Kind::Priority => {
            if head.stream == 0 {
                return Err(H2Error::Protocol("PRIORITY on stream 0"));
            }
            if payload.len() != 5 {
                return Err(H2Error::FrameSize);
            }
            Ok(())
        }
        Kind::PushPromise => Err(H2Error::Protocol(words.push_promise)),
        Kind::Continuation => Err(H2Error::Protocol(words.stray_continuation)),
        _ => Ok(()),
    }
}

/// A PING: checked, and answered with its ACK unless it is one.
pub(super) fn on_ping(head: &Head, payload: &[u8], out: &mut Vec<u8>) -> Result<(), H2Error> {
    if head.stream != 0 {
        return Err(H2Error::Protocol("PING on a stream"));
    }
    let data = frame::parse_ping(payload)?;
    if !head.has(flag::ACK) {
        frame::ping(out, true, data);
    }
    Ok(())
}

/// A GOAWAY: checked and parsed into (last stream id, error code).
pub(super) fn parse_goaway(head: &Head, payload: &[u8]) -> Result<(u32, u32), H2Error> {
    if head.stream != 0 {
        return Err(H2Error::Protocol("GOAWAY on a stream"));
    }
    let (last, code, _) = frame::parse_goaway(payload)?;
    Ok((last, code))
}

/// A stream whose send window a change of SETTINGS_INITIAL_WINDOW_SIZE moves.
pub(super) trait SendWindow {
    /// The stream's send window while it is open; None for a free slot.
    fn open_window(&mut self) -> Option<&mut i64>;
}

/// What the peer lets us send: the connection's window and the limits its SETTINGS set.
#[derive(Debug)]
pub(super) struct SendLimits {
    /// What we may still send on the connection.
    pub window: i64,
    /// The peer's SETTINGS_INITIAL_WINDOW_SIZE: a new stream's send window.
    pub initial_window: i64,
    /// The peer's SETTINGS_MAX_FRAME_SIZE.
    pub max_frame: usize,
}

impl Default for SendLimits {
    fn default() -> Self {
        SendLimits {
            window: i64::from(DEFAULT_WINDOW),
            initial_window: i64::from(DEFAULT_WINDOW),
            max_frame: DEFAULT_MAX_FRAME as usize,
        }
    }
}

impl SendLimits {
    /// A SETTINGS frame: an ACK is checked and yields false; otherwise each parameter is
    /// applied (INITIAL_WINDOW_SIZE and MAX_FRAME_SIZE here, to `streams` too, the others
    /// by `other`), the ACK is written and the result is true (the caller may now send
    /// what waited for a window).
    pub fn on_settings<S: SendWindow>(
        &mut self,
        head: &Head,
        payload: &[u8],
        streams: &mut [S],
        mut other: impl FnMut(u16, u32) -> Result<(), H2Error>,
        out: &mut Vec<u8>,
    ) -> Result<bool, H2Error> {
        if head.stream != 0 {
            return Err(H2Error::Protocol("SETTINGS on a stream"));
        }
        if head.has(flag::ACK) {
            return if payload.is_empty() {
                Ok(false)
            } else {
                Err(H2Error::FrameSize)
            };
        }
        for (id, value) in frame::parse_settings(payload)? {
            match id {
                setting::INITIAL_WINDOW_SIZE => {
                    if value > MAX_WINDOW {
                        return Err(H2Error::FlowControl);
                    }
                    let delta = i64::from(value) - self.initial_window;
                    self.initial_window = i64::from(value);
                    for window in streams.iter_mut().filter_map(S::open_window) {
                        grow(window, delta)?;
                    }
                }
                setting::MAX_FRAME_SIZE => {
                    if !(DEFAULT_MAX_FRAME..=MAX_FRAME_LIMIT).contains(&value) {
                        return Err(H2Error::Protocol("SETTINGS_MAX_FRAME_SIZE out of range"));
                    }
                    self.max_frame = value as usize;
                }
                _ => other(id, value)?,
            }
        }
        frame::settings_ack(out);
        Ok(true)
    }

    /// Writes `body[*sent..]` as DATA on `stream` (END_STREAM on the last frame) as far as
    /// the stream's `window`, the connection's window and the max frame size allow; true
    /// once all of it went.
    pub fn send_data(
        &mut self,
        out: &mut Vec<u8>,
        stream: u32,
        window: &mut i64,
        body: &[u8],
        sent: &mut usize,
    ) -> bool {
        while *sent < body.len() {
            let room = self.window.min(*window).min(self.max_frame as i64);
            if room <= 0 {
                return false;
            }
            let n = (body.len() - *sent).min(room as usize);
            let end = *sent + n == body.len();
            frame::data(out, stream, &body[*sent..*sent + n], end);
            *sent += n;
            *window -= n as i64;
            self.window -= n as i64;
        }
        true
    }
}

/// A WINDOW_UPDATE's increment (0 included: what that means depends on the stream).
pub(super) fn increment(payload: &[u8]) -> Result<i64, H2Error> {
    Ok(i64::from(frame::parse_window_update(payload)?))
}

/// Adds `delta` to a send window; a window above 2^31-1 is a flow-control error.
pub(super) fn grow(window: &mut i64, delta: i64) -> Result<(), H2Error> {
    *window += delta;
    if *window > i64::from(MAX_WINDOW) {
        return Err(H2Error::FlowControl);
    }
    Ok(())
}

/// Counts `len` received bytes against `unacked` and, once `threshold` are unacknowledged,
/// gives them back with a WINDOW_UPDATE on `stream` (0: the connection). Returns how many
/// were given back (0 when none were).
pub(super) fn replenish(
    out: &mut Vec<u8>,
    stream: u32,
    unacked: &mut u32,
    len: u32,
    threshold: u32,
) -> u32 {
    *unacked += len;
    if *unacked < threshold {
        return 0;
    }
    let back = *unacked;
    frame::window_update(out, stream, back);
    *unacked = 0;
    back
}

/// A header block being joined from HEADERS + CONTINUATIONs (the buffer is kept with its
/// capacity for the connection's life).
#[derive(Debug)]
pub(super) struct HeaderBlock {
    bytes: Vec<u8>,
    max: usize,
}

impl HeaderBlock {
    /// Blocks of at most `max` bytes are accepted.
    pub fn new(max: usize) -> Self {
        HeaderBlock {
            bytes: Vec::new(),
            max,
        }
    }

    /// A HEADERS frame: its fragment when END_HEADERS makes it the whole block; None when
    /// the block was started here and goes on in CONTINUATIONs.
    pub fn headers<'p>(
        &mut self,
        head: &Head,
        payload: &'p [u8],
    ) -> Result<Option<&'p [u8]>, H2Error> {
        let fragment = frame::unpad(head, payload)?;
        if head.has(flag::END_HEADERS) {
            return Ok(Some(fragment));
        }
        self.bytes.clear();
        self.bytes.extend_from_slice(fragment);
        Ok(None)
    }

    /// The frame after a HEADERS (or CONTINUATION) without END_HEADERS on `stream`: it must
    /// be that stream's CONTINUATION. True once the block is complete (`bytes`).
    pub fn continuation(
        &mut self,
        head: &Head,
        payload: &[u8],
        stream: u32,
        words: &Wording,
    ) -> Result<bool, H2Error> {
        if head.kind != Kind::Continuation || head.stream != stream {
            return Err(H2Error::Protocol(words.not_continuation));
        }
        if self.bytes.len() + payload.len() > self.max {
            return Err(H2Error::Protocol(words.block_too_large));
        }
        self.bytes.extend_from_slice(payload);
        Ok(head.has(flag::END_HEADERS))
    }

    /// The block joined so far.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes the buffer out (to be handed back with `put_back`), so the block can be read
    /// while the connection is borrowed mutably.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }

    pub fn put_back(&mut self, bytes: Vec<u8>) {
        self.bytes = bytes;
    }
}

/// Takes `len` received bytes from a receive window; beyond it is a flow-control error.
pub(super) fn consume(window: &mut i64, len: u32) -> Result<(), H2Error> {
    *window -= i64::from(len);
    if *window < 0 {
        return Err(H2Error::FlowControl);
    }
    Ok(())
}
