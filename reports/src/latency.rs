//! Latency statistics of one engine snapshot's histogram (values in microseconds), computed
//! once and shared by the text and JSON formats.
//!
//! An empty histogram summarises to all zeros (never NaN, never hdrhistogram's undefined
//! `max()` of an empty histogram).

use tfw_engine::stats::Snapshot;

/// The percentiles every report shows: (quantile, JSON key, text label).
pub const PERCENTILES: [(f64, &str, &str); 6] = [
    (0.50, "p50", "50%"),
    (0.75, "p75", "75%"),
    (0.90, "p90", "90%"),
    (0.99, "p99", "99%"),
    (0.999, "p999", "99.9%"),
    (0.9999, "p9999", "99.99%"),
];

/// Summary statistics of a latency histogram, in microseconds.
///
/// Percentiles and `max` are hdrhistogram's "highest equivalent" values: exact up to 2047 µs,
/// within 0.1% above that (3 significant digits).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencySummary {
    /// Number of values recorded.
    pub count: u64,
    pub min: f64,
    pub mean: f64,
    pub stdev: f64,
    /// Values at [`PERCENTILES`], in that order.
    pub percentiles: [f64; 6],
    pub max: f64,
}

impl LatencySummary {
    /// Summarises the latency histogram of `s`; all zeros when it is empty.
    pub fn from_snapshot(s: &Snapshot) -> Self {
        Self::from_histogram(&s.latency)
    }

    /// Summarises `h` (µs); all zeros when it is empty.
    pub fn from_histogram(h: &hdrhistogram::Histogram<u64>) -> Self {
        if h.is_empty() {
            return LatencySummary::default();
        }
        let mut percentiles = [0.0; 6];
        for (p, &(q, _, _)) in percentiles.iter_mut().zip(PERCENTILES.iter()) {
            *p = h.value_at_quantile(q) as f64;
        }
        LatencySummary {
            count: h.len(),
            min: h.min() as f64,
            mean: finite(h.mean()),
            stdev: finite(h.stdev()),
            percentiles,
            max: h.max() as f64,
        }
    }

    /// The value at the percentile whose JSON key is `key` ("p50", ..., "p9999").
    pub fn percentile(&self, key: &str) -> Option<f64> {
        PERCENTILES
            .iter()
            .position(|&(_, k, _)| k == key)
            .map(|i| self.percentiles[i])
    }

    pub fn p50(&self) -> f64 {
        self.percentiles[0]
    }

    pub fn p90(&self) -> f64 {
        self.percentiles[2]
    }

    pub fn p99(&self) -> f64 {
        self.percentiles[3]
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfw_engine::stats::Stats;

    #[test]
    fn empty_is_zero() {
        let s = LatencySummary::from_snapshot(&Snapshot::empty());
        assert_eq!(s, LatencySummary::default());
        assert_eq!(s.percentile("p9999"), Some(0.0));
        assert_eq!(s.percentile("p42"), None);
    }

    #[test]
    fn uniform_1_to_1000() {
        let mut stats = Stats::new();
        for v in 1..=1000 {
            stats.response(200, v);
        }
        let s = LatencySummary::from_snapshot(&stats.take_snapshot());
        assert_eq!(s.count, 1000);
        assert_eq!(s.min, 1.0);
        assert_eq!(s.max, 1000.0);
        assert!((s.mean - 500.5).abs() < 1e-9);
        assert!((s.stdev - 288.675).abs() < 0.01);
        assert_eq!(s.percentiles, [500.0, 750.0, 900.0, 990.0, 999.0, 1000.0]);
        assert_eq!(s.p50(), 500.0);
        assert_eq!(s.p90(), 900.0);
        assert_eq!(s.p99(), 990.0);
    }
}
