//! HPACK Huffman decoding and encoding (RFC 7541 section 5.2, code in appendix B).
//!
//! Response headers from nginx and most servers arrive Huffman-coded, so this runs for nearly
//! every string the client decodes. It is a state machine over 4-bit nibbles (nghttp2's
//! approach): a state is an internal node of the code tree (256 of them; the root is 0), and
//! each (state, nibble) pair has one precomputed transition giving the next state, at most one
//! emitted byte (no code is shorter than 5 bits), and whether the string may end there. The
//! 256 x 16 table is built once, at first use, from the canonical code table below, so
//! decoding is two table lookups per input byte and never allocates beyond the output buffer.
//!
//! Errors (section 5.2): the EOS code inside a string, padding longer than 7 bits, padding
//! that is not the most significant bits of EOS (all ones).

use std::sync::OnceLock;

/// Why a Huffman-coded string was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HuffmanError {
    /// The EOS symbol appeared in the string.
    #[error("Huffman string contains EOS")]
    Eos,
    /// The string ended more than 7 bits into a code.
    #[error("Huffman padding longer than 7 bits")]
    PaddingTooLong,
    /// The string ended inside a code whose bits so far are not all ones.
    #[error("Huffman padding is not a prefix of EOS")]
    PaddingNotOnes,
}

/// The transition emits `Step::sym`.
const EMIT: u32 = 1 << 24;
/// The string may end after this transition (padding so far is at most 7 one bits).
const ACCEPT: u32 = 1 << 25;
/// The transition runs into EOS.
const FAIL: u32 = 1 << 26;

/// One (state, nibble) transition, packed so that the decoding loop's critical path is a
/// load and a mask: bits 4..12 the next state (as its row offset, state * 16), bits 16..24
/// the decoded byte, then the flags `EMIT`, `ACCEPT`, `FAIL`.
#[derive(Debug, Clone, Copy, Default)]
struct Step(u32);

impl Step {
    fn new(next: usize, sym: u8, flags: u32) -> Self {
        Step(((next as u32 & 0xff) << 4) | (u32::from(sym) << 16) | flags)
    }

    /// The next state's row in `Machine::steps`.
    fn row(self) -> usize {
        (self.0 & 0xff0) as usize
    }

    fn next(self) -> usize {
        self.row() >> 4
    }

    fn sym(self) -> u8 {
        (self.0 >> 16) as u8
    }

    fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }
}

/// The decoding machine: transitions (state * 16 + nibble), and for each state why a string
/// may not end there.
struct Machine {
    steps: [Step; 256 * 16],
    /// Why a string may not end in this state (`None`: it may).
    end: [Option<HuffmanError>; 256],
}

/// A child in the code tree while building the machine.
#[derive(Debug, Clone, Copy)]
enum Child {
    Missing,
    Node(usize),
    Leaf(usize),
}

/// Builds the machine from `CODES`: the code tree first, then every nibble walked from
/// every internal node.
fn build() -> Machine {
    let mut nodes: Vec<[Child; 2]> = vec![[Child::Missing; 2]];
    // Depth of the node when its path from the root is all ones.
    let mut ones: Vec<Option<u8>> = vec![Some(0)];
    for (sym, &(code, len)) in CODES.iter().enumerate() {
        let mut node = 0;
        for shift in (1..len).rev() {
            let bit = ((code >> shift) & 1) as usize;
            node = match nodes[node][bit] {
                Child::Node(next) => next,
                _ => {
                    let next = nodes.len();
                    nodes.push([Child::Missing; 2]);
                    ones.push(ones[node].filter(|_| bit == 1).map(|d| d + 1));
                    nodes[node][bit] = Child::Node(next);
                    next
                }
            };
        }
        nodes[node][(code & 1) as usize] = Child::Leaf(sym);
    }
    let mut machine = Machine {
        steps: [Step::default(); 256 * 16],
        end: [Some(HuffmanError::PaddingNotOnes); 256],
    };
    // The code is complete (Kraft sum 1), so it has exactly 256 internal nodes; `take`
    // keeps a (never seen) bad table from indexing out of bounds.
    for (state, row) in machine.steps.chunks_mut(16).enumerate().take(nodes.len()) {
        for (nibble, step) in row.iter_mut().enumerate() {
            let mut node = state;
            let mut flags = 0;
            let mut sym = 0;
            for shift in (0..4).rev() {
                match nodes[node][(nibble >> shift) & 1] {
                    Child::Node(next) => node = next,
                    Child::Leaf(s) if s < 256 => {
                        flags |= EMIT;
                        sym = s as u8;
                        node = 0;
                    }
                    Child::Leaf(_) | Child::Missing => {
                        flags |= FAIL;
                        break;
                    }
                }
            }
            if flags & FAIL == 0 && matches!(ones[node], Some(d) if d <= 7) {
                flags |= ACCEPT;
            }
            *step = Step::new(node, sym, flags);
        }
    }
    for (end, depth) in machine.end.iter_mut().zip(&ones) {
        *end = match depth {
            Some(d) if *d <= 7 => None,
            Some(_) => Some(HuffmanError::PaddingTooLong),
            None => Some(HuffmanError::PaddingNotOnes),
        };
    }
    machine
}

