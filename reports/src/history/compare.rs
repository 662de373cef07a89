//! Deciding what got slower: each metric of a scenario's repeats against its baseline repeats,
//! by the Mann–Whitney U test plus a minimum effect size.
//!
//! A change counts only when it is both *significant* (p ≤ alpha: the repeats really moved)
//! and *large* (the medians differ by at least the minimum relative effect): with many repeats
//! a 0.5 % drift is significant but nobody should be paged for it, and with noisy repeats a
//! 20 % jump may be chance.

use super::stats::{mann_whitney_u, median};
use std::collections::BTreeMap;

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    BiggerIsBetter,
    SmallerIsBetter,
}

/// A compared metric of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Responses (or handshakes) per second.
    Rps,
    /// Median latency, µs.
    P50,
    /// 99th percentile latency, µs.
    P99,
    /// Client CPU time per response (or handshake), µs.
    Cpu,
    /// Errors of all kinds.
    Errors,
}

impl Metric {
    pub const ALL: [Metric; 5] = [
        Metric::Rps,
        Metric::P50,
        Metric::P99,
        Metric::Cpu,
        Metric::Errors,
    ];

    /// The name in the history, the matrix's `[compare]` and the exports.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Rps => "rps",
            Metric::P50 => "p50_us",
            Metric::P99 => "p99_us",
            Metric::Cpu => "cpu_us_per_response",
            Metric::Errors => "errors",
        }
    }

    pub fn from_key(k: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == k)
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Rps => "requests/s",
            Metric::P50 => "p50 latency",
            Metric::P99 => "p99 latency",
            Metric::Cpu => "client CPU/response",
            Metric::Errors => "errors",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::Rps => "req/s",
            Metric::P50 | Metric::P99 | Metric::Cpu => "us",
            Metric::Errors => "errors",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Metric::Rps => Direction::BiggerIsBetter,
            _ => Direction::SmallerIsBetter,
        }
    }
}

/// When a change counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// Significance level of the two-sided Mann–Whitney U test.
    pub alpha: f64,
    /// Minimum relative change of the medians (0.05 = 5 %).
    pub min_effect: f64,
    /// Per-metric minimum effects overriding `min_effect` (e.g. a looser one for p99).
    pub per_metric: BTreeMap<Metric, f64>,
}

/// Default significance level.
pub const DEFAULT_ALPHA: f64 = 0.05;
/// Default minimum effect: 5 %.
pub const DEFAULT_MIN_EFFECT: f64 = 0.05;

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            alpha: DEFAULT_ALPHA,
            min_effect: DEFAULT_MIN_EFFECT,
            // Tail latency is the noisiest figure of a short run.
            per_metric: BTreeMap::from([(Metric::P99, 0.10)]),
        }
    }
}

impl Thresholds {
    pub fn min_effect_of(&self, m: Metric) -> f64 {
        self.per_metric.get(&m).copied().unwrap_or(self.min_effect)
    }
}

/// The decision for one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Regressed,
    Improved,
    Unchanged,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::Unchanged => "unchanged",
        }
    }
}

/// One metric of one scenario: the samples, the figures and the decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub scenario: String,
    pub metric: Metric,
    pub baseline: Vec<f64>,
    pub current: Vec<f64>,
    pub baseline_median: Option<f64>,
    pub current_median: Option<f64>,
    /// (current − baseline) / baseline of the medians; ±∞ when the baseline median is 0 and
    /// the current one is not; `None` without a baseline.
    pub change: Option<f64>,
    /// Two-sided p-value; `None` without a baseline.
    pub p_value: Option<f64>,
    pub verdict: Verdict,
}

