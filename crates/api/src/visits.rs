//! `/visits` and `/visit-plans`: the weekly on-site service to each enterprise.
//!
//! Commissioners see and log their own visits; supervisors, dispatchers and admins see all.
//! Admins manage the plans. The rules are the app's (`gridloop_app::visits`).

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use gridloop_app::store::{Visit, VisitPlanRecord};
use gridloop_app::visits::{self, NewPlanInput, RaisedInput, VisitQuery as Query};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::reference::{created, path_id, Admin, Forbidden, Invalid, NotFound, Unauthorized};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use gridloop_app::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_visits))
        .routes(routes!(check_in))
        .routes(routes!(complete))
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(patch_plan))
}

/// One occurrence of a visit plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitView {
    pub id: i64,
    pub plan: i64,
    pub enterprise: i64,
    pub commissioner: i64,
    pub scheduled_at: DateTime<Utc>,
    /// The visit is missed if not logged by then.
    pub window_end_at: DateTime<Utc>,
    /// `planned`, `checked_in`, `completed` or `missed`.
    pub status: String,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
    /// Issues raised during the visit.
    pub issues: Vec<i64>,
}

fn view(v: Visit) -> VisitView {
    VisitView {
        id: v.id,
        plan: v.plan,
        enterprise: v.enterprise.get(),
        commissioner: v.commissioner.get(),
        scheduled_at: v.scheduled_at,
        window_end_at: v.window_end_at,
        status: v.status.as_str().to_owned(),
        checked_in_at: v.checked_in_at,
        completed_at: v.completed_at,
        notes: v.notes,
        issues: v.issues.iter().map(|i| i.get()).collect(),
    }
}

/// Which visits to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    /// `today` or `week` (Monday to Sunday, in the park's time zone).
    #[param(schema_with = crate::openapi::names::visit_due)]
    pub due: Option<String>,
    /// `planned`, `checked_in`, `completed` or `missed`.
    #[param(schema_with = crate::openapi::names::visit_status)]
    pub status: Option<String>,
    /// Only this enterprise's visits.
    #[param(minimum = 1)]
    pub enterprise: Option<i64>,
}

/// Lists visits by scheduled time: a commissioner's own, or all for supervisors, dispatchers
/// and admins.
#[utoipa::path(
    get,
    path = "/visits",
    tag = "visits",
    security(("bearer" = [])),
    params(VisitQuery),
    responses(
        (status = 200, description = "Visits by scheduled time (at most 500)", body = [VisitView]),
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "list visits", skip_all)]
async fn list_visits(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<VisitQuery>,
) -> Result<Json<Vec<VisitView>>, Problem> {
    let query = Query {
        due: query.due,
        status: query.status,
        enterprise: query.enterprise,
    };
    let visits = visits::list(&state, &caller.actor, &query).await?;
    Ok(Json(visits.into_iter().map(view).collect()))
}

/// Checks in on site: the visit's commissioner, from an hour before the window opens until it
/// ends.
#[utoipa::path(
    post,
    path = "/visits/{id}/checkin",
    tag = "visits",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The visit's id", minimum = 1)),
    responses(
        (status = 200, description = "The visit, checked in", body = VisitView),
        Unauthorized,
        NotFound,
        (status = 422, description = "The visit's status or window does not allow it",
         content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(name = "check in", skip_all)]
async fn check_in(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<VisitView>, Problem> {
    Ok(Json(view(
        visits::check_in(&state, &caller.actor, id).await?,
    )))
}

/// An issue found on site.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaisedIssue {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069][^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub title: String,
    /// The category's code.
    #[schema(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub category: String,
    #[serde(default)]
    #[schema(
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub description: String,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[serde(default)]
    #[schema(schema_with = crate::openapi::names::priority)]
    pub priority: Option<String>,
}

/// The log of a visit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    #[schema(
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub notes: String,
    /// Issues found on site, raised for the visited enterprise: at most `limits.visit_max_issues`
    /// (20 by default).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub raise_issues: Vec<RaisedIssue>,
}

/// Logs a visit as done, with notes, raising any issues found on site, in one transaction: a
/// visit that cannot be completed raises nothing, and a retry raises nothing twice.
#[utoipa::path(
    post,
    path = "/visits/{id}/complete",
    tag = "visits",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The visit's id", minimum = 1)),
    request_body = CompleteBody,
    responses(
        (status = 200, description = "The visit, completed", body = VisitView),
        Unauthorized,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "complete visit", skip_all)]
