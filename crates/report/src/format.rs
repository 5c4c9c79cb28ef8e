//! Numbers as a reader sees them: rates as percentages with "—" for no data, changes with an
//! arrow and a sign, working minutes as hours. Shared by the HTML, Markdown and text renderers
//! so that a figure reads the same in all of them (the CSV keeps raw decimals instead).

use serde::Serialize;

/// What a rate with no denominator shows: "no data", which is neither 0 % nor 100 %.
pub(crate) const NO_DATA: &str = "—";

/// A fraction as a percentage with one decimal (`0.875` → `87.5%`), or [`NO_DATA`].
pub(crate) fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(
        || NO_DATA.to_owned(),
        |r| format!("{}%", one_decimal(r * 100.0)),
    )
}

/// A mean score with one decimal, or [`NO_DATA`].
pub(crate) fn score(mean: Option<f64>) -> String {
    mean.map_or_else(|| NO_DATA.to_owned(), one_decimal)
}

/// Working minutes as hours with one decimal (`210` → `3.5`), or [`NO_DATA`].
pub(crate) fn hours(minutes: Option<u32>) -> String {
    minutes.map_or_else(|| NO_DATA.to_owned(), |m| one_decimal(f64::from(m) / 60.0))
}

/// `x` to one decimal, never `-0.0`.
pub(crate) fn one_decimal(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    // Adding 0.0 turns -0.0 into 0.0, so a tiny negative rounds to "0.0", not "-0.0".
    format!("{:.1}", rounded + 0.0)
}

/// Whether a rise in a figure is good news, bad news, or neither; it colours the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Better {
    Higher,
    Lower,
    Neither,
}

/// A change on the previous week, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Change {
    /// `▲ +5`, `▼ −2.5`, `±0`.
    pub text: String,
    /// `good`, `bad` or `flat`.
    pub tone: &'static str,
    /// The tone's text colour in the HTML.
    pub colour: &'static str,
}

/// Green for good news, red for bad, grey for neither (dark enough on white for WCAG AA).
const GOOD: &str = "#1a7f37";
const BAD: &str = "#cf222e";
const FLAT: &str = "#57606a";

impl Change {
    /// A signed difference already rounded for display; `unit` follows the number
    /// (` pp` for rates, nothing for counts).
    fn new(sign: i8, magnitude: &str, unit: &str, better: Better) -> Change {
        let (arrow, mark) = match sign {
            1 => ("▲ ", "+"),
            -1 => ("▼ ", "−"),
            _ => ("", "±"),
        };
        let tone = match (sign, better) {
            (0, _) | (_, Better::Neither) => "flat",
            (1, Better::Higher) | (-1, Better::Lower) => "good",
            _ => "bad",
        };
        let colour = match tone {
            "good" => GOOD,
            "bad" => BAD,
            _ => FLAT,
        };
        Change {
            text: format!("{arrow}{mark}{magnitude}{unit}"),
            tone,
            colour,
        }
    }

    /// The change of a count.
    pub fn count(delta: i64, better: Better) -> Change {
        let sign = match delta.signum() {
            1 => 1,
            -1 => -1,
            _ => 0,
        };
        Change::new(sign, &delta.unsigned_abs().to_string(), "", better)
    }

    /// The change of a rate, a difference of fractions shown in percentage points; `None`
    /// unless both weeks had the rate.
    pub fn points(delta: Option<f64>, unit: &str, better: Better) -> Option<Change> {
        delta.map(|d| Change::decimal(d * 100.0, &format!(" {unit}"), better))
    }

    /// The change of a mean score.
    pub fn score(delta: Option<f64>, better: Better) -> Option<Change> {
        delta.map(|d| Change::decimal(d, "", better))
    }

    /// The change of a duration in working minutes, shown in hours.
    pub fn hours(delta_minutes: Option<i64>, better: Better) -> Option<Change> {
        // Minutes in a week's durations are far below 2^53, so the cast is exact.
        #[allow(clippy::cast_precision_loss)]
        delta_minutes.map(|m| Change::decimal(m as f64 / 60.0, "", better))
    }

