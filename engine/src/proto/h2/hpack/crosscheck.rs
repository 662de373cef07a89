//! Our decoder against loona-hpack (the decoder it replaced, kept as a dev-dependency): the
//! RFC 7541 appendix C examples, long random sequences of blocks that insert, evict, resize
//! and reference (hand-built with Huffman and every representation, and from loona's
//! encoder), and garbage; plus the steady state allocating nothing.

use super::decode::HpackError;
use super::huffman;
use super::tests::{hex, C3, C4, C5, C6};
use super::*;
use crate::proto::h2::error::H2Error;

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

pub(super) fn loona(table_size: usize) -> loona_hpack::Decoder<'static> {
    let mut d = loona_hpack::Decoder::new();
    d.set_max_allowed_table_size(table_size);
    d.set_max_table_size(table_size);
    d
}

fn ours(d: &mut HeaderDecoder, block: &[u8]) -> Result<Fields, HpackError> {
    let mut fields = Vec::new();
    d.decode_block(block, |n, v| fields.push((n.to_vec(), v.to_vec())))?;
    Ok(fields)
}

fn theirs(
    d: &mut loona_hpack::Decoder,
    block: &[u8],
) -> Result<Fields, loona_hpack::decoder::DecoderError> {
    d.decode(block)
}

/// What `status` must say for a block that decoded to `fields`.
fn expected_status(fields: &Fields) -> Result<Option<u16>, H2Error> {
    match fields.iter().find(|(n, _)| n == b":status") {
        Some((_, v)) => parse_status(v).map(Some),
        None => Ok(None),
    }
}

/// Decodes `blocks` in order with ours (through `decode` and, separately, `status`) and
/// loona, all of which must succeed and agree; returns our final table size.
fn agree(table_size: usize, blocks: &[Vec<u8>]) -> usize {
    let mut d = HeaderDecoder::new(table_size);
    let mut s = HeaderDecoder::new(table_size);
    let mut l = loona(table_size);
    for (i, block) in blocks.iter().enumerate() {
        let want = theirs(&mut l, block).unwrap();
        assert_eq!(ours(&mut d, block).unwrap(), want, "block {i}");
        assert_eq!(s.status(block), expected_status(&want), "block {i}");
    }
    assert_eq!(d.table().size(), s.table().size());
    d.table().size()
}

#[test]
fn appendix_c_agrees_with_loona() {
    // C.2: one field each, from an empty table.
    for block in [
        "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
        "040c 2f73 616d 706c 652f 7061 7468",
        "1008 7061 7373 776f 7264 0673 6563 7265 74",
        "82",
    ] {
        agree(4096, &[hex(block)]);
    }
    // C.3 - C.6: the table sizes the RFC gives after each sequence.
    let seq = |blocks: [&str; 3]| blocks.map(hex).to_vec();
    assert_eq!(agree(4096, &seq(C3)), 164);
    assert_eq!(agree(4096, &seq(C4)), 164);
    assert_eq!(agree(256, &seq(C5)), 215);
    assert_eq!(agree(256, &seq(C6)), 215);
}

/// xorshift64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NAMES: [&str; 8] = [
    "server",
    "date",
    "content-type",
    "x-request-id",
    "set-cookie",
    "cache-control",
    "x-a",
    ":status",
];
const VALUES: [&str; 8] = [
    "nginx",
    "Mon, 21 Oct 2013 20:13:21 GMT",
    "text/plain",
    "2",
    "200",
    "no-cache, no-store",
    "",
    "ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600",
];

fn random_string(rng: &mut Rng, words: &[&str]) -> Vec<u8> {
    match rng.below(10) {
        0..=5 => words[rng.below(words.len())].as_bytes().to_vec(),
        6..=8 => (0..rng.below(40)).map(|_| rng.next() as u8).collect(),
        _ => (0..rng.below(400)).map(|_| rng.next() as u8).collect(),
    }
}

fn push_string(out: &mut Vec<u8>, rng: &mut Rng, s: &[u8]) {
    if rng.below(2) == 0 {
        let coded = huffman::encode(s);
        encode_int(out, 7, 0x80, coded.len() as u64);
        out.extend_from_slice(&coded);
    } else {
        encode_string(out, s);
    }
}

