//! Matchmaking events (对接会), called meetings in code (see `gridloop_core::chain::meeting`):
//! planned with their target stages and tags, enterprises invited and told, attendance
//! recorded, held or cancelled; the candidates their invitees are suggested from; and
//! [`Tx::meetings_held_between`], the weekly report's count of meetings held and attendance.
//!
//! Every change of status is a compare-and-set on the status the use case read, so two people
//! holding and cancelling at once cannot both win.

use chrono::{DateTime, Utc};
use gridloop_core::chain::{
    Capacity, InviteeCandidate, MeetingId, MeetingStatus, StartsAt, Tag, Tags, TargetStages,
};
use gridloop_core::text::{Place, Theme};
use gridloop_core::{
    Actor, EnterpriseId, GridId, Name, NotificationKind, Reason, Role, StageId, UserId,
};
use serde::Serialize;

use crate::backend::{args, Tx};
use crate::effects::{NewNotification, Recipients};
use crate::error::StoreError;
use crate::list::{decode_key, Where};
use crate::model::Page;
use crate::rows::stored;
use crate::store::Store;

/// Meetings per page at most.
pub const MAX_MEETING_PAGE: u32 = 100;
/// The most enterprises loaded as candidate invitees of one meeting.
pub const MAX_INVITEE_CANDIDATES: u32 = 1000;

/// A meeting as stored, with its counts of invitations and attendance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meeting {
    pub id: MeetingId,
    pub starts_at: StartsAt,
    pub place: Place,
    pub theme: Theme,
    pub capacity: Capacity,
    /// The grid it was planned for (a commissioner's); `None` for a park-wide meeting.
    pub grid: Option<GridId>,
    pub status: MeetingStatus,
    pub stages: TargetStages,
    pub tags: Tags,
    pub planned_by: UserId,
    pub planned_at: DateTime<Utc>,
    /// When it was held or cancelled.
    pub closed_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<Reason>,
    pub invited: u32,
    pub notified: u32,
    pub attended: u32,
}

/// A meeting to plan; everything parsed, the scope decided.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub starts_at: StartsAt,
    pub place: Place,
    pub theme: Theme,
    pub capacity: Capacity,
    pub grid: Option<GridId>,
    pub stages: TargetStages,
    pub tags: Tags,
    pub planned_by: UserId,
    pub planned_at: DateTime<Utc>,
}

/// One enterprise invited to a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    pub enterprise: EnterpriseId,
    pub enterprise_name: Name,
    /// The enterprise's grid now.
    pub grid: GridId,
    pub invited_at: DateTime<Utc>,
    /// When its users were told (email/SMS queued in the outbox); `None` until sent.
    pub notified_at: Option<DateTime<Utc>>,
    /// `None` until attendance is recorded.
    pub attended: Option<bool>,
}

/// Which meetings to list.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub status: Option<MeetingStatus>,
    /// Only meetings this actor may see ([`Actor`]'s rule for meetings, as the app's
    /// `chain::meetings::can_see`): overseers all; the planner theirs; staff the park-wide
    /// ones and those of their grids; an enterprise's user those it is invited to.
    pub visible_to: Option<Actor>,
}

/// The weekly report's meeting figures for a period: see [`Tx::meetings_held_between`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MeetingsHeld {
    /// Distinct meetings held (status held, starting in the period).
    pub held: u32,
    /// Invitations of those meetings, and how many were recorded as attended.
    pub invited: u32,
    pub attended: u32,
    /// The same by the invited enterprise's grid and stage (now). A meeting counts once in each
    /// row where it had an invitee, so `meetings` does not add up to `held`.
    pub by_grid_and_stage: Vec<MeetingTally>,
}

/// One (grid, stage) row of [`MeetingsHeld`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingTally {
    pub grid: GridId,
    /// `None` for enterprises without a stage.
    pub stage: Option<StageId>,
    pub meetings: u32,
    pub invited: u32,
    pub attended: u32,
}

