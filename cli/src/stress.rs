//! `tfw-bench stress`: plan, (start the built-in target, or with `--testbed` restart the
//! test-bed's target,) run, print, write JSON, exit code.

use crate::cli::{exit, IoArg, StressOpts, SummaryArg};
use crate::plan;
use crate::progress::Progress;
use crate::run_doc::{self, write_atomically};
use crate::target::ChildTarget;
use crate::target_session::{self, TargetSession};
use anyhow::{bail, Context, Result};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tfw_engine::cpu;
use tfw_engine::plan::{LoadPlan, Protocol};
use tfw_reports::banner::{self, stress_header, StressHeader, TlsLine};

pub fn run(o: StressOpts, stop: Arc<AtomicBool>) -> Result<i32> {
    let mut target = None;
    let mut avoid = Vec::new();
    let url = match &o.url {
        Some(u) => u.clone(),
        None if o.control.testbed.is_some() => bail!(
            "stress --testbed needs the URL of the test-bed's target (e.g. http://TEMPESTA_IP/); the built-in target is not started"
        ),
        None => {
            let allowed = cpu::allowed_cpus();
            let server_cpu = *allowed.first().context("no CPU available")?;
            let io = match o.io.io {
                IoArg::Auto => "auto",
                IoArg::UringPlain => "uring-plain",
                IoArg::Epoll => "epoll",
            };
            // HTTP/2 by ALPN and TLS options need the target to speak TLS; h2c is detected
            // by the built-in target on a plain connection.
            let https = o.h2 || o.tls.any();
            let size = o.serve_body_size.to_string();
            let mut args = vec!["--body-size", &size, "--io", io];
            if https {
                args.push("--tls");
            }
            let t = ChildTarget::start_with(server_cpu, &args)?;
            avoid.push(server_cpu);
            let scheme = if https { "https" } else { "http" };
            let url = format!("{scheme}://{}/", t.addr);
            eprint!("{}", banner::builtin_target_started(t.addr, t.cpu));
            target = Some(t);
            url
        }
    };
    let plan = plan::load_plan(&o, &url, &avoid)?;
    for path in o.json.iter().chain(o.hdr_log.iter()) {
        // Find out now, not after the run, that the results cannot be written.
        write_atomically(path, b"").with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut session = TargetSession::begin(&o.control, None)?;
    print!("{}", stress_header(&header(&o, &plan)));
    let duration = o.duration.is_some() || o.requests.is_none();
    let mut progress = Progress::new(
        o.quiet,
        duration.then_some(plan.warmup + plan.stop.duration),
        o.requests,
    );
    let mut on_interval = |iv: &tfw_engine::result::Interval| progress.interval(iv);
    let started = std::time::SystemTime::now();
    if let Some(s) = session.as_mut() {
        s.load_started(stop.clone());
    }
    let result = tfw_engine::run_load(&plan, stop, &mut on_interval);
    progress.finish();
    let controlled = session.map(TargetSession::end);
    let served = match target {
        Some(t) => Some(t.stop()?),
        None => None,
    };
    let result = result?;
    print!("{}", tfw_reports::text::summary(&result));
    if o.summary == SummaryArg::H2load {
        print!("{}", tfw_reports::h2load::h2load_lines(&result, o.requests));
    }
    if let Some(s) = &served {
        print!("{}", banner::builtin_target_counted(s));
    }
    if let Some(c) = &controlled {
        print!("{}", c.text);
    }
    if let Some(path) = &o.json {
        let mut doc = run_doc::load_doc(&result, settings_json(&o, &plan), started);
        if let Some(s) = served {
            doc["builtin_target"] = serde_json::json!({
                "requests": s.requests, "responses": s.responses, "connections": s.connections
            });
        }
        if let Some(c) = &controlled {
            doc[target_session::JSON_KEY] = c.json.clone();
        }
        write_atomically(path, &serde_json::to_vec_pretty(&doc)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &o.hdr_log {
        let log = tfw_reports::hdrlog::interval_log(&result, started)?;
        write_atomically(path, &log).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if result.interrupted {
        return Ok(exit::INTERRUPTED);
    }
    if let Some(why) = controlled.as_ref().and_then(|c| c.failure()) {
        eprintln!("tfw-bench: error: {why}");
        return Ok(exit::FAILED);
    }
    if result.conns_established == 0 {
        let why = result
            .first_connect_error
            .as_deref()
            .unwrap_or("no connection completed");
        eprintln!("tfw-bench: error: no connection could be established: {why}");
        return Ok(exit::SETUP);
    }
    if o.fail_on_errors && result.totals.counters.total_errors() > 0 {
        return Ok(exit::FAILED);
    }
    Ok(0)
}

/// The run's settings for the JSON document: what was asked, in the user's terms.
fn settings_json(o: &StressOpts, plan: &LoadPlan) -> serde_json::Value {
    serde_json::json!({
        "url": o.url,
        "builtin_target": o.url.is_none(),
        "testbed": o.control.testbed,
        "target_config": o.control.target_config,
        "reload_every": o.control.reload_every,
        "connections": plan.conns,
        "threads": plan.cpus.len(),
        "cpus": plan.cpus,
        "duration": o.duration,
        "requests": o.requests,
        "method": o.method,
        "headers": o.headers,
        "pipeline": plan.pipeline,
        "protocol": plan.protocol_name(),
        "tls": plan.tls.as_ref().map(|t| serde_json::json!({
            "versions": o.tls.versions_label(),
            "ciphers": t.ciphers,
            "curves": t.curves,
            "tickets": t.tickets,
            "server_name": t.server_name,
            "verify": t.roots.is_some(),
        })),
        "timeout_s": plan.timeout.as_secs_f64(),
        "rate": o.rate,
        "warmup": o.warmup,
        "ramp_up": o.ramp_up,
        "io": format!("{:?}", plan.io),
    })
}

/// The plan's settings for the header, the lengths in the user's words.
fn header<'a>(o: &'a StressOpts, plan: &'a LoadPlan) -> StressHeader<'a> {
    StressHeader {
        target: &plan.target_name,
        duration: o.duration.as_deref(),
        requests: o.requests,
        conns: plan.conns,
        http2: matches!(plan.protocol, Protocol::Http2(_)),
        pipeline: plan.pipeline,
        tls: plan.tls.as_ref().map(|t| TlsLine {
            versions: o.tls.versions_label(),
            verified: t.roots.is_some(),
        }),
        cpus: &plan.cpus,
        rate: plan.pacing.rate(),
        warmup: o.warmup.as_deref(),
        ramp_up: o.ramp_up.as_deref(),
    }
}
