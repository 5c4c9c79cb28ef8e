//! Why a use case refused, said in the page's language: the web's one mapping of
//! [`AppError`], with a zh-CN and an en text for every variant, every [`Thing`], every
//! [`Doing`], every [`Rule`] (with its [`Format`] and [`CronProblem`]) and every
//! [`Precondition`] (the strings are [`i18n`]'s).
//!
//! The core's English `Display` texts are for logs, the CLI and the API; a page never shows
//! them, so a zh-CN page has no English in it beyond the codes and values it quotes. Each
//! match below names every variant, so a new one fails to compile until it has its texts.

use gridloop_app::calendars::{CalendarProblem, CsvProblem};
use gridloop_app::import::Reason;
use gridloop_app::store::CopyRefused;
use gridloop_app::{AppError, Doing, Thing};
use gridloop_core::{
    CronField, CronProblem, Format, Locale, ParseError, Precondition, Rule, VisitError,
};

use crate::i18n;

/// The message of a refusal, in `locale`.
pub fn text(locale: Locale, e: &AppError) -> String {
    let t = |key: &str| i18n::text(locale, key);
    match e {
        AppError::Invalid(errors) => t("err_invalid").replace("{fields}", &fields(locale, errors)),
        AppError::NotFound(what) => t("err_not_found").replace("{thing}", thing(locale, *what)),
        AppError::NotPermitted { doing: what, roles } => {
            let roles = roles
                .iter()
                .map(|r| t(&format!("role_{}", r.as_str())))
                .collect::<Vec<_>>()
                .join(if locale == Locale::ZhCn { "、" } else { ", " });
            t("err_not_permitted")
                .replace("{doing}", &doing(locale, *what))
                .replace("{roles}", &roles)
        }
        AppError::OutOfScope { doing: what } => {
            t("err_out_of_scope").replace("{doing}", &doing(locale, *what))
        }
        AppError::NoSuchTransition { action, status } => t("err_no_such_transition")
            .replace("{status}", t(&format!("status_{}", status.as_str())))
            .replace("{action}", t(&format!("act_{}", action.as_str()))),
        AppError::NoSuchMatchStep { action, status } => t("err_no_such_match_step")
            .replace("{status}", t(&format!("match_status_{}", status.as_str())))
            .replace("{action}", t(&format!("match_act_{}", action.as_str()))),
        AppError::Precondition(detail) => {
            t("err_precondition").replace("{detail}", &precondition(locale, detail))
        }
        AppError::Visit(v) => visit(locale, v),
        AppError::Copy(refused) => match refused {
            CopyRefused::TargetNotEmpty { table } => {
                t("err_copy_not_empty").replace("{table}", table)
            }
            CopyRefused::SchemaVersions {
                source_version,
                target_version,
            } => t("err_copy_versions")
                .replace("{source}", &source_version.to_string())
                .replace("{target}", &target_version.to_string()),
            CopyRefused::Columns { table } => t("err_copy_columns").replace("{table}", table),
            CopyRefused::NotABackup { reason } => {
                t("err_copy_not_a_backup").replace("{reason}", reason)
            }
        },
        AppError::Calendar(problem) => {
            t("err_calendar").replace("{detail}", &calendar(locale, problem))
        }
        AppError::Import(refused) => {
            t("err_import").replace("{count}", &refused.total().to_string())
        }
        AppError::Conflict { .. } => t("changed_meanwhile").to_owned(),
        AppError::AlreadyExists { thing: what, key } => t("err_already_exists")
            .replace("{thing}", thing(locale, *what))
            .replace("{key}", key),
        AppError::KeyReuse => t("err_key_reuse").to_owned(),
        AppError::Busy { .. } => t("busy").to_owned(),
        AppError::Throttled { retry_after_secs } => {
            t("throttled").replace("{wait}", &wait(locale, *retry_after_secs))
        }
        AppError::Unavailable => t("err_unavailable").to_owned(),
        AppError::Internal => t("err_internal").to_owned(),
    }
}

/// What is missing or taken, as the page says it.
pub fn thing(locale: Locale, what: Thing) -> &'static str {
    let key = match what {
        Thing::Calendar => "thing_calendar",
        Thing::Chain => "thing_chain",
        Thing::Grid => "thing_grid",
        Thing::Post => "thing_post",
        Thing::Enterprise => "thing_enterprise",
        Thing::Unit => "thing_unit",
        Thing::Category => "thing_category",
        Thing::User => "thing_user",
        Thing::Token => "thing_token",
        Thing::Issue => "thing_issue",
        Thing::Attachment => "thing_attachment",
        Thing::Visit => "thing_visit",
        Thing::VisitPlan => "thing_visit_plan",
        Thing::Report => "thing_report",
        Thing::Notification => "thing_notification",
        Thing::Schedule => "thing_schedule",
        Thing::Job => "thing_job",
        Thing::Stage => "thing_stage",
        Thing::Listing => "thing_listing",
        Thing::Meeting => "thing_meeting",
        Thing::Match => "thing_match",
        Thing::Resource => "thing_resource",
    };
    i18n::text(locale, key)
}

