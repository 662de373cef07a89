//! Drawing a plot once for two backends: SVG text for pages and a PNG for everything else.
//!
//! A plot is anything implementing [`Plot`] (drawing on a generic plotters backend); [`render`]
//! draws it on plotters' SVG backend and on its RGB bitmap backend, and encodes the bitmap as
//! PNG with the `png` crate, in memory. Shared pieces of the plots live here too: the series
//! palette, "nice" tick positions and the time unit of a latency axis.

use super::font::{self, FontError};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

/// Pixel size of a plot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    /// The size of every report plot: 1000 x 600 pixels.
    pub const DEFAULT: Size = Size {
        width: 1000,
        height: 600,
    };
}

/// One plot in both formats.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// A standalone SVG document (`<svg ...>...</svg>`).
    pub svg: String,
    /// PNG file bytes (8-bit RGB).
    pub png: Vec<u8>,
}

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
    #[error("plot size {0}x{1} is not drawable")]
    Size(u32, u32),
}

/// The result of drawing on backend `DB`.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Something that draws itself on any plotters backend.
pub trait Plot {
    /// Draws on `root`, which is already filled white.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Draws `plot` at `size` as SVG and as PNG.
pub fn render(plot: &impl Plot, size: Size) -> Result<Rendered, PlotError> {
    font::register()?;
    let (w, h) = (size.width, size.height);
    if !(16..=16384).contains(&w) || !(16..=16384).contains(&h) {
        return Err(PlotError::Size(w, h));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw_on(plot, &root)?;
    }
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw_on(plot, &root)?;
    }
    Ok(Rendered {
        svg,
        png: encode_png(&rgb, w, h)?,
    })
}

fn draw_on<DB: DrawingBackend>(
    plot: &impl Plot,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| PlotError::Draw(e.to_string());
    root.fill(&WHITE).map_err(err)?;
    plot.draw(root).map_err(err)?;
    root.present().map_err(err)
}

/// PNG bytes of an 8-bit RGB image `w` x `h`.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

/// Series colours (Tableau 10): distinct, readable on white, colour-blind friendly enough.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of series (or run) number `i`, cycling through the palette.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Font size of titles, axis descriptions and tick labels, in pixels.
pub const TITLE_PX: u32 = 26;
pub const AXIS_PX: u32 = 18;
pub const TICK_PX: u32 = 15;

/// About `n` tick positions at 1, 2 or 5 times a power of ten covering `lo..=hi`.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || n == 0 {
        return vec![lo];
    }
    let raw = (hi - lo) / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let span = |step: f64| {
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        (first, last)
    };
    // The 1-2-5 step whose tick count is nearest to `n` (the coarser one on a tie).
    let step = [10.0, 5.0, 2.0, 1.0]
        .iter()
        .map(|m| m * mag)
        .min_by_key(|&s| {
            let (first, last) = span(s);
            (last - first + 1 - n as i64).abs()
        })
        .unwrap_or(mag);
    let (first, last) = span(step);
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A linear axis over `lo..hi` with ticks (and grid lines) exactly at the positions given,
/// e.g. the decades of the percentile spectrum; their labels come from the mesh's formatter.
pub struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    pub fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticked {
        Ticked {
            inner: (lo..hi).into(),
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            // No light grid lines between the ticks.
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// A tick value as text: integers with thousands separators, fractions with up to three
/// significant decimals (`0.25`, `1.5`, `12,000`).
pub fn tick_label(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if (v - v.round()).abs() < 1e-9 * v.abs().max(1.0) {
        return thousands(v.round() as i64);
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The label of the tick at `v` among `ticks` (position, label); `v` as a number otherwise.
pub fn label_at(ticks: &[(f64, String)], v: f64) -> String {
    ticks
        .iter()
        .find(|(t, _)| (t - v).abs() <= 1e-9 * t.abs().max(1.0))
        .map(|(_, l)| l.clone())
        .unwrap_or_else(|| tick_label(v))
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    // ASCII digits, grouped by three from the right.
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    let out = groups.join(",");
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The unit a latency axis is drawn in, chosen by the largest value shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Us,
    Ms,
}

impl TimeUnit {
    /// Milliseconds once the largest value reaches 1 ms, microseconds below.
    pub fn for_max_us(max_us: f64) -> TimeUnit {
        if max_us >= 1000.0 {
            TimeUnit::Ms
        } else {
            TimeUnit::Us
        }
    }

    /// `us` in this unit.
    pub fn from_us(self, us: f64) -> f64 {
        match self {
            TimeUnit::Us => us,
            TimeUnit::Ms => us / 1000.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Us => "µs",
            TimeUnit::Ms => "ms",
        }
    }
}

/// The text of every `<text>` element of an SVG document, trimmed (for tests).
#[cfg(test)]
pub(crate) fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is XML");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_within_the_range() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(nice_ticks(0.0, 1.0, 4), vec![0.0, 0.5, 1.0]);
        assert_eq!(nice_ticks(3.0, 97.0, 4), vec![20.0, 40.0, 60.0, 80.0]);
        assert_eq!(nice_ticks(5.0, 5.0, 4), vec![5.0]);
    }

    #[test]
    fn tick_labels() {
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(12000.0), "12,000");
        assert_eq!(tick_label(1.5), "1.5");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(-3.0), "-3");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn time_unit_by_magnitude() {
        assert_eq!(TimeUnit::for_max_us(999.0), TimeUnit::Us);
        assert_eq!(TimeUnit::for_max_us(1000.0), TimeUnit::Ms);
        assert_eq!(TimeUnit::Ms.from_us(2500.0), 2.5);
        assert_eq!(TimeUnit::Ms.name(), "ms");
    }

    struct Square;

    impl Plot for Square {
        fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
            root.draw(&Rectangle::new([(10, 10), (20, 20)], RED.filled()))
        }
    }

    #[test]
    fn renders_svg_and_png_of_the_size_asked() {
        let r = render(
            &Square,
            Size {
                width: 40,
                height: 30,
            },
        )
        .unwrap();
        assert!(r.svg.starts_with("<svg") && r.svg.trim_end().ends_with("</svg>"));
        let decoder = png::Decoder::new(std::io::Cursor::new(&r.png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (40, 30));
        // Pixel (15, 15) is red, (0, 0) white.
        let at = |x: usize, y: usize| &buf[(y * 40 + x) * 3..(y * 40 + x) * 3 + 3];
        assert_eq!(at(15, 15), &[255, 0, 0]);
        assert_eq!(at(0, 0), &[255, 255, 255]);
        let e = render(
            &Square,
            Size {
                width: 0,
                height: 30,
            },
        )
        .unwrap_err();
        assert!(matches!(e, PlotError::Size(0, 30)));
    }
}
