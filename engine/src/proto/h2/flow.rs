//! HTTP/2 flow control (RFC 9113 section 5.2) for both sides of a connection: what the peer
//! lets us send (the connection's window, each stream's window, the frame size) and what we
//! let the peer send (receive windows, given back with WINDOW_UPDATE once half is used).
//!
//! Split from the connection core (`conn`) so the window arithmetic, with its overflow and
//! overrun checks, is written once and can be read on its own; the core decides when it runs.

use std::sync::Arc;

use super::error::H2Error;
use super::frame::{self, DEFAULT_MAX_FRAME, DEFAULT_WINDOW, MAX_WINDOW};

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
    /// Writes what is left of the stream's body as DATA (END_STREAM on the last frame) as
    /// far as the stream's window, the connection's window and the max frame size allow;
    /// true once all of it went (the body is then dropped from the stream).
    pub fn send_body(&mut self, out: &mut Vec<u8>, stream: u32, flow: &mut StreamFlow) -> bool {
        let Some(body) = flow.body.as_deref() else {
            return true;
        };
        while flow.sent < body.len() {
            let room = self.window.min(flow.send_window).min(self.max_frame as i64);
            if room <= 0 {
                return false;
            }
            let n = (body.len() - flow.sent).min(room as usize);
            let end = flow.sent + n == body.len();
            frame::data(out, stream, &body[flow.sent..flow.sent + n], end);
            flow.sent += n;
            flow.send_window -= n as i64;
            self.window -= n as i64;
        }
        flow.body = None;
        true
    }
}

/// What we let the peer send on the connection or a stream.
#[derive(Debug, Default)]
pub(super) struct RecvWindow {
    /// What the peer may still send.
    window: i64,
    /// Received since the last WINDOW_UPDATE we sent.
    unacked: u32,
}

impl RecvWindow {
    pub fn new(size: u32) -> Self {
        RecvWindow {
            window: i64::from(size),
            unacked: 0,
        }
    }

    /// Takes `len` received bytes from the window; beyond it is a flow-control error.
    pub fn consume(&mut self, len: u32) -> Result<(), H2Error> {
        self.window -= i64::from(len);
        if self.window < 0 {
            return Err(H2Error::FlowControl);
        }
        Ok(())
    }

    /// Counts `len` received bytes as unacknowledged and, once `threshold` are, gives them
    /// back with a WINDOW_UPDATE on `stream` (0: the connection).
    pub fn replenish(&mut self, out: &mut Vec<u8>, stream: u32, len: u32, threshold: u32) {
        self.unacked += len;
        if self.unacked < threshold {
            return;
        }
        frame::window_update(out, stream, self.unacked);
        self.window += i64::from(self.unacked);
        self.unacked = 0;
    }
}

/// The sizes of our receive windows, and when received bytes are given back.
#[derive(Clone, Copy, Debug)]
pub(super) struct RecvSizes {
    /// The connection's receive window (raised from 65535 by a WINDOW_UPDATE at start).
    pub conn: u32,
    /// Our SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window.
    pub stream: u32,
}

impl RecvSizes {
    /// Unacknowledged bytes on the connection that make us send a WINDOW_UPDATE.
    pub fn conn_threshold(&self) -> u32 {
        (self.conn / 2).max(1)
    }

    /// Unacknowledged bytes on a stream that make us send a WINDOW_UPDATE.
    pub fn stream_threshold(&self) -> u32 {
        (self.stream / 2).max(1)
    }
}

/// One stream slot's flow-control state, both directions, and the body it is sending.
#[derive(Debug, Default)]
pub(super) struct StreamFlow {
    /// The slot holds an open stream (its send window moves with INITIAL_WINDOW_SIZE).
    pub open: bool,
    /// What the peer may still send on it.
    pub recv: RecvWindow,
    /// Body bytes received (padding excluded).
    pub received: u64,
    /// What we may still send on it.
    pub send_window: i64,
    /// The body being sent, shared; None once END_STREAM went out (or there is none).
    pub body: Option<Arc<[u8]>>,
    /// How much of `body` went.
    pub sent: usize,
}

impl StreamFlow {
    /// A stream just opened: the peer may send `recv` bytes, we may send `send` bytes.
    pub fn open(recv: u32, send: i64) -> Self {
        StreamFlow {
            open: true,
            recv: RecvWindow::new(recv),
            send_window: send,
            ..StreamFlow::default()
        }
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
