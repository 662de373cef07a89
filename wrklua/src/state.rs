//! Making one Lua state as wrk's `script_create` does (wg/wrk src/script.c): the standard
//! libraries, the `wrk` table (`require "wrk"` gives it too) with the target's scheme, host,
//! port and path and the `-H` headers, `wrk.lookup` and `wrk.connect`, then the script run
//! once, its chunk named by its path so that errors read `path:LINE: message`.

use crate::addr::{self, Addr};
use crate::error::{lua_error, message, LuaError};
use mlua::{Lua, LuaOptions, StdLib, Table};
use std::net::SocketAddr;

/// The `wrk` table's Lua side (format, init, setup, resolve).
const PRELUDE: &str = include_str!("prelude.lua");

/// What every state of one run is made from.
pub(crate) struct Env {
    /// The script's path as given (names the chunk and prefixes load errors, as wrk does).
    pub(crate) path: String,
    pub(crate) source: Vec<u8>,
    pub(crate) scheme: String,
    pub(crate) host: String,
    /// None when the URL's port is the scheme's default (wrk's `wrk.port` is nil then).
    pub(crate) port: Option<String>,
    pub(crate) path_query: String,
    pub(crate) headers: Vec<(String, String)>,
    /// The target's addresses (`wrk.addrs` in the main state).
    pub(crate) addrs: Vec<SocketAddr>,
}

/// The `wrk` table of `lua`.
pub(crate) fn wrk_table(lua: &Lua) -> mlua::Result<Table> {
    lua.globals().get("wrk")
}

fn build(lua: &Lua, env: &Env) -> mlua::Result<()> {
    let wrk = lua.create_table()?;
    addr::install(lua, &wrk)?;
    lua.load(PRELUDE).set_name("=wrk").call::<()>(wrk.clone())?;
    wrk.set("scheme", env.scheme.as_str())?;
    wrk.set("host", env.host.as_str())?;
    wrk.set("port", env.port.as_deref())?;
    wrk.set("path", env.path_query.as_str())?;
    let headers: Table = wrk.get("headers")?;
    for (name, value) in &env.headers {
        headers.set(name.as_str(), value.as_str())?;
    }
    let addrs = lua.create_table()?;
    for (i, a) in env.addrs.iter().enumerate() {
        addrs.raw_set(i + 1, Addr(*a))?;
    }
    wrk.set("addrs", addrs)?;
    let loaded: Table = lua.globals().get::<Table>("package")?.get("loaded")?;
    loaded.set("wrk", wrk.clone())?;
    lua.globals().set("wrk", wrk)?;
    Ok(())
}

/// A new state with the script loaded and run.
pub(crate) fn create(env: &Env) -> Result<Lua, LuaError> {
    let lua = Lua::new_with(StdLib::ALL_SAFE, LuaOptions::default()).map_err(lua_error)?;
    build(&lua, env).map_err(lua_error)?;
    lua.load(&env.source[..])
        .set_name(format!("@{}", env.path))
        .exec()
        .map_err(|e| LuaError(format!("{}: {}", env.path, message(&e))))?;
    Ok(lua)
}
