//! The RFC 7541 appendix C examples (integers, requests and responses, plain and Huffman,
//! each a sequence sharing one dynamic table), our encoders read back by the decoder, the
//! `:status` path against the full decoder, and garbage.

use super::primitive::read_int;
use super::*;
use crate::proto::h2::error::H2Error;

pub(super) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn decode_all(d: &mut HeaderDecoder, block: &[u8]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    d.decode(block, |n, v| {
        fields.push((
            String::from_utf8(n.to_vec()).unwrap(),
            String::from_utf8(v.to_vec()).unwrap(),
        ))
    })
    .unwrap();
    fields
}

fn fields(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn integers_c1() {
    let mut out = Vec::new();
    encode_int(&mut out, 5, 0, 10);
    assert_eq!(out, [0x0a]);
    out.clear();
    encode_int(&mut out, 5, 0xe0, 1337);
    assert_eq!(out, [0xff, 0x9a, 0x0a]);
    out.clear();
    encode_int(&mut out, 8, 0, 42);
    assert_eq!(out, [42]);
    out.clear();
    encode_int(&mut out, 5, 0, 31);
    assert_eq!(out, [31, 0]);
    assert_eq!(read_int(&[0xff, 0x9a, 0x0a], 5), Some((1337, 3)));
    assert_eq!(read_int(&[0x1f, 0x80], 5), None);
    assert_eq!(read_int(&[0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f], 5), None);
}

pub(super) const C3: [&str; 3] = [
    "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
    "8286 84be 5808 6e6f 2d63 6163 6865",
    "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
];
pub(super) const C4: [&str; 3] = [
    "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
    "8286 84be 5886 a8eb 1064 9cbf",
    "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
];

fn requests_c3_c4(blocks: [&str; 3]) {
    let mut d = HeaderDecoder::default();
    let base = [
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "www.example.com"),
    ];
    assert_eq!(decode_all(&mut d, &hex(blocks[0])), fields(&base));
    let mut second = base.to_vec();
    second.push(("cache-control", "no-cache"));
    assert_eq!(decode_all(&mut d, &hex(blocks[1])), fields(&second));
    assert_eq!(
        decode_all(&mut d, &hex(blocks[2])),
        fields(&[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/index.html"),
            (":authority", "www.example.com"),
            ("custom-key", "custom-value"),
        ])
    );
    // Requests have no :status.
    let mut d = HeaderDecoder::default();
    assert_eq!(d.status(&hex(blocks[0])), Ok(None));
}

#[test]
fn requests_without_huffman_c3() {
    requests_c3_c4(C3);
}

#[test]
fn requests_with_huffman_c4() {
    requests_c3_c4(C4);
}

pub(super) const C5: [&str; 3] = [
    "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
     2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
     6c65 2e63 6f6d",
    "4803 3330 37c1 c0bf",
    "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
     54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
     5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
     3d31",
];
pub(super) const C6: [&str; 3] = [
    "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
     2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
    "4883 640e ffc1 c0bf",
    "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
     77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
     9587 3160 65c0 03ed 4ee5 b106 3d50 07",
];

fn responses_c5_c6(blocks: [&str; 3]) {
    let date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
    let loc = "https://www.example.com";
    let first = fields(&[
        (":status", "302"),
        ("cache-control", "private"),
        ("date", date1),
        ("location", loc),
    ]);
    let second = fields(&[
        (":status", "307"),
        ("cache-control", "private"),
        ("date", date1),
        ("location", loc),
    ]);
    let third = fields(&[
        (":status", "200"),
        ("cache-control", "private"),
        ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
        ("location", loc),
        ("content-encoding", "gzip"),
        (
            "set-cookie",
            "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
        ),
    ]);
    // The examples use a 256-byte table, so entries get evicted along the way.
    let mut d = HeaderDecoder::new(256);
    assert_eq!(decode_all(&mut d, &hex(blocks[0])), first);
    assert_eq!(decode_all(&mut d, &hex(blocks[1])), second);
    assert_eq!(decode_all(&mut d, &hex(blocks[2])), third);

    // The :status path keeps the table in step just the same.
    let mut d = HeaderDecoder::new(256);
    assert_eq!(d.status(&hex(blocks[0])), Ok(Some(302)));
    assert_eq!(d.status(&hex(blocks[1])), Ok(Some(307)));
    assert_eq!(d.status(&hex(blocks[2])), Ok(Some(200)));
}

#[test]
fn responses_without_huffman_c5() {
    responses_c5_c6(C5);
}

#[test]
fn responses_with_huffman_c6() {
    responses_c5_c6(C6);
}

#[test]
fn encoders_read_back() {
    let mut block = Vec::new();
    encode_status(&mut block, 200);
    encode_status(&mut block, 418);
    encode_literal(&mut block, b"content-type", b"text/plain");
    encode_literal(&mut block, b"x-custom", b"v");
    encode_literal_indexed(&mut block, b"server", b"tfw");
    encode_literal_indexed(&mut block, b"x-long-name", &[b'a'; 300]);
    encode_indexed(&mut block, 63);
    encode_indexed(&mut block, 62);
    // :status 200 is one byte, static index 8.
    assert_eq!(block[0], 0x88);
    let mut d = HeaderDecoder::default();
    let long = "a".repeat(300);
    assert_eq!(
        decode_all(&mut d, &block),
        fields(&[
            (":status", "200"),
            (":status", "418"),
            ("content-type", "text/plain"),
            ("x-custom", "v"),
            ("server", "tfw"),
            ("x-long-name", &long),
            ("server", "tfw"),
            ("x-long-name", &long),
        ])
    );
    let mut update = Vec::new();
    encode_size_update(&mut update, 0);
    encode_indexed(&mut update, 2);
    assert_eq!(decode_all(&mut d, &update), fields(&[(":method", "GET")]));
    // The table is empty now: index 62 is out of bounds.
    assert!(matches!(
        d.decode(&[0xbe], |_, _| {}),
        Err(H2Error::Compression(_))
    ));
}

