//! Service requests: posting one (a new issue), listing and reading them, and tokens.
//!
//! Every one of them needs an `api_key`: a token of scope `open311` (an API token is refused,
//! as an Open311 key is under `/api/v1`). A key reads back only the requests its user reported:
//! another's is "not found", exactly as one that does not exist, and lists leave them out. So a
//! 311 client learns nothing about the park beyond what it sent in itself.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use gridloop_app::issues::{self, CategoryRef, Intake};
use gridloop_app::store::{IssueFilter, Open311Details, TokenScope, MAX_PAGE};
use gridloop_app::AppError;
use gridloop_core::{
    dates, CategoryId, Code, ContactPhone, Description, Email, EnterpriseId, Issue, IssueId,
    Priority, Role, Source, Status, Title,
};

use super::doc::{Doc, Failure};
use super::form::Params;
use super::services::{ENTERPRISE_ATTRIBUTE, PRIORITY_ATTRIBUTE};
use super::{datetime, ZONE};
use crate::auth::{caller_for_token, Caller};
use gridloop_app::AppState;

/// The most requests one `GET /requests` answers.
const MAX_REQUESTS: usize = 1000;
/// The window `GET /requests` covers when no `start_date` is given.
const DEFAULT_DAYS: i64 = 90;
/// Bounds on the free-text fields of a request besides the description.
const MAX_NAME_CHARS: usize = 100;
const MAX_ADDRESS_CHARS: usize = 500;
const MAX_URL_CHARS: usize = 2000;

/// `POST /requests`: checks the key, then every field, then reports — nothing is stored unless
/// all of it is good. Answers `[{service_request_id, service_notice, account_id}]`.
pub async fn create(state: &AppState, params: &Params) -> Result<Doc, Failure> {
    let caller = key_holder(state, params).await?;
    if !caller.actor.has_role(Role::Enterprise) {
        return Err(Failure::forbidden(
            "this api_key's user may not report: it needs the enterprise role",
        ));
    }

    let service_code = params
        .get("service_code")
        .ok_or_else(|| Failure::bad_request("service_code is required"))?;
    // The spec's POST errors: an unknown service_code is 404.
    let unknown_service = || Failure::not_found(format!("service_code '{service_code}' not found"));
    let code = Code::parse(service_code).map_err(|_| unknown_service())?;
    let category = state
        .store
        .category_by_code(&code)
        .await?
        .ok_or_else(unknown_service)?;

    let details = details(params)?;

    let enterprise = params
        .get(&format!("attribute[{ENTERPRISE_ATTRIBUTE}]"))
        .ok_or_else(|| {
            Failure::bad_request(format!(
                "attribute[{ENTERPRISE_ATTRIBUTE}] is required: the id of the enterprise concerned"
            ))
        })?;
    let enterprise = enterprise
        .parse::<i64>()
        .ok()
        .and_then(|n| EnterpriseId::new(n).ok())
        .ok_or_else(|| {
            Failure::bad_request(format!(
                "attribute[{ENTERPRISE_ATTRIBUTE}] '{enterprise}' is not an enterprise id"
            ))
        })?;
    let priority = match params.get(&format!("attribute[{PRIORITY_ATTRIBUTE}]")) {
        Some(raw) => raw.parse::<Priority>().map_err(|_| {
            Failure::bad_request(format!(
                "attribute[{PRIORITY_ATTRIBUTE}] '{raw}' is not one of low, normal, high, urgent"
            ))
        })?,
        None => Priority::Normal,
    };
    let description = Description::parse(params.raw("description").unwrap_or(""))
        .map_err(|e| Failure::bad_request(format!("description {}", e.rule())))?;
    let title = title_for(&description, category.name.as_str())?;

    let intake = Intake {
        enterprise,
        category: CategoryRef::Id(category.id),
        title,
        description,
        priority,
        source: Source::Open311,
        client_key: None,
        open311: Some(details),
    };
    let reported = issues::intake(state, &caller.actor, intake)
        .await
        .map_err(|e| match e {
            AppError::NotPermitted { .. } | AppError::OutOfScope { .. } => Failure::forbidden(format!(
                "this api_key may not report for enterprise {enterprise}"
            )),
            AppError::Invalid(list) if list.iter().any(|e| e.field() == "enterprise") => {
                Failure::bad_request(format!(
                    "attribute[{ENTERPRISE_ATTRIBUTE}] {enterprise} is not an enterprise of the park"
                ))
            }
            other => other.into(),
        })?;
    let issue = reported.issue;
    tracing::info!(
        issue = %issue.id,
        enterprise = %issue.enterprise,
        category = %category.code.as_str(),
        user = %caller.user.login,
        "open311: request reported"
    );
    Ok(Doc::List(
        "request",
        vec![Doc::Record(vec![
            ("service_request_id", Doc::text(issue.id.to_string())),
            (
                "service_notice",
                Doc::text(format!(
                    "received as issue {}: the coordinating office will accept and assign it",
                    issue.id
                )),
            ),
            ("account_id", Doc::Null),
        ])],
    ))
}

