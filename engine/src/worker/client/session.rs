//! The transport of a client worker's connections: plain TCP, or TLS (https:// targets) with
//! its handshake after the TCP connect and decryption of what arrives before the protocol
//! sees it, and the first failure kept to explain a run. Whatever the protocol writes goes
//! out through [`Transport::send`], encrypted on TLS. Each worker builds its own rustls
//! configuration, so session caches are not shared.

use super::{ConnState, State};
use crate::plan::{LoadPlan, Protocol};
use crate::proto::tls::{client_config, server_name, SessionStep, TlsClientConn, TlsError};
use crate::ring::{Backend, Slot};
use crate::stats::ErrorKind;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use std::sync::Arc;

/// A worker's TLS client configuration and the server name its connections use.
pub(super) struct TlsSetup {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    /// ALPN must choose this (HTTP/2: `h2`); None: whatever the server chose.
    alpn: Option<&'static [u8]>,
}

/// What a connection's bytes go through.
pub(super) enum Transport {
    /// Plain TCP (and every connection before its TLS session starts).
    Plain,
    Tls(Box<TlsClientConn>),
}

impl Transport {
    #[inline]
    pub(super) fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }

    /// Sends `plain` on `slot`: encrypted into `wire` first on TLS. False when TLS could not
    /// encrypt it (nothing is sent then). Nothing to send is fine.
    #[inline]
    pub(super) fn send<B: Backend>(
        &mut self,
        io: &mut B,
        slot: Slot,
        plain: &[u8],
        wire: &mut Vec<u8>,
    ) -> bool {
        if plain.is_empty() {
            return true;
        }
        match self {
            Transport::Tls(t) => {
                wire.clear();
                if t.encrypt(plain, wire).is_err() {
                    return false;
                }
                io.send_copy(slot, wire, false);
            }
            Transport::Plain => io.send_copy(slot, plain, false),
        }
        true
    }
}

impl TlsSetup {
    /// None for a plain-TCP plan.
    pub(super) fn new(plan: &LoadPlan) -> Result<Option<TlsSetup>, TlsError> {
        let Some(settings) = &plan.tls else {
            return Ok(None);
        };
        Ok(Some(TlsSetup {
            config: client_config(settings)?,
            name: server_name(settings)?,
            alpn: match plan.protocol {
                Protocol::Http2(_) => Some(b"h2"),
                Protocol::Http1 => None,
            },
        }))
    }
}

impl State<'_> {
    /// TCP is up on connection `ci`: start its TLS handshake (send the ClientHello).
    pub(super) fn start_tls<B: Backend>(&mut self, io: &mut B, ci: usize) {
        let Some(setup) = &self.tls else {
            return;
        };
        let mut conn = match TlsClientConn::new(setup.config.clone(), setup.name.clone()) {
            Ok(c) => c,
            Err(e) => {
                self.tls_failed(&e.to_string());
                self.drop_conn(io, ci, true);
                return;
            }
        };
        let b = &mut self.bufs;
        b.wire_out.clear();
        b.plain_in.clear();
        let step = conn.receive(&[], &mut b.wire_out, &mut b.plain_in);
        let c = &mut self.conns[ci];
        c.state = ConnState::Handshaking;
        c.transport = Transport::Tls(Box::new(conn));
        match step {
            Ok(_) => io.send_copy(c.slot, &b.wire_out, false),
            Err(e) => {
                self.tls_failed(&e.to_string());
                self.drop_conn(io, ci, true);
            }
        }
    }

    /// Bytes arrived on TLS connection `ci`: run the session, send what it answers, pass
    /// decrypted bytes on to the HTTP layer.
    pub(super) fn on_tls_data<B: Backend>(&mut self, io: &mut B, ci: usize, data: &[u8]) {
        let c = &mut self.conns[ci];
        let Transport::Tls(t) = &mut c.transport else {
            return;
        };
        let b = &mut self.bufs;
        b.wire_out.clear();
        b.plain_in.clear();
        let step = t.receive(data, &mut b.wire_out, &mut b.plain_in);
        if !b.wire_out.is_empty() {
            io.send_copy(c.slot, &b.wire_out, false);
        }
        let step = match step {
            Ok(s) => s,
            Err(e) => {
                self.tls_failed(&e.to_string());
                self.drop_conn(io, ci, true);
                return;
            }
        };
        if c.state == ConnState::Handshaking && step != SessionStep::Handshaking {
            if let Some(want) = self.tls.as_ref().and_then(|s| s.alpn) {
                if t.alpn() != Some(want) {
                    let why = format!(
                        "the server did not accept {} by ALPN (it chose {})",
                        String::from_utf8_lossy(want),
                        t.alpn()
                            .map(|a| String::from_utf8_lossy(a).into_owned())
                            .unwrap_or_else(|| "none".into())
                    );
                    self.tls_failed(&why);
                    self.drop_conn(io, ci, true);
                    return;
                }
            }
            if self.tls_negotiated.is_none() {
                self.tls_negotiated = t.negotiated();
            }
            self.on_open(io, ci);
        }
        if !self.bufs.plain_in.is_empty() {
            let plain = std::mem::take(&mut self.bufs.plain_in);
            self.on_plain(io, ci, &plain);
            self.bufs.plain_in = plain;
        }
        // close_notify: the same as the server closing the connection.
        if step == SessionStep::Closed && self.conns[ci].transport.is_tls() {
            self.on_closed(io, ci, false);
        }
    }

    /// Counts a TLS failure and keeps the first reason for the summary
    /// (a refused ALPN protocol said in those words).
    pub(super) fn tls_failed(&mut self, why: &str) {
        self.stats.error(ErrorKind::Tls);
        if self.first_connect_error.is_some() {
            return;
        }
        let want = self.tls.as_ref().and_then(|s| s.alpn);
        let why = match want {
            Some(p) if why.contains("NoApplicationProtocol") => format!(
                "the server did not accept {} by ALPN ({why})",
                String::from_utf8_lossy(p)
            ),
            _ => why.to_string(),
        };
        self.first_connect_error = Some(format!("TLS with {}: {why}", self.plan.target));
    }
}
