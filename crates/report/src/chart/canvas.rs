//! An RGB pixel buffer with the few drawing operations a bar-and-line chart needs, and its
//! encoding as PNG. Integer coordinates, no anti-aliasing: the same input gives the same bytes.

use png::{BitDepth, ColorType, Compression, Encoder};

/// An 8-bit RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub [u8; 3]);

impl Rgb {
    /// `#rrggbb`, for the HTML legend that keys the chart's colours.
    pub fn hex(self) -> String {
        let [r, g, b] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

/// A `width`×`height` image, row by row from the top, three bytes a pixel.
#[derive(Debug, Clone)]
pub(crate) struct Canvas {
    width: i32,
    height: i32,
    pixels: Vec<u8>,
}

impl Canvas {
    pub fn new(width: u16, height: u16, background: Rgb) -> Canvas {
        let (w, h) = (usize::from(width), usize::from(height));
        Canvas {
            width: i32::from(width),
            height: i32::from(height),
            pixels: background.0.repeat(w * h),
        }
    }

    fn index(&self, x: i32, y: i32) -> Option<usize> {
        let inside = (0..self.width).contains(&x) && (0..self.height).contains(&y);
        let (x, y, w) = (
            usize::try_from(x).ok()?,
            usize::try_from(y).ok()?,
            usize::try_from(self.width).ok()?,
        );
        inside.then_some((y * w + x) * 3)
    }

    /// Sets one pixel; a point outside the image is ignored, so callers need not clip.
    pub fn set(&mut self, x: i32, y: i32, colour: Rgb) {
        if let Some(i) = self.index(x, y) {
            self.pixels[i..i + 3].copy_from_slice(&colour.0);
        }
    }

    #[cfg(test)]
    pub fn get(&self, x: i32, y: i32) -> Option<Rgb> {
        let i = self.index(x, y)?;
        Some(Rgb([
            self.pixels[i],
            self.pixels[i + 1],
            self.pixels[i + 2],
        ]))
    }

    /// Fills the pixels `x0 <= x < x1`, `y0 <= y < y1`, clipped to the image.
    pub fn fill_rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, colour: Rgb) {
        for y in y0.max(0)..y1.min(self.height) {
            for x in x0.max(0)..x1.min(self.width) {
                self.set(x, y, colour);
            }
        }
    }

    /// A filled disc of `radius` around `(cx, cy)`.
    pub fn disc(&mut self, cx: i32, cy: i32, radius: i32, colour: Rgb) {
        let r2 = radius * radius + radius;
        for dy in -radius..=radius {
            for dx in -radius..=radius {
                if dx * dx + dy * dy <= r2 {
                    self.set(cx + dx, cy + dy, colour);
                }
            }
        }
    }

    /// A line `width` pixels thick (a disc stamped along Bresenham's line). With `dash`, the
    /// line is drawn for `dash` steps and skipped for as many, for a dashed look.
    pub fn line(
        &mut self,
        from: (i32, i32),
        to: (i32, i32),
        width: i32,
        dash: Option<u32>,
        colour: Rgb,
    ) {
        let radius = (width - 1) / 2;
        let (mut x, mut y) = from;
        let (dx, dy) = ((to.0 - x).abs(), -(to.1 - y).abs());
        let (sx, sy) = (if x < to.0 { 1 } else { -1 }, if y < to.1 { 1 } else { -1 });
        let mut err = dx + dy;
        let mut step: u32 = 0;
        loop {
            if dash.is_none_or(|d| (step / d.max(1)) % 2 == 0) {
                if radius == 0 {
                    self.set(x, y, colour);
                } else {
                    self.disc(x, y, radius, colour);
                }
            }
            if (x, y) == to {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
            step += 1;
        }
    }

    /// The image as an 8-bit RGB PNG.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let (w, h) = (
            u32::try_from(self.width).unwrap_or_default(),
            u32::try_from(self.height).unwrap_or_default(),
        );
        let mut encoder = Encoder::new(&mut out, w, h);
        encoder.set_color(ColorType::Rgb);
        encoder.set_depth(BitDepth::Eight);
        encoder.set_compression(Compression::Balanced);
        // Encoding into a Vec cannot hit an I/O error, and the buffer always holds exactly
        // width × height × 3 bytes, the only other thing the encoder checks.
        encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&self.pixels))
            .expect("an RGB buffer of the declared size encodes into memory");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: Rgb = Rgb([255, 255, 255]);
    const INK: Rgb = Rgb([0, 0, 0]);

    #[test]
    fn drawing_outside_the_image_is_clipped_not_a_panic() {
        let mut c = Canvas::new(4, 3, WHITE);
        c.fill_rect(-5, -5, 50, 50, INK);
        c.line((-10, -10), (10, 10), 3, None, INK);
        c.disc(100, 100, 4, INK);
        assert_eq!(c.get(3, 2), Some(INK));
        assert_eq!(c.get(4, 0), None);
    }

    #[test]
    fn a_line_reaches_both_ends() {
        let mut c = Canvas::new(10, 10, WHITE);
        c.line((1, 8), (8, 2), 1, None, INK);
        assert_eq!(c.get(1, 8), Some(INK));
        assert_eq!(c.get(8, 2), Some(INK));
    }

    #[test]
    fn a_dashed_line_leaves_gaps() {
        let mut c = Canvas::new(20, 1, WHITE);
        c.line((0, 0), (19, 0), 1, Some(4), INK);
        assert_eq!(c.get(0, 0), Some(INK));
        assert_eq!(c.get(5, 0), Some(WHITE));
        assert_eq!(c.get(9, 0), Some(INK));
    }

    #[test]
    fn hex_is_lower_case_with_a_hash() {
        assert_eq!(Rgb([0x4e, 0x79, 0xa7]).hex(), "#4e79a7");
    }
}
