//! Response parser tests over the wire samples in `engine/testdata/h1/`, each also fed split
//! at every byte position and one byte at a time.

use super::*;
use crate::proto::h1::error::MAX_HEAD;

macro_rules! testdata {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/h1/", $name)).as_slice()
    };
}

pub(super) use crate::proto::h1::test_support::{
    run_responses as run, run_responses_on as run_on, Collect, ResponseOutcome as Outcome,
};

/// A parser that never uses its head cache: every head goes through httparse.
fn uncached() -> ResponseParser {
    let mut p = ResponseParser::new();
    p.stream.head_cache().enabled = false;
    p
}

/// Head cache hits so far.
fn hits(p: &mut ResponseParser) -> usize {
    p.stream.head_cache().hits
}

/// The outcome of `wire` fed whole without the head cache, after checking that every split
/// gives the same one, with a fresh parser and with a warm one (whose head cache holds what
/// earlier runs of `wire` left: a reset keeps it).
fn check_splits(wire: &[u8], heads: &[bool]) -> Outcome {
    let whole = run_on(&mut uncached(), [wire], heads);
    let mut warm = ResponseParser::new();
    assert_eq!(run_on(&mut warm, [wire], heads), whole, "cold cache");
    assert_eq!(run_on(&mut warm, [wire], heads), whole, "warm cache");
    for i in 0..=wire.len() {
        let (a, b) = wire.split_at(i);
        assert_eq!(run([a, b], heads), whole, "split at {i}");
        assert_eq!(
            run_on(&mut warm, [a, b], heads),
            whole,
            "warm, split at {i}"
        );
        assert_eq!(
            run_on(&mut uncached(), [a, b], heads),
            whole,
            "uncached, split at {i}"
        );
    }
    for step in [1, 7] {
        let chunks = || wire.chunks(step);
        assert_eq!(run(chunks(), heads), whole, "{step} bytes at a time");
        assert_eq!(
            run_on(&mut warm, chunks(), heads),
            whole,
            "warm, {step} at a time"
        );
    }
    whole
}

fn done(status: u16, close: bool, body_len: u64) -> ResponseDone {
    ResponseDone {
        status,
        close,
        body_len,
    }
}

fn ok(done: Vec<ResponseDone>) -> Outcome {
    let asked = done.len();
    Outcome {
        done,
        asked,
        end: Ok(None),
    }
}

/// Failed after `done`; `asked` counts final heads, including one whose body then failed.
fn failed(done: Vec<ResponseDone>, asked: usize, e: ParseError) -> Outcome {
    Outcome {
        done,
        asked,
        end: Err(e),
    }
}

#[test]
fn nginx_small_response() {
    let wire = testdata!("resp_nginx_ok.http");
    assert_eq!(check_splits(wire, &[]), ok(vec![done(200, false, 2)]));
}

#[test]
fn chunked_with_extensions_and_trailers() {
    let wire = testdata!("resp_chunked_ext_trailers.http");
    assert_eq!(check_splits(wire, &[]), ok(vec![done(200, false, 36)]));
}

#[test]
fn interim_responses_are_skipped() {
    let wire = testdata!("resp_100_continue.http");
    assert_eq!(check_splits(wire, &[]), ok(vec![done(200, false, 7)]));
}

#[test]
fn no_body_statuses() {
    let wire = testdata!("resp_204.http");
    assert_eq!(check_splits(wire, &[]), ok(vec![done(204, false, 0)]));
    // 304 carries the Content-Length of the representation, not of a body.
    let wire = testdata!("resp_304.http");
    assert_eq!(check_splits(wire, &[]), ok(vec![done(304, false, 0)]));
}

#[test]
fn head_response_has_no_body() {
    let wire = testdata!("resp_head_content_length.http");
    assert_eq!(check_splits(wire, &[true]), ok(vec![done(200, false, 0)]));
    // Taken as the answer to a GET, the 615 bytes are missing.
    assert_eq!(
        check_splits(wire, &[false]).end,
        Err(ParseError::UnexpectedEof)
    );
}

