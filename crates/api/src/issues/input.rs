//! What clients send about issues, and its parsing into core types.
//!
//! Bodies and queries arrive as loose JSON/strings and are parsed here once, every field at
//! once, so one 422 names every bad field instead of the first, into the app's inputs
//! ([`ActionInput`], [`ListInput`]). Codes (units, categories, grids) and logins are resolved
//! by the app's use cases.

use chrono::{DateTime, Utc};
use gridloop_core::{
    ActionKind, Code, Description, EnterpriseId, IssueId, Login, Note, ParseError, Priority,
    Reason, Satisfaction, Status, Title,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use gridloop_app::issues::{ActionInput, CategoryRef, ListInput, Until};
use gridloop_app::AppError;

use crate::problem::{FieldError, Problem};

/// The default page size of `GET /issues`.
pub const DEFAULT_LIMIT: u32 = 50;

/// Field errors collected while parsing a request.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// The value, or `None` with the error recorded under `field` (the request's own name for
    /// it, which may differ from the core's).
    pub fn take<T>(&mut self, field: &str, parsed: Result<T, ParseError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(e) => {
                self.add(field, e.rule().to_string());
                None
            }
        }
    }

    /// `Some(parsed)` for a present value, `None` for an absent one; errors recorded.
    fn optional<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, ParseError>,
    ) -> Option<T> {
        raw.and_then(|raw| self.take(field, parse(raw)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of a use case's step, or `None` with its field errors recorded here (so one
    /// 422 names them with the request's own); any other refusal is the answer.
    pub fn absorb<T>(&mut self, result: Result<T, AppError>) -> Result<Option<T>, Problem> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(AppError::Invalid(list)) => {
                for e in list {
                    self.add(e.field(), e.rule().to_string());
                }
                Ok(None)
            }
            Err(other) => Err(other.into()),
        }
    }

    /// 422 naming every bad field, if there is one.
    pub fn finish(self) -> Result<(), Problem> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(self.0))
        }
    }
}

/// A new problem (`POST /issues`). Give the category by `category` (its code) or by
/// `category_id`, not both.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "enterprise_id": 3,
    "category": "power",
    "title": "Power line to be moved before the new workshop is built",
    "description": "The 10 kV line crosses the plot north of building 2.",
    "priority": "high"
}))]
pub struct ReportBody {
    /// The enterprise the problem is about; the issue belongs to the enterprise's grid.
    #[schema(required = true, value_type = i64, minimum = 1)]
    pub enterprise_id: Option<i64>,
    /// The category's code (`roads`, `power`, …).
    #[schema(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub category: Option<String>,
    /// The category's id, instead of its code.
    #[schema(minimum = 1)]
    pub category_id: Option<i64>,
    /// One line, 1 to 200 characters.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$")]
    pub title: Option<String>,
    /// Up to 4,000 characters; may be empty.
    #[schema(
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub description: Option<String>,
    #[schema(schema_with = super::view::report_priority_schema)]
    pub priority: Option<String>,
}

/// A report's fields, each `None` when missing or bad (and then named in the errors); the
/// enterprise and category are still to be looked up.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub enterprise: Option<EnterpriseId>,
    pub category: Option<CategoryRef>,
    pub title: Option<Title>,
    pub description: Option<Description>,
    pub priority: Option<Priority>,
}

impl ReportBody {
    /// Parses every field, recording each bad or missing one in `errors`.
    pub fn parse(self, errors: &mut Errors) -> ReportInput {
        let enterprise = match self.enterprise_id {
            Some(raw) => errors.take("enterprise_id", EnterpriseId::new(raw)),
            None => {
                errors.add("enterprise_id", "is required");
                None
            }
        };
        let category = match (self.category.as_deref(), self.category_id) {
            (Some(_), Some(_)) => {
                errors.add("category", "give the category by code or by id, not both");
                None
            }
            (Some(code), None) => errors
                .take("category", Code::parse_field("category", code))
                .map(CategoryRef::Code),
            (None, Some(id)) => errors
                .take("category_id", gridloop_core::CategoryId::new(id))
                .map(CategoryRef::Id),
            (None, None) => {
                errors.add("category", "is required (or give category_id)");
                None
            }
        };
        let title = match self.title.as_deref() {
            Some(raw) => errors.take("title", Title::parse(raw)),
            None => {
                errors.add("title", "is required");
                None
            }
        };
        let description = errors.take(
            "description",
            Description::parse(self.description.as_deref().unwrap_or("")),
        );
        let priority = errors
            .optional("priority", self.priority.as_deref(), str::parse::<Priority>)
            .or_else(|| self.priority.is_none().then(Priority::default));
        ReportInput {
            enterprise,
            category,
            title,
            description,
            priority,
        }
    }
}

