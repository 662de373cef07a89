//! Helpers shared by the client's and the server's unit tests: splitting what a side wrote
//! into frames and decoding header blocks, so both test suites read the wire the same way.

use super::error::H2Error;
use super::frame::{FrameReader, Head, MAX_FRAME_LIMIT, PREFACE};
use super::hpack::HeaderDecoder;

/// The frames in `bytes` (after the client preface, if they start with it).
pub(super) fn frames(bytes: &[u8]) -> Vec<(Head, Vec<u8>)> {
    let bytes = bytes.strip_prefix(&PREFACE[..]).unwrap_or(bytes);
    let mut reader = FrameReader::new(MAX_FRAME_LIMIT);
    let mut got = Vec::new();
    reader
        .feed(bytes, |h, p| {
            got.push((h, p.to_vec()));
            Ok::<(), H2Error>(())
        })
        .unwrap();
    got
}

/// A header block decoded with a fresh decoder (static table only), as byte pairs.
pub(super) fn decode_fresh(block: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut fields = Vec::new();
    HeaderDecoder::default()
        .decode(block, |n, v| fields.push((n.to_vec(), v.to_vec())))
        .unwrap();
    fields
}

/// Text (name, value) pairs as bytes, to compare with `decode_fresh`.
pub(super) fn fields(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    pairs
        .iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}
