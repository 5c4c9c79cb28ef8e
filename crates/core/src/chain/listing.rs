//! Needs and offers (需求 / 供给): what an enterprise seeks or can provide, posted for others
//! along the chain to find, valid until a date.
//!
//! A listing is stored open or withdrawn; *expired* is never stored but read: an open listing
//! whose valid-until date has passed is expired from the next day on, whether or not a job has
//! looked at it. So a listing is never shown as open after its date, and no job has to run on
//! time for that to hold.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::tag::TagKind;
use crate::error::ParseError;
use crate::rule::Rule;

/// How far ahead a listing may be valid: a year (366 days, so "the same day next year" fits
/// in a leap year too). Needs and offers older than that are stale, and are posted again.
pub const MAX_DAYS_VALID: u64 = 366;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, [$($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant),+];
            /// The names [`Self::ALL`] goes by, in its order: what a parser accepts.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s.trim())
                    .ok_or_else(|| ParseError::new($field, Rule::OneOf { allowed: Self::NAMES }))
            }
        }
    };
}

// Shared with the sibling modules (matches' statuses and actions, meetings' states).
pub(crate) use named_enum;

named_enum!(
    /// Whether a listing seeks something or provides it.
    Side,
    "side",
    [
        /// 需求: the enterprise seeks it.
        Need = "need",
        /// 供给: the enterprise can provide it.
        Offer = "offer",
    ]
);

named_enum!(
    /// What a listing is about.
    ListingKind,
    "kind",
    [
        /// A supplier of a material or part (or, offered, the supply itself).
        Supplier = "supplier",
        /// A buyer for by-products and scrap (边角料, dross), or, offered, the buying.
        ByproductBuyer = "byproduct_buyer",
        /// Production capacity: machines, lines, furnaces.
        Capacity = "capacity",
        /// Technology, know-how, a process.
        Technology = "technology",
        /// Workers.
        Labour = "labour",
        /// Transport and storage.
        Logistics = "logistics",
    ]
);

impl ListingKind {
    /// Which of an enterprise's tags can meet a need of this kind: a supplier is found by what
    /// it makes, a buyer of by-products by what it uses up or can process, capacity, know-how,
    /// workers and transport by what it can do. (A firm that *uses* ADC12 is no supplier of it.)
    pub fn met_by(self) -> &'static [TagKind] {
        match self {
            Self::Supplier => &[TagKind::Product],
            Self::ByproductBuyer => &[TagKind::Material, TagKind::Capability],
            Self::Capacity | Self::Technology | Self::Labour | Self::Logistics => {
                &[TagKind::Capability]
            }
        }
    }
}

named_enum!(
    /// Where a listing stands on a given day.
    ListingStatus,
    "status",
    [
        /// Posted and within its validity.
        Open = "open",
        /// Past its valid-until date (read, never stored).
        Expired = "expired",
        /// Taken back by someone who may.
        Withdrawn = "withdrawn",
    ]
);

impl ListingStatus {
    /// The status on `today` of a listing stored as withdrawn or not, valid until
    /// `valid_until` (the last day it is open).
    pub fn on(withdrawn: bool, valid_until: NaiveDate, today: NaiveDate) -> Self {
        if withdrawn {
            Self::Withdrawn
        } else if valid_until < today {
            Self::Expired
        } else {
            Self::Open
        }
    }
}

/// The last day a listing is open: after the day it is posted, at most [`MAX_DAYS_VALID`]
/// days ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidUntil(NaiveDate);

impl ValidUntil {
    /// The earliest and latest dates a listing posted on `today` may be valid until.
    pub fn bounds(today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let min = today.checked_add_days(Days::new(1)).unwrap_or(today);
        let max = today
            .checked_add_days(Days::new(MAX_DAYS_VALID))
            .unwrap_or(today);
        (min, max)
    }

    /// A date typed by someone posting on `today`.
    pub fn parse(date: NaiveDate, today: NaiveDate) -> Result<Self, ParseError> {
        let (min, max) = Self::bounds(today);
        if date < min || date > max {
            return Err(ParseError::new(
                "valid_until",
                Rule::DateBetween { min, max },
            ));
        }
        Ok(Self(date))
    }

    /// A date read back from storage (checked when it was posted; it may have passed since).
    pub fn from_stored(date: NaiveDate) -> Self {
        Self(date)
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for ValidUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format("%Y-%m-%d").fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn valid_until_lies_after_today_and_within_a_year() {
        let today = day("2026-12-06");
        assert!(ValidUntil::parse(today, today).is_err());
        assert!(ValidUntil::parse(day("2026-12-07"), today).is_ok());
        assert!(ValidUntil::parse(day("2027-12-07"), today).is_ok());
        let e = ValidUntil::parse(day("2027-12-08"), today).unwrap_err();
        assert_eq!(e.field(), "valid_until");
    }

    #[test]
    fn an_open_listing_expires_the_day_after_its_date() {
        let until = day("2026-12-31");
        assert_eq!(
            ListingStatus::on(false, until, day("2026-12-31")),
            ListingStatus::Open
        );
        assert_eq!(
            ListingStatus::on(false, until, day("2027-01-01")),
            ListingStatus::Expired
        );
        assert_eq!(
            ListingStatus::on(true, until, day("2026-12-01")),
            ListingStatus::Withdrawn
        );
    }

    #[test]
    fn a_supplier_is_found_by_what_it_makes_and_a_buyer_by_what_it_uses_up() {
        assert_eq!(ListingKind::Supplier.met_by(), [TagKind::Product]);
        assert!(ListingKind::ByproductBuyer
            .met_by()
            .contains(&TagKind::Material));
        assert!(!ListingKind::Supplier.met_by().contains(&TagKind::Material));
    }

    #[test]
    fn kinds_parse_from_their_names() {
        assert_eq!(
            "byproduct_buyer".parse::<ListingKind>().unwrap(),
            ListingKind::ByproductBuyer
        );
        assert!("scrap".parse::<ListingKind>().is_err());
        assert_eq!("offer".parse::<Side>().unwrap(), Side::Offer);
    }
}
