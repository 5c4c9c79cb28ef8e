//! The eight-week trend chart as a PNG: bars for issues reported and resolved each week, a
//! dashed line for the issues overdue at each week's end (same left axis), and a line for the
//! on-time resolution rate on a 0–100 % right axis.
//!
//! The image carries numbers only (`W48`, `40`, `80%`), drawn with a built-in bitmap font, so
//! it needs no font file and looks the same on every server; the words that explain it, in the
//! report's language, are the legend the HTML puts beside it in the same [`Series`] colours.
//! Its pixels depend on the trend alone, so the same report always gives the same bytes.

mod canvas;
mod font;
mod scale;

use gridloop_core::{TrendLine, TREND_WEEKS};

use canvas::{Canvas, Rgb};
use scale::{compact, Axis};

/// The image's size in pixels; the HTML's `<img>` carries the same width and height.
pub(crate) const WIDTH: u16 = 640;
pub(crate) const HEIGHT: u16 = 280;

const BACKGROUND: Rgb = Rgb([0xff, 0xff, 0xff]);
const GRID: Rgb = Rgb([0xe5, 0xe7, 0xeb]);
const BASELINE: Rgb = Rgb([0x8c, 0x95, 0x9f]);
const INK: Rgb = Rgb([0x57, 0x60, 0x6a]);

/// The chart's series, each with the colour the legend keys it by (Tableau's palette, which
/// stays distinguishable for most colour-blind readers and in print).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Series {
    Reported,
    Resolved,
    OverdueAtEnd,
    OnTimeRate,
}

impl Series {
    pub const ALL: [Series; 4] = [
        Series::Reported,
        Series::Resolved,
        Series::OverdueAtEnd,
        Series::OnTimeRate,
    ];

    pub fn colour(self) -> Rgb {
        match self {
            Series::Reported => Rgb([0x4e, 0x79, 0xa7]),
            Series::Resolved => Rgb([0x59, 0xa1, 0x4f]),
            Series::OverdueAtEnd => Rgb([0xe1, 0x57, 0x59]),
            Series::OnTimeRate => Rgb([0xf2, 0x8e, 0x2b]),
        }
    }

    /// Bars are keyed by a square in the legend, lines by a dot.
    pub fn is_bar(self) -> bool {
        matches!(self, Series::Reported | Series::Resolved)
    }
}

/// Font pixels are drawn as 2×2 squares: 14-pixel-high digits stay legible when a phone
/// shrinks the 640-pixel image to half its width.
const TEXT_SCALE: i32 = 2;
/// Both axes have this many steps, so the right axis reads 0, 20, … 100 % on the same
/// gridlines as the left.
const DIVISIONS: u32 = 5;

/// Where things go in the image.
#[derive(Debug, Clone, Copy)]
struct Layout {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
    slots: usize,
}

impl Layout {
    /// Room for five-character tick labels on both sides and the week labels below. There is
    /// always a slot for each of [`TREND_WEEKS`] weeks, and a short trend fills the newest
    /// ones, so this week's bars stand in the same place every week.
    fn for_points(points: usize) -> Layout {
        Layout {
            left: 64,
            right: i32::from(WIDTH) - 64,
            top: 16,
            bottom: i32::from(HEIGHT) - 34,
            slots: points.max(TREND_WEEKS),
        }
    }

    fn slot_width(&self) -> f64 {
        f64::from(self.right - self.left) / self.slots as f64
    }

    /// The slot of the `i`-th of `n` points (oldest first), right-aligned.
    fn slot_of(&self, i: usize, n: usize) -> usize {
        self.slots - n + i
    }

    fn slot_centre(&self, slot: usize) -> i32 {
        px(f64::from(self.left) + (slot as f64 + 0.5) * self.slot_width())
    }

    /// The left and right edges of the reported bar and of the resolved bar in `slot`.
    fn bars(&self, slot: usize) -> [(i32, i32); 2] {
        let centre = self.slot_centre(slot);
        let width = px(self.slot_width() * 0.3).max(2);
        [
            (centre - 1 - width, centre - 1),
            (centre + 1, centre + 1 + width),
        ]
    }

    /// The height of `fraction` of the plot, from the baseline.
    fn y(&self, fraction: f64) -> i32 {
        px(f64::from(self.bottom) - fraction.clamp(0.0, 1.0) * f64::from(self.bottom - self.top))
    }
}

