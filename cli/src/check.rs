//! `tfw-bench check`: options -> validated plan (`plan::check`) -> the engine's checker
//! (`run_checks`, one pinned worker) -> the report, printed in plan order as cases end: a
//! line per failed or skipped case (passed ones too with -v), each failure's report (what
//! was expected, what came, the exchange), and the summary line. Exit 0 when every case
//! passed, 1 when any failed, 2 on a bad file or flag (before any case runs), 130 when
//! interrupted (the results so far are printed; running cases count as failed).
//!
//! With a `--testbed` that names a target, the target is restarted before the cases and
//! again before each group of files that carry their own target config (`[target]`); after
//! the cases its "Target" section is printed and kernel-log findings fail the run (exit 1).

use crate::cli::check::CheckOpts;
use crate::cli::exit;
use crate::plan::check::check_plan;
use crate::target_session::TargetSession;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tfw_engine::check::{CaseResult, CheckPlan, Outcome};
use tfw_reports::check::{case_line, failure_report, summary_line};

pub fn run(o: CheckOpts, stop: Arc<AtomicBool>) -> Result<i32> {
    let run = check_plan(&o)?;
    let mut session = match &run.control {
        Some(c) => TargetSession::begin(c, None)?,
        None => None,
    };
    let mut results = Vec::new();
    let mut planned = 0;
    let mut setup_error = None;
    for group in &run.groups {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if let (Some(s), Some(config)) = (session.as_mut(), &group.config) {
            let files = group.files.join(", ");
            match s
                .restart(Some(config))
                .with_context(|| format!("the target config of {files}"))
            {
                Ok(took) => println!(
                    "target restarted with the config of {files} in {:.2}s",
                    took.as_secs_f64()
                ),
                Err(e) => {
                    setup_error = Some(e);
                    break;
                }
            }
        }
        if let Some(s) = session.as_mut() {
            s.load_started(stop.clone());
        }
        let plan = &group.plan;
        planned += plan.cases.len();
        let mut printer = InOrder::new(plan, run.verbose);
        let ran = tfw_engine::check::run::run_checks(plan, &stop, &mut |r| printer.push(r));
        if let Some(s) = session.as_mut() {
            s.load_ended();
        }
        let ran = ran?;
        // Whatever did not come through the callback (nothing, normally) is printed now.
        for r in &ran {
            printer.push(r);
        }
        printer.flush_all();
        results.extend(ran);
    }
    let controlled = session.map(TargetSession::end);
    let mut out = std::io::stdout().lock();
    // A closed stdout (piped into `head`) is no error of the run.
    let _ = out.write_all(summary_line(&results).as_bytes());
    let _ = out.write_all(b"\n");
    if let Some(c) = &controlled {
        let _ = out.write_all(c.text.as_bytes());
    }
    let _ = out.flush();
    drop(out);
    if let Some(e) = setup_error {
        return Err(e);
    }
    if stop.load(Ordering::Relaxed) {
        return Ok(exit::INTERRUPTED);
    }
    if let Some(why) = controlled.as_ref().and_then(|c| c.failure()) {
        eprintln!("tfw-bench: error: {why}");
        return Ok(exit::FAILED);
    }
    let failed = results.len() < planned
        || results
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Failed(_)));
    Ok(if failed { exit::FAILED } else { 0 })
}

/// Prints results in the plan's order while cases end in any order: a result waits until
/// every case before it was printed.
struct InOrder<'a> {
    plan: &'a CheckPlan,
    verbose: bool,
    /// Case name -> its position in the plan.
    index: HashMap<&'a str, usize>,
    /// Results that came before their turn, by position.
    held: Vec<Option<String>>,
    next: usize,
}

impl<'a> InOrder<'a> {
    fn new(plan: &'a CheckPlan, verbose: bool) -> InOrder<'a> {
        let index = plan
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        InOrder {
            plan,
            verbose,
            index,
            held: vec![None; plan.cases.len()],
            next: 0,
        }
    }

    /// What a result prints: nothing for a pass without -v.
    fn text(&self, r: &CaseResult) -> String {
        match &r.outcome {
            Outcome::Passed if !self.verbose => String::new(),
            Outcome::Passed | Outcome::Skipped(_) => format!("{}\n", case_line(r)),
            Outcome::Failed(_) => {
                let mut s = format!("{}\n", case_line(r));
                let report = failure_report(r, self.plan);
                for line in report.lines() {
                    s.push_str("    ");
                    s.push_str(line);
                    s.push('\n');
                }
                s
            }
        }
    }

    fn push(&mut self, r: &CaseResult) {
        let Some(&i) = self.index.get(r.name.as_str()) else {
            return;
        };
        if i < self.next || self.held[i].is_some() {
            return; // printed already
        }
        self.held[i] = Some(self.text(r));
        self.flush(false);
    }

    /// Prints every held result whose turn came (`all`: every held one, gaps skipped).
    fn flush(&mut self, all: bool) {
        let mut out = std::io::stdout().lock();
        while self.next < self.held.len() {
            match self.held[self.next].take() {
                Some(text) => {
                    let _ = out.write_all(text.as_bytes());
                }
                None if !all => break,
                None => {}
            }
            self.next += 1;
        }
        let _ = out.flush();
    }

    fn flush_all(&mut self) {
        self.flush(true);
    }
}