const MEETING_SELECT: &str = "m.id, m.starts_at, m.place, m.theme, m.capacity, m.grid_id, \
     m.status, m.planned_by, m.planned_at, m.closed_at, m.cancel_reason, \
     (SELECT COUNT(*) FROM meeting_invitations i WHERE i.meeting_id = m.id) AS invited, \
     (SELECT COUNT(*) FROM meeting_invitations i WHERE i.meeting_id = m.id \
        AND i.notified_at IS NOT NULL) AS notified, \
     (SELECT COUNT(*) FROM meeting_invitations i WHERE i.meeting_id = m.id \
        AND i.attended = $1) AS attended";

#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: i64,
    starts_at: DateTime<Utc>,
    place: String,
    theme: String,
    capacity: i64,
    grid_id: Option<i64>,
    status: String,
    planned_by: i64,
    planned_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    cancel_reason: Option<String>,
    invited: i64,
    notified: i64,
    attended: i64,
}

fn count(table: &str, n: i64) -> Result<u32, StoreError> {
    stored(table, u32::try_from(n))
}

impl MeetingRow {
    fn into_domain(self, stages: Vec<StageId>, tags: Vec<Tag>) -> Result<Meeting, StoreError> {
        const T: &str = "chain_meetings";
        Ok(Meeting {
            id: stored(T, MeetingId::new(self.id))?,
            starts_at: StartsAt::from_stored(self.starts_at),
            place: stored(T, Place::from_stored(&self.place))?,
            theme: stored(T, Theme::from_stored(&self.theme))?,
            capacity: Capacity::from_stored(count(T, self.capacity)?),
            grid: self
                .grid_id
                .map(|g| stored(T, GridId::new(g)))
                .transpose()?,
            status: stored(T, self.status.parse())?,
            stages: stored(T, TargetStages::parse(stages))?,
            tags: Tags::from_stored(tags),
            planned_by: stored(T, UserId::new(self.planned_by))?,
            planned_at: self.planned_at,
            closed_at: self.closed_at,
            cancel_reason: self
                .cancel_reason
                .map(|r| stored(T, Reason::from_stored(&r)))
                .transpose()?,
            invited: count(T, self.invited)?,
            notified: count(T, self.notified)?,
            attended: count(T, self.attended)?,
        })
    }
}

fn encode_cursor(id: MeetingId) -> String {
    format!("m{:x}", id.get())
}

/// The roles that see every meeting.
const OVERSEERS: [Role; 3] = [Role::Dispatcher, Role::Supervisor, Role::Admin];
/// The staff roles that see park-wide meetings.
const STAFF: [Role; 4] = [
    Role::PostMember,
    Role::Commissioner,
    Role::UnitMember,
    Role::UnitHead,
];

/// The condition (over `m`) of the meetings `actor` may see; `None` for all of them.
fn visible_sql(w: &mut Where, actor: &Actor) -> Option<String> {
    if OVERSEERS.iter().any(|&r| actor.has_role(r)) {
        return None;
    }
    let me = w.param(actor.user.get());
    let mut any = vec![format!("m.planned_by = {me}")];
    if STAFF.iter().any(|&r| actor.has_role(r)) {
        any.push("m.grid_id IS NULL".to_owned());
    }
    if (actor.has_role(Role::PostMember) || actor.has_role(Role::Commissioner))
        && !actor.grids.is_empty()
    {
        any.push(w.any_of("m.grid_id", actor.grids.iter().map(|g| g.get().into())));
    }
    if actor.has_role(Role::Enterprise) && !actor.enterprises.is_empty() {
        let list = w.any_of(
            "enterprise_id",
            actor.enterprises.iter().map(|e| e.get().into()),
        );
        any.push(format!(
            "m.id IN (SELECT meeting_id FROM meeting_invitations WHERE {list})"
        ));
    }
    Some(format!("({})", any.join(" OR ")))
}

