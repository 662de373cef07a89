//! `wrk.lookup(host, service)` and `wrk.connect(addr)`, and the address userdata they share
//! with `thread.addr` (wg/wrk src/script.c: `script_wrk_lookup`, `script_wrk_connect`,
//! `script_addr_tostring`). `tostring(addr)` reads "ip:port" as wrk's getnameinfo with
//! NI_NUMERICHOST does (an IPv6 address without brackets).

use crate::error::located;
use mlua::{Lua, MetaMethod, UserData, UserDataMethods, Value};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long `wrk.connect` waits for a TCP handshake (wrk's connect is blocking; a short bound
/// keeps a script from hanging on an address that drops SYNs).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// One resolved address (wrk's `wrk.addr` userdata).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Addr(pub(crate) SocketAddr);

impl Addr {
    /// "ip:port", as wrk prints an address.
    pub(crate) fn text(&self) -> String {
        format!("{}:{}", self.0.ip(), self.0.port())
    }
}

impl UserData for Addr {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::ToString, |_, a, ()| Ok(a.text()));
        methods.add_meta_method(MetaMethod::Eq, |_, a, other: Value| {
            Ok(matches!(other, Value::UserData(u) if u.borrow::<Addr>().is_ok_and(|b| *b == *a)))
        });
    }
}

/// The port of `service`: a number, or one of the names wrk's URLs imply.
fn service_port(service: &str) -> Option<u16> {
    match service {
        "http" => Some(80),
        "https" => Some(443),
        s => s.parse().ok(),
    }
}

/// Resolves `host` and `service` to stream addresses, in the resolver's order.
pub(crate) fn resolve(host: &str, service: &str) -> Result<Vec<SocketAddr>, String> {
    let fail = |why: &str| format!("unable to resolve {host}:{service} {why}");
    let port = service_port(service).ok_or_else(|| fail("Servname not supported"))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| fail(&e.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(fail("no address"));
    }
    Ok(addrs)
}

/// `wrk.lookup(host, service)`: a table of addresses.
fn lookup(lua: &Lua, (host, service): (Value, Value)) -> mlua::Result<mlua::Table> {
    let text = |v: &Value| match v {
        Value::String(s) => Ok(s.to_string_lossy()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(mlua::Error::runtime(format!(
            "wrk.lookup: host and service must be strings, not {}",
            other.type_name()
        ))),
    };
    let addrs = resolve(&text(&host)?, &text(&service)?).map_err(mlua::Error::runtime)?;
    let table = lua.create_table()?;
    for (i, a) in addrs.into_iter().enumerate() {
        table.raw_set(i + 1, Addr(a))?;
    }
    Ok(table)
}

/// `wrk.connect(addr)`: whether a TCP connection to `addr` succeeds.
fn connect(_: &Lua, addr: mlua::UserDataRef<Addr>) -> mlua::Result<bool> {
    Ok(TcpStream::connect_timeout(&addr.0, CONNECT_TIMEOUT).is_ok())
}

/// Puts `lookup` and `connect` into the `wrk` table.
pub(crate) fn install(lua: &Lua, wrk: &mlua::Table) -> mlua::Result<()> {
    wrk.raw_set(
        "lookup",
        lua.create_function(|lua, args| lookup(lua, args).map_err(|e| located(lua, e)))?,
    )?;
    wrk.raw_set("connect", lua.create_function(connect)?)?;
    Ok(())
}
