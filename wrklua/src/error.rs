//! The crate's errors and the one place where mlua's errors become wrk's messages: a Lua error
//! reads `path:LINE: message` (the chunk is named by the script's path), without mlua's
//! "runtime error:" prefixes or Rust-side tracebacks.

use mlua::Lua;
use thiserror::Error;

/// A script that cannot be loaded or failed: the message as wrk prints it (with the file
/// and line of a Lua error).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct LuaError(pub String);

/// The message of a Lua error as Lua itself words it.
pub(crate) fn message(err: &mlua::Error) -> String {
    match err {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(m) | mlua::Error::MemoryError(m) => without_traceback(m),
        mlua::Error::CallbackError { cause, .. } => message(cause),
        mlua::Error::WithContext { context, cause } => format!("{context}: {}", message(cause)),
        mlua::Error::BadArgument { to, pos, cause, .. } => match to {
            Some(to) => format!("bad argument #{pos} to '{to}': {}", message(cause)),
            None => format!("bad argument #{pos}: {}", message(cause)),
        },
        other => other.to_string(),
    }
}

/// `m` without the stack traceback mlua's message handler appends (wrk prints none).
fn without_traceback(m: &str) -> String {
    m.split("\nstack traceback:")
        .next()
        .unwrap_or(m)
        .to_string()
}

/// A Lua error as a [`LuaError`].
pub(crate) fn lua_error(err: mlua::Error) -> LuaError {
    LuaError(message(&err))
}

/// `err` (raised by a Rust function called from Lua) with the position of the Lua code that
/// called it, "script.lua:12: ", as Lua's own `error` adds its caller's position.
pub(crate) fn located(lua: &Lua, err: mlua::Error) -> mlua::Error {
    match err {
        mlua::Error::RuntimeError(m) => {
            let at = lua
                .inspect_stack(1)
                .and_then(|d| {
                    let line = d.curr_line();
                    let src = d.source().short_src?.into_owned();
                    (line > 0).then(|| format!("{src}:{line}: "))
                })
                .unwrap_or_default();
            mlua::Error::RuntimeError(format!("{at}{m}"))
        }
        other => other,
    }
}
