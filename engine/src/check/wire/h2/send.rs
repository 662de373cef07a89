//! What the HTTP/2 client sends: structured requests (HEADERS, CONTINUATION, DATA within the
//! peer's windows, trailers) and frames exactly as a case writes them.

use super::{H2Client, Stream};
use crate::check::plan::{Frame, HeaderBlock, Indexing, Request};
use crate::check::transcript::Message;
use crate::check::MARKER_HEADER;
use crate::proto::h2::frame::{self, flag, Kind, MAX_STREAM_ID};
use crate::proto::h2::hpack::{encode_field, encode_size_update, FieldRepr};

impl H2Client {
    /// A structured request on the next odd stream.
    pub fn send(&mut self, req: &Request, marker: &str, out: &mut Vec<u8>) -> Message {
        let id = self.next_stream;
        self.next_stream = self.next_stream.saturating_add(2).min(MAX_STREAM_ID);
        let authority = req
            .authority
            .clone()
            .unwrap_or_else(|| self.authority.clone());
        let mut fields: Vec<(String, String)> = vec![
            (":method".into(), req.method.clone()),
            (":scheme".into(), self.scheme.clone()),
            (":authority".into(), authority.clone()),
            (":path".into(), req.target.clone()),
        ];
        fields.extend(
            req.headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.clone())),
        );
        fields.push((MARKER_HEADER.to_string(), marker.to_string()));
        let trailers = req
            .chunked
            .as_ref()
            .map(|c| c.trailers.clone())
            .filter(|t| !t.is_empty());
        let end_stream = req.body.is_empty() && trailers.is_none();
        let block = self.block(&fields, true, Indexing::Indexed);
        frame::headers(out, id, &block, end_stream, self.peer_max_frame);
        let sizes = req
            .chunked
            .as_ref()
            .map(|c| c.sizes.clone())
            .unwrap_or_default();
        self.streams.insert(
            id,
            Stream {
                counted: true,
                window: self.peer_initial_window,
                body: req.body.clone(),
                sizes,
                trailers: trailers.clone(),
                sending: !end_stream,
                ..Stream::default()
            },
        );
        self.flush(out);
        let mut headers = fields;
        headers.drain(..4);
        headers.insert(0, (":scheme".into(), self.scheme.clone()));
        headers.insert(0, (":authority".into(), authority));
        Message {
            method: req.method.clone(),
            target: req.target.clone(),
            version: "HTTP/2".into(),
            headers,
            body: req.body.clone(),
            trailers: trailers.unwrap_or_default(),
            stream: Some(id),
            ..Message::default()
        }
    }

    /// A header block from this connection's encoder: a size update first when one is owed.
    fn block(&mut self, fields: &[(String, String)], huffman: bool, indexing: Indexing) -> Vec<u8> {
        let mut block = Vec::new();
        encode_block(
            &mut block,
            fields,
            huffman,
            indexing,
            &mut self.table_update,
        );
        block
    }

    /// Sends what flow control now allows of every stream's body, then its trailers.
    pub(super) fn flush(&mut self, out: &mut Vec<u8>) {
        let ids: Vec<u32> = self
            .streams
            .iter()
            .filter(|(_, s)| s.sending && !s.done)
            .map(|(&id, _)| id)
            .collect();
        for id in ids {
            let max_frame = self.peer_max_frame.max(1) as i64;
            let Some(s) = self.streams.get_mut(&id) else {
                continue;
            };
            while s.sent < s.body.len() {
                let want = next_size(s).min(s.body.len() - s.sent) as i64;
                let room = want.min(max_frame).min(s.window).min(self.conn_window);
                if room <= 0 {
                    break;
                }
                let n = room as usize;
                let end = s.sent + n == s.body.len() && s.trailers.is_none();
                frame::data(out, id, &s.body[s.sent..s.sent + n], end);
                s.sent += n;
                if s.sizes.len() > 1 {
                    s.sizes.remove(0);
                }
                s.window -= room;
                self.conn_window -= room;
            }
            if s.sent < s.body.len() {
                continue;
            }
            s.sending = false;
            s.body = Vec::new();
            if let Some(trailers) = s.trailers.take() {
                let mut block = Vec::new();
                encode_block(
                    &mut block,
                    &trailers,
                    true,
                    Indexing::Indexed,
                    &mut self.table_update,
                );
                frame::headers(out, id, &block, true, self.peer_max_frame);
            }
        }
    }
}

/// The size of the next DATA frame a chunked request asks for (none or 0: as large as
/// allowed).
fn next_size(s: &Stream) -> usize {
    match s.sizes.first() {
        None | Some(0) => usize::MAX,
        Some(&n) => n,
    }
}

