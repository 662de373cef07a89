//! `Set-Cookie` capture, for clients that replay cookies (request mixes with `cookies =
//! true`): the `name=value` pairs a response head sets.
//!
//! It runs only for sinks that ask for cookies, so it re-reads the head (already accepted by
//! httparse) instead of adding a field check to the hot path every response takes. The
//! cookie attributes (`Path`, `Expires`, `Max-Age`, ...) are dropped: a load generator sends
//! every cookie back on its connection, whatever they say.

use std::mem::MaybeUninit;

use super::head::{trim_ows as trim, MAX_HEADERS};

/// Calls `f(name, value)` for each `Set-Cookie` field of the response head `head` (all of
/// its bytes), in order. Fields without a `=` or with an empty name are skipped (RFC 6265
/// §5.2 ignores them). Nothing is reported for a head httparse does not accept.
pub(crate) fn for_each_set_cookie(head: &[u8], mut f: impl FnMut(&[u8], &[u8])) {
    let mut headers = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut []);
    let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut resp,
        head,
        &mut headers,
    );
    if !matches!(parsed, Ok(httparse::Status::Complete(_))) {
        return;
    }
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("set-cookie") {
            if let Some((name, value)) = cookie_pair(h.value) {
                f(name, value);
            }
        }
    }
}

/// The name and value of a `Set-Cookie` value (`name=value; attributes`), each trimmed of
/// spaces and tabs (RFC 6265 §5.2). A quoted value keeps its quotes: it goes back as it came.
pub(crate) fn cookie_pair(value: &[u8]) -> Option<(&[u8], &[u8])> {
    let pair = value.split(|&b| b == b';').next().unwrap_or_default();
    let eq = pair.iter().position(|&b| b == b'=')?;
    let name = trim(&pair[..eq]);
    (!name.is_empty()).then(|| (name, trim(&pair[eq + 1..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(head: &[u8]) -> Vec<(String, String)> {
        let mut got = Vec::new();
        for_each_set_cookie(head, |n, v| {
            got.push((
                String::from_utf8(n.to_vec()).unwrap(),
                String::from_utf8(v.to_vec()).unwrap(),
            ))
        });
        got
    }

    fn p(n: &str, v: &str) -> (String, String) {
        (n.to_owned(), v.to_owned())
    }

    #[test]
    fn pairs_of_a_value() {
        assert_eq!(cookie_pair(b"sid=abc"), Some((&b"sid"[..], &b"abc"[..])));
        assert_eq!(
            cookie_pair(b" sid = a b ; Path=/; HttpOnly"),
            Some((&b"sid"[..], &b"a b"[..]))
        );
        assert_eq!(cookie_pair(b"e="), Some((&b"e"[..], &b""[..])));
        assert_eq!(
            cookie_pair(b"q=\"x=y\""),
            Some((&b"q"[..], &b"\"x=y\""[..]))
        );
        assert_eq!(cookie_pair(b"a=b=c"), Some((&b"a"[..], &b"b=c"[..])));
        assert_eq!(cookie_pair(b"novalue"), None);
        assert_eq!(cookie_pair(b"=v"), None);
        assert_eq!(cookie_pair(b" \t=v"), None);
        assert_eq!(
            cookie_pair(b"; a=b"),
            None,
            "only the first part is the pair"
        );
        assert_eq!(cookie_pair(b""), None);
    }

    #[test]
    fn every_set_cookie_field_in_order() {
        let head = b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nContent-Length: 0\r\n\
            set-cookie: b=2\r\nX-Set-Cookie: x=9\r\nSET-COOKIE: junk\r\nSet-Cookie:c=3\r\n\r\n";
        assert_eq!(pairs(head), vec![p("a", "1"), p("b", "2"), p("c", "3")]);
        assert_eq!(
            pairs(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
            vec![]
        );
        // Not a complete head: nothing.
        assert_eq!(pairs(b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\n"), vec![]);
        assert_eq!(pairs(b"garbage\r\n\r\n"), vec![]);
    }
}
