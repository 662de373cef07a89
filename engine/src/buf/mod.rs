//! Buffers the kernel writes into: the provided buffer ring for multishot receive.
//!
//! Receives select a buffer from a ring the kernel consumes; the worker reads the bytes in
//! place and gives the buffer back. One ring per worker serves all its connections, so memory
//! does not grow with the connection count.

mod bufring;

pub use bufring::BufRing;
