//! Matches (对接) and the chain map (产业链图): the list, the introduction form (prefilled from
//! a need's suggestions: `?need=&enterprise=&offer=`), a match with its history and the forms
//! of the steps the viewer may take, and the map drawn as SVG on the server.
//!
//! Every rule is the app's (`gridloop_app::chain::matches`, `map`); a step's form carries the
//! version the page showed, so a step from a stale page is a conflict, as on issue pages. The
//! map's drawing is laid out here: stages as columns, enterprises as nodes, agreed matches as
//! links, with a title, a description and a table of the links as its text alternative.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gridloop_app::chain::listings;
use gridloop_app::chain::map::{self as chain_map, ChainMap, MapInput};
use gridloop_app::chain::matches::{self, IntroduceInput, ListInput, StepInput};
use gridloop_app::store::MatchRecord;
use gridloop_app::{AppError, AppState, Thing};
use gridloop_core::chain::matching::INTRODUCERS;
use gridloop_core::chain::MatchStep;
use gridloop_core::{ListingId, MatchId};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::form::{Fields, WebForm};
use crate::messages;
use crate::render::{local_time, page_with, see_other, PageError};
use crate::session::Viewer;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/chain/matches", get(list).post(create))
        .route("/chain/matches/new", get(new_form))
        .route("/chain/matches/{id}", get(show))
        .route("/chain/matches/{id}/{step}", post(step))
        .route("/chain/map", get(map_page))
}

/// A match as a row or a heading shows it.
#[derive(Debug, Serialize)]
struct Row {
    id: i64,
    version: u32,
    status: &'static str,
    a: String,
    a_id: i64,
    b: String,
    b_id: i64,
    value: Option<String>,
    note: Option<String>,
    reason: Option<String>,
    need: Option<i64>,
    offer: Option<i64>,
    moved: String,
}

fn row(m: &MatchRecord, tz: chrono_tz::Tz) -> Row {
    let s = &m.state;
    Row {
        id: m.id.get(),
        version: s.version,
        status: s.status.as_str(),
        a: m.a_name.to_string(),
        a_id: s.pair.a().enterprise.get(),
        b: m.b_name.to_string(),
        b_id: s.pair.b().enterprise.get(),
        value: s.value.map(|v| v.to_string()),
        note: s.note.as_ref().map(ToString::to_string),
        reason: s.reason.as_ref().map(ToString::to_string),
        need: s.need.map(ListingId::get),
        offer: s.offer.map(ListingId::get),
        moved: local_time(s.moved_at, tz),
    }
}

/// `?status=` of the list.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

/// `GET /chain/matches`: the matches in the viewer's sight, newest first.
async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let input = ListInput {
        status: query.status.clone(),
        cursor: query.cursor,
        ..ListInput::default()
    };
    let tz = state.calendar().tz();
    let (rows, next, error) = match matches::list(&state, Some(&viewer.actor), &input).await {
        Ok(page) => (
            page.items.iter().map(|m| row(m, tz)).collect::<Vec<_>>(),
            page.next_cursor,
            None,
        ),
        Err(e @ AppError::Invalid(_)) => {
            (Vec::new(), None, Some(messages::text(viewer.locale, &e)))
        }
        Err(e) => return Err(e.into()),
    };
    let ctx = context! {
        rows,
        next,
        error,
        status => query.status.unwrap_or_default(),
        statuses => gridloop_core::chain::MatchStatus::NAMES,
        may_introduce => INTRODUCERS.iter().any(|r| viewer.has(*r)),
        ..viewer.base(viewer.t("matches_title"))
    };
    page_with(StatusCode::OK, "chain_matches.html", ctx)
}

/// `?need=&enterprise=&offer=&meeting=` of the new-match form, all optional.
#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    need: Option<String>,
    enterprise: Option<String>,
    offer: Option<String>,
    meeting: Option<String>,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// `GET /chain/matches/new`: the form, prefilled. From a need's suggestion the first
/// enterprise is the need's, the other the suggested one (or the offer's).
async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Result<Response, PageError> {
    viewer.require(INTRODUCERS)?;
    let listing_enterprise = async |raw: &Option<String>| -> Option<String> {
        let id: ListingId = raw.as_deref()?.trim().parse().ok()?;
        let found = listings::get(&state, Some(&viewer.actor), id).await.ok()?;
        Some(found.enterprise.to_string())
    };
    let need_owner = listing_enterprise(&query.need).await;
    let offer_owner = listing_enterprise(&query.offer).await;
    let mut form = std::collections::BTreeMap::new();
    let given = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
    form.insert("need".to_owned(), given(&query.need));
    form.insert("offer".to_owned(), given(&query.offer));
    form.insert("meeting".to_owned(), given(&query.meeting));
    let (first, other) = match (need_owner, given(&query.enterprise)) {
        (Some(owner), other) if !other.is_empty() => (owner, other),
        (Some(owner), _) => (owner, offer_owner.unwrap_or_default()),
        (None, first) => (first, offer_owner.unwrap_or_default()),
    };
    form.insert("enterprise".to_owned(), first);
    form.insert("with".to_owned(), other);
    render_new(&state, &viewer, form, None, StatusCode::OK).await
}

