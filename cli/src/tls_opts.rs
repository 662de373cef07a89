//! The TLS client options `stress` (https:// targets) and `handshake` share, and their
//! translation into the engine's `TlsSettings`: one place for the names, defaults and checks.

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use tfw_engine::proto::tls::{load_roots, TlsSettings, TlsVersions};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Args, Debug, Clone)]
pub struct TlsOpts {
    /// TLS version to offer: 1.2 or 1.3 (default: both, the server picks).
    #[arg(long = "tls", value_name = "1.2|1.3")]
    pub tls: Option<String>,
    /// Cipher suites, comma-separated (rustls or OpenSSL names), e.g.
    /// TLS13_AES_128_GCM_SHA256 or ECDHE-ECDSA-AES128-GCM-SHA256.
    #[arg(long)]
    pub ciphers: Option<String>,
    /// Key exchange groups, comma-separated: X25519, secp256r1 (P-256), secp384r1 (P-384),
    /// X25519MLKEM768.
    #[arg(long)]
    pub curves: Option<String>,
    /// Session resumption (TLS 1.3 tickets; TLS 1.2 tickets or session IDs). Default: off
    /// for handshake (every handshake is full), on for stress.
    #[arg(long, value_enum)]
    pub tickets: Option<OnOff>,
    /// Server name to send (SNI) and verify (default: the target's host; an IP address is
    /// not sent as SNI).
    #[arg(long)]
    pub sni: Option<String>,
    /// Verify the server's certificate against --cacert (default: not verified).
    #[arg(long, requires = "cacert")]
    pub verify: bool,
    /// PEM file of the CA certificate(s) trusted with --verify.
    #[arg(long, requires = "verify")]
    pub cacert: Option<PathBuf>,
    /// Append the TLS secrets of every connection to FILE in the NSS key log format (for
    /// Wireshark).
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

fn list(s: &Option<String>) -> Vec<String> {
    s.iter()
        .flat_map(|s| s.split(','))
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

impl TlsOpts {
    /// Were any TLS options given (they need an https:// target for stress)?
    pub fn any(&self) -> bool {
        self.tls.is_some()
            || self.ciphers.is_some()
            || self.curves.is_some()
            || self.tickets.is_some()
            || self.sni.is_some()
            || self.verify
            || self.keylog.is_some()
    }

    /// "1.2", "1.3" or "1.2+1.3" for summaries.
    pub fn versions_label(&self) -> &str {
        self.tls.as_deref().unwrap_or("1.2+1.3")
    }

    /// The settings for a target whose host is `host`, ALPN `alpn`; tickets default to
    /// `tickets_default`. Every setting is checked (names, files, the config builds).
    pub fn settings(
        &self,
        host: &str,
        alpn: Vec<Vec<u8>>,
        tickets_default: bool,
    ) -> Result<TlsSettings> {
        let versions = match self.tls.as_deref() {
            None => TlsVersions::Both,
            Some("1.2") => TlsVersions::Tls12,
            Some("1.3") => TlsVersions::Tls13,
            Some(v) => bail!("--tls {v:?}: expected 1.2 or 1.3"),
        };
        let roots = match &self.cacert {
            Some(path) if self.verify => Some(load_roots(path)?),
            _ => None,
        };
        let tls = TlsSettings {
            versions,
            ciphers: list(&self.ciphers),
            curves: list(&self.curves),
            tickets: self.tickets.map_or(tickets_default, |t| t == OnOff::On),
            server_name: self.sni.clone().unwrap_or_else(|| host.to_string()),
            roots,
            alpn,
            keylog: self.keylog.clone(),
        };
        // A one-line error now instead of a run of failures.
        tfw_engine::proto::tls::client_config(&tls)?;
        Ok(tls)
    }
}
