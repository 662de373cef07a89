//! HTTP/2 error codes (RFC 9113 section 7), carried by RST_STREAM and GOAWAY.
//!
//! A module of its own so that both `error` (which maps an `H2Error` to its code) and `frame`
//! (which writes and parses the frames carrying codes, and reports `H2Error`s) can use them
//! without importing each other. `frame::code` re-exports it under its historical path.

pub const NO_ERROR: u32 = 0x0;
pub const PROTOCOL_ERROR: u32 = 0x1;
pub const INTERNAL_ERROR: u32 = 0x2;
pub const FLOW_CONTROL_ERROR: u32 = 0x3;
pub const SETTINGS_TIMEOUT: u32 = 0x4;
pub const STREAM_CLOSED: u32 = 0x5;
pub const FRAME_SIZE_ERROR: u32 = 0x6;
pub const REFUSED_STREAM: u32 = 0x7;
pub const CANCEL: u32 = 0x8;
pub const COMPRESSION_ERROR: u32 = 0x9;
pub const CONNECT_ERROR: u32 = 0xa;
pub const ENHANCE_YOUR_CALM: u32 = 0xb;
pub const INADEQUATE_SECURITY: u32 = 0xc;
pub const HTTP_1_1_REQUIRED: u32 = 0xd;

/// The RFC's name of an error code, for messages.
pub fn name(code: u32) -> &'static str {
    match code {
        NO_ERROR => "NO_ERROR",
        PROTOCOL_ERROR => "PROTOCOL_ERROR",
        INTERNAL_ERROR => "INTERNAL_ERROR",
        FLOW_CONTROL_ERROR => "FLOW_CONTROL_ERROR",
        SETTINGS_TIMEOUT => "SETTINGS_TIMEOUT",
        STREAM_CLOSED => "STREAM_CLOSED",
        FRAME_SIZE_ERROR => "FRAME_SIZE_ERROR",
        REFUSED_STREAM => "REFUSED_STREAM",
        CANCEL => "CANCEL",
        COMPRESSION_ERROR => "COMPRESSION_ERROR",
        CONNECT_ERROR => "CONNECT_ERROR",
        ENHANCE_YOUR_CALM => "ENHANCE_YOUR_CALM",
        INADEQUATE_SECURITY => "INADEQUATE_SECURITY",
        HTTP_1_1_REQUIRED => "HTTP_1_1_REQUIRED",
        _ => "unknown",
    }
}