/// Rounds a coordinate to the pixel grid (coordinates are far inside `i32`).
fn px(x: f64) -> i32 {
    // A chart coordinate is within a few thousand pixels, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation)]
    let pixel = x.round() as i32;
    pixel
}

/// `value ÷ axis top` as a fraction of the plot's height.
fn share(value: u64, axis: &Axis) -> f64 {
    // Precision lost beyond 2^53 is far below a pixel.
    #[allow(clippy::cast_precision_loss)]
    let fraction = value as f64 / axis.max().max(1) as f64;
    fraction
}

/// The trend as an 8-bit RGB PNG of [`WIDTH`]×[`HEIGHT`] pixels.
pub(crate) fn trend_png(trend: &[TrendLine]) -> Vec<u8> {
    draw(trend).to_png()
}

fn draw(trend: &[TrendLine]) -> Canvas {
    let mut canvas = Canvas::new(WIDTH, HEIGHT, BACKGROUND);
    let layout = Layout::for_points(trend.len());
    let most = trend
        .iter()
        .map(|t| {
            let h = &t.headline;
            h.reported.max(h.resolved).max(h.overdue_at_end)
        })
        .max()
        .unwrap_or(0);
    let axis = Axis::covering(most, DIVISIONS);

    draw_axes(&mut canvas, &layout, &axis);

    let n = trend.len();
    for (i, point) in trend.iter().enumerate() {
        let slot = layout.slot_of(i, n);
        let values = [point.headline.reported, point.headline.resolved];
        let series = [Series::Reported, Series::Resolved];
        for ((x0, x1), (value, series)) in layout
            .bars(slot)
            .into_iter()
            .zip(values.into_iter().zip(series))
        {
            if value > 0 {
                // A non-zero bar is at least 2 pixels high, so a small week never looks empty.
                let top = layout.y(share(value, &axis)).min(layout.bottom - 2);
                canvas.fill_rect(x0, top, x1, layout.bottom, series.colour());
            }
        }
        let x = layout.slot_centre(slot);
        let y = layout.bottom + 10;
        let label_width = font::text_width(&point.label, TEXT_SCALE);
        if shows_label(i, n, &layout, label_width) {
            font::draw_text(
                &mut canvas,
                x - label_width / 2,
                y,
                &point.label,
                TEXT_SCALE,
                INK,
            );
        }
    }

    let overdue: Vec<Option<(i32, i32)>> = trend
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = layout.slot_centre(layout.slot_of(i, n));
            Some((x, layout.y(share(p.headline.overdue_at_end, &axis))))
        })
        .collect();
    draw_line(
        &mut canvas,
        &overdue,
        Some(6),
        Series::OverdueAtEnd.colour(),
    );

    let on_time: Vec<Option<(i32, i32)>> = trend
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = layout.slot_centre(layout.slot_of(i, n));
            p.headline.on_time_resolution.map(|r| (x, layout.y(r)))
        })
        .collect();
    draw_line(&mut canvas, &on_time, None, Series::OnTimeRate.colour());
    canvas
}

/// Gridlines at each step, the baseline, and the tick labels: counts on the left, percentages
/// on the right.
fn draw_axes(canvas: &mut Canvas, layout: &Layout, axis: &Axis) {
    let text_height = font::GLYPH_HEIGHT * TEXT_SCALE;
    for i in 0..=DIVISIONS {
        let fraction = f64::from(i) / f64::from(DIVISIONS);
        let y = layout.y(fraction);
        let colour = if i == 0 { BASELINE } else { GRID };
        canvas.fill_rect(layout.left, y, layout.right, y + 1, colour);

        let count = compact(axis.tick(i));
        let width = font::text_width(&count, TEXT_SCALE);
        let top = y - text_height / 2;
        font::draw_text(
            canvas,
            layout.left - 8 - width,
            top,
            &count,
            TEXT_SCALE,
            INK,
        );
        let percent = format!("{}%", 100 * i / DIVISIONS);
        font::draw_text(canvas, layout.right + 8, top, &percent, TEXT_SCALE, INK);
    }
}

/// Whether the `i`-th of `n` week labels is drawn: all of them when they fit, otherwise every
/// k-th counted back from the newest, which is always labelled.
fn shows_label(i: usize, n: usize, layout: &Layout, label_width: i32) -> bool {
    let room = layout.slot_width();
    // Label widths are small positive numbers, so the casts are exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let every = (f64::from(label_width + 8) / room).ceil().max(1.0) as usize;
    (n - 1 - i) % every == 0
}

