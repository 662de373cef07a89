//! The three profiles' rules, each fact with where it comes from.
//!
//! - `generic`: only what every proxy must do (RFC 9110 7.6.1): hop-by-hop fields (Connection,
//!   Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Trailer,
//!   Proxy-Authenticate, Proxy-Authorization) and those named in Connection are removed; the
//!   method, target (an absolute-form target may become origin-form), end-to-end fields and
//!   body are kept; Host is the sent Host, `:authority` or the absolute target's host; a Via
//!   the client sent is kept (the proxy may append); X-Forwarded-For and the proxy's own
//!   Connection / Keep-Alive are not checked.
//! - `nginx`: nginx as tools/peers/nginx-proxy.conf configures it. `proxy_http_version 1.1`;
//!   `proxy_set_header Host $http_host` (the client's Host; HTTP/2: `:authority`, which
//!   nginx's HTTP/2 module turns into the Host field; none when the client sent none: an
//!   empty value drops the field); `proxy_set_header Connection ""` (no Connection);
//!   `X-Forwarded-For $proxy_add_x_forwarded_for` (the client's value + ", " + client
//!   address, or the address alone); `proxy_request_buffering on` (a body goes with
//!   Content-Length, de-chunked). nginx's own defaults (ngx_http_proxy_module.c,
//!   `ngx_http_proxy_headers`): TE, Keep-Alive, Expect and Upgrade are sent empty, i.e.
//!   dropped, Content-Length / Transfer-Encoding recomputed; every other client field is
//!   passed as is — nginx does not drop the fields named in Connection, nor Proxy-Connection,
//!   Trailer or Proxy-Authorization. `ignore_invalid_headers on` with the default
//!   `underscores_in_headers off` drops fields whose names have other characters than
//!   letters, digits and '-'. HTTP/2 `cookie` fields are joined with "; ".
//! - `tempesta`: Tempesta FW's source (github.com/tempesta-tech/tempesta, fw/http.c):
//!   `tfw_h1_adjust_req` writes the request line with " HTTP/1.1" (`tfw_h1_req_copy_first_line`),
//!   `Host` from `req->host` (the absolute URI's host, else the Host field), copies the fields
//!   except hop-by-hop ones (`TFW_STR_HBH_HDR`: Connection, Keep-Alive and the fields named in
//!   Connection, fw/http_parser.c `tfw_http_init_parser_req`), X-Forwarded-For, Expect and
//!   Trailer (`TFW_STR_TRAILER_HDR`), then adds `x-forwarded-for: CLIENT_ADDRESS` — the
//!   client's own X-Forwarded-For is replaced, not appended to (`tfw_h1_add_x_forwarded_for`;
//!   the test suite's `Request.add_tempesta_headers` does the same) — `via: 1.x tempesta_fw
//!   (Tempesta FW VERSION)` (`__tfw_http_add_hdr_via`, the request's version; default
//!   `hdr_via` value) and `connection: keep-alive` (`tfw_http_set_hdr_connection`).
//!   HTTP/2 requests (`tfw_h2_adjust_req`): pseudo-headers become the request line and Host
//!   (`:authority`, else host), cookies are joined with "; " (`write_merged_cookie_headers`),
//!   X-Forwarded-For is the client's address, Via `1.1 ...`, Content-Length is added for a
//!   body. tempesta-test's auto-parser also drops Proxy-Connection and Upgrade from the
//!   expected request: those may be dropped or kept. Not modelled: HEAD turned into GET when
//!   the cache is on, PURGE, header modification directives.

use std::net::IpAddr;

use crate::check::plan::Profile;
use crate::check::transcript::Message;

/// The texts of an absent field in reports.
pub const ABSENT: &str = "(absent)";

/// Values of `name` joined with ", " (None: no such field).
pub fn joined(m: &Message, name: &str) -> Option<String> {
    let v: Vec<&str> = m.header_values(name).map(str::trim).collect();
    (!v.is_empty()).then(|| v.join(", "))
}

/// What a value (a field's values joined, None when absent) must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Not checked.
    Any,
    Absent,
    Present,
    /// One of these values.
    OneOf(Vec<String>),
    /// Equal to this, or this + ", " + more (a field the proxy may append to).
    Appended(String),
    /// Tempesta's Via: the client's Via (if any) + ", " + `1.x ... tempesta_fw ...`.
    TempestaVia(Option<String>),
}

impl Rule {
    pub fn accepts(&self, got: Option<&str>) -> bool {
        match (self, got) {
            (Rule::Any, _) => true,
            (Rule::Absent, g) => g.is_none(),
            (Rule::Present, g) => g.is_some(),
            (_, None) => false,
            (Rule::OneOf(v), Some(g)) => v.iter().any(|x| x == g),
            (Rule::Appended(p), Some(g)) => {
                g == p
                    || g.strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with(", "))
            }
            (Rule::TempestaVia(p), Some(g)) => {
                let own = match p {
                    None => Some(g),
                    Some(p) => g
                        .strip_prefix(p.as_str())
                        .and_then(|r| r.strip_prefix(", ")),
                };
                own.is_some_and(|o| {
                    (o.starts_with("1.1 ") || o.starts_with("1.0 ")) && o.contains("tempesta_fw")
                })
            }
        }
    }

    /// The expected side as the report shows it.
    pub fn expected(&self) -> String {
        match self {
            Rule::Any => "anything".to_string(),
            Rule::Absent => ABSENT.to_string(),
            Rule::Present => "present".to_string(),
            Rule::OneOf(v) => v.join(" or "),
            Rule::Appended(p) => format!("{p}[, ...]"),
            Rule::TempestaVia(p) => {
                let own = "1.1 tempesta_fw (Tempesta FW VERSION)";
                p.as_ref()
                    .map_or(own.to_string(), |p| format!("{p}, {own}"))
            }
        }
    }
}

