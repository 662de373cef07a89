//! The one error type of the scenarios crate: everything a user can get wrong when saying
//! what to send, worded so the CLI can print it as is.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ScenarioError {
    #[error("URL {0:?} has no scheme: write http://{0} or https://{0}")]
    MissingScheme(String),
    #[error("URL scheme {0:?} is not supported: use http or https")]
    UnsupportedScheme(String),
    #[error("URL {0:?} has user info (user@host), which is not supported")]
    UserInfo(String),
    #[error("URL {0:?} has a fragment (#...), which is never sent to a server: remove it")]
    Fragment(String),
    #[error("URL {0:?} has an empty host")]
    EmptyHost(String),
    #[error("URL {url:?} has an invalid host {host:?} ({hint})")]
    InvalidHost {
        url: String,
        host: String,
        hint: &'static str,
    },
    #[error("URL {url:?} has an invalid port {port:?}: expected 1-65535")]
    InvalidPort { url: String, port: String },
    #[error("URL {url:?} has {ch:?} in its path or query: percent-encode it")]
    InvalidPath { url: String, ch: char },
    #[error("cannot resolve {host}:{port}: {source}")]
    Resolve {
        host: String,
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("{host}:{port} resolved to no addresses")]
    NoAddress { host: String, port: u16 },
    #[error("invalid header {header:?}: {reason}")]
    InvalidHeader {
        header: String,
        reason: &'static str,
    },
    #[error("invalid method {0:?}: must be an HTTP token such as GET or POST")]
    InvalidMethod(String),
    #[error("Content-Length header {given:?} does not match the body's {actual} bytes")]
    ContentLengthMismatch { given: String, actual: usize },
    #[error(
        "a Transfer-Encoding request header is not supported: bodies are sent with Content-Length"
    )]
    TransferEncoding,

    // Request files (`mix`). The wrapped errors are part of the message, not a `#[source]`:
    // error reporters that print the chain would say them twice.
    #[error("cannot read request file {}: {error}", file.display())]
    MixRead {
        file: PathBuf,
        error: std::io::Error,
    },
    #[error("{}{}: {message}", file.display(), at.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    MixSyntax {
        file: PathBuf,
        /// Line and column (1-based) where the problem is, when known.
        at: Option<(usize, usize)>,
        message: String,
    },
    #[error("request file {} has no [[request]] table", .0.display())]
    MixEmpty(PathBuf),
    #[error("request file {} has {count} requests: at most {max} are supported", file.display())]
    MixTooMany {
        file: PathBuf,
        count: usize,
        max: usize,
    },
    #[error("{}: shared headers: {error}", file.display())]
    MixShared {
        file: PathBuf,
        error: Box<ScenarioError>,
    },
    #[error("{}: request {index} ({name:?}): {error}", file.display())]
    MixRequest {
        file: PathBuf,
        /// 1-based, in file order.
        index: usize,
        name: String,
        error: Box<ScenarioError>,
    },
    #[error("another request has the same name")]
    DuplicateName,
    #[error("the name must not be empty or hold control characters")]
    InvalidName,
    #[error("path {path:?} is not a request target: {reason}")]
    InvalidRequestPath { path: String, reason: &'static str },
    #[error("weight must be at least 1")]
    ZeroWeight,
    #[error("weight applies only with order = \"weighted\"")]
    WeightWithoutWeighted,
    #[error("body and body_file are both given: keep one")]
    BodyAndBodyFile,
    #[error("cannot read body_file {}: {error}", path.display())]
    BodyFile {
        path: PathBuf,
        error: std::io::Error,
    },
}
