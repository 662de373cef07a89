//! A client worker's request script (`crate::script`: wrk's Lua `request()`, `response()`,
//! `delay()`), made in the worker's thread and kept there, with the buffers its hooks work
//! in: the batch `request()` writes, the head and body of the response being read for
//! `response()`, and the connections waiting out a `delay()`.
//!
//! wrk's semantics (github:wg/wrk src/wrk.c, commit a211dd5a7050b1f9e8a9870b95513060e72ac4a0,
//! `socket_writeable` and `response_complete`): a connection sends a batch (one `request()`
//! call, or the static request `pipeline` times), and the next batch only when every
//! request of it is answered; `delay()` is asked before each batch, the first included.
//! A component: it imports nothing of the loop; the loop (`batch.rs`) and the HTTP/1.1
//! protocol (`h1.rs`) call it.

use crate::proto::h1::with_head_fields;
use crate::script::{ScriptError, ScriptFactory, ScriptWants, WorkerScript};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// No delay pending on a connection.
const NONE: u64 = u64::MAX;

/// One worker's script and its buffers.
pub(super) struct Scripted {
    script: Box<dyn WorkerScript>,
    pub(super) wants: ScriptWants,
    /// The batch `request()` wrote last: its bytes and a HEAD flag per request.
    pub(super) out: Vec<u8>,
    pub(super) heads: Vec<bool>,
    /// The response being read: its head as received and its payload.
    head: Vec<u8>,
    body: Vec<u8>,
    /// The first hook failure; no hook is called after it.
    error: Option<String>,
    /// Connections waiting out a delay, soonest first, and when each one's wait ends.
    waiting: BinaryHeap<Reverse<(u64, u32)>>,
    wait_until: Vec<u64>,
}

impl Scripted {
    /// Worker `index` (of `workers`), owning `conns` connections: its script.
    pub(super) fn new(
        factory: &dyn ScriptFactory,
        index: usize,
        workers: usize,
        conns: usize,
    ) -> Result<Scripted, ScriptError> {
        Ok(Scripted {
            script: factory.worker(index, workers)?,
            wants: factory.wants(),
            out: Vec::with_capacity(4096),
            heads: Vec::new(),
            head: Vec::new(),
            body: Vec::new(),
            error: None,
            waiting: BinaryHeap::with_capacity(conns),
            wait_until: vec![NONE; conns],
        })
    }

    /// Connections send in batches (wrk): the script makes the requests, or asks for a
    /// delay before each batch.
    #[inline]
    pub(super) fn batched(&self) -> bool {
        self.wants.request || self.wants.delay
    }

    /// Responses are handed to the script.
    #[inline]
    pub(super) fn wants_response(&self) -> bool {
        self.wants.response && self.error.is_none()
    }

    /// The first failure of a hook.
    pub(super) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    fn fail(&mut self, why: String) {
        self.error.get_or_insert(why);
    }

    /// The next batch from `request()` into `out` and `heads`: the number of requests, or
    /// None when the script failed (or had failed), or made no request or more than
    /// `pipeline` (the batch size the plan was measured with).
    pub(super) fn next_batch(&mut self, pipeline: u32) -> Option<u32> {
        if self.error.is_some() {
            return None;
        }
        self.out.clear();
        self.heads.clear();
        if let Err(e) = self.script.request(&mut self.out, &mut self.heads) {
            self.fail(e.0);
            return None;
        }
        let n = self.heads.len();
        if n == 0 || self.out.is_empty() {
            self.fail("request() made no request".to_string());
            return None;
        }
        if n > pipeline as usize {
            self.fail(format!(
                "request() made {n} requests in one batch; the first batch had {pipeline}"
            ));
            return None;
        }
        Some(n as u32)
    }

    /// `delay()` before a batch; None when the script failed.
    pub(super) fn delay(&mut self) -> Option<Duration> {
        if self.error.is_some() {
            return None;
        }
        match self.script.delay() {
            Ok(d) => Some(d),
            Err(e) => {
                self.fail(e.0);
                None
            }
        }
    }

    /// A final response starts: its head as received.
    #[inline]
    pub(super) fn response_head(&mut self, head: &[u8]) {
        self.head.clear();
        self.head.extend_from_slice(head);
        self.body.clear();
    }

    /// Payload of the response being read.
    #[inline]
    pub(super) fn response_payload(&mut self, bytes: &[u8]) {
        self.body.extend_from_slice(bytes);
    }

    /// The response being read completed with `status`: handed to `response()`.
    pub(super) fn response(&mut self, status: u16) {
        if self.error.is_some() {
            return;
        }
        let (script, head, body) = (&mut self.script, &self.head, &self.body);
        if let Err(e) = with_head_fields(head, |fields| script.response(status, fields, body)) {
            self.fail(e.0);
        }
    }

    /// Connection `ci` waits until `until` before its next batch.
    pub(super) fn hold(&mut self, ci: usize, until: u64) {
        self.wait_until[ci] = until;
        self.waiting.push(Reverse((until, ci as u32)));
    }

    /// Connection `ci` closed: a wait it had is over.
    pub(super) fn forget(&mut self, ci: usize) {
        self.wait_until[ci] = NONE;
    }

    /// A connection whose wait ended by `now` (each once), if any.
    pub(super) fn due(&mut self, now: u64) -> Option<usize> {
        while let Some(&Reverse((t, ci))) = self.waiting.peek() {
            if t > now {
                return None;
            }
            self.waiting.pop();
            let ci = ci as usize;
            if self.wait_until[ci] == t {
                self.wait_until[ci] = NONE;
                return Some(ci);
            }
        }
        None
    }

    /// When the soonest wait ends.
    pub(super) fn next_due(&self) -> Option<u64> {
        self.waiting.peek().map(|&Reverse((t, _))| t)
    }

    /// The worker ends.
    pub(super) fn finish(&mut self) {
        self.script.finish();
    }
}
