//! `tfw-bench history list|show ID|prune`: look at and trim the history `regress` keeps.
//! The tables are `tfw_reports::history::listing`'s.

use crate::cli::history::{HistoryAction, HistoryOpts};
use anyhow::{Context, Result};
use tfw_reports::history::db::History;
use tfw_reports::history::listing;
use tfw_reports::history::when::parse_date;

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
            print!("{}", listing::pruned_line(n, left));
        }
    }
    Ok(0)
}

fn list(h: &History) -> Result<()> {
    print!("{}", listing::invocations_table(&h.invocations()?));
    Ok(())
}

fn show(h: &History, id: i64) -> Result<()> {
    let inv = h.invocation(id)?;
    print!("{}", listing::invocation_details(&inv, &h.runs_of(id)?));
    Ok(())
}
