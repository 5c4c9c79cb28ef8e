//! How urgent a problem is, and how satisfied the verifier was with its fix.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::Rule;

/// An issue's priority. The SLA of a category is set per priority.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];
    /// The names [`Self::ALL`] goes by, in its order: what a parser accepts.
    pub const NAMES: &'static [&'static str] = &["low", "normal", "high", "urgent"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "priority",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

/// The verifier's satisfaction with a fix, 1 (very unsatisfied) to 5 (very satisfied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Satisfaction(u8);

impl Satisfaction {
    pub fn new(score: u8) -> Result<Self, ParseError> {
        if (1..=5).contains(&score) {
            Ok(Self(score))
        } else {
            Err(ParseError::new(
                "satisfaction",
                Rule::Range { min: 1, max: 5 },
            ))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Satisfaction {
    type Error = ParseError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Satisfaction> for u8 {
    fn from(value: Satisfaction) -> Self {
        value.0
    }
}

impl FromStr for Satisfaction {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n: u8 = s
            .trim()
            .parse()
            .map_err(|_| ParseError::new("satisfaction", Rule::Range { min: 1, max: 5 }))?;
        Self::new(n)
    }
}
