//! h2crate-client: a closed-loop HTTP/2 load client on the `h2` crate (hyperium/h2 over
//! tokio), the reference that `tfw-bench stress --h2/--h2c` is measured against in
//! bench/compare-h2load.sh. It exists to decide "h2 crate vs our own frame layer" by the
//! benchmark: the same work (C connections x M concurrent GET streams for D seconds),
//! done the idiomatic tokio way, one current_thread runtime per thread (optionally pinned
//! to a CPU), with the client's own CPU time (getrusage) per response as the figure of merit.
//!
//!   h2crate-client http://127.0.0.1:18082/ -c 50 -m 10 -d 10s        # h2c, prior knowledge
//!   h2crate-client https://127.0.0.1:18443/ -c 50 -m 10 -d 10s       # h2 over TLS (ALPN)
//!
//! Not a workspace member and not built by CI (see Cargo.toml).

mod load;
mod sys;
mod tls;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;

use load::{Stats, Target};

/// Closed-loop HTTP/2 GET load on the h2 crate; prints responses, req/s and own CPU.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// http://HOST:PORT/PATH (h2c, prior knowledge) or https://... (TLS, ALPN h2, no verification)
    url: String,
    /// Connections (spread round-robin over the threads)
    #[arg(short = 'c', long, default_value_t = 50)]
    conns: usize,
    /// Concurrent streams per connection
    #[arg(short = 'm', long, default_value_t = 10)]
    streams: usize,
    /// Run time: N, Ns, Nms or Nm
    #[arg(short = 'd', long, default_value = "10s")]
    duration: String,
    /// Threads, each with its own current_thread tokio runtime
    #[arg(short = 't', long, default_value_t = 1)]
    threads: usize,
    /// Pin thread i to the i-th CPU of this list (cycled), e.g. "1" or "0,1"
    #[arg(long)]
    cpus: Option<String>,
    /// Initial stream window (bytes) advertised to the server
    #[arg(long, default_value_t = 65_535)]
    window: u32,
    /// Also write the figures as JSON to FILE
    #[arg(long)]
    json: Option<PathBuf>,
}

fn parse_duration(s: &str) -> Result<Duration> {
    let (num, mult_ms) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000)
    } else {
        (s, 1000)
    };
    let n: u64 = num
        .parse()
        .with_context(|| format!("bad duration '{s}' (use N, Ns, Nms or Nm)"))?;
    if n == 0 {
        bail!("duration must be > 0");
    }
    Ok(Duration::from_millis(n * mult_ms))
}

fn parse_cpus(s: &str) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        if let Some((a, b)) = part.split_once('-') {
            let (a, b): (usize, usize) = (a.trim().parse()?, b.trim().parse()?);
            if a > b {
                bail!("bad CPU range '{part}'");
            }
            out.extend(a..=b);
        } else {
            out.push(
                part.trim()
                    .parse()
                    .with_context(|| format!("bad CPU '{part}'"))?,
            );
        }
    }
    if out.is_empty() {
        bail!("empty CPU list");
    }
    Ok(out)
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("h2crate-client: error: {e:#}");
        std::process::exit(2);
    }
}

fn real_main() -> Result<()> {
    let args = Args::parse();
    let duration = parse_duration(&args.duration)?;
    if args.conns == 0 || args.streams == 0 || args.threads == 0 {
        bail!("-c, -m and -t must be > 0");
    }
    let threads = args.threads.min(args.conns);
    let cpus = args.cpus.as_deref().map(parse_cpus).transpose()?;
    let target = Target::parse(&args.url, args.window)?;
    let protocol = if target.tls.is_some() { "h2" } else { "h2c" };

    let start = Instant::now();
    let deadline = start + duration;
    let mut handles = Vec::with_capacity(threads);
    for i in 0..threads {
        let conns = args.conns / threads + usize::from(i < args.conns % threads);
        let cpu = cpus.as_ref().map(|c| c[i % c.len()]);
        let target = target.clone();
        let streams = args.streams;
        handles.push(
            std::thread::Builder::new()
                .name(format!("h2load-{i}"))
                .spawn(move || -> Result<Stats> {
                    if let Some(cpu) = cpu {
                        sys::pin_to_cpu(cpu)?;
                    }
                    load::run_thread(target, conns, streams, deadline)
                })?,
        );
    }
    let mut total = Stats::default();
    for h in handles {
        let s = h
            .join()
            .map_err(|_| anyhow::anyhow!("a load thread panicked"))??;
        total.add(&s);
    }
    let elapsed = Instant::now()
        .min(deadline)
        .duration_since(start)
        .as_secs_f64();
    let (user_s, sys_s) = sys::own_cpu_seconds();
    let responses = total.responses;
    let rps = responses as f64 / elapsed;
    let us_per_resp = if responses > 0 {
        (user_s + sys_s) * 1e6 / responses as f64
    } else {
        0.0
    };
    let errors = total.error_count();
    println!(
        "h2crate-client ({protocol}, h2 crate): {} conns x {} streams, {threads} thread(s), {elapsed:.2} s",
        args.conns, args.streams
    );
    println!(
        "responses {responses}  non-2xx {}  errors {errors}  req/s {rps:.1}  body bytes {}",
        total.non_2xx, total.body_bytes
    );
    println!("cpu user {user_s:.3} s  sys {sys_s:.3} s  us/response {us_per_resp:.3}");
    if errors > 0 {
        println!(
            "errors: connect {}  tls {}  h2 {}  (first: {})",
            total.err_connect,
            total.err_tls,
            total.err_h2,
            total.first_error.as_deref().unwrap_or("-")
        );
    }
    if let Some(path) = &args.json {
        let doc = serde_json::json!({
            "tool": "h2crate-client",
            "protocol": protocol,
            "url": args.url,
            "conns": args.conns,
            "streams": args.streams,
            "threads": threads,
            "duration_s": elapsed,
            "responses": responses,
            "non_2xx": total.non_2xx,
            "body_bytes": total.body_bytes,
            "rps": rps,
            "errors": {
                "total": errors,
                "connect": total.err_connect,
                "tls": total.err_tls,
                "h2": total.err_h2,
            },
            "cpu": { "user_s": user_s, "sys_s": sys_s, "us_per_response": us_per_resp },
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if responses == 0 {
        bail!("no responses");
    }
    Ok(())
}