/// The holder of the request's `api_key`, which must be a live Open311 key (scope `open311`):
/// 403 otherwise, in the spec's shape.
async fn key_holder(state: &AppState, params: &Params) -> Result<Caller, Failure> {
    let key_refused = || Failure::forbidden("api_key is missing or invalid");
    let key = params.get("api_key").ok_or_else(key_refused)?;
    caller_for_token(state, key, TokenScope::Open311)
        .await
        .map_err(|p| {
            if p.status().is_server_error() {
                Failure::internal()
            } else if p.status() == axum::http::StatusCode::FORBIDDEN {
                Failure::forbidden(
                    "this api_key is an API token; Open311 needs a key of scope open311 \
                     (gridloop token create --scope open311)",
                )
            } else {
                key_refused()
            }
        })
}

/// The location, media and contact fields, each checked. A location is required: `lat` and
/// `long`, an `address_string` or an `address_id`.
fn details(params: &Params) -> Result<Open311Details, Failure> {
    let coordinate = |name: &str, bound: f64| -> Result<Option<f64>, Failure> {
        params
            .get(name)
            .map(|raw| {
                raw.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && v.abs() <= bound)
                    .ok_or_else(|| {
                        Failure::bad_request(format!(
                            "{name} '{raw}' is not a coordinate between -{bound} and {bound}"
                        ))
                    })
            })
            .transpose()
    };
    let lat = coordinate("lat", 90.0)?;
    let long = coordinate("long", 180.0)?;
    if lat.is_some() != long.is_some() {
        return Err(Failure::bad_request("lat and long must be given together"));
    }
    let text = |name: &str, max: usize| -> Result<Option<String>, Failure> {
        params
            .get(name)
            .map(|v| {
                if v.chars().count() > max {
                    Err(Failure::bad_request(format!(
                        "{name} is longer than {max} characters"
                    )))
                } else if v
                    .chars()
                    .any(|c| c.is_control() || gridloop_core::text::is_bidi_control(c))
                {
                    Err(Failure::bad_request(format!(
                        "{name} must not contain control or bidirectional control characters"
                    )))
                } else {
                    Ok(v.to_owned())
                }
            })
            .transpose()
    };
    let address_string = text("address_string", MAX_ADDRESS_CHARS)?;
    let address_id = text("address_id", MAX_ADDRESS_CHARS)?;
    if lat.is_none() && address_string.is_none() && address_id.is_none() {
        return Err(Failure::bad_request(
            "a location is required: lat and long, address_string or address_id",
        ));
    }
    let media_url = text("media_url", MAX_URL_CHARS)?;
    if let Some(url) = &media_url {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(Failure::bad_request("media_url must be an http(s) URL"));
        }
    }
    // The contact is parsed by the core's types and never echoed raw: a bad email is named in
    // the error by its field, not its value. The spec's phone is free text: kept as given (held
    // to the same length and character rules as the names), read as E.164 where it parses, and
    // never refused for how the number is written.
    let email = params
        .get("email")
        .map(Email::parse)
        .transpose()
        .map_err(|_| Failure::bad_request("email is not an email address"))?;
    let phone = text("phone", MAX_NAME_CHARS)?
        .as_deref()
        .and_then(ContactPhone::new);
    Ok(Open311Details {
        lat,
        long,
        address_string,
        address_id,
        email,
        first_name: text("first_name", MAX_NAME_CHARS)?,
        last_name: text("last_name", MAX_NAME_CHARS)?,
        phone,
        media_url,
    })
}

