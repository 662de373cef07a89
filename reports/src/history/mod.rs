//! The nightly regression job's pure half: the matrix format, the run history (SQLite), the
//! statistics that decide what regressed, the summaries and the exports for dashboards.
//!
//! The binary (`cli/src/regress.rs`, `cli/src/history.rs`) runs processes and writes
//! files; everything it decides with, and everything it prints, lives here, where it is unit-tested without sockets.
//!
//! - [`matrix`]: the TOML matrix → checked [`matrix::Scenario`]s
//! - [`stats`]: Mann–Whitney U with exact and normal-approximation p-values
//! - [`compare`]: metrics, thresholds and the regressed/improved/unchanged verdict
//! - [`run`]: what is kept of one run's JSON document
//! - [`db`]: the SQLite history; [`schema`]: its tables and migrations
//! - [`host`], [`when`]: host facts and dates
//! - [`summary`]: Markdown and HTML tables; [`trend`]: charts across the history;
//!   [`export`]: BMF and github-action-benchmark JSON
//! - [`job`]: the regress job's plan and progress lines; [`listing`]: `history list|show`

pub mod compare;
pub mod db;
pub mod export;
pub mod host;
pub mod job;
pub mod listing;
pub mod matrix;
pub mod run;
pub mod schema;
pub mod stats;
pub mod summary;
pub mod trend;
pub mod when;
