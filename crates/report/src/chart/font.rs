//! A 5×7 bitmap font for the chart's axis labels, so that drawing them needs no font file.
//!
//! It holds only what the axes print: digits, `.`, `-`, `%`, `W` (week labels such as `W48`),
//! and the `k`, `M`, `G` of large numbers. Words, Chinese or English, live in the HTML legend
//! beside the image instead, where the mail client's own fonts draw them.

use super::canvas::{Canvas, Rgb};

/// Glyph height in font pixels; each glyph is 5 wide with 1 pixel between glyphs.
pub(crate) const GLYPH_HEIGHT: i32 = 7;
const GLYPH_WIDTH: i32 = 5;
const ADVANCE: i32 = GLYPH_WIDTH + 1;

/// Rows top to bottom; bit 4 is the leftmost pixel.
fn glyph(c: char) -> Option<[u8; 7]> {
    Some(match c {
        '0' => [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
        '1' => [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
        '2' => [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
        '3' => [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
        '4' => [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
        '5' => [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
        '6' => [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
        '7' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
        '9' => [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c],
        '-' => [0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00],
        '%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
        'k' => [0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12],
        'M' => [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
        'G' => [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
        ' ' => [0; 7],
        _ => return None,
    })
}

/// The width in image pixels of `text` drawn at `scale`.
pub(crate) fn text_width(text: &str, scale: i32) -> i32 {
    let n = i32::try_from(text.chars().count()).unwrap_or(i32::MAX / ADVANCE);
    if n == 0 {
        0
    } else {
        (n * ADVANCE - 1) * scale
    }
}

/// Draws `text` with its top-left corner at `(x, y)`, each font pixel a `scale`×`scale`
/// square. A character the font lacks leaves a blank of its width: a label loses a letter
/// rather than the chart failing.
pub(crate) fn draw_text(canvas: &mut Canvas, x: i32, y: i32, text: &str, scale: i32, colour: Rgb) {
    let mut left = x;
    for c in text.chars() {
        if let Some(rows) = glyph(c) {
            for (row, bits) in (0..).zip(rows) {
                for col in 0..GLYPH_WIDTH {
                    if bits & (0x10 >> col) != 0 {
                        let (px, py) = (left + col * scale, y + row * scale);
                        canvas.fill_rect(px, py, px + scale, py + scale, colour);
                    }
                }
            }
        }
        left += ADVANCE * scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_glyph_fits_five_columns() {
        for c in "0123456789.-%WkMG ".chars() {
            let rows = glyph(c).unwrap_or_default();
            assert!(rows.iter().all(|r| *r < 0x20), "{c}");
        }
    }

    #[test]
    fn width_counts_the_gaps_between_glyphs_only() {
        assert_eq!(text_width("", 2), 0);
        assert_eq!(text_width("W48", 1), 17);
        assert_eq!(text_width("W48", 2), 34);
    }
}
