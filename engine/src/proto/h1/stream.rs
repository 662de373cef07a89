//! The message-stream state machine both parsers run: head, body, head, ... on one
//! connection, until a message says the connection closes.
//!
//! What differs between responses and requests (how a head is parsed, which heads are
//! skipped, what is reported) comes in through `Messages`; the framing and buffering logic
//! exists once, here.

use super::body::{Body, BodyOut, Framing};
use super::error::ParseError;
use super::head::{HeadAt, HeadBuf, Parsed};

/// What a parsed head starts.
pub(crate) struct Start<M> {
    /// Carried until the message completes, then handed to `Messages::done`.
    pub meta: M,
    pub framing: Framing,
    /// The connection closes after this message.
    pub close: bool,
}

/// One direction's message rules.
pub(crate) trait Messages {
    /// What a head parser extracts from a head; kept by the head cache for reuse.
    type Head: Copy;
    type Meta: Copy + Default;
    /// httparse over `buf`: `Ok(None)` while the head is incomplete.
    fn parse_head(buf: &[u8]) -> Result<Option<Parsed<Self::Head>>, ParseError>;
    /// A complete head: `None` to skip it (an interim response), else the message it starts.
    /// `bytes` is the whole head as received (start line to empty line), for handlers that
    /// want more of it than `Head` keeps (cookies, a record of requests).
    fn head(
        &mut self,
        head: Self::Head,
        bytes: &[u8],
    ) -> Result<Option<Start<Self::Meta>>, ParseError>;
    /// A message completed; false stops the feed.
    fn done(&mut self, meta: Self::Meta, close: bool, body_len: u64) -> bool;
    /// Payload bytes of the message being read (chunk framing removed); dropped by default.
    #[inline]
    fn payload(&mut self, _bytes: &[u8]) {}
    /// One byte of the trailer section of a chunked message; dropped by default.
    #[inline]
    fn trailer_byte(&mut self, _b: u8) {}
}

/// A handler as the body decoder's output.
struct Out<'a, R>(&'a mut R);

impl<R: Messages> BodyOut for Out<'_, R> {
    #[inline]
    fn payload(&mut self, bytes: &[u8]) {
        self.0.payload(bytes);
    }
    #[inline]
    fn trailer_byte(&mut self, b: u8) {
        self.0.trailer_byte(b);
    }
}

/// What the stream expects next.
#[allow(clippy::enum_variant_names)] // states are named for what they expect next
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    ExpectHead,
    /// The body of the message `Stream::pending` describes.
    ExpectBody(Body),
    /// A message said the connection closes: anything more is not HTTP we can trust.
    ExpectClose,
}

/// `M`: what is carried from a head to its message's end; `H`: what a head parser extracts.
#[derive(Debug)]
pub(crate) struct Stream<M, H> {
    state: State,
    head: HeadBuf<H>,
    /// Meta and close flag of the message whose body is being read.
    pending: (M, bool),
}

impl<M: Copy + Default, H: Copy> Default for Stream<M, H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Copy + Default, H: Copy> Stream<M, H> {
    pub(crate) fn new() -> Self {
        Stream {
            state: State::ExpectHead,
            head: HeadBuf::new(),
            pending: (M::default(), false),
        }
    }

    /// Parses `data`, reporting every message it completes. Resets itself on error.
    #[inline]
    pub(crate) fn feed<R: Messages<Meta = M, Head = H>>(
        &mut self,
        data: &[u8],
        handler: &mut R,
    ) -> Result<(), ParseError> {
        let res = self.parse(data, handler);
        if res.is_err() {
            self.reset();
        }
        res
    }

    #[inline]
    fn parse<R: Messages<Meta = M, Head = H>>(
        &mut self,
        data: &[u8],
        handler: &mut R,
    ) -> Result<(), ParseError> {
        let mut pos = 0;
        loop {
            let (meta, close, body_len) = match &mut self.state {
                State::ExpectHead => {
                    if pos == data.len() {
                        return Ok(());
                    }
                    let Some((head, n, at)) = self.head.next_head(&data[pos..], R::parse_head)?
                    else {
                        return Ok(());
                    };
                    let bytes = match at {
                        HeadAt::Fed => &data[pos..pos + n],
                        HeadAt::Split => self.head.split_head(),
                    };
                    pos += n;
                    let Some(start) = handler.head(head, bytes)? else {
                        continue;
                    };
                    match start.framing {
                        // The usual case: no body, or a Content-Length body all in `data`.
                        Framing::Length(len) if len <= (data.len() - pos) as u64 => {
                            handler.payload(&data[pos..pos + len as usize]);
                            pos += len as usize;
                            (start.meta, start.close, len)
                        }
                        framing => match Body::new(framing) {
                            None => (start.meta, start.close, 0),
                            Some(body) => {
                                self.pending = (start.meta, start.close || body.until_close());
                                self.state = State::ExpectBody(body);
                                continue;
                            }
                        },
                    }
                }
                State::ExpectBody(body) => {
                    let Some(n) = body.decode_into(&data[pos..], &mut Out(handler))? else {
                        return Ok(());
                    };
                    pos += n;
                    let body_len = body.len();
                    self.state = State::ExpectHead;
                    (self.pending.0, self.pending.1, body_len)
                }
                State::ExpectClose => return Ok(()),
            };
            if close {
                self.state = State::ExpectClose;
            }
            if !handler.done(meta, close, body_len) {
                return Ok(());
            }
        }
    }

    /// The peer closed: a read-until-close body's meta and length, `None` between messages,
    /// `UnexpectedEof` mid-message. Resets the stream.
    pub(crate) fn eof(&mut self) -> Result<Option<(M, u64)>, ParseError> {
        let res = match &self.state {
            State::ExpectHead if self.head.is_empty() => Ok(None),
            State::ExpectHead => Err(ParseError::UnexpectedEof),
            State::ExpectClose => Ok(None),
            State::ExpectBody(body) => body.eof().map(|len| Some((self.pending.0, len))),
        };
        self.reset();
        res
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.state == State::ExpectHead && self.head.is_empty()
    }

    pub(crate) fn reset(&mut self) {
        self.state = State::ExpectHead;
        self.head.clear();
        self.pending = (M::default(), false);
    }

    #[cfg(test)]
    pub(crate) fn head_capacity(&self) -> usize {
        self.head.capacity()
    }

    #[cfg(test)]
    pub(crate) fn head_cache(&mut self) -> &mut super::head::HeadCache<H> {
        self.head.cache_mut()
    }
}