#[test]
fn http10_closes_unless_keep_alive() {
    let wire = testdata!("resp_http10_close.http");
    assert_eq!(check_splits(wire, &[]), ok(vec![done(200, true, 5)]));
    let wire = b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx";
    assert_eq!(check_splits(wire, &[]), ok(vec![done(200, false, 1)]));
    let wire = b"HTTP/1.1 200 OK\r\nconnection: upgrade, CLOSE\r\nContent-Length: 1\r\n\r\nx";
    assert_eq!(check_splits(wire, &[]), ok(vec![done(200, true, 1)]));
}

#[test]
fn read_until_close() {
    let wire = testdata!("resp_until_close.http");
    let body = b"no length: the body runs\r\nuntil the server closes\r\n";
    assert!(wire.ends_with(body));
    let got = check_splits(wire, &[]);
    assert_eq!(got.done, vec![]);
    assert_eq!(got.asked, 1);
    assert_eq!(got.end, Ok(Some(done(200, true, body.len() as u64))));
    // A coding other than a final chunked, or chunked in HTTP/1.0, also reads until close.
    for wire in [
        &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc"[..],
        b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nabc",
    ] {
        assert_eq!(check_splits(wire, &[]).end, Ok(Some(done(200, true, 3))));
    }
}

#[test]
fn ten_pipelined_responses() {
    let wire = testdata!("resp_pipelined_10.http");
    let five = [
        done(200, false, 2),
        done(404, false, 9),
        done(200, false, 3),
        done(201, false, 0),
        done(204, false, 0),
    ];
    let got = check_splits(wire, &[]);
    assert_eq!(got, ok([five, five].concat()));

    // All ten come from a single feed, and no head was copied.
    let mut p = ResponseParser::new();
    let mut sink = Collect::default();
    p.feed(wire, &mut sink).unwrap();
    assert_eq!(sink.done.len(), 10);
    assert!(p.is_idle());
    assert_eq!(p.stream.head_capacity(), 0);
}

#[test]
fn sink_can_stop_a_feed() {
    let wire = testdata!("resp_pipelined_10.http");
    let mut p = ResponseParser::new();
    let mut sink = Collect {
        stop_after: Some(2),
        ..Collect::default()
    };
    p.feed(wire, &mut sink).unwrap();
    assert_eq!(sink.done, vec![done(200, false, 2), done(404, false, 9)]);
    assert!(p.is_idle());
}

#[test]
fn malformed_responses() {
    // Head errors come before the sink is asked; body errors after.
    let cases: [(&[u8], usize, ParseError); 5] = [
        (
            testdata!("resp_bad_status_line.http"),
            0,
            ParseError::BadHead(httparse::Error::Status),
        ),
        (
            testdata!("resp_bad_cl_negative.http"),
            0,
            ParseError::BadContentLength,
        ),
        (
            testdata!("resp_bad_cl_garbage.http"),
            0,
            ParseError::BadContentLength,
        ),
        (
            testdata!("resp_bad_cl_conflict.http"),
            0,
            ParseError::BadContentLength,
        ),
        (
            testdata!("resp_bad_chunk_size.http"),
            1,
            ParseError::BadChunk("no chunk size"),
        ),
    ];
    for (wire, asked, e) in cases {
        assert_eq!(check_splits(wire, &[]), failed(vec![], asked, e));
    }
    let more: [(&[u8], ParseError); 4] = [
        (b"HTTP/1.1 099 Low\r\n\r\n", ParseError::BadStatus(99)),
        (
            b"HTTP/2 200\r\n\r\n",
            ParseError::BadHead(httparse::Error::Version),
        ),
        (
            b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            ParseError::BadHead(httparse::Error::HeaderName),
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            ParseError::BadContentLength,
        ),
    ];
    for (wire, e) in more {
        assert_eq!(check_splits(wire, &[]), failed(vec![], 0, e));
    }
    // The error comes after the responses before it.
    let wire = [
        testdata!("resp_nginx_ok.http"),
        testdata!("resp_bad_chunk_size.http"),
    ]
    .concat();
    let got = check_splits(&wire, &[]);
    assert_eq!(
        got,
        failed(
            vec![done(200, false, 2)],
            2,
            ParseError::BadChunk("no chunk size")
        )
    );
}

