//! tfw-bench's load engine: a validated plan in, a `RunResult` out.
//!
//! One pinned worker thread per selected CPU owns its io_uring (or epoll) backend, its
//! connections, buffers, histograms and counters; one coordinator (`coordinator`), generic
//! over what the workers measure, starts them together and merges their interval snapshots
//! (`run` for load, `handshake_run` for handshake storms).
//! The engine never sees clap, files or terminals. See ARCHITECTURE.md for the picture.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod buf;
pub mod coordinator;
pub mod cpu;
pub mod error;
pub mod handshake_run;
pub mod limits;
pub mod plan;
pub mod proto;
pub mod result;
pub mod ring;
pub mod run;
pub mod stats;
pub mod worker;

pub use error::EngineError;
pub use run::{run_load, start_server, start_server_recording, ServerHandle, ServerTotals};
