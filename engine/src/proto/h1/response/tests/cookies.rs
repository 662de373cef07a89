//! Cookie capture: every `Set-Cookie` of every final response is reported, in order and
//! before its response, however the bytes are split and whether or not the head cache
//! answered; nothing is reported to a sink that does not ask.

use super::*;

/// Records heads, cookies and responses as one event list.
struct Cookies {
    want: bool,
    events: Vec<String>,
}

impl ResponseSink for Cookies {
    fn next_is_head(&mut self) -> bool {
        self.events.push("head".into());
        false
    }

    fn response(&mut self, done: ResponseDone) -> bool {
        self.events
            .push(format!("done {} {}", done.status, done.body_len));
        true
    }

    fn wants_cookies(&self) -> bool {
        self.want
    }

    fn set_cookie(&mut self, name: &[u8], value: &[u8]) {
        assert!(self.want, "set_cookie without wants_cookies");
        let (n, v) = (
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value),
        );
        self.events.push(format!("cookie {n}={v}"));
    }
}

fn events<'a>(p: &mut ResponseParser, feeds: impl IntoIterator<Item = &'a [u8]>) -> Vec<String> {
    let mut sink = Cookies {
        want: true,
        events: Vec::new(),
    };
    for f in feeds {
        p.feed(f, &mut sink).unwrap();
    }
    assert!(p.is_idle());
    sink.events
}

/// An interim response with a cookie (not reported), a response setting two cookies, the
/// same head again but for its Date (a head cache hit), one without cookies, and a chunked
/// one whose cookie has attributes.
fn wire() -> Vec<u8> {
    let set = |date: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nDate: {date}\r\nSet-Cookie: sid=abc; Path=/; HttpOnly\r\n\
             set-cookie: theme = dark\r\nContent-Length: 3\r\n\r\nxyz"
        )
    };
    [
        "HTTP/1.1 100 Continue\r\nSet-Cookie: early=1\r\n\r\n".to_string(),
        set("Mon, 04 May 2026 10:00:00 GMT"),
        set("Mon, 04 May 2026 10:00:01 GMT"),
        "HTTP/1.1 204 No Content\r\n\r\n".to_string(),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: n=2; Max-Age=0\r\n\r\n\
         2\r\nab\r\n0\r\n\r\n"
            .to_string(),
    ]
    .concat()
    .into_bytes()
}

fn want() -> Vec<String> {
    let set = ["head", "cookie sid=abc", "cookie theme=dark", "done 200 3"];
    let mut w: Vec<String> = set.iter().chain(&set).map(|s| s.to_string()).collect();
    w.extend(["head", "done 204 0", "head", "cookie n=2", "done 200 2"].map(String::from));
    w
}

#[test]
fn cookies_of_every_final_response_in_order() {
    let wire = wire();
    let mut p = ResponseParser::new();
    assert_eq!(events(&mut p, [&wire[..]]), want());
    assert!(hits(&mut p) >= 1, "the repeated head came from the cache");
    // A warm cache answers both cookie heads: still reported.
    let before = hits(&mut p);
    assert_eq!(events(&mut p, [&wire[..]]), want());
    assert!(hits(&mut p) > before);
    assert_eq!(events(&mut uncached(), [&wire[..]]), want());
}

#[test]
fn cookies_whatever_the_split() {
    let wire = wire();
    let mut warm = ResponseParser::new();
    for i in 0..=wire.len() {
        let (a, b) = wire.split_at(i);
        assert_eq!(events(&mut ResponseParser::new(), [a, b]), want(), "at {i}");
        assert_eq!(events(&mut warm, [a, b]), want(), "warm, at {i}");
    }
    for step in [1, 2, 7, 64] {
        assert_eq!(
            events(&mut ResponseParser::new(), wire.chunks(step)),
            want(),
            "{step} bytes at a time"
        );
        assert_eq!(events(&mut warm, wire.chunks(step)), want(), "warm, {step}");
    }
    // Three pieces: a head split twice.
    for i in (0..wire.len()).step_by(5) {
        for j in (i..=wire.len()).step_by(11) {
            let parts = [&wire[..i], &wire[i..j], &wire[j..]];
            assert_eq!(events(&mut warm, parts), want(), "at {i}, {j}");
        }
    }
}

#[test]
fn no_cookies_unless_asked() {
    let wire = wire();
    let mut sink = Cookies {
        want: false,
        events: Vec::new(),
    };
    let mut p = ResponseParser::new();
    for part in wire.chunks(9) {
        p.feed(part, &mut sink).unwrap();
    }
    p.feed(&wire, &mut sink).unwrap();
    let plain: Vec<String> = want()
        .into_iter()
        .filter(|e| !e.starts_with("cookie"))
        .collect();
    assert_eq!(sink.events, [plain.clone(), plain].concat());
}
