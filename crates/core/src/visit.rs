//! Weekly on-site visits (走访): a [`VisitPlan`], where one visit stands ([`VisitStatus`]),
//! and when things about a visit fall due.
//!
//! A plan ties an enterprise to a commissioner with a cron [`Schedule`] in a time zone. The
//! scheduler materialises each occurrence a fortnight ahead ([`occurrences_to_materialise`]),
//! reminds the commissioner [`reminder_at`] the occurrence, and marks the visit missed once
//! its window closes unlogged ([`miss`]); [`misses_in_a_row`] tells it when repeated misses
//! call for an escalation. Everything here is pure: the store keeps the visits and the
//! scheduler supplies `now`.
//!
//! # Visits follow the schedule, except on public holidays
//!
//! Occurrences are the cron schedule's, in the plan's zone, not the working calendar's: a
//! plan for Saturdays means Saturdays. But an occurrence whose local day (in the calendar's
//! zone) is a public holiday is not materialised: the enterprise and the commissioner are
//! off, and a visit that cannot happen must not count as missed and escalate. That week
//! simply has no planned visit. Make-up working days (调休) add nothing: a Monday plan does
//! not grow a visit on the Saturday that works as a Monday.
//!
//! # Windows
//!
//! A visit's window runs from its occurrence for the plan's `window_minutes` of wall-clock
//! time, `[occurrence, occurrence + window)`. A commissioner may check in (or log the visit in
//! one go) up to [`CHECK_IN_EARLY_MINUTES`] before the window opens, since arriving a little
//! early is normal, and until it closes. A visit still planned when its window closes is
//! missed; one checked in may be completed later, because the visit took place and only its
//! write-up is late.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{Calendar, DayKind};
use crate::error::ParseError;
use crate::rule::Rule;
use crate::schedule::Schedule;

/// How long a visit's window stays open unless configured: a morning.
pub const DEFAULT_WINDOW_MINUTES: u32 = 240;
/// How long before a visit the commissioner is reminded unless configured: a day.
pub const DEFAULT_REMINDER_LEAD_MINUTES: u32 = 24 * 60;
/// How early before its window opens a visit may be checked in.
pub const CHECK_IN_EARLY_MINUTES: u32 = 60;
/// How far ahead visits are materialised.
pub const MATERIALISE_HORIZON_DAYS: u32 = 14;
/// Consecutive missed visits of a plan that call for an escalation to the supervisors.
pub const ESCALATE_AFTER_MISSES: u32 = 2;

/// The most visits one call materialises: a plan that fires more often than this in a
/// fortnight is not a visit plan, and must not flood the store.
const MATERIALISE_CAP: usize = 100;
/// A window or reminder lead longer than a week overlaps the next weekly visit.
const MAX_MINUTES: u32 = 7 * 24 * 60;

/// A plan of recurring on-site visits (走访计划), for one enterprise and commissioner (whom
/// the store keeps alongside).
///
/// Always valid once built: the window is 1 minute to a week, the reminder lead at most a
/// week (0 reminds at the occurrence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawVisitPlan", into = "RawVisitPlan")]
pub struct VisitPlan {
    schedule: Schedule,
    window_minutes: u32,
    reminder_lead_minutes: u32,
    active: bool,
}

#[derive(Serialize, Deserialize)]
struct RawVisitPlan {
    schedule: Schedule,
    #[serde(default = "default_window")]
    window_minutes: u32,
    #[serde(default = "default_lead")]
    reminder_lead_minutes: u32,
    #[serde(default = "default_active")]
    active: bool,
}

fn default_window() -> u32 {
    DEFAULT_WINDOW_MINUTES
}

fn default_lead() -> u32 {
    DEFAULT_REMINDER_LEAD_MINUTES
}

fn default_active() -> bool {
    true
}

impl VisitPlan {
    pub fn new(
        schedule: Schedule,
        window_minutes: u32,
        reminder_lead_minutes: u32,
        active: bool,
    ) -> Result<Self, ParseError> {
        if !(1..=MAX_MINUTES).contains(&window_minutes) {
            return Err(ParseError::new(
                "window_minutes",
                Rule::Minutes {
                    min: 1,
                    max: MAX_MINUTES,
                },
            ));
        }
        if reminder_lead_minutes > MAX_MINUTES {
            return Err(ParseError::new(
                "reminder_lead_minutes",
                Rule::Minutes {
                    min: 0,
                    max: MAX_MINUTES,
                },
            ));
        }
        Ok(Self {
            schedule,
            window_minutes,
            reminder_lead_minutes,
            active,
        })
    }

