//! `/calendars`: the working calendars for admins — a year read, a day set, a year imported.
//! Every change is audited (who, when, before, after) by the app's use cases.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use gridloop_app::calendars::{
    self, CalendarChanged, ChangedBy, DayChange, FileFormat, Mode, MovedDeadlines,
};
use gridloop_app::store::StoredCalendarYear;
use gridloop_app::AppState;
use gridloop_core::calendar::YearDay;
use gridloop_core::dates::parse_date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use crate::reference::{Admin, Forbidden, Invalid, NotFound, Unauthorized};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_year))
        .routes(routes!(put_day))
        .routes(routes!(import_year))
}

/// One listed day of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayView {
    /// YYYY-MM-DD.
    pub date: String,
    /// holiday or workday (a make-up working day).
    pub kind: String,
    pub name: String,
    /// For a workday: the weekday whose hours it is worked with (mon … sun).
    pub works_as: Option<String>,
}

/// A region's year as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYearView {
    pub region: String,
    pub year: i32,
    /// Grows by one with every change.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// IANA name, e.g. Asia/Shanghai.
    pub time_zone: String,
    /// Working periods per weekday, e.g. {"mon": ["09:00-12:00", "13:30-18:00"]}.
    #[schema(value_type = Object)]
    pub hours: serde_json::Value,
    pub source: Option<String>,
    pub days: Vec<DayView>,
}

impl From<&StoredCalendarYear> for CalendarYearView {
    fn from(y: &StoredCalendarYear) -> Self {
        let days = y
            .year
            .days()
            .map(|(date, day)| match day {
                YearDay::Holiday { name } => DayView {
                    date: date.to_string(),
                    kind: "holiday".into(),
                    name,
                    works_as: None,
                },
                YearDay::MakeUp { name, works_as } => DayView {
                    date: date.to_string(),
                    kind: "workday".into(),
                    name,
                    works_as: Some(works_as.to_string().to_lowercase()),
                },
            })
            .collect();
        Self {
            region: y.region.clone(),
            year: y.year.year(),
            version: y.version,
            updated_at: y.updated_at,
            time_zone: y.time_zone.name().to_owned(),
            hours: serde_json::to_value(&y.hours).unwrap_or_default(),
            source: y.year.source().map(str::to_owned),
            days,
        }
    }
}

/// What a day becomes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayChangeBody {
    /// holiday, workday or normal (back to the weekly hours).
    #[schema(pattern = "^(holiday|workday|normal)$")]
    pub kind: String,
    /// The day's name and why; kept in the audit trail.
    pub note: Option<String>,
}

/// A calendar file to import.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    /// toml (the format of config/calendars/) or csv (lines of date,kind[,name]).
    #[schema(pattern = "^(toml|csv)$")]
    pub format: String,
    /// The file's text.
    pub content: String,
    /// Why; kept in the audit trail.
    pub note: Option<String>,
}

/// A change's answer: the year after it, and the open deadlines it moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarChangeView {
    /// The year as stored after the change (in a dry run: as it would be).
    pub year: CalendarYearView,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// The open issues whose deadlines the change moved (or would move): each got a
    /// `deadlines_recomputed` event.
    pub moved: Vec<MovedView>,
}

/// An issue's deadlines before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovedView {
    pub issue: i64,
    pub response_due_at: Option<MoveView>,
    pub resolve_due_at: Option<MoveView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MoveView {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl From<&CalendarChanged> for CalendarChangeView {
    fn from(c: &CalendarChanged) -> Self {
        let view = |m: &gridloop_core::DeadlineMove| MoveView {
            from: m.from,
            to: m.to,
        };
        Self {
            year: CalendarYearView::from(&c.year),
            dry_run: c.mode == Mode::DryRun,
            moved: c
                .moved
                .iter()
                .map(|m: &MovedDeadlines| MovedView {
                    issue: m.issue.get(),
                    response_due_at: m.response_due_at.as_ref().map(view),
                    resolve_due_at: m.resolve_due_at.as_ref().map(view),
                })
                .collect(),
        }
    }
}

/// `?dry_run=true`: check and say what would change; write nothing.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DryRun {
    /// Check everything and list the deadlines that would move; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

impl DryRun {
    fn mode(&self) -> Mode {
        if self.dry_run {
            Mode::DryRun
        } else {
            Mode::Apply
        }
    }
}

/// A region's stored year: its zone, weekly hours, holidays and make-up working days.
#[utoipa::path(
    get,
    path = "/calendars/{region}/{year}",
    tag = "calendars",
    security(("bearer" = [])),
    params(
        ("region" = String, Path, description = "The region, e.g. cn"),
        ("year" = i32, Path, description = "The year, 2000–2100", minimum = 2000, maximum = 2100),
    ),
    responses(
        (status = 200, description = "The year", body = CalendarYearView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "get calendar year", skip_all)]
async fn get_year(
    Admin(_admin): Admin,
    State(state): State<AppState>,
    ApiPath((region, year)): ApiPath<(String, i32)>,
) -> Result<Json<CalendarYearView>, Problem> {
    let stored = calendars::change::year(&state, &region, year).await?;
    Ok(Json(CalendarYearView::from(&stored)))
}

/// Makes a day a holiday, a make-up working day, or normal again (audited).
#[utoipa::path(
    put,
    path = "/calendars/{region}/days/{date}",
    tag = "calendars",
    security(("bearer" = [])),
    params(
        ("region" = String, Path, description = "The region, e.g. cn"),
        ("date" = String, Path, description = "YYYY-MM-DD"),
        DryRun,
    ),
    request_body = DayChangeBody,
    responses(
        (status = 200, description = "The year after the change and the deadlines it moved", body = CalendarChangeView),
        NotFound,
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "set calendar day", skip_all)]
async fn put_day(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath((region, date)): ApiPath<(String, String)>,
    ApiQuery(dry): ApiQuery<DryRun>,
    ApiJson(body): ApiJson<DayChangeBody>,
) -> Result<Json<CalendarChangeView>, Problem> {
    let by = ChangedBy::admin(&admin.actor, &admin.user.login)?;
    let date = parse_date("date", &date).map_err(gridloop_app::AppError::from)?;
    let change = DayChange::parse("kind", &body.kind)?;
    let changed =
        calendars::set_day(&state, &by, &region, date, change, body.note, dry.mode()).await?;
    Ok(Json(CalendarChangeView::from(&changed)))
}

/// Replaces a year with a TOML or CSV file, refused whole with the line and reason (audited).
#[utoipa::path(
    post,
    path = "/calendars/{region}/import",
    tag = "calendars",
    security(("bearer" = [])),
    params(("region" = String, Path, description = "The region, e.g. cn"), DryRun),
    request_body = ImportBody,
    responses(
        (status = 200, description = "The year as stored and the deadlines it moved", body = CalendarChangeView),
        NotFound,
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "import calendar year", skip_all)]
async fn import_year(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(region): ApiPath<String>,
    ApiQuery(dry): ApiQuery<DryRun>,
    ApiJson(body): ApiJson<ImportBody>,
) -> Result<Json<CalendarChangeView>, Problem> {
    let by = ChangedBy::admin(&admin.actor, &admin.user.login)?;
    let format = FileFormat::parse("format", &body.format)?;
    let year = calendars::parse_file(&body.content, format)?;
    let changed = calendars::import(&state, &by, &region, year, body.note, dry.mode()).await?;
    Ok(Json(CalendarChangeView::from(&changed)))
}
