use super::*;

/// Responses from `wire` fed in two parts split at every byte, and one byte at a time: all
/// must agree; returns them (with the error, if any). `heads`: which responses answer HEAD.
fn responses(wire: &[u8], heads: &[bool]) -> (Vec<OwnedMessage>, Result<(), ParseError>) {
    let run = |parts: &mut dyn Iterator<Item = &[u8]>| {
        let mut p = OwnedResponseParser::new();
        let mut out = vec![];
        let mut n = 0;
        let mut next = || {
            n += 1;
            heads.get(n - 1).copied().unwrap_or(false)
        };
        let mut res = Ok(());
        for part in parts {
            res = p.feed(part, &mut next, &mut out);
            if res.is_err() {
                break;
            }
        }
        if res.is_ok() {
            match p.eof() {
                Ok(Some(m)) => out.push(m),
                Ok(None) => {}
                Err(e) => res = Err(e),
            }
        }
        (out, res)
    };
    let whole = run(&mut std::iter::once(wire));
    for i in 0..=wire.len() {
        let (a, b) = wire.split_at(i);
        assert_eq!(run(&mut [a, b].into_iter()), whole, "split at {i}");
    }
    assert_eq!(run(&mut wire.chunks(1)), whole, "byte by byte");
    whole
}

fn requests(wire: &[u8]) -> (Vec<OwnedMessage>, Result<(), ParseError>) {
    let run = |parts: &mut dyn Iterator<Item = &[u8]>| {
        let mut p = OwnedRequestParser::new();
        let mut out = vec![];
        for part in parts {
            if let Err(e) = p.feed(part, &mut out) {
                return (out, Err(e));
            }
        }
        (out, Ok(()))
    };
    let whole = run(&mut std::iter::once(wire));
    for i in 0..=wire.len() {
        let (a, b) = wire.split_at(i);
        assert_eq!(run(&mut [a, b].into_iter()), whole, "split at {i}");
    }
    whole
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn response_with_length_interim_and_chunked_trailers() {
    let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello\
HTTP/1.1 201 Made\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 9\r\nX-U: 8\r\n\r\n";
    let (got, res) = responses(wire, &[]);
    assert_eq!(res, Ok(()));
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].status, 200);
    assert_eq!(got[0].reason, "OK");
    assert_eq!(got[0].version, "HTTP/1.1");
    assert_eq!(got[0].interim, vec![100, 103]);
    assert_eq!(got[0].body, b"hello");
    assert_eq!(
        got[0].headers,
        pairs(&[("Content-Length", "5"), ("X-A", "1")])
    );
    assert_eq!(
        got[0].raw_head,
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n"
    );
    assert_eq!(got[1].status, 201);
    assert!(got[1].interim.is_empty());
    assert_eq!(got[1].body, b"abcde");
    assert_eq!(got[1].trailers, pairs(&[("X-T", "9"), ("X-U", "8")]));
    assert!(!got[1].close);
}

#[test]
fn head_204_304_and_until_close() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n\
HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n\
HTTP/1.1 304 Not Modified\r\n\r\n\
HTTP/1.0 200 OK\r\n\r\nuntil the end";
    let (got, res) = responses(wire, &[true]);
    assert_eq!(res, Ok(()));
    let st: Vec<_> = got.iter().map(|m| (m.status, m.body.len())).collect();
    assert_eq!(st, vec![(200, 0), (204, 0), (304, 0), (200, 13)]);
    assert_eq!(got[3].version, "HTTP/1.0");
    assert_eq!(got[3].body, b"until the end");
    assert!(got[3].close);
}

#[test]
fn malformed_and_truncated_responses() {
    let (got, res) = responses(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", &[]);
    assert!(got.is_empty());
    assert_eq!(res, Err(ParseError::UnexpectedEof));
    let (_, res) = responses(b"HTTP/1.1 2x0 OK\r\n\r\n", &[]);
    assert!(matches!(res, Err(ParseError::BadHead(_))));
    let (_, res) = responses(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        &[],
    );
    assert_eq!(res, Err(ParseError::BadChunk("no chunk size")));
}

#[test]
fn pipelined_requests_with_bodies() {
    let wire = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n\
POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc\
PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;x\r\nq\r\n2\r\nrs\r\n0\r\nT: 1\r\n\r\n\
HEAD /d HTTP/1.0\r\n\r\n";
    let (got, res) = requests(wire);
    assert_eq!(res, Ok(()));
    let heads: Vec<_> = got
        .iter()
        .map(|m| (m.method.as_str(), m.target.as_str(), m.version.as_str()))
        .collect();
    assert_eq!(
        heads,
        vec![
            ("GET", "/a", "HTTP/1.1"),
            ("POST", "/b", "HTTP/1.1"),
            ("PUT", "/c", "HTTP/1.1"),
            ("HEAD", "/d", "HTTP/1.0")
        ]
    );
    assert_eq!(got[1].body, b"abc");
    assert_eq!(got[2].body, b"qrs");
    assert_eq!(got[2].trailers, pairs(&[("T", "1")]));
    assert!(got[2].trailers.len() == 1 && got[1].trailers.is_empty());
    assert_eq!(got[0].raw_head, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(got[3].close);
}

#[test]
fn malformed_requests_are_errors() {
    for bad in [
        &b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx"[..],
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
        b"G@T / HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
    ] {
        let (got, res) = requests(bad);
        assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(bad));
        assert!(res.is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
}