#[test]
fn truncated_message_then_eof() {
    let wire = testdata!("resp_truncated_body.http");
    assert_eq!(
        check_splits(wire, &[]),
        failed(vec![], 1, ParseError::UnexpectedEof)
    );
    // Truncated head: not asked about, still an unexpected eof.
    let got = check_splits(b"HTTP/1.1 200 OK\r\nContent-Len", &[]);
    assert_eq!(got, failed(vec![], 0, ParseError::UnexpectedEof));
    // Truncated chunked body.
    let got = check_splits(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        &[],
    );
    assert_eq!(got.end, Err(ParseError::UnexpectedEof));
}

#[test]
fn head_limits() {
    let mut big = b"HTTP/1.1 200 OK\r\n".to_vec();
    while big.len() <= MAX_HEAD {
        big.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    big.extend_from_slice(b"\r\n");
    // Too many fields is caught first when the head arrives whole; the size cap when split.
    assert_eq!(
        run([&big[..]], &[]).end,
        Err(ParseError::BadHead(httparse::Error::TooManyHeaders))
    );
    for at in [1, 17, 4096, MAX_HEAD - 1, MAX_HEAD, MAX_HEAD + 1] {
        let (a, b) = big.split_at(at);
        let end = run([a, b], &[]).end;
        assert!(
            matches!(
                end,
                Err(ParseError::HeadTooLarge | ParseError::BadHead(httparse::Error::TooManyHeaders))
            ),
            "{at}: {end:?}"
        );
    }
    let huge = [&b"HTTP/1.1 200 OK\r\nX: "[..], &[b'a'; MAX_HEAD + 1]].concat();
    assert_eq!(run([&huge[..]], &[]).end, Err(ParseError::HeadTooLarge));
    assert_eq!(
        run(huge.chunks(1000), &[]).end,
        Err(ParseError::HeadTooLarge)
    );

    let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..=MAX_HEADERS {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    assert_eq!(
        run([&many[..]], &[]).end,
        Err(ParseError::BadHead(httparse::Error::TooManyHeaders))
    );
}

#[test]
fn close_ends_the_stream() {
    // Bytes after a closing response, or after 101, are not parsed.
    let wire = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nHTTP/1.1 garbage";
    assert_eq!(check_splits(wire, &[]), ok(vec![done(200, true, 0)]));
    let wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello";
    assert_eq!(check_splits(wire, &[]), ok(vec![done(101, true, 0)]));

    let mut p = ResponseParser::new();
    let mut sink = Collect::default();
    p.feed(wire, &mut sink).unwrap();
    assert!(!p.is_idle());
    p.feed(b"more frames", &mut sink).unwrap();
    assert_eq!(p.eof(), Ok(None));
    assert!(p.is_idle());
}

#[test]
fn transfer_encoding_overrides_content_length_and_closes() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n";
    assert_eq!(check_splits(wire, &[]), ok(vec![done(200, true, 2)]));
}

#[test]
fn empty_lines_before_a_status_line() {
    let wire = b"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx\r\nHTTP/1.1 200 OK\nContent-Length: 0\n\n";
    assert_eq!(
        check_splits(wire, &[]),
        ok(vec![done(200, false, 1), done(200, false, 0)])
    );
}

#[test]
fn reset_and_reuse() {
    let mut p = ResponseParser::new();
    let mut sink = Collect::default();
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", &mut sink)
        .unwrap();
    assert!(!p.is_idle());
    p.reset();
    assert!(p.is_idle());
    // A failed feed leaves the parser reset too.
    assert!(p
        .feed(testdata!("resp_bad_cl_garbage.http"), &mut sink)
        .is_err());
    assert!(p.is_idle());
    p.feed(testdata!("resp_nginx_ok.http"), &mut sink).unwrap();
    assert_eq!(sink.done, vec![done(200, false, 2)]);
}

// The head cache: a head equal to the last one but for its `Date` value skips httparse. Every
// test above already compares cached and uncached parsing at every split (`check_splits`);
// these check when the cache hits and that it never changes an outcome.

/// Every response sample: the head cache changes no outcome, and a connection that saw the
/// sample before (the cache survives `reset`) reuses its last final head when it can.
mod cache;
mod cookies;