impl Tx {
    /// Plans a meeting with its stages and tags.
    pub async fn plan_meeting(&mut self, new: &NewMeeting) -> Result<Meeting, StoreError> {
        let (id,): (i64,) = self
            .fetch_one(
                "INSERT INTO chain_meetings (starts_at, place, theme, capacity, grid_id, status, \
                 planned_by, planned_at) VALUES ($1, $2, $3, $4, $5, 'planned', $6, $7) \
                 RETURNING id",
                args![
                    new.starts_at.at(),
                    new.place.as_str(),
                    new.theme.as_str(),
                    new.capacity.get(),
                    new.grid.map(GridId::get),
                    new.planned_by.get(),
                    new.planned_at,
                ],
            )
            .await?;
        for stage in new.stages.as_slice() {
            self.execute(
                "INSERT INTO meeting_stages (meeting_id, stage_id) VALUES ($1, $2)",
                args![id, stage.get()],
            )
            .await?;
        }
        for tag in new.tags.as_slice() {
            self.execute(
                "INSERT INTO meeting_tags (meeting_id, tag) VALUES ($1, $2)",
                args![id, tag.as_str()],
            )
            .await?;
        }
        let id = stored("chain_meetings", MeetingId::new(id))?;
        self.meeting(id)
            .await?
            .ok_or_else(|| StoreError::not_found("meeting", id.get()))
    }

    /// One meeting, `None` for no such meeting.
    pub async fn meeting(&mut self, id: MeetingId) -> Result<Option<Meeting>, StoreError> {
        let sql = format!("SELECT {MEETING_SELECT} FROM chain_meetings m WHERE m.id = $2");
        let row: Option<MeetingRow> = self.fetch_optional(&sql, args![true, id.get()]).await?;
        match row {
            Some(row) => Ok(Some(self.with_aims(vec![row]).await?.remove(0))),
            None => Ok(None),
        }
    }

