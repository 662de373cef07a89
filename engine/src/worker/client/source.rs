//! The request source: which request a connection sends next and the forms it is sent in.
//! The plan's mix (one request, or several picked round-robin, weighted or in sequence:
//! `mix.rs`) as HTTP/1.1 bytes registered with the backend and, on HTTP/2, as prepared
//! requests; and cookie replay, each connection's jar of the cookies its responses set.
//! Either protocol asks here; neither knows how the mix picks.

use super::mix::{self, EntryWire, Picker};
use crate::plan::{LoadPlan, Protocol};
use crate::proto::h2::{request_from_h1, H2Error, H2Request};
use crate::ring::Backend;

/// A worker's requests and how it picks them.
pub(super) struct RequestSource {
    /// The entries as HTTP/1.1, registered with the backend.
    pub(super) wires: Vec<EntryWire>,
    picker: Picker,
    /// HTTP/2: the entries as HTTP/2 requests (empty on HTTP/1.1).
    h2: Vec<H2Request>,
    /// Cookie replay is on (the mix asks for it).
    pub(super) cookies: bool,
}

impl RequestSource {
    /// Registers `plan`'s requests with `io`, each repeated `pipeline` times; fails when the
    /// backend cannot hold that many.
    pub(super) fn new<B: Backend>(
        io: &mut B,
        plan: &LoadPlan,
        pipeline: u32,
    ) -> std::io::Result<RequestSource> {
        Ok(RequestSource {
            wires: mix::register(io, &plan.requests, pipeline)?,
            ..RequestSource::empty(plan)
        })
    }

    /// A source with nothing registered, for a worker that cannot run (it sends nothing).
    pub(super) fn empty(plan: &LoadPlan) -> RequestSource {
        RequestSource {
            wires: Vec::new(),
            picker: Picker::new(&plan.requests),
            h2: Vec::new(),
            cookies: plan.requests.cookies,
        }
    }

    /// An HTTP/2 plan: its requests as HTTP/2 (built once per worker).
    pub(super) fn prepare_h2(&mut self, plan: &LoadPlan) -> Result<(), H2Error> {
        if !matches!(plan.protocol, Protocol::Http2(_)) {
            return Ok(());
        }
        let scheme = if plan.tls.is_some() { "https" } else { "http" };
        self.h2 = plan
            .requests
            .entries
            .iter()
            .map(|e| request_from_h1(&e.template.wire, scheme))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(())
    }

    /// The entry of the next request on a connection at `at` in the source.
    #[inline]
    pub(super) fn next(&mut self, at: &mut ConnSource) -> usize {
        self.picker.pick(&mut at.seq)
    }

    /// Entry `e` as an HTTP/2 request.
    #[inline]
    pub(super) fn h2(&self, e: usize) -> &H2Request {
        &self.h2[e]
    }
}

/// Where one connection stands in the request source: its place in a sequence and its
/// cookies. Both start over on a new connection.
#[derive(Default)]
pub(super) struct ConnSource {
    seq: u32,
    pub(super) jar: Jar,
}

impl ConnSource {
    pub(super) fn reset(&mut self) {
        self.seq = 0;
        self.jar.clear();
    }
}

/// Cookie replay: the cookies a connection's responses set, as (name, value) pairs and as
/// the `Cookie` field's value (`a=1; b=2`).
#[derive(Default)]
pub(super) struct Jar {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    field: Vec<u8>,
}

impl Jar {
    /// A response set cookie `name`: a later cookie of the same name replaces the earlier
    /// one (as a browser's jar).
    pub(super) fn set(&mut self, name: &[u8], value: &[u8]) {
        match self.pairs.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) if v == value => return,
            Some((_, v)) => *v = value.to_vec(),
            None => self.pairs.push((name.to_vec(), value.to_vec())),
        }
        self.field.clear();
        for (i, (n, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                self.field.extend_from_slice(b"; ");
            }
            self.field.extend_from_slice(n);
            self.field.push(b'=');
            self.field.extend_from_slice(v);
        }
    }

    /// The `Cookie` field's value; empty when no cookie was set.
    #[inline]
    pub(super) fn field(&self) -> &[u8] {
        &self.field
    }

    fn clear(&mut self) {
        self.pairs.clear();
        self.field.clear();
    }
}
