//! Sans-IO protocol state machines: fed bytes, they say what completed. No sockets here.

pub mod h1;
pub mod h2;
pub mod tls;
