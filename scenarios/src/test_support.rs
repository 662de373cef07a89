//! What the unit tests share: the engine's own request parser run over built wire bytes.

use tfw_engine::proto::h1::{RequestDone, RequestParser};

/// The requests in `wire`, which must parse.
pub(crate) fn parse_wire(wire: &[u8]) -> Vec<RequestDone> {
    let mut got = vec![];
    RequestParser::new()
        .feed(wire, |d| {
            got.push(d);
            true
        })
        .unwrap();
    got
}
