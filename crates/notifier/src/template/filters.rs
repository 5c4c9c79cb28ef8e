//! Filters the templates use beyond minijinja's built-ins.

use crate::policy::sms::is_gsm7;

/// `{{ issue.title | truncate_chars(12) }}`: at most `n` characters, the last one an ellipsis
/// when it cuts. The ellipsis is `…` for text that is UCS-2 anyway and `...` for GSM-7 text,
/// so shortening an English title never halves the room left in its SMS. `end` overrides it.
pub(super) fn truncate_chars(value: String, n: usize, end: Option<String>) -> String {
    if value.chars().count() <= n {
        return value;
    }
    let end = end.unwrap_or_else(|| if is_gsm7(&value) { "..." } else { "…" }.to_owned());
    let keep = n.saturating_sub(end.chars().count());
    let mut out: String = value.chars().take(keep).collect();
    // Words are separated by spaces only in alphabetic text; there a cut mid-word reads worse
    // than a shorter title, as long as at least half of it stays.
    let mid_word = value.chars().nth(keep).is_some_and(|c| !c.is_whitespace());
    if mid_word && value.is_ascii() {
        if let Some(space) = out.rfind(' ').filter(|&i| i >= keep / 2) {
            out.truncate(space);
        }
    }
    out.truncate(out.trim_end().len());
    out.push_str(&end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_left_alone() {
        assert_eq!(truncate_chars("路面破损".into(), 4, None), "路面破损");
    }

    #[test]
    fn chinese_is_cut_with_one_character_ellipsis() {
        assert_eq!(
            truncate_chars("园区东路路面被货车压坏".into(), 6, None),
            "园区东路路…"
        );
    }

    #[test]
    fn ascii_is_cut_with_three_dots_at_a_word_boundary() {
        assert_eq!(
            truncate_chars("Road surface broken".into(), 9, None),
            "Road..."
        );
        assert_eq!(
            truncate_chars("Road surface broken".into(), 16, None),
            "Road surface..."
        );
        assert_eq!(truncate_chars("Roadsurface".into(), 8, None), "Roads...");
    }

    #[test]
    fn the_ending_can_be_chosen() {
        assert_eq!(truncate_chars("abcdef".into(), 4, Some("~".into())), "abc~");
    }
}
