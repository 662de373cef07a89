//! The options of `tfw-bench handshake HOST:PORT` as clap sees them (`plan::handshake` checks
//! them).

use super::io::IoOpts;
use super::tls::TlsOpts;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct HandshakeOpts {
    /// Target HOST:PORT (e.g. 127.0.0.1:443, localhost:8443, [::1]:443).
    pub target: String,
    /// Peers: handshakes in progress at once (over all workers).
    #[arg(short = 'c', long = "conns", default_value_t = 10)]
    pub conns: u32,
    #[command(flatten)]
    pub io: IoOpts,
    /// Length of the measured phase (after the slow start), e.g. 10s (default 10s; with -n,
    /// no limit but the count).
    #[arg(short = 'd', long)]
    pub duration: Option<String>,
    /// Stop after exactly N measured handshakes.
    #[arg(short = 'n', long = "handshakes")]
    pub handshakes: Option<u64>,
    #[command(flatten)]
    pub tls: TlsOpts,
    /// A connect plus handshake not done within this long is a timeout.
    #[arg(long, default_value = "5s")]
    pub timeout: String,
    /// After each handshake send one HTTP/1.1 GET (of PATH, default /) and read its response
    /// before the reset; the handshake latency is still the handshake's.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "/")]
    pub request: Option<String>,
    /// Write the results as JSON to FILE.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// No per-second lines.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    #[command(flatten)]
    pub control: super::target::TargetOpts,
}
