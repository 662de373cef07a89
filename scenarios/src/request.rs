//! Request definitions: method, headers and body as the user gives them (CLI `-X`, `-H`,
//! `-d`), checked and serialised once into the engine's `RequestTemplate`.
//!
//! The engine's request builder trusts its input; every header, the method and the framing
//! headers are checked here, so nothing a user types can split a header line or make the
//! body's length disagree with what the target is told.

use std::sync::Arc;

use tfw_engine::plan::RequestTemplate;
use tfw_engine::proto::h1::build_request;

use crate::error::ScenarioError;
use crate::url::Target;

/// What every request of a run carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSpec {
    pub method: String,
    /// In the order sent; Host and User-Agent here replace the defaults.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Default for RequestSpec {
    /// `GET` with no headers and no body.
    fn default() -> Self {
        RequestSpec {
            method: "GET".to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

impl RequestSpec {
    /// Checks the method, every header, and that framing headers agree with the body.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if !is_token(&self.method) {
            return Err(ScenarioError::InvalidMethod(self.method.clone()));
        }
        for (name, value) in &self.headers {
            check_header(name, value)?;
            if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(ScenarioError::TransferEncoding);
            }
            if name.eq_ignore_ascii_case("content-length")
                && value.trim_matches([' ', '\t']).parse::<usize>().ok() != Some(self.body.len())
            {
                return Err(ScenarioError::ContentLengthMismatch {
                    given: value.clone(),
                    actual: self.body.len(),
                });
            }
        }
        Ok(())
    }

    /// The wire bytes for `target` (validated first). `head` is set for the method `HEAD`
    /// (methods are case-sensitive: `head` is another method).
    pub fn to_template(&self, target: &Target) -> Result<RequestTemplate, ScenarioError> {
        self.validate()?;
        let wire = build_request(
            &self.method,
            &target.path_and_query,
            &target.host_header(),
            &self.headers,
            &self.body,
        );
        Ok(RequestTemplate {
            wire: Arc::from(wire),
            head: self.method == "HEAD",
        })
    }
}

/// Parses a CLI header argument `Name: value`: the name must be a token, the value is
/// trimmed of surrounding spaces and tabs, and neither may hold CR, LF or other controls.
pub fn parse_header(s: &str) -> Result<(String, String), ScenarioError> {
    let invalid = |reason| ScenarioError::InvalidHeader {
        header: s.to_owned(),
        reason,
    };
    if s.contains(['\r', '\n']) {
        return Err(invalid("contains CR or LF"));
    }
    let Some((name, value)) = s.split_once(':') else {
        return Err(invalid("expected \"Name: value\""));
    };
    let value = value.trim_matches([' ', '\t']);
    check_header(name, value).map_err(|_| invalid(header_problem(name, value)))?;
    Ok((name.to_owned(), value.to_owned()))
}

fn check_header(name: &str, value: &str) -> Result<(), ScenarioError> {
    if is_token(name) && value.chars().all(is_field_char) {
        return Ok(());
    }
    Err(ScenarioError::InvalidHeader {
        header: format!("{name}: {value}"),
        reason: header_problem(name, value),
    })
}

fn header_problem(name: &str, value: &str) -> &'static str {
    if name.is_empty() {
        "empty name"
    } else if value.contains(['\r', '\n']) || name.contains(['\r', '\n']) {
        "contains CR or LF"
    } else if !is_token(name) {
        "the name may hold only letters, digits and !#$%&'*+-.^_`|~ (no spaces)"
    } else {
        "the value holds a control character"
    }
}

/// Field value characters: anything but controls (HTAB allowed).
fn is_field_char(c: char) -> bool {
    c == '\t' || !c.is_ascii_control()
}

