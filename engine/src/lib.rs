//! tfw-bench's load engine: a validated plan in, a `RunResult` out.
//!
//! One pinned worker thread per selected CPU owns its io_uring (or epoll) backend, its
//! connections, buffers, histograms and counters; the coordinator merges interval snapshots.
//! The engine never sees clap, files or terminals. See ARCHITECTURE.md for the picture.

pub mod buf;
pub mod plan;
pub mod proto;
pub mod result;
pub mod ring;
pub mod stats;