    /// An active plan on `schedule` with the default window and reminder lead.
    pub fn on(schedule: Schedule) -> Self {
        Self {
            schedule,
            window_minutes: DEFAULT_WINDOW_MINUTES,
            reminder_lead_minutes: DEFAULT_REMINDER_LEAD_MINUTES,
            active: true,
        }
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub fn window_minutes(&self) -> u32 {
        self.window_minutes
    }

    pub fn reminder_lead_minutes(&self) -> u32 {
        self.reminder_lead_minutes
    }

    /// Whether visits are materialised at all; a paused plan keeps its visits already made.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The window of the visit at `occurrence`.
    pub fn window(&self, occurrence: DateTime<Utc>) -> VisitWindow {
        VisitWindow::new(occurrence, self.window_minutes)
    }

    /// When to remind the commissioner of the visit at `occurrence`.
    pub fn reminder_at(&self, occurrence: DateTime<Utc>) -> DateTime<Utc> {
        reminder_at(occurrence, self.reminder_lead_minutes)
    }
}

impl TryFrom<RawVisitPlan> for VisitPlan {
    type Error = ParseError;
    fn try_from(raw: RawVisitPlan) -> Result<Self, Self::Error> {
        Self::new(
            raw.schedule,
            raw.window_minutes,
            raw.reminder_lead_minutes,
            raw.active,
        )
    }
}

impl From<VisitPlan> for RawVisitPlan {
    fn from(plan: VisitPlan) -> Self {
        Self {
            schedule: plan.schedule,
            window_minutes: plan.window_minutes,
            reminder_lead_minutes: plan.reminder_lead_minutes,
            active: plan.active,
        }
    }
}

/// The occurrences of `plan` in `(from, from + horizon_days]` to store as planned visits,
/// oldest first: none for a paused plan, none on a public holiday of `calendar` (see the
/// module documentation), at most 100.
///
/// Meant to run repeatedly with `from` = now and [`MATERIALISE_HORIZON_DAYS`]; the store
/// deduplicates on (plan, occurrence), so overlapping runs are harmless.
pub fn occurrences_to_materialise(
    plan: &VisitPlan,
    calendar: &Calendar,
    from: DateTime<Utc>,
    horizon_days: u32,
) -> Vec<DateTime<Utc>> {
    if !plan.active {
        return Vec::new();
    }
    let Some(to) = from.checked_add_signed(Duration::days(i64::from(horizon_days))) else {
        return Vec::new();
    };
    plan.schedule
        .occurrences_between(from, to, MATERIALISE_CAP)
        .into_iter()
        .filter(|t| {
            let day = t.with_timezone(&calendar.tz()).date_naive();
            !matches!(calendar.kind_of_day(day), DayKind::Holiday { .. })
        })
        .collect()
}

/// `lead_minutes` of wall-clock time before `occurrence`.
pub fn reminder_at(occurrence: DateTime<Utc>, lead_minutes: u32) -> DateTime<Utc> {
    occurrence - Duration::minutes(i64::from(lead_minutes))
}

/// The end of a visit's window: `window_minutes` of wall-clock time after `occurrence`.
pub fn window_end(occurrence: DateTime<Utc>, window_minutes: u32) -> DateTime<Utc> {
    occurrence + Duration::minutes(i64::from(window_minutes))
}

/// When one visit may be made: `[starts_at, ends_at)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VisitWindow {
    /// The occurrence.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl VisitWindow {
    pub fn new(occurrence: DateTime<Utc>, window_minutes: u32) -> Self {
        Self {
            starts_at: occurrence,
            ends_at: window_end(occurrence, window_minutes),
        }
    }

    /// The earliest a visit may be checked in: [`CHECK_IN_EARLY_MINUTES`] before it starts.
    pub fn opens_at(&self) -> DateTime<Utc> {
        reminder_at(self.starts_at, CHECK_IN_EARLY_MINUTES)
    }