/// An action on an issue (`POST /issues/{id}/actions`): its name, the version the caller saw,
/// and the fields the action takes. A field the action does not use is refused rather than
/// silently dropped.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "assign", "version": 2, "unit": "power"}))]
pub struct ActionBody {
    #[schema(required = true, schema_with = super::view::action_schema)]
    pub action: Option<String>,
    /// The issue's version the caller saw (or send `If-Match: "N"`). A stale one is 409.
    #[schema(minimum = 1)]
    pub version: Option<u32>,
    /// `assign`, `reassign`: the handling unit's code.
    #[schema(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub unit: Option<String>,
    /// `reject`, `return`, `hold`, `extend_request`, `extend_deny`, `rework`, `reopen` (required);
    /// `reassign` (optional).
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub reason: Option<String>,
    /// `resolve`, `comment` (required); `verify` (optional). Internal: never shown outside the
    /// loop.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub note: Option<String>,
    /// `resolve` (optional): what the requester is told. The only resolution text Open311
    /// shows (`status_notes`); without it Open311 shows just the status.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub public_note: Option<String>,
    /// `verify`: 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub satisfaction: Option<u8>,
    /// `mark_duplicate`: the surviving issue's id.
    #[schema(minimum = 1)]
    pub duplicate_of: Option<i64>,
    /// `extend_request` (required), `extend_grant` (optional): the new deadline, RFC 3339.
    #[schema(format = DateTime)]
    pub until: Option<String>,
    /// `accept`: reclassify to this category code.
    #[schema(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub category: Option<String>,
    #[schema(schema_with = super::view::accept_priority_schema)]
    pub priority: Option<String>,
}

/// The fields each action takes, as named in [`ActionBody`]; the required ones are the
/// transition table's `requires`.
fn fields_used(kind: ActionKind) -> &'static [&'static str] {
    match kind {
        ActionKind::Report => &[],
        ActionKind::Accept => &["category", "priority"],
        ActionKind::Assign => &["unit"],
        ActionKind::Reassign => &["unit", "reason"],
        ActionKind::Reject
        | ActionKind::Return
        | ActionKind::Hold
        | ActionKind::ExtendDeny
        | ActionKind::Rework
        | ActionKind::Reopen => &["reason"],
        ActionKind::ExtendRequest => &["until", "reason"],
        ActionKind::ExtendGrant => &["until"],
        ActionKind::Resolve => &["note", "public_note"],
        ActionKind::Comment => &["note"],
        ActionKind::Verify => &["satisfaction", "note"],
        ActionKind::MarkDuplicate => &["duplicate_of"],
        ActionKind::Start | ActionKind::Resume => &[],
    }
}

