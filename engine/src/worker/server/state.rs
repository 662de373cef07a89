//! The server worker's loop-level state: [`Server`] (everything one worker holds) and each
//! connection's [`Conn`], built from the protocols' types (`h1.rs`, `h2.rs`), and [`emit`],
//! the one way bytes go out on a connection. It imports none of the loop's files; the loop
//! (`mod.rs`, `respond.rs`) imports it and implements `Server`'s methods.

use super::h1::{H1Conn, H1Shared, Kind};
use super::h2::{H2Conn, H2Shared};
use crate::plan::ServePlan;
use crate::proto::tls::TlsServerConn;
use crate::ring::{Backend, Slot};
use crate::worker::record::Recorder;
use std::collections::VecDeque;

/// Which protocol a connection speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Proto {
    /// Not known yet: the bytes so far are a prefix of the HTTP/2 preface (or none came).
    #[default]
    Sniffing,
    H1,
    H2,
}

#[derive(Default)]
pub(super) struct Conn {
    pub(super) open: bool,
    /// Changes on every accept into this slot; delayed responses check it.
    pub(super) epoch: u32,
    /// Unique within the run (see `record::Record::conn`).
    pub(super) id: u64,
    pub(super) proto: Proto,
    /// While sniffing: the first bytes, a prefix of the HTTP/2 preface.
    pub(super) sniffed: Vec<u8>,
    pub(super) h1: H1Conn,
    /// The HTTP/2 state, once the preface came.
    pub(super) h2: Option<Box<H2Conn>>,
    pub(super) sending: bool,
    /// Read nothing more; close once everything owed is sent.
    pub(super) closing: bool,
    /// Close when the send in flight completes.
    pub(super) final_sent: bool,
    /// The TLS session (`--tls` only), and records waiting for the send in flight.
    pub(super) tls: Option<Box<TlsServerConn>>,
    pub(super) tls_out: Vec<u8>,
}

/// A response waiting for its due time: HTTP/1.1 runs of one kind, or one HTTP/2 stream.
#[derive(Clone, Copy, Debug)]
pub(super) enum Due {
    H1(Kind, u64),
    H2(u32),
}

pub(super) struct Server<'a> {
    pub(super) plan: &'a ServePlan,
    /// This worker's index, and how many there are (for connection ids).
    pub(super) worker: usize,
    pub(super) workers: usize,
    pub(super) conns: Vec<Conn>,
    /// `--record` only: the record, and lines not yet written to it.
    pub(super) record: Option<&'a Recorder>,
    pub(super) lines: Vec<u8>,
    /// (due, slot, epoch, what) in due order (the delay is fixed; a stall only moves dues to
    /// its end).
    pub(super) delayed: VecDeque<(u64, Slot, u32, Due)>,
    pub(super) h1: H1Shared,
    pub(super) h2: H2Shared,
    /// `--tls` only: decrypted request bytes of one chunk.
    pub(super) tls_plain: Vec<u8>,
    pub(super) now: u64,
    pub(super) requests: u64,
    pub(super) responses: u64,
    pub(super) accepted: u64,
    pub(super) parse_errors: u64,
}

/// Sends `bytes` (acknowledged) on a connection, encrypted when it has a TLS session; a
/// session that cannot encrypt closes the connection.
pub(super) fn emit<B: Backend>(io: &mut B, slot: Slot, c: &mut Conn, bytes: &[u8]) {
    let Some(t) = c.tls.as_mut() else {
        return io.send_copy(slot, bytes, true);
    };
    if t.encrypt(bytes, &mut c.tls_out).is_err() {
        c.tls_out.clear();
        c.sending = false;
        c.open = false;
        io.close(slot, false);
        return;
    }
    io.send_copy(slot, &c.tls_out, true);
    c.tls_out.clear();
}
