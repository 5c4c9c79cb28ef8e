//! `/chain/matches…` and `/chain/map`: matches (对接) introduced, moved on, listed and shown,
//! and the chain map as JSON. The rules are the app's (`gridloop_app::chain::matches`, `map`).
//!
//! Each step has its own operation (`talk`, `agree`, `drop`) so that its body says exactly
//! what it takes: a contract value is required to agree, a reason to drop.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use gridloop_app::chain::map::{self, MapInput};
use gridloop_app::chain::matches::{self, IntroduceInput, ListInput, StepInput};
use gridloop_app::store::{MatchRecord, Page};
use gridloop_app::AppState;
use gridloop_core::chain::{MatchStatus, MatchStep};
use gridloop_core::MatchId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use crate::reference::{created, path_id, Forbidden, Invalid, NotFound, Unauthorized};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_matches, introduce))
        .routes(routes!(get_match))
        .routes(routes!(talk))
        .routes(routes!(agree))
        .routes(routes!(drop_match))
        .routes(routes!(chain_map))
}

/// One side of a match.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyView {
    pub enterprise: i64,
    pub name: String,
    /// The enterprise's grid when the match was introduced.
    pub grid: i64,
}

/// A match of two enterprises.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchView {
    pub id: i64,
    /// Send it back as `version` to move the match on; a stale one is 409.
    pub version: u32,
    /// `introduced`, `in_talks`, `agreed` or `dropped`.
    pub status: String,
    pub a: PartyView,
    pub b: PartyView,
    /// The need it came from.
    pub need: Option<i64>,
    /// The offer it came from.
    pub offer: Option<i64>,
    /// The matchmaking event (对接会) it was made at.
    pub meeting: Option<i64>,
    pub introduced_by: i64,
    pub introduced_at: DateTime<Utc>,
    /// When it last moved.
    pub moved_at: DateTime<Utc>,
    pub note: Option<String>,
    /// Agreed: the contract value in yuan, two decimals (`"1250000.00"`).
    pub contract_value: Option<String>,
    /// Dropped: why.
    pub reason: Option<String>,
}

fn match_view(m: &MatchRecord) -> MatchView {
    let s = &m.state;
    let party = |p: gridloop_core::chain::Party, name: &gridloop_core::Name| PartyView {
        enterprise: p.enterprise.get(),
        name: name.to_string(),
        grid: p.grid.get(),
    };
    MatchView {
        id: m.id.get(),
        version: s.version,
        status: s.status.to_string(),
        a: party(s.pair.a(), &m.a_name),
        b: party(s.pair.b(), &m.b_name),
        need: s.need.map(|l| l.get()),
        offer: s.offer.map(|l| l.get()),
        meeting: s.meeting.map(|m| m.get()),
        introduced_by: s.introduced_by.get(),
        introduced_at: s.introduced_at,
        moved_at: s.moved_at,
        note: s.note.as_ref().map(ToString::to_string),
        contract_value: s.value.map(|v| v.to_string()),
        reason: s.reason.as_ref().map(ToString::to_string),
    }
}

/// One step of a match's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    pub version: u32,
    pub at: DateTime<Utc>,
    pub actor: i64,
    pub from: Option<String>,
    pub to: String,
}

fn step_view(s: &MatchStep) -> StepView {
    StepView {
        version: s.version,
        at: s.at,
        actor: s.actor.get(),
        from: s.from.map(|f| f.to_string()),
        to: s.to.to_string(),
    }
}

/// A match with its history, and the steps the caller may take now.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchDetail {
    #[serde(rename = "match")]
    pub record: MatchView,
    pub steps: Vec<StepView>,
    /// Of `talk`, `agree`, `drop`.
    pub actions: Vec<String>,
}

/// A page of matches, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchPage {
    pub items: Vec<MatchView>,
    /// Pass back as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Two enterprises to introduce; never an enterprise with itself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntroduceBody {
    /// One enterprise's id (the need's, when there is one).
    #[schema(minimum = 1)]
    pub enterprise: i64,
    /// The other enterprise's id.
    #[schema(minimum = 1)]
    pub with: i64,
    /// The need it came from: a need of one of the two.
    #[schema(minimum = 1)]
    pub need: Option<i64>,
    /// The offer it came from: an offer of one of the two.
    #[schema(minimum = 1)]
    pub offer: Option<i64>,
    /// The matchmaking event (对接会) it was made at: one whose day has come, not cancelled,
    /// to which both enterprises were invited.
    #[schema(minimum = 1)]
    pub meeting: Option<i64>,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub note: Option<String>,
}

/// The version the caller saw, for `talk`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TalkBody {
    /// The match's version the caller saw; a stale one is 409.
    #[schema(minimum = 1, maximum = 1000000)]
    pub version: Option<u32>,
}

