//! HTTP/2 on the built-in target: the sans-IO server (`proto::h2::server`) fed a connection's
//! bytes, its frames sent one acknowledged send at a time.
//!
//! Each request is a stream answered on its own (at once, or after `--delay` / at the end of
//! a stall); `--close-after N` is a GOAWAY after N streams, and the connection closes once
//! the accepted streams are answered. `--set-cookie` adds the field to the connection's first
//! response; `--record` writes the same line as for HTTP/1.1 with `"protocol":"h2"`.
//!
//! This file holds a connection's HTTP/2 state and what connections share; the loop's side
//! (when to answer, sending) is in `respond.rs`.

use super::rec::Rec;
use crate::plan::ServePlan;
use crate::proto::h1::RequestHead;
use crate::proto::h2::hpack;
use crate::proto::h2::server::{response_from_h1, Fields, H2RequestSink, H2Response, H2Server};
use crate::proto::h2::H2Error;

/// A connection's HTTP/2 state.
pub(super) struct H2Conn {
    pub(super) server: H2Server,
    /// Frames to send once the send in flight completes.
    pub(super) out: Vec<u8>,
    /// Requests recorded so far (`--record` only).
    recorded: u64,
    /// The connection's cookie went out (`--set-cookie` only).
    cookie_sent: bool,
}

/// What the worker's HTTP/2 connections share.
pub(super) struct H2Shared {
    resp: H2Response,
    max_streams: u32,
    /// Streams whose requests completed in one chunk of data.
    pub(super) done: Vec<u32>,
    /// An encoded Set-Cookie field.
    extra: Vec<u8>,
}

impl H2Shared {
    /// The plan's response as HTTP/2 (converted once).
    pub(super) fn new(plan: &ServePlan) -> Result<Self, String> {
        let resp = response_from_h1(&plan.response)
            .map_err(|e| format!("the response cannot be served over HTTP/2: {e}"))?;
        Ok(H2Shared {
            resp,
            max_streams: plan.h2_max_streams,
            done: Vec::new(),
            extra: Vec::new(),
        })
    }

    /// A new connection's state.
    pub(super) fn conn(&self, plan: &ServePlan) -> H2Conn {
        let mut server = H2Server::new(self.max_streams);
        server.set_request_limit(plan.close_after);
        H2Conn {
            server,
            out: Vec::new(),
            recorded: 0,
            cookie_sent: false,
        }
    }
}

/// Collects completed requests, and records them with `--record`.
struct Sink<'a> {
    done: &'a mut Vec<u32>,
    rec: Option<Rec<'a>>,
}

impl H2RequestSink for Sink<'_> {
    fn request(&mut self, stream: u32, fields: &Fields, body_len: u64) {
        self.done.push(stream);
        let Some(rec) = &mut self.rec else {
            return;
        };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut head = RequestHead {
            method: String::new(),
            path: String::new(),
            headers: Vec::new(),
        };
        for (name, value) in fields.iter() {
            match name {
                b":method" => head.method = text(value),
                b":path" => head.path = text(value),
                _ => head.headers.push((text(name), text(value))),
            }
        }
        rec.write(Some(head), body_len, Some("h2"));
    }
}

/// Answers `stream` (with the connection's cookie on its first response); 1 if it was
/// answered, 0 if the stream is gone (reset by the client).
pub(super) fn answer(
    shared: &mut H2Shared,
    plan: &ServePlan,
    conn: u64,
    h2: &mut H2Conn,
    stream: u32,
) -> u64 {
    let cookie = plan.set_cookie.as_deref().filter(|_| !h2.cookie_sent);
    let sent = match cookie {
        Some(name) => {
            shared.extra.clear();
            let value = format!("{name}=c{conn}");
            hpack::encode_literal(&mut shared.extra, b"set-cookie", value.as_bytes());
            let sent = h2
                .server
                .respond_with(stream, &shared.resp, &shared.extra, &mut h2.out);
            h2.cookie_sent |= sent;
            sent
        }
        None => h2.server.respond(stream, &shared.resp, &mut h2.out),
    };
    sent as u64
}

impl H2Conn {
    /// HTTP/2 bytes (decrypted, with `--tls`): the streams whose requests completed go to
    /// `done`, each recorded through `rec` (`--record`); the frames to answer with, to `out`
    /// (on an error, the GOAWAY saying why).
    pub(super) fn feed(
        &mut self,
        data: &[u8],
        done: &mut Vec<u32>,
        rec: Option<(&mut Vec<u8>, usize, u64)>,
    ) -> Result<(), H2Error> {
        let rec = rec.map(|(lines, worker, conn)| Rec {
            lines,
            worker,
            conn,
            recorded: &mut self.recorded,
        });
        let mut sink = Sink { done, rec };
        self.server.feed(data, &mut self.out, &mut sink)
    }
}
