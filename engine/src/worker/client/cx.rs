//! What the loop hands a connection's protocol and what the protocol hands back: [`Cx`], the
//! pieces of the worker one connection's exchange works with (its stats, its send times,
//! the request source and its place in it, its count in flight, the request script), and [`Fed`] / [`Ending`] /
//! [`Written`], the outcome of a feed or a write. A leaf: the protocols (`h1.rs`, `h2.rs`,
//! `proto.rs`) and the loop (`exchange.rs`) import it; it imports none of them.

use super::script::Scripted;
use super::source::{ConnSource, RequestSource};
use super::timing::ConnTimes;
use crate::proto::h2::H2Error;
use crate::ring::Slot;
use crate::stats::Stats;

/// The pieces of the worker a protocol works with on one connection, borrowed for one feed
/// or write.
pub(super) struct Cx<'a> {
    pub(super) stats: &'a mut Stats,
    /// The connection's positions (send times, mix entries).
    pub(super) times: ConnTimes<'a>,
    pub(super) source: &'a mut RequestSource,
    /// The connection's place in the request source (sequence position, cookies).
    pub(super) at: &'a mut ConnSource,
    /// The connection's requests in flight.
    pub(super) inflight: &'a mut u32,
    pub(super) now: u64,
    pub(super) pipeline: u32,
    /// The connection's slot in the backend.
    pub(super) slot: Slot,
    /// The transport encrypts: requests are gathered for it, not sent from their
    /// registered bytes.
    pub(super) gather: bool,
    /// The worker's request script, if the plan has one.
    pub(super) script: Option<&'a mut Scripted>,
}

/// What one feed of a connection's protocol came to.
pub(super) struct Fed {
    /// Complete responses (recorded), and requests ended in any way (positions freed).
    pub(super) done: u32,
    pub(super) ended: u32,
    /// The connection cannot go on.
    pub(super) end: Option<Ending>,
}

/// Why a connection ends after a feed.
pub(super) enum Ending {
    /// The server broke HTTP/1.1 framing (or answered what was not asked): a parse error;
    /// opened again after a backoff.
    Broken,
    /// The server broke HTTP/2.
    H2(H2Error),
    /// TLS could not encrypt what the protocol answered.
    Seal(&'static str),
    /// The server closes it (HTTP/1.1 `Connection: close`, HTTP/2 GOAWAY with every
    /// accepted stream done); `lost`: requests were still in flight. Opened again at once.
    Close { lost: bool },
}

/// Requests a protocol put on the wire (or into `plain_out`).
pub(super) struct Written {
    pub(super) n: u32,
    pub(super) bytes: usize,
    /// HTTP/2: a request could not be framed.
    pub(super) failed: Option<H2Error>,
}
