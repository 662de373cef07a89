//! `--testbed` and its companions on `stress`, `handshake` and `regress`: control of the
//! target through a test-bed file around a run.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Default, Clone)]
pub struct TargetOpts {
    /// Test-bed file (TOML, see docs/testbed.md and docs/target-runs.md): upload the target's
    /// config and (re)start it before the run, record its counters before and after, fail on
    /// kernel-log findings.
    #[arg(long, value_name = "FILE")]
    pub testbed: Option<PathBuf>,
    /// The target's config to upload (default: the test-bed's config_file).
    #[arg(long, value_name = "FILE", requires = "testbed")]
    pub target_config: Option<PathBuf>,
    /// Reload the target this often during the load, e.g. 2s (marked on the plots).
    #[arg(long, value_name = "DURATION", requires = "testbed")]
    pub reload_every: Option<String>,
    /// Trust an unknown SSH host key and add it to known_hosts (a changed key is always refused).
    #[arg(long, requires = "testbed")]
    pub accept_new_host_key: bool,
}
