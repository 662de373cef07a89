//! `tfw-bench wrk ARGS...` (or a link named `wrk`): wrk's command line, wrk's output, wrk's
//! exit statuses (github:wg/wrk src/wrk.c `main`, commit
//! a211dd5a7050b1f9e8a9870b95513060e72ac4a0), run by tfw-bench's engine.
//!
//! The steps follow wrk's order, each failure with wrk's message: options ([`opts`]; the
//! usage and exit 1), the name (`unable to resolve HOST:SERVICE ...`), a first connect
//! (`unable to connect to HOST:SERVICE ...`), the script (its error, exit 1), then the
//! header, the run, the report ([`tfw_reports::drop_in::wrk`]) and the script's `done()`.
//! An interrupted run (SIGINT) prints its report and exits 0, as wrk does.
//!
//! The plan: HTTP/1.1 keep-alive (TLS for https://, no certificate check and no ALPN, as
//! wrk), `-t` workers pinned round-robin over the CPUs this process may use (a CPU takes more
//! than one worker when `-t` exceeds them), `-c / -t` connections per worker (wrk's integer
//! division: `-c 10 -t 3` opens 9), `-d` whole seconds, `--timeout`, and 100 ms intervals
//! (wrk's `RECORD_INTERVAL_MS`) for the Req/Sec samples; every response is stamped as it
//! arrives (no batching of completions: wrk's latencies are tens of microseconds on
//! loopback). `--timeout` is the engine's: a request without its response for that long is
//! a timeout error and its connection is opened again (wrk counts a late response as a
//! timeout and keeps waiting). With `-s`: the script's batch, split
//! into its requests and sent in order with as many in flight as the batch has (pipelined),
//! when it has no `request()`; its hooks in the plan when it has `request()`, `response()` or
//! `delay()`.
//!
//! What wrk would do but tfw-bench cannot is refused by name: a scheme other than http and
//! https, `--timeout 0`, a duration over a year.

pub mod opts;
pub mod request;

use crate::run_doc;
use anyhow::{anyhow, bail, Context, Result};
use opts::{Refused, WrkOpts, USAGE};
use std::ffi::OsString;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use tfw_engine::cpu;
use tfw_engine::plan::{IoMode, LoadPlan, Pacing, Protocol, StopCondition};
use tfw_engine::proto::tls::{TlsSettings, TlsVersions};
use tfw_reports::drop_in::wrk as printer;
use tfw_scenarios::Scheme;
use tfw_wrklua::{ScriptTarget, Summary, SummaryErrors, WrkScript};

/// wrk's `RECORD_INTERVAL_MS`.
const RECORD_INTERVAL: Duration = Duration::from_millis(100);

/// The environment variable that asks for the JSON document when `--tfw-json` is not given.
pub const JSON_ENV: &str = "TFW_BENCH_JSON";

/// Runs wrk's command line `args`; the exit status.
pub fn run(args: Vec<OsString>, stop: Arc<AtomicBool>) -> i32 {
    let mut text = Vec::with_capacity(args.len());
    for a in args {
        match a.into_string() {
            Ok(s) => text.push(s),
            Err(a) => {
                eprintln!("tfw-bench wrk: argument {a:?} is not UTF-8");
                return 1;
            }
        }
    }
    let parsed = opts::parse(&text);
    out(&parsed.stdout);
    let o = match parsed.result {
        Ok(o) => o,
        Err(Refused(msg)) => {
            if let Some(m) = msg {
                eprintln!("{m}");
            }
            out(USAGE);
            return 1;
        }
    };
    match go(o, stop) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e:#}");
            1
        }
    }
}

/// Writes to stdout; a closed stdout (`| head -1`) is not an error worth a panic.
fn out(text: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(text.as_bytes());
    let _ = o.flush();
}

/// A failure printed as is (wrk's own words), as opposed to tfw-bench's refusals.
fn wrk_says(msg: String) -> anyhow::Error {
    anyhow!(msg)
}