/// The issue's title: the description's first non-blank line, shortened to fit, or the
/// service's name when there is no description. A title is one line, so the TABs (and Unicode
/// line separators) a description may hold become spaces.
fn title_for(description: &Description, service_name: &str) -> Result<Title, Failure> {
    let first: String = description
        .as_str()
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(service_name)
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let title = if first.chars().count() > Title::MAX_CHARS {
        let mut cut: String = first.chars().take(Title::MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        first.to_owned()
    };
    Title::parse(&title).map_err(|e| Failure::bad_request(format!("description {}", e.rule())))
}

/// `GET /requests`: the key's own requests, by ids (`service_request_id`, a comma list, which
/// overrides the other filters), or by `service_code` (comma delimited, may be declared several
/// times: any of them), `status` (`open`, `closed`) and `start_date`..`end_date` (the last 90
/// days by default); newest first, at most 1,000.
pub async fn list(state: &AppState, params: &Params) -> Result<(&'static str, Doc), Failure> {
    let caller = key_holder(state, params).await?;
    let mut categories = Vec::new();
    let mut filter = IssueFilter {
        source: Some(Source::Open311),
        reporter: Some(caller.user.id),
        ..IssueFilter::default()
    };
    // Like service_code, ids may come comma delimited, the parameter declared several times, or
    // both; every value counts (not only the first).
    let ids = params.list("service_request_id");
    if !ids.is_empty() {
        if ids.len() > MAX_REQUESTS {
            return Err(Failure::bad_request(format!(
                "at most {MAX_REQUESTS} service_request_ids at once"
            )));
        }
        filter.ids = ids.into_iter().map(parse_id).collect::<Result<_, _>>()?;
    } else {
        categories = service_categories(state, params).await?;
        if let Some(status) = params.get("status") {
            filter.statuses = statuses(status)?;
        }
        let start = params
            .get("start_date")
            .map(|d| date("start_date", d))
            .transpose()?;
        let end = params
            .get("end_date")
            .map(|d| date("end_date", d))
            .transpose()?;
        if let (Some(start), Some(end)) = (start, end) {
            if start > end {
                return Err(Failure::bad_request("start_date is after end_date"));
            }
        }
        let until = end.unwrap_or_else(|| state.clock.now());
        filter.created_from = Some(start.unwrap_or(until - Duration::days(DEFAULT_DAYS)));
        filter.created_before = end;
    }
    // One query per service named (the store filters by one category): each gives its newest
    // 1,000, so the newest 1,000 of them all are among them.
    let mut issues = Vec::new();
    if categories.is_empty() {
        issues = newest(state, &filter).await?;
    }
    for category in categories {
        let filter = IssueFilter {
            category: Some(category),
            ..filter.clone()
        };
        issues.extend(newest(state, &filter).await?);
    }
    issues.sort_by_key(|i| std::cmp::Reverse(i.id));
    issues.truncate(MAX_REQUESTS);
    let extensions = extensions(params)?;
    let doc = render(state, &caller, &issues, extensions).await?;
    Ok(("service_requests", doc))
}

/// The newest 1,000 issues the filter matches.
async fn newest(state: &AppState, filter: &IssueFilter) -> Result<Vec<Issue>, Failure> {
    let mut issues = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = state
            .store
            .list_issues(filter, MAX_PAGE, cursor.as_deref())
            .await?;
        issues.extend(page.items);
        match page.next_cursor {
            Some(next) if issues.len() < MAX_REQUESTS => cursor = Some(next),
            _ => break,
        }
    }
    issues.truncate(MAX_REQUESTS);
    Ok(issues)
}