/// The machine, built on first use.
fn machine() -> &'static Machine {
    static MACHINE: OnceLock<Machine> = OnceLock::new();
    MACHINE.get_or_init(build)
}

/// Decodes the Huffman-coded string `src`, appending the bytes to `out`.
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), HuffmanError> {
    let m = machine();
    // At most one byte per nibble. Every nibble stores its (maybe not emitted) byte at the
    // output position and moves the position only when it emits: no branch on emitting.
    let start = out.len();
    out.resize(start + src.len() * 2, 0);
    let buf = &mut out[start..];
    let mut len = 0;
    let mut row = 0;
    // The empty string is fine.
    let mut last = Step(ACCEPT);
    for &byte in src {
        for nibble in [byte >> 4, byte & 0x0f] {
            let step = m.steps[row | usize::from(nibble)];
            if step.has(FAIL) {
                out.truncate(start);
                return Err(HuffmanError::Eos);
            }
            buf[len] = step.sym();
            len += usize::from(step.has(EMIT));
            row = step.row();
            last = step;
        }
    }
    out.truncate(start + len);
    if last.has(ACCEPT) {
        return Ok(());
    }
    Err(m.end[last.next()].unwrap_or(HuffmanError::PaddingNotOnes))
}

/// The canonical Huffman code (RFC 7541 appendix B): (code, length in bits) for bytes 0..=255
/// and EOS (256). Taken from loona-hpack 0.4.3 (MIT).
pub static CODES: [(u32, u8); 257] = [
    (0x1ff8, 13),
    (0x7fffd8, 23),
    (0xfffffe2, 28),
    (0xfffffe3, 28),
    (0xfffffe4, 28),
    (0xfffffe5, 28),
    (0xfffffe6, 28),
    (0xfffffe7, 28),
    (0xfffffe8, 28),
    (0xffffea, 24),
    (0x3ffffffc, 30),
    (0xfffffe9, 28),
    (0xfffffea, 28),
    (0x3ffffffd, 30),
    (0xfffffeb, 28),
    (0xfffffec, 28),
    (0xfffffed, 28),
    (0xfffffee, 28),
    (0xfffffef, 28),
    (0xffffff0, 28),
    (0xffffff1, 28),
    (0xffffff2, 28),
    (0x3ffffffe, 30),
    (0xffffff3, 28),
    (0xffffff4, 28),
    (0xffffff5, 28),
    (0xffffff6, 28),
    (0xffffff7, 28),
    (0xffffff8, 28),
    (0xffffff9, 28),
    (0xffffffa, 28),
    (0xffffffb, 28),
    (0x14, 6),
    (0x3f8, 10),
    (0x3f9, 10),
    (0xffa, 12),
    (0x1ff9, 13),
    (0x15, 6),
    (0xf8, 8),
    (0x7fa, 11),
    (0x3fa, 10),
    (0x3fb, 10),
    (0xf9, 8),
    (0x7fb, 11),
    (0xfa, 8),
    (0x16, 6),
    (0x17, 6),
    (0x18, 6),
    (0x0, 5),
    (0x1, 5),
    (0x2, 5),
    (0x19, 6),
    (0x1a, 6),
    (0x1b, 6),
    (0x1c, 6),
    (0x1d, 6),
    (0x1e, 6),
    (0x1f, 6),
    (0x5c, 7),
    (0xfb, 8),
    (0x7ffc, 15),
    (0x20, 6),
    (0xffb, 12),
    (0x3fc, 10),
    (0x1ffa, 13),
    (0x21, 6),
    (0x5d, 7),
    (0x5e, 7),
    (0x5f, 7),
    (0x60, 7),
    (0x61, 7),
    (0x62, 7),
    (0x63, 7),
    (0x64, 7),
    (0x65, 7),
    (0x66, 7),
    (0x67, 7),
    (0x68, 7),
    (0x69, 7),
    (0x6a, 7),
    (0x6b, 7),
    (0x6c, 7),
    (0x6d, 7),
    (0x6e, 7),
    (0x6f, 7),
    (0x70, 7),
    (0x71, 7),
    (0x72, 7),
    (0xfc, 8),
    (0x73, 7),
    (0xfd, 8),
    (0x1ffb, 13),
    (0x7fff0, 19),
    (0x1ffc, 13),
    (0x3ffc, 14),
    (0x22, 6),
    (0x7ffd, 15),
    (0x3, 5),
    (0x23, 6),
    (0x4, 5),
    (0x24, 6),
    (0x5, 5),
    (0x25, 6),
    (0x26, 6),
    (0x27, 6),
    (0x6, 5),
    (0x74, 7),
    (0x75, 7),
    (0x28, 6),
    (0x29, 6),
    (0x2a, 6),
    (0x7, 5),
    (0x2b, 6),
    (0x76, 7),
    (0x2c, 6),
    (0x8, 5),
    (0x9, 5),
    (0x2d, 6),
    (0x77, 7),
    (0x78, 7),
    (0x79, 7),
    (0x7a, 7),
    (0x7b, 7),
    (0x7ffe, 15),
    (0x7fc, 11),
    (0x3ffd, 14),
    (0x1ffd, 13),
    (0xffffffc, 28),
    (0xfffe6, 20),
    (0x3fffd2, 22),
    (0xfffe7, 20),
    (0xfffe8, 20),
    (0x3fffd3, 22),
    (0x3fffd4, 22),
    (0x3fffd5, 22),
    (0x7fffd9, 23),
    (0x3fffd6, 22),
    (0x7fffda, 23),
    (0x7fffdb, 23),
    (0x7fffdc, 23),
    (0x7fffdd, 23),
    (0x7fffde, 23),
    (0xffffeb, 24),
    (0x7fffdf, 23),
    (0xffffec, 24),
    (0xffffed, 24),
    (0x3fffd7, 22),
    (0x7fffe0, 23),
    (0xffffee, 24),
    (0x7fffe1, 23),
    (0x7fffe2, 23),
    (0x7fffe3, 23),
    (0x7fffe4, 23),
    (0x1fffdc, 21),
    (0x3fffd8, 22),
    (0x7fffe5, 23),
    (0x3fffd9, 22),
    (0x7fffe6, 23),
    (0x7fffe7, 23),
    (0xffffef, 24),
    (0x3fffda, 22),
    (0x1fffdd, 21),
    (0xfffe9, 20),
    (0x3fffdb, 22),
    (0x3fffdc, 22),
    (0x7fffe8, 23),
    (0x7fffe9, 23),
    (0x1fffde, 21),
    (0x7fffea, 23),
    (0x3fffdd, 22),
    (0x3fffde, 22),
    (0xfffff0, 24),
    (0x1fffdf, 21),
    (0x3fffdf, 22),
    (0x7fffeb, 23),
    (0x7fffec, 23),
    (0x1fffe0, 21),
    (0x1fffe1, 21),
    (0x3fffe0, 22),
    (0x1fffe2, 21),
    (0x7fffed, 23),
    (0x3fffe1, 22),
    (0x7fffee, 23),
    (0x7fffef, 23),
    (0xfffea, 20),
    (0x3fffe2, 22),
    (0x3fffe3, 22),
    (0x3fffe4, 22),
    (0x7ffff0, 23),
    (0x3fffe5, 22),
    (0x3fffe6, 22),
    (0x7ffff1, 23),
    (0x3ffffe0, 26),
    (0x3ffffe1, 26),
    (0xfffeb, 20),
    (0x7fff1, 19),
    (0x3fffe7, 22),
    (0x7ffff2, 23),
    (0x3fffe8, 22),
    (0x1ffffec, 25),
    (0x3ffffe2, 26),
    (0x3ffffe3, 26),
    (0x3ffffe4, 26),
    (0x7ffffde, 27),
    (0x7ffffdf, 27),
    (0x3ffffe5, 26),
    (0xfffff1, 24),
    (0x1ffffed, 25),
    (0x7fff2, 19),
    (0x1fffe3, 21),
    (0x3ffffe6, 26),
    (0x7ffffe0, 27),
    (0x7ffffe1, 27),
    (0x3ffffe7, 26),
    (0x7ffffe2, 27),
    (0xfffff2, 24),
    (0x1fffe4, 21),
    (0x1fffe5, 21),
    (0x3ffffe8, 26),
    (0x3ffffe9, 26),
    (0xffffffd, 28),
    (0x7ffffe3, 27),
    (0x7ffffe4, 27),
    (0x7ffffe5, 27),
    (0xfffec, 20),
    (0xfffff3, 24),
    (0xfffed, 20),
    (0x1fffe6, 21),
    (0x3fffe9, 22),
    (0x1fffe7, 21),
    (0x1fffe8, 21),
    (0x7ffff3, 23),
    (0x3fffea, 22),
    (0x3fffeb, 22),
    (0x1ffffee, 25),
    (0x1ffffef, 25),
    (0xfffff4, 24),
    (0xfffff5, 24),
    (0x3ffffea, 26),
    (0x7ffff4, 23),
    (0x3ffffeb, 26),
    (0x7ffffe6, 27),
    (0x3ffffec, 26),
    (0x3ffffed, 26),
    (0x7ffffe7, 27),
    (0x7ffffe8, 27),
    (0x7ffffe9, 27),
    (0x7ffffea, 27),
    (0x7ffffeb, 27),
    (0xffffffe, 28),
    (0x7ffffec, 27),
    (0x7ffffed, 27),
    (0x7ffffee, 27),
    (0x7ffffef, 27),
    (0x7fffff0, 27),
    (0x3ffffee, 26),
    (0x3fffffff, 30),
];

