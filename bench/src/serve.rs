//! `tfw-bench serve`: the built-in target until interrupted, its stdin closes (when a parent
//! started it), or `--duration` passes; then it prints what it counted.

use crate::cli::ServeOpts;
use crate::{parse, plan};
use anyhow::{Context, Result};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(o: ServeOpts, stop: Arc<AtomicBool>) -> Result<i32> {
    let plan = plan::serve_plan(&o)?;
    let deadline = match &o.duration {
        Some(d) => Some(Instant::now() + parse::duration(d).context("--duration")?),
        None => None,
    };
    let server = tfw_engine::start_server(&plan)?;
    if o.announce {
        println!("listening {}", server.addr);
    } else {
        let cpus: Vec<String> = plan.cpus.iter().map(|c| c.to_string()).collect();
        println!(
            "tfw-bench serve: listening on {} ({} worker(s) on CPU {}, {})",
            server.addr,
            plan.cpus.len(),
            cpus.join(","),
            server.io.backend
        );
    }
    std::io::stdout().flush()?;
    if o.exit_on_stdin_eof {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            stop.store(true, Ordering::Relaxed);
        });
    }
    while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let t = server.stop();
    println!(
        "served requests={} responses={} connections={} parse_errors={}",
        t.requests, t.responses, t.connections, t.parse_errors
    );
    std::io::stdout().flush()?;
    Ok(0)
}
