//! wrk's Lua scripting API for tfw-bench's `wrk` personality: `setup`, `init`, `request`,
//! `response`, `delay` and `done`, the `wrk` table (`wrk.format`, `wrk.lookup`,
//! `wrk.connect`, ...) and the `thread` userdata, as wg/wrk defines them at commit
//! a211dd5a7050b1f9e8a9870b95513060e72ac4a0 (src/script.c, src/wrk.lua, src/wrk.c; the code
//! here is written anew, the behaviour follows those files).
//!
//! The Lua is LuaJIT (as wrk's), embedded through the mlua crate (features `luajit`,
//! `vendored`), with its safe standard libraries (`ffi` and `debug` are not opened). As in
//! wrk there is one state per thread plus the main state where `setup()` and `done()` run.
//!
//! [`WrkScript::load`] follows wrk's start (src/wrk.c `main`): the main state and one state
//! per thread are made, `setup(thread)` runs in the main state for each thread, then
//! `init(args)` in the thread's state (`args[0]` is the URL, `args[1]`... the arguments after
//! it), and thread 0's first `request()` is checked and counted: that count is the pipeline
//! depth (wrk's `script_verify_request`). Where this differs from wrk:
//!
//! - a script that fails to load stops the run (wrk prints `path: error` and runs without
//!   it); an error in `setup`, `init`, `request`, `response`, `delay` or `done` is an error
//!   with its `path:LINE:` (wrk aborts with a Lua PANIC);
//! - every `request()` batch is checked, not only the first;
//! - the target is looked up at load (`wrk.addrs`) but not connected to: connection errors are
//!   the run's; `thread.addr` may only be set to one of the target's addresses and
//!   `thread:stop()` is refused (one target per run, no per-worker stop);
//! - `wrk.port` is nil when the URL's port is its scheme's default (80 for http, 443 for
//!   https), as when a URL has no port ([`ScriptTarget`] always has one).

mod addr;
mod batch;
mod done;
mod error;
mod state;
mod stats;
mod thread;
mod value;
mod worker;

pub use done::{Summary, SummaryErrors};
pub use error::LuaError;

use error::lua_error;
use hdrhistogram::Histogram;
use mlua::{Lua, Value};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use tfw_engine::script::{ScriptFactory, ScriptWants};
use thread::{Shared, ThreadHandle};

/// What the script's `wrk` table starts with (wrk's `wrk.scheme`, `wrk.host`, `wrk.port`,
/// `wrk.path`, `wrk.headers` from `-H`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptTarget {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Path and query, e.g. "/index.html?a=1".
    pub path: String,
    /// `-H` headers in order.
    pub headers: Vec<(String, String)>,
}

impl ScriptTarget {
    /// `wrk.port`: None for the scheme's default port.
    fn lua_port(&self) -> Option<String> {
        let default = match self.scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        };
        (default != Some(self.port)).then(|| self.port.to_string())
    }

    /// The URL (wrk's `args[0]`).
    fn url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.lua_port() {
            Some(port) => format!("{}://{host}:{port}{}", self.scheme, self.path),
            None => format!("{}://{host}{}", self.scheme, self.path),
        }
    }
}

/// A loaded script: the main state (where `setup` and `done` run) and what each worker's
/// state is made from.
pub struct WrkScript {
    main: Lua,
    shared: Arc<Shared>,
    wants: ScriptWants,
    pipeline: u32,
    /// Thread 0's first batch and its HEAD flags.
    first: (Vec<u8>, Vec<bool>),
}

/// Whether global `name` of `lua` is a function.
fn is_function(lua: &Lua, name: &str) -> Result<bool, LuaError> {
    let v: Value = lua.globals().get(name).map_err(lua_error)?;
    Ok(matches!(v, Value::Function(_)))
}

