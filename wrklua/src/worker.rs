//! The engine's hooks over one thread's Lua state: `request()` (or wrk's default
//! `wrk.request`) for each batch, `response(status, headers, body)`, `delay()`, as wg/wrk
//! src/script.c `script_request`, `script_response`, `script_delay` call them. Each batch is
//! checked and counted ([`crate::batch`]); the state goes back to the factory when the worker
//! finishes, for `thread:get` in `done()`.

use crate::batch;
use crate::error::message;
use crate::thread::Shared;
use mlua::{Function, Lua, Value};
use std::sync::Arc;
use std::time::Duration;
use tfw_engine::script::{ScriptError, ScriptFactory, ScriptWants, WorkerScript};

fn script_error(err: mlua::Error) -> ScriptError {
    ScriptError(message(&err))
}

/// The function global `name` holds, if it holds one.
fn global_function(lua: &Lua, name: &str) -> mlua::Result<Option<Function>> {
    Ok(match lua.globals().get::<Value>(name)? {
        Value::Function(f) => Some(f),
        _ => None,
    })
}

/// Calls `request()` (or `wrk.request()` when the script has none) in `lua`, appends its
/// batch to `out` and one HEAD flag per request to `heads`; returns how many requests.
pub(crate) fn next_batch(
    lua: &Lua,
    out: &mut Vec<u8>,
    heads: &mut Vec<bool>,
) -> Result<usize, ScriptError> {
    let f = match global_function(lua, "request").map_err(script_error)? {
        Some(f) => f,
        None => crate::state::wrk_table(lua)
            .and_then(|w| w.get::<Function>("request"))
            .map_err(script_error)?,
    };
    let batch = match f.call::<Value>(()).map_err(script_error)? {
        Value::String(s) => s,
        other => {
            return Err(ScriptError(format!(
                "request() returned a malformed request: a {}, not a string",
                other.type_name()
            )))
        }
    };
    let (start, heads_start) = (out.len(), heads.len());
    out.extend_from_slice(&batch.as_bytes());
    batch::scan(&out[start..], heads).map_err(|e| {
        out.truncate(start);
        heads.truncate(heads_start);
        ScriptError(e)
    })
}

/// Makes each worker's script from the thread states made at load.
#[derive(Debug)]
pub(crate) struct Factory {
    pub(crate) shared: Arc<Shared>,
    pub(crate) wants: ScriptWants,
}

impl ScriptFactory for Factory {
    fn wants(&self) -> ScriptWants {
        self.wants
    }

    fn worker(&self, index: usize, workers: usize) -> Result<Box<dyn WorkerScript>, ScriptError> {
        let threads = self.shared.threads();
        if index >= threads {
            return Err(ScriptError(format!(
                "worker {index} of {workers}: the script was loaded for {threads} threads"
            )));
        }
        let lua = self.shared.take(index).ok_or_else(|| {
            ScriptError(format!("the Lua state of thread {index} is already in use"))
        })?;
        Ok(Box::new(Worker {
            lua: Some(lua),
            shared: self.shared.clone(),
            index,
        }))
    }
}

/// One worker's script: its thread's state until `finish`.
struct Worker {
    lua: Option<Lua>,
    shared: Arc<Shared>,
    index: usize,
}

impl Worker {
    fn lua(&self) -> Result<&Lua, ScriptError> {
        self.lua
            .as_ref()
            .ok_or_else(|| ScriptError(format!("thread {} has finished", self.index)))
    }
}

impl WorkerScript for Worker {
    fn request(&mut self, out: &mut Vec<u8>, heads: &mut Vec<bool>) -> Result<(), ScriptError> {
        next_batch(self.lua()?, out, heads).map(|_| ())
    }

    fn response(
        &mut self,
        status: u16,
        headers: &[(&[u8], &[u8])],
        body: &[u8],
    ) -> Result<(), ScriptError> {
        let lua = self.lua()?;
        let call = || -> mlua::Result<()> {
            let Some(f) = global_function(lua, "response")? else {
                return Ok(());
            };
            let fields = lua.create_table_with_capacity(0, headers.len())?;
            for (name, value) in headers {
                fields.raw_set(lua.create_string(name)?, lua.create_string(value)?)?;
            }
            f.call((status, fields, lua.create_string(body)?))
        };
        call().map_err(script_error)
    }

    fn delay(&mut self) -> Result<Duration, ScriptError> {
        let lua = self.lua()?;
        let ms = match global_function(lua, "delay").map_err(script_error)? {
            Some(f) => match f.call::<Value>(()).map_err(script_error)? {
                Value::Integer(i) => i as f64,
                Value::Number(n) => n,
                Value::String(s) => s
                    .to_str()
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(0.0),
                _ => 0.0,
            },
            None => 0.0,
        };
        // wrk converts to an unsigned number of milliseconds.
        let ms = if ms.is_finite() && ms > 0.0 {
            ms.trunc()
        } else {
            0.0
        };
        Ok(Duration::from_millis(ms.min(u64::MAX as f64) as u64))
    }

    fn finish(&mut self) {
        if let Some(lua) = self.lua.take() {
            self.shared.put(self.index, lua);
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.finish();
    }
}
