//! Target URLs: `http://host[:port][/path?query]` parsed into what the engine connects to
//! (an address) and what each request carries (the Host header and request target).
//!
//! A load generator sends one URL millions of times, so anything odd in it (user info,
//! fragments, unencoded characters) is rejected up front rather than guessed at.

use std::fmt;
use std::net::{Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::str::FromStr;

use crate::error::ScenarioError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Where requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    /// A name, an IPv4 address, or an IPv6 address without its brackets.
    pub host: String,
    pub port: u16,
    /// The request target: starts with `/`, query included, only visible ASCII.
    pub path_and_query: String,
}

impl Target {
    /// Parses `http://host[:port][/path?query]` (or `https://`); IPv6 hosts in brackets.
    pub fn parse(url: &str) -> Result<Target, ScenarioError> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(ScenarioError::MissingScheme(url.to_owned()));
        };
        let scheme = if scheme.eq_ignore_ascii_case("http") {
            Scheme::Http
        } else if scheme.eq_ignore_ascii_case("https") {
            Scheme::Https
        } else {
            return Err(ScenarioError::UnsupportedScheme(scheme.to_owned()));
        };
        if rest.contains('#') {
            return Err(ScenarioError::Fragment(url.to_owned()));
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.contains('@') {
            return Err(ScenarioError::UserInfo(url.to_owned()));
        }
        let (host, port) = split_authority(url, authority)?;
        let port = match port {
            None | Some("") => scheme.default_port(),
            Some(p) => parse_port(p).ok_or_else(|| ScenarioError::InvalidPort {
                url: url.to_owned(),
                port: p.to_owned(),
            })?,
        };
        if let Some(ch) = path.chars().find(|&c| !c.is_ascii_graphic()) {
            return Err(ScenarioError::InvalidPath {
                url: url.to_owned(),
                ch,
            });
        }
        let path_and_query = match path.chars().next() {
            None => "/".to_owned(),
            Some('?') => format!("/{path}"),
            Some(_) => path.to_owned(),
        };
        Ok(Target {
            scheme,
            host,
            port,
            path_and_query,
        })
    }

    /// The first address the host resolves to (std's resolver: /etc/hosts, DNS).
    pub fn resolve(&self) -> Result<SocketAddr, ScenarioError> {
        let mut addrs = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|source| ScenarioError::Resolve {
                host: self.host.clone(),
                port: self.port,
                source,
            })?;
        addrs.next().ok_or_else(|| ScenarioError::NoAddress {
            host: self.host.clone(),
            port: self.port,
        })
    }

    /// The Host header value: the host (IPv6 in brackets), with the port unless it is the
    /// scheme's default.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == self.scheme.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

impl FromStr for Target {
    type Err = ScenarioError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::parse(s)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scheme, authority) = (self.scheme.as_str(), self.host_header());
        write!(f, "{scheme}://{authority}{}", self.path_and_query)
    }
}

/// `host[:port]` or `[v6][:port]` into the host (no brackets) and the port text, if any.
fn split_authority<'a>(
    url: &str,
    authority: &'a str,
) -> Result<(String, Option<&'a str>), ScenarioError> {
    let invalid = |host: &str, hint| ScenarioError::InvalidHost {
        url: url.to_owned(),
        host: host.to_owned(),
        hint,
    };
    if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((v6, after)) = bracketed.split_once(']') else {
            return Err(invalid(authority, "no closing ']' after an IPv6 address"));
        };
        if v6.parse::<Ipv6Addr>().is_err() {
            return Err(invalid(v6, "not an IPv6 address"));
        }
        return match after {
            "" => Ok((v6.to_owned(), None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((v6.to_owned(), Some(port))),
                None => Err(invalid(authority, "expected ':port' after ']'")),
            },
        };
    }
    if authority.matches(':').count() > 1 {
        return Err(invalid(authority, "IPv6 addresses go in brackets: [::1]"));
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err(ScenarioError::EmptyHost(url.to_owned()));
    }
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    if !host.chars().all(valid) {
        return Err(invalid(host, "letters, digits, '-', '.', '_' and '~' only"));
    }
    Ok((host.to_owned(), port))
}

