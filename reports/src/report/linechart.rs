//! A plain line chart of named (x, y) series with a title, axis descriptions and a legend:
//! the form of every report plot but the histogram, and the public building block for other
//! commands' plots (e.g. a metric's trend over a history of runs).
//!
//! Ticks are either given (position, label), as the percentile spectrum does, or round numbers
//! chosen here; ranges are either given or taken from the data (y from zero).

use super::chart::{
    self, color, label_at, nice_ticks, tick_label, DrawResult, Plot, PlotError, Rendered,
};
use super::font::FAMILY;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Where the legend goes, inside the plotting area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegendPosition {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

impl LegendPosition {
    fn plotters(self) -> SeriesLabelPosition {
        match self {
            LegendPosition::UpperLeft => SeriesLabelPosition::UpperLeft,
            LegendPosition::UpperRight => SeriesLabelPosition::UpperRight,
            LegendPosition::LowerLeft => SeriesLabelPosition::LowerLeft,
            LegendPosition::LowerRight => SeriesLabelPosition::LowerRight,
        }
    }
}

/// Series with at most this many points get a dot on each (a line alone hides how few
/// points there are, e.g. per-second intervals of a short run).
const MARKERS_UP_TO: usize = 60;

/// One line of a chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// The legend entry (none when empty).
    pub name: String,
    /// Points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Palette index ([`chart::color`]); `None` = the series' position in the chart.
    pub color: Option<usize>,
    /// Drawn dashed (e.g. the second metric of the same run).
    pub dashed: bool,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.into(),
            points,
            color: None,
            dashed: false,
        }
    }
}

/// One axis of a chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Axis {
    /// The axis description, with its unit (e.g. "latency (ms)").
    pub label: String,
    /// Fixed `(low, high)`; `None` = from the data (y starts at zero).
    pub range: Option<(f64, f64)>,
    /// Tick positions with their labels; `None` = round numbers.
    pub ticks: Option<Vec<(f64, String)>>,
}

impl Axis {
    pub fn new(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            range: None,
            ticks: None,
        }
    }
}

/// Events at points of the x axis, drawn as vertical lines across the plot with one legend
/// entry (e.g. the target's reloads during a run).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct XMarks {
    /// The legend entry.
    pub label: String,
    /// Where on the x axis; marks outside the drawn range are left out.
    pub at: Vec<f64>,
}

/// The colour of [`XMarks`] lines: apart from the series palette.
const MARK_COLOR: RGBColor = RGBColor(0xb0, 0x30, 0x60);

/// A line chart; draw it with [`line_chart`].
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    pub legend: LegendPosition,
    /// Vertical lines at events; none when empty.
    pub marks: XMarks,
}

impl LineChart {
    /// A chart with automatic ranges and ticks and the legend at the upper left.
    pub fn new(title: impl Into<String>, x_label: &str, y_label: &str) -> LineChart {
        LineChart {
            title: title.into(),
            x: Axis::new(x_label),
            y: Axis::new(y_label),
            series: Vec::new(),
            legend: LegendPosition::UpperLeft,
            marks: XMarks::default(),
        }
    }
}

/// Draws `chart` as SVG and PNG.
pub fn line_chart(chart: &LineChart, size: chart::Size) -> Result<Rendered, PlotError> {
    chart::render(chart, size)
}

/// The range of `values`: `given`, else min..max of the data (from zero when `from_zero`),
/// widened so it is never empty.
fn range_of(given: Option<(f64, f64)>, values: &[f64], from_zero: bool) -> (f64, f64) {
    if let Some((lo, hi)) = given {
        if hi > lo {
            return (lo, hi);
        }
    }
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if lo > hi {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
        // Headroom above the highest point, so it does not touch the frame.
        hi += (hi - lo) * 0.06;
    }
    if hi <= lo {
        let pad = lo.abs().max(1.0) * 0.5;
        return (lo - pad, hi + pad);
    }
    (lo, hi)
}

/// Tick positions and labels for `axis` over `range`.
fn ticks_of(axis: &Axis, range: (f64, f64), n: usize) -> Vec<(f64, String)> {
    match &axis.ticks {
        Some(t) => t.clone(),
        None => nice_ticks(range.0, range.1, n)
            .into_iter()
            .map(|v| (v, tick_label(v)))
            .collect(),
    }
}

