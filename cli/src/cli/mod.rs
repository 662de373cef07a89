//! The CLI layer: the command line as clap sees it, and the exit statuses. Nothing here is
//! checked beyond syntax: `plan` turns these options into validated engine plans, and the
//! subcommand drivers run them. This layer imports nothing from the others.

pub mod check;
pub mod exit;
pub mod handshake;
pub mod history;
pub mod io;
pub mod remote;
pub mod report;
pub mod target;
pub mod testbed_cmd;
pub mod tls;

use clap::{Args, Parser, Subcommand, ValueEnum};
pub use io::{IoArg, IoOpts};

#[derive(Parser, Debug)]
#[command(
    name = "tfw-bench",
    version,
    about = "Load and stress test engine for TempestaFW and any HTTP server",
    propagate_version = true,
    after_help = "Drop-in personalities: `tfw-bench wrk|ab|h2load|tls-perf ARGS...` (or the binary \
                  invoked by one of those names, see `links`) take that tool's options and print its output."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum Command {
    /// Load a target (closed loop); with no URL, start the built-in target and load it.
    Stress(StressOpts),
    /// TLS handshake storm (tls-perf): connect, handshake, close with an RST, repeat.
    Handshake(handshake::HandshakeOpts),
    /// Run the built-in HTTP/1.1 target.
    Serve(ServeOpts),
    /// The nightly regression job: run a matrix of scenarios, keep every run in a history,
    /// flag what got slower (exit 1).
    Regress(history::RegressOpts),
    /// Look at and trim the regression history.
    History(history::HistoryOpts),
    /// Plots (SVG, PNG) and an HTML page of one or more `stress --json` run documents.
    Report(report::ReportOpts),
    /// Functional checks through a proxy: scripted clients and a scripted, recording backend,
    /// with expectations on both sides (check files, or the built-in smoke pack with --smoke).
    Check(check::CheckOpts),
    /// Make links named wrk, ab, h2load and tls-perf to this binary in DIR: invoked by those
    /// names (or as `tfw-bench wrk ARGS...`), it takes that tool's options and prints its output.
    Links(LinksOpts),
    /// Drive the target of a test-bed file over SSH (or locally): start, stop, reload,
    /// status, perfstat, dmesg, exec, upload.
    Remote(remote::RemoteOpts),
    /// Test-bed files: print the commented defaults, import a tempesta-test
    /// tests_config.ini, check that every host answers and has what its role needs.
    Testbed(testbed_cmd::TestbedOpts),
}

