//! ab's "Connection Times (ms)" rows and its percentile figures, from HDR histograms instead of
//! ab's array of every request's times (apache/httpd support/ab.c, 2.4.x branch, commit
//! f45abec1bd20396cea777a411bd5975abefad279, `output_results`).
//!
//! ab rounds microseconds to milliseconds as `(us + 500) / 1000` in integers; its mean is the
//! integer mean in µs rounded so; its standard deviation is the sample one (n − 1), printed in
//! ms with one decimal. Quantiles come from the histogram (3 significant digits), as the
//! lowest value of their bucket.

use hdrhistogram::Histogram;

/// ab's `ap_round_ms`: µs to ms, rounded half up, in integers.
pub fn round_ms(us: u64) -> u64 {
    (us + 500) / 1000
}

/// One row of the table, in µs (the standard deviation in ms, as ab keeps it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    pub min: u64,
    pub mean: u64,
    pub sd_ms: f64,
    pub median: u64,
    pub max: u64,
}

impl Row {
    /// The row over `h`'s samples plus `zeros` samples of 0 µs (ab's per-request connect time
    /// is 0 for a request sent on a connection that was already open). None when empty.
    pub fn from(h: &Histogram<u64>, zeros: u64) -> Option<Row> {
        let k = h.len();
        let n = k + zeros;
        if n == 0 {
            return None;
        }
        let sum = h.mean() * k as f64;
        let mean = sum / n as f64;
        // Σ(x − mean)² over the histogram's samples, plus the zeros'.
        let hm = h.mean();
        let sq = k as f64 * (h.stdev().powi(2) + (hm - mean).powi(2)) + zeros as f64 * mean * mean;
        let sd = if n > 1 {
            (sq / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        // ab's median: the sample at index n/2 of the sorted samples.
        let rank = n / 2;
        let median = if rank < zeros || k == 0 {
            0
        } else {
            h.lowest_equivalent(h.value_at_quantile((rank - zeros + 1) as f64 / k as f64))
        };
        Some(Row {
            min: if zeros > 0 || k == 0 { 0 } else { h.min() },
            mean: mean as u64,
            sd_ms: sd / 1000.0,
            median,
            max: if k == 0 {
                0
            } else {
                h.lowest_equivalent(h.max())
            },
        })
    }

    /// The row in ms as ab prints it: min, mean, median, max rounded; sd as is.
    pub fn ms(&self) -> (u64, u64, f64, u64, u64) {
        (
            round_ms(self.min),
            round_ms(self.mean),
            self.sd_ms,
            round_ms(self.median),
            round_ms(self.max),
        )
    }

    /// ab's `SANE` check: the warning (or error) it prints under the table for `what`.
    pub fn sanity(&self, what: &str) -> Option<String> {
        let (_, mean, sd, median, _) = self.ms();
        let d = (mean as f64 - median as f64).abs();
        if d > 2.0 * sd {
            Some(format!(
                "ERROR: The median and mean for {what} are more than twice the standard\n       deviation apart. These results are NOT reliable.\n"
            ))
        } else if d > sd {
            Some(format!(
                "WARNING: The median and mean for {what} are not within a normal deviation\n        These results are probably not that reliable.\n"
            ))
        } else {
            None
        }
    }
}

/// The time within which `pct` percent of the requests were served, in µs (100: the longest).
pub fn served_within(h: &Histogram<u64>, pct: u32) -> u64 {
    let v = if pct >= 100 {
        h.max()
    } else if pct == 0 {
        h.min()
    } else {
        h.value_at_quantile(f64::from(pct) / 100.0)
    };
    // The bucket's lowest value: the recorded value where it is exact (HDR's `max` and
    // quantiles give the bucket's highest).
    h.lowest_equivalent(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(vals: &[u64]) -> Histogram<u64> {
        let mut h = tfw_engine::stats::new_latency_histogram();
        for &v in vals {
            h.record(v).unwrap();
        }
        h
    }

    #[test]
    fn rounding_is_abs_half_up_in_integers() {
        assert_eq!(round_ms(499), 0);
        assert_eq!(round_ms(500), 1);
        assert_eq!(round_ms(1499), 1);
        assert_eq!(round_ms(2500), 3);
    }

    #[test]
    fn a_row_over_samples_and_zeros() {
        // 1000, 2000, 3000 µs and one request on an open connection (0 µs).
        let r = Row::from(&hist(&[1000, 2000, 3000]), 1).unwrap();
        assert_eq!(r.min, 0);
        assert_eq!(r.mean, 1500);
        assert_eq!(r.max, 3000);
        // Sorted 0, 1000, 2000, 3000: index 2 is 2000.
        assert_eq!(r.median, 2000);
        // Sample sd of 0, 1, 2, 3 ms: sqrt(5/3).
        assert!((r.sd_ms - (5.0f64 / 3.0).sqrt()).abs() < 1e-3, "{r:?}");
        assert!(Row::from(&hist(&[]), 0).is_none());
        let only_zeros = Row::from(&hist(&[]), 3).unwrap();
        assert_eq!(only_zeros.ms(), (0, 0, 0.0, 0, 0));
    }

    #[test]
    fn ab_warns_when_mean_and_median_are_far_apart() {
        let skewed = Row {
            min: 0,
            mean: 10_000,
            sd_ms: 1.0,
            median: 1_000,
            max: 90_000,
        };
        assert!(skewed
            .sanity("the total time")
            .unwrap()
            .starts_with("ERROR: The median and mean for the total time are more than twice"));
        let close = Row {
            median: 9_000,
            sd_ms: 0.8,
            ..skewed
        };
        assert!(close
            .sanity("x")
            .unwrap()
            .starts_with("WARNING: The median and mean for x are not within"));
        let fine = Row {
            sd_ms: 5.0,
            ..close
        };
        assert_eq!(fine.sanity("x"), None);
    }
}
