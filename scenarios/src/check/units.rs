//! Values with units and names, as check files write them: durations (`"100ms"`), sizes
//! (`"1MiB"`), hex bytes, HTTP/2 error codes and SETTINGS by their RFC 9113 names, proxy
//! profiles. Pure text-to-value functions; the message says what was expected.

use std::time::Duration;

use tfw_engine::check::Profile;
use tfw_engine::proto::h2::code;

/// `"100ms"`, `"2s"`, `"1.5s"`, `"500us"`, `"1m"`: a number and a unit (ns, us, ms, s, m).
pub fn duration(s: &str) -> Result<Duration, String> {
    let bad =
        || format!("{s:?} is not a duration: write a number and a unit, e.g. \"100ms\" or \"2s\"");
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let scale = match unit.trim() {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(n * scale).map_err(|_| bad())
}

/// A byte count: digits, optionally with a binary unit (`k`/`KiB`, `M`/`MiB`, `G`/`GiB`,
/// case-insensitive) or `B`.
pub fn size(s: &str) -> Result<usize, String> {
    let bad =
        || format!("{s:?} is not a size: write a number of bytes, or e.g. \"64KiB\", \"1MiB\"");
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num.parse().map_err(|_| bad())?;
    let mult: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).ok_or_else(bad)
}

/// Hex digits, whitespace between bytes ignored: `"50 52 49"`, `"505249"`.
pub fn hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() & 1 == 1 {
        return Err(format!("{s:?} has an odd number of hex digits"));
    }
    digits
        .chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("{s:?} is not hex digits"))
        })
        .collect()
}

/// RFC 9113 error code names, in code order.
pub const ERROR_CODES: [&str; 14] = [
    "NO_ERROR",
    "PROTOCOL_ERROR",
    "INTERNAL_ERROR",
    "FLOW_CONTROL_ERROR",
    "SETTINGS_TIMEOUT",
    "STREAM_CLOSED",
    "FRAME_SIZE_ERROR",
    "REFUSED_STREAM",
    "CANCEL",
    "COMPRESSION_ERROR",
    "CONNECT_ERROR",
    "ENHANCE_YOUR_CALM",
    "INADEQUATE_SECURITY",
    "HTTP_1_1_REQUIRED",
];

/// An error code by its RFC 9113 name (case-insensitive).
pub fn error_code(name: &str) -> Result<u32, String> {
    (0u32..)
        .zip(ERROR_CODES)
        .find(|(c, _)| code::name(*c).eq_ignore_ascii_case(name.trim()))
        .map(|(c, _)| c)
        .ok_or_else(|| {
            format!(
                "unknown error code {name:?}: a number or one of {}",
                ERROR_CODES.join(", ")
            )
        })
}

/// SETTINGS parameters by name (RFC 9113 section 6.5.2; RFC 8441's enable_connect_protocol).
pub const SETTINGS: [(&str, u16); 7] = [
    ("header_table_size", 1),
    ("enable_push", 2),
    ("max_concurrent_streams", 3),
    ("initial_window_size", 4),
    ("max_frame_size", 5),
    ("max_header_list_size", 6),
    ("enable_connect_protocol", 8),
];

/// A SETTINGS identifier: a name (case-insensitive, `SETTINGS_` prefix allowed) or a number.
pub fn setting_id(key: &str) -> Result<u16, String> {
    if let Ok(n) = key.parse::<u16>() {
        return Ok(n);
    }
    let lower = key.to_ascii_lowercase();
    let name = lower.strip_prefix("settings_").unwrap_or(&lower);
    SETTINGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| *id)
        .ok_or_else(|| {
            let names: Vec<&str> = SETTINGS.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown SETTINGS parameter {key:?}: a number (0-65535) or one of {}",
                names.join(", ")
            )
        })
}

pub fn profile(s: &str) -> Result<Profile, String> {
    match s {
        "tempesta" => Ok(Profile::Tempesta),
        "nginx" => Ok(Profile::Nginx),
        "generic" => Ok(Profile::Generic),
        _ => Err(format!("unknown profile {s:?}: tempesta, nginx or generic")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(duration("0ms"), Ok(Duration::ZERO));
        assert!(duration("100").is_err());
        assert!(duration("fast").is_err());
        assert_eq!(size("10"), Ok(10));
        assert_eq!(size("1MiB"), Ok(1 << 20));
        assert_eq!(size("64k"), Ok(64 << 10));
        assert!(size("1.5M").is_err());
        assert_eq!(hex("50 52\n49"), Ok(b"PRI".to_vec()));
        assert!(hex("5").is_err());
        assert!(hex("zz").is_err());
        assert_eq!(error_code("PROTOCOL_ERROR"), Ok(1));
        assert_eq!(error_code("http_1_1_required"), Ok(13));
        assert!(error_code("BAD").is_err());
        assert_eq!(setting_id("initial_window_size"), Ok(4));
        assert_eq!(setting_id("SETTINGS_MAX_FRAME_SIZE"), Ok(5));
        assert_eq!(setting_id("250"), Ok(250));
        assert!(setting_id("window").is_err());
    }
}
