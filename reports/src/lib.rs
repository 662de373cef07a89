//! Output formats of tfw-bench: pure functions from an engine [`RunResult`] to a human text
//! summary ([`summary`]), h2load's summary lines ([`h2load`]) and the JSON run document
//! ([`to_json`]) described by the committed JSON Schema [`RUN_SCHEMA`]
//! (`schema/run.schema.json`); from a handshake run to its text and JSON ([`handshake`]); and
//! from run documents read back to plots and an HTML page ([`report`]); the lines `stress` and
//! `serve` print around a run ([`banner`]); and the regression job's history, its tables and
//! its progress lines ([`history`]).
//!
//! Nothing here does I/O: the binary prints the strings and writes the files. Field names of
//! the JSON document are a committed contract; fields are only ever added.
//!
//! [`RunResult`]: tfw_engine::result::RunResult

#![forbid(unsafe_code)]

pub mod banner;
pub mod check;
pub mod drop_in;
pub mod h2load;
pub mod handshake;
pub mod hdrlog;
pub mod history;
pub mod json;
pub mod latency;
pub mod remote;
pub mod report;
pub mod text;
pub mod units;
pub mod warnings;

pub use json::{to_json, Meta};
pub use latency::LatencySummary;
pub use text::summary;

/// The JSON Schema (draft 2020-12) of the document [`to_json`] produces.
pub const RUN_SCHEMA: &str = include_str!("../schema/run.schema.json");
