//! Matches (对接): introduced, moved on step by step, listed and drawn on the chain map.
//!
//! Event-sourced like issues: each step is a row of `match_steps`, and the `matches` row is
//! the core's fold of them, rewritten under compare-and-set on its version. The row keeps the
//! two enterprises' grids as they were when introduced: who sees a match is decided by them,
//! as an issue's by its grid.

use chrono::{DateTime, Utc};
use gridloop_core::chain::{
    ContractValue, Match, MatchChange, MatchStatus, MatchStep, MeetingId, Pair, Party,
};
use gridloop_core::{
    Actor, EnterpriseId, GridId, ListingId, MatchId, Name, Reason, ShortNote, StageId, UserId,
};
use serde::Serialize;
use sqlx::types::Json;

use crate::backend::{args, Arg, Tx};
use crate::error::StoreError;
use crate::issues::to_micros;
use crate::list::{decode_key, scope_sql, ScopeColumns, Where};
use crate::model::Page;
use crate::rows::stored;
use crate::store::Store;

/// Matches per page at most.
pub const MAX_MATCH_PAGE: u32 = 200;
/// The most agreed matches the chain map draws: more would not be readable on one page.
pub const MAX_MAP_LINKS: u32 = 2_000;

/// A match as stored: the core's fold, its id, and the enterprises' names for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchRecord {
    pub id: MatchId,
    #[serde(flatten)]
    pub state: Match,
    pub a_name: Name,
    pub b_name: Name,
}

/// Which matches to list; every condition optional.
#[derive(Debug, Clone, Default)]
pub struct MatchFilter {
    pub status: Option<MatchStatus>,
    /// Matches with this enterprise on either side.
    pub enterprise: Option<EnterpriseId>,
    /// Matches made at this meeting (对接会).
    pub meeting: Option<MeetingId>,
    /// Only what this actor may see: the introducer, or whoever sees either side.
    pub visible_to: Option<Actor>,
}

/// An enterprise as the chain map draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapNode {
    pub id: EnterpriseId,
    pub name: Name,
    pub grid: GridId,
    pub stage: StageId,
}

/// An agreed match as the chain map draws it: a link between two enterprises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapLink {
    pub id: MatchId,
    pub a: EnterpriseId,
    pub b: EnterpriseId,
    pub value: Option<ContractValue>,
}

const MATCH_SELECT: &str = "m.id, m.version, m.status, m.a_enterprise_id, m.a_grid_id, \
     m.b_enterprise_id, m.b_grid_id, m.need_id, m.offer_id, m.meeting_id, m.introduced_by, \
     m.introduced_at, \
     m.moved_at, m.note, m.contract_value_fen, m.reason, ea.name AS a_name, eb.name AS b_name";
const MATCH_FROM: &str = "matches m JOIN enterprises ea ON ea.id = m.a_enterprise_id \
     JOIN enterprises eb ON eb.id = m.b_enterprise_id";

#[derive(sqlx::FromRow)]
struct MatchRow {
    id: i64,
    version: i64,
    status: String,
    a_enterprise_id: i64,
    a_grid_id: i64,
    b_enterprise_id: i64,
    b_grid_id: i64,
    need_id: Option<i64>,
    offer_id: Option<i64>,
    meeting_id: Option<i64>,
    introduced_by: i64,
    introduced_at: DateTime<Utc>,
    moved_at: DateTime<Utc>,
    note: Option<String>,
    contract_value_fen: Option<i64>,
    reason: Option<String>,
    a_name: String,
    b_name: String,
}

