//! Small value parsers for the command line: durations and address ranges.

use anyhow::{bail, Context, Result};
use std::net::IpAddr;
use std::time::Duration;

/// "10s", "500ms", "250us", "2m", "1h", or a bare number of seconds ("1.5").
pub fn duration(s: &str) -> Result<Duration> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let Ok(v) = num.parse::<f64>() else {
        bail!("bad duration {s:?}: expected e.g. 10s, 500ms, 2m");
    };
    let secs = match unit {
        "us" | "µs" => v / 1e6,
        "ms" => v / 1e3,
        "s" => v,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        _ => bail!("bad duration {s:?}: unknown unit {unit:?} (use us, ms, s, m or h)"),
    };
    if !secs.is_finite() || !(0.0..=365.0 * 86400.0).contains(&secs) {
        bail!("bad duration {s:?}: out of range");
    }
    Ok(Duration::from_secs_f64(secs))
}

/// "127.0.0.2-127.0.0.9" (IPv4 range), "a,b,c", or one address.
pub fn addr_list(s: &str) -> Result<Vec<IpAddr>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim) {
        if let Some((a, b)) = part.split_once('-') {
            let a: std::net::Ipv4Addr = a
                .trim()
                .parse()
                .with_context(|| format!("bad address {a:?} in {s:?}"))?;
            let b: std::net::Ipv4Addr = b
                .trim()
                .parse()
                .with_context(|| format!("bad address {b:?} in {s:?}"))?;
            let (a, b) = (u32::from(a), u32::from(b));
            if a > b || b - a > 65535 {
                bail!("bad address range {part:?}: the first must not be above the last, at most 65536 addresses");
            }
            out.extend((a..=b).map(|x| IpAddr::V4(x.into())));
        } else {
            out.push(
                part.parse()
                    .with_context(|| format!("bad address {part:?} in {s:?}"))?,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(duration("250us").unwrap(), Duration::from_micros(250));
        assert!(duration("ten").is_err());
        assert!(duration("10x").is_err());
        assert!(duration("").is_err());
        assert!(duration("-1s").is_err());
    }

    #[test]
    fn address_lists() {
        let v = addr_list("127.0.0.2-127.0.0.4").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[2], "127.0.0.4".parse::<IpAddr>().unwrap());
        assert_eq!(addr_list("::1,127.0.0.1").unwrap().len(), 2);
        assert!(addr_list("127.0.0.9-127.0.0.2").is_err());
        assert!(addr_list("nope").is_err());
    }
}
