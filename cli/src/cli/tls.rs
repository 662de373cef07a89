//! The TLS client options `stress` (https:// targets) and `handshake` share: one place for
//! their names and defaults (`plan::tls` turns them into the engine's `TlsSettings`).

use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
}
