//! Why a check run could not run at all (a case's own troubles are failures, not errors).

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("backend {backend}: cannot listen on {addr}: {source}")]
    Listen {
        backend: String,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("no I/O backend: {0}")]
    Ring(std::io::Error),
    #[error("could not pin the checker to CPU {0}")]
    Pin(usize),
    #[error("waiting for I/O failed: {0}")]
    Wait(std::io::Error),
    #[error("the checker thread could not start or ended early: {0}")]
    Thread(String),
}