    fn admits(&self, now: DateTime<Utc>) -> Result<(), VisitError> {
        if now < self.opens_at() {
            Err(VisitError::TooEarly {
                opens_at: self.opens_at(),
            })
        } else if now >= self.ends_at {
            Err(VisitError::WindowClosed {
                closed_at: self.ends_at,
            })
        } else {
            Ok(())
        }
    }
}

/// Where one visit (走访) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// Materialised from the plan, not yet made.
    Planned,
    /// The commissioner is on site.
    CheckedIn,
    /// Made and logged.
    Completed,
    /// The window closed without the visit being made.
    Missed,
}

impl VisitStatus {
    pub const ALL: [VisitStatus; 4] = [
        Self::Planned,
        Self::CheckedIn,
        Self::Completed,
        Self::Missed,
    ];
    /// The names [`Self::ALL`] goes by, in its order: what a parser accepts.
    pub const NAMES: &'static [&'static str] = &["planned", "checked_in", "completed", "missed"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::CheckedIn => "checked_in",
            Self::Completed => "completed",
            Self::Missed => "missed",
        }
    }
}

impl fmt::Display for VisitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VisitStatus {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "visit status",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

/// Why a visit cannot move as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum VisitError {
    #[error("no such transition: cannot {action} a visit that is {status}")]
    NoSuchTransition {
        action: &'static str,
        status: VisitStatus,
    },
    #[error("too early: check-in opens at {opens_at}")]
    TooEarly { opens_at: DateTime<Utc> },
    #[error("the visit's window closed at {closed_at}: it is missed")]
    WindowClosed { closed_at: DateTime<Utc> },
    #[error("the visit's window is open until {closes_at}")]
    StillOpen { closes_at: DateTime<Utc> },
}

/// The commissioner arrives: a planned visit, from [`CHECK_IN_EARLY_MINUTES`] before its
/// window until the window closes, becomes checked in.
pub fn check_in(
    status: VisitStatus,
    now: DateTime<Utc>,
    window: &VisitWindow,
) -> Result<VisitStatus, VisitError> {
    if status != VisitStatus::Planned {
        return Err(VisitError::NoSuchTransition {
            action: "check in",
            status,
        });
    }
    window.admits(now)?;
    Ok(VisitStatus::CheckedIn)
}

/// The visit is logged. A checked-in visit may be completed at any time after (the visit took
/// place in its window); a planned one, logged in one step, only while check-in is possible:
/// after the window it is missed, not completed.
pub fn complete(
    status: VisitStatus,
    now: DateTime<Utc>,
    window: &VisitWindow,
) -> Result<VisitStatus, VisitError> {
    match status {
        VisitStatus::CheckedIn => Ok(VisitStatus::Completed),
        VisitStatus::Planned => {
            window.admits(now)?;
            Ok(VisitStatus::Completed)
        }
        VisitStatus::Completed | VisitStatus::Missed => Err(VisitError::NoSuchTransition {
            action: "complete",
            status,
        }),
    }
}

/// The scheduler closes a window: a visit still planned at `window_end` is missed. A
/// checked-in visit is never missed.
pub fn miss(
    status: VisitStatus,
    now: DateTime<Utc>,
    window_end: DateTime<Utc>,
) -> Result<VisitStatus, VisitError> {
    if status != VisitStatus::Planned {
        return Err(VisitError::NoSuchTransition {
            action: "miss",
            status,
        });
    }
    if now < window_end {
        return Err(VisitError::StillOpen {
            closes_at: window_end,
        });
    }
    Ok(VisitStatus::Missed)
}

/// How many of a plan's most recent visits in a row were missed, given their statuses newest
/// first. Visits still planned (upcoming, or not yet marked) are passed over; the run ends at
/// the first visit that was made (checked in or completed).
///
/// The scheduler escalates when this reaches [`ESCALATE_AFTER_MISSES`].
pub fn misses_in_a_row(recent_newest_first: impl IntoIterator<Item = VisitStatus>) -> u32 {
    let run = recent_newest_first
        .into_iter()
        .filter(|&s| s != VisitStatus::Planned)
        .take_while(|&s| s == VisitStatus::Missed)
        .count();
    u32::try_from(run).unwrap_or(u32::MAX)
}