    /// Rows to meetings, each with its stages and tags (one query each for all of them).
    async fn with_aims(&mut self, rows: Vec<MeetingRow>) -> Result<Vec<Meeting>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = Where::default();
        let list = w.any_of("meeting_id", rows.iter().map(|r| r.id.into()));
        let stages: Vec<(i64, i64)> = self
            .fetch_all(
                &format!("SELECT meeting_id, stage_id FROM meeting_stages WHERE {list}"),
                w.args.clone(),
            )
            .await?;
        let tags: Vec<(i64, String)> = self
            .fetch_all(
                &format!("SELECT meeting_id, tag FROM meeting_tags WHERE {list} ORDER BY tag"),
                w.args,
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                let mine = stages
                    .iter()
                    .filter(|(m, _)| *m == row.id)
                    .map(|(_, s)| stored("meeting_stages", StageId::new(*s)))
                    .collect::<Result<Vec<_>, _>>()?;
                let my_tags = tags
                    .iter()
                    .filter(|(m, _)| *m == row.id)
                    .map(|(_, t)| stored("meeting_tags", Tag::parse("tag", t)))
                    .collect::<Result<Vec<_>, _>>()?;
                row.into_domain(mine, my_tags)
            })
            .collect()
    }

    /// Meetings matching `filter`, the latest start first, `limit` (clamped to
    /// 1..=[`MAX_MEETING_PAGE`]) at a time; pass `next_cursor` back for the next page.
    pub async fn meetings(
        &mut self,
        filter: &MeetingFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<Meeting>, StoreError> {
        let limit = limit.clamp(1, MAX_MEETING_PAGE);
        let mut w = Where::default();
        w.param(true); // $1: the attended count's flag
        if let Some(cursor) = cursor {
            let after: MeetingId = decode_key('m', cursor)?;
            let p = w.param(after.get());
            w.clauses.push(format!("m.id < {p}"));
        }
        if let Some(status) = filter.status {
            let p = w.param(status.as_str());
            w.clauses.push(format!("m.status = {p}"));
        }
        if let Some(actor) = &filter.visible_to {
            if let Some(clause) = visible_sql(&mut w, actor) {
                w.clauses.push(clause);
            }
        }
        let condition = w.condition();
        let p = w.param(i64::from(limit) + 1);
        let sql = format!(
            "SELECT {MEETING_SELECT} FROM chain_meetings m WHERE {condition} \
             ORDER BY m.id DESC LIMIT {p}"
        );
        let rows: Vec<MeetingRow> = self.fetch_all(&sql, w.args).await?;
        let mut items = self.with_aims(rows).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|m| encode_cursor(m.id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// A meeting's invitations, by enterprise name.
    pub async fn invitations(&mut self, id: MeetingId) -> Result<Vec<Invitation>, StoreError> {
        let rows: Vec<InvitationRow> = self
            .fetch_all(
                "SELECT i.enterprise_id, e.name, e.grid_id, i.invited_at, i.notified_at, \
                 i.attended FROM meeting_invitations i \
                 JOIN enterprises e ON e.id = i.enterprise_id \
                 WHERE i.meeting_id = $1 ORDER BY e.name, e.id",
                args![id.get()],
            )
            .await?;
        rows.into_iter().map(InvitationRow::into_domain).collect()
    }

    /// Invites `enterprises` (each once: one invited before is left as it is). Returns how
    /// many were newly invited.
    pub async fn invite(
        &mut self,
        id: MeetingId,
        enterprises: &[EnterpriseId],
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut n = 0;
        for e in enterprises {
            self.must_exist("enterprises", "enterprise", e.get())
                .await?;
            n += self
                .execute(
                    "INSERT INTO meeting_invitations (meeting_id, enterprise_id, invited_by, \
                     invited_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    args![id.get(), e.get(), by.get(), at],
                )
                .await?;
        }
        Ok(n)
    }

    /// Marks the invitations not told yet as told at `at`; returns their enterprises.
    pub async fn mark_notified(
        &mut self,
        id: MeetingId,
        at: DateTime<Utc>,
    ) -> Result<Vec<EnterpriseId>, StoreError> {
        let rows: Vec<(i64,)> = self
            .fetch_all(
                "UPDATE meeting_invitations SET notified_at = $1 \
                 WHERE meeting_id = $2 AND notified_at IS NULL RETURNING enterprise_id",
                args![at, id.get()],
            )
            .await?;
        let mut ids = rows
            .into_iter()
            .map(|(e,)| stored("meeting_invitations", EnterpriseId::new(e)))
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort();
        Ok(ids)
    }

    /// Records whether an invited enterprise attended; `false` when it is not invited.
    pub async fn record_attendance(
        &mut self,
        id: MeetingId,
        enterprise: EnterpriseId,
        attended: bool,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .execute(
                "UPDATE meeting_invitations SET attended = $1, recorded_by = $2, recorded_at = $3 \
                 WHERE meeting_id = $4 AND enterprise_id = $5",
                args![attended, by.get(), at, id.get(), enterprise.get()],
            )
            .await?;
        Ok(n > 0)
    }

    /// Moves a meeting from `from` to `to` (held or cancelled, with an optional reason);
    /// `Invalid` `status`, `Changed`, if it is no longer `from`.
    pub async fn close_meeting(
        &mut self,
        id: MeetingId,
        from: MeetingStatus,
        to: MeetingStatus,
        reason: Option<&Reason>,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<Meeting, StoreError> {
        let n = self
            .execute(
                "UPDATE chain_meetings SET status = $1, closed_by = $2, closed_at = $3, \
                 cancel_reason = $4 WHERE id = $5 AND status = $6",
                args![
                    to.as_str(),
                    by.get(),
                    at,
                    reason.map(Reason::as_str),
                    id.get(),
                    from.as_str()
                ],
            )
            .await?;
        let meeting = self
            .meeting(id)
            .await?
            .ok_or_else(|| StoreError::not_found("meeting", id.get()))?;
        if n == 0 {
            return Err(StoreError::invalid(
                "status",
                gridloop_core::Rule::Changed {
                    now: meeting.status.as_str(),
                },
            ));
        }
        Ok(meeting)
    }

    /// The enterprises a meeting's invitees are suggested from (at most
    /// [`MAX_INVITEE_CANDIDATES`], by id): those in one of `stages` (the targets and their
    /// neighbours), holding one of `tags`, or holding a tag `theme` mentions; only of `grid`
    /// when given; none already invited to `meeting`. Each with its stage and all its tags.
    pub async fn invitee_candidates(
        &mut self,
        meeting: MeetingId,
        stages: &[StageId],
        tags: &[Tag],
        theme: &str,
        grid: Option<GridId>,
    ) -> Result<Vec<InviteeCandidate>, StoreError> {
        let mut w = Where::default();
        let text = w.param(theme.to_lowercase());
        let mut any = vec![format!(
            "e.id IN (SELECT t.enterprise_id FROM enterprise_tags t \
             WHERE {text} LIKE '%' || t.tag || '%'{})",
            if tags.is_empty() {
                String::new()
            } else {
                format!(
                    " OR {}",
                    w.any_of("t.tag", tags.iter().map(|t| t.as_str().into()))
                )
            }
        )];
        if !stages.is_empty() {
            any.push(w.any_of("e.stage_id", stages.iter().map(|s| s.get().into())));
        }
        w.clauses.push(format!("({})", any.join(" OR ")));
        let m = w.param(meeting.get());
        w.clauses.push(format!(
            "e.id NOT IN (SELECT enterprise_id FROM meeting_invitations WHERE meeting_id = {m})"
        ));
        if let Some(grid) = grid {
            let g = w.param(grid.get());
            w.clauses.push(format!("e.grid_id = {g}"));
        }
        let condition = w.condition();
        let limit = w.param(i64::from(MAX_INVITEE_CANDIDATES));
        let firms: Vec<(i64, String, Option<i64>)> = self
            .fetch_all(
                &format!(
                    "SELECT e.id, e.name, e.stage_id FROM enterprises e WHERE {condition} \
                     ORDER BY e.id LIMIT {limit}"
                ),
                w.args,
            )
            .await?;
        if firms.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = Where::default();
        let list = w.any_of("enterprise_id", firms.iter().map(|f| f.0.into()));
        let all_tags: Vec<(i64, String)> = self
            .fetch_all(
                &format!(
                    "SELECT enterprise_id, tag FROM enterprise_tags WHERE {list} \
                     ORDER BY enterprise_id, tag"
                ),
                w.args,
            )
            .await?;
        firms
            .into_iter()
            .map(|(id, name, stage)| {
                let mut tags: Vec<Tag> = all_tags
                    .iter()
                    .filter(|(e, _)| *e == id)
                    .map(|(_, t)| stored("enterprise_tags", Tag::parse("tag", t)))
                    .collect::<Result<_, _>>()?;
                tags.dedup();
                Ok(InviteeCandidate {
                    enterprise: stored("enterprises", EnterpriseId::new(id))?,
                    name,
                    stage: stage
                        .map(|s| stored("enterprises", StageId::new(s)))
                        .transpose()?,
                    tags,
                })
            })
            .collect()
    }

    /// For the weekly report's chain section: the meetings **held** that start in
    /// `from..to` (UTC instants; the report passes its ISO week's bounds in the park's zone),
    /// their invitations and attendance, in total and by the invited enterprise's grid and
    /// stage as they are now. Planned and cancelled meetings are not counted.
    pub async fn meetings_held_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<MeetingsHeld, StoreError> {
        let (held,): (i64,) = self
            .fetch_one(
                "SELECT COUNT(*) FROM chain_meetings \
                 WHERE status = 'held' AND starts_at >= $1 AND starts_at < $2",
                args![from, to],
            )
            .await?;
        let rows: Vec<(i64, Option<i64>, i64, i64, i64)> = self
            .fetch_all(
                "SELECT e.grid_id, e.stage_id, COUNT(DISTINCT m.id), COUNT(*), \
                 SUM(CASE WHEN i.attended = $3 THEN 1 ELSE 0 END) \
                 FROM chain_meetings m \
                 JOIN meeting_invitations i ON i.meeting_id = m.id \
                 JOIN enterprises e ON e.id = i.enterprise_id \
                 WHERE m.status = 'held' AND m.starts_at >= $1 AND m.starts_at < $2 \
                 GROUP BY e.grid_id, e.stage_id ORDER BY e.grid_id, e.stage_id",
                args![from, to, true],
            )
            .await?;
        const T: &str = "meeting_invitations";
        let mut out = MeetingsHeld {
            held: count(T, held)?,
            ..MeetingsHeld::default()
        };
        for (grid, stage, meetings, invited, attended) in rows {
            out.invited += count(T, invited)?;
            out.attended += count(T, attended)?;
            out.by_grid_and_stage.push(MeetingTally {
                grid: stored(T, GridId::new(grid))?,
                stage: stage.map(|s| stored(T, StageId::new(s))).transpose()?,
                meetings: count(T, meetings)?,
                invited: count(T, invited)?,
                attended: count(T, attended)?,
            });
        }
        Ok(out)
    }
}

impl Tx {
    /// Writes a notice of `kind` (a meeting's invitation, reminder or cancellation) to the
    /// users of each of `invitees`, with the meeting's facts as the template reads them
    /// (`meeting`, and `reason` for a cancellation). Keyed by meeting, kind and enterprise, so
    /// an enterprise is told once of each. Returns the outbox rows written.
    pub async fn notify_invitees(
        &mut self,
        meeting: &Meeting,
        kind: NotificationKind,
        invitees: &[Invitation],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut rows = 0;
        for invitee in invitees {
            let notice = NewNotification {
                recipients: Recipients::Enterprise(invitee.enterprise),
                kind,
                issue: None,
                params: serde_json::json!({
                    "meeting": {
                        "id": meeting.id,
                        "theme": meeting.theme,
                        "place": meeting.place,
                        "starts_at": meeting.starts_at,
                        "enterprise": invitee.enterprise_name,
                    },
                    "reason": meeting.cancel_reason,
                }),
                dedupe: format!(
                    "meeting:{}:{}:{}",
                    meeting.id,
                    kind.stored_name(),
                    invitee.enterprise
                ),
                urgent: false,
            };
            rows += self.notify(&notice, now).await?;
        }
        Ok(rows)
    }
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    enterprise_id: i64,
    name: String,
    grid_id: i64,
    invited_at: DateTime<Utc>,
    notified_at: Option<DateTime<Utc>>,
    attended: Option<bool>,
}

impl InvitationRow {
    fn into_domain(self) -> Result<Invitation, StoreError> {
        const T: &str = "meeting_invitations";
        Ok(Invitation {
            enterprise: stored(T, EnterpriseId::new(self.enterprise_id))?,
            enterprise_name: stored(T, Name::from_stored(&self.name))?,
            grid: stored(T, GridId::new(self.grid_id))?,
            invited_at: self.invited_at,
            notified_at: self.notified_at,
            attended: self.attended,
        })
    }
}

impl Store {
    /// One meeting and its invitations, in one snapshot; `None` for no such meeting.
    pub async fn meeting(
        &self,
        id: MeetingId,
    ) -> Result<Option<(Meeting, Vec<Invitation>)>, StoreError> {
        self.read(async move |tx| {
            let Some(meeting) = tx.meeting(id).await? else {
                return Ok(None);
            };
            let invitations = tx.invitations(id).await?;
            Ok(Some((meeting, invitations)))
        })
        .await
    }

    /// [`Tx::meetings`] in a snapshot of its own.
    pub async fn meetings(
        &self,
        filter: &MeetingFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<Meeting>, StoreError> {
        self.read(async move |tx| tx.meetings(filter, limit, cursor).await)
            .await
    }

    /// [`Tx::invitee_candidates`] in a snapshot of its own.
    pub async fn invitee_candidates(
        &self,
        meeting: MeetingId,
        stages: &[StageId],
        tags: &[Tag],
        theme: &str,
        grid: Option<GridId>,
    ) -> Result<Vec<InviteeCandidate>, StoreError> {
        self.read(async move |tx| {
            tx.invitee_candidates(meeting, stages, tags, theme, grid)
                .await
        })
        .await
    }

    /// [`Tx::meetings_held_between`] in a snapshot of its own.
    pub async fn meetings_held_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<MeetingsHeld, StoreError> {
        self.read(async move |tx| tx.meetings_held_between(from, to).await)
            .await
    }
}