/// Why a calendar change was refused: the line (of a file) and what is wrong, or the day.
pub fn calendar(locale: Locale, problem: &CalendarProblem) -> String {
    use gridloop_core::CalendarError as E;
    let t = |key: &str| i18n::text(locale, key);
    let at_line = |line: usize, what: String| {
        t("cal_line")
            .replace("{line}", &line.to_string())
            .replace("{what}", &what)
    };
    match problem {
        CalendarProblem::NoWorkingDay { year } => {
            t("cal_no_working_day").replace("{year}", &year.to_string())
        }
        CalendarProblem::Csv { line, problem } => {
            let what = match problem {
                CsvProblem::FieldCount { found } => {
                    t("cal_csv_fields").replace("{found}", &found.to_string())
                }
                CsvProblem::NotADate { value } => t("cal_not_a_date").replace("{value}", value),
                CsvProblem::OtherYear { date, year } => t("cal_other_year")
                    .replace("{date}", &date.to_string())
                    .replace("{year}", &year.to_string()),
                CsvProblem::Repeated { date, first_line } => t("cal_repeated")
                    .replace("{date}", &date.to_string())
                    .replace("{first}", &first_line.to_string()),
                CsvProblem::UnknownKind { value } => t("cal_csv_kind").replace("{value}", value),
                CsvProblem::Empty => t("cal_csv_empty").to_owned(),
            };
            at_line(*line, what)
        }
        CalendarProblem::File(e) => match e {
            E::NotADate { line, value } => {
                at_line(*line, t("cal_not_a_date").replace("{value}", value))
            }
            E::DateOutsideYear { line, date, year } => at_line(
                *line,
                t("cal_other_year")
                    .replace("{date}", &date.to_string())
                    .replace("{year}", &year.to_string()),
            ),
            E::NotInYear { date, year } => t("cal_other_year")
                .replace("{date}", &date.to_string())
                .replace("{year}", &year.to_string()),
            E::DuplicateDate {
                line,
                date,
                first_line,
            } => at_line(
                *line,
                t("cal_repeated")
                    .replace("{date}", &date.to_string())
                    .replace("{first}", &first_line.to_string()),
            ),
            E::ReversedRange { line, from, to, .. } => at_line(
                *line,
                t("cal_reversed")
                    .replace("{from}", &from.to_string())
                    .replace("{to}", &to.to_string()),
            ),
            E::MakeUpDayIsHoliday { line, date, .. } => at_line(
                *line,
                t("cal_make_up_in_holiday").replace("{date}", &date.to_string()),
            ),
            E::UnknownWeekday { line, value } => {
                at_line(*line, t("cal_weekday").replace("{value}", value))
            }
            // The rest (not TOML, working hours) come from files only, never from a page's
            // form; said without the parser's English.
            _ => t("cal_file_invalid").to_owned(),
        },
    }
}

/// Why a cell of an imported file was refused (the import page's table lists each).
pub fn import_reason(locale: Locale, reason: &Reason) -> String {
    let t = |key: &str| i18n::text(locale, key);
    match reason {
        Reason::Rule(r) => rule(locale, r),
        Reason::NoSuch(what) => t("imp_no_such").replace("{thing}", thing(locale, *what)),
        Reason::Repeated { first_row } => {
            t("imp_repeated").replace("{row}", &first_row.to_string())
        }
        Reason::Ambiguous => t("imp_ambiguous").to_owned(),
        Reason::OtherCreditCode => t("imp_other_credit_code").to_owned(),
        Reason::Fixed => t("imp_fixed").to_owned(),
        Reason::UnknownColumn => t("imp_unknown_column").to_owned(),
        Reason::RepeatedColumn => t("imp_repeated_column").to_owned(),
        Reason::MissingColumn => t("imp_missing_column").to_owned(),
        Reason::UnknownSheet => t("imp_unknown_sheet").to_owned(),
        Reason::KindUnknown => t("imp_kind_unknown").to_owned(),
        Reason::TooManyRows { max } => t("imp_too_many_rows").replace("{max}", &max.to_string()),
        Reason::FileTooLarge { max_mib } => {
            t("imp_file_too_large").replace("{max}", &max_mib.to_string())
        }
        Reason::UnpacksTooLarge { max_mib } => {
            t("imp_unpacks_too_large").replace("{max}", &max_mib.to_string())
        }
        Reason::Unreadable => t("imp_unreadable").to_owned(),
        Reason::NotUtf8 => t("imp_not_utf8").to_owned(),
        Reason::ErrorCell => t("imp_error_cell").to_owned(),
        Reason::Empty => t("imp_empty").to_owned(),
    }
}