impl ActionBody {
    /// Which of the optional fields were sent, by name.
    fn present(&self) -> [(&'static str, bool); 9] {
        [
            ("unit", self.unit.is_some()),
            ("reason", self.reason.is_some()),
            ("note", self.note.is_some()),
            ("public_note", self.public_note.is_some()),
            ("satisfaction", self.satisfaction.is_some()),
            ("duplicate_of", self.duplicate_of.is_some()),
            ("until", self.until.is_some()),
            ("category", self.category.is_some()),
            ("priority", self.priority.is_some()),
        ]
    }

    /// Parses every field, recording each bad, missing or unused one in `errors`; `None` when
    /// the action itself is missing or bad. The version is left to the handler (it may come
    /// as `If-Match`).
    pub fn parse(self, errors: &mut Errors) -> Option<ActionInput> {
        let kind = match self.action.as_deref() {
            None => {
                errors.add("action", "is required");
                None
            }
            Some(raw) => match errors.take("action", raw.parse::<ActionKind>()) {
                Some(ActionKind::Report) => {
                    errors.add("action", "report creates a new issue: POST /issues instead");
                    None
                }
                other => other,
            },
        };
        if let Some(kind) = kind {
            let used = fields_used(kind);
            let required = gridloop_core::lifecycle::rule(kind).requires;
            for (name, present) in self.present() {
                if present && !used.contains(&name) {
                    errors.add(name, format!("is not used by {kind}"));
                }
                if !present && required.contains(&name) {
                    errors.add(name, format!("is required to {kind}"));
                }
            }
        }
        let unit = errors.optional("unit", self.unit.as_deref(), |s| {
            Code::parse_field("unit", s)
        });
        let category = errors.optional("category", self.category.as_deref(), |s| {
            Code::parse_field("category", s)
        });
        let reason = errors.optional("reason", self.reason.as_deref(), Reason::parse);
        let note = errors.optional("note", self.note.as_deref(), Note::parse);
        let public_note = errors.optional("public_note", self.public_note.as_deref(), Note::parse);
        let satisfaction = self
            .satisfaction
            .and_then(|s| errors.take("satisfaction", Satisfaction::new(s)));
        let duplicate_of = self
            .duplicate_of
            .and_then(|id| errors.take("duplicate_of", IssueId::new(id)));
        let until = errors.optional("until", self.until.as_deref(), parse_instant);
        let priority = errors.optional("priority", self.priority.as_deref(), str::parse);
        Some(ActionInput {
            unit,
            category,
            reason,
            note,
            public_note,
            satisfaction,
            duplicate_of,
            until: until.map(Until::At),
            priority,
            ..ActionInput::new(kind?)
        })
    }
}

/// Text to look for in titles: one line, as a title is, and no longer than one (a NUL or a
/// control character is no title's, and PostgreSQL refuses a NUL in text outright).
fn parse_search(raw: &str) -> Result<String, ParseError> {
    let q = raw.trim();
    if q.chars().count() > Title::MAX_CHARS {
        return Err(ParseError::new(
            "q",
            gridloop_core::Rule::TooLong {
                max: Title::MAX_CHARS,
            },
        ));
    }
    gridloop_core::text::check("q", q, gridloop_core::text::Lines::One)?;
    Ok(q.to_owned())
}

fn parse_instant(raw: &str) -> Result<DateTime<Utc>, ParseError> {
    gridloop_core::dates::parse_instant("until", raw)
}

/// Filters and paging of `GET /issues`. Every filter given narrows the list; the caller only
/// ever sees issues in their scope.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Any of these statuses, comma-separated (`assigned,in_progress`).
    pub status: Option<String>,
    /// A grid's code (`g1`).
    pub grid: Option<String>,
    /// A handling unit's code (`power`).
    pub unit: Option<String>,
    /// A category's code (`roads`).
    pub category: Option<String>,
    /// An enterprise's id.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub enterprise: Option<String>,
    /// The reporter's login.
    pub reporter: Option<String>,
    /// `true`: only issues past a deadline now. `false` (the default) does not filter.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// Text the title contains, case-insensitively.
    pub q: Option<String>,
    /// Page size, 1 to 500; 50 by default.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn parse(self, errors: &mut Errors) -> ListInput {
        // A set: `status=reported,reported,…` repeated must not become thousands of binds.
        let mut statuses = Vec::new();
        for part in self.status.as_deref().unwrap_or("").split(',') {
            if !part.trim().is_empty() {
                if let Some(status) = errors.take("status", part.parse::<Status>()) {
                    if !statuses.contains(&status) {
                        statuses.push(status);
                    }
                }
            }
        }
        let enterprise = errors.optional("enterprise", self.enterprise.as_deref(), |s| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| {
                    let rule = gridloop_core::Rule::Format(gridloop_core::Format::Id);
                    ParseError::new("enterprise", rule)
                })
                .and_then(EnterpriseId::new)
        });
        let overdue = errors
            .optional("overdue", self.overdue.as_deref(), |s| match s.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" | "" => Ok(false),
                _ => Err(ParseError::new(
                    "overdue",
                    gridloop_core::Rule::Format(gridloop_core::Format::Boolean),
                )),
            })
            .unwrap_or(false);
        let limit = errors
            .optional("limit", self.limit.as_deref(), |s| {
                s.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=gridloop_app::store::MAX_PAGE).contains(n))
                    .ok_or_else(|| {
                        ParseError::new(
                            "limit",
                            gridloop_core::Rule::Range {
                                min: 1,
                                max: i64::from(gridloop_app::store::MAX_PAGE),
                            },
                        )
                    })
            })
            .unwrap_or(DEFAULT_LIMIT);
        ListInput {
            statuses,
            grid: errors.optional("grid", self.grid.as_deref(), |s| {
                Code::parse_field("grid", s)
            }),
            unit: errors.optional("unit", self.unit.as_deref(), |s| {
                Code::parse_field("unit", s)
            }),
            category: errors.optional("category", self.category.as_deref(), |s| {
                Code::parse_field("category", s)
            }),
            enterprise,
            reporter: errors.optional("reporter", self.reporter.as_deref(), Login::parse),
            overdue,
            q: errors.optional(
                "q",
                self.q.as_deref().filter(|q| !q.trim().is_empty()),
                parse_search,
            ),
            limit,
            cursor: self.cursor,
        }
    }
}

