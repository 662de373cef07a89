//! A request script written in Rust for the engine's script hooks (`tfw_engine::script`):
//! the traits' second real user (the first is the Lua crate). Each worker's script makes
//! batches of requests from a list of methods (paths numbered by batch), keeps what its
//! responses carried, answers `delay()` with a fixed delay, fails on demand, and hands its
//! counts over in `finish()` (as wrk's `thread:get` would), so the tests see what each hook
//! was called with only through what the worker's thread reported at its end.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tfw_engine::plan::{LoadPlan, ServePlan};
use tfw_engine::proto::h1::build_request;
use tfw_engine::proto::tls::{server_config, ServerTlsSettings, TlsSettings};
use tfw_engine::script::{ScriptError, ScriptFactory, ScriptWants, WorkerScript};

/// What a script does.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    pub wants: ScriptWants,
    /// One request per method in each batch.
    pub methods: Vec<&'static str>,
    /// `delay()`'s answer.
    pub delay: Duration,
    /// `worker()` fails for this worker index.
    pub fail_worker: Option<usize>,
    /// `request()` fails on this call (1-based), in worker 0 only.
    pub fail_request: Option<u64>,
    /// `response()` fails on this call (1-based), in worker 0 only.
    pub fail_response: Option<u64>,
    /// `request()` makes no request at all.
    pub empty_batch: bool,
}

/// What one worker's script saw, reported by `finish()`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub worker: usize,
    pub batches: u64,
    pub requests: u64,
    pub head_requests: u64,
    pub delays: u64,
    pub responses: u64,
    /// Responses by status.
    pub statuses: BTreeMap<u16, u64>,
    /// Responses by body.
    pub bodies: BTreeMap<Vec<u8>, u64>,
    /// The header fields of the first response with a body, in order.
    pub first_fields: Vec<(String, String)>,
}

/// Makes the scripts; collects what each reported at its end.
#[derive(Debug)]
pub struct TestFactory {
    pub behaviour: Behaviour,
    pub host: String,
    /// One entry per `finish()` call.
    pub finished: Arc<Mutex<Vec<Seen>>>,
}

impl TestFactory {
    pub fn new(behaviour: Behaviour, target: SocketAddr) -> Arc<TestFactory> {
        Arc::new(TestFactory {
            behaviour,
            host: target.to_string(),
            finished: Arc::default(),
        })
    }

    /// What the workers' `finish()` reported, sorted by worker.
    pub fn seen(&self) -> Vec<Seen> {
        let mut v = self.finished.lock().unwrap().clone();
        v.sort_by_key(|s| s.worker);
        v
    }

    /// The workers' counts added up.
    pub fn total(&self) -> Seen {
        let mut t = Seen::default();
        for s in self.seen() {
            t.batches += s.batches;
            t.requests += s.requests;
            t.head_requests += s.head_requests;
            t.delays += s.delays;
            t.responses += s.responses;
            for (k, n) in s.statuses {
                *t.statuses.entry(k).or_default() += n;
            }
            for (k, n) in s.bodies {
                *t.bodies.entry(k).or_default() += n;
            }
            if t.first_fields.is_empty() {
                t.first_fields = s.first_fields;
            }
        }
        t
    }
}

impl ScriptFactory for TestFactory {
    fn wants(&self) -> ScriptWants {
        self.behaviour.wants
    }

    fn worker(&self, index: usize, _workers: usize) -> Result<Box<dyn WorkerScript>, ScriptError> {
        if self.behaviour.fail_worker == Some(index) {
            return Err(ScriptError(format!("no script for worker {index}")));
        }
        let wires = self
            .behaviour
            .methods
            .iter()
            .enumerate()
            .map(|(j, m)| {
                let path = format!("/{}/{j}", m.to_lowercase());
                (build_request(m, &path, &self.host, &[], b""), *m == "HEAD")
            })
            .collect();
        Ok(Box::new(TestScript {
            b: self.behaviour.clone(),
            wires,
            seen: Seen {
                worker: index,
                ..Seen::default()
            },
            finished: self.finished.clone(),
        }))
    }
}

struct TestScript {
    b: Behaviour,
    /// Each method's request, built once, and whether it is a HEAD.
    wires: Vec<(Vec<u8>, bool)>,
    seen: Seen,
    finished: Arc<Mutex<Vec<Seen>>>,
}

impl TestScript {
    fn failing(&self, on: Option<u64>, call: u64) -> bool {
        self.seen.worker == 0 && on == Some(call)
    }
}

impl WorkerScript for TestScript {
    fn request(&mut self, out: &mut Vec<u8>, heads: &mut Vec<bool>) -> Result<(), ScriptError> {
        let call = self.seen.batches + 1;
        if self.failing(self.b.fail_request, call) {
            return Err(ScriptError(format!("request() failed on call {call}")));
        }
        self.seen.batches = call;
        if self.b.empty_batch {
            return Ok(());
        }
        for (wire, head) in &self.wires {
            out.extend_from_slice(wire);
            heads.push(*head);
            self.seen.requests += 1;
            self.seen.head_requests += u64::from(*head);
        }
        Ok(())
    }

    fn response(
        &mut self,
        status: u16,
        headers: &[(&[u8], &[u8])],
        body: &[u8],
    ) -> Result<(), ScriptError> {
        let call = self.seen.responses + 1;
        if self.failing(self.b.fail_response, call) {
            return Err(ScriptError(format!("response() failed on call {call}")));
        }
        self.seen.responses = call;
        *self.seen.statuses.entry(status).or_default() += 1;
        *self.seen.bodies.entry(body.to_vec()).or_default() += 1;
        if self.seen.first_fields.is_empty() && !body.is_empty() {
            self.seen.first_fields = headers
                .iter()
                .map(|(n, v)| {
                    (
                        String::from_utf8_lossy(n).into_owned(),
                        String::from_utf8_lossy(v).into_owned(),
                    )
                })
                .collect();
        }
        Ok(())
    }

    fn delay(&mut self) -> Result<Duration, ScriptError> {
        self.seen.delays += 1;
        Ok(self.b.delay)
    }

    fn finish(&mut self) {
        self.finished.lock().unwrap().push(self.seen.clone());
    }
}

/// The built-in target's plan over TLS (a certificate generated at start).
pub fn with_tls(mut sp: ServePlan) -> ServePlan {
    sp.tls = Some(server_config(&ServerTlsSettings::default()).unwrap());
    sp
}

/// A client plan speaking TLS (no verification) to the built-in target.
pub fn client_tls(mut p: LoadPlan) -> LoadPlan {
    p.target_name = format!("https://{}/", p.target);
    p.tls = Some(TlsSettings {
        server_name: "localhost".into(),
        ..TlsSettings::default()
    });
    p
}
