//! Message bodies, shared by the response and request parsers: Content-Length, chunked and
//! read-until-close framing, decoded from fed bytes with no buffering at all.
//!
//! The chunked decoder is a byte-level state machine, so chunk-size lines, CRLFs and trailer
//! lines may be split across feeds at any byte. Bodies are counted, never stored here; a
//! caller that keeps them (the checker, `message`) is handed the payload and trailer bytes
//! through `BodyOut`, which the load's parsers leave as a no-op.

use super::error::{ParseError, MAX_CHUNK_LINE, MAX_HEAD};

/// How a message's body ends, as decided from its head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Exactly this many bytes (0 = no body).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the peer closes (responses only).
    UntilClose,
}

/// Where in a chunk-size line the decoder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SizeLine {
    /// No hex digit yet.
    Start,
    Digits,
    /// Whitespace after the size.
    Space,
    /// After `;`: extensions, ignored up to the line end.
    Ext,
    /// A CR, which must be followed by LF.
    Cr,
}

/// What the body decoder expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyState {
    /// The rest of a Content-Length body.
    ExpectBody {
        remaining: u64,
    },
    /// A chunk-size line: `size` so far, `line` bytes of it seen.
    ExpectChunkSize {
        size: u64,
        part: SizeLine,
        line: u32,
    },
    ExpectChunkData {
        remaining: u64,
    },
    /// The CRLF that ends a chunk's data; `cr` once its CR was seen.
    ExpectChunkCrlf {
        cr: bool,
    },
    /// Trailer lines up to an empty line; `in_line` once the current line has content.
    ExpectTrailers {
        in_line: bool,
        cr: bool,
        total: u32,
    },
    /// Everything until the peer closes.
    ReadUntilClose,
}

/// A body being decoded and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Body {
    state: BodyState,
    /// Payload bytes so far (chunk framing not included).
    len: u64,
}

/// Where a decoder hands the bytes it decodes: payload (chunk framing removed) and the
/// trailer section's bytes (every byte after the last chunk's size line, the closing empty
/// line included). The defaults drop them.
pub(crate) trait BodyOut {
    #[inline]
    fn payload(&mut self, _bytes: &[u8]) {}
    #[inline]
    fn trailer_byte(&mut self, _b: u8) {}
}

impl BodyOut for () {}

const CHUNK_START: BodyState = BodyState::ExpectChunkSize {
    size: 0,
    part: SizeLine::Start,
    line: 0,
};

impl Body {
    /// The decoder for `framing`, or `None` when there is no body to read.
    #[inline]
    pub(crate) fn new(framing: Framing) -> Option<Body> {
        let state = match framing {
            Framing::Length(0) => return None,
            Framing::Length(n) => BodyState::ExpectBody { remaining: n },
            Framing::Chunked => CHUNK_START,
            Framing::UntilClose => BodyState::ReadUntilClose,
        };
        Some(Body { state, len: 0 })
    }

    /// Payload bytes decoded so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The body ends at connection close.
    pub(crate) fn until_close(&self) -> bool {
        self.state == BodyState::ReadUntilClose
    }

    /// Consumes body bytes from the start of `data`. `Ok(Some(n))`: the body ended after
    /// `data[..n]`. `Ok(None)`: all of `data` was body and more is expected.
    #[cfg(test)]
    pub(crate) fn decode(&mut self, data: &[u8]) -> Result<Option<usize>, ParseError> {
        self.decode_into(data, &mut ())
    }

