//! Checks before a run that the process can hold the connections asked for: file descriptors
//! (raising the soft RLIMIT_NOFILE as needed) and ephemeral ports per source address; and
//! that the target answers a connect at all.

use crate::error::EngineError;
use crate::ring::sys;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

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

/// One blocking connect before the run, so an unreachable target is a clear one-line error
/// instead of a run full of connect errors (waiting `timeout`, within 100 ms to 5 s).
pub fn ensure_reachable(target: SocketAddr, timeout: Duration) -> Result<(), EngineError> {
    let t = timeout.clamp(Duration::from_millis(100), Duration::from_secs(5));
    TcpStream::connect_timeout(&target, t)
        .map(drop)
        .map_err(|error| EngineError::Unreachable {
            addr: target,
            error,
        })
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
        // Linux bounds the hard limit by fs.nr_open (at most 2^31 - 1): one connection
        // more than it allows can always be asked for.
        let conns = u32::try_from(hard + 1).expect("RLIMIT_NOFILE is below 2^32 - 1");
        match ensure_fds(conns, 0) {
            Err(EngineError::TooManyFiles {
                conns: c,
                needed,
                hard: h,
            }) => assert_eq!((c, needed, h), (conns, hard + 1 + FD_SLACK, hard)),
            other => panic!("{conns} connections under a hard limit of {hard}: {other:?}"),
        }
        // At the hard limit exactly, with the slack taken from the connections, it passes
        // (and raises the soft limit to the hard one).
        ensure_fds(u32::try_from(hard - FD_SLACK).unwrap(), 0).unwrap();
        assert_eq!(sys::nofile_limits().unwrap(), (hard, hard));
    }
}
