//! What the weekly report's chain section counts: one [`ChainFact`] per thing that happened
//! along the chain in a stretch of time (core's `report::chain` explains how they are counted),
//! and the stages' names and places the section's breakdown is ordered by.
//!
//! Facts are few (a park posts tens of listings a week, not thousands), so they are read as
//! rows and counted by the core, not grouped in SQL: the counting rules — a match between two
//! grids once in the total and once in each grid — live in one place. [`MAX_CHAIN_FACTS`]
//! bounds what one report reads all the same.

use chrono::{DateTime, Utc};
use gridloop_core::{ChainFact, ChainFactKind, GridId, StageId};

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::rows::{stored, stored_opt};
use crate::store::Store;

/// The most facts one report reads; past it the section counts the first ones only (by
/// time), which a park would need a thousand listings a day for eight weeks to reach.
pub const MAX_CHAIN_FACTS: i64 = 200_000;

#[derive(sqlx::FromRow)]
struct FactRow {
    at: DateTime<Utc>,
    kind: String,
    subject: i64,
    grid_id: Option<i64>,
    stage_id: Option<i64>,
    contract_fen: i64,
}

impl FactRow {
    fn into_domain(self) -> Result<ChainFact, StoreError> {
        let kind = match self.kind.as_str() {
            "need" => ChainFactKind::NeedPosted,
            "offer" => ChainFactKind::OfferPosted,
            "meeting_held" => ChainFactKind::MeetingHeld,
            "attended" => ChainFactKind::Attended,
            "introduced" => ChainFactKind::MatchIntroduced,
            "agreed" => ChainFactKind::MatchAgreed,
            "dropped" => ChainFactKind::MatchDropped,
            other => return stored("chain facts", Err(format!("unknown fact {other:?}"))),
        };
        Ok(ChainFact {
            at: self.at,
            kind,
            subject: self.subject,
            grid: stored_opt("chain facts", self.grid_id, GridId::new)?,
            stage: stored_opt("chain facts", self.stage_id, StageId::new)?,
            contract_fen: u64::try_from(self.contract_fen).unwrap_or(0),
        })
    }
}

/// The facts' SELECT: each part gives `at, kind, subject, grid_id, stage_id, contract_fen`
/// for `[$1, $2)`; `$4` is `true` (attended, bound: SQLite stores it as 1, PostgreSQL as a
/// boolean). Listings count under the grid they were posted in and their enterprise's stage
/// now. A match's introduction, agreement or drop (its step, `match_steps`) is two facts with
/// the match as subject, one for each enterprise: under the grid it was in when introduced and
/// its stage now (the core counts the match once in the total). A meeting held counts at its
/// start, once under each attending enterprise's grid and stage, or under the grid it was
/// planned for (if any) when nobody came; each attendance is its invitation.
const FACTS_SQL: &str = "\
    SELECT l.posted_at AS at, l.side AS kind, l.id AS subject, l.grid_id AS grid_id, \
           e.stage_id AS stage_id, CAST(0 AS BIGINT) AS contract_fen \
      FROM listings l JOIN enterprises e ON e.id = l.enterprise_id \
     WHERE l.posted_at >= $1 AND l.posted_at < $2 \
    UNION ALL \
    SELECT m.starts_at, 'meeting_held', m.id, e.grid_id, e.stage_id, 0 \
      FROM chain_meetings m \
      JOIN meeting_invitations i ON i.meeting_id = m.id AND i.attended = $4 \
      JOIN enterprises e ON e.id = i.enterprise_id \
     WHERE m.status = 'held' AND m.starts_at >= $1 AND m.starts_at < $2 \
    UNION ALL \
    SELECT m.starts_at, 'meeting_held', m.id, m.grid_id, NULL, 0 \
      FROM chain_meetings m \
     WHERE m.status = 'held' AND m.starts_at >= $1 AND m.starts_at < $2 \
       AND NOT EXISTS (SELECT 1 FROM meeting_invitations i \
                        WHERE i.meeting_id = m.id AND i.attended = $4) \
    UNION ALL \
    SELECT m.starts_at, 'attended', i.id, e.grid_id, e.stage_id, 0 \
      FROM chain_meetings m \
      JOIN meeting_invitations i ON i.meeting_id = m.id AND i.attended = $4 \
      JOIN enterprises e ON e.id = i.enterprise_id \
     WHERE m.status = 'held' AND m.starts_at >= $1 AND m.starts_at < $2 \
    UNION ALL \
    SELECT s.at, s.to_status, m.id, m.a_grid_id, e.stage_id, \
           CASE WHEN s.to_status = 'agreed' THEN COALESCE(m.contract_value_fen, 0) ELSE 0 END \
      FROM match_steps s JOIN matches m ON m.id = s.match_id \
      JOIN enterprises e ON e.id = m.a_enterprise_id \
     WHERE s.to_status IN ('introduced', 'agreed', 'dropped') AND s.at >= $1 AND s.at < $2 \
    UNION ALL \
    SELECT s.at, s.to_status, m.id, m.b_grid_id, e.stage_id, \
           CASE WHEN s.to_status = 'agreed' THEN COALESCE(m.contract_value_fen, 0) ELSE 0 END \
      FROM match_steps s JOIN matches m ON m.id = s.match_id \
      JOIN enterprises e ON e.id = m.b_enterprise_id \
     WHERE s.to_status IN ('introduced', 'agreed', 'dropped') AND s.at >= $1 AND s.at < $2";

impl Tx {
    /// The chain's facts in `[from, to)`, oldest first, at most [`MAX_CHAIN_FACTS`].
    pub async fn chain_facts(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ChainFact>, StoreError> {
        let sql = format!("SELECT * FROM ({FACTS_SQL}) f ORDER BY at, kind, subject LIMIT $3");
        let rows: Vec<FactRow> = self
            .fetch_all(&sql, args![from, to, MAX_CHAIN_FACTS, true])
            .await?;
        rows.into_iter().map(FactRow::into_domain).collect()
    }

    /// Every stage's place along its chain (1 upstream) and name, for the section's breakdown.
    pub async fn stage_names(&mut self) -> Result<Vec<(StageId, u32, String)>, StoreError> {
        let rows: Vec<(i64, i64, String)> = self
            .fetch_all(
                "SELECT id, position, name FROM chain_stages ORDER BY chain_id, position",
                args![],
            )
            .await?;
        rows.into_iter()
            .map(|(id, position, name)| {
                let id = stored("chain_stages", StageId::new(id))?;
                Ok((id, u32::try_from(position).unwrap_or(u32::MAX), name))
            })
            .collect()
    }
}

impl Store {
    /// The chain's facts in `[from, to)` (see [`Tx::chain_facts`]).
    pub async fn chain_facts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ChainFact>, StoreError> {
        self.read(async move |tx| tx.chain_facts(from, to).await)
            .await
    }

    /// Every stage's place and name (see [`Tx::stage_names`]).
    pub async fn stage_names(&self) -> Result<Vec<(StageId, u32, String)>, StoreError> {
        self.read(async move |tx| tx.stage_names().await).await
    }
}
