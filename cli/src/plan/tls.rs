//! The TLS client options (`cli::tls::TlsOpts`) -> the engine's `TlsSettings`, checked: one
//! place for what `stress` (https:// targets) and `handshake` accept.

use crate::cli::tls::{OnOff, TlsOpts};
use anyhow::{bail, Result};
use tfw_engine::proto::tls::{load_roots, TlsSettings, TlsVersions};

fn list(s: &Option<String>) -> Vec<String> {
    s.iter()
        .flat_map(|s| s.split(','))
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// The settings for a target whose host is `host`, ALPN `alpn`; tickets default to
/// `tickets_default`. Every setting is checked (names, files, the config builds).
pub fn settings(
    o: &TlsOpts,
    host: &str,
    alpn: Vec<Vec<u8>>,
    tickets_default: bool,
) -> Result<TlsSettings> {
    let versions = match o.tls.as_deref() {
        None => TlsVersions::Both,
        Some("1.2") => TlsVersions::Tls12,
        Some("1.3") => TlsVersions::Tls13,
        Some(v) => bail!("--tls {v:?}: expected 1.2 or 1.3"),
    };
    let roots = match &o.cacert {
        Some(path) if o.verify => Some(load_roots(path)?),
        _ => None,
    };
    let tls = TlsSettings {
        versions,
        ciphers: list(&o.ciphers),
        curves: list(&o.curves),
        tickets: o.tickets.map_or(tickets_default, |t| t == OnOff::On),
        server_name: o.sni.clone().unwrap_or_else(|| host.to_string()),
        roots,
        alpn,
        keylog: o.keylog.clone(),
    };
    // A one-line error now instead of a run of failures.
    tfw_engine::proto::tls::client_config(&tls)?;
    Ok(tls)
}