    /// `decode`, handing payload and trailer bytes to `out`.
    #[inline]
    pub(crate) fn decode_into(
        &mut self,
        data: &[u8],
        out: &mut impl BodyOut,
    ) -> Result<Option<usize>, ParseError> {
        let mut pos = 0;
        loop {
            let rest = (data.len() - pos) as u64;
            match &mut self.state {
                BodyState::ExpectBody { remaining } => {
                    let n = rest.min(*remaining);
                    *remaining -= n;
                    self.len += n;
                    out.payload(&data[pos..pos + n as usize]);
                    pos += n as usize;
                    return Ok((*remaining == 0).then_some(pos));
                }
                BodyState::ExpectChunkData { remaining } => {
                    let n = rest.min(*remaining);
                    *remaining -= n;
                    self.len += n;
                    out.payload(&data[pos..pos + n as usize]);
                    pos += n as usize;
                    if *remaining > 0 {
                        return Ok(None);
                    }
                    self.state = BodyState::ExpectChunkCrlf { cr: false };
                }
                BodyState::ReadUntilClose => {
                    self.len += rest;
                    out.payload(&data[pos..]);
                    return Ok(None);
                }
                _ => {
                    let Some(&b) = data.get(pos) else {
                        return Ok(None);
                    };
                    pos += 1;
                    if matches!(self.state, BodyState::ExpectTrailers { .. }) {
                        out.trailer_byte(b);
                    }
                    if self.framing_byte(b)? {
                        return Ok(Some(pos));
                    }
                }
            }
        }
    }

    /// One byte of chunk framing (size line, CRLF, trailers). True when the body ended.
    fn framing_byte(&mut self, b: u8) -> Result<bool, ParseError> {
        match &mut self.state {
            BodyState::ExpectChunkSize { size, part, line } => {
                *line += 1;
                if *line as usize > MAX_CHUNK_LINE {
                    return Err(ParseError::BadChunk("chunk-size line too long"));
                }
                let end = size_line_byte(size, part, b)?;
                if end {
                    self.state = match *size {
                        0 => BodyState::ExpectTrailers {
                            in_line: false,
                            cr: false,
                            total: 0,
                        },
                        n => BodyState::ExpectChunkData { remaining: n },
                    };
                }
            }
            BodyState::ExpectChunkCrlf { cr } => match b {
                b'\r' if !*cr => *cr = true,
                b'\n' => self.state = CHUNK_START,
                _ => return Err(ParseError::BadChunk("no CRLF after chunk data")),
            },
            BodyState::ExpectTrailers { in_line, cr, total } => {
                *total += 1;
                if *total as usize > MAX_HEAD {
                    return Err(ParseError::TrailersTooLarge);
                }
                match b {
                    b'\n' if !*in_line => return Ok(true),
                    b'\n' => {
                        *in_line = false;
                        *cr = false;
                    }
                    _ if *cr => return Err(ParseError::BadChunk("CR without LF in trailers")),
                    b'\r' => *cr = true,
                    _ => *in_line = true,
                }
            }
            BodyState::ExpectBody { .. }
            | BodyState::ExpectChunkData { .. }
            | BodyState::ReadUntilClose => unreachable!("not a framing state"),
        }
        Ok(false)
    }

    /// The peer closed: the body's length if that ends it, else `UnexpectedEof`.
    pub(crate) fn eof(&self) -> Result<u64, ParseError> {
        if self.until_close() {
            Ok(self.len)
        } else {
            Err(ParseError::UnexpectedEof)
        }
    }
}

