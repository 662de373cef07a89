//! Bytes as one line of readable text: printable ASCII as is, `\r`, `\n`, `\t`, `\\` and
//! `\xNN` for the rest, so a report shows exactly what crossed the wire.

/// Escapes `bytes` (see the module doc).
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

/// Escaped lines of `bytes`, one per `\n` in them (kept, escaped, at the line's end), at most
/// `cap` bytes; a last line says how many more there were.
pub fn escaped_lines(bytes: &[u8], cap: usize) -> Vec<String> {
    let shown = &bytes[..bytes.len().min(cap)];
    let mut lines: Vec<String> = shown.split_inclusive(|&b| b == b'\n').map(escape).collect();
    if bytes.len() > cap {
        lines.push(format!("... ({} more bytes)", bytes.len() - cap));
    }
    lines
}
