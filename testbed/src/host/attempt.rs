//! One try of an SSH operation, and whether the connection was found lost before anything
//! ran on the host (then [`super::ssh`] connects again and retries once); libssh2's timeout
//! unit.

use super::types::HostError;
use std::time::Duration;

/// A failed operation; `lost` when the connection was found gone before anything ran on the
/// host (the channel or SFTP could not even be opened): worth one reconnect and retry.
pub struct Attempt {
    pub error: HostError,
    pub lost: bool,
}

impl From<HostError> for Attempt {
    fn from(error: HostError) -> Attempt {
        Attempt { error, lost: false }
    }
}

/// libssh2 errors that mean the connection is gone (socket none/send/disconnect/recv).
pub fn connection_lost(e: &ssh2::Error) -> bool {
    matches!(e.code(), ssh2::ErrorCode::Session(-1 | -7 | -13 | -43))
}

/// libssh2 takes its timeouts in milliseconds, 0 meaning none: never 0 here.
pub fn millis(d: Duration) -> u32 {
    d.as_millis().clamp(1, u32::MAX as u128) as u32
}
