//! h2load's number formatting, so that figures read exactly as h2load prints them: `dtos`
//! (two decimals, rounded), `format_duration` (us below a millisecond, ms below a second, then
//! s) and `utos_funit` (binary K/M/G with two decimals). Taken from nghttp2's src/util.cc and
//! src/util.h at tag v1.52.0 (commit be0491294a63d891bd12b6b1b7e372a45a5d0ffe).

/// `n` rounded to two decimals: "1.50", "0.07".
pub fn dtos(n: f64) -> String {
    let m = (100.0 * n).round().max(0.0) as u64;
    format!("{}.{:02}", m / 100, m % 100)
}

/// A duration in whole microseconds as h2load's "finished in" shows it: "390us", "14.02ms",
/// "3.00s".
pub fn format_duration_us(us: u64) -> String {
    if us >= 1_000_000 {
        format!("{}s", dtos(us as f64 / 1e6))
    } else if us >= 1000 {
        format!("{}ms", dtos(us as f64 / 1e3))
    } else {
        format!("{us}us")
    }
}

/// A duration in seconds as h2load's time statistics show it: "103us", "1.75ms", "2.00s".
pub fn format_duration_s(t: f64) -> String {
    if t >= 1.0 {
        format!("{}s", dtos(t))
    } else if t >= 0.001 {
        format!("{}ms", dtos(t * 1e3))
    } else {
        format!("{}us", (t * 1e6).max(0.0) as u64)
    }
}

/// A byte count with a binary unit and two decimals: "200", "6.34K", "1.78M".
pub fn utos_funit(n: u64) -> String {
    let (unit, bits) = if n >= 1 << 30 {
        ("G", 30)
    } else if n >= 1 << 20 {
        ("M", 20)
    } else if n >= 1 << 10 {
        ("K", 10)
    } else {
        return n.to_string();
    };
    format!("{}{unit}", dtos(n as f64 / (1u64 << bits) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_h2load_prints_them() {
        assert_eq!(dtos(52.7453), "52.75");
        assert_eq!(dtos(0.0), "0.00");
        assert_eq!(dtos(100.0), "100.00");
        assert_eq!(dtos(1884.694), "1884.69");
        assert_eq!(format_duration_us(390), "390us");
        assert_eq!(format_duration_us(14_020), "14.02ms");
        assert_eq!(format_duration_us(3_000_400), "3.00s");
        assert_eq!(format_duration_s(0.000_103), "103us");
        assert_eq!(format_duration_s(0.001_75), "1.75ms");
        assert_eq!(format_duration_s(0.0), "0us");
        assert_eq!(format_duration_s(2.5), "2.50s");
        assert_eq!(utos_funit(200), "200");
        assert_eq!(utos_funit(6496), "6.34K");
        assert_eq!(utos_funit(1_866_375), "1.78M");
        assert_eq!(utos_funit(3 << 30), "3.00G");
    }
}
