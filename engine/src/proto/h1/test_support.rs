//! Test harnesses for the HTTP/1.1 parsers, shared by their own tests and by the builders'
//! tests: feed a connection's bytes (in any pieces) and collect what was reported.

use super::{ParseError, RequestDone, RequestParser, ResponseDone, ResponseParser, ResponseSink};
use std::collections::VecDeque;

/// Requests reported, then the first error (or Ok if the stream ended idle or closed).
pub(crate) type RequestOutcome = (Vec<RequestDone>, Result<(), ParseError>);

/// Feeds one connection's bytes to `p`, stopping at the first error.
pub(crate) fn run_requests_on<'a>(
    p: &mut RequestParser,
    feeds: impl IntoIterator<Item = &'a [u8]>,
) -> RequestOutcome {
    let mut done = Vec::new();
    for f in feeds {
        if let Err(e) = p.feed(f, |d| {
            done.push(d);
            true
        }) {
            assert!(p.is_idle());
            return (done, Err(e));
        }
    }
    (done, Ok(()))
}

/// `run_requests_on` with a fresh parser.
pub(crate) fn run_requests<'a>(feeds: impl IntoIterator<Item = &'a [u8]>) -> RequestOutcome {
    run_requests_on(&mut RequestParser::new(), feeds)
}

/// The requests of `wire`, which must parse.
pub(crate) fn requests_in(wire: &[u8]) -> Vec<RequestDone> {
    let (done, end) = run_requests([wire]);
    assert_eq!(end, Ok(()), "{:?}", String::from_utf8_lossy(wire));
    done
}

/// Answers `next_is_head` from a script and records what was reported.
#[derive(Default)]
pub(crate) struct Collect {
    pub heads: VecDeque<bool>,
    pub asked: usize,
    pub done: Vec<ResponseDone>,
    pub stop_after: Option<usize>,
}

impl ResponseSink for Collect {
    fn next_is_head(&mut self) -> bool {
        self.asked += 1;
        self.heads.pop_front().unwrap_or(false)
    }

    fn response(&mut self, done: ResponseDone) -> bool {
        self.done.push(done);
        self.stop_after.is_none_or(|n| self.done.len() < n)
    }
}

/// Everything a connection produced: responses, final-head questions, and the result of the
/// first failing feed or else of `eof`.
#[derive(Debug, PartialEq)]
pub(crate) struct ResponseOutcome {
    pub done: Vec<ResponseDone>,
    pub asked: usize,
    pub end: Result<Option<ResponseDone>, ParseError>,
}

/// Feeds one connection's bytes to `p` (`heads` says which responses answer HEAD requests),
/// then `eof` unless a feed failed.
pub(crate) fn run_responses_on<'a>(
    p: &mut ResponseParser,
    feeds: impl IntoIterator<Item = &'a [u8]>,
    heads: &[bool],
) -> ResponseOutcome {
    let mut sink = Collect {
        heads: heads.iter().copied().collect(),
        ..Collect::default()
    };
    let mut end = Ok(None);
    for f in feeds {
        if let Err(e) = p.feed(f, &mut sink) {
            end = Err(e);
            break;
        }
    }
    if end.is_ok() {
        end = p.eof();
    }
    assert!(p.is_idle(), "reset after eof or error");
    ResponseOutcome {
        done: sink.done,
        asked: sink.asked,
        end,
    }
}

/// `run_responses_on` with a fresh parser (empty head cache).
pub(crate) fn run_responses<'a>(
    feeds: impl IntoIterator<Item = &'a [u8]>,
    heads: &[bool],
) -> ResponseOutcome {
    run_responses_on(&mut ResponseParser::new(), feeds, heads)
}