#[derive(Args, Debug)]
pub struct LinksOpts {
    /// Directory to make the links in.
    pub dir: std::path::PathBuf,
    /// Replace files of those names that are not links to this binary.
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SummaryArg {
    /// tfw-bench's summary
    Tfw,
    /// tfw-bench's summary followed by h2load's requests and status code lines
    H2load,
}

#[derive(Args, Debug)]
pub struct StressOpts {
    /// Target URL (http:// or https://host[:port]/path). Without it the built-in target is
    /// started on its own CPU and loaded (over TLS with an https:// scheme only: --tls-target).
    pub url: Option<String>,
    /// Connections to keep open (over all workers).
    #[arg(short = 'c', long = "conns", default_value_t = 50)]
    pub conns: u32,
    /// Length of the load phase, e.g. 10s, 500ms, 2m (default 10s; with -n, no limit but
    /// the count).
    #[arg(short = 'd', long)]
    pub duration: Option<String>,
    /// Stop after exactly N responses (with --duration too: whichever comes first).
    #[arg(short = 'n', long = "requests")]
    pub requests: Option<u64>,
    /// Open loop at a fixed rate: R requests/s in total, each due at a time fixed in advance
    /// (wrk2). Latency counts from that time (corrected for coordinated omission) and, as
    /// "uncorrected", from the actual send.
    #[arg(short = 'R', long)]
    pub rate: Option<f64>,
    /// Load this long before the measured run (not counted), e.g. 2s.
    #[arg(long)]
    pub warmup: Option<String>,
    /// Raise the load linearly over this long: connections (closed loop) or the rate (with
    /// --rate), e.g. 5s.
    #[arg(long)]
    pub ramp_up: Option<String>,
    #[command(flatten)]
    pub io: IoOpts,
    /// Extra request header "Name: value" (repeatable).
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    /// Request method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Request body: text, or @FILE to read it from a file.
    #[arg(long)]
    pub body: Option<String>,
    /// A request file (TOML, see scenarios/README.md): several requests chosen round-robin,
    /// by weight, or as a sequence per connection, optionally with cookie replay. Replaces
    /// --method, --body and -H.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["method", "body", "headers"])]
    pub mix: Option<std::path::PathBuf>,
    /// Requests in flight per connection (HTTP/1.1 pipelining).
    #[arg(long, default_value_t = 1)]
    pub pipeline: u32,
    /// HTTP/2 over TLS (ALPN h2); needs an https:// URL.
    #[arg(long, conflicts_with = "h2c")]
    pub h2: bool,
    /// HTTP/2 over plain TCP with prior knowledge (h2c); needs an http:// URL.
    #[arg(long)]
    pub h2c: bool,
    /// HTTP/2: concurrent streams per connection (h2load's -m).
    #[arg(short = 'm', long = "streams")]
    pub streams: Option<u32>,
    /// HTTP/2: each stream's receive window in bytes (SETTINGS_INITIAL_WINDOW_SIZE).
    #[arg(long, default_value_t = (1 << 30) - 1)]
    pub window: u32,
    /// HTTP/2: the connection's receive window in bytes.
    #[arg(long, default_value_t = (1 << 30) - 1)]
    pub conn_window: u32,
    #[command(flatten)]
    pub tls: tls::TlsOpts,
    /// Summary format: tfw-bench's own, or h2load's lines ("requests: N total, ...",
    /// "status codes: ...") after it.
    #[arg(long, value_enum, default_value_t = SummaryArg::Tfw)]
    pub summary: SummaryArg,
    /// A request without a complete response for this long is a timeout (connection reopened).
    #[arg(long, default_value = "5s")]
    pub timeout: String,
    /// Write the results as JSON to FILE.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
    /// Write the per-interval latency histograms as an HdrHistogram interval log to FILE.
    #[arg(long)]
    pub hdr_log: Option<std::path::PathBuf>,
    /// Exit with status 1 when any error was counted.
    #[arg(long)]
    pub fail_on_errors: bool,
    /// Spread connections over local addresses, e.g. 127.0.0.2-127.0.0.9 or 10.0.0.1,10.0.0.2.
    #[arg(long)]
    pub source_addrs: Option<String>,
    /// Connects in flight at most (over all workers), so the target's accept queue keeps up.
    #[arg(long, default_value_t = 512)]
    pub connect_window: u32,
    /// Closed loop: let completions gather for up to this long before handling them. Saves
    /// client CPU (fewer wake-ups); responses are stamped up to this late. 0 = stamp each one
    /// as it arrives (io_uring on kernels 6.12+; elsewhere completions are never batched).
    #[arg(long, default_value = "200us")]
    pub batch_wait: String,
    /// No live progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Response body size of the built-in target (when no URL is given).
    #[arg(long, default_value_t = 2)]
    pub serve_body_size: usize,
    #[command(flatten)]
    pub control: target::TargetOpts,
}

#[derive(Args, Debug)]
pub struct ServeOpts {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub listen: String,
    /// Response body size in bytes.
    #[arg(long, default_value_t = 2)]
    pub body_size: usize,
    /// Response status code.
    #[arg(long, default_value_t = 200)]
    pub status: u16,
    /// Extra response header "Name: value" (repeatable).
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    /// Fixed delay before every response, e.g. 1ms.
    #[arg(long, default_value = "0s")]
    pub delay: String,
    /// Close a connection after this many requests (0: never).
    #[arg(long, default_value_t = 0)]
    pub close_after: u64,
    /// Stop answering this long after the start (with --stall-for), e.g. 2s.
    #[arg(long)]
    pub stall_after: Option<String>,
    /// How long to stop answering; requests that arrive meanwhile are answered at its end.
    #[arg(long)]
    pub stall_for: Option<String>,
    #[command(flatten)]
    pub io: IoOpts,
    /// Print "listening ADDR" on stdout once ready (for a parent process).
    #[arg(long, hide = true)]
    pub announce: bool,
    /// Exit when standard input closes (the parent that started us is gone).
    #[arg(long, hide = true)]
    pub exit_on_stdin_eof: bool,
    /// Stop after this long (default: run until interrupted).
    #[arg(long)]
    pub duration: Option<String>,
    /// Write one JSON line per request received to FILE (worker, conn, index, method, path,
    /// cookie, headers, body_len); complete once serve stops.
    #[arg(long, value_name = "FILE")]
    pub record: Option<std::path::PathBuf>,
    /// The first response on each connection sets cookie NAME to a value of its own
    /// (NAME=c<conn>, <conn> as in --record).
    #[arg(long, value_name = "NAME")]
    pub set_cookie: Option<String>,
    /// Serve HTTPS: HTTP/2 or HTTP/1.1 over TLS 1.2 and 1.3 (ALPN h2, http/1.1), with a
    /// certificate generated at start (ECDSA P-256 for 127.0.0.1 and localhost) unless --cert
    /// and --key are given.
    #[arg(long)]
    pub tls: bool,
    /// PEM certificate chain for --tls (with --key).
    #[arg(long, value_name = "FILE", requires_all = ["tls", "key"])]
    pub cert: Option<std::path::PathBuf>,
    /// PEM private key for --tls (with --cert).
    #[arg(long, value_name = "FILE", requires_all = ["tls", "cert"])]
    pub key: Option<std::path::PathBuf>,
    /// HTTP/2 (h2c by prior knowledge, h2 by ALPN with --tls): concurrent streams allowed
    /// per connection (SETTINGS_MAX_CONCURRENT_STREAMS).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..))]
    pub h2_max_streams: u32,
    /// Session resumption with --tls (TLS 1.3 tickets; TLS 1.2 tickets and session IDs).
    #[arg(long, value_enum, default_value_t = tls::OnOff::On, requires = "tls")]
    pub tls_tickets: tls::OnOff,
}