#[test]
fn status_agrees_with_the_decoder() {
    // Blocks that leave the dynamic table alone leave it empty.
    let status_only = |block: &[u8]| {
        let mut d = HeaderDecoder::default();
        let status = d.status(block);
        assert_eq!(d.table().len(), 0);
        let mut first = None;
        HeaderDecoder::default()
            .decode(block, |n, v| {
                if n == b":status" && first.is_none() {
                    first = parse_status(v).ok();
                }
            })
            .unwrap();
        assert_eq!(status.as_ref().ok().copied().flatten(), first);
        status
    };
    let mut plain = Vec::new();
    encode_literal(&mut plain, b"server", b"nginx");
    encode_literal(&mut plain, b"date", b"Mon, 21 Oct 2013 20:13:21 GMT");
    encode_status(&mut plain, 404);
    encode_literal(&mut plain, b"x-never", b"1");
    *plain.last_mut().unwrap() = b'1';
    assert_eq!(status_only(&plain), Ok(Some(404)));
    let mut lit = Vec::new();
    encode_status(&mut lit, 503);
    assert_eq!(status_only(&lit), Ok(Some(503)));
    // A literal :status with a literal name.
    let mut named = vec![0x10];
    encode_string(&mut named, b":status");
    encode_string(&mut named, b"201");
    assert_eq!(status_only(&named), Ok(Some(201)));
    // Huffman-coded values of other fields (C.6.1's date, as a literal without indexing).
    let huff = hex("0f12 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff 8b");
    assert_eq!(status_only(&huff), Ok(Some(304)));
    // A Huffman-coded :status value (C.6.1's "302", literal without indexing).
    assert_eq!(status_only(&hex("08 82 6402")), Ok(Some(302)));
    // Trailers: no :status.
    let mut trailers = Vec::new();
    encode_literal(&mut trailers, b"grpc-status", b"0");
    assert_eq!(status_only(&trailers), Ok(None));
    // Incremental indexing inserts.
    let mut idx = Vec::new();
    encode_literal_indexed(&mut idx, b":status", b"200");
    let mut d = HeaderDecoder::default();
    assert_eq!(d.status(&idx), Ok(Some(200)));
    assert_eq!(d.table().len(), 1);
    // ... and then the dynamic entry is referenced.
    assert_eq!(d.status(&[0xbe]), Ok(Some(200)));
    // Bad status values.
    let mut bad = Vec::new();
    encode_literal(&mut bad, b":status", b"20x");
    assert!(matches!(
        HeaderDecoder::default().status(&bad),
        Err(H2Error::Protocol(_))
    ));
    let mut bad = Vec::new();
    encode_literal_indexed(&mut bad, b":status", b"2000");
    assert!(matches!(
        HeaderDecoder::default().status(&bad),
        Err(H2Error::Protocol(_))
    ));
}

#[test]
fn size_update_beyond_our_setting_is_an_error() {
    let mut block = Vec::new();
    encode_size_update(&mut block, TABLE_SIZE + 1);
    encode_indexed(&mut block, 8);
    assert!(matches!(
        HeaderDecoder::default().status(&block),
        Err(H2Error::Compression(_))
    ));
}

#[test]
fn garbage_never_panics() {
    // A small xorshift generator: deterministic, no dependency.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut d = HeaderDecoder::default();
    for round in 0..20_000 {
        let len = (next() % 40) as usize;
        let block: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = d.status(&block);
        let _ = d.decode(&block, |_, _| {});
        if round % 1000 == 0 {
            d = HeaderDecoder::default();
        }
    }
}

#[test]
fn static_table_reads_back() {
    // Every static entry, decoded by index, is the table's.
    let mut d = HeaderDecoder::default();
    for (i, (name, value)) in STATIC_TABLE.iter().enumerate() {
        let mut block = Vec::new();
        encode_indexed(&mut block, i + 1);
        let mut got = None;
        d.decode(&block, |n, v| got = Some((n.to_vec(), v.to_vec())))
            .unwrap();
        assert_eq!(
            got,
            Some((name.to_vec(), value.to_vec())),
            "index {}",
            i + 1
        );
    }
}

/// nginx's block decoded again and again (as on a long connection): the dynamic table stays
/// bounded and every field comes out each time. (Its speed: `engine/benches/hpack.rs`.)
#[test]
fn nginx_block_repeated() {
    let block = super::crosscheck::nginx_block();
    let rounds = 100u32;
    let mut d = HeaderDecoder::default();
    for _ in 0..rounds {
        assert_eq!(d.status(&block), Ok(Some(200)));
    }
    // Four entries of 209 bytes per block: the table holds the last 19 blocks' and part of
    // the one before, having evicted the rest.
    assert_eq!(d.table().len(), 19 * 4 + 2);
    let mut d = HeaderDecoder::default();
    let mut bytes = 0;
    for _ in 0..rounds {
        d.decode(&block, |n, v| bytes += n.len() + v.len()).unwrap();
    }
    assert_eq!(
        bytes,
        rounds as usize * (7 + 3 + 6 + 5 + 4 + 29 + 12 + 10 + 14 + 1)
    );
}