/// `strerror`'s words from an I/O error (without Rust's " (os error N)").
fn c_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = s
        .strip_prefix("failed to lookup address information: ")
        .unwrap_or(&s);
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// wrk's `script_resolve`: the addresses of the host, the first one that takes a connect.
fn resolve(o: &WrkOpts) -> Result<SocketAddr> {
    let t = &o.target;
    let service = request::service(&o.url, t);
    let addrs: Vec<SocketAddr> = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(|e| {
            wrk_says(format!(
                "unable to resolve {}:{service} {}",
                t.host,
                c_message(&e)
            ))
        })?
        .collect();
    let wait =
        Duration::from_millis(o.timeout_ms).clamp(Duration::from_secs(1), Duration::from_secs(10));
    let mut last = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, wait) {
            Ok(_) => return Ok(*a),
            Err(e) => last = Some(e),
        }
    }
    let why = last.map_or_else(|| "no address".to_string(), |e| c_message(&e));
    Err(wrk_says(format!(
        "unable to connect to {}:{service} {why}",
        t.host
    )))
}

/// What tfw-bench cannot do of a command line wrk takes.
fn refusals(o: &WrkOpts) -> Result<()> {
    if let Some(s) = &o.other_scheme {
        bail!("tfw-bench wrk: the URL scheme {s}:// is not supported (http:// and https:// are)");
    }
    if o.timeout_ms == 0 {
        bail!("tfw-bench wrk: --timeout 0 is not supported (every response would be late)");
    }
    if o.duration > 365 * 86_400 {
        bail!(
            "tfw-bench wrk: -d {}s is not supported (at most a year)",
            o.duration
        );
    }
    if o.timeout_ms > 365 * 86_400_000 {
        bail!(
            "tfw-bench wrk: --timeout {}s is not supported (at most a year)",
            o.timeout_ms / 1000
        );
    }
    if o.threads > u64::from(u32::MAX) || o.connections > u64::from(u32::MAX) {
        bail!(
            "tfw-bench wrk: -t {} -c {}: too many",
            o.threads,
            o.connections
        );
    }
    Ok(())
}

/// A loaded `-s` script and how the plan uses it.
struct Loaded {
    script: WrkScript,
}

fn load_script(o: &WrkOpts, headers: &[(String, String)]) -> Result<Option<Loaded>> {
    let Some(path) = &o.script else {
        return Ok(None);
    };
    let t = &o.target;
    let target = ScriptTarget {
        scheme: t.scheme.as_str().to_string(),
        host: t.host.clone(),
        port: t.port,
        path: t.path_and_query.clone(),
        headers: headers.to_vec(),
    };
    let script = WrkScript::load(Path::new(path), &target, &o.script_args, o.threads as usize)
        .map_err(|e| wrk_says(e.0))?;
    Ok(Some(Loaded { script }))
}

fn plan(
    o: &WrkOpts,
    addr: SocketAddr,
    headers: &[(String, String)],
    script: Option<&Loaded>,
) -> Result<LoadPlan> {
    let allowed = cpu::allowed_cpus();
    if allowed.is_empty() {
        bail!("tfw-bench wrk: no CPU is available to run threads on");
    }
    let cpus: Vec<usize> = (0..o.threads as usize)
        .map(|i| allowed[i % allowed.len()])
        .collect();
    let workers = cpus.len() as u32;
    let conns = (o.connections / o.threads * o.threads) as u32;
    let mut requests = request::single(request::build(&o.url, &o.target, headers));
    let mut pipeline = 1;
    let mut hooks = None;
    if let Some(Loaded { script }) = script {
        let wants = script.wants();
        pipeline = script.pipeline().max(1);
        if !wants.request {
            let (bytes, heads) = script.static_request().map_err(|e| wrk_says(e.0))?;
            requests = request::batch(&bytes, &heads).map_err(|e| anyhow!("tfw-bench wrk: {e}"))?;
            pipeline = requests.entries.len() as u32;
        }
        if wants.request || wants.response || wants.delay {
            hooks = Some(script.factory());
        }
    }
    let tls = match o.target.scheme {
        Scheme::Http => None,
        Scheme::Https => {
            let tls = TlsSettings {
                versions: TlsVersions::Both,
                ciphers: Vec::new(),
                curves: Vec::new(),
                tickets: true,
                server_name: o.target.host.clone(),
                roots: None,
                alpn: Vec::new(),
                keylog: None,
            };
            tfw_engine::proto::tls::client_config(&tls).context("tfw-bench wrk: TLS")?;
            Some(tls)
        }
    };
    Ok(LoadPlan {
        target_name: o.url.clone(),
        target: addr,
        conns,
        cpus,
        requests,
        pipeline,
        protocol: Protocol::Http1,
        tls,
        timeout: Duration::from_millis(o.timeout_ms),
        stop: StopCondition {
            duration: Duration::from_secs(o.duration),
            responses: None,
        },
        pacing: Pacing::ClosedLoop {
            batch_wait: Duration::ZERO,
        },
        io: IoMode::Auto,
        source_addrs: Vec::new(),
        connect_window: (512 / workers).max(1),
        interval: RECORD_INTERVAL,
        warmup: Duration::ZERO,
        ramp_up: Duration::ZERO,
        script: hooks,
    })
}

