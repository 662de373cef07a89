//! `tfw-bench check`'s options, as clap parses them: check files or the built-in smoke pack,
//! and the run-wide overrides. Validated into a plan by `plan::check`.

use super::io::IoArg;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// Tempesta FW: Via and X-Forwarded-For appended, hop-by-hop headers removed
    Tempesta,
    /// nginx as tools/peers/nginx-proxy.conf configures it
    Nginx,
    /// only what every proxy must do (hop-by-hop headers removed, the rest kept)
    Generic,
}

#[derive(Args, Debug)]
pub struct CheckOpts {
    /// Check files (TOML, see docs/check.md) and directories of them (their *.toml files).
    #[arg(
        value_name = "FILE|DIR",
        required_unless_present = "smoke",
        conflicts_with = "smoke"
    )]
    pub paths: Vec<PathBuf>,
    /// Run the built-in smoke pack through the proxy at URL (http:// or https://host:port;
    /// https runs the HTTP/2 cases too); needs --backend.
    #[arg(long, value_name = "URL", requires = "backend")]
    pub smoke: Option<String>,
    /// Smoke mode: the address the proxy forwards to; the checker's backend listens there.
    #[arg(long, value_name = "HOST:PORT", requires = "smoke")]
    pub backend: Option<String>,
    /// What the proxy does to a forwarded message, for every case (default: each file's).
    #[arg(long, value_enum)]
    pub profile: Option<ProfileArg>,
    /// Send every message of every client and backend in TCP segments of N bytes, one send
    /// each (like tempesta-test's -T); 0: off.
    #[arg(short = 'T', long = "segment-size", value_name = "N")]
    pub segment_size: Option<usize>,
    /// Pause between segments (with -T), e.g. 1ms.
    #[arg(long, value_name = "DURATION", requires = "segment_size")]
    pub segment_gap: Option<String>,
    /// Cases running at once (cases marked `alone` run by themselves).
    #[arg(long, default_value_t = 32)]
    pub parallel: usize,
    /// Bound on every wait of every case (default: each file's, 5s unless it says), e.g. 10s.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Test-bed file (TOML): key K of section [S] fills ${S_K} in check files; when its
    /// [tempesta] names a kind, its target is also restarted before the cases (with each
    /// check file's own [target] config) and its kernel log checked after them.
    #[arg(long, value_name = "FILE")]
    pub testbed: Option<PathBuf>,
    /// The target's config for the files that carry none (default: the test-bed's config_file).
    #[arg(long, value_name = "FILE", requires = "testbed")]
    pub target_config: Option<PathBuf>,
    /// Reload the target this often while cases run, e.g. 2s.
    #[arg(long, value_name = "DURATION", requires = "testbed")]
    pub reload_every: Option<String>,
    /// Trust an unknown SSH host key and add it to known_hosts (a changed key is always refused).
    #[arg(long, requires = "testbed")]
    pub accept_new_host_key: bool,
    /// CPU to pin the checker's one worker to (default: not pinned).
    #[arg(long, value_name = "N")]
    pub cpu: Option<usize>,
    /// I/O path.
    #[arg(long, value_enum, default_value_t = IoArg::Auto)]
    pub io: IoArg,
    /// Also list the cases that passed (failures, skips and the summary are always printed).
    #[arg(short = 'v', long)]
    pub verbose: bool,
}
