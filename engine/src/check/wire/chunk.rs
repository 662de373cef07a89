//! Chunked framing of a body as a case asks for it (sizes, the last repeating; an extension
//! on every size line; trailers), for requests and scripted responses alike.

use crate::check::plan::Chunking;

/// Appends `body` chunked as `c` says, the last chunk and the trailer section included.
/// A size of 0 in `c.sizes` means "the rest in one chunk".
pub fn write_chunked(out: &mut Vec<u8>, body: &[u8], c: &Chunking) {
    let mut rest = body;
    let mut sizes = c.sizes.iter().copied();
    let mut last = 0;
    while !rest.is_empty() {
        let size = sizes.next().map_or(last, |s| {
            last = s;
            s
        });
        let n = if size == 0 {
            rest.len()
        } else {
            size.min(rest.len())
        };
        size_line(out, n, &c.extension);
        out.extend_from_slice(&rest[..n]);
        out.extend_from_slice(b"\r\n");
        rest = &rest[n..];
    }
    size_line(out, 0, &c.extension);
    for (name, value) in &c.trailers {
        field(out, name, value);
    }
    out.extend_from_slice(b"\r\n");
}

fn size_line(out: &mut Vec<u8>, n: usize, extension: &str) {
    out.extend_from_slice(format!("{n:x}").as_bytes());
    if !extension.is_empty() {
        out.push(b';');
        out.extend_from_slice(extension.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends `name: value\r\n`.
pub fn field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Is a field named `name` (case-insensitive) among `fields`?
pub fn has_field(fields: &[(String, String)], name: &str) -> bool {
    fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunking(sizes: &[usize], ext: &str, trailers: &[(&str, &str)]) -> Chunking {
        Chunking {
            sizes: sizes.to_vec(),
            extension: ext.into(),
            trailers: trailers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn sizes_repeat_the_last_and_extension_goes_on_every_line() {
        let mut out = Vec::new();
        let c = chunking(&[1, 3], "e=1", &[("x-t", "1")]);
        write_chunked(&mut out, b"abcdefghij", &c);
        assert_eq!(
            out,
            b"1;e=1\r\na\r\n3;e=1\r\nbcd\r\n3;e=1\r\nefg\r\n3;e=1\r\nhij\r\n0;e=1\r\nx-t: 1\r\n\r\n"
        );
    }

    #[test]
    fn whole_body_in_one_chunk_and_empty_bodies() {
        let mut out = Vec::new();
        write_chunked(&mut out, &[b'z'; 20], &Chunking::default());
        assert_eq!(
            out,
            [&b"14\r\n"[..], &[b'z'; 20], b"\r\n0\r\n\r\n"].concat()
        );
        out.clear();
        write_chunked(&mut out, b"", &Chunking::default());
        assert_eq!(out, b"0\r\n\r\n");
        out.clear();
        write_chunked(&mut out, b"abc", &chunking(&[0], "", &[]));
        assert_eq!(out, b"3\r\nabc\r\n0\r\n\r\n");
    }
}
