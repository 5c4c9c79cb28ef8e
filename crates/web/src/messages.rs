//! Why a use case refused, said in the page's language: the web's one mapping of
//! [`AppError`], with a zh-CN and an en text for every variant, every [`Thing`] and every
//! [`Doing`] (the strings are [`i18n`]'s).
//!
//! A field's own complaint (`ParseError`) is still the core's English inside the localised
//! sentence; the field's name is the form's label where the page has one.

use gridloop_app::{AppError, Doing, Thing};
use gridloop_core::{Locale, ParseError, VisitError};

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
        AppError::NoSuchTransition { action, status } => t("err_no_such_transition")
            .replace("{status}", t(&format!("status_{}", status.as_str())))
            .replace("{action}", t(&format!("act_{}", action.as_str()))),
        AppError::Precondition(detail) => {
            t("err_precondition").replace("{detail}", &detail.to_string())
        }
        AppError::Visit(v) => visit(locale, v),
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
        Thing::Resource => "thing_resource",
    };
    i18n::text(locale, key)
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
    };
    i18n::text(locale, key).to_owned()
}

/// Each bad field: its label where the page has one, and the complaint.
pub fn fields(locale: Locale, errors: &[ParseError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", label(locale, e.field()), e.rule()))
        .collect::<Vec<_>>()
        .join(if locale == Locale::ZhCn { "；" } else { "; " })
}

/// A field's label: the page's string of that name (`sla.low` by its first part), else the
/// field's own name.
pub fn label(locale: Locale, field: &str) -> String {
    let base = field.split('.').next().unwrap_or(field);
    if i18n::has(field) {
        i18n::text(locale, field).to_owned()
    } else if i18n::has(base) {
        i18n::text(locale, base).to_owned()
    } else {
        field.to_owned()
    }
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
    use gridloop_core::{ActionKind, Role, Status, VisitStatus};

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
        ]);
        errors.extend(doings.map(|doing| AppError::NotPermitted {
            doing,
            roles: &[Role::Admin, Role::Dispatcher],
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
        errors
    }

    #[test]
    fn every_refusal_has_a_text_in_both_languages_and_no_placeholder_left() {
        for e in every_error() {
            let zh = text(Locale::ZhCn, &e);
            let en = text(Locale::En, &e);
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{e:?}");
            assert_ne!(zh, en, "{e:?}");
            for said in [&zh, &en] {
                assert!(!said.contains('{'), "{e:?}: {said}");
            }
            // The Chinese text is Chinese: no English words beyond the field data it quotes.
            if !matches!(e, AppError::Invalid(_) | AppError::Precondition(_)) {
                let ascii_words = zh
                    .split(|c: char| !c.is_ascii_alphabetic())
                    .filter(|w| w.len() > 1 && *w != "UTC" && *w != "g1")
                    .collect::<Vec<_>>();
                assert!(ascii_words.is_empty(), "{e:?}: {zh}");
            }
        }
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
