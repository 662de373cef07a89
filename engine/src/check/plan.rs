//! A check run, validated: what `run_checks` executes. Built by `scenarios::check` from check
//! files (templates resolved, matrices expanded, regexes compiled, sizes turned into bytes), so
//! a plan that exists can be run. Imports nothing else of `check`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::plan::IoMode;
use crate::proto::tls::TlsSettings;

/// Everything one `tfw-bench check` run executes.
#[derive(Clone, Debug)]
pub struct CheckPlan {
    /// Backend listeners: one per distinct address, shared by every case that scripts it.
    pub backends: Vec<BackendDef>,
    /// Client definitions; every case opens its own connections from them.
    pub clients: Vec<ClientDef>,
    /// In the order they are reported.
    pub cases: Vec<CasePlan>,
    /// The most cases running at once (cases marked `alone` run by themselves).
    pub parallel: usize,
    /// CPU the worker is pinned to (None: not pinned).
    pub cpu: Option<usize>,
    pub io: IoMode,
}

/// How a connection's outgoing bytes cross the wire: `size` 0 sends each message as it is;
/// otherwise in segments of at most `size` bytes, one send each (TCP_NODELAY is always set),
/// `gap` apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segmenting {
    pub size: usize,
    pub gap: Duration,
}

/// A backend: the built-in server's HTTP/1.1 code at `listen`, answering as each case
/// scripts it and recording every request.
#[derive(Clone, Debug)]
pub struct BackendDef {
    pub name: String,
    pub listen: SocketAddr,
    pub segmenting: Segmenting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientProto {
    H1,
    /// HTTP/2: h2 over TLS (ALPN), h2c with prior knowledge without.
    H2,
}

/// A client: where it connects and how it speaks.
#[derive(Clone, Debug)]
pub struct ClientDef {
    pub name: String,
    pub connect: SocketAddr,
    pub proto: ClientProto,
    /// TLS (server name for SNI, ALPN list, roots: None = no verification).
    pub tls: Option<TlsSettings>,
    /// Value of `Host` (HTTP/1.1) / `:authority` (HTTP/2) when a request names none.
    pub authority: String,
    /// `:scheme` of HTTP/2 requests.
    pub scheme: String,
    pub segmenting: Segmenting,
    /// HTTP/2: the SETTINGS sent after the preface (empty: an empty SETTINGS frame).
    pub settings: Vec<(u16, u32)>,
    /// HTTP/2: send the preface and SETTINGS on connect (false: the case sends its own).
    pub preface: bool,
    /// HTTP/2: acknowledge the peer's SETTINGS and PINGs, and return DATA's window, by
    /// itself (false: the case does it with frames).
    pub auto_ack: bool,
}

/// One case: a name and its steps.
#[derive(Clone, Debug)]
pub struct CasePlan {
    /// Stable: `FILE_STEM.CASE[params]`, e.g. `smoke.forward_get[h2-big]`.
    pub name: String,
    /// The check file it came from (for reports).
    pub file: String,
    /// Put in `MARKER_HEADER` of every structured request; unique in the run.
    pub marker: String,
    /// Runs with no other case at the same time (it stops a backend, expects silence...).
    pub alone: bool,
    /// Bounds every wait of the case; the case fails when it passes.
    pub timeout: Duration,
    /// What the proxy in front does to a forwarded message (the forwarded-message check).
    pub profile: Profile,
    /// Not run; reported as skipped with this reason.
    pub skip: Option<String>,
    /// Run first; a failure here fails the case and skips `steps`.
    pub setup: Vec<Step>,
    pub steps: Vec<Step>,
    /// Always run, also after a failure or a timeout (with a fresh deadline).
    pub cleanup: Vec<Step>,
}

/// Index into `CheckPlan::clients` / `CheckPlan::backends`.
pub type ClientId = usize;
pub type BackendId = usize;

/// One step of a case.
#[derive(Clone, Debug)]
pub enum Step {
    /// Open (or reopen) the case's connection of `client`. Sends open it when it is not open.
    Connect { client: ClientId },
    /// Close the case's connection of `client`: FIN, or RST with `reset`.
    Close { client: ClientId, reset: bool },
    /// Send requests (several = pipelined, in one write before segmenting) and, with `wait`,
    /// wait until each has its response (HTTP/2: its stream ended or was reset).
    Send {
        client: ClientId,
        requests: Vec<Request>,
        wait: bool,
    },
    /// Send bytes as they are (malformed input); after TLS when the client has it.
    SendRaw { client: ClientId, bytes: Vec<u8> },
    /// HTTP/2 only: send these frames, in order, in one write before segmenting.
    SendFrames {
        client: ClientId,
        frames: Vec<Frame>,
    },
    /// From now on `backend` answers this case's requests with `responses`: the n-th request
    /// gets the n-th response, the last one repeating. Before any script: 200, empty body.
    Script {
        backend: BackendId,
        responses: Vec<Response>,
    },
    /// Stop accepting on `backend` (new connections are refused; connections it has stay), or
    /// accept again. Only in cases marked `alone`.
    BackendListen { backend: BackendId, on: bool },
    /// Wait this long (time passes; nothing is checked).
    Sleep(Duration),
    /// Wait until the expectation's subject is there (bounded by the case's timeout), then
    /// check it.
    Expect(Expectation),
}

/// A structured request. HTTP/1.1: a request line, `Host` (from `authority` unless a header
/// names it), the headers in order, `Content-Length` added when there is a body and no
/// header names it (unless `chunked`). HTTP/2: pseudo-headers, then the headers lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    /// "HTTP/1.1" or "HTTP/1.0" (ignored by HTTP/2).
    pub version: String,
    /// None: the client's authority.
    pub authority: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// HTTP/1.1: send the body chunked (`Transfer-Encoding: chunked` added unless present).
    pub chunked: Option<Chunking>,
}

