//! The drop-in personalities' printers: wrk's, ab's, h2load's and tls-perf's output, in their
//! words and layout, from tfw-bench's own figures. Pure functions of a result.

pub mod ab;
pub mod h2load;
pub mod tls_perf;
pub mod wrk;
