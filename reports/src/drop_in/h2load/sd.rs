//! h2load's time statistics rows: min, max, mean, population standard deviation and the share
//! of samples within mean ± sd (nghttp2 src/h2load.cc `compute_time_stat`, tag v1.52.0, commit
//! be0491294a63d891bd12b6b1b7e372a45a5d0ffe). h2load computes them from (sampled) per-request
//! and per-client records; here they come from tfw-bench's HDR histograms, which hold every
//! sample (values within the histogram's 3 significant digits).

use hdrhistogram::Histogram;

/// One row's figures, in the row's unit (seconds for times, requests/s for rates).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SdStat {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub sd: f64,
    /// Percentage of samples within mean ± sd.
    pub within_sd: f64,
}

impl SdStat {
    /// From a histogram of microseconds, in seconds; all zero when it is empty (as h2load
    /// prints a row it has no samples for).
    pub fn from_us_histogram(h: &Histogram<u64>) -> SdStat {
        if h.is_empty() {
            return SdStat::default();
        }
        let (mean, sd) = (h.mean(), h.stdev());
        let (lo, hi) = (mean - sd, mean + sd);
        let within: u64 = h
            .iter_recorded()
            .filter(|v| {
                let x = h.median_equivalent(v.value_iterated_to()) as f64;
                lo <= x && x <= hi
            })
            .map(|v| v.count_at_value())
            .sum();
        SdStat {
            min: h.min() as f64 / 1e6,
            max: h.max() as f64 / 1e6,
            mean: mean / 1e6,
            sd: sd / 1e6,
            within_sd: within as f64 * 100.0 / h.len() as f64,
        }
    }

    /// From plain samples (population deviation); all zero when there are none.
    pub fn from_samples(samples: &[f64]) -> SdStat {
        if samples.is_empty() {
            return SdStat::default();
        }
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
        let sd = var.sqrt();
        let within = samples
            .iter()
            .filter(|&&x| mean - sd <= x && x <= mean + sd)
            .count();
        SdStat {
            min: samples.iter().copied().fold(f64::INFINITY, f64::min),
            max: samples.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            mean,
            sd,
            within_sd: within as f64 * 100.0 / n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_give_population_deviation_and_the_share_within_it() {
        let s = SdStat::from_samples(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!((s.min, s.max, s.mean), (1.0, 4.0, 2.5));
        assert!((s.sd - 1.118).abs() < 1e-3);
        assert_eq!(s.within_sd, 50.0);
        assert_eq!(SdStat::from_samples(&[]), SdStat::default());
    }

    #[test]
    fn a_histogram_gives_seconds() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
        for v in [100, 200, 300, 400] {
            h.record(v).unwrap();
        }
        let s = SdStat::from_us_histogram(&h);
        assert!((s.min - 100e-6).abs() < 1e-9);
        assert!((s.max - 400e-6).abs() < 1e-9);
        assert!((s.mean - 250e-6).abs() < 1e-9);
        assert_eq!(s.within_sd, 50.0);
        let empty = Histogram::<u64>::new(3).unwrap();
        assert_eq!(SdStat::from_us_histogram(&empty), SdStat::default());
    }
}