/// An agreement: its contract value and an optional note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreeBody {
    #[schema(minimum = 1, maximum = 1000000)]
    pub version: Option<u32>,
    /// In yuan, at most two decimals, below 10^11: `"1250000"`, `"1250000.50"`.
    #[schema(
        min_length = 1,
        max_length = 14,
        pattern = r"^(0|[1-9][0-9]{0,10})(\.[0-9]{1,2})?$",
        example = "1250000.00"
    )]
    pub contract_value: String,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub note: Option<String>,
}

/// A drop and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DropBody {
    #[schema(minimum = 1, maximum = 1000000)]
    pub version: Option<u32>,
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*[^\s\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
    )]
    pub reason: String,
}

/// `introduced`, `in_talks`, `agreed` or `dropped`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusName {
    Introduced,
    InTalks,
    Agreed,
    Dropped,
}

fn status(s: StatusName) -> MatchStatus {
    match s {
        StatusName::Introduced => MatchStatus::Introduced,
        StatusName::InTalks => MatchStatus::InTalks,
        StatusName::Agreed => MatchStatus::Agreed,
        StatusName::Dropped => MatchStatus::Dropped,
    }
}

/// Filters of the list; all optional.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    #[param(inline)]
    pub status: Option<StatusName>,
    /// Matches with this enterprise on either side.
    #[param(minimum = 1)]
    pub enterprise: Option<i64>,
    /// Matches made at this matchmaking event (对接会).
    #[param(minimum = 1)]
    pub meeting: Option<i64>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 16, pattern = r"^m[0-9a-fA-F]{1,15}$")]
    pub cursor: Option<String>,
}

/// Lists the matches in the caller's sight (whoever sees either enterprise, and the
/// introducer), newest first.
#[utoipa::path(
    get,
    path = "/chain/matches",
    tag = "chain",
    security(("bearer" = [])),
    params(MatchQuery),
    responses(
        (status = 200, description = "A page of matches", body = MatchPage),
        Unauthorized,
        Invalid,
    )
)]
#[tracing::instrument(name = "list matches", skip_all)]
async fn list_matches(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MatchQuery>,
) -> Result<Json<MatchPage>, Problem> {
    let input = ListInput {
        status: query.status.map(|s| status(s).as_str().to_owned()),
        enterprise: query.enterprise.map(|e| e.to_string()),
        meeting: query.meeting.map(|m| m.to_string()),
        limit: query.limit,
        cursor: query.cursor,
    };
    let page: Page<MatchRecord> = matches::list(&state, Some(&caller.actor), &input).await?;
    Ok(Json(MatchPage {
        items: page.items.iter().map(match_view).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Introduces two enterprises (dispatchers, admins, commissioners of either's grid). Both
/// enterprises' users are told.
#[utoipa::path(
    post,
    path = "/chain/matches",
    tag = "chain",
    security(("bearer" = [])),
    request_body = IntroduceBody,
    responses(
        (status = 201, description = "Introduced", body = MatchView,
         headers(("Location" = String, description = "The match's address"))),
        Unauthorized,
        Forbidden,
        Invalid,
    )
)]
#[tracing::instrument(name = "introduce match", skip_all)]
async fn introduce(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<IntroduceBody>,
) -> Result<Response, Problem> {
    let input = IntroduceInput {
        enterprise: body.enterprise.to_string(),
        with: body.with.to_string(),
        need: body.need.map(|n| n.to_string()),
        offer: body.offer.map(|o| o.to_string()),
        meeting: body.meeting.map(|m| m.to_string()),
        note: body.note,
    };
    let record = matches::introduce(&state, &caller.actor, &input).await?;
    Ok(created(
        format!("/api/v1/chain/matches/{}", record.id),
        match_view(&record),
    ))
}

/// Reads one match with its history.
#[utoipa::path(
    get,
    path = "/chain/matches/{id}",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The match's id", minimum = 1)),
    responses(
        (status = 200, description = "The match", body = MatchDetail),
        Unauthorized,
        NotFound,
    )
)]
#[tracing::instrument(name = "get match", skip_all)]
async fn get_match(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MatchDetail>, Problem> {
    let id = path_id(id, "match", MatchId::new)?;
    let shown = matches::show(&state, Some(&caller.actor), id).await?;
    Ok(Json(MatchDetail {
        record: match_view(&shown.record),
        steps: shown.steps.iter().map(step_view).collect(),
        actions: shown.actions.iter().map(|a| a.to_string()).collect(),
    }))
}

/// `409`: the match moved on since the version sent.
#[derive(Debug, utoipa::IntoResponses)]
#[response(
    status = 409,
    description = "The match changed since the version sent; nothing was written",
    content_type = "application/problem+json"
)]
pub struct Stale(pub Problem);

async fn take(
    state: &AppState,
    caller: &Caller,
    id: i64,
    input: StepInput,
) -> Result<Json<MatchView>, Problem> {
    let id = path_id(id, "match", MatchId::new)?;
    let record = matches::step(state, &caller.actor, id, &input).await?;
    Ok(Json(match_view(&record)))
}

