//! tfw-bench: the binary's edge. Parses the command line, installs signal handling, runs a
//! subcommand, and turns errors into one line on stderr and a non-zero exit.

mod caps;
mod cli;
mod cli_history;
mod handshake;
mod history;
mod parse;
mod plan;
mod progress;
mod regress;
mod regress_out;
mod regress_run;
mod report;
mod serve;
mod stress;
mod target;
mod tls_opts;

use clap::Parser;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Exit code when a run cannot start (bad input, unreachable target, limits).
const EXIT_SETUP: i32 = 2;

fn main() {
    let cli = cli::Cli::parse();
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal ends the process at once.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, EXIT_SETUP, stop.clone());
        let _ = signal_hook::flag::register(sig, stop.clone());
    }
    let res = match cli.command {
        cli::Command::Stress(o) => stress::run(o, stop),
        cli::Command::Handshake(o) => handshake::run(o, stop),
        cli::Command::Serve(o) => serve::run(o, stop),
        cli::Command::Regress(o) => regress::run(o, stop),
        cli::Command::History(o) => history::run(o),
        cli::Command::Report(o) => report::run(o),
    };
    match res {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("tfw-bench: error: {e:#}");
            std::process::exit(EXIT_SETUP);
        }
    }
}
