//! One client connection of a case: the socket's slot, its TLS session (proto::tls), its
//! protocol state (`wire::ClientWire`) and its send queue. Plaintext from the wire is
//! encrypted segment by segment, so with segmenting every TLS record carries one segment.

use std::io;
use std::time::{Duration, Instant};

use super::out::{Out, Pumped};
use crate::check::plan::{ClientDef, ClientId};
use crate::check::transcript::{ClientLog, Closed};
use crate::check::wire::{segments, ClientWire};
use crate::proto::tls::{client_config, server_name, SessionStep, TlsClientConn};
use crate::ring::{Backend, Slot};

/// Where a client connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ConnState {
    Connecting,
    /// TCP is up, TLS is not yet.
    Handshaking,
    Open,
    /// Closed by the peer, by an error, or by the case.
    Closed,
}

pub(super) struct ClientConn {
    pub(super) client: ClientId,
    /// Index of its log in the case's `Transcript::clients`.
    pub(super) log: usize,
    pub(super) slot: Slot,
    pub(super) state: ConnState,
    /// The slot is still the backend's (a close may wait for queued sends).
    pub(super) slot_open: bool,
    tls: Option<TlsClientConn>,
    pub(super) wire: ClientWire,
    out: Out,
}

/// Why a connection ended, as the transcript says it.
pub(super) fn closed_by(error: Option<&io::Error>) -> Closed {
    match error {
        None => Closed::Fin,
        Some(e) if e.kind() == io::ErrorKind::ConnectionReset => Closed::Reset,
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => Closed::Reset,
        Some(e) => Closed::Error(e.to_string()),
    }
}

impl ClientConn {
    /// Starts connecting; an immediate failure is the error text.
    pub(super) fn open<B: Backend>(
        io: &mut B,
        def: &ClientDef,
        client: ClientId,
        marker: &str,
        log: usize,
    ) -> Result<ClientConn, String> {
        let tls = match &def.tls {
            Some(settings) => {
                let config = client_config(settings).map_err(|e| format!("TLS: {e}"))?;
                let name = server_name(settings).map_err(|e| format!("TLS: {e}"))?;
                Some(TlsClientConn::new(config, name).map_err(|e| format!("TLS: {e}"))?)
            }
            None => None,
        };
        let slot = io
            .connect(def.connect, None)
            .map_err(|e| format!("connect to {}: {e}", def.connect))?;
        Ok(ClientConn {
            client,
            log,
            slot,
            state: ConnState::Connecting,
            slot_open: true,
            tls,
            wire: ClientWire::new(def, marker),
            out: Out::new(def.segmenting),
        })
    }

    pub(super) fn is_live(&self) -> bool {
        self.state != ConnState::Closed
    }

    /// The connect finished: start TLS, or the protocol.
    pub(super) fn on_connected<B: Backend>(&mut self, io: &mut B, log: &mut ClientLog) {
        log.local = io.local_addr(self.slot);
        match &mut self.tls {
            Some(tls) => {
                self.state = ConnState::Handshaking;
                let (mut records, mut plain) = (Vec::new(), Vec::new());
                match tls.receive(&[], &mut records, &mut plain) {
                    Ok(_) => self.out.push(&records),
                    Err(e) => self.fail(io, log, Closed::Error(format!("TLS: {e}"))),
                }
            }
            None => self.opened(log),
        }
    }

    /// TLS (if any) is done: the protocol starts (HTTP/2's preface).
    fn opened(&mut self, log: &mut ClientLog) {
        self.state = ConnState::Open;
        let mut bytes = Vec::new();
        self.wire.on_open(&mut bytes);
        self.write(&bytes, log);
    }

    /// Queues plaintext: encrypted one segment per record under TLS.
    pub(super) fn write(&mut self, plain: &[u8], log: &mut ClientLog) {
        if plain.is_empty() || self.state == ConnState::Closed {
            return;
        }
        let Some(tls) = &mut self.tls else {
            return self.out.push(plain);
        };
        for seg in segments(plain, self.out.segment_size()) {
            let mut rec = Vec::new();
            if let Err(e) = tls.encrypt(seg, &mut rec) {
                log.closed = Some(Closed::Error(format!("TLS: {e}")));
                return;
            }
            self.out.push_one(rec);
        }
    }

    /// Bytes arrived (`at`: from the case's start).
    pub(super) fn on_data<B: Backend>(
        &mut self,
        io: &mut B,
        data: &[u8],
        at: Duration,
        log: &mut ClientLog,
    ) {
        let mut plain = Vec::new();
        if let Some(tls) = &mut self.tls {
            let mut records = Vec::new();
            let step = tls.receive(data, &mut records, &mut plain);
            self.out.push(&records);
            match step {
                Ok(SessionStep::Open) if self.state == ConnState::Handshaking => self.opened(log),
                Ok(_) => {}
                Err(e) => return self.fail(io, log, Closed::Error(format!("TLS: {e}"))),
            }
        } else {
            plain.extend_from_slice(data);
        }
        if plain.is_empty() {
            return;
        }
        // (The wire keeps the byte log: `received`, `received_len`, `last_at`.)
        let mut reply = Vec::new();
        self.wire.on_data(&plain, at, log, &mut reply);
        self.write(&reply, log);
    }

    /// The peer closed, or the connection failed (the slot is closed here).
    pub(super) fn on_closed<B: Backend>(&mut self, io: &mut B, log: &mut ClientLog, how: Closed) {
        if self.state == ConnState::Closed {
            // Closed by the case, still sending: nothing more will go.
            if self.slot_open {
                io.close(self.slot, false);
                self.slot_open = false;
            }
            return;
        }
        self.wire.on_eof(log);
        self.fail(io, log, how);
    }

    /// The connect failed (the backend already released the slot).
    pub(super) fn on_connect_failed(&mut self, log: &mut ClientLog, reason: String) {
        self.state = ConnState::Closed;
        self.slot_open = false;
        log.closed = Some(Closed::Error(reason));
    }

    fn fail<B: Backend>(&mut self, io: &mut B, log: &mut ClientLog, how: Closed) {
        if log.closed.is_none() {
            log.closed = Some(how);
        }
        self.state = ConnState::Closed;
        if self.slot_open {
            self.slot_open = false;
            io.close(self.slot, false);
        }
    }

    /// The case closes it: at once with `reset` (or while connecting), else once what is
    /// queued is sent.
    pub(super) fn close<B: Backend>(&mut self, io: &mut B, reset: bool, now: Instant) {
        let connecting = self.state == ConnState::Connecting;
        self.state = ConnState::Closed;
        if !self.slot_open {
            return;
        }
        if reset || connecting {
            io.close(self.slot, reset);
            self.slot_open = false;
            return;
        }
        self.out.close_when_sent(false);
        self.pump(io, now);
    }

    /// A send finished.
    pub(super) fn on_sent(&mut self, now: Instant) {
        self.out.on_sent(now);
    }

    /// Sends what may go now (and closes the slot when a close waited for it).
    pub(super) fn pump<B: Backend>(&mut self, io: &mut B, now: Instant) {
        let live = self.state != ConnState::Connecting
            && (self.state != ConnState::Closed || self.out.closing());
        if self.slot_open && live && self.out.pump(io, self.slot, now) == Pumped::Closed {
            self.slot_open = false;
        }
    }

    pub(super) fn wake_at(&self) -> Option<Instant> {
        self.out.wake_at()
    }
}
