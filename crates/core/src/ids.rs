//! Numeric identifiers of stored things.
//!
//! Each is its own type so an enterprise id can never be passed where a unit id is meant; the
//! store assigns them, the core only carries them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::{Format, Rule};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps an id the store handed out. Ids are positive; zero and negatives never name a row.
            pub fn new(raw: i64) -> Result<Self, ParseError> {
                if raw > 0 {
                    Ok(Self(raw))
                } else {
                    Err(ParseError::new($what, Rule::Positive))
                }
            }

            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let trimmed = s.trim().trim_start_matches('#');
                let raw: i64 = trimmed
                    .parse()
                    .map_err(|_| ParseError::new($what, Rule::Format(Format::Id)))?;
                Self::new(raw)
            }
        }
    };
}

id_type!(
    /// An issue (问题/诉求).
    IssueId,
    "issue id"
);
id_type!(
    /// A user account.
    UserId,
    "user id"
);
id_type!(
    /// A grid (网格).
    GridId,
    "grid id"
);
id_type!(
    /// A vanguard post (先锋岗).
    PostId,
    "post id"
);
id_type!(
    /// An enterprise (链上企业).
    EnterpriseId,
    "enterprise id"
);
id_type!(
    /// A handling unit (承办单位).
    UnitId,
    "unit id"
);
id_type!(
    /// A problem category (问题类别).
    CategoryId,
    "category id"
);
id_type!(
    /// An industry chain (产业链).
    ChainId,
    "chain id"
);
id_type!(
    /// A stage of a chain (产业链环节).
    StageId,
    "stage id"
);
id_type!(
    /// A need or an offer (需求 / 供给).
    ListingId,
    "listing id"
);

id_type!(
    /// A matchmaking event (对接会), called a meeting in code (see `chain::meeting`).
    MeetingId,
    "meeting id"
);
id_type!(
    /// A match (对接) of two enterprises.
    MatchId,
    "match id"
);
