//! The one font plots are drawn with, compiled into the binary.
//!
//! plotters' `ab_glyph` text path only knows fonts registered with it, so a machine without
//! any fonts installed (a CI container, a test-bed host) still gets labelled PNGs, and the SVG
//! text measures the same everywhere. DejaVu Sans is free (Bitstream Vera licence, see
//! `assets/DejaVuSans.LICENSE`) and has the µ, Δ and % glyphs the labels use.

use plotters::style::FontStyle;
use std::sync::OnceLock;

/// The font family name plots use; plotters' own default labels use it too.
pub const FAMILY: &str = "sans-serif";

/// DejaVu Sans 2.37, unmodified.
const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The embedded font could not be registered (only a corrupt embedded file would do that).
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error("the embedded DejaVu Sans font is not a valid OpenType font")]
pub struct FontError;

/// Registers the embedded font as [`FAMILY`] (normal style; bold and italic fall back to it).
/// Idempotent and thread-safe: call it before drawing anything with plotters.
pub fn register() -> Result<(), FontError> {
    static DONE: OnceLock<Result<(), FontError>> = OnceLock::new();
    *DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS)
            .map_err(|_| FontError)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::style::{FontDesc, IntoFont};

    #[test]
    fn registered_font_measures_text() {
        register().unwrap();
        register().unwrap();
        let font: FontDesc = (FAMILY, 20).into_font();
        let (w1, _) = font.box_size("99.9%").unwrap();
        let (w2, _) = font.box_size("99.999%").unwrap();
        assert!(w1 > 0 && w2 > w1, "{w1} {w2}");
    }
}
