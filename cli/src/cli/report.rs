//! The options of `tfw-bench report` as clap sees them.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ReportOpts {
    /// Run documents written by `tfw-bench stress --json`; the first is the baseline the
    /// others are compared with.
    #[arg(required = true, value_name = "RUN.json")]
    pub runs: Vec<PathBuf>,
    /// Directory to write the plots and report.html into (created if missing).
    #[arg(short = 'o', long, value_name = "DIR")]
    pub out: PathBuf,
    /// Name of a run in legends and tables, in the order of the files (repeatable; default:
    /// the file name without .json).
    #[arg(long = "label", value_name = "NAME")]
    pub labels: Vec<String>,
}
