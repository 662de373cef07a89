//! Human units for summaries: durations given in microseconds as µs/ms/s, byte counts as
//! B/KB/MB/GB/TB (binary multiples of 1024, as wrk prints them).
//!
//! Durations keep three significant digits (`1.50ms`, `12.3ms`, `123ms`); byte counts above
//! 1 KB keep two decimals (`123.45MB`). Non-finite or negative inputs print as zero, so an
//! empty run never shows `NaN`.

/// Replaces NaN, infinities and negative values by 0.
pub fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

/// Formats `v` with three significant digits (`v` is in 0..999.5).
fn three_digits(v: f64) -> String {
    if v < 9.995 {
        format!("{v:.2}")
    } else if v < 99.95 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// A duration given in microseconds: `0µs`, `450µs`, `1.50ms`, `12.3ms`, `2.00s`.
///
/// The unit is the largest whose value, rounded to three digits, stays below 1000; seconds are
/// the largest unit (an hour prints as `3600s`).
pub fn format_time_us(us: f64) -> String {
    let us = finite_or_zero(us);
    if us == 0.0 {
        return "0µs".to_string();
    }
    const UNITS: [(&str, f64); 3] = [("µs", 1.0), ("ms", 1e3), ("s", 1e6)];
    for (i, &(name, scale)) in UNITS.iter().enumerate() {
        let v = us / scale;
        if v < 999.5 || i == UNITS.len() - 1 {
            return if v < 999.5 {
                format!("{}{name}", three_digits(v))
            } else {
                format!("{v:.0}{name}")
            };
        }
    }
    unreachable!("the last unit always formats")
}

/// A byte count: `0B`, `512B`, `1.00KB`, `123.45MB`, `2.50GB` (multiples of 1024).
pub fn format_bytes(bytes: f64) -> String {
    let b = finite_or_zero(bytes);
    if b < 1024.0 {
        return format!("{b:.0}B");
    }
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    let mut v = b;
    for (i, name) in UNITS.iter().enumerate() {
        v /= 1024.0;
        // Promote when two decimals would round up to 1024.00 of this unit.
        if v < 1023.995 || i == UNITS.len() - 1 {
            return format!("{v:.2}{name}");
        }
    }
    unreachable!("the last unit always formats")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(format_time_us(0.0), "0µs");
        assert_eq!(format_time_us(f64::NAN), "0µs");
        assert_eq!(format_time_us(-3.0), "0µs");
        assert_eq!(format_time_us(1.0), "1.00µs");
        assert_eq!(format_time_us(12.0), "12.0µs");
        assert_eq!(format_time_us(450.0), "450µs");
        assert_eq!(format_time_us(999.0), "999µs");
        assert_eq!(format_time_us(999.6), "1.00ms");
        assert_eq!(format_time_us(1500.0), "1.50ms");
        assert_eq!(format_time_us(1234.0), "1.23ms");
        assert_eq!(format_time_us(9996.0), "10.0ms");
        assert_eq!(format_time_us(12_345.0), "12.3ms");
        assert_eq!(format_time_us(123_456.0), "123ms");
        assert_eq!(format_time_us(999_700.0), "1.00s");
        assert_eq!(format_time_us(2_000_000.0), "2.00s");
        assert_eq!(format_time_us(3_600_000_000.0), "3600s");
    }

    #[test]
    fn bytes() {
        assert_eq!(format_bytes(0.0), "0B");
        assert_eq!(format_bytes(f64::INFINITY), "0B");
        assert_eq!(format_bytes(512.0), "512B");
        assert_eq!(format_bytes(1023.0), "1023B");
        assert_eq!(format_bytes(1024.0), "1.00KB");
        assert_eq!(format_bytes(1536.0), "1.50KB");
        assert_eq!(format_bytes(123.45 * 1024.0 * 1024.0), "123.45MB");
        assert_eq!(format_bytes(1024.0 * 1024.0 - 1.0), "1.00MB");
        assert_eq!(format_bytes(2.5 * 1024.0 * 1024.0 * 1024.0), "2.50GB");
        assert_eq!(format_bytes(5000.0 * 1024f64.powi(4)), "5000.00TB");
    }
}
