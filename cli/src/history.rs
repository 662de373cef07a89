//! `tfw-bench history list|show ID|prune`: look at and trim the history `regress` keeps.

use crate::cli::history::{HistoryAction, HistoryOpts};
use anyhow::{Context, Result};
use tfw_reports::history::compare::Metric;
use tfw_reports::history::db::{History, InvocationRow};
use tfw_reports::history::summary::format_value;
use tfw_reports::history::when::{format_unix, parse_date};

pub fn run(o: HistoryOpts) -> Result<i32> {
    let path = o
        .history
        .context("--history FILE is required (the database tfw-bench regress writes)")?;
    let mut h = History::open_existing(&path)?;
    match o.action {
        HistoryAction::List => list(&h)?,
        HistoryAction::Show { id } => show(&h, id)?,
        HistoryAction::Prune(p) => {
            let n = match (p.keep, p.before) {
                (Some(k), _) => h.prune_keep(k)?,
                (None, Some(d)) => h.prune_before(parse_date(&d)?)?,
                (None, None) => unreachable!("clap requires --keep or --before"),
            };
            let left = h.invocations()?.len();
            println!("pruned {n} invocation(s); {left} left");
        }
    }
    Ok(0)
}

fn version(inv: &InvocationRow) -> String {
    match &inv.tool_commit {
        Some(c) => format!("{} ({c})", inv.tool_version),
        None => inv.tool_version.clone(),
    }
}

fn list(h: &History) -> Result<()> {
    let invs = h.invocations()?;
    if invs.is_empty() {
        println!("no invocations");
        return Ok(());
    }
    println!(
        "{:>5}  {:<19}  {:<10}  {:<18}  {:<16}  {:>4}  scenarios",
        "id", "started (UTC)", "state", "tfw-bench", "target", "runs"
    );
    for inv in invs {
        println!(
            "{:>5}  {:<19}  {:<10}  {:<18}  {:<16}  {:>4}  {}",
            inv.id,
            format_unix(inv.started_unix_s),
            if inv.finished_unix_s.is_some() {
                "finished"
            } else {
                "unfinished"
            },
            version(&inv),
            inv.target_version.as_deref().unwrap_or("-"),
            inv.runs,
            inv.scenarios.join(",")
        );
    }
    Ok(())
}

fn show(h: &History, id: i64) -> Result<()> {
    let inv = h.invocation(id)?;
    println!("invocation {}", inv.id);
    println!("  started   {} UTC", format_unix(inv.started_unix_s));
    match inv.finished_unix_s {
        Some(f) => println!("  finished  {} UTC", format_unix(f)),
        None => println!("  finished  no (still running, interrupted or killed)"),
    }
    println!("  tfw-bench {}", version(&inv));
    println!(
        "  target    {}",
        inv.target_version.as_deref().unwrap_or("-")
    );
    println!(
        "  host      {}; {}; {} CPUs",
        inv.host.kernel, inv.host.cpu_model, inv.host.cpu_cores
    );
    let runs = h.runs_of(id)?;
    println!("  runs      {}", runs.len());
    if runs.is_empty() {
        return Ok(());
    }
    print!("\n{:>6}  {:<20} {:>5}", "run", "scenario", "round");
    for m in Metric::ALL {
        print!("  {:>14}", m.key());
    }
    println!("  {:>8}", "hdr B");
    for r in runs {
        print!("{:>6}  {:<20} {:>5}", r.id, r.scenario, r.round);
        for m in Metric::ALL {
            let v = r
                .metrics
                .get(m.key())
                .map_or("-".to_string(), |&v| format_value(m, v));
            print!("  {v:>14}");
        }
        println!("  {:>8}", r.histogram_bytes);
    }
    Ok(())
}
