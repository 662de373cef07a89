//! tfw-bench's load engine: a validated plan in, a `RunResult` out.
//!
//! One pinned worker thread per selected CPU owns its io_uring (or epoll) backend, its
//! connections, buffers, histograms and counters; one coordinator (`coordinator`), generic
//! over what the workers measure, starts them together and merges their interval snapshots
//! (`run` for load, `handshake_run` for handshake storms).
//! The engine never sees clap or terminals; the files it touches are the ones a plan names for
//! TLS, the record sink it is handed, and /proc facts. See ARCHITECTURE.md for the picture.

#![deny(clippy::undocumented_unsafe_blocks)]

// `unsafe` lives in the I/O layer alone (ring/ and buf/), each block with a `// SAFETY:`
// comment; every other module forbids it (proto/ does so in its own mod.rs).
pub mod buf;
#[forbid(unsafe_code)]
pub mod check;
#[forbid(unsafe_code)]
pub mod coordinator;
#[forbid(unsafe_code)]
pub mod cpu;
#[forbid(unsafe_code)]
pub mod error;
#[forbid(unsafe_code)]
pub mod handshake_run;
#[forbid(unsafe_code)]
pub mod limits;
#[forbid(unsafe_code)]
pub mod plan;
pub mod proto;
#[forbid(unsafe_code)]
pub mod result;
pub mod ring;
#[forbid(unsafe_code)]
pub mod run;
#[forbid(unsafe_code)]
pub mod script;
#[forbid(unsafe_code)]
pub mod stats;
#[forbid(unsafe_code)]
pub mod worker;

pub use error::EngineError;
pub use run::{run_load, start_server, start_server_recording, ServerHandle, ServerTotals};