impl WrkScript {
    /// Loads `path` for a run of `threads` threads against `target`; `args` are the
    /// arguments after the URL (`init(args)`). Calls `setup(thread)` once per thread.
    pub fn load(
        path: &Path,
        target: &ScriptTarget,
        args: &[String],
        threads: usize,
    ) -> Result<WrkScript, LuaError> {
        let shown = path.display().to_string();
        let source = std::fs::read(path)
            .map_err(|e| LuaError(format!("{shown}: cannot open {shown}: {e}")))?;
        if threads == 0 {
            return Err(LuaError("a script needs at least one thread".into()));
        }
        let addrs = addr::resolve(&target.host, &target.port.to_string()).map_err(LuaError)?;
        let env = state::Env {
            path: shown,
            source,
            scheme: target.scheme.clone(),
            host: target.host.clone(),
            port: target.lua_port(),
            path_query: target.path.clone(),
            headers: target.headers.clone(),
            addrs: addrs.clone(),
        };
        let main = state::create(&env)?;
        let shared = Arc::new(Shared::new(threads, addrs));
        let mut url_args = Vec::with_capacity(args.len() + 1);
        url_args.push(target.url());
        url_args.extend(args.iter().cloned());

        let mut wants = ScriptWants::default();
        let mut first = (Vec::new(), Vec::new());
        let mut pipeline = 0;
        for index in 0..threads {
            let lua = state::create(&env)?;
            let own = ThreadHandle {
                shared: shared.clone(),
                index,
                own: true,
            };
            state::wrk_table(&lua)
                .and_then(|w| w.set("thread", own))
                .map_err(lua_error)?;
            shared.put(index, lua);
            let handle = ThreadHandle {
                shared: shared.clone(),
                index,
                own: false,
            };
            state::wrk_table(&main)
                .and_then(|w| w.get::<mlua::Function>("setup"))
                .and_then(|setup| setup.call::<()>(handle))
                .map_err(lua_error)?;
            let lua = shared
                .take(index)
                .ok_or_else(|| LuaError(format!("thread {index} lost its Lua state")))?;
            let init = || -> mlua::Result<()> {
                let t = lua.create_table()?;
                for (i, a) in url_args.iter().enumerate() {
                    t.raw_set(i, a.as_str())?;
                }
                let init: mlua::Function = state::wrk_table(&lua)?.get("init")?;
                init.call(t)
            };
            init().map_err(lua_error)?;
            if index == 0 {
                wants = ScriptWants {
                    request: is_function(&lua, "request")?,
                    response: is_function(&lua, "response")?,
                    delay: is_function(&lua, "delay")?,
                };
                let count = worker::next_batch(&lua, &mut first.0, &mut first.1)
                    .map_err(|e| LuaError(e.0))?;
                pipeline = u32::try_from(count).unwrap_or(u32::MAX);
            }
            shared.put(index, lua);
        }
        Ok(WrkScript {
            main,
            shared,
            wants,
            pipeline,
            first,
        })
    }

    /// Which hooks the script has (`request`, `response`, `delay`).
    pub fn wants(&self) -> ScriptWants {
        self.wants
    }

    /// Requests per batch (wrk's pipeline depth: how many requests one `request()` returns).
    pub fn pipeline(&self) -> u32 {
        self.pipeline
    }

    /// How many threads the script was loaded for.
    pub fn thread_count(&self) -> usize {
        self.shared.threads()
    }

    /// The batch every connection sends when the script has no `request()`: `wrk.format()`
    /// after `init(args)`, built once; with one flag per request (true for HEAD).
    pub fn static_request(&self) -> Result<(Vec<u8>, Vec<bool>), LuaError> {
        if self.wants.request {
            return Err(LuaError(
                "the script has a request() function: its requests are not static".into(),
            ));
        }
        Ok(self.first.clone())
    }

    /// The per-worker scripts, for the plan (needed when `wants()` has any hook).
    pub fn factory(&self) -> Arc<dyn ScriptFactory> {
        Arc::new(worker::Factory {
            shared: self.shared.clone(),
            wants: self.wants,
        })
    }

    /// Calls `done(summary, latency, requests)` when the script has it (its `print`s go to
    /// stdout); `latency` in microseconds, `requests` the per-thread requests/s samples.
    pub fn done(
        &self,
        summary: &Summary,
        latency: &Histogram<u64>,
        requests: &Histogram<u64>,
    ) -> Result<(), LuaError> {
        self.done_to(&mut std::io::stdout().lock(), summary, latency, requests)
    }

    /// [`WrkScript::done`] with the script's `print` and `io.write` going to `out`.
    pub fn done_to(
        &self,
        out: &mut dyn Write,
        summary: &Summary,
        latency: &Histogram<u64>,
        requests: &Histogram<u64>,
    ) -> Result<(), LuaError> {
        done::call_done(&self.main, out, summary, latency, requests)
    }
}
