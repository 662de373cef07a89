//! The transport of a client worker's connections: plain TCP, or TLS (https:// targets) with
//! its handshake after the TCP connect and decryption of what arrives before the protocol
//! sees it. Whatever the protocol writes goes out through [`Transport::send`], encrypted on
//! TLS. Each worker builds its own rustls configuration, so session caches are not shared.
//! The loop's side (starting a handshake, what arrives on TLS, counting a failure) is in
//! `exchange.rs`.

use crate::plan::{LoadPlan, Protocol};
use crate::proto::tls::{client_config, server_name, TlsClientConn, TlsError};
use crate::ring::{Backend, Slot};
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

    /// A new TLS session for a connection.
    pub(super) fn session(&self) -> Result<TlsClientConn, TlsError> {
        TlsClientConn::new(self.config.clone(), self.name.clone())
    }

    /// The handshake of `t` is done: why the connection cannot go on when ALPN did not
    /// choose what the plan speaks.
    pub(super) fn refused_alpn(&self, t: &TlsClientConn) -> Option<String> {
        let want = self.alpn?;
        if t.alpn() == Some(want) {
            return None;
        }
        Some(format!(
            "the server did not accept {} by ALPN (it chose {})",
            String::from_utf8_lossy(want),
            t.alpn()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .unwrap_or_else(|| "none".into())
        ))
    }

    /// A TLS failure's reason as the summary says it (a refused ALPN protocol said in those
    /// words).
    pub(super) fn explain(&self, why: &str) -> String {
        match self.alpn {
            Some(p) if why.contains("NoApplicationProtocol") => format!(
                "the server did not accept {} by ALPN ({why})",
                String::from_utf8_lossy(p)
            ),
            _ => why.to_string(),
        }
    }
}
