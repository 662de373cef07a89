//! Buffers the kernel writes into: the provided buffer ring for multishot receive.
