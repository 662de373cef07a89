//! `tfw-bench ab ARGS...` (or a link named `ab`): ApacheBench's command line, output and exit
//! codes over tfw-bench's engine, so scripts that run ab keep working with the binary swapped.
//! Taken from apache/httpd support/ab.c on the 2.4.x branch (commit
//! f45abec1bd20396cea777a411bd5975abefad279), the ab 2.3 Debian installs as /usr/bin/ab.
//!
//! Parts: `args` (apr_getopt rules, ab's checks and exit codes, options refused by name),
//! `request` (ab's URL and request bytes), `probe` (one request before the run for the Server
//! header and document length, which the engine does not keep), `plan` (the engine plan) and
//! the printer `tfw_reports::drop_in::ab` (how ab's figures map onto tfw-bench's histograms).
//!
//! The run is ab's: `-c` connections, each sending ab's HTTP/1.0 request; without `-k` the
//! server closes after each response and the engine connects again. It stops after exactly
//! `-n` responses (requests lost to errors are sent again) or after `-t` seconds (with at most
//! 50000 responses, as ab). Progress ("Completed N requests" every 10%, at least 100) is
//! printed when the engine's one-second interval reports cross those counts, not at the exact
//! response. Differences from ab: a receive error does not end the run even without `-r`;
//! body lengths are not compared (as with `-l`); `-B` takes an IP address, not a name.
//! `--tfw-json FILE` (or TFW_BENCH_JSON) also writes tfw-bench's JSON run document.

mod args;
mod plan;
mod probe;
mod request;

use args::{AbArgs, Parsed, Refusal};
use std::ffi::OsString;
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tfw_reports::drop_in::ab as out;

pub fn run(argv: Vec<OsString>, stop: Arc<AtomicBool>) -> i32 {
    let argv: Result<Vec<String>, _> = argv.into_iter().map(OsString::into_string).collect();
    let Ok(argv) = argv else {
        eprintln!("ab: arguments must be valid UTF-8");
        return args::USAGE;
    };
    let a = match args::parse(&argv) {
        Ok(Parsed::Version) => {
            print!("{}", out::banner());
            return 0;
        }
        Ok(Parsed::Help) => {
            eprint!("{}", out::usage("ab"));
            return args::USAGE;
        }
        Ok(Parsed::Run(a)) => *a,
        Err(r) => return refuse(r),
    };
    match execute(&a, stop) {
        Ok(code) => code,
        Err(r) => refuse(r),
    }
}

fn refuse(r: Refusal) -> i32 {
    if r.message.ends_with('\n') {
        eprint!("{}", r.message);
    } else {
        eprintln!("{}", r.message);
    }
    if r.usage {
        eprint!("{}", out::usage("ab"));
    }
    r.code
}

fn execute(a: &AbArgs, stop: Arc<AtomicBool>) -> Result<i32, Refusal> {
    let prepared = plan::prepare(a)?;
    print!("{}", out::banner());
    let step = out::heartbeat(a.requests, a.quiet);
    print!("{}", out::benchmarking(&prepared.url.host, step));
    let _ = std::io::stdout().flush();
    let ready = match plan::connect_facts(a, &prepared) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.line);
            return Ok(e.code);
        }
    };
    let mut seen = 0u64;
    let limit = a.requests;
    let mut on_interval = |iv: &tfw_engine::result::Interval| {
        let now = (seen + iv.snapshot.counters.responses).min(limit);
        eprint!("{}", out::completed_lines(step, seen, now));
        seen = now;
    };
    let started = std::time::SystemTime::now();
    let result = tfw_engine::run_load(&ready.plan, stop, &mut on_interval)
        .map_err(|e| Refusal::err(format!("ab: {e}")))?;
    let done = result.totals.counters.responses;
    eprint!("{}", out::completed_lines(step, seen, done.min(limit)));
    if step > 0 {
        eprintln!("Finished {done} requests");
    } else {
        println!("..done");
    }
    if result.conns_established == 0 {
        let why = result
            .first_connect_error
            .as_deref()
            .unwrap_or("no connection");
        eprintln!("apr_socket_connect(): {why}");
        return Ok(1);
    }
    print!("{}", out::results(&result, &ready.facts));
    if let Some(path) = &a.csv {
        std::fs::write(path, out::csv_percentages(&result))
            .map_err(|e| Refusal::err(format!("Cannot open CSV output file: {e}")))?;
    }
    if let Some(path) = &a.tfw_json {
        plan::write_json(path, a, &ready.plan, &result, started)?;
    }
    // ab prints the results of an interrupted run and exits 1.
    Ok(if result.interrupted { 1 } else { 0 })
}