fn go(o: WrkOpts, stop: Arc<AtomicBool>) -> Result<i32> {
    refusals(&o)?;
    let (headers, dropped) = request::headers(&o.headers);
    for h in dropped {
        eprintln!("tfw-bench wrk: -H {h:?} ignored, as wrk does: a header is \"Name: value\"");
    }
    let json = o
        .tfw_json
        .clone()
        .or_else(|| std::env::var_os(JSON_ENV).map(PathBuf::from));
    let addr = resolve(&o)?;
    let script = load_script(&o, &headers)?;
    let plan = plan(&o, addr, &headers, script.as_ref())?;
    if let Some(path) = &json {
        // Find out now, not after the run, that the document cannot be written.
        run_doc::write_atomically(path, b"")
            .with_context(|| format!("tfw-bench wrk: cannot write {}", path.display()))?;
    }
    let run = printer::WrkRun {
        url: &o.url,
        threads: o.threads,
        connections: o.connections,
        duration_s: o.duration,
    };
    out(&printer::header(&run));
    let started = std::time::SystemTime::now();
    let result = tfw_engine::run_load(&plan, stop, &mut |_| {}).map_err(|e| match e {
        tfw_engine::EngineError::Unreachable { error, .. } => wrk_says(format!(
            "unable to connect to {}:{} {}",
            o.target.host,
            request::service(&o.url, &o.target),
            c_message(&error)
        )),
        // The engine's words name stress's option; wrk's is -c.
        other => anyhow!(
            "tfw-bench wrk: {}",
            other.to_string().replace("--conns", "-c")
        ),
    })?;
    if result.script_error.is_none() {
        out(&printer::report(&result, o.threads, o.latency));
    }
    if let Some(path) = &json {
        let doc = run_doc::load_doc(&result, settings_json(&o, &plan), started);
        run_doc::write_doc(path, &doc)
            .with_context(|| format!("tfw-bench wrk: cannot write {}", path.display()))?;
    }
    if let Some(e) = &result.script_error {
        // wrk stops at a script's error; the figures so far are in the JSON only.
        return Err(wrk_says(e.clone()));
    }
    if let Some(Loaded { script }) = &script {
        let e = printer::errors(&result);
        let c = &result.totals.counters;
        let summary = Summary {
            duration_us: result.elapsed.as_micros() as u64,
            requests: c.responses,
            bytes: c.bytes_read,
            errors: SummaryErrors {
                connect: e.connect,
                read: e.read,
                write: e.write,
                status: e.status,
                timeout: e.timeout,
            },
        };
        let requests = printer::requests_histogram(&result, o.threads);
        script
            .done(&summary, &result.totals.latency, &requests)
            .map_err(|e| wrk_says(e.0))?;
    }
    Ok(0)
}

/// The run's settings for the JSON document, in wrk's terms.
fn settings_json(o: &WrkOpts, plan: &LoadPlan) -> serde_json::Value {
    serde_json::json!({
        "personality": "wrk",
        "url": o.url,
        "threads": o.threads,
        "connections": o.connections,
        "connections_opened": plan.conns,
        "duration_s": o.duration,
        "timeout_ms": o.timeout_ms,
        "headers": o.headers,
        "latency": o.latency,
        "script": o.script,
        "script_args": o.script_args,
        "cpus": plan.cpus,
        "pipeline": plan.pipeline,
        "protocol": plan.protocol_name(),
    })
}

#[cfg(test)]
mod tests;