/// What was tried, as the page says it.
pub fn doing(locale: Locale, what: Doing) -> String {
    let key = match what {
        Doing::Act(action) => {
            return i18n::text(locale, "doing_act").replace(
                "{action}",
                i18n::text(locale, &format!("act_{}", action.as_str())),
            );
        }
        Doing::Intake => "doing_intake",
        Doing::Administer => "doing_administer",
        Doing::ReadReport => "doing_read_report",
        Doing::ReadVisits => "doing_read_visits",
        Doing::LogVisit => "doing_log_visit",
        Doing::PostListing => "doing_post_listing",
        Doing::SetPosition => "doing_set_position",
        Doing::RunMeeting => "doing_run_meeting",
        Doing::Match(action) => {
            return i18n::text(locale, "doing_match").replace(
                "{action}",
                i18n::text(locale, &format!("match_act_{}", action.as_str())),
            );
        }
    };
    i18n::text(locale, key).to_owned()
}

/// Each bad field: its label where the page has one, and the complaint.
pub fn fields(locale: Locale, errors: &[ParseError]) -> String {
    errors
        .iter()
        .map(|e| field(locale, e))
        .collect::<Vec<_>>()
        .join(list_separator(locale, "；", "; "))
}

/// One bad field: its label and what its value broke.
pub fn field(locale: Locale, e: &ParseError) -> String {
    let colon = if locale == Locale::ZhCn { "：" } else { ": " };
    format!(
        "{}{colon}{}",
        label(locale, e.field()),
        rule(locale, &e.rule())
    )
}

/// What a value broke, with its limits filled in.
pub fn rule(locale: Locale, rule: &Rule) -> String {
    let t = |key: &str| i18n::text(locale, key);
    let list = |items: &[&str]| items.join(list_separator(locale, "、", ", "));
    let labels = |fields: &[&str]| {
        fields
            .iter()
            .map(|f| label(locale, f))
            .collect::<Vec<_>>()
            .join(list_separator(locale, "、", ", "))
    };
    let action = |a: gridloop_core::ActionKind| t(&format!("act_{}", a.as_str()));
    let priority = |p: gridloop_core::Priority| t(&format!("priority_{}", p.as_str()));
    let min_max = |key: &str, min: &dyn ToString, max: &dyn ToString| {
        t(key)
            .replace("{min}", &min.to_string())
            .replace("{max}", &max.to_string())
    };
    match rule {
        Rule::Required => t("rule_required").to_owned(),
        Rule::RequiredFor { action: a } => t("rule_required_for").replace("{action}", action(*a)),
        Rule::Blank => t("rule_blank").to_owned(),
        Rule::TooLong { max } => t("rule_too_long").replace("{max}", &max.to_string()),
        Rule::TooShort { min } => t("rule_too_short").replace("{min}", &min.to_string()),
        Rule::Length { min, max } => min_max("rule_length", min, max),
        Rule::TooMany { max } => t("rule_too_many").replace("{max}", &max.to_string()),
        Rule::TooLarge => t("rule_too_large").to_owned(),
        Rule::OneLine => t("rule_one_line").to_owned(),
        Rule::ControlCharacter => t("rule_control_character").to_owned(),
        Rule::ControlCharacterBesidesLineBreaks => {
            t("rule_control_character_besides_line_breaks").to_owned()
        }
        Rule::BidiOverride => t("rule_bidi_override").to_owned(),
        Rule::OneOf { allowed } => t("rule_one_of").replace("{allowed}", &list(allowed)),
        Rule::Range { min, max } => min_max("rule_range", min, max),
        Rule::Minutes { min, max } => min_max("rule_minutes", min, max),
        Rule::Positive => t("rule_positive").to_owned(),
        Rule::Years { min, max } => min_max("rule_years", min, max),
        Rule::Format(shape) => format(locale, *shape).to_owned(),
        Rule::NoSuch => t("rule_no_such").to_owned(),
        Rule::Exclusive { other } => t("rule_exclusive").replace("{other}", &label(locale, other)),
        Rule::Together { other } => t("rule_together").replace("{other}", &label(locale, other)),
        Rule::AnyOf { fields } => t("rule_any_of").replace("{fields}", &labels(fields)),
        Rule::NotInZone => t("rule_not_in_zone").to_owned(),
        Rule::NoSuchWeek => t("rule_no_such_week").to_owned(),
        Rule::EndNotAfterStart => t("rule_end_not_after_start").to_owned(),
        Rule::NeedsRole { role } => {
            t("rule_needs_role").replace("{role}", t(&format!("role_{}", role.as_str())))
        }
        Rule::NotAnAction => t("rule_not_an_action").to_owned(),
        Rule::SlaNotPositive => t("rule_sla_not_positive").to_owned(),
        Rule::ResponseAfterResolution => t("rule_response_after_resolution").to_owned(),
        Rule::LongerThanWorkingYear => t("rule_longer_than_working_year").to_owned(),
        Rule::OneSlaPerPriority { priority: p } => {
            t("rule_one_sla_per_priority").replace("{priority}", priority(*p))
        }
        Rule::NoSlaFor { priority: p } => t("rule_no_sla_for").replace("{priority}", priority(*p)),
        Rule::LadderEmpty => t("rule_ladder_empty").to_owned(),
        Rule::NoSuchLevel { max } => t("rule_no_such_level").replace("{max}", &max.to_string()),
        Rule::LevelsMustIncrease => t("rule_levels_must_increase").to_owned(),
        Rule::StepBeforePrevious => t("rule_step_before_previous").to_owned(),
        Rule::Cron(problem) => cron(locale, problem),
        Rule::MisfireCap => t("rule_misfire_cap").to_owned(),
        Rule::JobIncomplete => t("rule_job_incomplete").to_owned(),
        Rule::Changed { now } => t("rule_changed").replace("{now}", now),
        Rule::NotRetryable { now, retryable } => t("rule_not_retryable")
            .replace("{now}", now)
            .replace("{retryable}", &list(retryable)),
        Rule::LastAdmin => t("rule_last_admin").to_owned(),
        Rule::InUse => t("rule_in_use").to_owned(),
        Rule::SameAs { other } => t("rule_same_as").replace("{other}", &label(locale, other)),
        Rule::NotInvited => t("rule_not_invited").to_owned(),
        Rule::Amount { max } => t("rule_amount").replace("{max}", &max.to_string()),
        Rule::DateBetween { min, max } => t("rule_date_between")
            .replace("{min}", &min.to_string())
            .replace("{max}", &max.to_string()),
        Rule::CheckCharacter => t("rule_check_character").to_owned(),
    }
}

