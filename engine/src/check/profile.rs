//! Proxy profiles: what a proxy does to a request it forwards, so the forwarded-message check
//! can compare what the backend got with what the client sent.

use std::net::IpAddr;

use super::plan::{ClientDef, Profile};
use super::transcript::{Got, Message};

/// The differences between `got` (what the backend received) and `sent` (what `sent_by`
/// sent) as `profile` transforms it: (what, expected, got) for each.
pub fn forwarded_failures(
    _profile: Profile,
    _sent: &Message,
    _sent_by: &ClientDef,
    _client_ip: Option<IpAddr>,
    _got: &Message,
) -> Vec<(String, String, Got)> {
    Vec::new()
}