/// A profile's rules for one sent request.
#[derive(Clone, Debug)]
pub struct Rules {
    pub target: Rule,
    /// Required prefix of the forwarded version ("HTTP/1.").
    pub version: &'static str,
    pub host: Rule,
    pub xff: Rule,
    pub via: Rule,
    pub connection: Rule,
    pub keep_alive: Rule,
    /// Fields (lower-case) the proxy removes.
    pub drop: Vec<&'static str>,
    /// Fields the proxy may remove or keep.
    pub may_drop: Vec<&'static str>,
    pub drop_connection_named: bool,
    /// nginx: names with characters other than letters, digits and '-' are dropped.
    pub drop_invalid_names: bool,
    /// A non-empty body is forwarded with Content-Length (not chunked).
    pub body_with_length: bool,
}

/// RFC 9110 7.6.1's hop-by-hop fields (plus Proxy-Connection, Trailer, Proxy-Authenticate,
/// Proxy-Authorization), minus those compared on their own (Connection, Keep-Alive,
/// Transfer-Encoding).
const HOP_BY_HOP: &[&str] = &[
    "proxy-connection",
    "te",
    "upgrade",
    "trailer",
    "proxy-authenticate",
    "proxy-authorization",
];

/// The rules of `profile` for `sent` (from an HTTP/2 client when `h2`), sent from `client_ip`.
pub fn rules(profile: Profile, sent: &Message, h2: bool, client_ip: Option<IpAddr>) -> Rules {
    let host = joined(sent, "host");
    let authority = joined(sent, ":authority");
    let absolute = absolute_form(&sent.target);
    let origin = absolute
        .as_ref()
        .map_or(sent.target.clone(), |a| a.1.clone());
    let sent_xff = joined(sent, "x-forwarded-for");
    let sent_via = joined(sent, "via");
    let ip = client_ip.map(|i| i.to_string());
    match profile {
        Profile::Generic => {
            let mut hosts: Vec<String> = [authority, host, absolute.map(|a| a.0)]
                .into_iter()
                .flatten()
                .collect();
            hosts.dedup();
            let mut targets = vec![sent.target.clone(), origin];
            targets.dedup();
            Rules {
                target: Rule::OneOf(targets),
                version: "HTTP/1.",
                host: if hosts.is_empty() {
                    Rule::Any
                } else {
                    Rule::OneOf(hosts)
                },
                xff: Rule::Any,
                via: sent_via.map_or(Rule::Any, Rule::Appended),
                connection: Rule::Any,
                keep_alive: Rule::Any,
                drop: HOP_BY_HOP.to_vec(),
                may_drop: Vec::new(),
                drop_connection_named: true,
                drop_invalid_names: false,
                body_with_length: false,
            }
        }
        Profile::Nginx => Rules {
            target: Rule::OneOf(vec![origin]),
            version: "HTTP/1.1",
            host: match if h2 { host.or(authority) } else { host } {
                Some(h) => Rule::OneOf(vec![h]),
                None => Rule::Absent,
            },
            xff: match (sent_xff, ip) {
                (Some(x), Some(ip)) => Rule::OneOf(vec![format!("{x}, {ip}")]),
                (None, Some(ip)) => Rule::OneOf(vec![ip]),
                (Some(x), None) => Rule::Appended(x),
                (None, None) => Rule::Present,
            },
            via: sent_via.map_or(Rule::Absent, |v| Rule::OneOf(vec![v])),
            connection: Rule::Absent,
            keep_alive: Rule::Absent,
            drop: vec!["te", "expect", "upgrade"],
            may_drop: Vec::new(),
            drop_connection_named: false,
            drop_invalid_names: true,
            body_with_length: true,
        },
        Profile::Tempesta => {
            let host = if h2 {
                authority.or(host)
            } else {
                absolute.map(|a| a.0).or(host)
            };
            let mut drop = Vec::new();
            if !h2 {
                drop.extend(["expect", "trailer"]);
            }
            Rules {
                target: Rule::OneOf(vec![origin]),
                version: "HTTP/1.1",
                host: host.map_or(Rule::Any, |h| Rule::OneOf(vec![h])),
                xff: ip.map_or(Rule::Present, |ip| Rule::OneOf(vec![ip])),
                via: Rule::TempestaVia(sent_via),
                connection: Rule::OneOf(vec![
                    "keep-alive".to_string(),
                    "keep-alive, upgrade".to_string(),
                ]),
                keep_alive: Rule::Absent,
                drop,
                may_drop: vec!["proxy-connection", "upgrade"],
                drop_connection_named: true,
                drop_invalid_names: false,
                body_with_length: h2,
            }
        }
    }
}

/// An absolute-form target ("http://host:port/path?q"): (host as Host carries it, origin-form).
fn absolute_form(target: &str) -> Option<(String, String)> {
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return None;
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let path = &rest[end..];
    let origin = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    Some((host.to_string(), origin))
}
