//! Free text typed by people: titles, names, descriptions, reasons and notes.
//!
//! Each is trimmed once at the boundary and bounded, so a blank reason or a 2 MB title never
//! reaches the event log. Lengths count characters, not bytes: a Chinese title of 100 characters
//! is 300 bytes of UTF-8 and should still fit.
//!
//! Titles and names are one line ([`Lines::One`]): they head worklists, SMS texts, CSV cells
//! and email subjects, where a line break forges a line of its own and a TAB shifts a column.
//! Descriptions, reasons and notes may hold paragraphs ([`Lines::Many`]): line breaks and TABs,
//! with a browser's CRLF stored as LF. Neither kind may hold the other control characters, nor
//! the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which
//! make text display in an order other than the one stored: `invoice.exe` shown as
//! `exe.eciovni`, or a "resolved" note that reads otherwise on screen (the "Trojan Source"
//! trick). Text stored before these rules is not rewritten.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::Rule;

/// Whether a kind of text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A single line: no control character at all, nor a Unicode line or paragraph separator.
    One,
    /// Paragraphs: line feeds and TABs allowed; a CR, alone or in CRLF, is stored as LF.
    Many,
}

/// The Unicode bidirectional formatting characters that reorder what follows them: the
/// embeddings and overrides LRE, RLE, PDF, LRO, RLO (U+202A–U+202E) and the isolates LRI, RLI,
/// FSI, PDI (U+2066–U+2069). The implicit marks (LRM, RLM, ALM) only nudge neutral characters
/// and stay allowed, as right-to-left names need them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Why `c` may not appear in text of this kind, if it may not.
fn refusal(c: char, lines: Lines) -> Option<Rule> {
    if is_bidi_control(c) {
        return Some(Rule::BidiOverride);
    }
    match lines {
        Lines::One if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => Some(Rule::OneLine),
        Lines::Many if c.is_control() && c != '\n' && c != '\t' => {
            Some(Rule::ControlCharacterBesidesLineBreaks)
        }
        _ => None,
    }
}

/// Checks `raw` (already trimmed and normalised) against the rules of its kind.
pub fn check(field: &'static str, raw: &str, lines: Lines) -> Result<(), ParseError> {
    match raw.chars().find_map(|c| refusal(c, lines)) {
        Some(rule) => Err(ParseError::new(field, rule)),
        None => Ok(()),
    }
}

/// Text read back from the database or the event log. It was checked when it was written,
/// possibly under earlier rules (before titles were held to one line, a TAB was allowed), so
/// it is held only to what always held: bounded, and no control characters besides line
/// breaks and TAB. Stored text is not rewritten; reading it must not fail.
fn check_stored(field: &'static str, raw: &str) -> Result<(), ParseError> {
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(ParseError::new(
            field,
            Rule::ControlCharacterBesidesLineBreaks,
        ));
    }
    Ok(())
}

/// Where text comes from: typed by someone now, or read back as stored.
#[derive(Debug, Clone, Copy)]
enum Source {
    Input(Lines),
    Stored,
}

/// The bounds every text is held to, input or stored: not blank (unless it may be empty), and
/// at most `max_chars` characters. `trimmed` is already trimmed.
fn check_bounds(
    field: &'static str,
    trimmed: &str,
    max_chars: usize,
    allow_empty: bool,
) -> Result<(), ParseError> {
    if trimmed.is_empty() && !allow_empty {
        return Err(ParseError::new(field, Rule::Blank));
    }
    if trimmed.chars().count() > max_chars {
        return Err(ParseError::new(field, Rule::TooLong { max: max_chars }));
    }
    Ok(())
}

