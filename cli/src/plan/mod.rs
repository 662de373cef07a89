//! Options -> validated engine plans. Every check of user input that is not pure syntax lives
//! here, so bad input is a one-line error before anything starts.

pub mod check;
pub mod handshake;
pub mod remote;
pub mod tls;

use crate::cli::{IoArg, IoOpts, ServeOpts, StressOpts};
use crate::parse;
use anyhow::{bail, Context, Result};
use std::net::SocketAddr;
use std::sync::Arc;
use tfw_engine::cpu;
use tfw_engine::plan::{
    H2Settings, IoMode, LoadPlan, Pacing, Protocol, RequestMix, ServePlan, StopCondition,
};
use tfw_engine::proto::h1::build_response;
use tfw_engine::proto::tls::TlsSettings;
use tfw_scenarios::{parse_header, RequestSpec, Scheme, Target};

pub fn io_mode(a: IoArg) -> IoMode {
    match a {
        IoArg::Auto => IoMode::Auto,
        IoArg::UringPlain => IoMode::UringPlain,
        IoArg::Epoll => IoMode::Epoll,
    }
}

/// Worker CPUs from -t/--cpus, avoiding `avoid` (the built-in target's CPU) where possible.
pub fn worker_cpus(io: &IoOpts, avoid: &[usize]) -> Result<Vec<usize>> {
    let allowed = cpu::allowed_cpus();
    let list = match &io.cpus {
        Some(s) => Some(cpu::parse_cpu_list(s)?),
        None => None,
    };
    Ok(cpu::select(&allowed, io.threads, list.as_deref(), avoid)?)
}

fn body(arg: &Option<String>) -> Result<Vec<u8>> {
    match arg {
        None => Ok(Vec::new()),
        Some(s) => match s.strip_prefix('@') {
            Some(path) => {
                std::fs::read(path).with_context(|| format!("cannot read --body file {path:?}"))
            }
            None => Ok(s.as_bytes().to_vec()),
        },
    }
}

/// The protocol, requests in flight per connection, and TLS settings the options and the
/// URL's scheme ask for; combinations that cannot work are errors.
fn protocol(o: &StressOpts, target: &Target) -> Result<(Protocol, u32, Option<TlsSettings>)> {
    let https = target.scheme == Scheme::Https;
    if o.tls.any() && !https {
        bail!("TLS options (--tls, --ciphers, --curves, --tickets, --sni, --verify, --keylog) need an https:// URL");
    }
    if o.h2 && !https {
        bail!("--h2 negotiates HTTP/2 by ALPN over TLS: use an https:// URL, or --h2c for HTTP/2 over plain TCP");
    }
    if o.h2c && https {
        bail!("--h2c is HTTP/2 over plain TCP: use an http:// URL, or --h2 for https://");
    }
    let h2 = o.h2 || o.h2c;
    let (protocol, pipeline) = if h2 {
        if o.pipeline != 1 {
            bail!(
                "--pipeline is HTTP/1.1 pipelining; HTTP/2 runs concurrent streams: -m/--streams"
            );
        }
        let m = o.streams.unwrap_or(1);
        if m == 0 || m > 1024 {
            bail!("--streams must be between 1 and 1024");
        }
        if o.window == 0 || o.window > (1 << 31) - 1 {
            bail!("--window must be between 1 and 2147483647 bytes");
        }
        if o.conn_window < 65_535 || o.conn_window > (1 << 31) - 1 {
            bail!("--conn-window must be between 65535 and 2147483647 bytes");
        }
        let settings = H2Settings {
            stream_window: o.window,
            conn_window: o.conn_window,
        };
        (Protocol::Http2(settings), m)
    } else {
        if o.streams.is_some() {
            bail!("-m/--streams is for HTTP/2 (--h2 or --h2c); HTTP/1.1 uses --pipeline");
        }
        if o.pipeline == 0 || o.pipeline > 1024 {
            bail!("--pipeline must be between 1 and 1024");
        }
        (Protocol::Http1, o.pipeline)
    };
    let tls = if https {
        let alpn: &[u8] = if h2 { b"h2" } else { b"http/1.1" };
        Some(tls::settings(
            &o.tls,
            &target.host,
            vec![alpn.to_vec()],
            true,
        )?)
    } else {
        None
    };
    Ok((protocol, pipeline, tls))
}

