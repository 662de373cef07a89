//! What the HTTP/2 client reads: every frame recorded as a `FrameEvent`, header blocks
//! decoded into responses (1xx interim, final, trailers), DATA joined into bodies, the
//! peer's SETTINGS and WINDOW_UPDATEs applied to what we may send, and, with `auto_ack`,
//! SETTINGS and PING acknowledged and DATA's window given back.

use std::time::Duration;

use super::{Block, H2Client, Stream};
use crate::check::transcript::{ClientLog, FrameEvent, Message};
use crate::proto::h2::frame::{self, flag, setting, Head, Kind};
use crate::proto::h2::hpack::parse_status;
use crate::proto::h2::H2Error;

impl H2Client {
    pub fn on_data(&mut self, data: &[u8], at: Duration, log: &mut ClientLog, out: &mut Vec<u8>) {
        if self.ended {
            return;
        }
        let mut reader = std::mem::replace(&mut self.reader, frame::FrameReader::new(0));
        let res = reader.feed(data, |head, payload| {
            log.frames.push(event(&head, payload, at));
            self.frame(head, payload, log, out)
        });
        self.reader = reader;
        if let Err(e) = res {
            self.ended = true;
            log.parse_error.get_or_insert(format!("HTTP/2: {e}"));
        }
    }

    fn frame(
        &mut self,
        head: Head,
        payload: &[u8],
        log: &mut ClientLog,
        out: &mut Vec<u8>,
    ) -> Result<(), H2Error> {
        if let Some(block) = &mut self.block {
            if head.kind != Kind::Continuation || head.stream != block.stream {
                return Err(H2Error::Protocol(
                    "header block not continued by CONTINUATION",
                ));
            }
            block.bytes.extend_from_slice(payload);
            if head.has(flag::END_HEADERS) {
                let block = self.block.take().expect("checked above");
                self.header_block(block, log)?;
            }
            return Ok(());
        }
        match head.kind {
            Kind::Data => self.data(&head, payload, log, out)?,
            Kind::Headers | Kind::PushPromise => {
                let mut fragment = frame::unpad(&head, payload)?;
                let push = head.kind == Kind::PushPromise;
                if push {
                    fragment = fragment.get(4..).ok_or(H2Error::FrameSize)?;
                }
                let block = Block {
                    stream: head.stream,
                    end_stream: !push && head.has(flag::END_STREAM),
                    push,
                    bytes: fragment.to_vec(),
                };
                if head.has(flag::END_HEADERS) {
                    self.header_block(block, log)?;
                } else {
                    self.block = Some(block);
                }
            }
            Kind::Continuation => {
                return Err(H2Error::Protocol("CONTINUATION without a header block"))
            }
            Kind::Settings if !head.has(flag::ACK) => {
                let params: Vec<_> = frame::parse_settings(payload)?.collect();
                for (id, value) in params {
                    self.peer_setting(id, value);
                }
                if self.auto_ack {
                    frame::settings_ack(out);
                }
                self.flush(out);
            }
            Kind::Ping if !head.has(flag::ACK) && self.auto_ack => {
                frame::ping(out, true, frame::parse_ping(payload)?);
            }
            Kind::WindowUpdate => {
                let inc = i64::from(frame::parse_window_update(payload)?);
                if head.stream == 0 {
                    self.conn_window += inc;
                } else if let Some(s) = self.streams.get_mut(&head.stream) {
                    s.window += inc;
                }
                self.flush(out);
            }
            Kind::RstStream => {
                frame::parse_rst_stream(payload)?;
                if let Some(s) = self.streams.get_mut(&head.stream) {
                    s.done = true;
                    s.sending = false;
                }
            }
            Kind::Goaway => {
                let (last, _, _) = frame::parse_goaway(payload)?;
                for (_, s) in self.streams.range_mut(last.saturating_add(1)..) {
                    s.done = true;
                    s.sending = false;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn peer_setting(&mut self, id: u16, value: u32) {
        match id {
            setting::INITIAL_WINDOW_SIZE => {
                let delta = i64::from(value) - self.peer_initial_window;
                self.peer_initial_window = i64::from(value);
                for s in self.streams.values_mut() {
                    s.window += delta;
                }
            }
            setting::MAX_FRAME_SIZE => self.peer_max_frame = value as usize,
            setting::HEADER_TABLE_SIZE if (value as usize) < self.peer_table => {
                self.peer_table = value as usize;
                self.table_update = Some(value as usize);
            }
            _ => {}
        }
    }

    fn data(
        &mut self,
        head: &Head,
        payload: &[u8],
        log: &mut ClientLog,
        out: &mut Vec<u8>,
    ) -> Result<(), H2Error> {
        let body = frame::unpad(head, payload)?;
        let end = head.has(flag::END_STREAM);
        if self.auto_ack && head.len > 0 {
            frame::window_update(out, 0, head.len);
            if !end {
                frame::window_update(out, head.stream, head.len);
            }
        }
        if let Some(s) = self.streams.get_mut(&head.stream) {
            if let Some(r) = &mut s.response {
                r.body.extend_from_slice(body);
            }
            if end {
                finish(s, log);
            }
        }
        Ok(())
    }

    /// A complete header block: decoded (always, to keep HPACK in step), then the start of
    /// a response, an interim response, or trailers.
    fn header_block(&mut self, block: Block, log: &mut ClientLog) -> Result<(), H2Error> {
        let mut fields = Vec::new();
        self.decoder.decode(&block.bytes, |n, v| {
            fields.push((
                String::from_utf8_lossy(n).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            ));
        })?;
        if block.push {
            return Ok(());
        }
        let s = self.streams.entry(block.stream).or_insert_with(|| Stream {
            window: self.peer_initial_window,
            ..Stream::default()
        });
        let status = fields.iter().find(|(n, _)| n == ":status");
        match (status, &mut s.response) {
            (Some((_, v)), _) => {
                let status = parse_status(v.as_bytes())?;
                if status < 200 && status != 101 {
                    s.interim.push(status);
                } else {
                    fields.retain(|(n, _)| n != ":status");
                    s.response = Some(Message {
                        version: "HTTP/2".into(),
                        status,
                        headers: fields,
                        interim: std::mem::take(&mut s.interim),
                        stream: Some(block.stream),
                        ..Message::default()
                    });
                }
            }
            (None, Some(r)) => r.trailers = fields,
            (None, None) => {
                return Err(H2Error::Protocol("response HEADERS without :status"));
            }
        }
        if block.end_stream {
            finish(s, log);
        }
        Ok(())
    }
}

/// The stream ended: its response (if it got a final one) is complete.
fn finish(s: &mut Stream, log: &mut ClientLog) {
    s.done = true;
    s.sending = false;
    if let Some(r) = s.response.take() {
        log.responses.push(r);
    }
}

/// A received frame, summarised.
fn event(head: &Head, payload: &[u8], at: Duration) -> FrameEvent {
    let mut e = FrameEvent {
        kind: head.kind.to_u8(),
        flags: head.flags,
        stream: head.stream,
        len: head.len,
        code: None,
        last_stream: None,
        debug: Vec::new(),
        at,
    };
    match head.kind {
        Kind::RstStream => e.code = frame::parse_rst_stream(payload).ok(),
        Kind::Goaway => {
            if let Ok((last, code, debug)) = frame::parse_goaway(payload) {
                e.code = Some(code);
                e.last_stream = Some(last);
                e.debug = debug.to_vec();
            }
        }
        _ => {}
    }
    e
}