/// The shape a value was expected in.
pub fn format(locale: Locale, shape: Format) -> &'static str {
    let key = match shape {
        Format::Code => "format_code",
        Format::Login => "format_login",
        Format::Email => "format_email",
        Format::Phone => "format_phone",
        Format::Id => "format_id",
        Format::Date => "format_date",
        Format::DateTime => "format_date_time",
        Format::LocalDateTime => "format_local_date_time",
        Format::Week => "format_week",
        Format::Time => "format_time",
        Format::Cron => "format_cron",
        Format::TimeZone => "format_time_zone",
        Format::Number => "format_number",
        Format::Minutes => "format_minutes",
        Format::Boolean => "format_boolean",
        Format::ETag => "format_etag",
        Format::Cursor => "format_cursor",
        Format::Url => "format_url",
        Format::Sha256 => "format_sha256",
        Format::ContentType => "format_content_type",
        Format::DatabaseUrl => "format_database_url",
        Format::CreditCode => "format_credit_code",
    };
    i18n::text(locale, key)
}

/// Why a cron line does not parse, naming the part at fault and what it takes.
pub fn cron(locale: Locale, problem: &CronProblem) -> String {
    let t = |key: &str| i18n::text(locale, key);
    let (key, part) = match *problem {
        CronProblem::Empty => return t("cron_empty").to_owned(),
        CronProblem::FieldCount { found } => {
            return t("cron_field_count").replace("{found}", &found.to_string());
        }
        CronProblem::UnknownAlias => return t("cron_unknown_alias").to_owned(),
        CronProblem::NeverFires => return t("cron_never_fires").to_owned(),
        CronProblem::Untranslatable => return t("cron_untranslatable").to_owned(),
        CronProblem::EmptyListItem { part } => ("cron_empty_list_item", part),
        CronProblem::Backwards { part } => ("cron_backwards", part),
        CronProblem::StepNotNumber { part } => ("cron_step_not_number", part),
        CronProblem::StepZero { part } => ("cron_step_zero", part),
        CronProblem::StepTooLarge { part } => ("cron_step_too_large", part),
        CronProblem::MissingValue { part } => ("cron_missing_value", part),
        CronProblem::OutOfRange { part } => ("cron_out_of_range", part),
        CronProblem::NotAValue { part } => ("cron_not_a_value", part),
    };
    let (name, hint, what) = match part {
        CronField::Second => ("cron_part_second", None, "cron_a_number"),
        CronField::Minute => ("cron_part_minute", None, "cron_a_number"),
        CronField::Hour => ("cron_part_hour", None, "cron_a_number"),
        CronField::DayOfMonth => ("cron_part_day_of_month", None, "cron_a_number"),
        CronField::Month => ("cron_part_month", Some("cron_hint_month"), "cron_a_month"),
        CronField::DayOfWeek => (
            "cron_part_day_of_week",
            Some("cron_hint_day_of_week"),
            "cron_a_weekday",
        ),
    };
    // The numeric ranges read the same in every language; the named ones are translated.
    let hint = hint.map(t).unwrap_or_else(|| part.hint());
    t(key)
        .replace("{part}", t(name))
        .replace("{hint}", hint)
        .replace("{what}", t(what))
}

