//! `tfw-bench serve`: the built-in target until interrupted, its stdin closes (when a parent
//! started it), or `--duration` passes; then it prints what it counted.

use crate::cli::tls::OnOff;
use crate::cli::ServeOpts;
use crate::{parse, plan};
use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tfw_engine::plan::ServePlan;
use tfw_engine::proto::tls::{server_config, ServerTlsSettings};
use tfw_engine::worker::record::Recorder;
use tfw_reports::banner::{self, Served};

pub fn run(o: ServeOpts, stop: Arc<AtomicBool>) -> Result<i32> {
    let mut plan = plan::serve_plan(&o)?;
    let record = test_options(&o, &mut plan)?;
    let deadline = match &o.duration {
        Some(d) => Some(Instant::now() + parse::duration(d).context("--duration")?),
        None => None,
    };
    let server = match &record {
        Some(rec) => tfw_engine::start_server_recording(&plan, rec.clone())?,
        None => tfw_engine::start_server(&plan)?,
    };
    if o.announce {
        print!("{}", banner::announce_line(server.addr));
    } else {
        print!(
            "{}",
            banner::serve_banner(
                server.addr,
                &plan.cpus,
                server.io.backend,
                plan.tls.is_some()
            )
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
    // Nobody may read this any more (a parent that ended at once on a second Ctrl-C): a
    // closed stdout is no error.
    let mut out = std::io::stdout();
    let served = Served {
        requests: t.requests,
        responses: t.responses,
        connections: t.connections,
        parse_errors: t.parse_errors,
    };
    let _ = out.write_all(banner::served_line(&served).as_bytes());
    let _ = out.flush();
    if let Some(rec) = &record {
        rec.finish()
            .with_context(|| format!("--record {}: writing failed", rec.path().display()))?;
    }
    Ok(0)
}

/// `--tls` (its configuration, read or generated before anything listens), and `--record`
/// (the file it opens, to hand to the server) and `--set-cookie`, the options tests of
/// request mixes use.
fn test_options(o: &ServeOpts, plan: &mut ServePlan) -> Result<Option<Arc<Recorder>>> {
    if o.tls {
        let settings = ServerTlsSettings {
            cert: o.cert.clone().zip(o.key.clone()),
            tickets: o.tls_tickets == OnOff::On,
        };
        plan.tls = Some(server_config(&settings)?);
    }
    if let Some(name) = &o.set_cookie {
        let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(tchar) {
            bail!(
                "--set-cookie {name:?} is not a cookie name: use letters, digits and !#$%&'*+-.^_`|~"
            );
        }
        plan.set_cookie = Some(name.clone());
    }
    o.record
        .as_ref()
        .map(|path| {
            Recorder::create(path)
                .with_context(|| format!("--record {}: cannot create the file", path.display()))
        })
        .transpose()
}
