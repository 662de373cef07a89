//! Validated, engine-facing descriptions of a run.
//!
//! The CLI (or a scenario file, or a test) builds these; the engine never sees clap or files.
//! Everything here is already checked: a `LoadPlan` that exists can be run.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Which I/O path the workers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum IoMode {
    /// Probe the kernel: io_uring with multishot receive and a buffer ring where present,
    /// io_uring one-shot operations where not, epoll where io_uring cannot be set up.
    #[default]
    Auto,
    /// io_uring with one-shot (poll-first) receives only: the path older kernels take.
    UringPlain,
    /// epoll with non-blocking sockets: the path for hosts that block io_uring.
    Epoll,
}

/// When a run stops: whichever comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopCondition {
    /// Load phase length; in-flight requests are then drained.
    pub duration: Duration,
    /// Stop after exactly this many responses (ab/h2load `-n`); requests lost to errors are
    /// sent again, so the count is of answered requests.
    pub responses: Option<u64>,
}

/// How the next request is timed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pacing {
    /// Send the next request as soon as a response frees a pipeline slot (wrk, ab, h2load).
    /// With a non-zero `batch_wait` the worker lets completions gather for up to that long
    /// before handling them (fewer wake-ups and kernel entries: less CPU per response), so a
    /// response is stamped up to `batch_wait` late. Zero stamps each as soon as it arrives.
    ClosedLoop { batch_wait: Duration },
    /// Open loop (wrk2): `rate` requests per second in total, each due at a time fixed in
    /// advance; latency counts from that time (corrected) and from the actual send
    /// (uncorrected). Completions are handled as they arrive (no batching).
    FixedRate { rate: f64 },
}

impl Pacing {
    /// Longest a worker may let completions gather before handling them.
    pub fn batch_wait(&self) -> Duration {
        match *self {
            Pacing::ClosedLoop { batch_wait } => batch_wait,
            Pacing::FixedRate { .. } => Duration::ZERO,
        }
    }

    /// The total rate of an open-loop run.
    pub fn rate(&self) -> Option<f64> {
        match *self {
            Pacing::FixedRate { rate } => Some(rate),
            Pacing::ClosedLoop { .. } => None,
        }
    }
}

/// One request, already serialised to wire bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestTemplate {
    /// The complete request on the wire (head and body).
    pub wire: Arc<[u8]>,
    /// True for HEAD: its responses carry no body whatever their headers say.
    pub head: bool,
}

/// How a connection picks its next request from a [`RequestMix`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MixOrder {
    /// Each worker cycles through the entries in order, one request after another, whatever
    /// connection sends it.
    #[default]
    RoundRobin,
    /// Smooth weighted round-robin over the entries' weights (per worker): over any whole
    /// cycle the shares are exactly the weights'.
    Weighted,
    /// Each connection walks the entries in order from the first, starting over after the last
    /// and whenever it reconnects (a scripted session).
    Sequence,
}

/// One request of a mix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MixEntry {
    /// A name for summaries ("login", "get-index").
    pub name: String,
    pub template: RequestTemplate,
    /// Relative share under `MixOrder::Weighted` (at least 1).
    pub weight: u32,
}

/// The requests a run sends: one, or several chosen by `order`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMix {
    /// At least one entry.
    pub entries: Vec<MixEntry>,
    pub order: MixOrder,
    /// Cookie replay: each connection keeps the cookies its responses set (`Set-Cookie`
    /// name=value pairs) and sends them back in a `Cookie` header on its later requests.
    pub cookies: bool,
}

impl RequestMix {
    /// A mix of one request.
    pub fn single(template: RequestTemplate) -> RequestMix {
        RequestMix {
            entries: vec![MixEntry {
                name: "request".to_string(),
                template,
                weight: 1,
            }],
            order: MixOrder::RoundRobin,
            cookies: false,
        }
    }
}

/// What a client connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    /// HTTP/1.1 (pipelined when `pipeline` > 1).
    #[default]
    Http1,
    /// HTTP/2: over TLS when the plan has TLS settings (ALPN h2), otherwise prior knowledge
    /// over TCP (h2c). `pipeline` is the number of concurrent streams per connection.
    Http2(H2Settings),
}

/// HTTP/2 receive windows the client announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct H2Settings {
    /// SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window.
    pub stream_window: u32,
    /// The connection's receive window (raised from 65,535 by a WINDOW_UPDATE).
    pub conn_window: u32,
}