async fn complete(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CompleteBody>,
) -> Result<Json<VisitView>, Problem> {
    let raise: Vec<RaisedInput> = body
        .raise_issues
        .into_iter()
        .map(|found| RaisedInput {
            title: found.title,
            category: found.category,
            description: found.description,
            priority: found.priority,
        })
        .collect();
    let visit = visits::complete(&state, &caller.actor, id, &body.notes, &raise).await?;
    Ok(Json(view(visit)))
}

/// A visit plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPlanView {
    pub id: i64,
    pub enterprise: i64,
    pub commissioner: i64,
    /// A crontab line, e.g. `0 9 * * MON`.
    pub cron: String,
    /// An IANA time zone.
    pub time_zone: String,
    pub window_minutes: u32,
    pub reminder_lead_minutes: u32,
    pub active: bool,
    /// Visits exist up to here.
    pub materialised_until: Option<DateTime<Utc>>,
}

fn plan_view(p: VisitPlanRecord) -> VisitPlanView {
    VisitPlanView {
        id: p.id,
        enterprise: p.enterprise.get(),
        commissioner: p.commissioner.get(),
        cron: p.plan.schedule().expr.to_string(),
        time_zone: p.plan.schedule().tz.name().to_owned(),
        window_minutes: p.plan.window_minutes(),
        reminder_lead_minutes: p.plan.reminder_lead_minutes(),
        active: p.plan.is_active(),
        materialised_until: p.materialised_until,
    }
}

/// Lists visit plans: a commissioner's own, or all for supervisors, dispatchers and admins.
#[utoipa::path(
    get,
    path = "/visit-plans",
    tag = "visits",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Visit plans in id order", body = [VisitPlanView]),
        Unauthorized,
        Forbidden,
    )
)]
#[tracing::instrument(name = "list visit plans", skip_all)]
async fn list_plans(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<VisitPlanView>>, Problem> {
    let plans = visits::plans(&state, &caller.actor).await?;
    Ok(Json(plans.into_iter().map(plan_view).collect()))
}

/// A new visit plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanBody {
    #[schema(minimum = 1, example = 1)]
    pub enterprise: i64,
    /// The commissioner's login.
    #[schema(
        min_length = 2,
        max_length = 32,
        pattern = r"^[a-z][a-z0-9._-]*$",
        example = "comm01"
    )]
    pub commissioner: String,
    /// A crontab line; default `0 9 * * MON`.
    #[serde(default)]
    #[schema(example = "0 9 * * MON")]
    pub cron: Option<String>,
    /// An IANA time zone; default the park's.
    #[serde(default)]
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10080)]
    pub window_minutes: Option<u32>,
    #[serde(default)]
    #[schema(maximum = 10080)]
    pub reminder_lead_minutes: Option<u32>,
}

/// Creates a visit plan and plans its next fortnight of visits (admins only).
#[utoipa::path(
    post,
    path = "/visit-plans",
    tag = "visits",
    security(("bearer" = [])),
    request_body = NewPlanBody,
    responses(
        (status = 201, description = "Created", body = VisitPlanView,
         headers(("Location" = String, description = "The new plan's address"))),
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "create visit plan", skip_all)]
async fn create_plan(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewPlanBody>,
) -> Result<Response, Problem> {
    let input = NewPlanInput {
        enterprise: body.enterprise,
        commissioner: body.commissioner,
        cron: body.cron,
        time_zone: body.time_zone,
        window_minutes: body.window_minutes,
        reminder_lead_minutes: body.reminder_lead_minutes,
    };
    let record = visits::add_plan(&state, &admin.actor, &input).await?;
    Ok(created(
        format!("/api/v1/visit-plans/{}", record.id),
        plan_view(record),
    ))
}

/// Pauses or resumes a plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatchBody {
    pub active: bool,
}

/// Pauses (its future planned visits are removed) or resumes a plan (admins only).
#[utoipa::path(
    patch,
    path = "/visit-plans/{id}",
    tag = "visits",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The plan's id", minimum = 1)),
    request_body = PlanPatchBody,
    responses(
        (status = 200, description = "The plan as it is now", body = VisitPlanView),
        Unauthorized,
        Forbidden,
        NotFound,
        Invalid,
    )
)]
#[tracing::instrument(name = "patch visit plan", skip_all)]
async fn patch_plan(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PlanPatchBody>,
) -> Result<Json<VisitPlanView>, Problem> {
    let id = path_id(id, "visit plan", |raw| {
        if raw > 0 {
            Ok(raw)
        } else {
            Err(gridloop_core::ParseError::new(
                "id",
                gridloop_core::Rule::Positive,
            ))
        }
    })?;
    Ok(Json(plan_view(
        visits::set_plan_active(&state, &admin.actor, id, body.active).await?,
    )))
}
