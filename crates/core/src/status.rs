//! Where an issue stands in the loop.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::Rule;

/// An issue's state. The main line runs reported → accepted → assigned → in_progress → resolved →
/// closed; `on_hold`, `rejected` and `duplicate` are the side states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Reported,
    Accepted,
    Assigned,
    InProgress,
    OnHold,
    Resolved,
    Closed,
    Rejected,
    Duplicate,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Self::Reported,
        Self::Accepted,
        Self::Assigned,
        Self::InProgress,
        Self::OnHold,
        Self::Resolved,
        Self::Closed,
        Self::Rejected,
        Self::Duplicate,
    ];
    /// The names [`Self::ALL`] goes by, in its order: what a parser accepts.
    pub const NAMES: &'static [&'static str] = &[
        "reported",
        "accepted",
        "assigned",
        "in_progress",
        "on_hold",
        "resolved",
        "closed",
        "rejected",
        "duplicate",
    ];

    /// States in which someone still has work to do on the issue.
    pub const OPEN: [Status; 6] = [
        Self::Reported,
        Self::Accepted,
        Self::Assigned,
        Self::InProgress,
        Self::OnHold,
        Self::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Accepted => "accepted",
            Self::Assigned => "assigned",
            Self::InProgress => "in_progress",
            Self::OnHold => "on_hold",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Rejected => "rejected",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// States in which the resolution clock runs: the unit holds the issue and is not paused.
    pub fn sla_clock_runs(self) -> bool {
        matches!(self, Self::Assigned | Self::InProgress)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "status",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}
