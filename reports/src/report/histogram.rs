//! The latency histogram: the share of responses per latency bin, from each run's merged
//! histogram (`latency_hdr`), several runs overlaid as translucent bars.
//!
//! Bins are logarithmic (about 60 from the fastest to the slowest response of all runs,
//! each at least 1 µs wide, the histogram's resolution there), since latency spreads over
//! decades: a linear axis would squeeze the body into one bar to show the tail.

use super::chart::{self, color, label_at, DrawResult, Plot, TimeUnit};
use super::font::FAMILY;
use super::model::Run;
use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Bins wanted between the lowest and highest latency.
const BINS: usize = 60;

/// Bin edges in µs from `lo_us` to `hi_us`: up to `n` logarithmic bins, edges rounded up
/// to whole microseconds and merged where that makes them equal. Always at least one bin.
pub fn log_edges(lo_us: f64, hi_us: f64, n: usize) -> Vec<f64> {
    let lo = lo_us.max(1.0).floor();
    let hi = hi_us.ceil().max(lo + 1.0);
    let n = n.max(1);
    let ratio = (hi / lo).ln() / n as f64;
    let mut edges: Vec<f64> = (0..=n)
        .map(|i| (lo * (ratio * i as f64).exp()).ceil().clamp(lo, hi))
        .collect();
    edges[0] = lo;
    edges[n] = hi;
    edges.dedup();
    edges
}

/// The share (%) of `h`'s values in each bin of `edges`; the last bin includes its upper edge,
/// values outside the edges go to the first or last bin.
pub fn shares(h: &Histogram<u64>, edges: &[f64]) -> Vec<f64> {
    let bins = edges.len().saturating_sub(1).max(1);
    let mut counts = vec![0u64; bins];
    for v in h.iter_recorded() {
        let x = h.median_equivalent(v.value_iterated_to()) as f64;
        let i = edges
            .partition_point(|e| *e <= x)
            .saturating_sub(1)
            .min(bins - 1);
        counts[i] += v.count_at_value();
    }
    let total = h.len().max(1) as f64;
    counts.iter().map(|&c| c as f64 * 100.0 / total).collect()
}

/// Tick positions (µs) for a log axis over `lo..=hi`: 1-2-5 steps, or every digit when that
/// gives fewer than three ticks.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let pick = |mults: &[f64]| -> Vec<f64> {
        let mut out = Vec::new();
        let mut decade = 10f64.powf(lo.log10().floor());
        while decade <= hi {
            for m in mults {
                let v = m * decade;
                if v >= lo && v <= hi {
                    out.push(v);
                }
            }
            decade *= 10.0;
        }
        out
    };
    let coarse = pick(&[1.0, 2.0, 5.0]);
    if coarse.len() >= 3 {
        coarse
    } else {
        pick(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    }
}

/// One run's bars.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramRun {
    pub label: String,
    /// Palette index: the run's position among all runs, as in the other plots.
    pub color: usize,
    /// Share of responses per bin, in %.
    pub shares: Vec<f64>,
}

/// The histogram plot of some runs; build it with [`HistogramPlot::of`].
#[derive(Clone, Debug)]
pub struct HistogramPlot {
    /// Bin edges in µs.
    pub edges: Vec<f64>,
    /// Each run that has a histogram.
    pub runs: Vec<HistogramRun>,
    /// The unit of the latency axis.
    pub unit: TimeUnit,
}

impl HistogramPlot {
    /// The plot of the runs with a non-empty histogram; `None` when no run has one. A run's
    /// colour is its position in `runs`, as in the other plots.
    pub fn of(runs: &[Run]) -> Option<HistogramPlot> {
        let with: Vec<(usize, &Run, &Histogram<u64>)> = runs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.histogram
                    .as_ref()
                    .filter(|h| !h.is_empty())
                    .map(|h| (i, r, h))
            })
            .collect();
        if with.is_empty() {
            return None;
        }
        let lo = with.iter().map(|w| w.2.min()).min().unwrap_or(1) as f64;
        let hi = with.iter().map(|w| w.2.max()).max().unwrap_or(1) as f64;
        let edges = log_edges(lo, hi, BINS);
        let unit = TimeUnit::for_max_us(*edges.last().unwrap_or(&hi));
        let runs = with
            .iter()
            .map(|&(i, r, h)| HistogramRun {
                label: r.label.clone(),
                color: i,
                shares: shares(h, &edges),
            })
            .collect();
        Some(HistogramPlot { edges, runs, unit })
    }
}