/// RFC 9110 `token`: one or more tchar.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::parse_wire;
    use tfw_engine::proto::h1::RequestDone;

    fn hdr(n: &str, v: &str) -> (String, String) {
        (n.to_owned(), v.to_owned())
    }

    #[test]
    fn parses_cli_headers() {
        assert_eq!(parse_header("Accept: */*").unwrap(), hdr("Accept", "*/*"));
        assert_eq!(parse_header("X-A:b").unwrap(), hdr("X-A", "b"));
        assert_eq!(
            parse_header("X-A: \t spaced out \t").unwrap(),
            hdr("X-A", "spaced out")
        );
        assert_eq!(parse_header("X-Empty:").unwrap(), hdr("X-Empty", ""));
        assert_eq!(parse_header("X-Colon: a:b").unwrap(), hdr("X-Colon", "a:b"));
        assert_eq!(
            parse_header("X-U: caf\u{e9}").unwrap(),
            hdr("X-U", "caf\u{e9}")
        );
        assert_eq!(
            parse_header("!#$%&'*+-.^_`|~09az: v").unwrap().0,
            "!#$%&'*+-.^_`|~09az"
        );
    }

    #[test]
    fn rejects_bad_cli_headers() {
        let reason = |s: &str| match parse_header(s) {
            Err(ScenarioError::InvalidHeader { reason, .. }) => reason,
            other => panic!("{s:?}: {other:?}"),
        };
        assert_eq!(reason("NoColon"), "expected \"Name: value\"");
        assert_eq!(reason(": v"), "empty name");
        assert_eq!(reason("X-A: b\r\nEvil: 1"), "contains CR or LF");
        assert_eq!(reason("X-A\n: b"), "contains CR or LF");
        assert!(reason("Bad Name: v").starts_with("the name may hold"));
        assert!(reason("Name : v").starts_with("the name may hold"));
        assert!(reason("Na(me): v").starts_with("the name may hold"));
        assert_eq!(reason("X: a\u{0}b"), "the value holds a control character");
        assert_eq!(reason("X: a\u{7f}"), "the value holds a control character");
        let msg = parse_header("Bad Name: v").unwrap_err().to_string();
        assert!(msg.starts_with("invalid header \"Bad Name: v\": "), "{msg}");
    }

    #[test]
    fn validates_specs() {
        let ok = RequestSpec::default();
        assert!(ok.validate().is_ok());
        for method in ["", "GE T", "GET\r\n", "G/T", "(GET)"] {
            let spec = RequestSpec {
                method: method.to_owned(),
                ..RequestSpec::default()
            };
            assert!(
                matches!(spec.validate(), Err(ScenarioError::InvalidMethod(_))),
                "{method:?}"
            );
        }
        let with = |headers: Vec<(String, String)>, body: &[u8]| RequestSpec {
            method: "POST".to_owned(),
            headers,
            body: body.to_vec(),
        };
        assert!(with(vec![hdr("Content-Length", " 3 ")], b"abc")
            .validate()
            .is_ok());
        assert!(matches!(
            with(vec![hdr("content-length", "4")], b"abc").validate(),
            Err(ScenarioError::ContentLengthMismatch { actual: 3, .. })
        ));
        assert!(matches!(
            with(vec![hdr("Content-Length", "x")], b"").validate(),
            Err(ScenarioError::ContentLengthMismatch { .. })
        ));
        assert!(matches!(
            with(vec![hdr("Transfer-Encoding", "chunked")], b"").validate(),
            Err(ScenarioError::TransferEncoding)
        ));
        // Headers built in code (not via parse_header) are checked too.
        for (n, v) in [
            ("X", "a\r\nEvil: 1"),
            ("X Y", "v"),
            ("", "v"),
            ("X", "\u{1}"),
        ] {
            assert!(
                matches!(
                    with(vec![hdr(n, v)], b"").validate(),
                    Err(ScenarioError::InvalidHeader { .. })
                ),
                "{n:?}: {v:?}"
            );
        }
    }

    #[test]
    fn builds_templates() {
        let target = Target::parse("http://example.com:8080/api?x=1").unwrap();
        let t = RequestSpec::default().to_template(&target).unwrap();
        assert_eq!(
            &*t.wire,
            b"GET /api?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: tfw-bench\r\n\r\n"
        );
        assert!(!t.head);

        let spec = RequestSpec {
            method: "POST".to_owned(),
            headers: vec![parse_header("Content-Type: application/json").unwrap()],
            body: br#"{"a":1}"#.to_vec(),
        };
        let t = spec
            .to_template(&Target::parse("https://[::1]/").unwrap())
            .unwrap();
        assert!(t.wire.starts_with(b"POST / HTTP/1.1\r\nHost: [::1]\r\n"));
        assert!(t
            .wire
            .ends_with(b"Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"));
        let done = parse_wire(&t.wire);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].body_len, 7);

        let spec = RequestSpec {
            method: "HEAD".to_owned(),
            headers: vec![hdr("host", "other"), hdr("Connection", "close")],
            body: vec![],
        };
        let t = spec.to_template(&target).unwrap();
        assert!(t.head);
        assert_eq!(
            &*t.wire,
            b"HEAD /api?x=1 HTTP/1.1\r\nUser-Agent: tfw-bench\r\nhost: other\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(
            parse_wire(&t.wire),
            vec![RequestDone {
                head: true,
                close: true,
                body_len: 0,
                keep_alive: false
            }]
        );

        let lower = RequestSpec {
            method: "head".to_owned(),
            ..RequestSpec::default()
        };
        assert!(!lower.to_template(&target).unwrap().head);
        let bad = RequestSpec {
            method: "GET X".to_owned(),
            ..RequestSpec::default()
        };
        assert!(bad.to_template(&target).is_err());
    }
}