/// The categories `service_code` names, each once; a code that names none is a 400.
async fn service_categories(state: &AppState, params: &Params) -> Result<Vec<CategoryId>, Failure> {
    let mut categories = Vec::new();
    let mut codes = params.list("service_code");
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        let unknown = || Failure::bad_request(format!("service_code '{code}' not found"));
        let code = Code::parse(code).map_err(|_| unknown())?;
        // The state's cache of codes, as intake and actions resolve them.
        let category = state.category_id(&code).await?.ok_or_else(unknown)?;
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    Ok(categories)
}

/// `GET /requests/{id}`: an array of one; 404 for an unknown id, an issue that did not come
/// through Open311, or one another key's user reported.
pub async fn one(state: &AppState, id: &str, params: &Params) -> Result<Doc, Failure> {
    let caller = key_holder(state, params).await?;
    let issue = open311_issue(state, &caller, id).await?;
    render(state, &caller, &[issue], extensions(params)?).await
}

/// `GET /tokens/{token}`: requests are created at once, so the token is the request's id.
pub async fn token(state: &AppState, token: &str, params: &Params) -> Result<Doc, Failure> {
    let caller = key_holder(state, params).await?;
    let issue = open311_issue(state, &caller, token).await?;
    Ok(Doc::List(
        "request",
        vec![Doc::Record(vec![
            ("service_request_id", Doc::text(issue.id.to_string())),
            ("token", Doc::text(issue.id.to_string())),
        ])],
    ))
}

/// The request, if it came through Open311 from the caller's user; "not found" alike for one
/// that does not exist and one that is another's.
async fn open311_issue(state: &AppState, caller: &Caller, id: &str) -> Result<Issue, Failure> {
    let unknown = || Failure::not_found(format!("service request '{id}' not found"));
    let id = parse_id(id).map_err(|_| unknown())?;
    state
        .store
        .issue(id)
        .await?
        .filter(|i| i.source == Source::Open311 && i.reporter == Some(caller.user.id))
        .ok_or_else(unknown)
}

fn parse_id(raw: &str) -> Result<IssueId, Failure> {
    raw.parse::<i64>()
        .ok()
        .and_then(|n| IssueId::new(n).ok())
        .ok_or_else(|| Failure::bad_request(format!("'{raw}' is not a service_request_id")))
}

/// `open`, `closed`, or both as a comma list; each state once, however often it is named.
fn statuses(raw: &str) -> Result<Vec<Status>, Failure> {
    let mut out: Vec<Status> = Vec::new();
    let mut add = |states: &[Status]| {
        for s in states {
            if !out.contains(s) {
                out.push(*s);
            }
        }
    };
    for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match part.to_ascii_lowercase().as_str() {
            "open" => add(&Status::OPEN),
            "closed" => add(&CLOSED),
            _ => {
                return Err(Failure::bad_request(format!(
                    "status '{part}' is not open or closed"
                )))
            }
        }
    }
    Ok(out)
}

/// The states Open311 calls `closed`.
const CLOSED: [Status; 3] = [Status::Closed, Status::Rejected, Status::Duplicate];

/// An ISO 8601 instant with an offset; a bare date means its midnight in the park's zone. A `+`
/// that arrived as a space (an unencoded query string) is taken for the `+` it was. Either is
/// held to the core's span of years, so the default window's arithmetic cannot overflow.
fn date(name: &'static str, raw: &str) -> Result<DateTime<Utc>, Failure> {
    let parse = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
    let spaced = || {
        raw.rsplit_once(' ')
            .and_then(|(head, tail)| parse(&format!("{head}+{tail}")).ok())
    };
    let day = || {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .and_then(|day| dates::check_date(name, day).ok())
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .and_then(|t| t.and_local_timezone(ZONE).single())
            .map(|t| t.with_timezone(&Utc))
    };
    let at = parse(raw).ok().or_else(spaced).or_else(day).ok_or_else(|| {
        Failure::bad_request(format!(
            "{name} '{raw}' is not an ISO 8601 date-time with an offset, e.g. 2026-11-27T10:00:00+08:00, \
             from {} to {}",
            dates::YEARS.start(),
            dates::YEARS.end()
        ))
    })?;
    dates::check_instant(name, at).map_err(|e| Failure::bad_request(e.to_string()))
}