/// How a body is chunked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunking {
    /// Chunk sizes in order, the last repeating (empty: the whole body in one chunk).
    pub sizes: Vec<usize>,
    /// Appended to every chunk-size line after `;` (e.g. `ext=1`); empty: none.
    pub extension: String,
    pub trailers: Vec<(String, String)>,
}

/// A scripted backend response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// None: the standard phrase.
    pub reason: Option<String>,
    /// "HTTP/1.1" or "HTTP/1.0".
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub chunked: Option<Chunking>,
    /// Instead of all of the above: these bytes as they are (malformed responses, several
    /// responses in one).
    pub raw: Option<Vec<u8>>,
    /// Wait this long after the request arrived before answering.
    pub delay: Duration,
    /// Hold the answer until this many of the case's requests arrived on the connection, then
    /// send all held answers in one write (pipelined responses). 0 or 1: answer at once.
    pub batch: usize,
    pub action: ResponseAction,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResponseAction {
    /// Keep the connection.
    #[default]
    Keep,
    /// Close (FIN) after the response.
    Close,
    /// Send this many bytes of the response, then reset (RST).
    ResetAfter(usize),
    /// Never answer (the connection stays open).
    Hang,
}

/// An HTTP/2 frame a case sends as it is (no state checks: that is the point).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Settings {
        ack: bool,
        params: Vec<(u16, u32)>,
    },
    Headers {
        stream: u32,
        end_stream: bool,
        end_headers: bool,
        /// PADDED with this many padding bytes.
        pad: Option<u8>,
        /// PRIORITY: (dependency, exclusive, weight).
        priority: Option<(u32, bool, u8)>,
        block: HeaderBlock,
    },
    Continuation {
        stream: u32,
        end_headers: bool,
        block: HeaderBlock,
    },
    Data {
        stream: u32,
        end_stream: bool,
        pad: Option<u8>,
        payload: Vec<u8>,
    },
    WindowUpdate {
        stream: u32,
        increment: u32,
    },
    RstStream {
        stream: u32,
        code: u32,
    },
    Ping {
        ack: bool,
        payload: [u8; 8],
    },
    Priority {
        stream: u32,
        dependency: u32,
        exclusive: bool,
        weight: u8,
    },
    Goaway {
        last_stream: u32,
        code: u32,
        debug: Vec<u8>,
    },
    /// Any type, flags, stream and payload (unknown types, wrong lengths).
    Raw {
        kind: u8,
        flags: u8,
        stream: u32,
        payload: Vec<u8>,
    },
}

