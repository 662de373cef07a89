//! A host to run commands on and to move files to and from: over SSH ([`ssh`]) or this
//! machine ([`local`]), behind one trait so the target code does not care which.
//!
//! - [`quote`]: the remote command line (POSIX quoting of every value);
//! - [`known_hosts`]: OpenSSH known_hosts, sans-IO (host keys are verified before any
//!   authentication; unknown hosts need `--accept-new-host-key`, changed keys are refused);
//! - [`keyfile`]: private key files must exist and be private, as OpenSSH demands;
//! - [`ssh`]: connect, verify, authenticate; [`exec`]: a command over an SSH channel with a
//!   timeout that kills the remote process group; [`sftp`]: atomic upload, download;
//! - [`local`]: the same trait on this machine (`hostname = "localhost"`);
//! - `types` (re-exported here): [`Cmd`], [`Output`], [`ConnectOptions`], [`HostError`],
//!   [`Host`]; `attempt`: one try of an SSH operation and whether to reconnect.

mod attempt;
pub mod exec;
pub mod keyfile;
pub mod known_hosts;
pub mod local;
pub mod quote;
pub mod sftp;
pub mod ssh;
mod types;

pub use types::{Cmd, ConnectOptions, Host, HostError, Output};

use crate::file::HostSpec;

/// The host of `spec`: local when its hostname is "localhost", else over SSH.
pub fn connect(spec: &HostSpec, opts: &ConnectOptions) -> Result<Box<dyn Host>, HostError> {
    if spec.is_local() {
        Ok(Box::new(local::LocalHost::new()))
    } else {
        Ok(Box::new(ssh::SshHost::connect(spec, opts)?))
    }
}
