//! `encode_field` in every representation, with and without Huffman: the RFC 7541 C.4
//! example bytes, and blocks read back by our decoder and by loona-hpack.

use super::crosscheck::loona;
use super::tests::{hex, C3, C4};
use super::*;

#[test]
fn c3_c4_first_request_plain_and_huffman() {
    for (huffman, want) in [(false, C3[0]), (true, C4[0])] {
        let mut out = Vec::new();
        for (n, v) in [
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
        ] {
            encode_field(
                &mut out,
                n.as_bytes(),
                v.as_bytes(),
                FieldRepr::Indexed,
                huffman,
            );
        }
        assert_eq!(out, hex(want), "huffman={huffman}");
    }
}

#[test]
fn every_representation_reads_back() {
    let fields: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b":method".to_vec(), b"GET".to_vec()),
        (b":path".to_vec(), b"/a/b?c=d".to_vec()),
        (
            b"content-type".to_vec(),
            b"text/plain; charset=utf-8".to_vec(),
        ),
        (b"x-custom".to_vec(), b"".to_vec()),
        (b"x-bytes".to_vec(), (0u8..=255).collect()),
        (b"cookie".to_vec(), b"a=1".to_vec()),
    ];
    for repr in [
        FieldRepr::Indexed,
        FieldRepr::Literal,
        FieldRepr::NeverIndexed,
    ] {
        for huffman in [false, true] {
            let mut ours = HeaderDecoder::default();
            let mut theirs = loona(TABLE_SIZE);
            // Twice: the second block sees what the first one inserted.
            for round in 0..2 {
                let mut block = Vec::new();
                for (n, v) in &fields {
                    encode_field(&mut block, n, v, repr, huffman);
                }
                let mut got = Vec::new();
                ours.decode(&block, |n, v| got.push((n.to_vec(), v.to_vec())))
                    .unwrap();
                assert_eq!(got, fields, "{repr:?} huffman={huffman} round {round}");
                assert_eq!(theirs.decode(&block).unwrap(), fields, "loona {repr:?}");
                let first = block[0];
                match repr {
                    FieldRepr::Indexed => assert_eq!(first, 0x82),
                    FieldRepr::Literal => assert_eq!(first & 0xf0, 0x00),
                    FieldRepr::NeverIndexed => assert_eq!(first & 0xf0, 0x10),
                }
            }
        }
    }
}

#[test]
fn huffman_strings_are_shorter_for_text_and_round_trip() {
    let text = b"www.example.com/some/long/path?with=query&and=more";
    assert!(huffman_len(text) < text.len());
    let mut plain = Vec::new();
    encode_string_as(&mut plain, text, false);
    let mut coded = Vec::new();
    encode_string_as(&mut coded, text, true);
    assert!(coded.len() < plain.len());
    assert_eq!(coded[0] & 0x80, 0x80);
    assert_eq!(huffman_encode(text).len(), huffman_len(text));
}