/// The query of `GET /issues/export`: the list's filters (not its paging: the ledger is every
/// matching issue), the file format and the headers' language.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` (Excel, WPS) or `csv` (UTF-8 with a byte-order mark).
    #[param(required = true, schema_with = crate::openapi::names::export_format)]
    pub format: Option<String>,
    /// The headers' and labels' language; the server's report language (`zh-CN` unless
    /// configured) by default.
    #[param(schema_with = crate::openapi::names::locale)]
    pub locale: Option<String>,
    /// Any of these statuses, comma-separated (`assigned,in_progress`).
    pub status: Option<String>,
    /// A grid's code (`g1`).
    pub grid: Option<String>,
    /// A handling unit's code (`power`).
    pub unit: Option<String>,
    /// A category's code (`roads`).
    pub category: Option<String>,
    /// An enterprise's id.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub enterprise: Option<String>,
    /// The reporter's login.
    pub reporter: Option<String>,
    /// `true`: only issues past a deadline now.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// Text the title contains, case-insensitively.
    pub q: Option<String>,
}

impl ExportQuery {
    /// The filter as the list takes it, and the export's options (`None` when the format is
    /// missing or bad, which is recorded in `errors`).
    pub fn parse(self, errors: &mut Errors) -> (ListInput, Option<gridloop_app::export::Options>) {
        let format = match self.format.as_deref() {
            Some(raw) => errors.take("format", raw.parse::<gridloop_app::export::Format>()),
            None => {
                errors.add("format", "is required");
                None
            }
        };
        let locale = errors.optional("locale", self.locale.as_deref(), |s| {
            s.parse::<gridloop_core::Locale>()
        });
        let list = ListQuery {
            status: self.status,
            grid: self.grid,
            unit: self.unit,
            category: self.category,
            enterprise: self.enterprise,
            reporter: self.reporter,
            overdue: self.overdue,
            q: self.q,
            limit: None,
            cursor: None,
        };
        let input = list.parse(errors);
        let options = format.map(|format| gridloop_app::export::Options { format, locale });
        (input, options)
    }
}

/// Parses an `If-Match` header: one strong entity tag `"N"` as the API hands out.
pub fn parse_if_match(raw: &[u8]) -> Result<u32, ParseError> {
    let bad = || {
        ParseError::new(
            "If-Match",
            gridloop_core::Rule::Format(gridloop_core::Format::ETag),
        )
    };
    let text = std::str::from_utf8(raw).map_err(|_| bad())?.trim();
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(bad)?;
    if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    inner.parse().map_err(|_| bad())
}

/// Parses an issue id from a path segment: digits only, positive, fitting an i64. Anything
/// else names no issue.
pub fn parse_issue_id(raw: &str) -> Option<IssueId> {
    if raw.is_empty() || raw.len() > 19 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse::<i64>().ok().and_then(|n| IssueId::new(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_takes_one_strong_numeric_tag() {
        assert_eq!(parse_if_match(b"\"3\"").ok(), Some(3));
        assert_eq!(parse_if_match(b" \"12\" ").ok(), Some(12));
        for bad in [
            &b"3"[..],
            b"W/\"3\"",
            b"*",
            b"\"\"",
            b"\"a\"",
            b"\"1\", \"2\"",
            b"\xff",
        ] {
            assert!(parse_if_match(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn path_ids_are_plain_positive_numbers() {
        assert_eq!(parse_issue_id("42").map(IssueId::get), Some(42));
        for bad in [
            "",
            "0",
            "-1",
            "abc",
            "+1",
            " 1",
            "#1",
            "99999999999999999999",
            "1e3",
        ] {
            assert!(parse_issue_id(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn every_bad_action_field_is_named_at_once() {
        let body = ActionBody {
            action: Some("verify".into()),
            satisfaction: Some(9),
            note: Some("  ".into()),
            unit: Some("power".into()),
            ..ActionBody::default()
        };
        let mut errors = Errors::default();
        let _ = body.parse(&mut errors);
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["unit", "note", "satisfaction"], "{:?}", errors.0);
    }

    #[test]
    fn required_action_fields_come_from_the_transition_table() {
        let body = ActionBody {
            action: Some("extend_request".into()),
            ..ActionBody::default()
        };
        let mut errors = Errors::default();
        assert_eq!(
            body.parse(&mut errors).map(|a| a.kind),
            Some(ActionKind::ExtendRequest)
        );
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["reason", "until"]);
    }
}