fn extensions(params: &Params) -> Result<bool, Failure> {
    match params.get("extensions") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
        Some(v) => Err(Failure::bad_request(format!(
            "extensions '{v}' is not true or false"
        ))),
    }
}

/// The requests as the spec shows them, with the names and details looked up once for all.
///
/// Only what the requester may know leaves here: their own words (title, description,
/// location, media), the service and the agency responsible (an organisation, not a person),
/// the state and its times, and the note the unit wrote *for the requester* when resolving.
/// The unit's internal resolution note, reasons (rejection, return, hold, extension),
/// comments, and who acted never do; nor the id of a surviving duplicate the key cannot read.
async fn render(
    state: &AppState,
    caller: &Caller,
    issues: &[Issue],
    extensions: bool,
) -> Result<Doc, Failure> {
    let categories: HashMap<_, _> = state
        .store
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let units: HashMap<_, _> = state
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let enterprises: HashMap<_, _> = state
        .store
        .enterprises(None)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let ids: Vec<IssueId> = issues.iter().map(|i| i.id).collect();
    let details: HashMap<_, _> = state
        .store
        .open311_details(&ids)
        .await?
        .into_iter()
        .collect();
    let duplicates_shown = own_requests(
        state,
        caller,
        issues.iter().filter_map(|i| i.duplicate_of).collect(),
    )
    .await?;
    let shown_duplicate =
        |issue: &Issue| issue.duplicate_of.filter(|d| duplicates_shown.contains(d));
    let items = issues
        .iter()
        .map(|issue| {
            let category = categories.get(&issue.category);
            let enterprise = enterprises.get(&issue.enterprise);
            let details = details.get(&issue.id);
            let detail = |f: fn(&Open311Details) -> Option<&String>| {
                Doc::opt_text(details.and_then(f).cloned())
            };
            let address = details
                .and_then(|d| d.address_string.clone())
                .or_else(|| enterprise.and_then(|e| e.address.clone()));
            let coordinate = |f: fn(&Open311Details) -> Option<f64>| {
                details.and_then(f).map_or(Doc::Null, Doc::Float)
            };
            let mut fields = vec![
                ("service_request_id", Doc::text(issue.id.to_string())),
                ("status", Doc::text(open311_status(issue.status))),
                (
                    "status_notes",
                    Doc::text(status_notes(issue, shown_duplicate(issue))),
                ),
                (
                    "service_name",
                    Doc::opt_text(category.map(|c| c.name.to_string())),
                ),
                (
                    "service_code",
                    Doc::opt_text(category.map(|c| c.code.as_str().to_owned())),
                ),
                ("description", Doc::text(issue.description.as_str())),
                (
                    "agency_responsible",
                    Doc::opt_text(
                        issue
                            .unit
                            .and_then(|u| units.get(&u))
                            .map(|n| n.to_string()),
                    ),
                ),
                ("service_notice", Doc::Null),
                ("requested_datetime", Doc::text(datetime(issue.created_at))),
                ("updated_datetime", Doc::text(datetime(issue.updated_at))),
                (
                    "expected_datetime",
                    Doc::opt_text(issue.resolve_due_at.map(datetime)),
                ),
                ("address", Doc::opt_text(address)),
                ("address_id", detail(|d| d.address_id.as_ref())),
                ("zipcode", Doc::Null),
                ("lat", coordinate(|d| d.lat)),
                ("long", coordinate(|d| d.long)),
                ("media_url", detail(|d| d.media_url.as_ref())),
            ];
            if extensions {
                fields.push((
                    "extended_attributes",
                    extended_attributes(
                        issue,
                        enterprise.map(|e| e.name.to_string()),
                        shown_duplicate(issue),
                    ),
                ));
            }
            Doc::Record(fields)
        })
        .collect();
    Ok(Doc::List("request", items))
}

