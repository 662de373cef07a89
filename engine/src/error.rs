//! Errors that stop a run before or while it starts. Failures during a run are counted, not
//! raised: they are results.

use std::net::SocketAddr;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum EngineError {
    // The io::Error is part of the message, not a `#[source]`: error reporters that print
    // the chain would say it twice.
    #[error("cannot connect to {addr}: {error}")]
    Unreachable {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error(
        "--conns {conns} needs about {needed} file descriptors but the hard limit (RLIMIT_NOFILE) is {hard}: \
         lower --conns, or raise the hard limit (ulimit -Hn, systemd LimitNOFILE=) and run again"
    )]
    TooManyFiles { conns: u32, needed: u64, hard: u64 },
    #[error(
        "--conns {conns} needs {conns} local ports towards {target}, but only {ports} ephemeral ports \
         (net.ipv4.ip_local_port_range {low} {high}) x {addrs} source address(es) exist: \
         add --source-addrs (e.g. 127.0.0.2-127.0.0.9 for a loopback target) or widen the port range"
    )]
    PortsExhausted {
        conns: u32,
        target: SocketAddr,
        ports: u64,
        low: u32,
        high: u32,
        addrs: usize,
    },
    #[error("CPU {0} is not one this process may run on (allowed: {1})")]
    CpuNotAllowed(usize, String),
    #[error("no CPU is available to run workers on")]
    NoCpus,
    #[error("worker on CPU {cpu} could not start: {reason}")]
    WorkerStart { cpu: usize, reason: String },
    #[error("cannot listen on {addr}: {error}")]
    Listen {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("source address {0} cannot be used: {1}")]
    SourceAddr(std::net::IpAddr, std::io::Error),
    #[error("{0}")]
    Invalid(String),
    /// The plan's script factory could not make a worker's script (wrk: the script does
    /// not load or its `setup`/`init` fails).
    #[error("request script (worker {worker}): {reason}")]
    Script { worker: usize, reason: String },
}
