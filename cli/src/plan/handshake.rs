//! `handshake` options -> a validated `HandshakePlan`.

use super::{io_mode, tls, worker_cpus};
use crate::cli::handshake::HandshakeOpts;
use crate::parse;
use anyhow::{bail, Context, Result};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;
use tfw_engine::plan::HandshakePlan;

/// "host:port" -> (host as the user wrote it, without brackets; the address).
fn target(s: &str) -> Result<(String, SocketAddr)> {
    let Some((host, port)) = s.rsplit_once(':') else {
        bail!("{s:?}: expected HOST:PORT, e.g. 127.0.0.1:443");
    };
    if host.is_empty() || port.parse::<u16>().is_err() {
        bail!("{s:?}: expected HOST:PORT, e.g. 127.0.0.1:443");
    }
    let addr = s
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {s:?}"))?
        .next()
        .with_context(|| format!("{s:?} resolves to no address"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_string(), addr))
}

/// `--request [PATH]`: `GET PATH` with `Host` (the --sni name or the target's host, and
/// the port), built once.
fn request_bytes(o: &HandshakeOpts) -> Result<Option<Vec<u8>>> {
    let Some(path) = &o.request else {
        return Ok(None);
    };
    if !path.starts_with('/')
        || path
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        bail!("--request {path:?}: expected a path such as / or /index.html");
    }
    let host = match (&o.tls.sni, o.target.rsplit_once(':')) {
        (Some(sni), Some((_, port))) => format!("{sni}:{port}"),
        _ => o.target.clone(),
    };
    Ok(Some(tfw_engine::proto::h1::build_request(
        "GET",
        path,
        &host,
        &[],
        b"",
    )))
}

pub fn plan(o: &HandshakeOpts) -> Result<HandshakePlan> {
    let (host, addr) = target(&o.target)?;
    if o.conns == 0 {
        bail!("--conns must be at least 1");
    }
    if o.handshakes == Some(0) {
        bail!("--handshakes must be at least 1");
    }
    let duration = match (&o.duration, o.handshakes) {
        (Some(d), _) => Some(parse::duration(d).context("--duration")?),
        (None, Some(_)) => None,
        (None, None) => Some(Duration::from_secs(10)),
    };
    if duration.is_some_and(|d| d.is_zero()) {
        bail!("--duration must be greater than zero");
    }
    let timeout = parse::duration(&o.timeout).context("--timeout")?;
    if timeout.is_zero() {
        bail!("--timeout must be greater than zero");
    }
    let tls = tls::settings(&o.tls, &host, Vec::new(), false)?;
    let mut cpus = worker_cpus(&o.io, &[])?;
    cpus.truncate(o.conns as usize);
    Ok(HandshakePlan {
        target_name: o.target.clone(),
        target: addr,
        conns: o.conns,
        cpus,
        tls,
        duration,
        handshakes: o.handshakes,
        timeout,
        io: io_mode(o.io.io),
        interval: Duration::from_secs(1),
        request: request_bytes(o)?,
    })
}
