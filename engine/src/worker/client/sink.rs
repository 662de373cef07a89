//! Responses as the parser completes them: each is matched to the oldest request in flight on
//! its connection, timed (from the send, or from the intended send in an open loop) and counted.

use super::{mix, State};
use crate::proto::h1::{ResponseDone, ResponseParser, ResponseSink};
use crate::stats::Stats;

pub(super) struct Sink<'s> {
    stats: &'s mut Stats,
    times: &'s [u64],
    intended: &'s [u64],
    open_loop: bool,
    pipeline: u32,
    ts_head: &'s mut u32,
    inflight: &'s mut u32,
    now: u64,
    /// The mix entry of each request in flight, and the entries (to know which are HEAD).
    heads: &'s [u16],
    /// Cookie replay: the connection's cookies, updated by `Set-Cookie`.
    cookies: bool,
    jar: &'s mut Vec<(Vec<u8>, Vec<u8>)>,
    cookie: &'s mut Vec<u8>,
    entries: &'s [mix::EntryWire],
    done: u32,
    close: bool,
    unsolicited: bool,
}

impl ResponseSink for Sink<'_> {
    fn wants_cookies(&self) -> bool {
        self.cookies
    }

    fn set_cookie(&mut self, name: &[u8], value: &[u8]) {
        // A later cookie of the same name replaces the earlier one (as a browser's jar).
        match self.jar.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) if v == value => return,
            Some((_, v)) => *v = value.to_vec(),
            None => self.jar.push((name.to_vec(), value.to_vec())),
        }
        self.cookie.clear();
        for (i, (n, v)) in self.jar.iter().enumerate() {
            if i > 0 {
                self.cookie.extend_from_slice(b"; ");
            }
            self.cookie.extend_from_slice(n);
            self.cookie.push(b'=');
            self.cookie.extend_from_slice(v);
        }
    }

    fn next_is_head(&mut self) -> bool {
        let e = self.heads[*self.ts_head as usize] as usize;
        self.entries[e].head
    }

    fn response(&mut self, d: ResponseDone) -> bool {
        if *self.inflight == 0 {
            self.unsolicited = true;
            return false;
        }
        let i = *self.ts_head as usize;
        let sent = self.times[i];
        *self.ts_head = (*self.ts_head + 1) % self.pipeline;
        *self.inflight -= 1;
        let uncorrected = self.now.saturating_sub(sent) / 1000;
        if self.open_loop {
            let corrected = self.now.saturating_sub(self.intended[i]) / 1000;
            self.stats
                .response_open_loop(d.status, corrected, uncorrected);
        } else {
            self.stats.response(d.status, uncorrected);
        }
        self.done += 1;
        if d.close {
            self.close = true;
            return false;
        }
        true
    }
}

impl State<'_> {
    /// Runs `f` with connection `ci`'s parser and a sink that times and counts its responses;
    /// returns what `f` returned and what the sink saw (responses, close, unsolicited).
    pub(super) fn with_sink<R>(
        &mut self,
        ci: usize,
        f: impl FnOnce(&mut ResponseParser, &mut Sink<'_>) -> R,
    ) -> (R, u32, bool, bool) {
        let base = ci * self.pipeline as usize;
        let c = &mut self.conns[ci];
        let mut sink = Sink {
            stats: &mut self.stats,
            times: &self.times[base..base + self.pipeline as usize],
            intended: &self.intended[base..base + self.pipeline as usize],
            open_loop: self.open_loop,
            pipeline: self.pipeline,
            ts_head: &mut c.ts_head,
            inflight: &mut c.inflight,
            now: self.now,
            heads: &self.entry_of[base..base + self.pipeline as usize],
            cookies: self.cookies,
            jar: &mut c.jar,
            cookie: &mut c.cookie,
            entries: &self.entries,
            done: 0,
            close: false,
            unsolicited: false,
        };
        let r = f(&mut c.parser, &mut sink);
        let seen = (sink.done, sink.close, sink.unsolicited);
        self.inflight_total -= seen.0 as u64;
        self.answered += seen.0 as u64;
        (r, seen.0, seen.1, seen.2)
    }

    pub(super) fn complete_at_eof(&mut self, ci: usize, done: ResponseDone) {
        self.with_sink(ci, |_, sink| sink.response(done));
    }
}
