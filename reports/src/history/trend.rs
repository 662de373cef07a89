//! A scenario's figures across the history, as line charts (drawn by
//! [`crate::report::line_chart`]): x is the invocation, y the median of its repeats, with the
//! smallest and largest repeat dashed around it, so a step and the noise around it show at
//! once.

use super::db::TrendPoint;
use super::stats::median;
use crate::report::chart::TimeUnit;
use crate::report::{Axis, LineChart, Series};

/// Label every invocation on the x axis up to this many; beyond, round-number ticks.
const LABEL_ALL_UP_TO: usize = 20;

/// (invocation id, median, min, max) of each point with values.
fn summarise(points: &[TrendPoint]) -> Vec<(f64, f64, f64, f64)> {
    points
        .iter()
        .filter_map(|p| {
            let m = median(&p.values)?;
            let lo = p.values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = p.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some((p.invocation_id as f64, m, lo, hi))
        })
        .collect()
}

fn invocation_axis(points: &[TrendPoint]) -> Axis {
    let mut x = Axis::new("invocation");
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let (a, b) = (first.invocation_id as f64, last.invocation_id as f64);
        x.range = Some(if b > a {
            (a - 0.5, b + 0.5)
        } else {
            (a - 1.0, a + 1.0)
        });
        if points.len() <= LABEL_ALL_UP_TO {
            x.ticks = Some(
                points
                    .iter()
                    .map(|p| (p.invocation_id as f64, p.invocation_id.to_string()))
                    .collect(),
            );
        }
    }
    x
}

/// Adds `median` (solid) and `min`/`max` (dashed, same colour) series of `points`, scaled.
fn add_band(c: &mut LineChart, name: &str, color: usize, points: &[TrendPoint], scale: f64) {
    let s = summarise(points);
    let line = |label: String, dashed: bool, pick: fn(&(f64, f64, f64, f64)) -> f64| Series {
        name: label,
        points: s.iter().map(|p| (p.0, pick(p) * scale)).collect(),
        color: Some(color),
        dashed,
    };
    c.series
        .push(line(format!("{name} median"), false, |p| p.1));
    c.series
        .push(line(format!("{name} min/max"), true, |p| p.2));
    c.series.push(line(String::new(), true, |p| p.3));
}

/// Requests/s per invocation.
pub fn throughput_chart(scenario: &str, rps: &[TrendPoint]) -> LineChart {
    let mut c = LineChart::new(
        format!("{scenario}: requests/s per invocation"),
        "invocation",
        "requests/s",
    );
    c.x = invocation_axis(rps);
    add_band(&mut c, "requests/s", 0, rps, 1.0);
    c
}

/// p50 and p99 latency per invocation.
pub fn latency_chart(scenario: &str, p50: &[TrendPoint], p99: &[TrendPoint]) -> LineChart {
    let max_us = p99
        .iter()
        .chain(p50)
        .flat_map(|p| p.values.iter().copied())
        .fold(0.0, f64::max);
    let unit = TimeUnit::for_max_us(max_us);
    let mut c = LineChart::new(
        format!("{scenario}: latency per invocation"),
        "invocation",
        &format!("latency ({})", unit.name()),
    );
    c.x = invocation_axis(if p50.len() >= p99.len() { p50 } else { p99 });
    let scale = unit.from_us(1.0);
    add_band(&mut c, "p50", 0, p50, scale);
    add_band(&mut c, "p99", 1, p99, scale);
    c
}

/// Client CPU time per response per invocation.
pub fn cpu_chart(scenario: &str, cpu: &[TrendPoint]) -> LineChart {
    let mut c = LineChart::new(
        format!("{scenario}: client CPU per response"),
        "invocation",
        "client CPU per response (µs)",
    );
    c.x = invocation_axis(cpu);
    add_band(&mut c, "CPU", 2, cpu, 1.0);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(id: i64, values: &[f64]) -> TrendPoint {
        TrendPoint {
            invocation_id: id,
            started_unix_s: 0.0,
            values: values.to_vec(),
        }
    }

    #[test]
    fn median_and_band_per_invocation() {
        let rps = [pt(3, &[10.0, 30.0, 20.0]), pt(5, &[40.0]), pt(6, &[])];
        let c = throughput_chart("h1", &rps);
        assert_eq!(c.series.len(), 3);
        assert_eq!(c.series[0].points, vec![(3.0, 20.0), (5.0, 40.0)]);
        assert_eq!(c.series[1].points, vec![(3.0, 10.0), (5.0, 40.0)]);
        assert_eq!(c.series[2].points, vec![(3.0, 30.0), (5.0, 40.0)]);
        assert!(c.series[1].dashed && !c.series[0].dashed);
        assert_eq!(c.x.range, Some((2.5, 6.5)));
        let ticks: Vec<String> = c.x.ticks.unwrap().into_iter().map(|t| t.1).collect();
        assert_eq!(ticks, ["3", "5", "6"]);
    }

    #[test]
    fn latency_in_ms_once_it_reaches_a_millisecond() {
        let p50 = [pt(1, &[500.0]), pt(2, &[2500.0])];
        let p99 = [pt(1, &[900.0]), pt(2, &[4000.0])];
        let c = latency_chart("h1", &p50, &p99);
        assert_eq!(c.y.label, "latency (ms)");
        assert_eq!(c.series[0].points, vec![(1.0, 0.5), (2.0, 2.5)]);
        assert_eq!(c.series[3].name, "p99 median");
        assert_eq!(c.series[3].points, vec![(1.0, 0.9), (2.0, 4.0)]);
        // One invocation still gives a drawable range.
        let one = cpu_chart("h1", &[pt(7, &[9.0])]);
        assert_eq!(one.x.range, Some((6.0, 8.0)));
    }
}