fn parse_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
    allow_empty: bool,
    source: Source,
) -> Result<String, ParseError> {
    let trimmed = raw.trim();
    check_bounds(field, trimmed, max_chars, allow_empty)?;
    match source {
        Source::Stored => {
            check_stored(field, trimmed)?;
            Ok(trimmed.to_owned())
        }
        Source::Input(lines) => {
            // Browsers send a textarea's line breaks as CRLF: one line break each, stored as
            // LF. A lone CR (a return to the line's start on a terminal) is a line break too.
            let text = match lines {
                Lines::Many if trimmed.contains('\r') => {
                    trimmed.replace("\r\n", "\n").replace('\r', "\n")
                }
                _ => trimmed.to_owned(),
            };
            check(field, &text, lines)?;
            Ok(text)
        }
    }
}

/// Stored text, checked as [`parse_text`] checks it and kept as it is when there is nothing to
/// trim, which is nearly always: reading a page of issues copied every title and description
/// once more only to drop the first copy (issue 17).
fn stored_text(
    field: &'static str,
    raw: String,
    max_chars: usize,
    allow_empty: bool,
) -> Result<String, ParseError> {
    if raw.trim().len() != raw.len() {
        return parse_text(field, &raw, max_chars, allow_empty, Source::Stored);
    }
    check_bounds(field, &raw, max_chars, allow_empty)?;
    check_stored(field, &raw)?;
    Ok(raw)
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $allow_empty:expr, $lines:expr) => {
        $(#[$doc])*
        ///
        /// Parsed from input with `parse` (or `TryFrom<String>`); read back from storage with
        /// `from_stored` (and `Deserialize`, for the event log), which accepts what earlier
        /// rules let in.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;
            /// Whether this text may span lines.
            pub const LINES: Lines = $lines;

            /// Text typed by someone: trimmed, bounded, and held to this kind's rules.
            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                parse_text($field, raw, $max, $allow_empty, Source::Input($lines)).map(Self)
            }

            /// Text read back from the database, written under this or an earlier rule. A
            /// `String` the caller gives up is kept as it is, not copied, when there is
            /// nothing to trim.
            pub fn from_stored(raw: impl Into<String>) -> Result<Self, ParseError> {
                stored_text($field, raw.into(), $max, $allow_empty).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::from_stored(raw).map_err(serde::de::Error::custom)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// An issue's one-line summary, as it appears in worklists and SMS.
    Title,
    "title",
    200,
    false,
    Lines::One
);
text_type!(
    /// The longer account of a problem. May be empty: on a phone in a factory yard the title is
    /// often all there is. 4,000 characters matches Open311's limit.
    Description,
    "description",
    4000,
    true,
    Lines::Many
);
text_type!(
    /// Why someone rejected, returned, held, reworked or reopened an issue. Required for those
    /// actions so the next person in the loop knows what happened.
    Reason,
    "reason",
    1000,
    false,
    Lines::Many
);
text_type!(
    /// A resolution note or a comment.
    Note,
    "note",
    4000,
    false,
    Lines::Many
);
text_type!(
    /// What a commissioner logs of a visit. May be empty: a visit with nothing to note.
    VisitNotes,
    "notes",
    4000,
    true,
    Lines::Many
);
text_type!(
    /// A display name of a person or an organisation.
    Name,
    "name",
    100,
    false,
    Lines::One
);

text_type!(
    /// A short note on a match (对接): how it came about, what was agreed.
    ShortNote,
    "note",
    500,
    false,
    Lines::Many
);
text_type!(
    /// What a need or an offer (供需) is about, beyond its title: what, how much of it, where,
    /// on what terms. Required: a listing that says nothing cannot be matched.
    ListingText,
    "text",
    2000,
    false,
    Lines::Many
);
text_type!(
    /// How much of something a need or an offer is about, as people say it ("每月约 30 吨",
    /// "two lorries a week"): free text, since units and ranges vary too much for a number.
    Quantity,
    "quantity",
    100,
    false,
    Lines::One
);

text_type!(
    /// What a matchmaking meeting (对接会) is about, in one line ("铝边角料回收与再生合金对接会"):
    /// what invitations, lists and SMS show, and what its invitees are suggested by.
    Theme,
    "theme",
    200,
    false,
    Lines::One
);
text_type!(
    /// Where a matchmaking meeting is held, in one line (a hall, an address).
    Place,
    "place",
    100,
    false,
    Lines::One
);

#[cfg(test)]
mod tests {
    use super::*;

    const BIDI: [char; 9] = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}',
    ];

    #[test]
    fn titles_and_names_are_one_line() {
        for bad in [
            "a\nb",
            "a\rb",
            "a\r\nb",
            "a\tb",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{7}b",
            "a\u{85}b",
        ] {
            let e = Title::parse(bad).unwrap_err();
            assert_eq!(e.field(), "title", "{bad:?}");
            assert!(Name::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Title::parse("  厂区道路破损 ").unwrap().as_str(),
            "厂区道路破损"
        );
        assert_eq!(Name::parse("Zhang Wei").unwrap().as_str(), "Zhang Wei");
    }

    #[test]
    fn no_text_holds_a_bidi_override_or_isolate() {
        for c in BIDI {
            let raw = format!("invoice{c}exe.pdf");
            assert!(Title::parse(&raw).is_err(), "title {c:?}");
            assert!(Name::parse(&raw).is_err(), "name {c:?}");
            assert!(Description::parse(&raw).is_err(), "description {c:?}");
            assert!(Note::parse(&raw).is_err(), "note {c:?}");
            assert!(Reason::parse(&raw).is_err(), "reason {c:?}");
        }
        // The implicit marks are not overrides: right-to-left names need them.
        assert!(Name::parse("\u{200F}שלום").is_ok());
    }

    #[test]
    fn paragraphs_keep_line_breaks_and_tabs_and_store_crlf_as_lf() {
        let d = Description::parse("第一行\r\n第二行\r第三行\n\t缩进").unwrap();
        assert_eq!(d.as_str(), "第一行\n第二行\n第三行\n\t缩进");
        assert_eq!(Note::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert_eq!(Reason::parse("a\tb").unwrap().as_str(), "a\tb");
        assert!(Note::parse("a\u{0}b").is_err());
        assert!(Note::parse("a\u{1b}[31mb").is_err());
    }

    #[test]
    fn stored_text_from_before_the_one_line_rule_still_reads() {
        // A title stored with a TAB before titles were held to one line.
        let old = Title::from_stored("旧\t标题").unwrap();
        assert_eq!(old.as_str(), "旧\t标题");
        let json = serde_json::to_string(&old).unwrap();
        let back: Title = serde_json::from_str(&json).unwrap();
        assert_eq!(back, old);
        // Input through serde's TryFrom is still held to the rule.
        assert!(Title::try_from("a\tb".to_owned()).is_err());
        assert!(Title::from_stored("a\u{0}b").is_err());
    }

    /// Stored text read without a copy reads exactly as the general path (`parse_text`, which
    /// trims into a new String) reads it: the same value, the same refusals.
    #[test]
    fn owned_stored_text_reads_as_borrowed_stored_text_does() {
        let long = "长".repeat(Title::MAX_CHARS + 1);
        let at_limit = "长".repeat(Title::MAX_CHARS);
        for raw in [
            "旧\t标题",
            "  padded title \n",
            "plain",
            "",
            "   ",
            "a\u{0}b",
            long.as_str(),
            at_limit.as_str(),
        ] {
            let general =
                parse_text("title", raw, Title::MAX_CHARS, false, Source::Stored).map(Title);
            assert_eq!(Title::from_stored(raw.to_owned()), general, "{raw:?}");
            assert_eq!(Title::from_stored(raw), general, "{raw:?}");
        }
        // Descriptions may be empty, notes may not.
        assert_eq!(
            Description::from_stored(String::new()),
            parse_text(
                "description",
                "",
                Description::MAX_CHARS,
                true,
                Source::Stored
            )
            .map(Description)
        );
        assert!(Note::from_stored(" ".to_owned()).is_err());
        assert_eq!(
            Note::from_stored(" kept \n".to_owned()).map(|n| n.as_str().to_owned()),
            Ok("kept".to_owned())
        );
    }
}