/// 1-65535, digits only.
fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&p| p != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(scheme: Scheme, host: &str, port: u16, path: &str) -> Target {
        Target {
            scheme,
            host: host.to_owned(),
            port,
            path_and_query: path.to_owned(),
        }
    }

    #[test]
    fn parses_urls() {
        let cases = [
            (
                "http://example.com",
                target(Scheme::Http, "example.com", 80, "/"),
            ),
            (
                "https://example.com",
                target(Scheme::Https, "example.com", 443, "/"),
            ),
            (
                "HTTP://Example.COM:8080/a/b?x=1&y=%20",
                target(Scheme::Http, "Example.COM", 8080, "/a/b?x=1&y=%20"),
            ),
            (
                "http://127.0.0.1:1/",
                target(Scheme::Http, "127.0.0.1", 1, "/"),
            ),
            ("http://h?q", target(Scheme::Http, "h", 80, "/?q")),
            ("http://h:/p", target(Scheme::Http, "h", 80, "/p")),
            ("http://[::1]", target(Scheme::Http, "::1", 80, "/")),
            (
                "https://[2001:db8::1]:8443/x",
                target(Scheme::Https, "2001:db8::1", 8443, "/x"),
            ),
            (
                "http://my_host-1.local~:65535",
                target(Scheme::Http, "my_host-1.local~", 65535, "/"),
            ),
        ];
        for (url, want) in cases {
            assert_eq!(Target::parse(url).unwrap(), want, "{url}");
            assert_eq!(url.parse::<Target>().unwrap(), want);
        }
    }

    #[test]
    fn rejects_bad_urls() {
        use ScenarioError as E;
        let check = |url: &str, ok: fn(&ScenarioError) -> bool| {
            let err = Target::parse(url).expect_err(url);
            assert!(ok(&err), "{url}: {err}");
        };
        check("example.com", |e| matches!(e, E::MissingScheme(_)));
        check("localhost:8080/x", |e| matches!(e, E::MissingScheme(_)));
        check(
            "ftp://example.com",
            |e| matches!(e, E::UnsupportedScheme(s) if s == "ftp"),
        );
        check("ws://example.com", |e| matches!(e, E::UnsupportedScheme(_)));
        check("http://user:pw@example.com/", |e| {
            matches!(e, E::UserInfo(_))
        });
        check("http://example.com/#top", |e| matches!(e, E::Fragment(_)));
        check("http://", |e| matches!(e, E::EmptyHost(_)));
        check("http:///path", |e| matches!(e, E::EmptyHost(_)));
        check("http://:80/", |e| matches!(e, E::EmptyHost(_)));
        check("http://::1/", |e| matches!(e, E::InvalidHost { .. }));
        check("http://h:0", |e| matches!(e, E::InvalidPort { .. }));
        check("http://h:65536", |e| matches!(e, E::InvalidPort { .. }));
        check("http://h:+80", |e| matches!(e, E::InvalidPort { .. }));
        check("http://h:8o", |e| matches!(e, E::InvalidPort { .. }));
        check("http://h:1:2", |e| matches!(e, E::InvalidHost { .. }));
        check("http://fe80::1/", |e| matches!(e, E::InvalidHost { .. }));
        check("http://[::1/", |e| matches!(e, E::InvalidHost { .. }));
        check("http://[nope]/", |e| matches!(e, E::InvalidHost { .. }));
        check("http://[::1]x/", |e| matches!(e, E::InvalidHost { .. }));
        check("http://[::1]:0/", |e| matches!(e, E::InvalidPort { .. }));
        check("http://exa mple.com/", |e| {
            matches!(e, E::InvalidHost { .. })
        });
        check("http://h/a b", |e| {
            matches!(e, E::InvalidPath { ch: ' ', .. })
        });
        check("http://h/caf\u{e9}", |e| {
            matches!(e, E::InvalidPath { ch: '\u{e9}', .. })
        });
        check("http://h/a\r\nX: y", |e| {
            matches!(e, E::InvalidPath { ch: '\r', .. })
        });
        let msg = Target::parse("ftp://x").unwrap_err().to_string();
        assert_eq!(
            msg,
            "URL scheme \"ftp\" is not supported: use http or https"
        );
    }

    #[test]
    fn host_header_and_display() {
        let cases = [
            (
                "http://example.com:80/x",
                "example.com",
                "http://example.com/x",
            ),
            (
                "https://example.com:443",
                "example.com",
                "https://example.com/",
            ),
            (
                "https://example.com:80",
                "example.com:80",
                "https://example.com:80/",
            ),
            ("http://[::1]:8080/?a", "[::1]:8080", "http://[::1]:8080/?a"),
            ("http://[::1]", "[::1]", "http://[::1]/"),
        ];
        for (url, host, shown) in cases {
            let t = Target::parse(url).unwrap();
            assert_eq!(t.host_header(), host);
            assert_eq!(t.to_string(), shown);
        }
    }

    #[test]
    fn resolves_literals_and_localhost() {
        let t = Target::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(t.resolve().unwrap(), "127.0.0.1:8080".parse().unwrap());
        let t = Target::parse("http://[::1]/").unwrap();
        assert_eq!(t.resolve().unwrap(), "[::1]:80".parse().unwrap());
        let t = Target::parse("http://localhost:9/").unwrap();
        let addr = t.resolve().unwrap();
        assert!(addr.ip().is_loopback() && addr.port() == 9);
        let t = Target::parse("http://no-such-host.invalid/").unwrap();
        assert!(matches!(
            t.resolve(),
            Err(ScenarioError::Resolve { .. } | ScenarioError::NoAddress { .. })
        ));
    }
}