/// Which check of the lifecycle refused the step.
pub fn precondition(locale: Locale, detail: &Precondition) -> String {
    let key = match detail {
        Precondition::ExtensionNotLater { earliest } => {
            return i18n::text(locale, "pre_extension_not_later")
                .replace("{time}", &earliest.format("%Y-%m-%d %H:%M UTC").to_string());
        }
        Precondition::NoExtensionToGrant => "pre_no_extension_to_grant",
        Precondition::GrantedDeadlinePast => "pre_granted_deadline_past",
        Precondition::NoExtensionToDeny => "pre_no_extension_to_deny",
        Precondition::NoSlaToRework => "pre_no_sla_to_rework",
        Precondition::DuplicateOfItself => "pre_duplicate_of_itself",
        Precondition::AlreadyAssignedToUnit => "pre_already_assigned_to_unit",
        Precondition::NoSlaToReassign => "pre_no_sla_to_reassign",
        Precondition::NoAssignedUnit => "pre_no_assigned_unit",
        Precondition::NoResolutionDeadline => "pre_no_resolution_deadline",
        // The history does not replay: a bug, whose details are for the log, not the page.
        Precondition::Replay(_) => "pre_replay",
    };
    i18n::text(locale, key).to_owned()
}

fn list_separator(locale: Locale, zh: &'static str, en: &'static str) -> &'static str {
    if locale == Locale::ZhCn {
        zh
    } else {
        en
    }
}

/// A field's label: its `field_` string, else the page's string of that name (`sla.low` by its
/// first part), else the field's own name.
pub fn label(locale: Locale, field: &str) -> String {
    let base = field.split('.').next().unwrap_or(field);
    [format!("field_{field}"), field.to_owned(), base.to_owned()]
        .iter()
        .find(|key| i18n::has(key))
        .map_or_else(
            || field.to_owned(),
            |key| i18n::text(locale, key).to_owned(),
        )
}

fn visit(locale: Locale, v: &VisitError) -> String {
    let t = |key: &str| i18n::text(locale, key);
    let time = |at: &chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
    match v {
        VisitError::NoSuchTransition { status, .. } => t("err_visit_transition")
            .replace("{status}", t(&format!("visit_status_{}", status.as_str()))),
        VisitError::TooEarly { opens_at } => {
            t("err_visit_too_early").replace("{time}", &time(opens_at))
        }
        VisitError::WindowClosed { closed_at } => {
            t("err_visit_window_closed").replace("{time}", &time(closed_at))
        }
        VisitError::StillOpen { closes_at } => {
            t("err_visit_still_open").replace("{time}", &time(closes_at))
        }
    }
}