/// A block of 1..=12 random fields of every representation; dynamic indices are below
/// `dynamic` (the table's length before the block, so evictions inside the block can make
/// a few of them invalid, which both decoders must then reject).
fn random_block(rng: &mut Rng, dynamic: usize, max_allowed: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if rng.below(8) == 0 {
        for _ in 0..=rng.below(2) {
            let size = match rng.below(3) {
                0 => 0,
                1 => max_allowed,
                _ => rng.below(max_allowed + 1),
            };
            encode_size_update(&mut out, size);
        }
    }
    let index = |rng: &mut Rng| {
        if dynamic > 0 && rng.below(2) == 0 {
            62 + rng.below(dynamic)
        } else {
            1 + rng.below(61)
        }
    };
    for _ in 0..=rng.below(12) {
        let kind = rng.below(10);
        if kind < 3 {
            encode_int(&mut out, 7, 0x80, index(rng) as u64);
            continue;
        }
        // Incremental indexing (4 in 10), without indexing, never indexed.
        let (prefix, flags) = match kind {
            3..=6 => (6, 0x40),
            7 | 8 => (4, 0x00),
            _ => (4, 0x10),
        };
        if rng.below(3) == 0 {
            out.push(flags);
            let name = random_string(rng, &NAMES);
            push_string(&mut out, rng, &name);
        } else {
            encode_int(&mut out, prefix, flags, index(rng) as u64);
        }
        let value = random_string(rng, &VALUES);
        push_string(&mut out, rng, &value);
    }
    out
}

#[test]
fn random_blocks_agree_with_loona() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for table_size in [4096, 256, 64] {
        let mut d = HeaderDecoder::new(table_size);
        let mut s = HeaderDecoder::new(table_size);
        let mut l = loona(table_size);
        let (mut ok, mut bytes) = (0usize, 0usize);
        let blocks = 4000;
        for i in 0..blocks {
            let block = random_block(&mut rng, d.table().len(), table_size);
            let got = ours(&mut d, &block);
            let want = theirs(&mut l, &block);
            let status = s.status(&block);
            match (&got, &want) {
                (Ok(got), Ok(want)) => {
                    assert_eq!(got, want, "table {table_size} block {i}");
                    assert_eq!(status, expected_status(want));
                    ok += 1;
                    bytes += block.len();
                }
                (Err(_), Err(_)) => {
                    assert!(matches!(status, Err(H2Error::Compression(_))));
                    // Both are out of step with the encoder now: start afresh.
                    d = HeaderDecoder::new(table_size);
                    s = HeaderDecoder::new(table_size);
                    l = loona(table_size);
                }
                _ => panic!("table {table_size} block {i}: {got:?} vs {want:?}"),
            }
            assert!(d.table().size() <= d.table().max_size());
        }
        // Most blocks are valid, and they pushed many tables' worth through (evicting).
        assert!(ok > blocks * 3 / 4, "{ok}");
        assert!(bytes > 20 * table_size, "{bytes}");
    }
}

#[test]
fn loona_encoder_sequences_decode() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut enc = loona_hpack::Encoder::new();
    let mut d = HeaderDecoder::default();
    for i in 0..3000 {
        let fields: Fields = (0..1 + rng.below(10))
            .map(|_| {
                (
                    random_string(&mut rng, &NAMES),
                    random_string(&mut rng, &VALUES),
                )
            })
            .collect();
        let block = enc.encode(fields.iter().map(|(n, v)| (&n[..], &v[..])));
        assert_eq!(ours(&mut d, &block).unwrap(), fields, "block {i}");
    }
}