pub fn load_plan(o: &StressOpts, url: &str, avoid: &[usize]) -> Result<LoadPlan> {
    let target = Target::parse(url)?;
    let addr = target.resolve()?;
    let (protocol, pipeline, tls) = protocol(o, &target)?;
    if o.conns == 0 {
        bail!("--conns must be at least 1");
    }
    let duration = match (&o.duration, o.requests) {
        (Some(d), _) => parse::duration(d).context("--duration")?,
        // A count alone bounds the run; a day is only a backstop.
        (None, Some(_)) => std::time::Duration::from_secs(86_400),
        (None, None) => std::time::Duration::from_secs(10),
    };
    if o.requests == Some(0) {
        bail!("--requests must be at least 1");
    }
    if duration.is_zero() {
        bail!("--duration must be greater than zero");
    }
    let timeout = parse::duration(&o.timeout).context("--timeout")?;
    if timeout.is_zero() {
        bail!("--timeout must be greater than zero");
    }
    let headers = o
        .headers
        .iter()
        .map(|h| parse_header(h).with_context(|| format!("-H {h:?}")))
        .collect::<Result<Vec<_>>>()?;
    let spec = RequestSpec {
        method: o.method.clone(),
        headers,
        body: body(&o.body)?,
    };
    let requests = match &o.mix {
        Some(path) => tfw_scenarios::load_mix(path, &target)
            .with_context(|| format!("--mix {}", path.display()))?,
        None => RequestMix::single(spec.to_template(&target)?),
    };
    if requests.cookies && protocol != Protocol::Http1 {
        bail!("cookie replay (cookies = true in the request file) works on HTTP/1.1 only");
    }
    let batch_wait = parse::duration(&o.batch_wait).context("--batch-wait")?;
    if batch_wait > std::time::Duration::from_millis(10) || batch_wait >= timeout {
        bail!("--batch-wait must be at most 10ms and below --timeout (it delays every response's handling)");
    }
    let pacing = match o.rate {
        None => Pacing::ClosedLoop { batch_wait },
        Some(r) if r.is_finite() && r > 0.0 && r <= 1e8 => Pacing::FixedRate { rate: r },
        Some(r) => bail!("--rate {r}: expected requests per second, above 0 and at most 1e8"),
    };
    let warmup = match &o.warmup {
        Some(d) => parse::duration(d).context("--warmup")?,
        None => std::time::Duration::ZERO,
    };
    let ramp_up = match &o.ramp_up {
        Some(d) => parse::duration(d).context("--ramp-up")?,
        None => std::time::Duration::ZERO,
    };
    let source_addrs = match &o.source_addrs {
        Some(s) => parse::addr_list(s).context("--source-addrs")?,
        None => Vec::new(),
    };
    for a in &source_addrs {
        if a.is_ipv4() != addr.is_ipv4() {
            bail!("--source-addrs {a} is not of the same address family as the target {addr}");
        }
        std::net::TcpListener::bind(SocketAddr::new(*a, 0))
            .with_context(|| format!("--source-addrs {a} is not an address of this host"))?;
    }
    let mut cpus = worker_cpus(&o.io, avoid)?;
    // More workers than connections would leave workers idle.
    cpus.truncate(o.conns as usize);
    let workers = cpus.len() as u32;
    Ok(LoadPlan {
        target_name: target.to_string(),
        target: addr,
        conns: o.conns,
        cpus,
        requests,
        pipeline,
        protocol,
        tls,
        timeout,
        stop: StopCondition {
            duration,
            responses: o.requests,
        },
        pacing,
        io: io_mode(o.io.io),
        source_addrs,
        connect_window: (o.connect_window / workers).max(1),
        interval: std::time::Duration::from_secs(1),
        warmup,
        ramp_up,
        script: None,
    })
}

pub fn serve_plan(o: &ServeOpts) -> Result<ServePlan> {
    let listen: SocketAddr = o.listen.parse().with_context(|| {
        format!(
            "--listen {:?}: expected IP:PORT, e.g. 127.0.0.1:8000",
            o.listen
        )
    })?;
    if !(100..=999).contains(&o.status) {
        bail!("--status {} is not an HTTP status code (100-999)", o.status);
    }
    if o.body_size > 64 << 20 {
        bail!(
            "--body-size {} is larger than the 64 MiB the built-in target serves",
            o.body_size
        );
    }
    let headers = o
        .headers
        .iter()
        .map(|h| parse_header(h).with_context(|| format!("-H {h:?}")))
        .collect::<Result<Vec<_>>>()?;
    let delay = parse::duration(&o.delay).context("--delay")?;
    let stall = match (&o.stall_after, &o.stall_for) {
        (Some(a), Some(f)) => Some((
            parse::duration(a).context("--stall-after")?,
            parse::duration(f).context("--stall-for")?,
        )),
        (None, None) => None,
        _ => bail!("--stall-after and --stall-for go together"),
    };
    let body = vec![b'x'; o.body_size];
    Ok(ServePlan {
        listen,
        cpus: worker_cpus(&o.io, &[])?,
        response: Arc::from(build_response(o.status, &headers, &body, false)),
        response_close: Arc::from(build_response(o.status, &headers, &body, true)),
        delay,
        close_after: o.close_after,
        stall,
        io: io_mode(o.io.io),
        set_cookie: None,
        tls: None,
        h2_max_streams: o.h2_max_streams,
    })
}
