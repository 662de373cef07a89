//! The I/O options shared by `stress`, `serve` and `handshake`: worker threads or CPUs, and
//! the I/O path. Their own module, so that the subcommands' option modules (`handshake`) and
//! this layer's root both use them without importing each other.

use clap::{Args, ValueEnum};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IoArg {
    /// io_uring with multishot receive where the kernel has it; epoll where io_uring is blocked
    Auto,
    /// io_uring with one-shot (poll-first) receives only
    UringPlain,
    /// epoll
    Epoll,
}

#[derive(Args, Debug, Clone)]
pub struct IoOpts {
    /// Worker threads, one per CPU, chosen from the CPUs this process may run on.
    #[arg(short = 't', long)]
    pub threads: Option<usize>,
    /// CPUs to pin workers to, e.g. 1,3-5 (one worker per CPU).
    #[arg(long, conflicts_with = "threads")]
    pub cpus: Option<String>,
    /// I/O path.
    #[arg(long, value_enum, default_value_t = IoArg::Auto)]
    pub io: IoArg,
}