impl MatchRow {
    fn into_domain(self) -> Result<MatchRecord, StoreError> {
        const T: &str = "matches";
        let party = |e, g| -> Result<Party, StoreError> {
            Ok(Party {
                enterprise: stored(T, EnterpriseId::new(e))?,
                grid: stored(T, GridId::new(g))?,
            })
        };
        let pair = stored(
            T,
            Pair::new(
                party(self.a_enterprise_id, self.a_grid_id)?,
                party(self.b_enterprise_id, self.b_grid_id)?,
            ),
        )?;
        let listing = |v: Option<i64>| v.map(|l| stored(T, ListingId::new(l))).transpose();
        Ok(MatchRecord {
            id: stored(T, MatchId::new(self.id))?,
            state: Match {
                version: stored(T, u32::try_from(self.version))?,
                status: stored(T, self.status.parse())?,
                pair,
                need: listing(self.need_id)?,
                offer: listing(self.offer_id)?,
                meeting: self
                    .meeting_id
                    .map(|m| stored(T, MeetingId::new(m)))
                    .transpose()?,
                introduced_by: stored(T, UserId::new(self.introduced_by))?,
                introduced_at: self.introduced_at,
                moved_at: self.moved_at,
                note: self
                    .note
                    .map(|n| stored(T, ShortNote::from_stored(&n)))
                    .transpose()?,
                value: self
                    .contract_value_fen
                    .map(|v| stored(T, ContractValue::from_fen(v)))
                    .transpose()?,
                reason: self
                    .reason
                    .map(|r| stored(T, Reason::from_stored(&r)))
                    .transpose()?,
            },
            a_name: stored(T, Name::from_stored(&self.a_name))?,
            b_name: stored(T, Name::from_stored(&self.b_name))?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct StepRow {
    version: i64,
    at: DateTime<Utc>,
    actor_id: i64,
    from_status: Option<String>,
    to_status: String,
    payload: Json<MatchChange>,
}

impl StepRow {
    fn into_domain(self) -> Result<MatchStep, StoreError> {
        const T: &str = "match_steps";
        Ok(MatchStep {
            version: stored(T, u32::try_from(self.version))?,
            at: self.at,
            actor: stored(T, UserId::new(self.actor_id))?,
            from: self
                .from_status
                .map(|s| stored(T, s.parse::<MatchStatus>()))
                .transpose()?,
            to: stored(T, self.to_status.parse())?,
            change: self.payload.0,
        })
    }
}

/// The row's columns after `id`, in [`MATCH_COLUMNS`] order.
const MATCH_COLUMNS: [&str; 15] = [
    "version",
    "status",
    "a_enterprise_id",
    "a_grid_id",
    "b_enterprise_id",
    "b_grid_id",
    "need_id",
    "offer_id",
    "meeting_id",
    "introduced_by",
    "introduced_at",
    "moved_at",
    "note",
    "contract_value_fen",
    "reason",
];

fn match_args(m: &Match) -> Vec<Arg> {
    let (a, b) = (m.pair.a(), m.pair.b());
    args![
        m.version,
        m.status.as_str(),
        a.enterprise.get(),
        a.grid.get(),
        b.enterprise.get(),
        b.grid.get(),
        m.need.map(ListingId::get),
        m.offer.map(ListingId::get),
        m.meeting.map(MeetingId::get),
        m.introduced_by.get(),
        m.introduced_at,
        m.moved_at,
        m.note.as_ref().map(ShortNote::as_str),
        m.value.map(ContractValue::fen),
        m.reason.as_ref().map(Reason::as_str),
    ]
}

fn encode_cursor(id: MatchId) -> String {
    format!("m{:x}", id.get())
}

impl Tx {
    /// Stores a new match from its first step (the core's `introduce`), and returns it. The
    /// enterprises, and the need and offer if given, must exist (`NotFound` otherwise).
    pub async fn introduce_match(&mut self, step: &MatchStep) -> Result<MatchRecord, StoreError> {
        let mut step = step.clone();
        step.at = to_micros(step.at);
        let m = Match::open(&step).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for party in [m.pair.a(), m.pair.b()] {
            self.must_exist("enterprises", "enterprise", party.enterprise.get())
                .await?;
        }
        for listing in [m.need, m.offer].into_iter().flatten() {
            self.must_exist("listings", "listing", listing.get())
                .await?;
        }
        if let Some(meeting) = m.meeting {
            self.must_exist("chain_meetings", "meeting", meeting.get())
                .await?;
        }
        let placeholders: Vec<String> =
            (1..=MATCH_COLUMNS.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO matches ({}) VALUES ({}) RETURNING id",
            MATCH_COLUMNS.join(", "),
            placeholders.join(", ")
        );
        let (id,): (i64,) = self.fetch_one(&sql, match_args(&m)).await?;
        let id = stored("matches", MatchId::new(id))?;
        self.insert_match_step(id, &step).await?;
        self.match_record(id)
            .await?
            .ok_or_else(|| StoreError::not_found("match", id.get()))
    }

    /// Records a step decided on `before`: the new fold under compare-and-set on the version
    /// the step was decided on (`Conflict` if another step came first), and the step.
    pub async fn record_match_step(
        &mut self,
        id: MatchId,
        before: &Match,
        after: &Match,
        step: &MatchStep,
    ) -> Result<MatchRecord, StoreError> {
        let sets: Vec<String> = MATCH_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let n = MATCH_COLUMNS.len();
        let sql = format!(
            "UPDATE matches SET {} WHERE id = ${} AND version = ${}",
            sets.join(", "),
            n + 1,
            n + 2
        );
        let mut after = after.clone();
        after.moved_at = to_micros(after.moved_at);
        let mut values = match_args(&after);
        values.extend(args![id.get(), before.version]);
        if self.execute(&sql, values).await? == 0 {
            let actual = self
                .match_record(id)
                .await?
                .map_or(before.version, |m| m.state.version);
            return Err(StoreError::Conflict {
                expected: before.version,
                actual,
            });
        }
        let mut step = step.clone();
        step.at = after.moved_at;
        self.insert_match_step(id, &step).await?;
        self.match_record(id)
            .await?
            .ok_or_else(|| StoreError::not_found("match", id.get()))
    }

    async fn insert_match_step(&mut self, id: MatchId, step: &MatchStep) -> Result<(), StoreError> {
        let payload = serde_json::to_value(&step.change)
            .map_err(|e| StoreError::Corrupt(format!("cannot serialize a match step: {e}")))?;
        self.execute(
            "INSERT INTO match_steps (match_id, version, at, actor_id, from_status, to_status, \
             payload) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                id.get(),
                step.version,
                step.at,
                step.actor.get(),
                step.from.map(MatchStatus::as_str),
                step.to.as_str(),
                payload,
            ],
        )
        .await?;
        Ok(())
    }

    /// One match, `None` for no such match.
    pub async fn match_record(&mut self, id: MatchId) -> Result<Option<MatchRecord>, StoreError> {
        let sql = format!("SELECT {MATCH_SELECT} FROM {MATCH_FROM} WHERE m.id = $1");
        let row: Option<MatchRow> = self.fetch_optional(&sql, args![id.get()]).await?;
        row.map(MatchRow::into_domain).transpose()
    }

    /// A match's history, oldest first; empty for an unknown match.
    pub async fn match_steps(&mut self, id: MatchId) -> Result<Vec<MatchStep>, StoreError> {
        let rows: Vec<StepRow> = self
            .fetch_all(
                "SELECT version, at, actor_id, from_status, to_status, payload \
                 FROM match_steps WHERE match_id = $1 ORDER BY version",
                args![id.get()],
            )
            .await?;
        rows.into_iter().map(StepRow::into_domain).collect()
    }

    /// Matches matching `filter`, newest first, `limit` (clamped to 1..=[`MAX_MATCH_PAGE`]) at
    /// a time; pass `next_cursor` back for the next page.
    pub async fn matches(
        &mut self,
        filter: &MatchFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<MatchRecord>, StoreError> {
        let limit = limit.clamp(1, MAX_MATCH_PAGE);
        let mut w = Where::default();
        if let Some(cursor) = cursor {
            let after: MatchId = decode_key('m', cursor)?;
            let p = w.param(after.get());
            w.clauses.push(format!("m.id < {p}"));
        }
        if let Some(status) = filter.status {
            let p = w.param(status.as_str());
            w.clauses.push(format!("m.status = {p}"));
        }
        if let Some(meeting) = filter.meeting {
            let p = w.param(meeting.get());
            w.clauses.push(format!("m.meeting_id = {p}"));
        }
        if let Some(enterprise) = filter.enterprise {
            let (pa, pb) = (w.param(enterprise.get()), w.param(enterprise.get()));
            w.clauses.push(format!(
                "(m.a_enterprise_id = {pa} OR m.b_enterprise_id = {pb})"
            ));
        }
        if let Some(actor) = &filter.visible_to {
            if let Some(clause) = visible_sql(&mut w, actor) {
                w.clauses.push(clause);
            }
        }
        let condition = w.condition();
        let p = w.param(i64::from(limit) + 1);
        let sql = format!(
            "SELECT {MATCH_SELECT} FROM {MATCH_FROM} WHERE {condition} ORDER BY m.id DESC LIMIT {p}"
        );
        let rows: Vec<MatchRow> = self.fetch_all(&sql, w.args).await?;
        let mut items = rows
            .into_iter()
            .map(MatchRow::into_domain)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|m| encode_cursor(m.id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// What the chain map draws: the enterprises with a stage of `chain` (in `grid` and at
    /// `stage` when given), and the agreed matches between two of them that `visible_to` may
    /// see (at most [`MAX_MAP_LINKS`], the latest).
    pub async fn chain_map(
        &mut self,
        chain: gridloop_core::ChainId,
        grid: Option<GridId>,
        stage: Option<StageId>,
        visible_to: Option<&Actor>,
    ) -> Result<(Vec<MapNode>, Vec<MapLink>), StoreError> {
        let mut w = Where::default();
        let p = w.param(chain.get());
        w.clauses.push(format!(
            "e.stage_id IN (SELECT id FROM chain_stages WHERE chain_id = {p})"
        ));
        if let Some(grid) = grid {
            let p = w.param(grid.get());
            w.clauses.push(format!("e.grid_id = {p}"));
        }
        if let Some(stage) = stage {
            let p = w.param(stage.get());
            w.clauses.push(format!("e.stage_id = {p}"));
        }
        let sql = format!(
            "SELECT e.id, e.name, e.grid_id, e.stage_id FROM enterprises e WHERE {} \
             ORDER BY e.stage_id, e.id",
            w.condition()
        );
        let rows: Vec<(i64, String, i64, i64)> = self.fetch_all(&sql, w.args).await?;
        let nodes = rows
            .into_iter()
            .map(|(id, name, grid, stage)| {
                const T: &str = "enterprises";
                Ok(MapNode {
                    id: stored(T, EnterpriseId::new(id))?,
                    name: stored(T, Name::from_stored(&name))?,
                    grid: stored(T, GridId::new(grid))?,
                    stage: stored(T, StageId::new(stage))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut w = Where::default();
        let p = w.param(MatchStatus::Agreed.as_str());
        w.clauses.push(format!("m.status = {p}"));
        if let Some(actor) = visible_to {
            if let Some(clause) = visible_sql(&mut w, actor) {
                w.clauses.push(clause);
            }
        }
        let p = w.param(i64::from(MAX_MAP_LINKS));
        let sql = format!(
            "SELECT m.id, m.a_enterprise_id, m.b_enterprise_id, m.contract_value_fen \
             FROM matches m WHERE {} ORDER BY m.id DESC LIMIT {p}",
            w.condition()
        );
        let rows: Vec<(i64, i64, i64, Option<i64>)> = self.fetch_all(&sql, w.args).await?;
        let drawn = |e: i64| nodes.iter().any(|n| n.id.get() == e);
        let links = rows
            .into_iter()
            .filter(|(_, a, b, _)| drawn(*a) && drawn(*b))
            .map(|(id, a, b, value)| {
                const T: &str = "matches";
                Ok(MapLink {
                    id: stored(T, MatchId::new(id))?,
                    a: stored(T, EnterpriseId::new(a))?,
                    b: stored(T, EnterpriseId::new(b))?,
                    value: value
                        .map(|v| stored(T, ContractValue::from_fen(v)))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((nodes, links))
    }
}

/// `Match::visible_to` as a condition: the introducer, or whoever sees either side (each side
/// as an issue's scope). `None` for those who see everything.
fn visible_sql(w: &mut Where, actor: &Actor) -> Option<String> {
    let side = |enterprise, grid| ScopeColumns {
        mine: "m.introduced_by",
        grid,
        unit: None,
        enterprise,
    };
    let a = scope_sql(w, actor, &side("m.a_enterprise_id", "m.a_grid_id"))?;
    let b = scope_sql(w, actor, &side("m.b_enterprise_id", "m.b_grid_id"))?;
    Some(format!("({a} OR {b})"))
}

impl Store {
    /// One match, `None` for no such match.
    pub async fn match_record(&self, id: MatchId) -> Result<Option<MatchRecord>, StoreError> {
        self.read(async move |tx| tx.match_record(id).await).await
    }

    /// A match's history, oldest first.
    pub async fn match_steps(&self, id: MatchId) -> Result<Vec<MatchStep>, StoreError> {
        self.read(async move |tx| tx.match_steps(id).await).await
    }

    /// A page of matches; see [`Tx::matches`].
    pub async fn matches(
        &self,
        filter: &MatchFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<MatchRecord>, StoreError> {
        self.read(async move |tx| tx.matches(filter, limit, cursor).await)
            .await
    }

    /// The chain map's nodes and links; see [`Tx::chain_map`].
    pub async fn chain_map(
        &self,
        chain: gridloop_core::ChainId,
        grid: Option<GridId>,
        stage: Option<StageId>,
        visible_to: Option<&Actor>,
    ) -> Result<(Vec<MapNode>, Vec<MapLink>), StoreError> {
        self.read(async move |tx| tx.chain_map(chain, grid, stage, visible_to).await)
            .await
    }
}
