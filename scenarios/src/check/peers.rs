//! `[backends.NAME]` and `[clients.NAME]`: where the scripted backend listens and how each
//! client connects and speaks. Backends are shared by address across files (one listener
//! per address); clients belong to their file.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;

use tfw_engine::check::{BackendDef, BackendId, ClientDef, ClientId, ClientProto, Segmenting};
use tfw_engine::proto::tls::{load_roots, TlsError, TlsSettings};

use super::node::{Res, Tab, Val};
use super::units;

/// A file's name for a backend.
pub(crate) struct BackendRef {
    pub name: String,
    pub id: BackendId,
}

/// A file's name for a client, and what steps need to know of it.
pub(crate) struct ClientRef {
    pub name: String,
    pub id: ClientId,
    pub proto: ClientProto,
    /// Disabled (`enabled = false`): cases using it are skipped with this reason.
    pub disabled: Option<String>,
}

/// The file's `[backends]`, added to `all` unless a backend at the same address is there.
pub(crate) fn backends(
    tab: &Tab,
    all: &mut Vec<BackendDef>,
    seg: Option<Segmenting>,
) -> Res<Vec<BackendRef>> {
    let mut out = Vec::new();
    for (name, _, val) in tab.entries() {
        let t = val.table()?;
        let listen_val = t.req("listen")?;
        let listen = address(&listen_val)?;
        let segmenting = seg.unwrap_or(segmenting(&t)?);
        t.finish()?;
        let id = match all.iter().position(|b| b.listen == listen) {
            Some(id) if all[id].segmenting != segmenting => {
                return Err(listen_val.err(format!(
                    "backend {:?} at {listen} is defined again with other segment_size/segment_gap",
                    all[id].name
                )));
            }
            Some(id) => id,
            None => {
                all.push(BackendDef {
                    name: name.clone(),
                    listen,
                    segmenting,
                });
                all.len() - 1
            }
        };
        out.push(BackendRef { name, id });
    }
    Ok(out)
}

/// The file's `[clients]`, appended to `all`. `dir` is where relative `ca` paths are.
pub(crate) fn clients(
    tab: &Tab,
    all: &mut Vec<ClientDef>,
    seg: Option<Segmenting>,
    dir: &Path,
) -> Res<Vec<ClientRef>> {
    let mut out = Vec::new();
    for (name, _, val) in tab.entries() {
        let t = val.table()?;
        let (def, disabled) = client(&t, &name, seg, dir)?;
        t.finish()?;
        out.push(ClientRef {
            name,
            id: all.len(),
            proto: def.proto,
            disabled,
        });
        all.push(def);
    }
    Ok(out)
}

fn client(
    t: &Tab,
    name: &str,
    seg: Option<Segmenting>,
    dir: &Path,
) -> Res<(ClientDef, Option<String>)> {
    let connect_val = t.req("connect")?;
    let connect_text = connect_val.string()?;
    let connect = address(&connect_val)?;
    let proto = match t.get("proto") {
        None => ClientProto::H1,
        Some(v) => match v.string()?.as_str() {
            "h1" => ClientProto::H1,
            "h2" => ClientProto::H2,
            s => return Err(v.err(format!("unknown proto {s:?}: h1 or h2"))),
        },
    };
    let h2 = proto == ClientProto::H2;
    let enabled = t.get("enabled").map_or(Ok(true), |v| v.bool())?;
    let reason = t.get("disabled_reason").map(|v| v.string()).transpose()?;
    let disabled =
        (!enabled).then(|| reason.unwrap_or_else(|| format!("client {name} is disabled")));
    let tls_on = t.get("tls").map_or(Ok(false), |v| v.bool())?;
    let (sni, alpn, ca) = (t.get("sni"), t.get("alpn"), t.get("ca"));
    let tls = if tls_on {
        let roots = match (&ca, &disabled) {
            (Some(v), None) => {
                let path = dir.join(v.string()?);
                let roots = load_roots(&path).map_err(|e| match e {
                    TlsError::CaFile(m) => v.err(format!("cannot use {m}")),
                    e => v.err(e.to_string()),
                })?;
                Some(roots)
            }
            _ => None,
        };
        let alpn = match alpn {
            Some(v) => v.strings()?,
            None => vec![if h2 { "h2" } else { "http/1.1" }.to_owned()],
        };
        let server_name = match sni {
            Some(v) => v.string()?,
            None => host_of(&connect_text),
        };
        Some(TlsSettings {
            server_name,
            roots,
            alpn: alpn.into_iter().map(String::into_bytes).collect(),
            ..TlsSettings::default()
        })
    } else {
        // Checked, then unused: `tls = "${tls}"` turns TLS on and off with the same keys.
        if let Some(v) = &sni {
            v.string()?;
        }
        if let Some(v) = &alpn {
            v.strings()?;
        }
        if let Some(v) = &ca {
            v.string()?;
        }
        None
    };
    let authority = t
        .get("authority")
        .map_or(Ok(connect_text), |v| v.string())?;
    let segmenting = seg.unwrap_or(segmenting(t)?);
    let settings = match t.get("settings") {
        None => Vec::new(),
        Some(v) => settings(&v)?,
    };
    let preface = t.get("preface").map_or(Ok(true), |v| v.bool())?;
    let auto_ack = t.get("auto_ack").map_or(Ok(true), |v| v.bool())?;
    if !h2 {
        if let Some(v) = t.get("settings").or(t.get("preface")).or(t.get("auto_ack")) {
            return Err(v.err("applies only to h2 clients (proto = \"h2\")"));
        }
    }
    let def = ClientDef {
        name: name.to_owned(),
        connect,
        proto,
        scheme: if tls.is_some() { "https" } else { "http" }.to_owned(),
        tls,
        authority,
        segmenting,
        settings,
        preface,
        auto_ack,
    };
    Ok((def, disabled))
}

