//! The latency percentile spectrum: latency against percentile, with the percentile axis on
//! the usual 1/(1−p) log scale (0 %, 90 %, 99 %, ... 99.999 % equally spaced), so the tail,
//! where runs differ, gets as much room as the body.
//!
//! Points come from the run's merged histogram (`latency_hdr`); documents without one fall back
//! to the percentiles of `latency_us` (min, 50 ... 99.99 %).

use super::chart::TimeUnit;
use super::linechart::{Axis, LineChart, Series};
use super::model::Run;

/// The right end of the percentile axis: x = 5 is 99.999 %.
pub const MAX_X: f64 = 5.0;

/// Points per run sampled from a histogram (every 0.02 of a decade).
const STEPS: usize = 250;

/// The x position of percentile `p` (a fraction, 0 ≤ p < 1): log10(1/(1−p)), so 0 % -> 0,
/// 90 % -> 1, 99 % -> 2, 99.9 % -> 3. Clamped to 0..=[`MAX_X`].
pub fn percentile_to_x(p: f64) -> f64 {
    if p.is_nan() || p <= 0.0 {
        return 0.0;
    }
    let x = -(1.0 - p).log10();
    if x.is_finite() {
        x.min(MAX_X)
    } else {
        MAX_X
    }
}

/// The percentile (a fraction) at x position `x`: the inverse of [`percentile_to_x`].
pub fn x_to_percentile(x: f64) -> f64 {
    1.0 - 10f64.powf(-x)
}

/// The tick label at x = `k`: "0%", "90%", "99%", "99.9%", "99.99%", "99.999%".
pub fn tick_label(k: u32) -> String {
    match k {
        0 => "0%".to_string(),
        1 => "90%".to_string(),
        _ => format!(
            "99{}{}%",
            if k > 2 { "." } else { "" },
            "9".repeat(k as usize - 2)
        ),
    }
}

/// The spectrum of one run as (x, latency µs) points, lowest percentile first.
pub fn points(run: &Run) -> Vec<(f64, f64)> {
    match &run.histogram {
        Some(h) if !h.is_empty() => (0..=STEPS)
            .map(|i| {
                let x = MAX_X * i as f64 / STEPS as f64;
                let p = x_to_percentile(x).clamp(0.0, 1.0);
                (x, h.value_at_quantile(p) as f64)
            })
            .collect(),
        Some(_) => Vec::new(),
        None if run.doc.responses == 0 => Vec::new(),
        None => {
            let l = &run.doc.latency_us;
            std::iter::once((0.0, l.min))
                .chain(
                    l.percentile_points()
                        .iter()
                        .map(|&(p, v)| (percentile_to_x(p), v)),
                )
                .collect()
        }
    }
}

/// The spectrum chart of `runs`, one line per run named by its label.
pub fn chart(runs: &[Run]) -> LineChart {
    let per_run: Vec<Vec<(f64, f64)>> = runs.iter().map(points).collect();
    let max_us = per_run.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
    let unit = TimeUnit::for_max_us(max_us);
    let mut c = LineChart::new(
        "Latency by percentile",
        "percentile",
        &format!("latency ({})", unit.name()),
    );
    c.x = Axis {
        label: "percentile".to_string(),
        range: Some((0.0, MAX_X)),
        ticks: Some(
            (0..=MAX_X as u32)
                .map(|k| (k as f64, tick_label(k)))
                .collect(),
        ),
    };
    c.series = runs
        .iter()
        .zip(per_run)
        .map(|(r, pts)| {
            Series::new(
                r.label.as_str(),
                pts.into_iter()
                    .map(|(x, us)| (x, unit.from_us(us)))
                    .collect(),
            )
        })
        .collect();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/run.sample.json");

    #[test]
    fn x_mapping_puts_nines_one_decade_apart() {
        let cases = [
            (0.0, 0.0),
            (0.5, std::f64::consts::LOG10_2),
            (0.9, 1.0),
            (0.99, 2.0),
            (0.999, 3.0),
            (0.9999, 4.0),
            (0.99999, 5.0),
        ];
        for (p, x) in cases {
            let got = percentile_to_x(p);
            assert!((got - x).abs() < 1e-6, "p={p}: {got} != {x}");
            assert!((x_to_percentile(got) - p).abs() < 1e-9, "round trip of {p}");
        }
        // Beyond the axis (and 100 %, and nonsense) stays on it.
        assert_eq!(percentile_to_x(0.9999999), MAX_X);
        assert_eq!(percentile_to_x(1.0), MAX_X);
        assert_eq!(percentile_to_x(-0.5), 0.0);
        assert_eq!(percentile_to_x(f64::NAN), 0.0);
        // Monotonic.
        let xs: Vec<f64> = (0..1000)
            .map(|i| percentile_to_x(i as f64 / 1000.0))
            .collect();
        assert!(xs.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn tick_labels() {
        let labels: Vec<String> = (0..=5).map(tick_label).collect();
        assert_eq!(labels, ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
    }

    #[test]
    fn points_from_the_histogram() {
        // The sample's histogram holds 1..=1000 µs once each.
        let run = Run::parse("s", SAMPLE).unwrap();
        let pts = points(&run);
        assert_eq!(pts.len(), STEPS + 1);
        assert_eq!(pts[0], (0.0, 1.0));
        let at = |x: f64| pts.iter().find(|p| (p.0 - x).abs() < 1e-9).unwrap().1;
        assert_eq!(at(1.0), 900.0);
        assert_eq!(at(2.0), 990.0);
        assert_eq!(at(3.0), 999.0);
        assert_eq!(at(5.0), 1000.0);
        assert!(pts.windows(2).all(|w| w[1].1 >= w[0].1), "not monotonic");
    }

    #[test]
    fn points_fall_back_to_the_summary_percentiles() {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v.as_object_mut().unwrap().remove("latency_hdr");
        let run = Run::parse("s", &v.to_string()).unwrap();
        let pts = points(&run);
        let log2 = std::f64::consts::LOG10_2;
        let want = [0.0, log2, 2.0 * log2, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(pts.len(), want.len());
        for (p, x) in pts.iter().zip(want) {
            assert!((p.0 - x).abs() < 1e-9, "{} != {x}", p.0);
        }
        let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
        assert_eq!(ys, [1.0, 500.0, 750.0, 900.0, 990.0, 999.0, 1000.0]);
    }

    #[test]
    fn chart_unit_follows_magnitude() {
        let run = Run::parse("base", SAMPLE).unwrap();
        let c = chart(std::slice::from_ref(&run));
        assert_eq!(c.y.label, "latency (ms)"); // max 1000 µs
        assert_eq!(c.series[0].name, "base");
        assert_eq!(c.series[0].points.last(), Some(&(MAX_X, 1.0)));
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v.as_object_mut().unwrap().remove("latency_hdr");
        v["latency_us"]["p9999"] = 999.0.into();
        let run = Run::parse("small", &v.to_string()).unwrap();
        assert_eq!(chart(&[run]).y.label, "latency (µs)");
    }
}
