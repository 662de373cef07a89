//! `tfw-bench remote` options: the test-bed file, the SSH trust flag, `--json`, and one
//! action as a subcommand. Syntax only: `plan::remote` checks the values.

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(
    after_help = "Exit status: 0 done; 1 `status` not running, `perfstat` without \
                  counters, `dmesg --since` or a whole-log `dmesg` with findings; `exec` exits \
                  with the remote command's status; 2 an error (bad input, unreachable host, \
                  refused host key or authentication, a timeout, a failed start). See \
                  docs/remote.md."
)]
pub struct RemoteOpts {
    /// Test-bed file (TOML, see docs/remote.md); its `[tempesta]` section is the target.
    /// Required; it may come before or after the action.
    #[arg(long, value_name = "FILE", global = true)]
    pub testbed: Option<PathBuf>,
    /// Trust an unknown SSH host key and add it to known_hosts (a changed key is always
    /// refused).
    #[arg(long, global = true)]
    pub accept_new_host_key: bool,
    /// Print a JSON object instead of text (status, perfstat, dmesg).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub action: RemoteAction,
}

#[derive(Subcommand, Debug)]
pub enum RemoteAction {
    /// Upload the config and start the target; wait until it is ready.
    Start {
        /// The target's config to upload (default: the test-bed's config_file).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Stop the target (not running is no error).
    Stop,
    /// Upload the config (if given) and reload the target; wait until it is ready.
    Reload {
        /// The target's config to upload (default: the test-bed's config_file).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Whether the target runs: exit 0 running, 1 not running.
    Status,
    /// The target's counters (Tempesta's perfstat, or stub_status of a command target's
    /// stats_url); exit 1 when the target has none.
    Perfstat,
    /// The target host's kernel log scanned for Oops, WARNING, BUG, ERROR and call traces
    /// (exit 1 on findings); --mark prints a mark to pass to --since later.
    Dmesg {
        /// Write a mark into the kernel log and print it (pass it to --since later).
        #[arg(long, conflicts_with = "since")]
        mark: bool,
        /// Scan only the log after this mark (printed by an earlier `dmesg --mark`).
        #[arg(long, value_name = "MARK")]
        since: Option<String>,
        /// Lines matching this regular expression are no findings (repeatable; added to the
        /// test-bed's [general] dmesg_ignore).
        #[arg(long = "ignore", value_name = "REGEX", conflicts_with = "mark")]
        ignore: Vec<String>,
    },
    /// Run a program on the target's host (arguments quoted, no shell unless you run one);
    /// its output is passed through and its exit status is tfw-bench's.
    Exec {
        /// Bound on the command (default: the test-bed's [general] command_timeout), e.g. 30s.
        #[arg(long, value_name = "DURATION")]
        timeout: Option<String>,
        /// The program and its arguments, after `--`.
        #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true, value_name = "PROGRAM")]
        argv: Vec<String>,
    },
    /// Copy a local file to the target's host.
    Upload {
        local: PathBuf,
        remote: String,
        /// The remote file's mode (octal).
        #[arg(long, default_value = "0644")]
        mode: String,
    },
    /// Copy a file from the target's host to a local file.
    Download { remote: String, local: PathBuf },
}
