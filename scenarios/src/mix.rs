//! Request files: several requests in one TOML file, the engine's `RequestMix` — what wrk
//! needs a Lua script for (mixed methods, bodies from files, weighted shares, scripted
//! sessions with cookies).
//!
//! ```toml
//! order = "sequence"            # "round-robin" (default), "weighted" or "sequence"
//! cookies = true                # send back the cookies responses set, per connection
//! headers = ["Accept: */*"]     # added to every request (a request's own field of the
//!                               # same name replaces it)
//!
//! [[request]]
//! name = "login"                # default "request N"
//! method = "POST"               # default GET
//! path = "/login?next=/"        # default: the target URL's path and query
//! headers = { Content-Type = "application/x-www-form-urlencoded" }  # or ["Name: value"]
//! body = "user=u&password=p"    # or body_file = "login.bin" (relative to this file)
//! weight = 3                    # only with order = "weighted" (default 1)
//! ```
//!
//! Everything is checked when the file is loaded (`RequestFile::load`), with errors naming
//! the file, the line or the request; `to_mix` then builds each request's wire bytes for a
//! target with `RequestSpec` like the single-request path. Pipelining is not a property of
//! the file: it is the run's `--pipeline`.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use tfw_engine::plan::{MixEntry, MixOrder, RequestMix};

use crate::error::ScenarioError;
use crate::request::{parse_header, RequestSpec};
use crate::url::Target;

/// The most requests a file may hold: the engine numbers a worker's requests with 16 bits
/// (65,536 or more could not all be told apart).
pub const MAX_REQUESTS: usize = 65_535;

/// A request file as written (before checks).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    order: OrderDoc,
    #[serde(default)]
    cookies: bool,
    #[serde(default)]
    headers: Headers,
    #[serde(default)]
    request: Vec<RequestDoc>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum OrderDoc {
    #[default]
    RoundRobin,
    Weighted,
    Sequence,
}

/// One `[[request]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestDoc {
    name: Option<String>,
    method: Option<String>,
    path: Option<String>,
    #[serde(default)]
    headers: Headers,
    body: Option<String>,
    body_file: Option<PathBuf>,
    weight: Option<u32>,
}

/// Header fields in the order written: a list of `"Name: value"` strings, or a table of
/// `Name = "value"`.
#[derive(Debug, Default)]
struct Headers(Vec<HeaderDoc>);

#[derive(Debug)]
enum HeaderDoc {
    /// `"Name: value"`, parsed like `-H`.
    Line(String),
    Pair(String, String),
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a list of "Name: value" strings or a table of Name = "value""#)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Headers, A::Error> {
                let mut out = Vec::new();
                while let Some(line) = seq.next_element::<String>()? {
                    out.push(HeaderDoc::Line(line));
                }
                Ok(Headers(out))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
                let mut out = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, String>()? {
                    out.push(HeaderDoc::Pair(name, value));
                }
                Ok(Headers(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl Headers {
    /// Checked `(name, value)` pairs.
    fn parse(&self) -> Result<Vec<(String, String)>, ScenarioError> {
        self.0
            .iter()
            .map(|h| match h {
                HeaderDoc::Line(line) => parse_header(line),
                HeaderDoc::Pair(name, value) => {
                    let value = value.trim_matches([' ', '\t']);
                    // The same checks as a line, with a precise message.
                    parse_header(&format!("{name}: {value}")).and_then(|(n, v)| {
                        if n == *name {
                            Ok((n, v))
                        } else {
                            Err(ScenarioError::InvalidHeader {
                                header: name.clone(),
                                reason: "the name may hold only letters, digits and \
                                         !#$%&'*+-.^_`|~ (no spaces)",
                            })
                        }
                    })
                }
            })
            .collect()
    }
}

/// One checked request of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MixRequest {
    pub name: String,
    /// The request target to send (`/path?query`, or `*` for OPTIONS); `None`: the target
    /// URL's.
    pub path: Option<String>,
    /// Method, headers (the file's shared ones merged in) and body.
    pub spec: RequestSpec,
    pub weight: u32,
}

/// A checked request file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestFile {
    pub order: MixOrder,
    pub cookies: bool,
    /// At least one.
    pub requests: Vec<MixRequest>,
}

impl RequestFile {
    /// Reads and checks a request file; `body_file`s are read relative to its directory.
    pub fn load(path: &Path) -> Result<RequestFile, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|error| ScenarioError::MixRead {
            file: path.to_owned(),
            error,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        RequestFile::parse(&text, dir, path)
    }

