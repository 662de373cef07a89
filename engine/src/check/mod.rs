//! The functional checker's engine side (`tfw-bench check`): scripted clients and a scripted,
//! recording backend, run case by case on one pinned worker over the same I/O layer (`ring`)
//! and the same sans-IO codecs (`proto::h1`, `proto::h2`, HPACK, `proto::tls`) as the load.
//!
//! Why one worker: cases run concurrently behind one proxy and one backend address, and the
//! backend tells them apart by the marker each structured request carries (`MARKER_HEADER`);
//! one event loop owning every client and backend connection routes without locks.
//!
//! Layers (no file imports one that imports it back):
//! - `plan`: what to run, validated (built by `scenarios::check`); `transcript`: what was
//!   received, the only input of expectations; both import nothing else of this module.
//! - `expect`, `profile`: pure functions, transcript in, verdict out (`Failure`).
//! - `wire`: sans-IO per-connection protocol state (client HTTP/1.1 and HTTP/2 with frame
//!   control, backend HTTP/1.1 with scripted responses), segmentation.
//! - `run`: the event loop, cases' step machines, waits and deadlines, routing.

pub mod expect;
pub mod plan;
pub mod profile;
pub mod run;
pub mod transcript;
pub mod wire;

pub use plan::*;
pub use transcript::*;

/// The header every structured request carries so the backend knows its case (value: the
/// case's marker, `CasePlan::marker`). Raw requests carry it where their bytes say
/// `${marker}` (expanded by the plan builder).
pub const MARKER_HEADER: &str = "x-tfw-check";
