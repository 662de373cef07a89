//! tfw-bench, the binary: [`main`] parses the command line, installs signal handling, runs a
//! subcommand, and turns errors into one line on stderr and a non-zero exit. (`src/main.rs`
//! only calls it; the crate is a library too so that its tests can enable the `test-hooks`
//! feature, see Cargo.toml.)
//!
//! Layers, each importing only from those below it: `cli` (clap options, exit statuses) ->
//! `plan` (options -> validated engine plans; `parse` for values) -> the subcommand drivers
//! (`stress`, `handshake`, `serve`, `regress`, `history`, `report`, `check`, the drop-in `personality` modules, with their helpers
//! `progress`, `target`, `regress_run`, `regress_out`) -> [`main`]. Every printer is in
//! `tfw_reports`.

#![forbid(unsafe_code)]

mod check;
mod cli;
mod handshake;
mod history;
mod parse;
mod personality;
mod plan;
mod progress;
mod regress;
mod regress_out;
mod regress_run;
mod remote;
mod report;
mod run_doc;
mod serve;
mod stress;
mod target;
mod target_session;
#[cfg(feature = "test-hooks")]
mod test_hooks;
mod testbed_cmd;

use clap::Parser;
use cli::exit;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The whole program: never returns.
pub fn main() -> ! {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal ends the process at once, as interrupted.
        let _ =
            signal_hook::flag::register_conditional_shutdown(sig, exit::INTERRUPTED, stop.clone());
        let _ = signal_hook::flag::register(sig, stop.clone());
    }
    // wrk, ab, h2load, tls-perf: by a link's name or as the first argument; their own
    // command lines, not clap's.
    if let Some((tool, rest)) = personality::invoked_as(&args) {
        std::process::exit(personality::run(tool, rest, stop));
    }
    let cli = cli::Cli::parse_from(args);
    let res = match cli.command {
        cli::Command::Stress(o) => stress::run(o, stop),
        cli::Command::Handshake(o) => handshake::run(o, stop),
        cli::Command::Serve(o) => serve::run(o, stop),
        cli::Command::Regress(o) => regress::run(o, stop),
        cli::Command::History(o) => history::run(o),
        cli::Command::Report(o) => report::run(o),
        cli::Command::Check(o) => check::run(o, stop),
        cli::Command::Links(o) => personality::links::run(&o.dir, o.force),
        cli::Command::Remote(o) => remote::run(o),
        cli::Command::Testbed(o) => testbed_cmd::run(o),
    };
    match res {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("tfw-bench: error: {e:#}");
            std::process::exit(exit::SETUP);
        }
    }
}
