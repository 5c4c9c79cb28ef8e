//! How many SMS segments a text costs, and the hard cap on it.
//!
//! A single SMS carries 140 bytes: 160 GSM-7 septets or 70 UCS-2 code units. Concatenated
//! messages lose room to the joining header (153 and 67 per part). One character outside the GSM
//! alphabet switches the whole message to UCS-2, which is why the English templates avoid curly
//! quotes and dashes, and why [`fit_sms`] picks an ellipsis that does not change the encoding.

use serde::{Deserialize, Serialize};

/// The most segments a notification may cost. Three keeps a Chinese message under 201
/// characters; gateways and handsets reassemble that reliably, and anything longer is a
/// template that should link to the issue instead of quoting it.
pub const MAX_SMS_SEGMENTS: u32 = 3;

/// How a text goes over the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsEncoding {
    /// The GSM 03.38 default alphabet (plus its extension table).
    Gsm7,
    /// Any other character: Chinese text, emoji, curly quotes, `…`.
    Ucs2,
}

impl SmsEncoding {
    /// Room in a message that fits one segment, and in each part of a concatenated one.
    fn capacity(self) -> (u32, u32) {
        match self {
            Self::Gsm7 => (160, 153),
            Self::Ucs2 => (70, 67),
        }
    }

    /// The ellipsis that marks a cut without changing the encoding.
    fn ellipsis(self) -> &'static str {
        match self {
            Self::Gsm7 => "...",
            Self::Ucs2 => "…",
        }
    }
}

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Characters that cost an escape septet plus their own.
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Septets a character costs in GSM-7, or `None` if it has no GSM-7 form.
fn gsm7_cost(c: char) -> Option<u32> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Whether every character of `text` has a GSM-7 form.
pub(crate) fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| gsm7_cost(c).is_some())
}

/// The encoding a text needs and the septets (GSM-7) or UTF-16 code units (UCS-2) it costs.
fn measure(text: &str) -> (SmsEncoding, u32) {
    let septets: Option<u32> = text.chars().map(gsm7_cost).sum();
    match septets {
        Some(n) => (SmsEncoding::Gsm7, n),
        None => (SmsEncoding::Ucs2, text.encode_utf16().count() as u32),
    }
}

fn segments_for(encoding: SmsEncoding, units: u32) -> u32 {
    let (single, part) = encoding.capacity();
    if units <= single {
        1
    } else {
        units.div_ceil(part)
    }
}

/// The encoding a text needs and how many segments it costs. An empty text still costs one:
/// a gateway bills the message, not its content.
pub fn sms_segments(text: &str) -> (SmsEncoding, u32) {
    let (encoding, units) = measure(text);
    (encoding, segments_for(encoding, units))
}

/// Cuts `text` to fit `max_segments`, ending it with an ellipsis, and says whether it cut.
///
/// Cutting, rather than refusing, is deliberate: the signature and the issue number come
/// first in every template, so a shortened message still tells the recipient what to open,
/// while a refused one tells them nothing.
pub fn fit_sms(text: &str, max_segments: u32) -> (String, bool) {
    let (encoding, units) = measure(text);
    if segments_for(encoding, units) <= max_segments {
        return (text.to_owned(), false);
    }
    let (_, part) = encoding.capacity();
    let ellipsis = encoding.ellipsis();
    let budget = part * max_segments.max(1) - measure(ellipsis).1;
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        let cost = match encoding {
            SmsEncoding::Gsm7 => gsm7_cost(c).unwrap_or(1),
            SmsEncoding::Ucs2 => c.len_utf16() as u32,
        };
        if used + cost > budget {
            break;
        }
        used += cost;
        out.push(c);
    }
    let mut out = out.trim_end().to_owned();
    out.push_str(ellipsis);
    (out, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_text_is_gsm7_with_160_in_one_segment() {
        assert_eq!(sms_segments(&"a".repeat(160)), (SmsEncoding::Gsm7, 1));
        assert_eq!(sms_segments(&"a".repeat(161)), (SmsEncoding::Gsm7, 2));
        assert_eq!(sms_segments(&"a".repeat(306)), (SmsEncoding::Gsm7, 2));
        assert_eq!(sms_segments(&"a".repeat(307)), (SmsEncoding::Gsm7, 3));
    }

    #[test]
    fn extension_characters_cost_two_septets() {
        assert_eq!(sms_segments(&"€".repeat(80)), (SmsEncoding::Gsm7, 1));
        assert_eq!(sms_segments(&"[".repeat(81)), (SmsEncoding::Gsm7, 2));
    }

    #[test]
    fn one_chinese_character_switches_to_ucs2_limits() {
        assert_eq!(sms_segments(&"字".repeat(70)), (SmsEncoding::Ucs2, 1));
        assert_eq!(sms_segments(&"字".repeat(71)), (SmsEncoding::Ucs2, 2));
        assert_eq!(sms_segments(&"字".repeat(201)), (SmsEncoding::Ucs2, 3));
        assert_eq!(sms_segments(&"字".repeat(202)), (SmsEncoding::Ucs2, 4));
        let mixed = format!("{}字", "a".repeat(69));
        assert_eq!(sms_segments(&mixed), (SmsEncoding::Ucs2, 1));
    }

    #[test]
    fn curly_quotes_and_the_unicode_ellipsis_are_not_gsm7() {
        assert_eq!(sms_segments("it’s").0, SmsEncoding::Ucs2);
        assert_eq!(sms_segments("wait…").0, SmsEncoding::Ucs2);
        assert_eq!(sms_segments("Gebühr 5€ @home").0, SmsEncoding::Gsm7);
    }

    #[test]
    fn emoji_count_as_two_ucs2_code_units() {
        assert_eq!(sms_segments(&"😀".repeat(35)), (SmsEncoding::Ucs2, 1));
        assert_eq!(sms_segments(&"😀".repeat(36)), (SmsEncoding::Ucs2, 2));
    }

    #[test]
    fn an_empty_text_still_costs_one_segment() {
        assert_eq!(sms_segments(""), (SmsEncoding::Gsm7, 1));
    }

    #[test]
    fn fitting_leaves_short_texts_alone() {
        assert_eq!(
            fit_sms("【园区】你好", 3),
            ("【园区】你好".to_owned(), false)
        );
    }

    #[test]
    fn fitting_cuts_chinese_text_to_three_segments_with_an_ellipsis() {
        let (text, cut) = fit_sms(&"字".repeat(500), 3);
        assert!(cut);
        assert!(text.ends_with('…'));
        assert_eq!(text.chars().count(), 201);
        assert_eq!(sms_segments(&text), (SmsEncoding::Ucs2, 3));
    }

    #[test]
    fn fitting_gsm7_text_uses_three_dots_so_the_encoding_stays_gsm7() {
        let (text, cut) = fit_sms(&"word ".repeat(200), 3);
        assert!(cut);
        assert!(text.ends_with("..."));
        assert_eq!(sms_segments(&text), (SmsEncoding::Gsm7, 3));
    }

    #[test]
    fn fitting_never_splits_a_surrogate_pair() {
        let (text, _) = fit_sms(&"😀".repeat(150), 3);
        assert_eq!(sms_segments(&text), (SmsEncoding::Ucs2, 3));
        assert_eq!(text.chars().filter(|c| *c == '😀').count(), 100);
    }
}
