//! Segmentation: how a message's bytes are cut into the sends that cross the wire (`-T`,
//! `segment_size`): one send per segment, so a proxy sees the message split at every byte
//! boundary a case asks for.

/// Splits bytes into the segments to send: at most `size` bytes each; size 0: all in one
/// (no segment at all for no bytes).
pub fn segments(bytes: &[u8], size: usize) -> impl Iterator<Item = &[u8]> {
    let size = if size == 0 { bytes.len().max(1) } else { size };
    bytes.chunks(size)
}