/// A polyline through the points, broken where a point is `None` (a week without the rate
/// leaves a gap: no data is not 0 %), with a white-ringed dot on each point so a lone point
/// still shows.
fn draw_line(canvas: &mut Canvas, points: &[Option<(i32, i32)>], dash: Option<u32>, colour: Rgb) {
    for pair in points.windows(2) {
        if let [Some(a), Some(b)] = pair {
            canvas.line(*a, *b, 3, dash, colour);
        }
    }
    for &(x, y) in points.iter().flatten() {
        canvas.disc(x, y, 5, BACKGROUND);
        canvas.disc(x, y, 3, colour);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;
    use gridloop_core::{Headline, Period};

    fn week(week: u32, reported: u64, resolved: u64, rate: Option<f64>) -> TrendLine {
        with_overdue(week, reported, resolved, rate, 3)
    }

    fn with_overdue(
        week: u32,
        reported: u64,
        resolved: u64,
        rate: Option<f64>,
        overdue_at_end: u64,
    ) -> TrendLine {
        TrendLine {
            label: format!("W{week:02}"),
            period: Period::iso_week(2026, week, Shanghai).expect("a real week"),
            headline: Headline {
                reported,
                resolved,
                overdue_at_end,
                on_time_resolution: rate,
                ..Headline::default()
            },
        }
    }

    #[test]
    fn the_bars_stand_in_their_weeks_slots_and_are_as_tall_as_their_values() {
        // No rate and no overdue issues: the lines lie along the baseline, out of the way.
        let trend: Vec<TrendLine> = (41..=48)
            .map(|w| with_overdue(w, u64::from(w - 40) * 5, 10, None, 0))
            .collect();
        let canvas = draw(&trend);
        let layout = Layout::for_points(trend.len());
        let axis = Axis::covering(40, DIVISIONS);
        for (i, line) in trend.iter().enumerate() {
            let [(r0, r1), (_, s1)] = layout.bars(i);
            let reported_top = layout.y(share(line.headline.reported, &axis));
            let resolved_top = layout.y(share(10, &axis));
            // Inside each bar, above the baseline's line and just below its top: its colour.
            assert_eq!(
                canvas.get(r0 + 1, layout.bottom - 4),
                Some(Series::Reported.colour())
            );
            assert_eq!(
                canvas.get(r1 - 2, reported_top + 1),
                Some(Series::Reported.colour())
            );
            assert_eq!(
                canvas.get(s1 - 2, layout.bottom - 4),
                Some(Series::Resolved.colour())
            );
            // Above the bar: not the bar's colour.
            assert_ne!(
                canvas.get(r0 + 1, reported_top - 4),
                Some(Series::Reported.colour())
            );
            assert_ne!(
                canvas.get(s1 - 2, resolved_top - 4),
                Some(Series::Resolved.colour())
            );
        }
    }

    #[test]
    fn a_short_trend_fills_the_newest_slots() {
        let trend = vec![week(47, 4, 4, None), week(48, 4, 4, None)];
        let canvas = draw(&trend);
        let layout = Layout::for_points(2);
        let [(first, _), _] = layout.bars(0);
        let [(newest, _), _] = layout.bars(TREND_WEEKS - 1);
        assert_eq!(canvas.get(first + 1, layout.bottom - 1), Some(BACKGROUND));
        assert_eq!(
            canvas.get(newest + 1, layout.bottom - 1),
            Some(Series::Reported.colour())
        );
    }

    #[test]
    fn a_week_without_a_rate_breaks_the_line() {
        let trend = vec![
            week(46, 1, 1, Some(1.0)),
            week(47, 1, 1, None),
            week(48, 1, 1, Some(1.0)),
        ];
        let canvas = draw(&trend);
        let layout = Layout::for_points(3);
        let top = layout.y(1.0);
        let (a, b) = (layout.slot_centre(5), layout.slot_centre(6));
        let midway = (a + b) / 2;
        assert_eq!(canvas.get(a, top), Some(Series::OnTimeRate.colour()));
        assert_ne!(canvas.get(midway, top), Some(Series::OnTimeRate.colour()));
    }

    #[test]
    fn crowded_labels_are_thinned_from_the_newest() {
        let layout = Layout::for_points(40);
        assert!(shows_label(39, 40, &layout, 34));
        assert!(!shows_label(38, 40, &layout, 34));
        let roomy = Layout::for_points(8);
        assert!((0..8).all(|i| shows_label(i, 8, &roomy, 34)));
    }
}