    /// A decimal change to one place; one that rounds to 0.0 is no change.
    fn decimal(x: f64, unit: &str, better: Better) -> Change {
        let magnitude = one_decimal(x.abs());
        let sign = if magnitude == "0.0" {
            0
        } else if x > 0.0 {
            1
        } else {
            -1
        };
        Change::new(sign, &magnitude, unit, better)
    }
}

/// A contract value in fen as a reader of `locale` counts money: 万元 to two places at most in
/// Chinese (`12_500_000` fen → `12.5 万元`), whole yuan with thousands separators in English
/// (`CNY 125,000`).
pub(crate) fn money(fen: u64, locale: gridloop_core::Locale) -> String {
    let labels = crate::labels::Labels::of(locale);
    let amount = match locale {
        gridloop_core::Locale::ZhCn => {
            // 1 万元 = 10,000 yuan = 1,000,000 fen; hundredths of 万元 are 10,000 fen.
            let hundredths = (fen + 5_000) / 10_000;
            let (whole, frac) = (hundredths / 100, hundredths % 100);
            match frac {
                0 => whole.to_string(),
                f if f % 10 == 0 => format!("{whole}.{}", f / 10),
                f => format!("{whole}.{f:02}"),
            }
        }
        gridloop_core::Locale::En => {
            let yuan = (fen + 50) / 100;
            let digits = yuan.to_string();
            let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            grouped
        }
    };
    labels.money.replace("{n}", &amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_show_as_percentages_and_no_data_as_a_dash() {
        assert_eq!(percent(Some(0.875)), "87.5%");
        assert_eq!(percent(Some(0.0)), "0.0%");
        assert_eq!(percent(Some(1.25)), "125.0%");
        assert_eq!(percent(None), "—");
    }

    #[test]
    fn minutes_show_as_hours_to_one_decimal() {
        assert_eq!(hours(Some(210)), "3.5");
        assert_eq!(hours(Some(0)), "0.0");
        assert_eq!(hours(None), "—");
    }

    #[test]
    fn a_negative_that_rounds_to_zero_is_not_minus_zero() {
        assert_eq!(one_decimal(-0.01), "0.0");
    }

    #[test]
    fn changes_carry_an_arrow_a_sign_and_a_tone() {
        let up = Change::count(5, Better::Lower);
        assert_eq!((up.text.as_str(), up.tone), ("▲ +5", "bad"));
        let down = Change::count(-2, Better::Lower);
        assert_eq!((down.text.as_str(), down.tone), ("▼ −2", "good"));
        let flat = Change::count(0, Better::Higher);
        assert_eq!((flat.text.as_str(), flat.tone), ("±0", "flat"));
        let rate = Change::points(Some(0.025), "pp", Better::Higher);
        assert_eq!(rate.map(|c| c.text), Some("▲ +2.5 pp".to_owned()));
        let tiny = Change::points(Some(-0.0004), "pp", Better::Higher);
        assert_eq!(tiny.map(|c| c.tone), Some("flat"));
        assert_eq!(Change::points(None, "pp", Better::Higher), None);
    }

    #[test]
    fn money_reads_in_wan_yuan_in_chinese_and_whole_yuan_in_english() {
        use gridloop_core::Locale::{En, ZhCn};
        assert_eq!(money(120_000_000, ZhCn), "120 万元");
        assert_eq!(money(12_500_000, ZhCn), "12.5 万元");
        assert_eq!(money(12_345_678, ZhCn), "12.35 万元");
        assert_eq!(money(0, ZhCn), "0 万元");
        assert_eq!(money(12_500_000, En), "CNY 125,000");
        assert_eq!(money(99, En), "CNY 1");
        assert_eq!(money(100_000_000_000, En), "CNY 1,000,000,000");
    }
}
