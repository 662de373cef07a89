//! wrk's number formatting, rule for rule: `format_units` of github:wg/wrk src/units.c
//! (commit a211dd5a7050b1f9e8a9870b95513060e72ac4a0) with its four unit tables, and the
//! column padding of `print_units` in src/wrk.c. Scripts read these strings back (`1.23MB`,
//! `635.91us`, `56.20k`), so they follow wrk's rules, odd ones included: a unit is taken while
//! the amount is at least 85% of the next multiple, the last unit of a table is never reached
//! (`format_time_us` stops at `ms` below a second and at `m` above; binary stops at `T`),
//! and a column cuts a string longer than its width.

/// One of wrk's unit tables: `scale` between neighbours, the unit of the unscaled amount and
/// the larger ones in order.
struct Units {
    scale: f64,
    base: &'static str,
    units: &'static [&'static str],
}

const TIME_US: Units = Units {
    scale: 1000.0,
    base: "us",
    units: &["ms", "s"],
};

const TIME_S: Units = Units {
    scale: 60.0,
    base: "s",
    units: &["m", "h"],
};

const BINARY: Units = Units {
    scale: 1024.0,
    base: "",
    units: &["K", "M", "G", "T", "P"],
};

const METRIC: Units = Units {
    scale: 1000.0,
    base: "",
    units: &["k", "M", "G", "T", "P"],
};

/// `format_units`: divides while the amount is at least 85% of the scale and a unit after
/// the next one exists; `precision` decimals.
fn format_units(n: f64, m: &Units, precision: usize) -> String {
    let threshold = m.scale * 0.85;
    let mut amount = n;
    let mut unit = m.base;
    let mut i = 0;
    while i + 1 < m.units.len() && amount >= threshold {
        amount /= m.scale;
        unit = m.units[i];
        i += 1;
    }
    format!("{}{unit}", fixed(amount, precision))
}

/// `%.*Lf`: C prints a NaN as `-nan` (x86's default NaN has its sign bit set) or `nan`.
fn fixed(v: f64, precision: usize) -> String {
    if v.is_nan() {
        if v.is_sign_negative() {
            "-nan".to_string()
        } else {
            "nan".to_string()
        }
    } else {
        format!("{v:.precision$}")
    }
}

/// Bytes: `0.00`, `1.23K`, `17.76G` (wrk appends the `B`).
pub fn format_binary(n: f64) -> String {
    format_units(n, &BINARY, 2)
}

/// Counts and rates: `605.80`, `56.20k`, `1.20M`.
pub fn format_metric(n: f64) -> String {
    format_units(n, &METRIC, 2)
}

/// Microseconds: `635.91us`, `12.92ms`, `1.00s`, `2.50m`.
pub fn format_time_us(n: f64) -> String {
    if n >= 1_000_000.0 {
        format_units(n / 1_000_000.0, &TIME_S, 2)
    } else {
        format_units(n, &TIME_US, 2)
    }
}

/// Whole seconds, as in `Running 10s test`: `10s`, `1m`, `120m`.
pub fn format_time_s(n: f64) -> String {
    format_units(n, &TIME_S, 0)
}

