//! The per-thread Lua states and wrk's `thread` userdata over them (wg/wrk src/script.c
//! `script_thread_index`, `script_thread_newindex`, `script_thread_get`, `script_thread_set`).
//!
//! As in wrk, every thread's state is made at load, in the main thread: `setup(thread)` in the
//! main state reaches it through `thread:get`/`thread:set`, then `init(args)` runs in it. A
//! worker takes its state for the run and puts it back when it finishes, so that `done()`
//! reads, through `thread:get`, the globals the thread ended with. `thread.addr` reads the
//! thread's address; assigning one that is not the run's target is refused (the engine has
//! one target per run), and so is `thread:stop()` (the engine has no way to stop one worker).

use crate::addr::Addr;
use crate::error::located;
use crate::value::Plain;
use mlua::{AnyUserData, Lua, MetaMethod, UserData, UserDataMethods, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// One thread's state and address.
struct Slot {
    /// None while a worker runs it.
    lua: Option<Lua>,
    addr: SocketAddr,
}

/// The threads' states, shared by the main state's `thread` handles and the factory.
pub(crate) struct Shared {
    slots: Vec<Mutex<Slot>>,
    /// The run's target addresses (what `thread.addr` may be set to).
    target: Vec<SocketAddr>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("threads", &self.slots.len())
            .field("target", &self.target)
            .finish()
    }
}

impl Shared {
    /// Room for `threads` states, each addressed to the first target address.
    pub(crate) fn new(threads: usize, target: Vec<SocketAddr>) -> Shared {
        let slots = (0..threads)
            .map(|_| {
                Mutex::new(Slot {
                    lua: None,
                    addr: target[0],
                })
            })
            .collect();
        Shared { slots, target }
    }

    pub(crate) fn threads(&self) -> usize {
        self.slots.len()
    }

    fn slot(&self, index: usize) -> MutexGuard<'_, Slot> {
        // A worker that panicked leaves its state out; the slot itself stays usable.
        self.slots[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Puts thread `index`'s state (back) in its place.
    pub(crate) fn put(&self, index: usize, lua: Lua) {
        self.slot(index).lua = Some(lua);
    }

    /// Takes thread `index`'s state out (None when out of range or already taken).
    pub(crate) fn take(&self, index: usize) -> Option<Lua> {
        if index >= self.slots.len() {
            return None;
        }
        self.slot(index).lua.take()
    }

    /// The address of thread `index`.
    pub(crate) fn addr(&self, index: usize) -> SocketAddr {
        self.slot(index).addr
    }
}

/// wrk's `thread` userdata: `setup()`'s argument in the main state, `wrk.thread` in a
/// thread's own state (`own`: it works on the state that calls it).
pub(crate) struct ThreadHandle {
    pub(crate) shared: Arc<Shared>,
    pub(crate) index: usize,
    pub(crate) own: bool,
}

impl ThreadHandle {
    /// Runs `f` on the thread's state: the caller's own for `wrk.thread`, else the slot's.
    fn with_state<R>(
        &self,
        caller: &Lua,
        f: impl FnOnce(&Lua) -> mlua::Result<R>,
    ) -> mlua::Result<R> {
        if self.own {
            return f(caller);
        }
        let slot = self.shared.slot(self.index);
        match &slot.lua {
            Some(lua) => f(lua),
            None => Err(mlua::Error::runtime(format!(
                "thread {} is running: its values can be read after the run",
                self.index
            ))),
        }
    }

    fn get(&self, caller: &Lua, name: &mlua::String) -> mlua::Result<Value> {
        let name = name.as_bytes().to_vec();
        let plain = self.with_state(caller, |lua| {
            let v: Value = lua.globals().get(lua.create_string(&name)?)?;
            Plain::from_lua(&v)
        })?;
        plain.to_lua(caller)
    }

    fn set(&self, caller: &Lua, name: &mlua::String, value: &Value) -> mlua::Result<()> {
        let name = name.as_bytes().to_vec();
        let plain = Plain::from_lua(value)?;
        self.with_state(caller, |lua| {
            lua.globals()
                .set(lua.create_string(&name)?, plain.to_lua(lua)?)
        })
    }

    fn set_addr(&self, value: &Value) -> mlua::Result<()> {
        let addr = match value {
            Value::UserData(u) => u.borrow::<Addr>().map(|a| a.0).ok(),
            _ => None,
        };
        let Some(addr) = addr else {
            return Err(mlua::Error::runtime(format!(
                "thread.addr must be an address from wrk.lookup, not a {}",
                value.type_name()
            )));
        };
        if !self.shared.target.contains(&addr) {
            let target: Vec<String> = self.shared.target.iter().map(|a| a.to_string()).collect();
            return Err(mlua::Error::runtime(format!(
                "thread.addr = {}: tfw-bench sends a run to one target ({})",
                Addr(addr).text(),
                target.join(", ")
            )));
        }
        self.shared.slot(self.index).addr = addr;
        Ok(())
    }
}

/// The name argument of `thread:get`/`thread:set`.
fn name_of(v: &Value) -> mlua::Result<mlua::String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(mlua::Error::runtime(format!(
            "a thread value's name must be a string, not a {}",
            other.type_name()
        ))),
    }
}

impl UserData for ThreadHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Index, |lua, t, key: Value| {
            let key = match &key {
                Value::String(k) => k.to_string_lossy(),
                _ => return Ok(Value::Nil),
            };
            Ok(match key.as_str() {
                "get" => Value::Function(lua.create_function(
                    |lua, (ud, name): (AnyUserData, Value)| {
                        let get = || ud.borrow::<ThreadHandle>()?.get(lua, &name_of(&name)?);
                        get().map_err(|e| located(lua, e))
                    },
                )?),
                "set" => Value::Function(lua.create_function(
                    |lua, (ud, name, value): (AnyUserData, Value, Value)| {
                        let set = || {
                            ud.borrow::<ThreadHandle>()?
                                .set(lua, &name_of(&name)?, &value)
                        };
                        set().map_err(|e| located(lua, e))
                    },
                )?),
                "stop" => Value::Function(lua.create_function(|lua, _: AnyUserData| {
                    Err::<(), _>(located(
                        lua,
                        mlua::Error::runtime(
                            "thread:stop() is not supported by tfw-bench (a run ends by -d or Ctrl-C)",
                        ),
                    ))
                })?),
                "addr" => Value::UserData(lua.create_userdata(Addr(t.shared.addr(t.index)))?),
                _ => Value::Nil,
            })
        });
        methods.add_meta_method(
            MetaMethod::NewIndex,
            |lua, t, (key, value): (Value, Value)| {
                let result = match &key {
                    Value::String(k) if k.as_bytes() == b"addr" => t.set_addr(&value),
                    _ => Err(mlua::Error::runtime(format!(
                        "cannot set '{}' on thread",
                        key.to_string().unwrap_or_default()
                    ))),
                };
                result.map_err(|e| located(lua, e))
            },
        );
    }
}