/// A client load run.
#[derive(Clone, Debug)]
pub struct LoadPlan {
    /// What the summary calls the target (the URL as given).
    pub target_name: String,
    /// Resolved address connections go to.
    pub target: SocketAddr,
    /// Total connections over all workers.
    pub conns: u32,
    /// CPUs to pin one worker each to (already checked against the allowed set).
    pub cpus: Vec<usize>,
    /// What each connection sends: one request, or a mix from a request file.
    pub requests: RequestMix,
    /// Requests in flight per connection: HTTP/1.1 pipelining depth (1 = no pipelining), or
    /// HTTP/2 concurrent streams.
    pub pipeline: u32,
    pub protocol: Protocol,
    /// Connect with TLS (https://); None: plain TCP.
    pub tls: Option<crate::proto::tls::TlsSettings>,
    /// A request without its response for this long counts as a timeout; the connection is
    /// closed and opened again.
    pub timeout: Duration,
    pub stop: StopCondition,
    pub pacing: Pacing,
    pub io: IoMode,
    /// Local addresses connections are spread over (round-robin); empty = kernel's choice.
    pub source_addrs: Vec<std::net::IpAddr>,
    /// Connects in flight per worker at most, so the target's accept queue does not overflow.
    pub connect_window: u32,
    /// Interval between per-worker snapshots.
    pub interval: Duration,
    /// Load before the measured run: sent and answered, not counted. The run's duration and
    /// request count start after it.
    pub warmup: Duration,
    /// Rise linearly to the full load over this long: connections open one after another
    /// (closed loop), or the rate grows from zero (open loop). Zero: at once.
    pub ramp_up: Duration,
    /// A request script (wrk's Lua `request()`, `response()`, `delay()`): one per worker,
    /// HTTP/1.1 only. None: the plan's requests, built once, and no script on the hot path.
    pub script: Option<Arc<dyn crate::script::ScriptFactory>>,
}

impl LoadPlan {
    /// "http/1.1", "h2" (over TLS) or "h2c" (prior knowledge over TCP).
    pub fn protocol_name(&self) -> &'static str {
        match (self.protocol, self.tls.is_some()) {
            (Protocol::Http1, _) => "http/1.1",
            (Protocol::Http2(_), true) => "h2",
            (Protocol::Http2(_), false) => "h2c",
        }
    }
}

/// The built-in target.
#[derive(Clone, Debug)]
pub struct ServePlan {
    pub listen: SocketAddr,
    pub cpus: Vec<usize>,
    /// A complete response (head and body) as sent for every request.
    pub response: Arc<[u8]>,
    /// The same response with `Connection: close`, sent as the last one on a connection.
    pub response_close: Arc<[u8]>,
    /// Fixed delay before each response is sent.
    pub delay: Duration,
    /// Close a connection after this many requests (0 = never).
    pub close_after: u64,
    /// Stop answering for a while: (after this long from the start, for this long). Requests
    /// that arrive meanwhile are answered when the stall ends.
    pub stall: Option<(Duration, Duration)>,
    pub io: IoMode,
    /// The first response on each connection carries `Set-Cookie: NAME=c<conn>`, where
    /// `<conn>` is the connection's id in the record (unique within the run). A cookie name
    /// (an HTTP token).
    pub set_cookie: Option<String>,
    /// Serve HTTPS with this configuration (`--tls`); None: plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// HTTP/2 connections: the SETTINGS_MAX_CONCURRENT_STREAMS advertised (streams beyond it
    /// are refused).
    pub h2_max_streams: u32,
}

/// A handshake storm (`tfw-bench handshake`, tls-perf's job): each of `conns` peers connects,
/// completes a TLS handshake, closes with an RST and starts again.
#[derive(Clone, Debug)]
pub struct HandshakePlan {
    /// What the summary calls the target (HOST:PORT as given).
    pub target_name: String,
    pub target: SocketAddr,
    /// Peers (handshakes in progress at once) over all workers.
    pub conns: u32,
    pub cpus: Vec<usize>,
    pub tls: crate::proto::tls::TlsSettings,
    /// Measured phase length (after the slow start); None: only `handshakes` ends the run.
    pub duration: Option<Duration>,
    /// Stop after exactly this many measured handshakes.
    pub handshakes: Option<u64>,
    /// A connect plus handshake taking longer than this counts as a timeout (and, with
    /// `request`, a response not complete this long after the request).
    pub timeout: Duration,
    pub io: IoMode,
    /// Interval between per-worker snapshots.
    pub interval: Duration,
    /// `--request`: the wire bytes of one HTTP/1.1 GET sent on every established
    /// connection; its response is read before the reset. None: handshakes only.
    pub request: Option<Vec<u8>>,
}