fn open311_status(status: Status) -> &'static str {
    if status.is_open() {
        "open"
    } else {
        "closed"
    }
}

/// Which of `ids` are Open311 requests the caller's user reported: the only ones a key may be
/// pointed to.
async fn own_requests(
    state: &AppState,
    caller: &Caller,
    ids: Vec<IssueId>,
) -> Result<std::collections::HashSet<IssueId>, Failure> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let filter = IssueFilter {
        ids,
        source: Some(Source::Open311),
        reporter: Some(caller.user.id),
        ..IssueFilter::default()
    };
    let page = state.store.list_issues(&filter, MAX_PAGE, None).await?;
    Ok(page.items.into_iter().map(|i| i.id).collect())
}

/// gridloop's own state, with what the requester may be told about it: the unit's public note
/// once resolved (never its internal one), and the surviving request of a duplicate when the
/// requester may read it.
fn status_notes(issue: &Issue, duplicate_of: Option<IssueId>) -> String {
    match (issue.status, &issue.public_resolution, duplicate_of) {
        (Status::Duplicate, _, Some(of)) => format!("duplicate: see request {of}"),
        (Status::Resolved | Status::Closed, Some(note), _) => {
            format!("{}: {note}", issue.status)
        }
        (status, _, _) => status.to_string(),
    }
}

/// The detailed state, with `extensions=true`: facts and times, never free text the loop wrote.
fn extended_attributes(
    issue: &Issue,
    enterprise: Option<String>,
    duplicate_of: Option<IssueId>,
) -> Doc {
    let time = |t: Option<DateTime<Utc>>| Doc::opt_text(t.map(datetime));
    Doc::Record(vec![
        ("gridloop_status", Doc::text(issue.status.as_str())),
        ("priority", Doc::text(issue.priority.as_str())),
        ("enterprise_id", Doc::Int(issue.enterprise.get())),
        ("enterprise", Doc::opt_text(enterprise)),
        ("title", Doc::text(issue.title.as_str())),
        ("version", Doc::Int(i64::from(issue.version))),
        (
            "escalation_level",
            Doc::Int(i64::from(issue.escalation_level)),
        ),
        ("rework_count", Doc::Int(i64::from(issue.rework_count))),
        ("assigned_datetime", time(issue.assigned_at)),
        ("response_due_datetime", time(issue.response_due_at)),
        ("responded_datetime", time(issue.responded_at)),
        ("resolved_datetime", time(issue.resolved_at)),
        ("closed_datetime", time(issue.closed_at)),
        (
            "duplicate_of",
            Doc::opt_text(duplicate_of.map(|d| d.to_string())),
        ),
        (
            "satisfaction",
            issue
                .satisfaction
                .map_or(Doc::Null, |s| Doc::Int(i64::from(s.get()))),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_first_line_is_shortened_to_a_title() {
        let long = "路".repeat(300);
        let description = Description::parse(&format!("\n  {long}\nmore")).unwrap();
        let title = title_for(&description, "道路交通").unwrap();
        assert_eq!(title.as_str().chars().count(), Title::MAX_CHARS);
        assert!(title.as_str().ends_with('…'));
        let empty = Description::parse("").unwrap();
        assert_eq!(title_for(&empty, "道路交通").unwrap().as_str(), "道路交通");
    }

    #[test]
    fn dates_take_offsets_bare_days_and_a_plus_sent_as_a_space() {
        let want = DateTime::parse_from_rfc3339("2026-11-27T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(date("d", "2026-11-27T10:00:00+08:00").unwrap(), want);
        assert_eq!(date("d", "2026-11-27T10:00:00 08:00").unwrap(), want);
        assert_eq!(date("d", "2026-11-27").unwrap(), want - Duration::hours(10));
        assert!(date("d", "yesterday").is_err());
    }

    #[test]
    fn closed_rejected_and_duplicate_are_closed() {
        for s in Status::ALL {
            let want = if CLOSED.contains(&s) {
                "closed"
            } else {
                "open"
            };
            assert_eq!(open311_status(s), want, "{s}");
        }
    }
}
