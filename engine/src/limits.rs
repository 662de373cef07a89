//! Checks before a run that the process can hold the connections asked for: file descriptors
//! (raising the soft RLIMIT_NOFILE as needed) and ephemeral ports per source address.

use crate::error::EngineError;
use crate::ring::sys;
use std::net::SocketAddr;

/// Descriptors a worker needs beyond its sockets (ring, listener, std streams, slack).
const FD_SLACK: u64 = 64;

/// Raises the soft fd limit to cover `conns` sockets (+ `extra`), or says what to do.
pub fn ensure_fds(conns: u32, extra: u64) -> Result<(), EngineError> {
    let needed = conns as u64 + extra + FD_SLACK;
    let (soft, hard) =
        sys::nofile_limits().map_err(|e| EngineError::Invalid(format!("getrlimit: {e}")))?;
    if needed > hard {
        return Err(EngineError::TooManyFiles {
            conns,
            needed,
            hard,
        });
    }
    if needed > soft {
        sys::set_nofile_soft(needed.max(soft))
            .map_err(|e| EngineError::Invalid(format!("setrlimit: {e}")))?;
    }
    Ok(())
}

/// Fails when `conns` connections to `target` cannot all get a local port.
pub fn ensure_ports(
    conns: u32,
    target: SocketAddr,
    source_addrs: usize,
) -> Result<(), EngineError> {
    let (low, high) = sys::ephemeral_port_range();
    let ports = (high.saturating_sub(low) + 1) as u64;
    let addrs = source_addrs.max(1);
    if conns as u64 > ports * addrs as u64 {
        return Err(EngineError::PortsExhausted {
            conns,
            target,
            ports,
            low,
            high,
            addrs,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_budget_counts_source_addresses() {
        let t: SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert!(ensure_ports(100, t, 0).is_ok());
        let err = ensure_ports(10_000_000, t, 1).unwrap_err().to_string();
        assert!(err.contains("--source-addrs"), "{err}");
    }

    #[test]
    fn fd_budget_above_hard_limit_is_refused() {
        let (_, hard) = sys::nofile_limits().unwrap();
        if hard < u32::MAX as u64 / 2 {
            let err = ensure_fds((hard + 10) as u32, 0).unwrap_err().to_string();
            assert!(err.contains("RLIMIT_NOFILE"), "{err}");
        }
        assert!(ensure_fds(10, 0).is_ok());
    }
}
