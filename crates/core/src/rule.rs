//! What a piece of input broke, as data: the [`Rule`] a [`ParseError`](crate::ParseError)
//! carries, and the [`Format`] a value was expected in.
//!
//! A rule names the constraint, never the value typed: the front ends render it in the
//! reader's language (the API's problem details use the English [`Display`](fmt::Display)
//! below; the web has a zh-CN and an en text for every variant), and a rule that carried the
//! value would need escaping and masking wherever it is shown. The field it applies to is the
//! error's; a rule only says what was wrong with it. Limits (a maximum length, a range) are
//! part of the rule, because a person needs them to correct the input.

use std::fmt;

use crate::action::ActionKind;
use crate::priority::Priority;
use crate::role::Role;
use crate::schedule::CronProblem;

/// The rule a field's value broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Nothing was given where something must be.
    Required,
    /// Nothing was given that the action needs (`reason` to `reject`, …).
    RequiredFor { action: ActionKind },
    /// Given, but empty or only spaces.
    Blank,
    /// Longer than `max` characters.
    TooLong { max: usize },
    /// Shorter than `min` characters.
    TooShort { min: usize },
    /// Not `min` to `max` characters long.
    Length { min: usize, max: usize },
    /// More than `max` items in a list.
    TooMany { max: usize },
    /// A number too large to be held (a file's size).
    TooLarge,
    /// A line break, TAB or other control character where one line is expected.
    OneLine,
    /// A control character (line breaks and TAB included).
    ControlCharacter,
    /// A control character other than the line breaks and TAB that paragraphs may hold.
    ControlCharacterBesidesLineBreaks,
    /// A bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069).
    BidiOverride,
    /// Not one of a fixed set of names.
    OneOf { allowed: &'static [&'static str] },
    /// A whole number outside `min..=max`.
    Range { min: i64, max: i64 },
    /// A number of minutes outside `min..=max`.
    Minutes { min: u32, max: u32 },
    /// Zero or negative where only a positive number makes sense (an id).
    Positive,
    /// A date or instant whose year lies outside `min..=max`.
    Years { min: i32, max: i32 },
    /// Not in the shape the field expects.
    Format(Format),
    /// A code whose check character does not agree with the rest (a unified social credit
    /// code): in the right shape, but a character is mistyped.
    CheckCharacter,
    /// A code or id that names nothing stored.
    NoSuch,
    /// Given together with `other`, which excludes it.
    Exclusive { other: &'static str },
    /// Given without `other`, which goes with it.
    Together { other: &'static str },
    /// None of these (groups of) fields was given, and one is needed.
    AnyOf { fields: &'static [&'static str] },
    /// A local time that does not exist in the time zone (skipped by a DST change).
    NotInZone,
    /// An ISO week its year does not have (week 53 of a short year).
    NoSuchWeek,
    /// A period whose end does not come after its start.
    EndNotAfterStart,
    /// A user who does not hold `role` (or is not active).
    NeedsRole { role: Role },
    /// `report` given as an action: reporting creates an issue, it acts on none.
    NotAnAction,
    /// An SLA with a zero response or resolution time.
    SlaNotPositive,
    /// An SLA whose response time exceeds its resolution time.
    ResponseAfterResolution,
    /// A time longer than a working year (an SLA, an escalation step).
    LongerThanWorkingYear,
    /// A category without exactly one SLA for `priority`.
    OneSlaPerPriority { priority: Priority },
    /// A category with no SLA for the issue's `priority`, so none can be copied to it.
    NoSlaFor { priority: Priority },
    /// An escalation ladder without steps.
    LadderEmpty,
    /// A step on a level outside 1 to `max`.
    NoSuchLevel { max: u8 },
    /// A step whose level is not above the one before.
    LevelsMustIncrease,
    /// A step that waits less than the one below it.
    StepBeforePrevious,
    /// A cron line that does not parse, and why.
    Cron(CronProblem),
    /// A `fire_all` misfire policy with a cap of 0.
    MisfireCap,
    /// A job without a kind or without an attempt.
    JobIncomplete,
    /// A compare-and-set lost: the thing is `now` by now.
    Changed { now: &'static str },
    /// A retry of something that is `now`, where only the `retryable` states may be retried.
    NotRetryable {
        now: &'static str,
        retryable: &'static [&'static str],
    },
    /// A change that would leave the park without an active admin.
    LastAdmin,
    /// Something still referred to, so it cannot be removed (a chain's stage an enterprise
    /// holds).
    InUse,
    /// The same value as `other`, where the two must differ (an enterprise matched with
    /// itself).
    SameAs { other: &'static str },
    /// A matchmaking meeting one of the enterprises named was not invited to (a match said to
    /// be made there).
    NotInvited,
    /// An amount of money outside 0 to `max` yuan, or with more than two decimals' worth.
    Amount { max: i64 },
    /// A date outside `min..=max` (a listing's valid-until: after today, within a year).
    DateBetween {
        min: chrono::NaiveDate,
        max: chrono::NaiveDate,
    },
}

/// A shape a value may be expected in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A reference-data code: lowercase letters, digits, `-` and `_`.
    Code,
    /// A login name.
    Login,
    Email,
    /// A phone number in international form.
    Phone,
    /// A positive whole number naming a stored thing.
    Id,
    /// `2026-11-27`.
    Date,
    /// RFC 3339 with an offset: `2026-12-01T18:00:00+08:00`.
    DateTime,
    /// A date and time without an offset, read in the park's time zone: `2026-12-01T17:00`.
    LocalDateTime,
    /// An ISO week: `2026-W48`.
    Week,
    /// A time of day: `09:30`.
    Time,
    /// A crontab line.
    Cron,
    /// An IANA time zone name: `Asia/Shanghai`.
    TimeZone,
    /// A number.
    Number,
    /// A whole number of minutes.
    Minutes,
    /// `true` or `false`.
    Boolean,
    /// An HTTP entity tag as the API hands out (`"3"`).
    ETag,
    /// A page cursor this server handed out.
    Cursor,
    /// An `http` or `https` URL.
    Url,
    /// A SHA-256 digest as 64 lowercase hexadecimal digits.
    Sha256,
    /// A media type such as `image/jpeg`.
    ContentType,
    /// A database URL this build can open.
    DatabaseUrl,
    /// A unified social credit code (统一社会信用代码): 18 digits and capital letters.
    CreditCode,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required => f.write_str("is required"),
            Self::RequiredFor { action } => write!(f, "is required to {action}"),
            Self::Blank => f.write_str("must not be empty"),
            Self::TooLong { max } => write!(f, "is longer than {max} characters"),
            Self::TooShort { min } => write!(f, "is shorter than {min} characters"),
            Self::Length { min, max } => write!(f, "must be {min} to {max} characters long"),
            Self::TooMany { max } => write!(f, "holds more than {max} items"),
            Self::TooLarge => f.write_str("is too large"),
            Self::OneLine => {
                f.write_str("must be one line, without control characters (line breaks, TAB)")
            }
            Self::ControlCharacter => f.write_str("must not contain control characters"),
            Self::ControlCharacterBesidesLineBreaks => {
                f.write_str("must not contain control characters other than line breaks and TAB")
            }
            Self::BidiOverride => f.write_str(
                "must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)",
            ),
            Self::OneOf { allowed } => write!(f, "is not one of {}", allowed.join(", ")),
            Self::Range { min, max } => write!(f, "must be a whole number from {min} to {max}"),
            Self::Minutes { min, max } => write!(f, "must be from {min} to {max} minutes"),
            Self::Positive => f.write_str("must be a positive number"),
            Self::Years { min, max } => {
                write!(f, "is out of range: use a year from {min} to {max}")
            }
            Self::Format(format) => format.fmt(f),
            Self::CheckCharacter => f.write_str(
                "does not check: its last character does not agree with the others, so one of them is mistyped",
            ),
            Self::NoSuch => f.write_str("names nothing that exists"),
            Self::Exclusive { other } => write!(f, "cannot be given together with {other}"),
            Self::SameAs { other } => write!(f, "must be another than {other}"),
            Self::NotInvited => f.write_str("must be a meeting both enterprises were invited to"),
            Self::Amount { max } => write!(f, "must be an amount from 0 to {max} yuan"),
            Self::Together { other } => write!(f, "goes together with {other}: give both"),
            Self::AnyOf { fields } => write!(f, "needs one of {}", fields.join(", ")),
            Self::NotInZone => f.write_str("does not exist in the park's time zone"),
            Self::NoSuchWeek => {
                f.write_str("is not a week of its year (only long years have a week 53)")
            }
            Self::EndNotAfterStart => f.write_str("the end must come after the start"),
            Self::NeedsRole { role } => write!(f, "needs an active user with the role {role}"),
            Self::NotAnAction => {
                f.write_str("report creates a new issue; it is not an action on an existing one")
            }
            Self::SlaNotPositive => f.write_str("response and resolution times must be positive"),
            Self::ResponseAfterResolution => {
                f.write_str("the response time must not exceed the resolution time")
            }
            Self::LongerThanWorkingYear => f.write_str("is longer than a working year"),
            Self::OneSlaPerPriority { priority } => {
                write!(
                    f,
                    "the category needs exactly one SLA for priority {priority}"
                )
            }
            Self::NoSlaFor { priority } => {
                write!(f, "the category has no SLA for priority {priority}")
            }
            Self::LadderEmpty => f.write_str("a ladder needs at least one step"),
            Self::NoSuchLevel { max } => write!(f, "a step's level is not a level (1 to {max})"),
            Self::LevelsMustIncrease => f.write_str("levels must increase from step to step"),
            Self::StepBeforePrevious => {
                f.write_str("a level cannot come before the level below it (in working minutes)")
            }
            Self::Cron(problem) => problem.fmt(f),
            Self::MisfireCap => f.write_str("fire_all needs a cap of 1 or more"),
            Self::JobIncomplete => f.write_str("needs a kind and at least one attempt"),
            Self::Changed { now } => write!(f, "has changed meanwhile: it is {now} now"),
            Self::NotRetryable { now, retryable } => write!(
                f,
                "is {now}; only {} ones can be retried",
                retryable.join(" or ")
            ),
            Self::LastAdmin => {
                f.write_str("this would leave no active admin: make another user admin first")
            }
            Self::InUse => f.write_str("is still in use and cannot be removed"),
            Self::DateBetween { min, max } => write!(f, "must be a date from {min} to {max}"),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Code => "is not a code: use lowercase letters, digits, '-' and '_', starting with a letter or digit",
            Self::Login => "must start with a lowercase letter and hold only lowercase letters, digits, '-', '_' and '.'",
            Self::Email => "is not an email address (local@domain.tld)",
            Self::Phone => "must be a phone number in international form with a country code and 8 to 15 digits in all, e.g. +8613812345678",
            Self::Id => "is not an id (a positive whole number)",
            Self::Date => "is not a date like 2026-11-27",
            Self::DateTime => "is not an RFC 3339 time such as 2026-12-01T18:00:00+08:00",
            Self::LocalDateTime => "is not a date and time like 2026-12-01T17:00",
            Self::Week => "is not an ISO week like 2026-W48",
            Self::Time => "is not a time of day like 09:30",
            Self::Cron => "is not a cron line such as 0 9 * * MON",
            Self::TimeZone => "is not a time zone such as Asia/Shanghai",
            Self::Number => "is not a number",
            Self::Minutes => "must be a whole number of minutes",
            Self::Boolean => "is not true or false",
            Self::ETag => "must be one entity tag as returned in ETag, such as \"3\"",
            Self::Cursor => "is not a cursor this server handed out",
            Self::Url => "is not an http(s) URL",
            Self::Sha256 => "must be 64 lowercase hexadecimal digits",
            Self::ContentType => "must be a media type of 1 to 100 printable ASCII characters",
            Self::DatabaseUrl => "must start with sqlite: or postgres: (or postgresql:)",
            Self::CreditCode => "is not a unified social credit code: 18 digits and capital letters, without I, O, S, V and Z",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::CronField;

    #[test]
    fn limits_are_part_of_the_english_text() {
        assert_eq!(
            Rule::TooLong { max: 200 }.to_string(),
            "is longer than 200 characters"
        );
        assert_eq!(
            Rule::Length { min: 2, max: 32 }.to_string(),
            "must be 2 to 32 characters long"
        );
        assert_eq!(
            Rule::Range { min: 1, max: 500 }.to_string(),
            "must be a whole number from 1 to 500"
        );
        assert_eq!(
            Rule::Years {
                min: 2000,
                max: 2100
            }
            .to_string(),
            "is out of range: use a year from 2000 to 2100"
        );
        assert_eq!(
            Rule::OneOf {
                allowed: Priority::NAMES
            }
            .to_string(),
            "is not one of low, normal, high, urgent"
        );
        assert_eq!(
            Rule::RequiredFor {
                action: ActionKind::Reject
            }
            .to_string(),
            "is required to reject"
        );
        assert_eq!(
            Rule::NotRetryable {
                now: "completed",
                retryable: &["dead", "retryable"]
            }
            .to_string(),
            "is completed; only dead or retryable ones can be retried"
        );
        assert_eq!(
            Rule::Format(Format::Week).to_string(),
            "is not an ISO week like 2026-W48"
        );
        assert_eq!(
            Rule::Cron(CronProblem::StepZero {
                part: CronField::Minute
            })
            .to_string(),
            "minute: step must be at least 1"
        );
    }

    /// `OneOf` lists the names each parser really accepts.
    #[test]
    fn the_names_a_rule_lists_are_the_names_of_every_value() {
        use crate::{Locale, Status, VisitStatus};
        fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| name(*v)).collect()
        }
        assert_eq!(
            names(&ActionKind::ALL, ActionKind::as_str),
            ActionKind::NAMES
        );
        assert_eq!(names(&Locale::ALL, Locale::as_str), Locale::NAMES);
        assert_eq!(names(&Priority::ALL, Priority::as_str), Priority::NAMES);
        assert_eq!(names(&Role::ALL, Role::as_str), Role::NAMES);
        assert_eq!(names(&Status::ALL, Status::as_str), Status::NAMES);
        assert_eq!(
            names(&VisitStatus::ALL, VisitStatus::as_str),
            VisitStatus::NAMES
        );
        for name in Priority::NAMES {
            assert!(name.parse::<Priority>().is_ok());
        }
        let refused = "asap".parse::<Priority>().unwrap_err();
        assert_eq!(refused.field(), "priority");
        assert_eq!(
            refused.rule(),
            Rule::OneOf {
                allowed: Priority::NAMES
            }
        );
    }

    /// One of each format; the match fails to compile until a new variant is listed.
    fn every_format() -> Vec<Format> {
        let all = vec![
            Format::Code,
            Format::Login,
            Format::Email,
            Format::Phone,
            Format::Id,
            Format::Date,
            Format::DateTime,
            Format::LocalDateTime,
            Format::Week,
            Format::Time,
            Format::Cron,
            Format::TimeZone,
            Format::Number,
            Format::Minutes,
            Format::Boolean,
            Format::ETag,
            Format::Cursor,
            Format::Url,
            Format::Sha256,
            Format::ContentType,
            Format::DatabaseUrl,
            Format::CreditCode,
        ];
        for format in &all {
            match format {
                Format::Code
                | Format::Login
                | Format::Email
                | Format::Phone
                | Format::Id
                | Format::Date
                | Format::DateTime
                | Format::LocalDateTime
                | Format::Week
                | Format::Time
                | Format::Cron
                | Format::TimeZone
                | Format::Number
                | Format::Minutes
                | Format::Boolean
                | Format::ETag
                | Format::Cursor
                | Format::Url
                | Format::Sha256
                | Format::ContentType
                | Format::DatabaseUrl
                | Format::CreditCode => {}
            }
        }
        all
    }

    /// One of each rule but `Format` and `Cron`, which have their own lists; the match fails
    /// to compile until a new variant is listed.
    fn every_rule() -> Vec<Rule> {
        let all = vec![
            Rule::Required,
            Rule::RequiredFor {
                action: ActionKind::Reject,
            },
            Rule::Blank,
            Rule::TooLong { max: 200 },
            Rule::TooShort { min: 3 },
            Rule::Length { min: 2, max: 32 },
            Rule::TooMany { max: 100 },
            Rule::TooLarge,
            Rule::OneLine,
            Rule::ControlCharacter,
            Rule::ControlCharacterBesidesLineBreaks,
            Rule::BidiOverride,
            Rule::OneOf {
                allowed: Priority::NAMES,
            },
            Rule::Range { min: 1, max: 5 },
            Rule::Minutes { min: 1, max: 10 },
            Rule::Positive,
            Rule::Years {
                min: 2000,
                max: 2100,
            },
            Rule::NoSuch,
            Rule::Exclusive { other: "b" },
            Rule::Together { other: "long" },
            Rule::AnyOf {
                fields: &["lat and long", "address_string"],
            },
            Rule::NotInZone,
            Rule::NoSuchWeek,
            Rule::EndNotAfterStart,
            Rule::NeedsRole {
                role: Role::Commissioner,
            },
            Rule::NotAnAction,
            Rule::SlaNotPositive,
            Rule::ResponseAfterResolution,
            Rule::LongerThanWorkingYear,
            Rule::OneSlaPerPriority {
                priority: Priority::High,
            },
            Rule::NoSlaFor {
                priority: Priority::High,
            },
            Rule::LadderEmpty,
            Rule::NoSuchLevel { max: 3 },
            Rule::LevelsMustIncrease,
            Rule::StepBeforePrevious,
            Rule::MisfireCap,
            Rule::JobIncomplete,
            Rule::Changed { now: "completed" },
            Rule::NotRetryable {
                now: "completed",
                retryable: &["dead", "retryable"],
            },
            Rule::LastAdmin,
            Rule::InUse,
            Rule::SameAs {
                other: "enterprise",
            },
            Rule::NotInvited,
            Rule::Amount { max: 1 },
            Rule::DateBetween {
                min: chrono::NaiveDate::MIN,
                max: chrono::NaiveDate::MAX,
            },
            Rule::CheckCharacter,
        ];
        for rule in &all {
            match rule {
                Rule::Required
                | Rule::RequiredFor { .. }
                | Rule::Blank
                | Rule::TooLong { .. }
                | Rule::TooShort { .. }
                | Rule::Length { .. }
                | Rule::TooMany { .. }
                | Rule::TooLarge
                | Rule::OneLine
                | Rule::ControlCharacter
                | Rule::ControlCharacterBesidesLineBreaks
                | Rule::BidiOverride
                | Rule::OneOf { .. }
                | Rule::Range { .. }
                | Rule::Minutes { .. }
                | Rule::Positive
                | Rule::Years { .. }
                | Rule::NoSuch
                | Rule::Exclusive { .. }
                | Rule::Together { .. }
                | Rule::AnyOf { .. }
                | Rule::NotInZone
                | Rule::NoSuchWeek
                | Rule::EndNotAfterStart
                | Rule::NeedsRole { .. }
                | Rule::NotAnAction
                | Rule::SlaNotPositive
                | Rule::ResponseAfterResolution
                | Rule::LongerThanWorkingYear
                | Rule::OneSlaPerPriority { .. }
                | Rule::NoSlaFor { .. }
                | Rule::LadderEmpty
                | Rule::NoSuchLevel { .. }
                | Rule::LevelsMustIncrease
                | Rule::StepBeforePrevious
                | Rule::MisfireCap
                | Rule::JobIncomplete
                | Rule::Changed { .. }
                | Rule::NotRetryable { .. }
                | Rule::LastAdmin
                | Rule::InUse
                | Rule::SameAs { .. }
                | Rule::NotInvited
                | Rule::Amount { .. }
                | Rule::DateBetween { .. }
                | Rule::CheckCharacter
                | Rule::Format(_)
                | Rule::Cron(_) => {}
            }
        }
        all
    }

    /// One of each cron problem, for every part where the problem names one.
    fn every_cron_problem() -> Vec<CronProblem> {
        let mut all = vec![
            CronProblem::Empty,
            CronProblem::FieldCount { found: 4 },
            CronProblem::UnknownAlias,
            CronProblem::NeverFires,
            CronProblem::Untranslatable,
        ];
        for part in CronField::ALL {
            all.extend([
                CronProblem::EmptyListItem { part },
                CronProblem::Backwards { part },
                CronProblem::StepNotNumber { part },
                CronProblem::StepZero { part },
                CronProblem::StepTooLarge { part },
                CronProblem::MissingValue { part },
                CronProblem::OutOfRange { part },
                CronProblem::NotAValue { part },
            ]);
        }
        for problem in &all {
            match problem {
                CronProblem::Empty
                | CronProblem::FieldCount { .. }
                | CronProblem::UnknownAlias
                | CronProblem::EmptyListItem { .. }
                | CronProblem::Backwards { .. }
                | CronProblem::StepNotNumber { .. }
                | CronProblem::StepZero { .. }
                | CronProblem::StepTooLarge { .. }
                | CronProblem::MissingValue { .. }
                | CronProblem::OutOfRange { .. }
                | CronProblem::NotAValue { .. }
                | CronProblem::NeverFires
                | CronProblem::Untranslatable => {}
            }
        }
        all
    }

    /// Every variant has its own English text; none is a placeholder for another.
    #[test]
    fn every_rule_format_and_cron_problem_has_an_english_text_of_its_own() {
        let texts: Vec<String> = every_rule()
            .into_iter()
            .chain(every_format().into_iter().map(Rule::Format))
            .chain(every_cron_problem().into_iter().map(Rule::Cron))
            .map(|rule| rule.to_string())
            .collect();
        for text in &texts {
            assert!(!text.trim().is_empty());
        }
        let mut unique = texts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), texts.len(), "two variants share a text");
    }
}
