//! One step table (`[[case.step]]`, `[[case.setup]]`, `[[case.cleanup]]`): exactly one verb,
//! the peer it acts on, and only the keys that verb takes.

use std::collections::BTreeMap;

use tfw_engine::check::{ClientId, ClientProto, Step};

use super::expectation::{expectation, SentSoFar};
use super::frame::frames;
use super::message::{requests, responses};
use super::node::{Res, Tab, Val};
use super::peers::{BackendRef, ClientRef, Peers};

const VERBS: [&str; 11] = [
    "send",
    "raw",
    "raw_hex",
    "frames",
    "respond",
    "connect",
    "close",
    "backend_down",
    "backend_up",
    "sleep",
    "expect",
];

/// What the steps of one case share while they are read in order.
pub(crate) struct CaseSteps<'p> {
    pub peers: &'p Peers,
    pub alone: bool,
    /// Structured requests sent so far, per client and in all.
    sent: BTreeMap<ClientId, usize>,
    total: usize,
    /// The first disabled client a step uses: the case is skipped with its reason.
    pub disabled: Option<String>,
    /// The peers the last steps named: the default of the next steps.
    last_client: Option<&'p ClientRef>,
    last_backend: Option<&'p BackendRef>,
}

impl<'p> CaseSteps<'p> {
    pub fn new(peers: &'p Peers, alone: bool) -> CaseSteps<'p> {
        CaseSteps {
            peers,
            alone,
            sent: BTreeMap::new(),
            total: 0,
            disabled: None,
            last_client: None,
            last_backend: None,
        }
    }

    /// The steps of array `v` (`step`, `setup` or `cleanup`).
    pub fn list(&mut self, v: &Val) -> Res<Vec<Step>> {
        v.array()?.iter().map(|s| self.step(s)).collect()
    }

    fn uses(&mut self, c: &'p ClientRef) {
        if self.disabled.is_none() {
            self.disabled.clone_from(&c.disabled);
        }
        self.last_client = Some(c);
    }

    fn client(&mut self, t: &Tab) -> Res<&'p ClientRef> {
        let c = self.peers.client(t, self.last_client)?;
        self.uses(c);
        Ok(c)
    }

    fn backend(&mut self, t: &Tab) -> Res<&'p BackendRef> {
        let b = self.peers.backend(t, self.last_backend)?;
        self.last_backend = Some(b);
        Ok(b)
    }

    fn step(&mut self, v: &Val) -> Res<Step> {
        let t = v.table()?;
        let verbs: Vec<&'static str> = VERBS.into_iter().filter(|k| t.present(k)).collect();
        let verb = match verbs.as_slice() {
            [one] => *one,
            [] => {
                return Err(t.err(
                    "",
                    format!("a step needs a verb: one of {}", VERBS.join(", ")),
                ))
            }
            [a, b, ..] => {
                return Err(t
                    .req(b)?
                    .err(format!("a step has one verb: {a} and {b} both given")));
            }
        };
        let val = t.req(verb)?;
        let step = match verb {
            "send" => {
                let c = self.client(&t)?;
                let reqs = requests(&val)?;
                *self.sent.entry(c.id).or_default() += reqs.len();
                self.total += reqs.len();
                Step::Send {
                    client: c.id,
                    requests: reqs,
                    wait: t.get("wait").map_or(Ok(true), |v| v.bool())?,
                }
            }
            "raw" | "raw_hex" => Step::SendRaw {
                client: self.client(&t)?.id,
                bytes: if verb == "raw" {
                    val.bytes()?
                } else {
                    val.hex()?
                },
            },
            "frames" => {
                let c = self.client(&t)?;
                if c.proto != ClientProto::H2 {
                    return Err(val.err(format!("frames need an h2 client; {} is h1", c.name)));
                }
                Step::SendFrames {
                    client: c.id,
                    frames: frames(&val)?,
                }
            }
            "respond" => Step::Script {
                backend: self.backend(&t)?.id,
                responses: responses(&val)?,
            },
            "connect" => {
                must_be_true(&val)?;
                Step::Connect {
                    client: self.client(&t)?.id,
                }
            }
            "close" => {
                must_be_true(&val)?;
                Step::Close {
                    client: self.client(&t)?.id,
                    reset: t.get("reset").map_or(Ok(false), |v| v.bool())?,
                }
            }
            "backend_down" | "backend_up" => {
                must_be_true(&val)?;
                if !self.alone {
                    return Err(val.err(
                        "only in a case with alone = true (it stops the backend for every case)",
                    ));
                }
                Step::BackendListen {
                    backend: self.backend(&t)?.id,
                    on: verb == "backend_up",
                }
            }
            "sleep" => Step::Sleep(val.duration()?),
            _ => {
                let sent = SentSoFar {
                    by_client: &self.sent,
                    total: self.total,
                };
                let last = (self.last_client, self.last_backend);
                let (exp, client, backend) = expectation(&val, &t, self.peers, last, &sent)?;
                if let Some(c) = client {
                    self.uses(c);
                }
                if backend.is_some() {
                    self.last_backend = backend;
                }
                Step::Expect(exp)
            }
        };
        t.finish()?;
        Ok(step)
    }
}

fn must_be_true(v: &Val) -> Res<()> {
    if v.bool()? {
        Ok(())
    } else {
        Err(v.err("write true, or leave the step out"))
    }
}