    /// Checks the text of a request file. `dir` is where `body_file`s are; `file` names the
    /// file in errors.
    pub fn parse(text: &str, dir: &Path, file: &Path) -> Result<RequestFile, ScenarioError> {
        let doc: FileDoc = toml::from_str(text).map_err(|e| {
            let mut message = e.message().trim_end().to_owned();
            if message.starts_with("unknown field `pipeline`") {
                message.push_str(" (pipelining is the run's --pipeline option)");
            }
            ScenarioError::MixSyntax {
                file: file.to_owned(),
                at: e.span().map(|s| line_col(text, s.start)),
                message,
            }
        })?;
        if doc.request.is_empty() {
            return Err(ScenarioError::MixEmpty(file.to_owned()));
        }
        if doc.request.len() > MAX_REQUESTS {
            return Err(ScenarioError::MixTooMany {
                file: file.to_owned(),
                count: doc.request.len(),
                max: MAX_REQUESTS,
            });
        }
        let shared = doc.headers.parse().map_err(|e| ScenarioError::MixShared {
            file: file.to_owned(),
            error: Box::new(e),
        })?;
        let order = match doc.order {
            OrderDoc::RoundRobin => MixOrder::RoundRobin,
            OrderDoc::Weighted => MixOrder::Weighted,
            OrderDoc::Sequence => MixOrder::Sequence,
        };
        let mut names = HashSet::new();
        let mut requests = Vec::with_capacity(doc.request.len());
        for (i, r) in doc.request.into_iter().enumerate() {
            let name = r
                .name
                .clone()
                .unwrap_or_else(|| format!("request {}", i + 1));
            let wrap = |error| ScenarioError::MixRequest {
                file: file.to_owned(),
                index: i + 1,
                name: name.clone(),
                error: Box::new(error),
            };
            let req = check_request(r, &name, order, &shared, dir).map_err(wrap)?;
            if !names.insert(req.name.clone()) {
                return Err(wrap(ScenarioError::DuplicateName));
            }
            requests.push(req);
        }
        Ok(RequestFile {
            order,
            cookies: doc.cookies,
            requests,
        })
    }

    /// The engine's mix for `target`: each request's wire bytes, with the target's Host.
    pub fn to_mix(&self, target: &Target) -> Result<RequestMix, ScenarioError> {
        let entries = self
            .requests
            .iter()
            .map(|r| {
                let mut at = target.clone();
                if let Some(path) = &r.path {
                    at.path_and_query = path.clone();
                }
                Ok(MixEntry {
                    name: r.name.clone(),
                    template: r.spec.to_template(&at)?,
                    weight: r.weight,
                })
            })
            .collect::<Result<Vec<_>, ScenarioError>>()?;
        Ok(RequestMix {
            entries,
            order: self.order,
            cookies: self.cookies,
        })
    }
}

/// Loads `path` and builds its mix for `target`.
pub fn load_mix(path: &Path, target: &Target) -> Result<RequestMix, ScenarioError> {
    RequestFile::load(path)?.to_mix(target)
}

fn check_request(
    r: RequestDoc,
    name: &str,
    order: MixOrder,
    shared: &[(String, String)],
    dir: &Path,
) -> Result<MixRequest, ScenarioError> {
    if name.is_empty() || name.chars().any(|c| c.is_control()) {
        return Err(ScenarioError::InvalidName);
    }
    let method = r.method.unwrap_or_else(|| "GET".to_owned());
    if let Some(path) = &r.path {
        check_path(path, &method)?;
    }
    let weight = match (r.weight, order) {
        (Some(0), _) => return Err(ScenarioError::ZeroWeight),
        (Some(w), MixOrder::Weighted) => w,
        (Some(_), _) => return Err(ScenarioError::WeightWithoutWeighted),
        (None, _) => 1,
    };
    let body = match (r.body, r.body_file) {
        (Some(_), Some(_)) => return Err(ScenarioError::BodyAndBodyFile),
        (Some(text), None) => text.into_bytes(),
        (None, Some(file)) => {
            let path = dir.join(&file);
            std::fs::read(&path).map_err(|error| ScenarioError::BodyFile { path, error })?
        }
        (None, None) => Vec::new(),
    };
    let own = r.headers.parse()?;
    // Shared fields first, unless the request has its own of the same name.
    let mut headers: Vec<(String, String)> = shared
        .iter()
        .filter(|(n, _)| !own.iter().any(|(o, _)| o.eq_ignore_ascii_case(n)))
        .cloned()
        .collect();
    headers.extend(own);
    let spec = RequestSpec {
        method,
        headers,
        body,
    };
    spec.validate()?;
    Ok(MixRequest {
        name: name.to_owned(),
        path: r.path,
        spec,
        weight,
    })
}

/// A request target in origin form (`/path?query`, visible ASCII, no fragment), or `*` for
/// OPTIONS.
fn check_path(path: &str, method: &str) -> Result<(), ScenarioError> {
    let bad = |reason| {
        Err(ScenarioError::InvalidRequestPath {
            path: path.to_owned(),
            reason,
        })
    };
    if path == "*" {
        return if method == "OPTIONS" {
            Ok(())
        } else {
            bad("`*` is only for OPTIONS")
        };
    }
    if !path.starts_with('/') {
        return bad("it must start with `/` (the scheme and host come from the target URL)");
    }
    if path.contains('#') {
        return bad("a fragment (#...) is never sent to a server");
    }
    if !path.chars().all(|c| c.is_ascii_graphic()) {
        return bad("spaces, controls and non-ASCII characters must be percent-encoded");
    }
    Ok(())
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests;
