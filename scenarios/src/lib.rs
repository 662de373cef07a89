//! What tfw-bench sends: target URLs and request definitions, checked and turned into the
//! engine's plan pieces.
//!
//! The engine trusts what it is given (a `RequestTemplate` is already wire bytes), so every
//! check on user input happens here, with errors that say what to fix. Nothing here does
//! I/O except `Target::resolve` and reading request files (`mix`) and the bodies they name.

#![forbid(unsafe_code)]

pub mod check;
pub mod error;
pub mod mix;
pub mod request;
pub mod smoke;
pub mod url;

#[cfg(test)]
mod test_support;

pub use error::ScenarioError;
pub use mix::{load_mix, RequestFile};
pub use request::{parse_header, RequestSpec};
pub use url::{Scheme, Target};
