//! Short stable codes that admins give to reference data (`power`, `roads`, `g1`), used on the
//! command line and in URLs instead of numeric ids.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::{Format, Rule};

/// A code: 1–32 characters of lowercase ASCII letters, digits, `-` and `_`, starting with a
/// letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::parse_field("code", raw)
    }

    /// Parses with the field's own name in the error (`category`, `unit`, …).
    pub fn parse_field(field: &'static str, raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.is_empty() || s.len() > 32 {
            return Err(ParseError::new(field, Rule::Length { min: 1, max: 32 }));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            || s.starts_with(['-', '_'])
        {
            return Err(ParseError::new(field, Rule::Format(Format::Code)));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Code> for String {
    fn from(value: Code) -> Self {
        value.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
