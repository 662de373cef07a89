//! What a case received, and what it sent: the only input of expectations (`expect`) and of
//! the report's exchange. Filled by the event loop as bytes arrive. Imports nothing else of
//! `check`.

use std::time::Duration;

/// An HTTP message as received (or as sent), one shape for requests and responses, HTTP/1.1
/// and HTTP/2, so every check applies to both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// Requests: method and target (HTTP/2: `:method`, `:path`); empty for responses.
    pub method: String,
    pub target: String,
    /// "HTTP/1.1", "HTTP/1.0" or "HTTP/2".
    pub version: String,
    /// Responses: the status (HTTP/2: `:status`); 0 for requests.
    pub status: u16,
    /// Fields in order as received, names as received; HTTP/2 pseudo-fields other than those
    /// above (`:authority`, `:scheme`) are kept here with their colon.
    pub headers: Vec<(String, String)>,
    /// The payload (chunk framing removed; HTTP/2 DATA joined).
    pub body: Vec<u8>,
    /// Trailer fields of a chunked or HTTP/2 message.
    pub trailers: Vec<(String, String)>,
    /// Interim (1xx) responses that came before this one, by status.
    pub interim: Vec<u16>,
    /// HTTP/2: the stream it came on.
    pub stream: Option<u32>,
    /// The head's bytes as received (HTTP/1.1; empty for HTTP/2), for the report.
    pub raw_head: Vec<u8>,
}

impl Message {
    /// Values of field `name` (case-insensitive), in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A frame that arrived (HTTP/2), summarised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameEvent {
    /// Frame type byte.
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub len: u32,
    /// GOAWAY and RST_STREAM: the error code.
    pub code: Option<u32>,
    /// GOAWAY: last stream id and debug data.
    pub last_stream: Option<u32>,
    pub debug: Vec<u8>,
    /// When it arrived, from the case's start.
    pub at: Duration,
}

/// How a connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closed {
    /// The peer sent FIN.
    Fin,
    /// The peer reset the connection.
    Reset,
    /// Another error (refused connect, TLS alert, a protocol error on our side).
    Error(String),
}

/// One client connection of a case (a reconnect starts a new one).
#[derive(Clone, Debug, Default)]
pub struct ClientLog {
    pub client: usize,
    /// The connection's local address (the proxy sees it as the client: X-Forwarded-For).
    pub local: Option<std::net::SocketAddr>,
    /// What was sent, in order: structured requests as messages (with the marker header).
    pub sent: Vec<Message>,
    /// Raw bytes sent by `SendRaw` / frames, for the report (capped).
    pub sent_raw: Vec<u8>,
    /// Complete responses in arrival order.
    pub responses: Vec<Message>,
    /// HTTP/2: every frame received.
    pub frames: Vec<FrameEvent>,
    /// Every byte received (after TLS), capped at `RAW_CAP`, for silence checks and reports.
    pub received: Vec<u8>,
    /// Total bytes received (also past the cap).
    pub received_len: u64,
    /// When the last byte arrived, from the case's start.
    pub last_at: Option<Duration>,
    /// A protocol error in what arrived (malformed response or frame), as text.
    pub parse_error: Option<String>,
    pub closed: Option<Closed>,
}

/// Bytes kept per direction of a connection for reports.
pub const RAW_CAP: usize = 64 * 1024;

/// What one backend received for a case.
#[derive(Clone, Debug, Default)]
pub struct BackendLog {
    pub backend: usize,
    pub requests: Vec<Message>,
    /// Connections the backend accepted that carried this case's requests.
    pub connections: u32,
}

/// Everything a case saw.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    /// Every connection the case opened, in order of opening.
    pub clients: Vec<ClientLog>,
    pub backends: Vec<BackendLog>,
}

/// One failed check: what was expected, what came, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Which step (from 1, in the case's list; setup and cleanup named).
    pub step: String,
    /// What was looked at: "response 2 of client h2: header content-type".
    pub what: String,
    pub expected: String,
    /// What came instead (text; bytes escaped by the report around the difference).
    pub got: Got,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Got {
    Text(String),
    Bytes(Vec<u8>),
    /// The subject never came before the case's timeout.
    Nothing(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(Vec<Failure>),
    Skipped(String),
}

/// A case's result, as reported.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub name: String,
    pub file: String,
    pub outcome: Outcome,
    pub elapsed: Duration,
    pub transcript: Transcript,
}
