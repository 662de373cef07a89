//! A handshake peer driven by the backend's completions: the TLS handshake fed the bytes
//! that arrive, its flights sent, failures told apart (connect, reset, handshake), and the
//! end of an established attempt (last flight out, session tickets awaited or not).

use super::{PeerState, TICKET_WAIT_NS, W};
use crate::proto::tls::{self, Step, TlsHandshake};
use crate::ring::{Backend, Completion, Slot};
use crate::stats::handshake::HsError;

impl W<'_> {
    /// Sends what the last `advance` produced.
    pub(super) fn flush<B: Backend>(&mut self, io: &mut B, slot: Slot, ack: bool) -> bool {
        if self.out.is_empty() {
            return false;
        }
        io.send_copy(slot, &self.out, ack);
        self.out.clear();
        true
    }

    pub(super) fn on_event<B: Backend>(&mut self, ev: Completion<'_>, io: &mut B) {
        let slot = match &ev {
            Completion::Connected { slot, .. }
            | Completion::Data { slot, .. }
            | Completion::Closed { slot, .. }
            | Completion::SendFailed { slot, .. }
            | Completion::Sent { slot } => *slot,
            Completion::Accepted { .. } => return,
        };
        let Some(pi) = self.peer_of(slot) else {
            return;
        };
        let state = self.peers[pi].state;
        match ev {
            Completion::Connected { result: Ok(()), .. } => {
                match TlsHandshake::new(self.config.clone(), self.name.clone()) {
                    Ok(h) => {
                        self.peers[pi].tls = Some(h);
                        self.peers[pi].state = PeerState::Handshaking;
                        self.advance(io, pi, &[]);
                    }
                    Err(e) => self.note_error(io, pi, HsError::Handshake, e.to_string(), true),
                }
            }
            Completion::Connected { result: Err(e), .. } => {
                // The backend already released the slot of a failed connect.
                let msg = format!("connect to {}: {e}", self.plan.target);
                self.note_error(io, pi, HsError::Connect, msg, false);
            }
            Completion::Data { data, .. } => match state {
                PeerState::Handshaking => self.advance(io, pi, data),
                PeerState::Requesting => self.respond(io, pi, data),
                PeerState::Lingering => {
                    let p = &mut self.peers[pi];
                    let got = match p.tls.as_mut() {
                        Some(h) => {
                            let r = h.advance(data, &mut self.out);
                            r.is_err() || h.tickets_received() > 0
                        }
                        None => true,
                    };
                    self.out.clear();
                    if got {
                        self.restart(io, pi, true);
                    }
                }
                _ => {}
            },
            Completion::Closed { error, .. } => match state {
                PeerState::Connecting | PeerState::Handshaking => {
                    let (kind, msg) = match error {
                        Some(e) if e.kind() == std::io::ErrorKind::ConnectionReset => (
                            HsError::Reset,
                            format!("the server reset the connection during the handshake ({e})"),
                        ),
                        Some(e) => (HsError::Reset, format!("receive failed: {e}")),
                        None => (
                            HsError::Handshake,
                            "the server closed the connection during the handshake".into(),
                        ),
                    };
                    self.note_error(io, pi, kind, msg, true);
                }
                PeerState::Requesting => match error {
                    None => self.response_over(io, pi),
                    Some(e) => {
                        let msg = format!("receiving the response failed: {e}");
                        self.note_error(io, pi, HsError::Request, msg, true);
                    }
                },
                _ => self.restart(io, pi, true),
            },
            Completion::SendFailed { error: e, .. } => match state {
                PeerState::Connecting | PeerState::Handshaking => {
                    self.note_error(io, pi, HsError::Reset, format!("send failed: {e}"), true)
                }
                PeerState::Requesting => {
                    let msg = format!("sending the request failed: {e}");
                    self.note_error(io, pi, HsError::Request, msg, true);
                }
                _ => self.restart(io, pi, true),
            },
            Completion::Sent { .. } if state == PeerState::Finishing => self.finished(io, pi),
            Completion::Sent { .. } | Completion::Accepted { .. } => {}
        }
    }

    /// Feeds `data` to peer `pi`'s handshake and acts on the outcome.
    fn advance<B: Backend>(&mut self, io: &mut B, pi: usize, data: &[u8]) {
        let slot = self.peers[pi].slot;
        let Some(h) = self.peers[pi].tls.as_mut() else {
            return;
        };
        match h.advance(data, &mut self.out) {
            Ok(Step::NeedData) => {
                self.flush(io, slot, false);
            }
            Ok(Step::Established) => {
                let resumed = h.resumed();
                if self.end.negotiated.is_none() {
                    self.end.negotiated = h.negotiated();
                }
                let p = &self.peers[pi];
                if p.counted {
                    let us = self.now.saturating_sub(p.started) / 1000;
                    self.stats.handshake(us, resumed);
                    self.counted_done += 1;
                }
                self.ever_ok = true;
                if self.plan.request.is_some() {
                    return self.request(io, pi);
                }
                self.attempt_over(pi);
                self.peers[pi].state = PeerState::Finishing;
                // The last flight (TLS 1.3: the client's Finished) goes out before the RST.
                if !self.flush(io, slot, true) {
                    self.finished(io, pi);
                }
            }
            Err(e) => {
                self.out.clear();
                let mut msg = e.to_string();
                if matches!(
                    e,
                    tls::TlsError::Handshake(rustls::Error::InvalidMessage(
                        rustls::InvalidMessage::InvalidContentType
                    ))
                ) {
                    msg.push_str(" (is this a TLS port?)");
                }
                self.note_error(io, pi, HsError::Handshake, msg, true);
            }
        }
    }

    /// The established peer's last flight is out: wait for tickets, or reset and go again.
    fn finished<B: Backend>(&mut self, io: &mut B, pi: usize) {
        let p = &mut self.peers[pi];
        let wait = self.plan.tls.tickets
            && self.await_tickets
            && p.tls
                .as_ref()
                .is_some_and(|h| h.is_tls13() && h.tickets_received() == 0);
        if wait {
            p.state = PeerState::Lingering;
            p.deadline = self.now + TICKET_WAIT_NS;
        } else {
            self.restart(io, pi, true);
        }
    }
}
