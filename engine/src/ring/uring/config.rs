//! `UringConfig`, the settings a ring is set up with (queue sizes, multishot, provided
//! buffers, registered files). A leaf of its own so that `setup` can read it and the
//! `uring` module can re-export it without the two importing each other; the worker's
//! plan fills it in before any ring exists.

/// How to set up a ring.
#[derive(Clone, Debug)]
pub struct UringConfig {
    pub sq_entries: u32,
    pub cq_entries: u32,
    /// Use multishot receive (false forces the plain one-shot path).
    pub multishot: bool,
    /// Provided buffers: count (power of two) and size.
    pub buffers: u16,
    pub buf_size: u32,
    /// Register sockets in a sparse file table where the kernel allows.
    pub registered_files: bool,
}

impl Default for UringConfig {
    fn default() -> Self {
        UringConfig {
            sq_entries: 4096,
            cq_entries: 16384,
            multishot: true,
            buffers: 4096,
            buf_size: 4096,
            registered_files: true,
        }
    }
}
