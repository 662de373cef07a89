//! h2load's parsed options -> a validated `LoadPlan` and what the printer needs (each
//! thread's share, the timing-based run's phases), with h2load's checks and words (nghttp2
//! src/h2load.cc `main`, tag v1.52.0, commit be0491294a63d891bd12b6b1b7e372a45a5d0ffe).
//!
//! The mapping: -c connections, -t workers (several may share a CPU, as h2load's threads
//! do), -m HTTP/2 concurrent streams or HTTP/1.1 pipelining depth, -n responses to stop at,
//! -D the load phase and --warm-up-time the warmup, -w/-W the receive windows (2^N-1; the
//! connection window never below HTTP/2's initial 65,535), -N the time a request may wait for
//! its response. Several URIs: each connection sends their paths in turn (the first URI's
//! scheme, host and port, or -B's, for all). http:// is h2c by prior knowledge (or HTTP/1.1
//! with -p http/1.1 or --h1); https:// offers by ALPN the first of the ALPN list tfw-bench
//! speaks (h2 or http/1.1) — only that one, so the server cannot pick another.

use super::args::{Args, Clear};
use crate::cli::tls::{OnOff, TlsOpts};
use anyhow::{anyhow, bail, Result};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use tfw_engine::plan::{
    H2Settings, IoMode, LoadPlan, MixEntry, MixOrder, Pacing, Protocol, RequestMix,
    RequestTemplate, StopCondition,
};
use tfw_reports::drop_in::h2load::{split, ThreadShare, Timing};
use tfw_scenarios::{Scheme, Target};

/// h2load's TLS 1.2 and 1.3 suites by default, those rustls has (no DHE, no CCM): used for
/// the version whose list is not given when the other's is.
const DEFAULT_TLS12: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305";
const DEFAULT_TLS13: &str =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
const DEFAULT_ALPN: &str = "h2,h2-16,h2-14,http/1.1";

/// A run ready to go: the plan and what h2load's lines need.
pub struct Job {
    pub plan: LoadPlan,
    pub shares: Vec<ThreadShare>,
    pub timing: Option<Timing>,
    /// `-n` of a count-based run.
    pub asked: Option<u64>,
    /// The `-t` threads asked for exceed this machine's CPUs (h2load's warning).
    pub threads_warning: bool,
}

/// The URIs: from the command line, or from `-i` (one per line; `-` is standard input).
fn uris(a: &Args) -> Result<Vec<String>> {
    let Some(path) = &a.input_file else {
        return Ok(a.uris.clone());
    };
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut text).is_ok()
    } else {
        std::fs::read_to_string(path).map(|t| text = t).is_ok()
    };
    if !read {
        bail!("cannot read input file: {path}");
    }
    Ok(text.lines().map(str::to_string).collect())
}

/// The request line path of a URI after the first: a full URI's path and query, or a path.
fn path_of(uri: &str) -> Result<String> {
    if uri.starts_with('/') && uri.bytes().all(|b| b.is_ascii_graphic()) {
        return Ok(uri.to_string());
    }
    Target::parse(uri)
        .map(|t| t.path_and_query)
        .map_err(|_| anyhow!("invalid URI: {uri}"))
}

