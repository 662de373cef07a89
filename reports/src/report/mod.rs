//! `tfw-bench report`: pictures of one or more runs, from their JSON run documents.
//!
//! Pure functions from parsed documents ([`model::Run`]) to file contents: each plot as SVG
//! and PNG (plotters, text drawn with the embedded font, [`font`]) and one self-contained HTML
//! page with the plots inline and the runs' tables ([`page`]). The binary reads the files and
//! writes what [`build`] returns.
//!
//! Reusable pieces for other commands: [`linechart::line_chart`] (named (x, y) series with a
//! title and axis labels), [`font::register`], the [`html`] helpers and [`compare`]'s metrics.

pub mod chart;
pub mod compare;
pub mod font;
pub mod histogram;
pub mod html;
pub mod linechart;
pub mod model;
pub mod page;
pub mod spectrum;
pub mod target;
pub mod timeseries;

pub use chart::{PlotError, Rendered, Size};
pub use linechart::{line_chart, Axis, LineChart, Series};
pub use model::{ParseError, Run};

/// The page's file name.
pub const HTML_FILE: &str = "report.html";

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no runs to report")]
    NoRuns,
    #[error("cannot draw the {plot} plot: {source}")]
    Plot {
        plot: &'static str,
        source: PlotError,
    },
}

/// A file of the report: its name in the output directory and its bytes.
#[derive(Clone, Debug)]
pub struct OutFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Draws a plot of some runs; `None` when they have nothing to show in it.
pub type DrawFn = fn(&[Run], Size) -> Option<Result<Rendered, PlotError>>;

/// One plot of a report.
#[derive(Clone, Copy, Debug)]
pub struct PlotSpec {
    /// File name without extension.
    pub stem: &'static str,
    pub caption: &'static str,
    pub draw: DrawFn,
}

/// The plots of a report, in page order.
pub const PLOTS: [PlotSpec; 5] = [
    PlotSpec {
        stem: "latency-spectrum",
        caption: "Latency by percentile",
        draw: |runs, size| Some(line_chart(&spectrum::chart(runs), size)),
    },
    PlotSpec {
        stem: "latency-histogram",
        caption: "Latency histogram",
        draw: |runs, size| histogram::HistogramPlot::of(runs).map(|h| chart::render(&h, size)),
    },
    PlotSpec {
        stem: "requests-per-second",
        caption: "Requests/s over time",
        draw: |runs, size| Some(line_chart(&timeseries::throughput_chart(runs), size)),
    },
    PlotSpec {
        stem: "latency-over-time",
        caption: "Latency over time (p50 and p99 of each interval)",
        draw: |runs, size| Some(line_chart(&timeseries::latency_chart(runs), size)),
    },
    PlotSpec {
        stem: "errors",
        caption: "Errors over time",
        draw: |runs, size| Some(line_chart(&timeseries::errors_chart(runs), size)),
    },
];

/// Every file of the report of `runs` (the first is the baseline of the comparison): each
/// plot as `STEM.svg` and `STEM.png` of `size`, then [`HTML_FILE`]. The histogram is left out
/// when no run has `latency_hdr` (files of older versions); the page says so.
pub fn build(runs: &[Run], size: Size) -> Result<Vec<OutFile>, ReportError> {
    if runs.is_empty() {
        return Err(ReportError::NoRuns);
    }
    let mut notes = Vec::new();
    let without_hdr: Vec<&str> = runs
        .iter()
        .filter(|r| r.histogram.is_none())
        .map(|r| r.label.as_str())
        .collect();
    if !without_hdr.is_empty() {
        notes.push(format!(
            "No latency histogram in {} (written by an older tfw-bench): the spectrum shows \
             its summary percentiles only{}.",
            without_hdr.join(", "),
            if without_hdr.len() == runs.len() {
                " and there is no histogram plot"
            } else {
                ", the histogram leaves it out"
            }
        ));
    }
    let without_intervals: Vec<&str> = runs
        .iter()
        .filter(|r| r.doc.intervals.is_empty())
        .map(|r| r.label.as_str())
        .collect();
    if !without_intervals.is_empty() {
        notes.push(format!(
            "No interval series in {}: nothing to show over time.",
            without_intervals.join(", ")
        ));
    }

    let mut plots: Vec<(&str, &str, Rendered)> = Vec::new();
    for p in &PLOTS {
        if let Some(r) = (p.draw)(runs, size) {
            let r = r.map_err(|source| ReportError::Plot {
                plot: p.stem,
                source,
            })?;
            plots.push((p.stem, p.caption, r));
        }
    }

    let figures: Vec<page::Figure> = plots
        .iter()
        .map(|(_, caption, r)| page::Figure {
            svg: &r.svg,
            caption,
        })
        .collect();
    let html = page::report_page(runs, &figures, &notes);
    let mut files = Vec::with_capacity(plots.len() * 2 + 1);
    for (stem, _, r) in plots {
        files.push(OutFile {
            name: format!("{stem}.svg"),
            bytes: r.svg.into_bytes(),
        });
        files.push(OutFile {
            name: format!("{stem}.png"),
            bytes: r.png,
        });
    }
    files.push(OutFile {
        name: HTML_FILE.to_string(),
        bytes: html.into_bytes(),
    });
    Ok(files)
}

/// `tfw-bench report`'s line after writing the `files` [`build`] made: where the page is
/// (`page`, the [`HTML_FILE`] in the output directory), how many plots, of what size.
pub fn written_line(page: &std::path::Path, files: &[OutFile], size: Size) -> String {
    format!(
        "wrote {} ({} plots as SVG and PNG, {}x{})\n",
        page.display(),
        files.len().saturating_sub(1) / 2,
        size.width,
        size.height
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../testdata/run.sample.json");

    fn names(files: &[OutFile]) -> Vec<&str> {
        files.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn every_plot_in_both_formats_and_the_page() {
        let a = Run::parse("a", SAMPLE).unwrap();
        let b = Run::parse("b", SAMPLE).unwrap();
        let files = build(&[a, b], Size::DEFAULT).unwrap();
        let mut want: Vec<String> = PLOTS
            .iter()
            .flat_map(|p| [format!("{}.svg", p.stem), format!("{}.png", p.stem)])
            .collect();
        want.push(HTML_FILE.to_string());
        assert_eq!(names(&files), want);
        let html = String::from_utf8(files.last().unwrap().bytes.clone()).unwrap();
        assert_eq!(html.matches("<svg").count(), PLOTS.len());
        assert!(html.contains("Δ % vs a"));
        assert_eq!(
            written_line(
                std::path::Path::new("out/report.html"),
                &files,
                Size::DEFAULT
            ),
            format!(
                "wrote out/report.html ({} plots as SVG and PNG, 1000x600)\n",
                PLOTS.len()
            )
        );
    }

    #[test]
    fn older_files_give_no_histogram_and_say_why() {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v.as_object_mut().unwrap().remove("latency_hdr");
        let old = Run::parse("old", &v.to_string()).unwrap();
        let files = build(&[old], Size::DEFAULT).unwrap();
        assert!(!names(&files).contains(&"latency-histogram.svg"));
        assert!(names(&files).contains(&"latency-spectrum.png"));
        let html = String::from_utf8(files.last().unwrap().bytes.clone()).unwrap();
        assert!(html.contains("No latency histogram in old"));
        assert!(matches!(
            build(&[], Size::DEFAULT),
            Err(ReportError::NoRuns)
        ));
    }
}
