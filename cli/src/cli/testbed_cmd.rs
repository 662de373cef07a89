//! `tfw-bench testbed defaults|import|check` options.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct TestbedOpts {
    #[command(subcommand)]
    pub command: TestbedCommand,
}

#[derive(Subcommand, Debug)]
pub enum TestbedCommand {
    /// Print a commented default test-bed file: every key, its default and what it is for.
    Defaults,
    /// Convert tempesta-test's tests_config.ini to a test-bed file (kind = "tempesta").
    Import {
        /// The tests_config.ini to read.
        ini: PathBuf,
        /// Write the test-bed file here instead of to standard output.
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: Option<PathBuf>,
        /// Replace OUT if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Connect to every host of a test-bed file, authenticate, and list the programs each
    /// role needs that are missing there (exit 1 when some are, 2 when a host cannot be
    /// reached or the file is bad).
    Check {
        /// The test-bed file.
        file: PathBuf,
        /// Trust an SSH host not yet in known_hosts and add its key there (a changed key is
        /// still refused).
        #[arg(long)]
        accept_new_host_key: bool,
    },
}