/// Splits an OpenSSL list (':' or ',' separated).
fn names(s: &str) -> Vec<String> {
    s.split([':', ','])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn job(a: &Args) -> Result<Job> {
    if a.uris.is_empty() && a.input_file.is_none() {
        bail!("no URI or input file given");
    }
    if a.clients == 0 {
        bail!("-c: the number of clients must be strictly greater than 0.");
    }
    let uris = uris(a)?;
    let Some(first) = uris.first() else {
        bail!("no URI available");
    };
    let base = a.base_uri.as_deref().unwrap_or(first);
    let target = Target::parse(base).map_err(|_| match &a.base_uri {
        Some(b) => anyhow!("--base-uri: invalid base URI: {b}"),
        None => anyhow!("invalid URI: {first}"),
    })?;
    let paths = uris
        .iter()
        .map(|u| path_of(u))
        .collect::<Result<Vec<_>>>()?;
    let timing = a.duration.map(|d| Timing {
        warm_up: a.warm_up.unwrap_or(Duration::ZERO),
        duration: d,
    });
    let n = a.requests.unwrap_or(1);
    if n == 0 && timing.is_none() {
        bail!("-n: the number of requests must be strictly greater than 0 if timing-based test is not being run.");
    }
    if a.streams == 0 {
        bail!("-m: the max concurrent streams must be strictly greater than 0.");
    }
    if a.threads == 0 {
        bail!("-t: the number of threads must be strictly greater than 0.");
    }
    let cpus_here = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    if timing.is_none() && n < a.clients {
        bail!("-n, -c: the number of requests must be greater than or equal to the clients.");
    }
    if a.clients < a.threads {
        bail!(
            "-c, -t: the number of clients must be greater than or equal to the number of threads."
        );
    }
    if timing.is_some_and(|t| t.duration.is_zero()) {
        bail!("-D: value error 0 (tfw-bench needs a main duration above zero)");
    }
    if a.warm_up.is_some() && timing.is_none() {
        bail!("--warm-up-time: needs -D (a timing-based test); not supported without it by tfw-bench's h2load");
    }
    let clients = u32::try_from(a.clients)
        .ok()
        .filter(|&c| c <= 1_000_000)
        .ok_or_else(|| anyhow!("-c: at most 1000000 clients in tfw-bench"))?;
    let body = match &a.data {
        Some(p) => {
            std::fs::read(p).map_err(|_| anyhow!("-d: Could not open file {}", p.display()))?
        }
        None => Vec::new(),
    };
    let https = target.scheme == Scheme::Https;
    let h2 = if https {
        let list = a
            .alpn
            .clone()
            .unwrap_or_else(|| DEFAULT_ALPN.split(',').map(str::to_string).collect());
        let pick = list
            .iter()
            .find(|p| matches!(p.as_str(), "h2" | "h2-16" | "h2-14" | "http/1.1"))
            .ok_or_else(|| {
                anyhow!(
                    "--alpn-list: none of {} is h2 or http/1.1, the protocols tfw-bench speaks",
                    list.join(",")
                )
            })?;
        pick != "http/1.1"
    } else {
        a.clear == Clear::H2c
    };
    let (protocol, pipeline) = if h2 {
        if a.window_bits == 0 {
            bail!("-w 0: a stream window of 0 bytes cannot be honoured by tfw-bench (no response could be sent)");
        }
        let settings = H2Settings {
            stream_window: (1u32 << a.window_bits) - 1,
            conn_window: ((1u32 << a.conn_window_bits) - 1).max(65_535),
        };
        (Protocol::Http2(settings), a.streams)
    } else if a.data.is_some() {
        // As h2load: one request in flight on an HTTP/1.1 connection when posting.
        (Protocol::Http1, 1)
    } else {
        (Protocol::Http1, a.streams)
    };
    if pipeline > 1024 {
        bail!("-m: at most 1024 concurrent streams per connection in tfw-bench");
    }
    let requests = requests(a, &target, &paths, body)?;
    let tls = if https {
        let alpn: &[u8] = if h2 { b"h2" } else { b"http/1.1" };
        let ciphers = match (&a.ciphers, &a.tls13_ciphers) {
            (None, None) => None,
            (c12, c13) => {
                let mut all = names(c13.as_deref().unwrap_or(DEFAULT_TLS13));
                all.extend(names(c12.as_deref().unwrap_or(DEFAULT_TLS12)));
                Some(all.join(","))
            }
        };
        let o = TlsOpts {
            tls: None,
            ciphers,
            curves: a.groups.as_deref().map(|g| names(g).join(",")),
            tickets: Some(OnOff::Off),
            sni: a.sni.clone(),
            verify: false,
            cacert: None,
            keylog: std::env::var_os("SSLKEYLOGFILE").map(Into::into),
        };
        Some(crate::plan::tls::settings(
            &o,
            &target.host,
            vec![alpn.to_vec()],
            false,
        )?)
    } else {
        None
    };
    let io = crate::cli::IoOpts {
        threads: Some(a.threads as usize),
        cpus: None,
        io: crate::cli::IoArg::Auto,
    };
    let cpus = crate::plan::worker_cpus(&io, &[])?;
    let workers = cpus.len();
    let asked = timing.is_none().then_some(n);
    let shares = (0..workers)
        .map(|i| ThreadShare {
            clients: split(a.clients, workers, i) as u32,
            requests: split(n, workers, i),
        })
        .collect();
    let addr = target.resolve()?;
    let plan = LoadPlan {
        target_name: target.to_string(),
        target: addr,
        conns: clients,
        cpus,
        requests,
        pipeline: pipeline as u32,
        protocol,
        tls,
        timeout: a.inactivity.unwrap_or(Duration::from_secs(10)),
        stop: StopCondition {
            duration: timing.map_or(Duration::from_secs(86_400), |t| t.duration),
            responses: asked,
        },
        pacing: Pacing::ClosedLoop {
            batch_wait: Duration::ZERO,
        },
        io: IoMode::Auto,
        source_addrs: Vec::new(),
        connect_window: (512 / workers as u32).max(1),
        interval: Duration::from_secs(1),
        warmup: timing.map_or(Duration::ZERO, |t| t.warm_up),
        ramp_up: Duration::ZERO,
        script: None,
    };
    if plan.timeout.is_zero() {
        bail!("-N: bad value for the conn_inactivity_timeout wait time: 0");
    }
    Ok(Job {
        plan,
        shares,
        timing,
        asked,
        threads_warning: a.threads > cpus_here,
    })
}

/// One request per path, with h2load's headers: :method (GET, POST with -d), the authority,
/// user-agent, the -H ones (`:method`, `:authority`/`host`, `:scheme` and `user-agent`
/// replace those), Content-Length with a body.
fn requests(a: &Args, target: &Target, paths: &[String], body: Vec<u8>) -> Result<RequestMix> {
    let mut method = if a.data.is_some() { "POST" } else { "GET" }.to_string();
    let mut host = target.host_header();
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in &a.headers {
        match name.as_str() {
            ":method" => method = value.clone(),
            ":authority" | "host" => host = value.clone(),
            ":scheme" if value == target.scheme.as_str() => {}
            n if n.starts_with(':') => {
                bail!("-H {n}: tfw-bench's h2load sets only :method and :authority from -H")
            }
            _ => headers.push((name.clone(), value.clone())),
        }
    }
    if !method.bytes().all(|b| b.is_ascii_alphabetic()) || method.is_empty() {
        bail!("-H :method:{method}: not a method tfw-bench can send");
    }
    let body = Arc::<[u8]>::from(body);
    let entries = paths
        .iter()
        .map(|path| {
            let wire = tfw_engine::proto::h1::build_request(&method, path, &host, &headers, &body);
            MixEntry {
                name: path.clone(),
                template: RequestTemplate {
                    wire: Arc::from(wire),
                    head: method == "HEAD",
                },
                weight: 1,
            }
        })
        .collect();
    Ok(RequestMix {
        entries,
        order: if paths.len() > 1 {
            MixOrder::Sequence
        } else {
            MixOrder::RoundRobin
        },
        cookies: false,
    })
}