/// One byte of `chunk-size [ BWS chunk-ext ] CRLF`. True at the line's end.
#[inline]
fn size_line_byte(size: &mut u64, part: &mut SizeLine, b: u8) -> Result<bool, ParseError> {
    use SizeLine::*;
    match (*part, b) {
        (Start | Digits, _) if b.is_ascii_hexdigit() => {
            if *size > u64::MAX >> 4 {
                return Err(ParseError::BadChunk("chunk size overflows"));
            }
            *size = (*size << 4) | u64::from(hex_value(b));
            *part = Digits;
        }
        (Start, _) => return Err(ParseError::BadChunk("no chunk size")),
        (Digits | Space, b' ' | b'\t') => *part = Space,
        (Digits | Space, b';') => *part = Ext,
        (Digits | Space | Ext, b'\r') => *part = Cr,
        (Digits | Space | Ext | Cr, b'\n') => return Ok(true),
        (Ext, _) if b != 0x7f && (b >= 0x20 || b == b'\t') => {}
        (Ext, _) => return Err(ParseError::BadChunk("control byte in chunk extension")),
        (Cr, _) => return Err(ParseError::BadChunk("CR without LF after chunk size")),
        (Digits | Space, _) => return Err(ParseError::BadChunk("invalid byte after chunk size")),
    }
    Ok(false)
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `wire` fed in pieces of `step` bytes; returns (body length, bytes consumed).
    fn decode_in_steps(
        framing: Framing,
        wire: &[u8],
        step: usize,
    ) -> Result<(u64, usize), ParseError> {
        let mut body = Body::new(framing).expect("has a body");
        let mut at = 0;
        while at < wire.len() {
            let end = (at + step).min(wire.len());
            if let Some(n) = body.decode(&wire[at..end])? {
                return Ok((body.len(), at + n));
            }
            at = end;
        }
        Err(ParseError::UnexpectedEof)
    }

    #[test]
    fn content_length_body() {
        assert_eq!(Body::new(Framing::Length(0)), None);
        for step in 1..=6 {
            assert_eq!(
                decode_in_steps(Framing::Length(5), b"hello+extra", step),
                Ok((5, 5))
            );
        }
    }

    #[test]
    fn chunked_bodies() {
        let cases: &[(&[u8], u64)] = &[
            (b"5\r\nhello\r\n0\r\n\r\n", 5),
            (
                b"5;name=\"v a\";x\r\nhello\r\nA \t;ext\r\n0123456789\r\n0\r\n\r\n",
                15,
            ),
            (b"00000005\r\nhello\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", 5),
            (b"ffffffffffffffff\r\n", u64::MAX),
            (b"1\nx\n0\n\n", 1),
        ];
        for &(wire, len) in cases {
            for step in 1..=wire.len() {
                let got = decode_in_steps(Framing::Chunked, &[wire, b"NEXT"].concat(), step);
                if len == u64::MAX {
                    assert_eq!(got, Err(ParseError::UnexpectedEof));
                } else {
                    assert_eq!(got, Ok((len, wire.len())), "{wire:?} step {step}");
                }
            }
        }
    }

    #[test]
    fn bad_chunks() {
        for wire in [
            &b"x\r\n"[..],
            b"\r\n",
            b";ext\r\n",
            b"5\rx",
            b"5 x\r\n",
            b"10000000000000000\r\n",
            b"1\r\nxy",
            b"1\r\nx\r\n0\r\nX: y\rz",
            b"1;a\x01\r\n",
        ] {
            for step in 1..=wire.len() {
                assert!(
                    matches!(
                        decode_in_steps(Framing::Chunked, wire, step),
                        Err(ParseError::BadChunk(_))
                    ),
                    "{wire:?}"
                );
            }
        }
        let long = [b"1;".as_slice(), &[b'a'; MAX_CHUNK_LINE]].concat();
        assert!(matches!(
            decode_in_steps(Framing::Chunked, &long, 100),
            Err(ParseError::BadChunk(_))
        ));
        let mut trailers = b"0\r\n".to_vec();
        while trailers.len() <= MAX_HEAD + 10 {
            trailers.extend_from_slice(b"X-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        assert_eq!(
            decode_in_steps(Framing::Chunked, &trailers, 4096),
            Err(ParseError::TrailersTooLarge)
        );
    }

    #[test]
    fn until_close_counts_everything() {
        let mut body = Body::new(Framing::UntilClose).unwrap();
        assert_eq!(body.decode(b"abc"), Ok(None));
        assert_eq!(body.decode(b""), Ok(None));
        assert_eq!(body.decode(b"de"), Ok(None));
        assert_eq!(body.eof(), Ok(5));
        let mut body = Body::new(Framing::Length(3)).unwrap();
        assert_eq!(body.decode(b"ab"), Ok(None));
        assert_eq!(body.eof(), Err(ParseError::UnexpectedEof));
    }
}
