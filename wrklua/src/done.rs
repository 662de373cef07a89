//! `done(summary, latency, requests)` in the main state, as wg/wrk src/script.c
//! `script_summary`, `script_errors` and `script_done` build its arguments: the summary table
//! (duration in µs, requests, bytes, errors), and the latency and requests histograms as
//! [`crate::stats`] userdata. The script's `print` and `io.write` go to the given writer while
//! `done` runs (stdout for the wrk personality, a buffer in tests).

use crate::error::{lua_error, LuaError};
use crate::stats::Stats;
use hdrhistogram::Histogram;
use mlua::{Lua, Table, Value, Variadic};
use std::cell::RefCell;
use std::io::Write;

/// wrk's `summary` table for `done()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Run duration in microseconds.
    pub duration_us: u64,
    pub requests: u64,
    pub bytes: u64,
    pub errors: SummaryErrors,
}

/// wrk's `summary.errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SummaryErrors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    /// Responses with a status above 399.
    pub status: u64,
    pub timeout: u64,
}

fn summary_table(lua: &Lua, s: &Summary) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("duration", s.duration_us)?;
    t.set("requests", s.requests)?;
    t.set("bytes", s.bytes)?;
    let e = lua.create_table()?;
    e.set("connect", s.errors.connect)?;
    e.set("read", s.errors.read)?;
    e.set("write", s.errors.write)?;
    e.set("status", s.errors.status)?;
    e.set("timeout", s.errors.timeout)?;
    t.set("errors", e)?;
    Ok(t)
}

/// A number as Lua's `io.write` writes it ("%.14g").
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Calls `done` (when the script has one) with `print` and `io.write` writing to `out`.
pub(crate) fn call_done(
    lua: &Lua,
    out: &mut dyn Write,
    summary: &Summary,
    latency: &Histogram<u64>,
    requests: &Histogram<u64>,
) -> Result<(), LuaError> {
    let globals = lua.globals();
    let done = match globals.get::<Value>("done").map_err(lua_error)? {
        Value::Function(f) => f,
        _ => return Ok(()),
    };
    let io: Option<Table> = globals.get("io").map_err(lua_error)?;
    let old_print: Value = globals.get("print").map_err(lua_error)?;
    let old_write: Option<Value> = match &io {
        Some(io) => Some(io.get("write").map_err(lua_error)?),
        None => None,
    };
    let out = RefCell::new(out);
    let io_err = |e: std::io::Error| mlua::Error::runtime(format!("cannot write: {e}"));
    let result = lua.scope(|scope| {
        let print = scope.create_function(|lua, args: Variadic<Value>| {
            let tostring: mlua::Function = lua.globals().get("tostring")?;
            let mut out = out.borrow_mut();
            for (i, v) in args.iter().enumerate() {
                if i > 0 {
                    out.write_all(b"\t").map_err(io_err)?;
                }
                let s: mlua::String = tostring.call(v.clone())?;
                out.write_all(&s.as_bytes()).map_err(io_err)?;
            }
            out.write_all(b"\n").map_err(io_err)
        })?;
        let write = scope.create_function(|_, args: Variadic<Value>| {
            let mut out = out.borrow_mut();
            for (i, v) in args.iter().enumerate() {
                match v {
                    Value::String(s) => out.write_all(&s.as_bytes()),
                    Value::Integer(n) => out.write_all(n.to_string().as_bytes()),
                    Value::Number(n) => out.write_all(number_text(*n).as_bytes()),
                    other => {
                        return Err(mlua::Error::runtime(format!(
                            "bad argument #{} to 'write' (string expected, got {})",
                            i + 1,
                            other.type_name()
                        )))
                    }
                }
                .map_err(io_err)?;
            }
            Ok(())
        })?;
        globals.set("print", print)?;
        if let Some(io) = &io {
            io.set("write", write)?;
        }
        let lat = lua.create_userdata(Stats(latency.clone()))?;
        let req = lua.create_userdata(Stats(requests.clone()))?;
        done.call::<()>((summary_table(lua, summary)?, lat, req))
    });
    globals.set("print", old_print).map_err(lua_error)?;
    if let (Some(io), Some(w)) = (&io, old_write) {
        io.set("write", w).map_err(lua_error)?;
    }
    out.into_inner()
        .flush()
        .map_err(|e| LuaError(format!("cannot write: {e}")))?;
    result.map_err(lua_error)
}
