//! Segmentation: how a message's bytes are cut into the sends that cross the wire.

/// Splits bytes into the segments to send (size 0: one).
pub fn segments(bytes: &[u8], size: usize) -> impl Iterator<Item = &[u8]> {
    let size = if size == 0 { bytes.len().max(1) } else { size };
    bytes.chunks(size)
}