/// The two enterprises are talking (from `introduced`).
#[utoipa::path(
    post,
    path = "/chain/matches/{id}/talk",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The match's id", minimum = 1)),
    request_body = TalkBody,
    responses(
        (status = 200, description = "The match, in talks", body = MatchView),
        Unauthorized,
        Forbidden,
        NotFound,
        Stale,
        Invalid,
    )
)]
#[tracing::instrument(name = "talk", skip_all)]
async fn talk(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TalkBody>,
) -> Result<Json<MatchView>, Problem> {
    let input = StepInput {
        action: "talk".into(),
        version: body.version,
        ..StepInput::default()
    };
    take(&state, &caller, id, input).await
}

/// The two enterprises agreed (from `introduced` or `in_talks`): both enterprises' users and
/// the introducer are told.
#[utoipa::path(
    post,
    path = "/chain/matches/{id}/agree",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The match's id", minimum = 1)),
    request_body = AgreeBody,
    responses(
        (status = 200, description = "The match, agreed", body = MatchView),
        Unauthorized,
        Forbidden,
        NotFound,
        Stale,
        Invalid,
    )
)]
#[tracing::instrument(name = "agree", skip_all)]
async fn agree(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AgreeBody>,
) -> Result<Json<MatchView>, Problem> {
    let input = StepInput {
        action: "agree".into(),
        version: body.version,
        contract_value: Some(body.contract_value),
        note: body.note,
        reason: None,
    };
    take(&state, &caller, id, input).await
}

/// It came to nothing (from `introduced` or `in_talks`): both enterprises' users and the
/// introducer are told why.
#[utoipa::path(
    post,
    path = "/chain/matches/{id}/drop",
    tag = "chain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The match's id", minimum = 1)),
    request_body = DropBody,
    responses(
        (status = 200, description = "The match, dropped", body = MatchView),
        Unauthorized,
        Forbidden,
        NotFound,
        Stale,
        Invalid,
    )
)]
#[tracing::instrument(name = "drop match", skip_all)]
async fn drop_match(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DropBody>,
) -> Result<Json<MatchView>, Problem> {
    let input = StepInput {
        action: "drop".into(),
        version: body.version,
        reason: Some(body.reason),
        ..StepInput::default()
    };
    take(&state, &caller, id, input).await
}

/// Filters of the map; both optional.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MapQuery {
    /// A grid's code or id.
    #[param(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub grid: Option<String>,
    /// A stage's code or id.
    #[param(min_length = 1, max_length = 32, pattern = r"^[a-z0-9][a-z0-9_-]*$")]
    pub stage: Option<String>,
}

/// A stage, a column of the map.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapStage {
    pub id: i64,
    /// 1 for the most upstream.
    pub position: u32,
    pub code: String,
    pub name: String,
}

/// An enterprise, a node of the map.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapEnterprise {
    pub id: i64,
    pub name: String,
    pub grid: i64,
    pub stage: i64,
}

/// An agreed match, a link of the map.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapLinkView {
    /// The match's id.
    pub id: i64,
    pub a: i64,
    pub a_name: String,
    pub b: i64,
    pub b_name: String,
    /// In yuan, two decimals.
    pub contract_value: Option<String>,
}

/// The chain map.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapView {
    /// The chain's code; absent while no chain has stages.
    pub chain: Option<String>,
    /// Upstream first.
    pub stages: Vec<MapStage>,
    pub enterprises: Vec<MapEnterprise>,
    pub links: Vec<MapLinkView>,
}

/// The chain map: stages in order, enterprises with their stage and grid, agreed matches the
/// caller may see as links.
#[utoipa::path(
    get,
    path = "/chain/map",
    tag = "chain",
    security(("bearer" = [])),
    params(MapQuery),
    responses(
        (status = 200, description = "The map", body = MapView),
        Unauthorized,
        Invalid,
    )
)]
#[tracing::instrument(name = "chain map", skip_all)]
async fn chain_map(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MapQuery>,
) -> Result<Json<MapView>, Problem> {
    let input = MapInput {
        grid: query.grid,
        stage: query.stage,
    };
    let found = map::map(&state, Some(&caller.actor), &input).await?;
    Ok(Json(MapView {
        chain: found.chain.as_ref().map(|c| c.code.to_string()),
        stages: found
            .stages
            .iter()
            .map(|s| MapStage {
                id: s.id.get(),
                position: s.position,
                code: s.code.to_string(),
                name: s.name.to_string(),
            })
            .collect(),
        enterprises: found
            .enterprises
            .iter()
            .map(|e| MapEnterprise {
                id: e.id.get(),
                name: e.name.to_string(),
                grid: e.grid.get(),
                stage: e.stage.get(),
            })
            .collect(),
        links: found
            .links
            .iter()
            .map(|l| MapLinkView {
                id: l.id.get(),
                a: l.a.get(),
                a_name: l.a_name.to_string(),
                b: l.b.get(),
                b_name: l.b_name.to_string(),
                contract_value: l.contract_value.map(|v| v.to_string()),
            })
            .collect(),
    }))
}
