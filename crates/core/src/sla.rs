//! Service-level terms (办理时限): how long a unit has to respond and to resolve.

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::Rule;

/// Response and resolution times in working minutes, counted from assignment on the working
/// calendar. One `Sla` is set per category and priority; the issue keeps a copy when assigned so
/// later edits to the category do not move deadlines already promised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawSla", into = "RawSla")]
pub struct Sla {
    response_minutes: u32,
    resolve_minutes: u32,
}

#[derive(Serialize, Deserialize)]
struct RawSla {
    response_minutes: u32,
    resolve_minutes: u32,
}

impl Sla {
    /// Working minutes in a year of the default calendar, rounded up: no sane SLA is longer.
    const MAX_MINUTES: u32 = 250 * 8 * 60;

    pub fn new(response_minutes: u32, resolve_minutes: u32) -> Result<Self, ParseError> {
        if response_minutes == 0 || resolve_minutes == 0 {
            return Err(ParseError::new("sla", Rule::SlaNotPositive));
        }
        if response_minutes > resolve_minutes {
            return Err(ParseError::new("sla", Rule::ResponseAfterResolution));
        }
        if resolve_minutes > Self::MAX_MINUTES {
            return Err(ParseError::new("sla", Rule::LongerThanWorkingYear));
        }
        Ok(Self {
            response_minutes,
            resolve_minutes,
        })
    }

    pub fn response_minutes(self) -> u32 {
        self.response_minutes
    }

    pub fn resolve_minutes(self) -> u32 {
        self.resolve_minutes
    }
}

impl TryFrom<RawSla> for Sla {
    type Error = ParseError;
    fn try_from(raw: RawSla) -> Result<Self, Self::Error> {
        Self::new(raw.response_minutes, raw.resolve_minutes)
    }
}

impl From<Sla> for RawSla {
    fn from(sla: Sla) -> Self {
        Self {
            response_minutes: sla.response_minutes,
            resolve_minutes: sla.resolve_minutes,
        }
    }
}
