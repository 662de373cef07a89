//! How a run went over time, from its interval series (one entry per second): throughput,
//! errors and the p50/p99 latency of each interval, several runs overlaid.
//!
//! Rates divide an interval's counts by its own length (the time since the previous entry), so
//! a short last interval is not shown as a drop. A last interval shorter than a quarter of the
//! one before is left out altogether: it is the drain after the load phase (the few responses
//! still owed, e.g. 4 in 6 ms), whose rate and percentiles say nothing about the load. Each
//! point sits at its interval's end (`t_s`); the time axis starts at 0.

use super::chart::TimeUnit;
use super::linechart::{LegendPosition, LineChart, Series, XMarks};
use super::model::{IntervalDoc, Run};
use super::target::RELOAD_LABEL;

/// `intervals` without a trailing drain interval (shorter than a quarter of the one before).
pub fn plotted(intervals: &[IntervalDoc]) -> &[IntervalDoc] {
    let n = intervals.len();
    if n >= 2 {
        let before = intervals[n - 2].t_s - if n >= 3 { intervals[n - 3].t_s } else { 0.0 };
        let last = intervals[n - 1].t_s - intervals[n - 2].t_s;
        if before > 0.0 && last < before / 4.0 {
            return &intervals[..n - 1];
        }
    }
    intervals
}

/// A chart with time on x from 0 to the end of the longest run's plotted intervals, the
/// target's reloads (`--reload-every`) marked.
fn time_chart(title: &str, y_label: &str, runs: &[Run]) -> LineChart {
    let mut c = LineChart::new(title, "time (s)", y_label);
    c.marks = reload_marks(runs);
    let end = runs
        .iter()
        .filter_map(|r| plotted(&r.doc.intervals).last().map(|i| i.t_s))
        .fold(0.0, f64::max);
    if end > 0.0 {
        c.x.range = Some((0.0, end));
    }
    c
}

/// The reloads of the runs' controlled targets, as vertical marks at `reloads[].at_s`.
pub fn reload_marks(runs: &[Run]) -> XMarks {
    XMarks {
        label: RELOAD_LABEL.to_string(),
        at: runs
            .iter()
            .filter_map(|r| r.doc.control.as_ref())
            .flat_map(|t| t.reloads.iter().map(|r| r.at_s))
            .collect(),
    }
}

/// `(t_s, count / interval length)` per interval; intervals of no length are skipped.
pub fn rate(intervals: &[IntervalDoc], count: impl Fn(&IntervalDoc) -> u64) -> Vec<(f64, f64)> {
    let mut prev = 0.0;
    let mut out = Vec::with_capacity(intervals.len());
    for i in intervals {
        let dt = i.t_s - prev;
        if dt > 0.0 {
            out.push((i.t_s, count(i) as f64 / dt));
        }
        prev = i.t_s;
    }
    out
}

/// Responses per second over time, one line per run.
pub fn throughput_chart(runs: &[Run]) -> LineChart {
    let mut c = time_chart("Requests/s over time", "responses/s", runs);
    c.legend = LegendPosition::LowerRight;
    c.series = runs
        .iter()
        .map(|r| {
            Series::new(
                r.label.as_str(),
                rate(plotted(&r.doc.intervals), |i| i.responses),
            )
        })
        .collect();
    c
}

/// Errors (all kinds) per second over time, one line per run.
pub fn errors_chart(runs: &[Run]) -> LineChart {
    let mut c = time_chart("Errors over time", "errors/s", runs);
    c.series = runs
        .iter()
        .map(|r| {
            Series::new(
                r.label.as_str(),
                rate(plotted(&r.doc.intervals), |i| i.errors),
            )
        })
        .collect();
    c
}

/// Each interval's p50 (solid) and p99 (dashed) latency, one colour per run.
pub fn latency_chart(runs: &[Run]) -> LineChart {
    let max_us = runs
        .iter()
        .flat_map(|r| plotted(&r.doc.intervals).iter().map(|i| i.latency_us.p99))
        .fold(0.0, f64::max);
    let unit = TimeUnit::for_max_us(max_us);
    let mut c = time_chart(
        "Latency over time (p50 solid, p99 dashed)",
        &format!("latency ({})", unit.name()),
        runs,
    );
    for (n, r) in runs.iter().enumerate() {
        let line = |name: &str, dashed: bool, pick: fn(&IntervalDoc) -> f64| Series {
            name: format!("{} {name}", r.label),
            points: plotted(&r.doc.intervals)
                .iter()
                .map(|i| (i.t_s, unit.from_us(pick(i))))
                .collect(),
            color: Some(n),
            dashed,
        };
        c.series.push(line("p50", false, |i| i.latency_us.p50));
        c.series.push(line("p99", true, |i| i.latency_us.p99));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/run.sample.json");

    fn interval(t_s: f64, responses: u64, errors: u64) -> IntervalDoc {
        IntervalDoc {
            t_s,
            responses,
            errors,
            ..IntervalDoc::default()
        }
    }

    #[test]
    fn rates_divide_by_each_interval_length() {
        let iv = [
            interval(1.0, 100, 0),
            interval(2.0, 300, 4),
            interval(2.5, 50, 1),
            interval(2.5, 9, 9), // no length: skipped
        ];
        assert_eq!(
            rate(&iv, |i| i.responses),
            [(1.0, 100.0), (2.0, 300.0), (2.5, 100.0)]
        );
        assert_eq!(
            rate(&iv, |i| i.errors),
            [(1.0, 0.0), (2.0, 4.0), (2.5, 2.0)]
        );
        assert!(rate(&[], |i| i.errors).is_empty());
    }

    #[test]
    fn a_trailing_drain_interval_is_left_out() {
        let iv = [
            interval(1.0, 100, 0),
            interval(2.0, 100, 0),
            interval(2.006, 4, 0),
        ];
        assert_eq!(plotted(&iv).len(), 2);
        // A last interval of a quarter or more is load, not drain.
        let iv = [
            interval(1.0, 100, 0),
            interval(2.0, 100, 0),
            interval(2.25, 25, 0),
        ];
        assert_eq!(plotted(&iv).len(), 3);
        let iv = [interval(1.0, 100, 0), interval(1.1, 4, 0)];
        assert_eq!(plotted(&iv).len(), 1);
        assert_eq!(plotted(&iv[..1]).len(), 1);
        assert!(plotted(&[]).is_empty());
    }

    #[test]
    fn charts_of_the_sample() {
        let run = Run::parse("base", SAMPLE).unwrap();
        let runs = [run];
        let t = throughput_chart(&runs);
        assert_eq!(t.series[0].points, [(1.0, 500.0), (2.0, 500.0)]);
        assert_eq!(t.x.range, Some((0.0, 2.0)));
        let e = errors_chart(&runs);
        assert_eq!(e.series[0].points, [(1.0, 2.0), (2.0, 1.0)]);
        let l = latency_chart(&runs);
        assert_eq!(l.y.label, "latency (µs)"); // interval p99s are 495 and 995 µs
        let names: Vec<&str> = l.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["base p50", "base p99"]);
        assert_eq!(l.series[1].points, [(1.0, 495.0), (2.0, 995.0)]);
        assert!(l.series[1].dashed && !l.series[0].dashed);
    }
}