/// A header block fragment: encoded by the client's HPACK encoder, or given as bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderBlock {
    Fields {
        fields: Vec<(String, String)>,
        huffman: bool,
        indexing: Indexing,
    },
    Bytes(Vec<u8>),
}

/// How header fields are represented (RFC 7541 section 6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Indexing {
    /// Indexed where the static table has the field, else literal with incremental indexing.
    #[default]
    Indexed,
    /// Literal without indexing (static name index where there is one).
    Literal,
    NeverIndexed,
}

/// Something to check, and when it can be checked.
#[derive(Clone, Debug)]
pub struct Expectation {
    pub subject: Subject,
    /// Checked against the subject, each reported on its own when it fails.
    pub checks: Vec<Check>,
}

/// Which message or event an expectation is about; waited for until it exists.
#[derive(Clone, Debug)]
pub enum Subject {
    /// A response the case's `client` received, over all the case's connections of that
    /// client: `index` from 0 in arrival order; None = the one after the last response an
    /// expectation of the case looked at (the first: 0).
    Response {
        client: ClientId,
        index: Option<usize>,
    },
    /// A request `backend` received for this case (same indexing).
    BackendRequest {
        backend: BackendId,
        index: Option<usize>,
    },
    /// The forwarded-message check: request `index` the backend received equals request
    /// `sent` of `client` as the case's profile says the proxy transforms it.
    Forwarded {
        client: ClientId,
        sent: usize,
        backend: BackendId,
        index: usize,
    },
    /// The backend received exactly this many requests for the case (0: none), counted once
    /// the case's other waits are done and `settle` has passed.
    BackendCount {
        backend: BackendId,
        count: usize,
        settle: Duration,
    },
    /// The case's current connection of `client` was closed by the peer: `how` FIN, RST or either.
    Closed { client: ClientId, how: CloseHow },
    /// A GOAWAY frame arrived (its error code is checked by `Check::ErrorCode`).
    Goaway { client: ClientId },
    /// A RST_STREAM arrived (on `stream` when given).
    RstStream {
        client: ClientId,
        stream: Option<u32>,
    },
    /// Nothing arrives on the client's connection for this long.
    Silence {
        client: ClientId,
        duration: Duration,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseHow {
    Fin,
    Reset,
    Any,
}

/// One check on a subject.
#[derive(Clone, Debug)]
pub enum Check {
    Status(u16),
    Method(String),
    Target(String),
    Version(String),
    /// The field `name` (case-insensitive; several fields joined with ", ") satisfies `pred`.
    Header {
        name: String,
        pred: Pred,
    },
    /// No field `name`.
    HeaderAbsent(String),
    Body(Pred),
    BodySize(usize),
    /// GOAWAY / RST_STREAM error code.
    ErrorCode(u32),
}

#[derive(Clone, Debug)]
pub enum Pred {
    Exists,
    Equals(String),
    Contains(String),
    Matches(Regex),
    /// Bytes (bodies).
    EqualsBytes(Vec<u8>),
}

/// A compiled regex with its source (for reports).
#[derive(Clone, Debug)]
pub struct Regex(pub Arc<regex::Regex>);

/// What a proxy does to a message it forwards; see `profile` for the rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// Tempesta FW's documented behaviour.
    Tempesta,
    /// nginx as the project's CI configures it (tools/peers/nginx.conf, proxy mode).
    Nginx,
    /// Anything: only what every proxy must do (hop-by-hop headers removed, method, target,
    /// end-to-end headers and body kept).
    #[default]
    Generic,
}
