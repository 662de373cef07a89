//! `tfw-bench handshake HOST:PORT`: the tls-perf replacement. Plan, run with a per-second
//! line, print the summary, write the JSON document, exit code. The text and the JSON are
//! `tfw_reports::handshake`'s. With `--testbed`, the test-bed's target is restarted before
//! and reported after (`target_session`).

use crate::cli::exit;
use crate::cli::handshake::HandshakeOpts;
use crate::plan;
use crate::run_doc;
use crate::target_session::{self, TargetSession};
use anyhow::{Context, Result};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tfw_engine::handshake_run::{run_handshakes, HsInterval};
use tfw_engine::plan::HandshakePlan;
use tfw_reports::handshake::{header, interval_line, summary};

pub fn run(o: HandshakeOpts, stop: Arc<AtomicBool>) -> Result<i32> {
    let plan = plan::handshake::plan(&o)?;
    if let Some(path) = &o.json {
        std::fs::write(path, b"").with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut session = TargetSession::begin(&o.control, None)?;
    print!(
        "{}",
        header(&plan, o.tls.versions_label(), o.request.as_deref())
    );
    let quiet = o.quiet;
    let mut on_interval = |iv: &HsInterval| {
        if !quiet {
            print!("{}", interval_line(iv));
        }
    };
    let started = std::time::SystemTime::now();
    if let Some(s) = session.as_mut() {
        s.load_started(stop.clone());
    }
    let r = run_handshakes(&plan, stop, &mut on_interval);
    let controlled = session.map(TargetSession::end);
    let r = r?;
    print!("{}", summary(&r, plan.request.is_some()));
    if let Some(c) = &controlled {
        print!("{}", c.text);
    }
    if let Some(path) = &o.json {
        let request_path = plan.request.as_ref().and(o.request.clone());
        let mut doc =
            run_doc::handshake_doc(&r, &plan, settings_json(&o, &plan), request_path, started);
        if let Some(c) = &controlled {
            doc[target_session::JSON_KEY] = c.json.clone();
        }
        run_doc::write_doc(path, &doc)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if r.interrupted {
        return Ok(exit::INTERRUPTED);
    }
    if let Some(why) = controlled.as_ref().and_then(|c| c.failure()) {
        eprintln!("tfw-bench: error: {why}");
        return Ok(exit::FAILED);
    }
    if r.totals.handshakes == 0 {
        let why = r
            .aborted
            .clone()
            .or_else(|| r.first_errors.iter().flatten().next().cloned())
            .unwrap_or_else(|| "none completed".into());
        eprintln!("tfw-bench: error: no TLS handshake succeeded: {why}");
        return Ok(exit::FAILED);
    }
    Ok(0)
}

/// The run's settings for the JSON document: what was asked, in the user's terms.
fn settings_json(o: &HandshakeOpts, plan: &HandshakePlan) -> serde_json::Value {
    serde_json::json!({
        "conns": plan.conns,
        "threads": plan.cpus.len(),
        "cpus": plan.cpus,
        "duration": o.duration,
        "handshakes": o.handshakes,
        "tls": o.tls.tls,
        "ciphers": plan.tls.ciphers,
        "curves": plan.tls.curves,
        "tickets": plan.tls.tickets,
        "server_name": plan.tls.server_name,
        "verify": plan.tls.roots.is_some(),
        "timeout_s": plan.timeout.as_secs_f64(),
        "io": format!("{:?}", plan.io),
        "testbed": o.control.testbed,
        "target_config": o.control.target_config,
        "reload_every": o.control.reload_every,
    })
}