impl Plot for HistogramPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let lo = self.edges.first().copied().unwrap_or(1.0);
        let hi = self.edges.last().copied().unwrap_or(2.0);
        let (x0, x1) = (lo.log10(), hi.log10().max(lo.log10() + 0.01));
        let top = self
            .runs
            .iter()
            .flat_map(|r| r.shares.iter())
            .fold(0.0, |a: f64, &b| a.max(b));
        let y1 = (top * 1.08).max(1.0);
        let xt: Vec<(f64, String)> = log_ticks(lo, hi)
            .into_iter()
            .map(|us| (us.log10(), chart::tick_label(self.unit.from_us(us))))
            .collect();
        let yt: Vec<(f64, String)> = chart::nice_ticks(0.0, y1, 8)
            .into_iter()
            .map(|v| (v, chart::tick_label(v)))
            .collect();
        let mut chart = ChartBuilder::on(root)
            .caption("Latency histogram", (FAMILY, chart::TITLE_PX))
            .margin(18)
            .margin_right(45)
            .x_label_area_size(58)
            .y_label_area_size(88)
            .build_cartesian_2d(
                chart::Ticked::new(x0, x1, xt.iter().map(|t| t.0).collect()),
                chart::Ticked::new(0.0, y1, yt.iter().map(|t| t.0).collect()),
            )?;
        let x_fmt = |v: &f64| label_at(&xt, *v);
        let y_fmt = |v: &f64| label_at(&yt, *v);
        chart
            .configure_mesh()
            .x_desc(format!("latency ({}, log scale)", self.unit.name()))
            .y_desc("share of responses (%)")
            .axis_desc_style((FAMILY, chart::AXIS_PX))
            .label_style((FAMILY, chart::TICK_PX))
            .bold_line_style(BLACK.mix(0.12))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        let translucent = self.runs.len() > 1;
        for run in &self.runs {
            let c = color(run.color);
            let fill = if translucent { c.mix(0.35) } else { c.mix(0.8) };
            let bars = self
                .edges
                .windows(2)
                .zip(&run.shares)
                .filter(|(_, s)| **s > 0.0);
            let rects: Vec<[(f64, f64); 2]> = bars
                .map(|(e, &s)| [(e[0].log10(), 0.0), (e[1].log10(), s)])
                .collect();
            chart
                .draw_series(rects.iter().map(|r| Rectangle::new(*r, fill.filled())))?
                .label(run.label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], fill.filled()));
            chart.draw_series(rects.iter().map(|r| Rectangle::new(*r, c.stroke_width(1))))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .margin(12)
            .label_font((FAMILY, chart::TICK_PX))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/run.sample.json");

    #[test]
    fn edges_are_log_spaced_whole_microseconds() {
        let e = log_edges(1.0, 1000.0, 3);
        assert_eq!(e, [1.0, 10.0, 100.0, 1000.0]);
        let e = log_edges(1.0, 4.0, 60);
        assert_eq!(e, [1.0, 2.0, 3.0, 4.0]);
        let e = log_edges(0.0, 0.0, 60);
        assert_eq!(e, [1.0, 2.0]);
        let e = log_edges(100.0, 50_000.0, 60);
        assert_eq!(e.len(), 61);
        assert!(e.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn shares_add_up_to_all_responses() {
        // The sample's histogram holds 1..=1000 µs once each.
        let run = Run::parse("s", SAMPLE).unwrap();
        let h = run.histogram.unwrap();
        let s = shares(&h, &[1.0, 10.0, 100.0, 1000.0]);
        // 1..9, 10..99, 100..1000 (the last bin includes its upper edge).
        assert_eq!(s, [0.9, 9.0, 90.1]);
    }

    #[test]
    fn ticks_on_a_log_axis() {
        assert_eq!(
            log_ticks(1.0, 100.0),
            [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        );
        assert_eq!(log_ticks(120.0, 400.0), [200.0, 300.0, 400.0]);
    }

    #[test]
    fn plot_of_runs_with_and_without_histograms() {
        let a = Run::parse("a", SAMPLE).unwrap();
        let mut b = Run::parse("b", SAMPLE).unwrap();
        b.histogram = None;
        let p = HistogramPlot::of(&[b.clone(), a]).unwrap();
        assert_eq!(p.runs.len(), 1);
        assert_eq!(p.runs[0].label, "a");
        assert_eq!(p.runs[0].color, 1); // keeps its colour: second run
        assert_eq!(p.unit, TimeUnit::Ms);
        let total: f64 = p.runs[0].shares.iter().sum();
        assert!((total - 100.0).abs() < 1e-9, "{total}");
        assert!(HistogramPlot::of(&[b]).is_none());
        let r = chart::render(&p, chart::Size::DEFAULT).unwrap();
        let texts = chart::svg_texts(&r.svg);
        for want in [
            "Latency histogram",
            "a",
            "latency (ms, log scale)",
            "0.01",
            "0.1",
            "1",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want} missing: {texts:?}");
        }
    }
}
