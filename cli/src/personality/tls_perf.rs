//! `tfw-bench tls-perf ARGS...` (or a link named tls-perf): tls-perf's command line, output
//! and exit statuses (github tempesta-tech/tls-perf, main.cc, commit
//! 4cf96f4d1800837ae077a3bc3df4a901bc2ff405) on tfw-bench's handshake storm
//! (`HandshakePlan`, `run_handshakes`). -l peers per thread times -t threads are the peers;
//! -T the measured duration, -n the handshakes; -c and -C the suites and groups (OpenSSL
//! names; what rustls lacks, such as DHE and CCM suites, is refused by name); --tls 1.2
//! (tls-perf's default), 1.3 or any; --tickets on resumes sessions. The printer is
//! `tfw_reports::drop_in::tls_perf`.
//!
//! Exit statuses as tls-perf: 0 after a run (also when stopped by SIGINT/SIGTERM, and when
//! "not enough statistics" were collected, said on stderr), 1 when no connection or no
//! handshake could be made (tls-perf's thread exception) or a cipher or curve cannot be set,
//! 2 for more than 512 threads, 234 (-EINVAL) for a bad address or argument count. Two
//! differences: tls-perf's usage() exits 0 even after an unknown option (tfw-bench exits 1
//! with glibc's message), and numbers tls-perf reads with atoi are checked (234).

mod args;

use crate::run_doc;
use anyhow::Context;
use std::ffi::OsString;
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use tfw_engine::handshake_run::{run_handshakes, HsInterval};
use tfw_engine::plan::{HandshakePlan, IoMode};
use tfw_reports::drop_in::tls_perf as out;

pub fn run(args: Vec<OsString>, stop: Arc<AtomicBool>) -> i32 {
    let argv: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let a = match args::parse(&argv) {
        Ok(args::Parsed::Run(a)) => a,
        Ok(args::Parsed::Help) => {
            println!("{}", args::USAGE);
            return 0;
        }
        Err((code, line)) => {
            eprintln!("{line}");
            return code;
        }
    };
    match go(&a, stop) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ERROR: {e:#}");
            1
        }
    }
}

fn plan(a: &args::Args) -> anyhow::Result<HandshakePlan> {
    let split = |s: &Option<String>| {
        s.as_deref().map(|s| {
            s.split(':')
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    let o = crate::cli::tls::TlsOpts {
        tls: (a.version != "any").then(|| a.version.to_string()),
        ciphers: split(&a.cipher),
        curves: split(&a.curve),
        tickets: Some(if a.tickets {
            crate::cli::tls::OnOff::On
        } else {
            crate::cli::tls::OnOff::Off
        }),
        sni: a.sni.clone(),
        verify: false,
        cacert: None,
        keylog: a.keylog.clone(),
    };
    let host = a.ip.to_string();
    let tls = crate::plan::tls::settings(&o, &host, Vec::new(), false).map_err(|e| {
        let m = format!("{e:#}");
        if a.cipher.is_some() && m.contains("cipher") {
            anyhow::anyhow!("cannot set cipher (tfw-bench: {m})")
        } else if a.curve.is_some() && (m.contains("curve") || m.contains("group")) {
            anyhow::anyhow!("cannot set elliptic curve (tfw-bench: {m})")
        } else {
            e
        }
    })?;
    let io = crate::cli::IoOpts {
        threads: Some(a.threads as usize),
        cpus: None,
        io: crate::cli::IoArg::Auto,
    };
    let cpus = crate::plan::worker_cpus(&io, &[])?;
    // No -T and no -n: tls-perf runs until stopped; ten years stand for that.
    let duration = match (a.duration_s, a.handshakes) {
        (0, Some(_)) => None,
        (0, None) => Some(Duration::from_secs(10 * 365 * 86_400)),
        (s, _) => Some(Duration::from_secs(s)),
    };
    Ok(HandshakePlan {
        target_name: std::net::SocketAddr::new(a.ip, a.port).to_string(),
        target: std::net::SocketAddr::new(a.ip, a.port),
        conns: a.peers.saturating_mul(a.threads),
        cpus,
        tls,
        duration,
        handshakes: a.handshakes,
        timeout: Duration::from_secs(10),
        io: IoMode::Auto,
        interval: Duration::from_secs(1),
        request: None,
    })
}

fn go(a: &args::Args, stop: Arc<AtomicBool>) -> anyhow::Result<i32> {
    let plan = plan(a)?;
    if let Some(path) = &a.tfw_json {
        std::fs::write(path, b"")
            .with_context(|| format!("--tfw-json: cannot write {}", path.display()))?;
    }
    if !a.quiet {
        let host = a.ip.to_string();
        print!(
            "{}",
            out::settings(&out::Settings {
                host: &host,
                port: a.port,
                version: match a.version {
                    "any" => "Any of 1.2 or 1.3",
                    v => v,
                },
                cipher: a.cipher.as_deref().unwrap_or("default"),
                tickets: if a.tickets { "on" } else { "off" },
                duration_s: a.duration_s,
            })
        );
    }
    let _ = std::io::stdout().flush();
    let (mut last, mut errors, mut first) = (0.0, 0u64, true);
    let quiet = a.quiet;
    let mut on_interval = |iv: &HsInterval| {
        let mut s = String::new();
        if first {
            first = false;
            s.push_str(out::ALL_ACTIVE);
        }
        errors += iv.snapshot.total_errors();
        if !quiet {
            s.push_str(&out::interval_line(iv, iv.t_s - last, errors));
        }
        last = iv.t_s;
        print!("{s}");
        let _ = std::io::stdout().flush();
    };
    let started = std::time::SystemTime::now();
    let r = run_handshakes(&plan, stop, &mut on_interval)?;
    if let Some(path) = &a.tfw_json {
        let settings = serde_json::json!({
                "personality": "tls-perf",
                "peers_per_thread": a.peers,
                "threads": a.threads,
                "conns": plan.conns,
                "duration_s": a.duration_s,
                "handshakes": a.handshakes,
                "tls": a.version,
                "ciphers": plan.tls.ciphers,
                "curves": plan.tls.curves,
                "tickets": plan.tls.tickets,
                "server_name": plan.tls.server_name,
        });
        let doc = run_doc::handshake_doc(&r, &plan, settings, None, started);
        run_doc::write_doc(path, &doc)
            .with_context(|| format!("--tfw-json: cannot write {}", path.display()))?;
    }
    if r.totals.handshakes == 0 && !r.interrupted {
        let why = r
            .aborted
            .clone()
            .or_else(|| r.first_errors.iter().flatten().next().cloned())
            .unwrap_or_else(|| "none completed".into());
        eprintln!("ERROR: cannot establish even one TLS connection ({why})");
        return Ok(1);
    }
    match out::figures(&r) {
        Some(f) => {
            if first {
                print!("{}", out::ALL_ACTIVE);
            }
            print!("{}", out::summary(&f));
        }
        None => eprintln!("ERROR: not enough statistics collected"),
    }
    Ok(0)
}