/// Compares `current` repeats with `baseline` repeats of `metric`.
pub fn compare(
    scenario: &str,
    metric: Metric,
    baseline: &[f64],
    current: &[f64],
    th: &Thresholds,
) -> Comparison {
    let baseline_median = median(baseline);
    let current_median = median(current);
    let change = match (baseline_median, current_median) {
        (Some(b), Some(c)) if b == 0.0 && c == 0.0 => Some(0.0),
        (Some(0.0), Some(c)) => Some(f64::INFINITY.copysign(c)),
        (Some(b), Some(c)) => Some((c - b) / b.abs()),
        _ => None,
    };
    let p_value = mann_whitney_u(current, baseline).map(|r| r.p_value);
    let verdict = match (change, p_value) {
        (Some(ch), Some(p)) if p <= th.alpha && ch.abs() >= th.min_effect_of(metric) => {
            let worse = match metric.direction() {
                Direction::BiggerIsBetter => ch < 0.0,
                Direction::SmallerIsBetter => ch > 0.0,
            };
            if worse {
                Verdict::Regressed
            } else {
                Verdict::Improved
            }
        }
        _ => Verdict::Unchanged,
    };
    Comparison {
        scenario: scenario.to_string(),
        metric,
        baseline: baseline.to_vec(),
        current: current.to_vec(),
        baseline_median,
        current_median,
        change,
        p_value,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn th(min_effect: f64) -> Thresholds {
        Thresholds {
            alpha: 0.05,
            min_effect,
            per_metric: BTreeMap::new(),
        }
    }

    const BASE: [f64; 7] = [100.0, 102.0, 98.0, 101.0, 99.0, 103.0, 97.0];

    #[test]
    fn slower_throughput_is_a_regression() {
        let cur = [80.0, 82.0, 79.0, 81.0, 83.0, 78.0, 80.5];
        let c = compare("s", Metric::Rps, &BASE, &cur, &th(0.05));
        assert_eq!(c.verdict, Verdict::Regressed);
        assert!(c.p_value.unwrap() < 0.001);
        assert!((c.change.unwrap() - (-0.195)).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn higher_latency_is_a_regression_lower_an_improvement() {
        let up: Vec<f64> = BASE.iter().map(|v| v * 1.5).collect();
        let down: Vec<f64> = BASE.iter().map(|v| v * 0.5).collect();
        assert_eq!(
            compare("s", Metric::P50, &BASE, &up, &th(0.1)).verdict,
            Verdict::Regressed
        );
        assert_eq!(
            compare("s", Metric::P50, &BASE, &down, &th(0.1)).verdict,
            Verdict::Improved
        );
        // And the other way round for throughput.
        assert_eq!(
            compare("s", Metric::Rps, &BASE, &up, &th(0.1)).verdict,
            Verdict::Improved
        );
    }

    #[test]
    fn significant_but_small_is_unchanged() {
        let cur: Vec<f64> = BASE.iter().map(|v| v + 10.0).collect();
        let c = compare("s", Metric::P50, &BASE, &cur, &th(0.2));
        assert!(c.p_value.unwrap() < 0.05);
        assert_eq!(c.verdict, Verdict::Unchanged);
    }

    #[test]
    fn large_but_not_significant_is_unchanged() {
        // Medians 30 % apart, but the repeats overlap completely.
        let base = [10.0, 100.0, 50.0];
        let cur = [5.0, 130.0, 65.0];
        let c = compare("s", Metric::P50, &base, &cur, &th(0.1));
        assert!((c.change.unwrap() - 0.3).abs() < 1e-9);
        assert!(c.p_value.unwrap() > 0.05);
        assert_eq!(c.verdict, Verdict::Unchanged);
    }

    #[test]
    fn no_baseline_is_unchanged() {
        let c = compare("s", Metric::Rps, &[], &BASE, &th(0.05));
        assert_eq!(c.verdict, Verdict::Unchanged);
        assert_eq!(c.change, None);
        assert_eq!(c.p_value, None);
        assert_eq!(c.current_median, Some(100.0));
    }

    #[test]
    fn errors_from_zero() {
        let zero = [0.0; 7];
        let some = [5.0, 7.0, 6.0, 9.0, 4.0, 8.0, 5.0];
        let c = compare("s", Metric::Errors, &zero, &some, &th(0.05));
        assert_eq!(c.change, Some(f64::INFINITY));
        assert_eq!(c.verdict, Verdict::Regressed);
        let c = compare("s", Metric::Errors, &zero, &zero, &th(0.05));
        assert_eq!(c.change, Some(0.0));
        assert_eq!(c.p_value, Some(1.0));
        assert_eq!(c.verdict, Verdict::Unchanged);
    }

    #[test]
    fn per_metric_effect_overrides() {
        let t = Thresholds::default();
        assert_eq!(t.min_effect_of(Metric::P99), 0.10);
        assert_eq!(t.min_effect_of(Metric::Rps), DEFAULT_MIN_EFFECT);
        for m in Metric::ALL {
            assert_eq!(Metric::from_key(m.key()), Some(m));
        }
    }
}
