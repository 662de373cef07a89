//! `tfw-bench report`: reads run documents (`stress --json`), writes their plots (SVG + PNG)
//! and a self-contained HTML page into a directory. The work is tfw_reports::report's; this
//! is the file handling around it.

use crate::cli::report::ReportOpts;
use anyhow::{bail, Context};
use std::path::Path;
use tfw_reports::report::{self, Run, Size};

pub fn run(o: ReportOpts) -> anyhow::Result<i32> {
    if o.labels.len() > o.runs.len() {
        bail!(
            "{} labels for {} run files: give at most one --label per file",
            o.labels.len(),
            o.runs.len()
        );
    }
    let mut runs = Vec::with_capacity(o.runs.len());
    for (i, path) in o.runs.iter().enumerate() {
        let label = o.labels.get(i).cloned().unwrap_or_else(|| stem(path));
        runs.push(read_run(path, &label)?);
    }
    let files = report::build(&runs, Size::DEFAULT)?;
    std::fs::create_dir_all(&o.out)
        .with_context(|| format!("cannot create {}", o.out.display()))?;
    for f in &files {
        let path = o.out.join(&f.name);
        std::fs::write(&path, &f.bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let page = o.out.join(report::HTML_FILE);
    print!("{}", report::written_line(&page, &files, Size::DEFAULT));
    Ok(0)
}

/// The file name without its extension.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn read_run(path: &Path, label: &str) -> anyhow::Result<Run> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Run::parse(label, &text).with_context(|| format!("{}", path.display()))
}