/// A wait as the pages say it: seconds under two minutes, else whole minutes (rounded up, so
/// nobody is told to come back too early).
pub fn wait(locale: Locale, secs: u64) -> String {
    let (key, n) = if secs < 120 {
        ("wait_seconds", secs)
    } else {
        ("wait_minutes", secs.div_ceil(60))
    };
    i18n::text(locale, key).replace("{n}", &n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use gridloop_core::{ActionKind, Priority, Role, Status, VisitStatus};

    /// One of every variant.
    fn every_error() -> Vec<AppError> {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap();
        let mut errors = vec![
            AppError::Invalid(vec![ParseError::new("name", gridloop_core::Rule::Blank)]),
            AppError::NoSuchTransition {
                action: ActionKind::Verify,
                status: Status::Assigned,
            },
            AppError::Precondition(gridloop_core::Precondition::NoExtensionToGrant),
            AppError::Conflict {
                expected: 1,
                actual: 2,
            },
            AppError::KeyReuse,
            AppError::Copy(CopyRefused::TargetNotEmpty {
                table: "issues".into(),
            }),
            AppError::Copy(CopyRefused::SchemaVersions {
                source_version: 13,
                target_version: 14,
            }),
            AppError::Copy(CopyRefused::Columns {
                table: "issues".into(),
            }),
            AppError::Copy(CopyRefused::NotABackup {
                reason: "file is not a database".into(),
            }),
            AppError::Busy {
                retry_after_secs: 2,
            },
            AppError::Throttled {
                retry_after_secs: 900,
            },
            AppError::Unavailable,
            AppError::Internal,
        ];
        errors.extend(Thing::ALL.map(AppError::NotFound));
        errors.extend(Thing::ALL.map(|thing| AppError::AlreadyExists {
            thing,
            key: "g1".into(),
        }));
        let doings = ActionKind::ALL.iter().map(|a| Doing::of(*a)).chain([
            Doing::Administer,
            Doing::ReadReport,
            Doing::ReadVisits,
            Doing::LogVisit,
            Doing::PostListing,
            Doing::SetPosition,
            Doing::RunMeeting,
            Doing::Match(gridloop_core::chain::MatchActionKind::Agree),
        ]);
        errors.extend(doings.flat_map(|doing| {
            [
                AppError::NotPermitted {
                    doing,
                    roles: &[Role::Admin, Role::Dispatcher],
                },
                AppError::OutOfScope { doing },
            ]
        }));
        errors.extend(
            [
                VisitError::NoSuchTransition {
                    action: "check in",
                    status: VisitStatus::Missed,
                },
                VisitError::TooEarly { opens_at: at },
                VisitError::WindowClosed { closed_at: at },
                VisitError::StillOpen { closes_at: at },
            ]
            .map(AppError::Visit),
        );
        let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let csv = [
            CsvProblem::FieldCount { found: 4 },
            CsvProblem::NotADate {
                value: "2027-02-30".into(),
            },
            CsvProblem::OtherYear {
                date: day,
                year: 2026,
            },
            CsvProblem::Repeated {
                date: day,
                first_line: 2,
            },
            CsvProblem::UnknownKind {
                value: "放假日".into(),
            },
            CsvProblem::Empty,
        ];
        errors.extend(
            csv.map(|problem| CalendarProblem::Csv { line: 3, problem })
                .into_iter()
                .chain([
                    CalendarProblem::NoWorkingDay { year: 2027 },
                    CalendarProblem::File(gridloop_core::CalendarError::NotInYear {
                        date: day,
                        year: 2026,
                    }),
                    CalendarProblem::File(gridloop_core::CalendarError::UnknownWeekday {
                        line: 4,
                        value: "周八".into(),
                    }),
                    CalendarProblem::File(gridloop_core::CalendarError::NoWorkingTime),
                ])
                .map(AppError::Calendar),
        );
        errors.push(AppError::Import(gridloop_app::import::ImportRefused {
            cells: Vec::new(),
            more: 3,
        }));
        errors
    }

    /// One of every rule, every format and every cron problem (for each part of the line). The
    /// matches fail to compile until a new variant is listed here.
    fn every_rule() -> Vec<Rule> {
        let mut all = vec![
            Rule::Required,
            Rule::RequiredFor {
                action: ActionKind::Reject,
            },
            Rule::Blank,
            Rule::TooLong { max: 200 },
            Rule::TooShort { min: 8 },
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
            Rule::Exclusive { other: "unit" },
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
                priority: Priority::Urgent,
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
            Rule::Amount { max: 100 },
            Rule::DateBetween {
                min: chrono::NaiveDate::MIN,
                max: chrono::NaiveDate::MAX,
            },
            Rule::CheckCharacter,
        ];
        let formats = [
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
        all.extend(formats.map(Rule::Format));
        all.extend(
            [
                CronProblem::Empty,
                CronProblem::FieldCount { found: 4 },
                CronProblem::UnknownAlias,
                CronProblem::NeverFires,
                CronProblem::Untranslatable,
            ]
            .map(Rule::Cron),
        );
        for part in CronField::ALL {
            all.extend(
                [
                    CronProblem::EmptyListItem { part },
                    CronProblem::Backwards { part },
                    CronProblem::StepNotNumber { part },
                    CronProblem::StepZero { part },
                    CronProblem::StepTooLarge { part },
                    CronProblem::MissingValue { part },
                    CronProblem::OutOfRange { part },
                    CronProblem::NotAValue { part },
                ]
                .map(Rule::Cron),
            );
        }
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
                | Rule::CheckCharacter => {}
                Rule::Format(
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
                    | Format::CreditCode,
                ) => {}
                Rule::Cron(
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
                    | CronProblem::Untranslatable,
                ) => {}
            }
        }
        all
    }

    /// One of every precondition; the match fails to compile until a new variant is listed.
    fn every_precondition() -> Vec<Precondition> {
        let earliest = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let all = vec![
            Precondition::ExtensionNotLater { earliest },
            Precondition::NoExtensionToGrant,
            Precondition::GrantedDeadlinePast,
            Precondition::NoExtensionToDeny,
            Precondition::NoSlaToRework,
            Precondition::DuplicateOfItself,
            Precondition::AlreadyAssignedToUnit,
            Precondition::NoSlaToReassign,
            Precondition::NoAssignedUnit,
            Precondition::NoResolutionDeadline,
            Precondition::Replay(gridloop_core::ReplayError::NotAReport),
        ];
        for precondition in &all {
            match precondition {
                Precondition::ExtensionNotLater { .. }
                | Precondition::NoExtensionToGrant
                | Precondition::GrantedDeadlinePast
                | Precondition::NoExtensionToDeny
                | Precondition::NoSlaToRework
                | Precondition::DuplicateOfItself
                | Precondition::AlreadyAssignedToUnit
                | Precondition::NoSlaToReassign
                | Precondition::NoAssignedUnit
                | Precondition::NoResolutionDeadline
                | Precondition::Replay(_) => {}
            }
        }
        all
    }

    /// The field names the parsers and use cases put in a `ParseError`.
    const FIELDS: &[&str] = &[
        "action",
        "address",
        "address_string",
        "category",
        "chain",
        "channel",
        "client_key",
        "code",
        "credit_code",
        "commissioner",
        "content_type",
        "cursor",
        "default_unit",
        "description",
        "due",
        "due_soon_share",
        "duplicate_of",
        "email",
        "enterprise",
        "enterprises",
        "escalation",
        "filename",
        "format",
        "grid",
        "grids",
        "id",
        "ids",
        "If-Match",
        "job",
        "job_kind",
        "kind",
        "lat",
        "long",
        "limit",
        "locale",
        "login",
        "minutes",
        "misfire",
        "name",
        "note",
        "notes",
        "overdue",
        "password",
        "period",
        "phone",
        "post",
        "posts",
        "priority",
        "public_note",
        "q",
        "reason",
        "reminder_lead_minutes",
        "role",
        "roles",
        "satisfaction",
        "schedule",
        "scope",
        "score",
        "sha256",
        "size",
        "sla",
        "sla.low",
        "status",
        "time_zone",
        "title",
        "unit",
        "units",
        "until",
        "visit status",
        "week",
        "window_minutes",
    ];

    /// ASCII letters a zh-CN text may hold: examples of what to type (codes, numbers, times,
    /// names of the cron line's months and weekdays, a time zone) and the values it quotes.
    fn english_words(zh: &str) -> Vec<&str> {
        const CODES: &[&str] = &[
            "MON",
            "JAN",
            "DEC",
            "SUN",
            "SAT",
            "UTC",
            "true",
            "false",
            "g1",
            "low",
            "normal",
            "high",
            "urgent",
            "completed",
            "dead",
            "retryable",
            // A table's name, quoted by a refused copy.
            "issues",
            "sqlite:",
            "postgres:",
            "postgresql:",
            "http://",
            "https://",
            // The letters a unified social credit code leaves out.
            "I",
            "O",
            "S",
            "V",
            "Z",
        ];
        zh.split(|c: char| !c.is_ascii_graphic() || c == '-')
            .map(|w| w.trim_matches(|c: char| "()（）,.;\"'“”".contains(c)))
            .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
            // A word with a digit or `@`, `/`, `+` is an example of a value (2026-W48,
            // U+202A, @weekly, Asia/Shanghai, name@example.cn).
            .filter(|w| !w.contains(|c: char| c.is_ascii_digit() || "@/+".contains(c)))
            .filter(|w| !CODES.contains(w))
            .collect()
    }

    #[test]
    fn every_refusal_has_a_text_in_both_languages_and_no_placeholder_left() {
        let mut errors = every_error();
        errors.extend(every_precondition().into_iter().map(AppError::Precondition));
        errors.extend(
            every_rule()
                .into_iter()
                .map(|rule| AppError::Invalid(vec![ParseError::new("title", rule)])),
        );
        errors.extend(
            FIELDS
                .iter()
                .map(|field| AppError::Invalid(vec![ParseError::new(field, Rule::Required)])),
        );
        for e in errors {
            let zh = text(Locale::ZhCn, &e);
            let en = text(Locale::En, &e);
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{e:?}");
            assert_ne!(zh, en, "{e:?}");
            for said in [&zh, &en] {
                assert!(!said.contains('{'), "{e:?}: {said}");
            }
            // The Chinese text is Chinese: no English words beyond the codes and values it quotes.
            let words = english_words(&zh);
            assert!(words.is_empty(), "{e:?}: {zh} has {words:?}");
        }
    }

    /// One of every reason a cell of an import is refused for.
    fn every_import_reason() -> Vec<Reason> {
        let mut all = vec![
            Reason::Repeated { first_row: 3 },
            Reason::Ambiguous,
            Reason::OtherCreditCode,
            Reason::Fixed,
            Reason::UnknownColumn,
            Reason::RepeatedColumn,
            Reason::MissingColumn,
            Reason::UnknownSheet,
            Reason::KindUnknown,
            Reason::TooManyRows { max: 10_000 },
            Reason::FileTooLarge { max_mib: 20 },
            Reason::UnpacksTooLarge { max_mib: 200 },
            Reason::Unreadable,
            Reason::NotUtf8,
            Reason::ErrorCell,
            Reason::Empty,
        ];
        all.extend(Thing::ALL.map(Reason::NoSuch));
        all.extend(every_rule().into_iter().map(Reason::Rule));
        // The match fails to compile until a new reason is said here.
        for reason in &all {
            match reason {
                Reason::Rule(_)
                | Reason::NoSuch(_)
                | Reason::Repeated { .. }
                | Reason::Ambiguous
                | Reason::OtherCreditCode
                | Reason::Fixed
                | Reason::UnknownColumn
                | Reason::RepeatedColumn
                | Reason::MissingColumn
                | Reason::UnknownSheet
                | Reason::KindUnknown
                | Reason::TooManyRows { .. }
                | Reason::FileTooLarge { .. }
                | Reason::UnpacksTooLarge { .. }
                | Reason::Unreadable
                | Reason::NotUtf8
                | Reason::ErrorCell
                | Reason::Empty => {}
            }
        }
        all
    }

    #[test]
    fn every_import_reason_is_said_in_both_languages_and_the_chinese_has_no_english() {
        for reason in every_import_reason() {
            let zh = import_reason(Locale::ZhCn, &reason);
            let en = import_reason(Locale::En, &reason);
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{reason:?}");
            assert_ne!(zh, en, "{reason:?}");
            for said in [&zh, &en] {
                assert!(!said.contains('{'), "{reason:?}: {said}");
            }
            let words = english_words(&zh);
            assert!(words.is_empty(), "{reason:?}: {zh} has {words:?}");
        }
    }

    #[test]
    fn every_rule_and_precondition_has_a_text_of_its_own_in_each_language() {
        for locale in Locale::ALL {
            let rules: Vec<String> = every_rule().iter().map(|r| rule(locale, r)).collect();
            let preconditions = every_precondition();
            let preconditions = preconditions.iter().map(|p| precondition(locale, p));
            let mut texts: Vec<String> = rules.into_iter().chain(preconditions).collect();
            let count = texts.len();
            texts.sort();
            texts.dedup();
            assert_eq!(
                texts.len(),
                count,
                "two variants share a text in {locale:?}"
            );
        }
    }

    #[test]
    fn limits_and_parts_are_filled_in() {
        assert_eq!(
            rule(Locale::ZhCn, &Rule::Length { min: 2, max: 32 }),
            "长度须为 2 至 32 个字符"
        );
        assert_eq!(
            rule(Locale::En, &Rule::TooLong { max: 200 }),
            "is longer than 200 characters"
        );
        let step = Rule::Cron(CronProblem::OutOfRange {
            part: CronField::Month,
        });
        assert_eq!(
            rule(Locale::ZhCn, &step),
            "月份字段：数值超出范围（1-12 或 JAN-DEC）"
        );
        assert_eq!(rule(Locale::En, &step), step.to_string());
        let e = ParseError::new("sla.low", Rule::SlaNotPositive);
        assert_eq!(
            field(Locale::ZhCn, &e),
            "时限（响应/办结，工作分钟）：响应时限和办结时限都须大于零"
        );
    }

    #[test]
    fn labels_are_the_forms_where_the_page_has_one() {
        assert_eq!(label(Locale::ZhCn, "name"), "名称");
        assert_eq!(label(Locale::En, "sla.low"), i18n::text(Locale::En, "sla"));
        assert_eq!(label(Locale::En, "weird"), "weird");
    }

    #[test]
    fn waits_are_told_in_seconds_then_in_whole_minutes() {
        assert_eq!(wait(Locale::En, 30), "30 s");
        assert_eq!(wait(Locale::En, 119), "119 s");
        assert_eq!(wait(Locale::En, 121), "3 min");
        assert_eq!(wait(Locale::ZhCn, 900), " 15 分钟");
    }
}