/// SETTINGS parameters by name or number, in written order.
pub(crate) fn settings(v: &Val) -> Res<Vec<(u16, u32)>> {
    let t = v.table()?;
    t.entries()
        .into_iter()
        .map(|(key, _, val)| {
            let id = units::setting_id(&key).map_err(|m| val.err(m))?;
            Ok((id, val.uint()?))
        })
        .collect()
}

fn segmenting(t: &Tab) -> Res<Segmenting> {
    Ok(Segmenting {
        size: t.get("segment_size").map_or(Ok(0), |v| v.size())?,
        gap: t
            .get("segment_gap")
            .map_or(Ok(Default::default()), |v| v.duration())?,
    })
}

/// `HOST:PORT` (an IP address, or a name resolved now).
fn address(v: &Val) -> Res<SocketAddr> {
    let s = v.string()?;
    if let Ok(a) = s.parse() {
        return Ok(a);
    }
    if !s.contains(':') {
        return Err(v.err(format!("{s:?} is not HOST:PORT")));
    }
    s.to_socket_addrs()
        .map_err(|e| v.err(format!("cannot resolve {s:?}: {e}")))?
        .next()
        .ok_or_else(|| v.err(format!("{s:?} resolved to no address")))
}

/// `connect`'s host, without port or brackets.
fn host_of(connect: &str) -> String {
    let host = connect.rsplit_once(':').map_or(connect, |(h, _)| h);
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned()
}

/// A file's clients and backends by name, for steps to pick from.
pub(crate) struct Peers {
    pub clients: Vec<ClientRef>,
    pub backends: Vec<BackendRef>,
}

impl Peers {
    /// The step's `client = NAME`, else the one an earlier step of the case used (`last`),
    /// else the file's only client.
    pub fn client<'s>(&'s self, t: &Tab, last: Option<&'s ClientRef>) -> Res<&'s ClientRef> {
        let names: Vec<&str> = self.clients.iter().map(|c| c.name.as_str()).collect();
        pick(t, "client", &self.clients, &names, last)
    }

    /// The step's `backend = NAME`, else the one an earlier step of the case used (`last`),
    /// else the file's only backend.
    pub fn backend<'s>(&'s self, t: &Tab, last: Option<&'s BackendRef>) -> Res<&'s BackendRef> {
        let names: Vec<&str> = self.backends.iter().map(|b| b.name.as_str()).collect();
        pick(t, "backend", &self.backends, &names, last)
    }
}

/// The peer `t[key]` names (one of `all`, whose names are `names`), or `last`, or the only one.
fn pick<'s, T>(
    t: &Tab,
    key: &'static str,
    all: &'s [T],
    names: &[&str],
    last: Option<&'s T>,
) -> Res<&'s T> {
    match t.get(key) {
        Some(v) => {
            let name = v.string()?;
            names
                .iter()
                .position(|n| *n == name)
                .map(|i| &all[i])
                .ok_or_else(|| {
                    v.err(format!(
                        "unknown {key} {name:?} ({key}s: {})",
                        names.join(", ")
                    ))
                })
        }
        None => match (last, all) {
            (Some(l), _) => Ok(l),
            (None, [only]) => Ok(only),
            (None, []) => Err(t.err(key, format!("the file has no [{key}s.NAME]"))),
            (None, _) => Err(t.err(
                key,
                format!("missing key `{key}`: which one of {}?", names.join(", ")),
            )),
        },
    }
}
