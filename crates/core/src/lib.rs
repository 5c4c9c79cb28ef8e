//! gridloop's pure domain: the types, the issue lifecycle and the working-time maths.
//!
//! Nothing here does I/O. Time comes in as `now`; decisions come out as data (events and
//! effects) for the store and the workers to act on. That keeps every rule testable with plain
//! values and lets a property test drive thousands of lifecycles a second.
//!
//! # Layout
//!
//! - [`ids`]: typed numeric ids of stored things.
//! - [`text`], [`contact`], [`code`], [`credit_code`], [`priority`], [`client_key`]: values
//!   parsed once at the boundary (titles, reasons, logins, phone numbers, emails, codes, an
//!   enterprise's unified social credit code, priority, satisfaction, a report's idempotency
//!   key).
//! - [`dates`]: the span of years dates, weeks and instants from outside must fall in.
//! - [`status`], [`role`]: where an issue stands; who may see and act on it.
//! - [`locale`]: the languages people read gridloop in (zh-CN, en).
//! - [`action`]: what people ask to do, with the fields each action needs.
//! - [`event`], [`effect`]: what happened (immutable history) and what must happen next.
//! - [`notification`]: what a notification is about and the channel it goes out on.
//! - [`issue`]: the projection of an issue's events.
//! - [`lifecycle`]: the transition table and the [`Workflow`] that decides each step;
//!   [`lifecycle_table`]: the same table written out for people (`docs/lifecycle.md`).
//! - [`sla`], [`calendar`]: deadlines in working minutes on a working calendar;
//!   [`recompute`]: open deadlines laid out again when the calendar changes.
//! - [`escalation`]: each category's escalation ladder, and the reminder and escalation timers
//!   of a deadline watch.
//! - [`schedule`]: cron schedules in a time zone, their DST rule and the misfire policy.
//! - [`visit`]: weekly on-site visit plans, a visit's status, windows and reminders.
//! - [`report`]: the weekly report's indicators, folded from issue histories.
//! - [`chain`]: the industry chain's matchmaking: stages, enterprises' chain positions, needs
//!   and offers, character bigrams for Chinese search, and the ranking of suggested matches.
//! - [`rule`]: what a piece of input broke ([`Rule`], [`Format`]), as data for each front
//!   end to say in its reader's language.
//! - [`error`]: parse and transition errors, and the preconditions an action may fail.

pub mod action;
pub mod calendar;
pub mod chain;
pub mod client_key;
pub mod code;
pub mod contact;
pub mod credit_code;
pub mod dates;
pub mod effect;
pub mod error;
pub mod escalation;
pub mod event;
pub mod ids;
pub mod issue;
pub mod lifecycle;
pub mod lifecycle_table;
pub mod locale;
pub mod notification;
pub mod priority;
pub mod recompute;
pub mod report;
pub mod role;
pub mod rule;
pub mod schedule;
pub mod sla;
pub mod status;
pub mod text;
pub mod visit;

pub use action::{Action, ActionFields, ActionKind};
pub use calendar::{Calendar, CalendarError, CalendarYear, DayKind, WorkingHours};
pub use client_key::ClientKey;
pub use code::Code;
pub use contact::{ContactPhone, Email, Login, Phone};
pub use credit_code::CreditCode;
pub use effect::{Audience, Effect};
pub use error::{EscalationRefused, ParseError, Precondition, TransitionError};
pub use escalation::{
    plan_timers, working_day_minutes, Deadline, EscalationLadder, Share, Step, Timer, TimerKind,
};
pub use event::{CalendarChange, Change, DeadlineMove, Event, Source};
pub use ids::{
    CategoryId, ChainId, EnterpriseId, GridId, IssueId, ListingId, MatchId, PostId, StageId,
    UnitId, UserId,
};
pub use issue::{ExtensionRequest, Issue, ReplayError};
pub use lifecycle::{available_actions, may_take, Decision, Report, Workflow, RULES};
pub use notification::{Channel, NotificationKind};
pub use priority::{Priority, Satisfaction};
pub use report::{
    ChainCounts, ChainFact, ChainFactKind, ChainNames, ChainSection, ChainTrendLine, Counts, Delta,
    DocumentError, Durations, Escalations, Headline, Indicators, IsoWeek, IssueFacts, LeagueLine,
    LeagueRow, LeagueTable, Locale, NamedChainCounts, NamedSlice, Names, OverdueIssue, OverdueLine,
    Period, Rates, ReportError, ReportOptions, ReportScope, Slice, Times, Trend, TrendIndicators,
    TrendLine, TrendPoint, VisitCounts, Visits, WeeklyIndicators, WeeklyReport,
    DEFAULT_MIN_RESOLVED, OVERDUE_LIMIT, TREND_WEEKS,
};
pub use role::{Actor, Role, Scope};
pub use rule::{Format, Rule};
pub use schedule::{
    due_occurrences, CronExpr, CronField, CronProblem, Due, Fire, Misfire, Schedule, Skipped,
};
pub use sla::Sla;
pub use status::Status;
pub use text::{
    Description, ListingText, Name, Note, Quantity, Reason, ShortNote, Title, VisitNotes,
};
pub use visit::{
    check_in, complete, miss, misses_in_a_row, occurrences_to_materialise, reminder_at, window_end,
    VisitError, VisitPlan, VisitStatus, VisitWindow, ESCALATE_AFTER_MISSES,
};
