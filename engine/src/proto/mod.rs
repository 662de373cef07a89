//! Sans-IO protocol state machines: fed bytes, they say what completed. No sockets here.
//!
//! No `unsafe` either: the engine's unsafe code is confined to `ring` and `buf`.

#![forbid(unsafe_code)]

pub mod h1;
pub mod h2;
pub mod tls;