#[test]
fn garbage_agrees_with_loona_and_never_panics() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let table_size = 256;
    let mut d = HeaderDecoder::new(table_size);
    let mut l = loona(table_size);
    let (mut ours_ok, mut both_err) = (0, 0);
    for i in 0..30_000 {
        let block = if i % 2 == 0 {
            (0..rng.below(48)).map(|_| rng.next() as u8).collect()
        } else {
            // A valid-looking block, mangled: bit flips, a cut, a spliced byte.
            let mut b = random_block(&mut rng, d.table().len(), table_size);
            for _ in 0..1 + rng.below(3) {
                if b.is_empty() {
                    break;
                }
                let at = rng.below(b.len());
                match rng.below(3) {
                    0 => b[at] ^= 1 << rng.below(8),
                    1 => b.truncate(at),
                    _ => b.insert(at, rng.next() as u8),
                }
            }
            b
        };
        let got = ours(&mut d, &block);
        let want = theirs(&mut l, &block);
        match (&got, &want) {
            (Ok(got), Ok(want)) => {
                assert_eq!(got, want, "block {i}");
                ours_ok += 1;
                continue;
            }
            (Err(_), Err(_)) => both_err += 1,
            // Where the two read RFC 7541 differently: a size update after a field (we
            // reject it, section 4.2) and a block ending with a size update (loona rejects
            // it; nothing in the RFC does).
            (Err(HpackError::LateSizeUpdate), Ok(_)) => {}
            (Ok(_), Err(loona_hpack::decoder::DecoderError::SizeUpdateAtEnd)) => {}
            _ => panic!("block {i} {block:02x?}: {got:?} vs {want:?}"),
        }
        d = HeaderDecoder::new(table_size);
        l = loona(table_size);
    }
    assert!(ours_ok > 1000 && both_err > 1000, "{ours_ok} {both_err}");
}

/// nginx's response block: `:status 200`, then server, date, content-type and
/// content-length as Huffman-coded literals with incremental indexing.
pub(super) fn nginx_block() -> Vec<u8> {
    hex(
        "88 76 84aa6355e7 61 96d07abe94640a693f75040138a019b8005c1094c5a37f
         5f 87497ca58ae819aa 5c 0132",
    )
}

#[test]
fn nginx_block_decodes_and_agrees() {
    let block = nginx_block();
    let mut d = HeaderDecoder::default();
    let mut l = loona(TABLE_SIZE);
    let fields = ours(&mut d, &block).unwrap();
    assert_eq!(fields, theirs(&mut l, &block).unwrap());
    let text: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| {
            (
                std::str::from_utf8(n).unwrap(),
                std::str::from_utf8(v).unwrap(),
            )
        })
        .collect();
    assert_eq!(text[0], (":status", "200"));
    assert_eq!(text[1], ("server", "nginx"));
    assert_eq!(text[2].0, "date");
    assert_eq!(text[3], ("content-type", "text/plain"));
    assert_eq!(text[4], ("content-length", "2"));
    assert_eq!(d.table().len(), 4);
}

#[test]
fn the_steady_state_allocates_nothing() {
    // Blocks that reference no dynamic entry, so any order of them is valid: nginx's, one
    // with longer Huffman values, and one with a literal name, plain and long.
    let mut long = vec![0x88];
    encode_int(&mut long, 6, 0x40, 33);
    let date = huffman::encode(b"Tue, 01 Jan 2030 00:00:00 GMT; and some more text");
    encode_int(&mut long, 7, 0x80, date.len() as u64);
    long.extend_from_slice(&date);
    let mut named = vec![0x40];
    encode_string(&mut named, b"x-custom-header");
    encode_string(&mut named, &[b'v'; 700]);
    encode_literal(&mut named, b"etag", b"\"abc\"");
    let blocks = [nginx_block(), long, named];
    // The counter is live: one allocation is seen.
    let probe = allocation_counter::measure(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(8));
    });
    assert_eq!(probe.count_total, 1);
    for table_size in [TABLE_SIZE, 256] {
        let mut d = HeaderDecoder::new(table_size);
        let run = |d: &mut HeaderDecoder, rounds: usize| {
            let mut fields = 0;
            for i in 0..rounds {
                for block in &blocks[..if i % 3 == 0 { 3 } else { 1 + i % 2 }] {
                    assert_eq!(d.status(block), Ok(Some(200).filter(|_| block[0] == 0x88)));
                    d.decode(block, |_, _| fields += 1).unwrap();
                }
            }
            fields
        };
        // Warm-up: the table fills and wraps, the scratch buffers reach their sizes.
        run(&mut d, 200);
        let mut fields = 0;
        let info = allocation_counter::measure(|| fields = run(&mut d, 2000));
        assert!(fields > 10_000);
        assert_eq!(info.count_total, 0, "table {table_size}");
    }
}