fn encode_block(
    out: &mut Vec<u8>,
    fields: &[(String, String)],
    huffman: bool,
    indexing: Indexing,
    table_update: &mut Option<usize>,
) {
    if let Some(size) = table_update.take() {
        encode_size_update(out, size);
    }
    let repr = match indexing {
        Indexing::Indexed => FieldRepr::Indexed,
        Indexing::Literal => FieldRepr::Literal,
        Indexing::NeverIndexed => FieldRepr::NeverIndexed,
    };
    for (name, value) in fields {
        encode_field(out, name.as_bytes(), value.as_bytes(), repr, huffman);
    }
}

/// One frame exactly as the case wrote it; `table_update`, owed by our encoder, goes at the
/// start of a HEADERS frame's encoded block.
pub(super) fn write_frame(f: &Frame, table_update: &mut Option<usize>, out: &mut Vec<u8>) {
    let block_bytes = |block: &HeaderBlock, table_update: &mut Option<usize>| match block {
        HeaderBlock::Fields {
            fields,
            huffman,
            indexing,
        } => {
            let mut b = Vec::new();
            encode_block(&mut b, fields, *huffman, *indexing, table_update);
            b
        }
        HeaderBlock::Bytes(b) => b.clone(),
    };
    match f {
        Frame::Settings { ack, params } => {
            let mut p = Vec::with_capacity(params.len() * 6);
            for &(id, value) in params {
                p.extend_from_slice(&id.to_be_bytes());
                p.extend_from_slice(&value.to_be_bytes());
            }
            let flags = if *ack { flag::ACK } else { 0 };
            frame::write_frame(out, Kind::Settings, flags, 0, &p);
        }
        Frame::Headers {
            stream,
            end_stream,
            end_headers,
            pad,
            priority,
            block,
        } => {
            let mut flags = 0;
            let mut p = Vec::new();
            if let Some(n) = pad {
                flags |= flag::PADDED;
                p.push(*n);
            }
            if let Some((dep, exclusive, weight)) = priority {
                flags |= flag::PRIORITY;
                p.extend_from_slice(&priority_fields(*dep, *exclusive, *weight));
            }
            p.extend_from_slice(&block_bytes(block, table_update));
            p.resize(p.len() + usize::from(pad.unwrap_or(0)), 0);
            if *end_stream {
                flags |= flag::END_STREAM;
            }
            if *end_headers {
                flags |= flag::END_HEADERS;
            }
            frame::write_frame(out, Kind::Headers, flags, *stream, &p);
        }
        Frame::Continuation {
            stream,
            end_headers,
            block,
        } => {
            let flags = if *end_headers { flag::END_HEADERS } else { 0 };
            let p = block_bytes(block, &mut None);
            frame::write_frame(out, Kind::Continuation, flags, *stream, &p);
        }
        Frame::Data {
            stream,
            end_stream,
            pad,
            payload,
        } => {
            let mut flags = if *end_stream { flag::END_STREAM } else { 0 };
            let mut p = Vec::with_capacity(payload.len() + 1);
            if let Some(n) = pad {
                flags |= flag::PADDED;
                p.push(*n);
            }
            p.extend_from_slice(payload);
            p.resize(p.len() + usize::from(pad.unwrap_or(0)), 0);
            frame::write_frame(out, Kind::Data, flags, *stream, &p);
        }
        Frame::WindowUpdate { stream, increment } => {
            frame::write_frame(
                out,
                Kind::WindowUpdate,
                0,
                *stream,
                &increment.to_be_bytes(),
            );
        }
        Frame::RstStream { stream, code } => frame::rst_stream(out, *stream, *code),
        Frame::Ping { ack, payload } => frame::ping(out, *ack, *payload),
        Frame::Priority {
            stream,
            dependency,
            exclusive,
            weight,
        } => {
            let p = priority_fields(*dependency, *exclusive, *weight);
            frame::write_frame(out, Kind::Priority, 0, *stream, &p);
        }
        Frame::Goaway {
            last_stream,
            code,
            debug,
        } => frame::goaway(out, *last_stream, *code, debug),
        Frame::Raw {
            kind,
            flags,
            stream,
            payload,
        } => frame::write_frame(out, Kind::from_u8(*kind), *flags, *stream, payload),
    }
}

/// Frames written with no connection state (a plain HTTP/1.1 connection sending frames).
pub(in crate::check::wire) fn write_frames_stateless(frames: &[Frame], out: &mut Vec<u8>) {
    for f in frames {
        write_frame(f, &mut None, out);
    }
}

/// Stream dependency (E bit on top) and the weight byte as written on the wire.
fn priority_fields(dependency: u32, exclusive: bool, weight: u8) -> [u8; 5] {
    let dep = (dependency & MAX_STREAM_ID) | if exclusive { 1 << 31 } else { 0 };
    let d = dep.to_be_bytes();
    [d[0], d[1], d[2], d[3], weight]
}
