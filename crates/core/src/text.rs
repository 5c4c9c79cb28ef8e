//! Free text typed by people: titles, descriptions, reasons and notes.
//!
//! Each is trimmed once at the boundary and bounded, so a blank reason or a 2 MB title never
//! reaches the event log. Lengths count characters, not bytes: a Chinese title of 100 characters
//! is 300 bytes of UTF-8 and should still fit.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;

fn parse_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
    allow_empty: bool,
) -> Result<String, ParseError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() && !allow_empty {
        return Err(ParseError::new(field, "must not be empty"));
    }
    let chars = trimmed.chars().count();
    if chars > max_chars {
        return Err(ParseError::new(
            field,
            format!("is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ParseError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $allow_empty:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                parse_text($field, raw, $max, $allow_empty).map(Self)
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
    false
);
text_type!(
    /// The longer account of a problem. May be empty: on a phone in a factory yard the title is
    /// often all there is. 4,000 characters matches Open311's limit.
    Description,
    "description",
    4000,
    true
);
text_type!(
    /// Why someone rejected, returned, held, reworked or reopened an issue. Required for those
    /// actions so the next person in the loop knows what happened.
    Reason,
    "reason",
    1000,
    false
);
text_type!(
    /// A resolution note or a comment.
    Note,
    "note",
    4000,
    false
);
text_type!(
    /// A display name of a person or an organisation.
    Name,
    "name",
    100,
    false
);
