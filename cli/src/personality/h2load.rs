//! `tfw-bench h2load ARGS...` (or a link named h2load): h2load's command line, its output and
//! its exit statuses (nghttp2 src/h2load.cc, tag v1.52.0, commit
//! be0491294a63d891bd12b6b1b7e372a45a5d0ffe, as Debian's nghttp2-client 1.52 ships it), run on
//! tfw-bench's engine. `args` parses, `plan` maps to a `LoadPlan`, the printer is
//! `tfw_reports::drop_in::h2load`.
//!
//! Exit statuses as h2load: 0 after a run, 1 for a command line or setup it refuses (one line
//! on stderr, h2load's words where h2load has them). One difference: when no connection can
//! be established (refused, unreachable), h2load prints its summary (all requests failed) and
//! exits 0; tfw-bench says why in one line on stderr and exits 1, so a script notices.
//!
//! Lines printed while the run goes ("Application protocol", "progress: N% done", the warm-up
//! lines) come from the per-second interval callback, so they come up to a second after the
//! event; those not yet printed when the run ends are printed then. The TLS lines h2load
//! prints after a handshake (protocol, cipher, temp key) are not printed.

mod args;
pub mod getopt;
mod help;
mod plan;

use crate::run_doc;
use anyhow::Context;
use std::ffi::OsString;
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tfw_engine::result::Interval;
use tfw_reports::drop_in::h2load as out;

pub fn run(args: Vec<OsString>, stop: Arc<AtomicBool>) -> i32 {
    let argv: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let a = match args::parse(&argv) {
        Ok(args::Parsed::Run(a)) => a,
        Ok(args::Parsed::Help) => {
            print!("{}", help::HELP);
            return 0;
        }
        Ok(args::Parsed::Version) => {
            println!("{}", help::VERSION);
            return 0;
        }
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    match go(&a, stop) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e:#}");
            1
        }
    }
}

/// What the interval callback has printed so far.
struct Live {
    protocol: &'static str,
    protocol_said: bool,
    warm_up: bool,
    warm_up_said: bool,
    workers: usize,
    asked: Option<u64>,
    done: u64,
    pct: u64,
}

impl Live {
    fn interval(&mut self, iv: &Interval) {
        let c = &iv.snapshot.counters;
        let mut s = String::new();
        if !self.protocol_said && (c.connects > 0 || c.responses > 0) {
            self.protocol_said = true;
            s.push_str(&out::protocol_line(self.protocol));
        }
        if self.warm_up && !self.warm_up_said {
            self.warm_up_said = true;
            for i in 0..self.workers {
                s.push_str(&out::warm_up_over_lines(i));
            }
        }
        self.done +=
            c.responses + c.total_errors() - c.error(tfw_engine::stats::ErrorKind::Connect);
        s.push_str(&self.progress(self.done));
        print!("{s}");
        let _ = std::io::stdout().flush();
    }

    fn progress(&mut self, done: u64) -> String {
        let Some(n) = self.asked.filter(|&n| n > 0) else {
            return String::new();
        };
        let pct = (done.min(n) * 100 / n).min(100);
        let s = out::progress_lines(self.pct, pct);
        self.pct = self.pct.max(pct);
        s
    }
}

fn go(a: &args::Args, stop: Arc<AtomicBool>) -> anyhow::Result<i32> {
    let job = plan::job(a)?;
    if let Some(path) = &a.tfw_json {
        std::fs::write(path, b"")
            .with_context(|| format!("--tfw-json: cannot write {}", path.display()))?;
    }
    if job.threads_warning {
        eprintln!("-t: warning: the number of threads is greater than hardware cores.");
    }
    print!("{}", out::start_lines(&job.shares, job.timing));
    // As h2load, a timing-based run has a warm-up phase, of zero length when not asked for.
    let warm_up = job.timing.is_some_and(|t| !t.warm_up.is_zero());
    if job.timing.is_some() {
        for i in 0..job.shares.len() {
            println!("Warm-up started for thread #{i}.");
            if !warm_up {
                print!("{}", out::warm_up_over_lines(i));
            }
        }
    }
    let _ = std::io::stdout().flush();
    let mut live = Live {
        protocol: job.plan.protocol_name(),
        protocol_said: false,
        warm_up,
        warm_up_said: false,
        workers: job.shares.len(),
        asked: job.asked,
        done: 0,
        pct: 0,
    };
    let started = std::time::SystemTime::now();
    let result = tfw_engine::run_load(&job.plan, stop, &mut |iv| live.interval(iv))
        .map_err(|e| anyhow::anyhow!("h2load: {e}"))?;
    let mut tail = String::new();
    if !live.protocol_said && result.conns_established > 0 {
        tail.push_str(&out::protocol_line(live.protocol));
    }
    if warm_up && !live.warm_up_said {
        for i in 0..job.shares.len() {
            tail.push_str(&out::warm_up_over_lines(i));
        }
    }
    let figures = out::figures(&result, job.asked, job.timing);
    tail.push_str(&live.progress(figures.counts.done));
    if job.timing.is_some() {
        for i in 0..job.shares.len() {
            tail.push_str(&out::duration_over_lines(i));
        }
    }
    tail.push_str(&out::summary(&figures));
    print!("{tail}");
    let _ = std::io::stdout().flush();
    if let Some(path) = &a.tfw_json {
        let settings = serde_json::json!({
                "personality": "h2load",
                "args": a.uris,
                "url": job.plan.target_name,
                "clients": job.plan.conns,
                "threads": job.plan.cpus.len(),
                "cpus": job.plan.cpus,
                "max_concurrent_streams": job.plan.pipeline,
                "protocol": job.plan.protocol_name(),
                "requests": job.asked,
                "duration_s": job.timing.map(|t| t.duration.as_secs_f64()),
                "warm_up_s": job.timing.map(|t| t.warm_up.as_secs_f64()),
                "timeout_s": job.plan.timeout.as_secs_f64(),
        });
        let doc = run_doc::load_doc(&result, settings, started);
        run_doc::write_doc(path, &doc)
            .with_context(|| format!("--tfw-json: cannot write {}", path.display()))?;
    }
    if result.interrupted {
        return Ok(crate::cli::exit::INTERRUPTED);
    }
    if result.conns_established == 0 {
        let why = result
            .first_connect_error
            .as_deref()
            .unwrap_or("no connection completed");
        eprintln!("client could not connect to host: {why}");
        return Ok(1);
    }
    Ok(0)
}
