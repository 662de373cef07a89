//! The server loop's side of each protocol: a connection's request bytes handed to its
//! HTTP/1.1 or HTTP/2 state (`h1.rs`, `h2.rs`), answered at once or queued until due, and
//! what the connection is owed sent one acknowledged send at a time. Part of the loop: it
//! implements `Server` (`state.rs`) and is imported by nothing.

use super::h1::{head_of, with_cookie, Kind};
use super::h2::answer;
use super::state::{emit, Due, Server};
use crate::ring::{Backend, Slot};

impl Server<'_> {
    /// HTTP/1.1 request bytes (decrypted, with `--tls`) for a connection.
    pub(super) fn on_h1<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let due = self.due();
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.closing {
            return;
        }
        let parsed = &mut self.h1.parsed;
        parsed.clear();
        let rec = self.record.map(|_| (&mut self.lines, self.worker, c.id));
        let res = c.h1.feed(data, parsed, rec);
        self.requests += parsed.iter().map(|&(_, n)| n).sum::<u64>();
        match res {
            Ok(close) => c.closing |= close,
            Err(e) => {
                // Answered (after what the requests before it are owed), then closed.
                self.parse_errors += 1;
                c.h1.failed = Some(e);
                c.closing = true;
            }
        }
        match due {
            None => {
                for &(kind, n) in parsed.iter() {
                    c.h1.owed.push(kind, n);
                }
            }
            Some(due) => {
                for &(kind, n) in parsed.iter() {
                    self.delayed
                        .push_back((due, slot, c.epoch, Due::H1(kind, n)));
                }
            }
        }
        self.flush_h1(io, slot);
    }

    /// Delayed responses that fell due.
    pub(super) fn release_h1<B: Backend>(&mut self, io: &mut B, slot: Slot, kind: Kind, n: u64) {
        if let Some(c) = self.conns.get_mut(slot as usize) {
            c.h1.owed.push(kind, n);
            self.flush_h1(io, slot);
        }
    }

    /// Sends what the connection is owed, in order: runs of one kind in batches, and the
    /// `Connection: close` variant last when the client asked to close or `close_after` is
    /// reached, or the error response after everything else when a request could not be
    /// parsed. One send is in flight per connection.
    pub(super) fn flush_h1<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        let close_after = self.plan.close_after;
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.sending || c.final_sent {
            return;
        }
        let Some(&(kind, n)) = c.h1.owed.runs.front() else {
            if c.closing && !self.delayed.iter().any(|d| d.1 == slot && d.2 == c.epoch) {
                match c.h1.failed.take() {
                    Some(e) => {
                        c.sending = true;
                        c.final_sent = true;
                        self.responses += 1;
                        emit(io, slot, c, self.h1.error_response(e));
                    }
                    None => self.close(io, slot),
                }
            }
            return;
        };
        let p = self.h1.payloads[kind as usize];
        let until_close = if close_after > 0 {
            close_after - c.h1.served
        } else {
            u64::MAX
        };
        // The last response owed on a connection that is closing carries `Connection: close`
        // (unless an error response follows it).
        let last_run = c.closing && c.h1.failed.is_none() && c.h1.owed.runs.len() == 1;
        let last = until_close == 1 || (last_run && n == 1);
        // The first response on a connection carries its cookie, sent alone.
        let cookie = self.plan.set_cookie.as_deref().filter(|_| c.h1.served == 0);
        if last || cookie.is_some() {
            c.h1.owed.take(1);
            c.h1.served += 1;
            c.sending = true;
            if last {
                c.final_sent = true;
                c.closing = true;
            }
            self.responses += 1;
            let plan = self.plan;
            match cookie {
                Some(name) => {
                    let base = match kind {
                        _ if last => &plan.response_close,
                        Kind::Full | Kind::Head => &plan.response,
                        Kind::FullKeepAlive | Kind::HeadKeepAlive => &self.h1.keep_alive[..],
                    };
                    let scratch = &mut self.h1.scratch;
                    with_cookie(scratch, base, kind.is_head(), name, c.id);
                    emit(io, slot, c, scratch);
                }
                None if c.tls.is_some() => {
                    let close = &plan.response_close;
                    let bytes = if kind.is_head() {
                        head_of(close)
                    } else {
                        close
                    };
                    emit(io, slot, c, bytes);
                }
                None => io.send(slot, p.close, 0, usize::MAX, true),
            }
            return;
        }
        let mut k = n.min(p.copies as u64).min(until_close - 1);
        if last_run && k == n {
            k -= 1;
        }
        c.h1.owed.take(k);
        c.h1.served += k;
        c.sending = true;
        self.responses += k;
        if c.tls.is_some() {
            let batch = &self.h1.tls_batch[kind as usize][..k as usize * p.len];
            emit(io, slot, c, batch);
        } else {
            io.send(slot, p.batch, 0, k as usize * p.len, true);
        }
    }

    /// HTTP/2 bytes (decrypted, with `--tls`) for a connection.
    pub(super) fn on_h2<B: Backend>(&mut self, io: &mut B, slot: Slot, data: &[u8]) {
        let due = self.due();
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.closing {
            return;
        }
        let Some(h2) = c.h2.as_deref_mut() else {
            return;
        };
        let mut done = std::mem::take(&mut self.h2.done);
        done.clear();
        let rec = self.record.map(|_| (&mut self.lines, self.worker, c.id));
        let res = h2.feed(data, &mut done, rec);
        self.requests += done.len() as u64;
        if res.is_err() {
            // The GOAWAY saying why is in `out`: send it, then close.
            self.parse_errors += 1;
            c.closing = true;
        }
        match due {
            None => {
                for &stream in done.iter() {
                    self.responses += answer(&mut self.h2, self.plan, c.id, h2, stream);
                }
            }
            Some(due) => {
                for &stream in done.iter() {
                    self.delayed
                        .push_back((due, slot, c.epoch, Due::H2(stream)));
                }
            }
        }
        self.h2.done = done;
        self.flush_h2(io, slot);
    }

    /// A delayed response fell due.
    pub(super) fn respond_h2<B: Backend>(&mut self, io: &mut B, slot: Slot, stream: u32) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        let Some(h2) = c.h2.as_deref_mut() else {
            return;
        };
        self.responses += answer(&mut self.h2, self.plan, c.id, h2, stream);
        self.flush_h2(io, slot);
    }

    /// Sends the frames waiting unless a send is in flight; closes the connection once it is
    /// done (GOAWAY either way and every accepted stream answered, or a connection error).
    pub(super) fn flush_h2<B: Backend>(&mut self, io: &mut B, slot: Slot) {
        let Some(c) = self.conns.get_mut(slot as usize) else {
            return;
        };
        if !c.open || c.sending || c.final_sent {
            return;
        }
        let Some(h2) = c.h2.as_deref_mut() else {
            return;
        };
        let last = c.closing || h2.server.is_done();
        if h2.out.is_empty() {
            if last {
                self.close(io, slot);
            }
            return;
        }
        let out = std::mem::take(&mut h2.out);
        c.sending = true;
        c.final_sent = last;
        emit(io, slot, c, &out);
        if let Some(h2) = c.h2.as_deref_mut() {
            h2.out = out;
            h2.out.clear();
        }
    }
}