/// Huffman-codes `src` (plain bit packing, padded with the most significant bits of EOS,
/// all ones) onto `out`. For the checker's HTTP/2 client, which sends header blocks with or
/// without Huffman as a case asks.
pub fn encode_into(src: &[u8], out: &mut Vec<u8>) {
    let (mut acc, mut bits) = (0u64, 0u32);
    for &b in src {
        let (code, len) = CODES[usize::from(b)];
        acc = (acc << len) | u64::from(code);
        bits += u32::from(len);
        while bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits > 0 {
        out.push(((acc << (8 - bits)) as u8) | (0xff >> bits));
    }
}

/// The length of `src` Huffman-coded.
pub fn encoded_len(src: &[u8]) -> usize {
    let bits: usize = src
        .iter()
        .map(|&b| usize::from(CODES[usize::from(b)].1))
        .sum();
    bits.div_ceil(8)
}

/// Huffman-codes `src` into a new vector.
pub fn encode(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded_len(src));
    encode_into(src, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_tree_is_complete() {
        // Kraft: the lengths fill the code space exactly, so the tree has 256 internal
        // nodes and every transition out of a state is defined.
        let kraft: u64 = CODES.iter().map(|&(_, len)| 1u64 << (30 - len)).sum();
        assert_eq!(kraft, 1 << 30);
        let m = machine();
        let fails = m.steps.iter().filter(|s| s.has(FAIL)).count();
        // Only the all-ones walk into EOS (30 ones) fails: from the states 26..=29 ones
        // deep, the 1 + 2 + 4 + 8 nibbles that start with enough ones.
        assert_eq!(fails, 15);
        // A transition accepts exactly when its target state may end a string.
        for step in m.steps.iter().filter(|s| !s.has(FAIL)) {
            assert_eq!(step.has(ACCEPT), m.end[step.next()].is_none());
        }
        // The root and the 1..=7 ones deep states may end a string, nothing else.
        assert_eq!(m.end.iter().filter(|e| e.is_none()).count(), 8);
    }

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255u8).collect();
        for i in 0..=255u8 {
            let mut out = Vec::new();
            decode(&encode(&[i]), &mut out).unwrap();
            assert_eq!(out, [i]);
        }
        let mut out = vec![b'x'];
        decode(&encode(&all), &mut out).unwrap();
        assert_eq!(out[0], b'x');
        assert_eq!(&out[1..], &all[..]);
        out.clear();
        decode(&[], &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn rfc_examples() {
        // C.4.1 "www.example.com", C.6.1 "302" and "private".
        let cases: [(&[u8], &[u8]); 3] = [
            (
                &[
                    0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
                ],
                b"www.example.com",
            ),
            (&[0x64, 0x02], b"302"),
            (&[0xae, 0xc3, 0x77, 0x1a, 0x4b], b"private"),
        ];
        for (coded, plain) in cases {
            let mut out = Vec::new();
            decode(coded, &mut out).unwrap();
            assert_eq!(out, plain);
            assert_eq!(encode(plain), coded);
        }
    }

    #[test]
    fn bad_strings_are_rejected() {
        let mut out = Vec::new();
        // EOS (30 ones) followed by two padding ones.
        assert_eq!(decode(&[0xff; 4], &mut out), Err(HuffmanError::Eos));
        // 'a' (00011, 5 bits) + EOS + padding: EOS after a symbol.
        let mut eos = vec![0b0001_1111];
        eos.extend([0xff; 3]);
        eos.push(0b1111_1111);
        assert_eq!(decode(&eos, &mut out), Err(HuffmanError::Eos));
        // A whole byte of ones is padding longer than 7 bits.
        let mut long = encode(b"a");
        long.push(0xff);
        assert_eq!(decode(&long, &mut out), Err(HuffmanError::PaddingTooLong));
        // '0' is 00000 (5 bits): padding 000 is not ones.
        assert_eq!(
            decode(&[0b0000_0000], &mut out),
            Err(HuffmanError::PaddingNotOnes)
        );
        // 'a' then padding 110.
        assert_eq!(
            decode(&[0b0001_1110], &mut out),
            Err(HuffmanError::PaddingNotOnes)
        );
        // The same with the right padding is fine.
        out.clear();
        decode(&[0b0001_1111], &mut out).unwrap();
        assert_eq!(out, b"a");
    }
}