async fn render_new(
    state: &AppState,
    viewer: &Viewer,
    form: std::collections::BTreeMap<String, String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let enterprises: Vec<Choice> = state
        .store
        .enterprises(None)
        .await?
        .into_iter()
        .map(|e| Choice {
            value: e.id.to_string(),
            label: format!("{} (#{})", e.name, e.id),
        })
        .collect();
    let ctx = context! {
        enterprises,
        form,
        error,
        ..viewer.base(viewer.t("match_new_title"))
    };
    page_with(status, "chain_match_new.html", ctx)
}

/// The form's optional field: `None` when blank.
fn optional(fields: &Fields, name: &str) -> Option<String> {
    fields
        .get(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `POST /chain/matches`: introduces, then to the match's page; a refusal is the form again
/// with what was typed and why, in the page's language.
async fn create(State(state): State<AppState>, form: WebForm) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(INTRODUCERS)?;
    let input = IntroduceInput {
        enterprise: fields.get("enterprise").unwrap_or("").to_owned(),
        with: fields.get("with").unwrap_or("").to_owned(),
        need: optional(&fields, "need"),
        offer: optional(&fields, "offer"),
        meeting: optional(&fields, "meeting"),
        note: optional(&fields, "note"),
    };
    match matches::introduce(&state, &viewer.actor, &input).await {
        Ok(m) => Ok(see_other(&format!("/chain/matches/{}", m.id))),
        Err(e @ AppError::Invalid(_)) => {
            let message = messages::text(viewer.locale, &e);
            render_new(
                &state,
                &viewer,
                fields.echo(),
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A match's id from the path; one that cannot be an id names nothing.
fn match_id(raw: &str) -> Result<MatchId, PageError> {
    raw.parse::<MatchId>().map_err(|_| PageError::NotFound)
}

#[derive(Debug, Serialize)]
struct StepRow {
    version: u32,
    at: String,
    actor: String,
    to: &'static str,
}

/// `GET /chain/matches/{id}`.
async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = match_id(&id)?;
    render_show(
        &state,
        &viewer,
        id,
        None,
        Default::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_show(
    state: &AppState,
    viewer: &Viewer,
    id: MatchId,
    errors: Option<Vec<String>>,
    form: std::collections::BTreeMap<String, String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let shown = matches::show(state, Some(&viewer.actor), id).await?;
    let tz = state.calendar().tz();
    let users = state.store.users().await?;
    let name_of = |s: &MatchStep| {
        users
            .iter()
            .find(|u| u.id == s.actor)
            .map_or_else(|| s.actor.to_string(), |u| u.name.to_string())
    };
    let steps: Vec<StepRow> = shown
        .steps
        .iter()
        .map(|s| StepRow {
            version: s.version,
            at: local_time(s.at, tz),
            actor: name_of(s),
            to: s.to.as_str(),
        })
        .collect();
    let actions: Vec<&str> = shown.actions.iter().map(|a| a.as_str()).collect();
    let heading = viewer.t("match_heading").replace("{id}", &id.to_string());
    let ctx = context! {
        m => row(&shown.record, tz),
        steps,
        actions,
        errors => errors.unwrap_or_default(),
        form,
        ..viewer.base(&heading)
    };
    page_with(status, "chain_match.html", ctx)
}

/// `POST /chain/matches/{id}/{talk|agree|drop}`: the step, then back to the match; a refusal
/// is the match again with why (409 for a stale page).
async fn step(
    State(state): State<AppState>,
    Path((id, slug)): Path<(String, String)>,
    form: WebForm,
) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    let id = match_id(&id)?;
    if !["talk", "agree", "drop"].contains(&slug.as_str()) {
        return Err(PageError::NotFound);
    }
    let Some(version) = fields.get("version").and_then(|v| v.parse::<u32>().ok()) else {
        let errors = vec![viewer.t("version_required").to_owned()];
        return render_show(
            &state,
            &viewer,
            id,
            Some(errors),
            fields.echo(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = StepInput {
        action: slug,
        version: Some(version),
        contract_value: optional(&fields, "contract_value"),
        note: optional(&fields, "note"),
        reason: optional(&fields, "reason"),
    };
    let status = match matches::step(&state, &viewer.actor, id, &input).await {
        Ok(_) => return Ok(see_other(&format!("/chain/matches/{id}"))),
        Err(AppError::NotFound(Thing::Match)) => return Err(PageError::NotFound),
        Err(e @ AppError::Conflict { .. }) => (StatusCode::CONFLICT, e),
        Err(e @ (AppError::Invalid(_) | AppError::NoSuchMatchStep { .. })) => {
            (StatusCode::UNPROCESSABLE_ENTITY, e)
        }
        Err(e) => return Err(e.into()),
    };
    let (code, e) = status;
    let errors = vec![messages::text(viewer.locale, &e)];
    render_show(&state, &viewer, id, Some(errors), fields.echo(), code).await
}

/// `?grid=&stage=` of the map.
#[derive(Debug, Default, Deserialize)]
struct MapQuery {
    grid: Option<String>,
    stage: Option<String>,
}

/// The drawing's measures, in SVG user units (CSS pixels at scale 1).
const COLUMN: i64 = 190;
const NODE_WIDTH: i64 = 160;
const NODE_HEIGHT: i64 = 26;
const ROW: i64 = 34;
const TOP: i64 = 56;
const MARGIN: i64 = 15;
/// Characters of a name a node shows; the full name is its `<title>`.
const NODE_CHARS: usize = 10;

#[derive(Debug, Serialize)]
struct ColumnView {
    x: i64,
    label_x: i64,
    name: String,
    count: usize,
}

#[derive(Debug, Serialize)]
struct NodeView {
    id: i64,
    x: i64,
    y: i64,
    text_y: i64,
    label: String,
    name: String,
    stage: String,
    linked: bool,
}

#[derive(Debug, Serialize)]
struct LinkView {
    id: i64,
    /// The path's `d`: a curve from one node's side to the other's.
    d: String,
    a: String,
    a_stage: String,
    b: String,
    b_stage: String,
    value: Option<String>,
}

/// Stages as columns, enterprises as nodes down their stage's column, agreed matches as
/// curves between nodes (right side to left side, or an arc out to the right within one
/// column).
fn layout(map: &ChainMap) -> (Vec<ColumnView>, Vec<NodeView>, Vec<LinkView>, i64, i64) {
    let mut columns = Vec::new();
    let mut nodes: Vec<NodeView> = Vec::new();
    let mut most = 0;
    for (i, stage) in map.stages.iter().enumerate() {
        let x = MARGIN + i64::try_from(i).unwrap_or(0) * COLUMN;
        let members: Vec<_> = map
            .enterprises
            .iter()
            .filter(|e| e.stage == stage.id)
            .collect();
        most = most.max(members.len());
        for (j, e) in members.iter().enumerate() {
            let y = TOP + i64::try_from(j).unwrap_or(0) * ROW;
            let name = e.name.to_string();
            let label = if name.chars().count() > NODE_CHARS {
                format!("{}…", name.chars().take(NODE_CHARS - 1).collect::<String>())
            } else {
                name.clone()
            };
            nodes.push(NodeView {
                id: e.id.get(),
                x,
                y,
                text_y: y + 17,
                label,
                name,
                stage: stage.name.to_string(),
                linked: map.links.iter().any(|l| l.a == e.id || l.b == e.id),
            });
        }
        columns.push(ColumnView {
            x,
            label_x: x + NODE_WIDTH / 2,
            name: stage.name.to_string(),
            count: members.len(),
        });
    }
    let at = |id: i64| nodes.iter().find(|n| n.id == id);
    let links = map
        .links
        .iter()
        .filter_map(|l| {
            let (a, b) = (at(l.a.get())?, at(l.b.get())?);
            // Left to right, so the curve leaves the upstream node's right side.
            let (from, to) = if a.x <= b.x { (a, b) } else { (b, a) };
            let (y1, y2) = (from.y + NODE_HEIGHT / 2, to.y + NODE_HEIGHT / 2);
            let d = if from.x == to.x {
                let x = from.x + NODE_WIDTH;
                format!("M{x},{y1} C{},{y1} {},{y2} {x},{y2}", x + 40, x + 40)
            } else {
                let (x1, x2) = (from.x + NODE_WIDTH, to.x);
                let mid = (x1 + x2) / 2;
                format!("M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}")
            };
            Some(LinkView {
                id: l.id.get(),
                d,
                a: l.a_name.to_string(),
                a_stage: a.stage.clone(),
                b: l.b_name.to_string(),
                b_stage: b.stage.clone(),
                value: l.contract_value.map(|v| v.to_string()),
            })
        })
        .collect();
    let width = MARGIN * 2 + i64::try_from(map.stages.len()).unwrap_or(0) * COLUMN;
    let height = TOP + i64::try_from(most).unwrap_or(0) * ROW + MARGIN;
    (columns, nodes, links, width.max(COLUMN), height)
}

/// `GET /chain/map`: the chain map, filterable by grid and stage.
async fn map_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<MapQuery>,
) -> Result<Response, PageError> {
    let input = MapInput {
        grid: query.grid.clone(),
        stage: query.stage.clone(),
    };
    let (found, error, status) = match chain_map::map(&state, Some(&viewer.actor), &input).await {
        Ok(found) => (found, None, StatusCode::OK),
        Err(e @ AppError::Invalid(_)) => {
            let message = messages::text(viewer.locale, &e);
            let all = chain_map::map(&state, Some(&viewer.actor), &MapInput::default()).await?;
            (all, Some(message), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(e.into()),
    };
    let (columns, nodes, links, width, height) = layout(&found);
    let grids: Vec<Choice> = found
        .grids
        .iter()
        .map(|g| Choice {
            value: g.code.to_string(),
            label: g.name.to_string(),
        })
        .collect();
    let stages: Vec<Choice> = found
        .stages
        .iter()
        .map(|s| Choice {
            value: s.code.to_string(),
            label: s.name.to_string(),
        })
        .collect();
    let desc = viewer
        .t("map_desc")
        .replace("{stages}", &found.stages.len().to_string())
        .replace("{enterprises}", &found.enterprises.len().to_string())
        .replace("{links}", &links.len().to_string());
    let ctx = context! {
        columns,
        nodes,
        links,
        width,
        height,
        node_width => NODE_WIDTH,
        node_height => NODE_HEIGHT,
        desc,
        grids,
        stages,
        grid => query.grid.unwrap_or_default(),
        stage => query.stage.unwrap_or_default(),
        error,
        ..viewer.base(viewer.t("map_title"))
    };
    page_with(status, "chain_map.html", ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridloop_app::chain::map::Link;
    use gridloop_app::store::MapNode;
    use gridloop_core::chain::Stage;
    use gridloop_core::{Code, EnterpriseId, GridId, Name, StageId};

    fn stage(id: i64, code: &str) -> Stage {
        Stage {
            id: StageId::new(id).unwrap(),
            position: u32::try_from(id).unwrap(),
            code: Code::parse(code).unwrap(),
            name: Name::parse(code).unwrap(),
        }
    }

    fn node(id: i64, stage: i64, name: &str) -> MapNode {
        MapNode {
            id: EnterpriseId::new(id).unwrap(),
            name: Name::parse(name).unwrap(),
            grid: GridId::new(1).unwrap(),
            stage: StageId::new(stage).unwrap(),
        }
    }

    #[test]
    fn the_map_lays_stages_out_as_columns_and_links_upstream_to_downstream() {
        let map = ChainMap {
            chain: None,
            stages: vec![stage(1, "processing"), stage(2, "recycling")],
            enterprises: vec![
                node(10, 2, "再生金属科技有限公司很长的名字"),
                node(11, 1, "渝铝型材"),
            ],
            links: vec![Link {
                id: MatchId::new(5).unwrap(),
                a: EnterpriseId::new(10).unwrap(),
                a_name: Name::parse("再生金属").unwrap(),
                b: EnterpriseId::new(11).unwrap(),
                b_name: Name::parse("渝铝型材").unwrap(),
                contract_value: None,
            }],
            grids: vec![],
            grid: None,
            stage: None,
        };
        let (columns, nodes, links, width, height) = layout(&map);
        assert_eq!(columns.len(), 2);
        assert_eq!(width, MARGIN * 2 + 2 * COLUMN);
        assert_eq!(height, TOP + ROW + MARGIN);
        // Upstream first; a long name is cut to the node, its whole in the node's title.
        assert_eq!(nodes[0].label, "渝铝型材");
        assert_eq!(nodes[1].label.chars().count(), NODE_CHARS);
        assert!(nodes.iter().all(|n| n.linked));
        // From the upstream node's right side (column 1) to the downstream's left (column 2).
        let x1 = MARGIN + NODE_WIDTH;
        assert!(links[0].d.starts_with(&format!("M{x1},")), "{}", links[0].d);
        assert!(links[0]
            .d
            .ends_with(&format!("{},{}", MARGIN + COLUMN, TOP + 13)));
    }
}
