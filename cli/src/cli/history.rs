//! The options of `regress` and `history` as clap sees them. Checked in the drivers
//! (`regress.rs`, `history.rs`).

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RegressOpts {
    /// Scenario matrix (TOML; see cli/matrix/README.md). Default: the built-in default
    /// matrix (cli/matrix/default.toml).
    #[arg(long)]
    pub matrix: Option<PathBuf>,
    /// History database (SQLite; created if missing).
    #[arg(long)]
    pub history: PathBuf,
    /// Output directory: summary.md, report.html and the runs' JSON files (runs/).
    #[arg(long)]
    pub out: PathBuf,
    /// Load this target in every scenario instead of the built-in target or the matrix's URLs.
    #[arg(long)]
    pub url: Option<String>,
    /// Repeats of every scenario (overrides the matrix).
    #[arg(long)]
    pub repeats: Option<u32>,
    /// Length of every run, e.g. 2s (overrides the matrix).
    #[arg(long)]
    pub duration: Option<String>,
    /// What to compare with: `last:K` (the runs of the last K invocations that ran the
    /// scenario) or an invocation id from `tfw-bench history list`.
    #[arg(long, default_value = "last:3")]
    pub baseline: String,
    /// Free-form version of the target, kept in the history (e.g. Tempesta's commit).
    #[arg(long)]
    pub target_version: Option<String>,
    /// Significance level of the Mann–Whitney U test (overrides the matrix; default 0.05).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Minimum relative change of the medians for every metric, e.g. 0.05 = 5 % (overrides
    /// the matrix, per-metric values included).
    #[arg(long)]
    pub min_effect: Option<f64>,
    /// Also write the results as `bmf FILE` (Bencher Metric Format) or `gab FILE`
    /// (github-action-benchmark: FILE gets customSmallerIsBetter, FILE.bigger.json
    /// customBiggerIsBetter). Repeatable.
    #[arg(long, num_args = 2, value_names = ["FORMAT", "FILE"])]
    pub export: Vec<String>,
    /// Check the matrix and print the plan (what runs, what is skipped and why, how long it
    /// takes) without running anything.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub control: super::target::TargetOpts,
}

#[derive(Args, Debug)]
pub struct HistoryOpts {
    /// History database (SQLite) written by `tfw-bench regress`.
    #[arg(long, global = true)]
    pub history: Option<PathBuf>,
    #[command(subcommand)]
    pub action: HistoryAction,
}

#[derive(Subcommand, Debug)]
pub enum HistoryAction {
    /// List the invocations of `regress`, oldest first.
    List,
    /// Show one invocation: versions, host, and every run's figures.
    Show {
        /// Invocation id (from `list`).
        id: i64,
    },
    /// Delete old invocations and their runs.
    Prune(PruneOpts),
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct PruneOpts {
    /// Keep the newest N invocations.
    #[arg(long)]
    pub keep: Option<usize>,
    /// Delete the invocations started before DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC).
    #[arg(long)]
    pub before: Option<String>,
}