/// `print_units`: `msg` right-aligned in `width` columns less one per letter among its last
/// two characters, cut to that width, then that many spaces — so numbers line up whatever
/// their unit.
pub fn column(msg: &str, width: usize) -> String {
    let b = msg.as_bytes();
    let letter = |i: Option<usize>| {
        i.and_then(|i| b.get(i))
            .is_some_and(u8::is_ascii_alphabetic)
    };
    let mut pad = 2usize;
    if letter(b.len().checked_sub(1)) {
        pad -= 1;
    }
    if letter(b.len().checked_sub(2)) {
        pad -= 1;
    }
    let w = width - pad;
    let cut: String = msg.chars().take(w).collect();
    format!("{cut:>w$}{}", &"  "[..pad])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_takes_a_unit_from_85_percent_of_the_scale() {
        assert_eq!(format_metric(0.0), "0.00");
        assert_eq!(format_metric(605.8), "605.80");
        assert_eq!(format_metric(849.99), "849.99");
        // 850 >= 1000 * 0.85: already thousands.
        assert_eq!(format_metric(850.0), "0.85k");
        assert_eq!(format_metric(56_200.0), "56.20k");
        assert_eq!(format_metric(1_200_000.0), "1.20M");
        // The last unit (P) is never reached: T carries on.
        assert_eq!(format_metric(5e18), "5000000.00T");
    }

    #[test]
    fn binary_is_by_1024() {
        assert_eq!(format_binary(0.0), "0.00");
        assert_eq!(format_binary(870.0), "870.00");
        // 871 >= 1024 * 0.85 = 870.4
        assert_eq!(format_binary(871.0), "0.85K");
        assert_eq!(format_binary(2.38 * 1024.0 * 1024.0), "2.38M");
        assert_eq!(format_binary(17.76 * 1024f64.powi(3)), "17.76G");
        assert_eq!(format_binary(2.0 * 1024f64.powi(5)), "2048.00T");
    }

    #[test]
    fn time_us_stops_at_ms_below_a_second_and_at_minutes_above() {
        assert_eq!(format_time_us(0.0), "0.00us");
        assert_eq!(format_time_us(635.91), "635.91us");
        assert_eq!(format_time_us(849.0), "849.00us");
        assert_eq!(format_time_us(850.0), "0.85ms");
        assert_eq!(format_time_us(12_920.0), "12.92ms");
        // Below a second the table ends at ms: 999.99 ms is not 1.00s.
        assert_eq!(format_time_us(999_990.0), "999.99ms");
        assert_eq!(format_time_us(1_000_000.0), "1.00s");
        assert_eq!(format_time_us(10_004_000.0), "10.00s");
        // 51 s = 60 * 0.85: minutes.
        assert_eq!(format_time_us(51_000_000.0), "0.85m");
        assert_eq!(format_time_us(7_200_000_000.0), "120.00m");
    }

    #[test]
    fn time_s_has_no_decimals() {
        assert_eq!(format_time_s(1.0), "1s");
        assert_eq!(format_time_s(10.0), "10s");
        assert_eq!(format_time_s(50.0), "50s");
        assert_eq!(format_time_s(51.0), "1m");
        assert_eq!(format_time_s(90.0), "2m");
        assert_eq!(format_time_s(7200.0), "120m");
    }

    #[test]
    fn ties_round_to_even_as_printf_does() {
        // 0.125 and 2.5 are exact in binary: printf's round-half-even applies.
        assert_eq!(format_metric(0.125), "0.12");
        assert_eq!(format_metric(0.375), "0.38");
        assert_eq!(format_time_s(2.5), "2s");
        assert_eq!(format_time_s(3.5), "4s");
    }

    #[test]
    fn nan_prints_as_c_does() {
        assert_eq!(fixed(f64::NAN.copysign(-1.0), 2), "-nan");
        assert_eq!(fixed(f64::NAN.copysign(1.0), 2), "nan");
    }

    #[test]
    fn columns_line_up_whatever_the_unit() {
        // Two letters: no padding; one: one space; none: two.
        assert_eq!(column("635.91us", 8), "635.91us");
        assert_eq!(column("1.55ms", 8), "  1.55ms");
        assert_eq!(column("56.20k", 8), " 56.20k ");
        assert_eq!(column("605.80", 8), "605.80  ");
        assert_eq!(column("0.89ms", 10), "    0.89ms");
        assert_eq!(column("8.07k", 10), "    8.07k ");
        // Longer than the column: cut, as `%*.*s` does.
        assert_eq!(column("1234567.00", 8), "123456  ");
        assert_eq!(column("-nan", 8), "    -nan");
    }
}