impl Plot for LineChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let xs: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .collect();
        let ys: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .collect();
        let xr = range_of(self.x.range, &xs, false);
        let yr = range_of(self.y.range, &ys, true);
        let xt = ticks_of(&self.x, xr, 10);
        let yt = ticks_of(&self.y, yr, 8);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FAMILY, chart::TITLE_PX))
            .margin(18)
            .margin_right(45)
            .x_label_area_size(58)
            .y_label_area_size(88)
            .build_cartesian_2d(
                chart::Ticked::new(xr.0, xr.1, xt.iter().map(|t| t.0).collect()),
                chart::Ticked::new(yr.0, yr.1, yt.iter().map(|t| t.0).collect()),
            )?;
        let x_fmt = |v: &f64| label_at(&xt, *v);
        let y_fmt = |v: &f64| label_at(&yt, *v);
        chart
            .configure_mesh()
            .x_desc(self.x.label.as_str())
            .y_desc(self.y.label.as_str())
            .axis_desc_style((FAMILY, chart::AXIS_PX))
            .label_style((FAMILY, chart::TICK_PX))
            .bold_line_style(BLACK.mix(0.12))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        for (i, s) in self.series.iter().enumerate() {
            let style = color(s.color.unwrap_or(i)).stroke_width(2);
            let points = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite());
            if s.points.len() <= MARKERS_UP_TO {
                let fill = color(s.color.unwrap_or(i)).filled();
                chart.draw_series(points.clone().map(|p| Circle::new(p, 3, fill)))?;
            }
            let ann = if s.dashed {
                chart.draw_series(DashedLineSeries::new(points, 9, 6, style))?
            } else {
                chart.draw_series(LineSeries::new(points, style))?
            };
            if !s.name.is_empty() {
                let dashed = s.dashed;
                ann.label(s.name.as_str()).legend(move |(x, y)| {
                    let len = if dashed { 10 } else { 24 };
                    PathElement::new(vec![(x, y), (x + len, y)], style)
                });
            }
        }
        let marks: Vec<f64> = self
            .marks
            .at
            .iter()
            .copied()
            .filter(|x| x.is_finite() && *x >= xr.0 && *x <= xr.1)
            .collect();
        if !marks.is_empty() {
            let style = MARK_COLOR.stroke_width(2);
            let ann = chart.draw_series(
                marks
                    .iter()
                    .map(|&x| PathElement::new(vec![(x, yr.0), (x, yr.1)], style)),
            )?;
            ann.label(self.marks.label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x + 12, y - 8), (x + 12, y + 8)], style)
            });
        }
        if !marks.is_empty() || self.series.iter().any(|s| !s.name.is_empty()) {
            chart
                .configure_series_labels()
                .position(self.legend.plotters())
                .margin(12)
                .label_font((FAMILY, chart::TICK_PX))
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.4))
                .draw()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_from_data() {
        assert_eq!(range_of(None, &[], true), (0.0, 1.0));
        assert_eq!(range_of(None, &[1.0, 3.0], false), (1.0, 3.0));
        let (lo, hi) = range_of(None, &[5.0, 10.0], true);
        assert_eq!(lo, 0.0);
        assert!(hi > 10.0 && hi < 11.0, "{hi}");
        assert_eq!(range_of(None, &[2.0, 2.0], false), (1.0, 3.0));
        assert_eq!(range_of(None, &[0.0, 0.0], true), (-0.5, 0.5));
        assert_eq!(range_of(Some((0.0, 5.0)), &[9.0], true), (0.0, 5.0));
    }

    #[test]
    fn draws_names_and_axis_labels_into_the_svg() {
        let mut c = LineChart::new("Trend of p99", "run", "p99 (ms)");
        c.series.push(Series::new(
            "main",
            vec![(1.0, 2.0), (2.0, 2.5), (3.0, 2.2)],
        ));
        let mut other = Series::new("branch", vec![(1.0, 1.0), (3.0, 1.5)]);
        other.dashed = true;
        c.series.push(other);
        let r = line_chart(&c, chart::Size::DEFAULT).unwrap();
        let texts = chart::svg_texts(&r.svg);
        for text in [
            "Trend of p99",
            "run",
            "p99 (ms)",
            "main",
            "branch",
            "1.5",
            "2.5",
        ] {
            assert!(texts.iter().any(|t| t == text), "{text} missing: {texts:?}");
        }
        assert!(r.svg.contains("<polyline"), "no line drawn");
        assert!(r.png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn marks_are_vertical_lines_with_one_legend_entry() {
        let mut c = LineChart::new("Requests/s over time", "time (s)", "responses/s");
        c.x.range = Some((0.0, 4.0));
        c.series.push(Series::new(
            "run",
            vec![(1.0, 10.0), (2.0, 12.0), (3.0, 11.0)],
        ));
        c.marks = XMarks {
            label: "target reload".to_string(),
            at: vec![1.5, 2.5, 9.0],
        };
        let r = line_chart(&c, chart::Size::DEFAULT).unwrap();
        let texts = chart::svg_texts(&r.svg);
        assert_eq!(texts.iter().filter(|t| *t == "target reload").count(), 1);
        // Two marks in range (9.0 is outside) and the legend's sample line.
        let stroke = "stroke=\"#B03060\"";
        assert_eq!(r.svg.matches(stroke).count(), 3, "{}", r.svg);
    }
}
