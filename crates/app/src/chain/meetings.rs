//! Matchmaking events (对接会), called meetings in code (`gridloop_core::chain::meeting`):
//! planned, invitees suggested by the theme, invited, told (email/SMS through the outbox, and
//! a reminder the day before through the scheduler), attendance recorded, held or cancelled.
//!
//! Who, as for issues: dispatchers and admins run any meeting; a commissioner runs the
//! meetings of their grids, planned for one of them, and invites that grid's enterprises only.
//! Who sees a meeting: dispatchers, supervisors and admins every one; whoever planned it;
//! the park's staff the park-wide ones and those of their grids; an enterprise's user those
//! their enterprise is invited to. Anyone else gets `NotFound`, as for a meeting that does
//! not exist.

use std::collections::HashMap;

use gridloop_core::chain::{
    suggest_invitees, Capacity, InviteWhy, MeetingFacts, MeetingId, MeetingStatus, StartsAt, Tags,
    TargetStages, MAX_INVITEE_SUGGESTIONS, MAX_INVITE_AT_ONCE,
};
use gridloop_core::dates::parse_date;
use gridloop_core::locale::Locale;
use gridloop_core::text::{Place, Theme};
use gridloop_core::{
    Actor, EnterpriseId, GridId, NotificationKind, ParseError, Reason, Role, Rule, StageId,
};
use gridloop_scheduler::meetings::reminder_job;
use gridloop_store::{Invitation, Meeting, MeetingFilter, NewMeeting, Page, MAX_MEETING_PAGE};
use serde::Serialize;

use super::listings::stage_by_code;
use super::{require_any, today};
use crate::error::{bug, no_such, AppError, Doing, Fields, Thing};
use crate::state::AppState;

/// Who plans and runs meetings.
pub const RUNNING_ROLES: &[Role] = &[Role::Dispatcher, Role::Admin, Role::Commissioner];
/// Who runs every meeting, whatever its grid.
const OVERSEERS: &[Role] = &[Role::Dispatcher, Role::Admin];
/// Who sees every meeting.
const READERS_OF_ALL: &[Role] = &[Role::Dispatcher, Role::Supervisor, Role::Admin];
/// Suggestions when no number is asked for.
pub const DEFAULT_SUGGESTIONS: usize = 50;
/// The page size when none is asked for.
pub const DEFAULT_PAGE: u32 = 50;

/// A meeting as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// `YYYY-MM-DD`, a later day than today, at most two years ahead.
    pub date: String,
    /// `HH:MM`, in the park's time zone.
    pub time: String,
    pub place: String,
    pub theme: String,
    /// 1 to 500: the most enterprises it may invite.
    pub capacity: String,
    /// Stage codes.
    pub stages: Vec<String>,
    /// Tags, one per entry or joined by commas.
    pub tags: Vec<String>,
    /// The grid's id; a commissioner of several grids must name one, a dispatcher or admin may
    /// (none: park-wide).
    pub grid: Option<String>,
}

/// A meeting with its invitations, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingView {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub invitations: Vec<Invitation>,
}

/// One suggested invitee as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InviteeView {
    pub enterprise: EnterpriseId,
    pub name: String,
    pub score: u32,
    pub why: InviteWhy,
    /// [`InviteWhy::explain`] in the language asked for.
    pub explanation: String,
}

/// What was sent: the enterprises told now and the outbox rows written for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub enterprises: Vec<EnterpriseId>,
    pub notifications: u64,
}

/// Whether `actor` sees a meeting (the rule the store's list applies in SQL).
pub fn can_see(actor: &Actor, meeting: &Meeting, invitations: &[Invitation]) -> bool {
    if READERS_OF_ALL.iter().any(|&r| actor.has_role(r)) || meeting.planned_by == actor.user {
        return true;
    }
    let staff = [
        Role::PostMember,
        Role::Commissioner,
        Role::UnitMember,
        Role::UnitHead,
    ];
    match meeting.grid {
        None if staff.iter().any(|&r| actor.has_role(r)) => return true,
        Some(grid)
            if (actor.has_role(Role::PostMember) || actor.has_role(Role::Commissioner))
                && actor.grids.contains(&grid) =>
        {
            return true
        }
        _ => {}
    }
    actor.has_role(Role::Enterprise)
        && invitations
            .iter()
            .any(|i| actor.enterprises.contains(&i.enterprise))
}

/// Whether `actor` runs this meeting: an overseer, or a commissioner of its grid.
pub fn runs(actor: &Actor, meeting: &Meeting) -> bool {
    OVERSEERS.iter().any(|&r| actor.has_role(r))
        || (actor.has_role(Role::Commissioner)
            && meeting.grid.is_some_and(|g| actor.grids.contains(&g)))
}

/// A meeting seen but not run. Another grid's meeting is not seen at all (`NotFound`), so this
/// is a park-wide one seen by a commissioner: only the overseers run those, and the refusal
/// names them, not the commissioner's own role among [`RUNNING_ROLES`].
fn not_permitted() -> AppError {
    AppError::NotPermitted {
        doing: Doing::RunMeeting,
        roles: OVERSEERS,
    }
}

/// Plans a meeting. `Invalid` for a day not after today or beyond two years, a bad time, a
/// blank or multi-line place or theme, a capacity out of 1..=500, an unknown stage or grid.
pub async fn plan(state: &AppState, actor: &Actor, input: &PlanInput) -> Result<Meeting, AppError> {
    require_any(actor, Doing::RunMeeting, RUNNING_ROLES)?;
    let today = today(state);
    let tz = state.calendar.time_zone;
    let mut fields = Fields::default();
    let starts_at = fields
        .take(parse_date("date", &input.date))
        .and_then(|d| fields.take(StartsAt::parse(d, &input.time, tz, today)));
    let place = fields.take(Place::parse(&input.place));
    let theme = fields.take(Theme::parse(&input.theme));
    let capacity = fields.take(Capacity::parse(&input.capacity));
    let tags = fields.take(Tags::parse("tags", input.tags.iter().map(String::as_str)));
    let mut stage_ids: Vec<StageId> = Vec::new();
    for raw in input
        .stages
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        if let Some(code) = fields.take(gridloop_core::Code::parse_field("stages", raw)) {
            match stage_by_code(state, &code).await? {
                Some(id) => stage_ids.push(id),
                None => fields.add(no_such("stages", Thing::Stage, &code)),
            }
        }
    }
    let stages = fields.take(TargetStages::parse(stage_ids));
    let grid = match input
        .grid
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
    {
        Some(raw) => match fields.take(raw.parse::<GridId>()) {
            Some(id) if may_plan_for(actor, Some(id)) && state.store.grid(id).await?.is_some() => {
                Some(Some(id))
            }
            Some(id) => {
                fields.add(no_such("grid", Thing::Grid, id));
                None
            }
            None => None,
        },
        None if OVERSEERS.iter().any(|&r| actor.has_role(r)) => Some(None),
        None => match actor.grids.as_slice() {
            [only] => Some(Some(*only)),
            _ => {
                fields.add(ParseError::new("grid", Rule::Required));
                None
            }
        },
    };
    fields.check()?;
    let (Some(starts_at), Some(place), Some(theme), Some(capacity), Some(tags), Some(stages)) =
        (starts_at, place, theme, capacity, tags, stages)
    else {
        return Err(bug("meeting"));
    };
    let Some(grid) = grid else {
        return Err(bug("meeting"));
    };
    let mut tx = state.store.transaction().await?;
    let meeting = tx
        .plan_meeting(&NewMeeting {
            starts_at,
            place,
            theme,
            capacity,
            grid,
            stages,
            tags,
            planned_by: actor.user,
            planned_at: state.clock.now(),
        })
        .await?;
    tx.commit().await?;
    tracing::info!(id = %meeting.id, "meeting planned");
    Ok(meeting)
}

/// Whether `actor` may plan a meeting for `grid` (`None`: park-wide).
fn may_plan_for(actor: &Actor, grid: Option<GridId>) -> bool {
    OVERSEERS.iter().any(|&r| actor.has_role(r))
        || grid.is_some_and(|g| actor.has_role(Role::Commissioner) && actor.grids.contains(&g))
}

/// One meeting and its invitations; `NotFound` out of the reader's sight (`None`: the
/// console's operator, who sees everything).
pub async fn get(
    state: &AppState,
    reader: Option<&Actor>,
    id: MeetingId,
) -> Result<MeetingView, AppError> {
    let (meeting, invitations) = state
        .store
        .meeting(id)
        .await?
        .ok_or(AppError::NotFound(Thing::Meeting))?;
    if reader.is_some_and(|actor| !can_see(actor, &meeting, &invitations)) {
        return Err(AppError::NotFound(Thing::Meeting));
    }
    Ok(MeetingView {
        meeting,
        invitations,
    })
}

/// A meeting the actor runs, or `NotFound` (not in sight) / `NotPermitted` (seen, not run).
async fn run(state: &AppState, actor: &Actor, id: MeetingId) -> Result<MeetingView, AppError> {
    require_any(actor, Doing::RunMeeting, RUNNING_ROLES)?;
    let view = get(state, Some(actor), id).await?;
    if !runs(actor, &view.meeting) {
        return Err(not_permitted());
    }
    Ok(view)
}

/// The meetings in the reader's sight, optionally of one status, the latest planned first.
pub async fn list(
    state: &AppState,
    reader: Option<&Actor>,
    status: Option<&str>,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> Result<Page<Meeting>, AppError> {
    let mut fields = Fields::default();
    let status = status
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| fields.take(s.parse::<MeetingStatus>()));
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_MEETING_PAGE).contains(&limit) {
        fields.add(ParseError::new(
            "limit",
            Rule::Range {
                min: 1,
                max: i64::from(MAX_MEETING_PAGE),
            },
        ));
    }
    fields.check()?;
    let filter = MeetingFilter {
        status,
        visible_to: reader.cloned(),
    };
    Ok(state.store.meetings(&filter, limit, cursor).await?)
}

/// The enterprises suggested for a meeting by its theme, target stages and tags (those not
/// invited yet, of its grid when it has one), best first, each with a one-line reason.
pub async fn suggest(
    state: &AppState,
    actor: &Actor,
    id: MeetingId,
    limit: Option<usize>,
    locale: Locale,
) -> Result<Vec<InviteeView>, AppError> {
    let limit = limit.unwrap_or(DEFAULT_SUGGESTIONS);
    if !(1..=MAX_INVITEE_SUGGESTIONS).contains(&limit) {
        return Err(AppError::invalid(ParseError::new(
            "limit",
            Rule::Range {
                min: 1,
                max: MAX_INVITEE_SUGGESTIONS as i64,
            },
        )));
    }
    let view = run(state, actor, id).await?;
    let meeting = view.meeting;
    let stages = all_stages(state).await?;
    // The targets and their direct neighbours: those the ranking gives stage points.
    let mut near: Vec<StageId> = meeting.stages.as_slice().to_vec();
    for target in meeting.stages.as_slice() {
        near.extend(stages.iter().map(|s| s.id).filter(|&other| {
            gridloop_core::chain::relation(&stages, *target, other).is_some_and(|(_, n)| n == 1)
        }));
    }
    near.sort();
    near.dedup();
    let candidates = state
        .store
        .invitee_candidates(
            meeting.id,
            &near,
            meeting.tags.as_slice(),
            meeting.theme.as_str(),
            meeting.grid,
        )
        .await?;
    let names: HashMap<EnterpriseId, String> = candidates
        .iter()
        .map(|c| (c.enterprise, c.name.clone()))
        .collect();
    let facts = MeetingFacts {
        stages: meeting.stages.as_slice().to_vec(),
        tags: meeting.tags.as_slice().to_vec(),
        theme: meeting.theme.to_string(),
    };
    Ok(suggest_invitees(&facts, &candidates, &stages, limit)
        .into_iter()
        .map(|s| InviteeView {
            name: names.get(&s.enterprise).cloned().unwrap_or_default(),
            explanation: s.why.explain(locale),
            enterprise: s.enterprise,
            score: s.score,
            why: s.why,
        })
        .collect())
}

/// Every chain's stages (the park has one chain in practice).
async fn all_stages(state: &AppState) -> Result<Vec<gridloop_core::chain::Stage>, AppError> {
    let mut all = Vec::new();
    for chain in state.store.chains().await? {
        all.extend(state.store.stages(chain.id).await?);
    }
    Ok(all)
}

/// Invites enterprises (1 to [`MAX_INVITE_AT_ONCE`] ids) to a planned meeting, up to its
/// capacity. Each must be in sight, and of the meeting's grid when it has one; one invited
/// already is left as it is. Returns the meeting with its invitations.
pub async fn invite(
    state: &AppState,
    actor: &Actor,
    id: MeetingId,
    enterprises: &[String],
) -> Result<MeetingView, AppError> {
    let view = run(state, actor, id).await?;
    let mut fields = Fields::default();
    if let Err(e) = view.meeting.status.must_be_planned() {
        fields.add(e);
    }
    let raw: Vec<&str> = enterprises
        .iter()
        .flat_map(|e| e.split([',', ' ']))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if raw.is_empty() {
        fields.add(ParseError::new("enterprises", Rule::Required));
    }
    if raw.len() > MAX_INVITE_AT_ONCE {
        fields.add(ParseError::new(
            "enterprises",
            Rule::TooMany {
                max: MAX_INVITE_AT_ONCE,
            },
        ));
    }
    let mut ids: Vec<EnterpriseId> = Vec::new();
    for r in raw.iter().take(MAX_INVITE_AT_ONCE) {
        let Some(eid) = fields.take_as("enterprises", r.parse::<EnterpriseId>()) else {
            continue;
        };
        let found = state.store.enterprise(eid).await?;
        let fits = found.is_some_and(|e| view.meeting.grid.is_none_or(|g| g == e.grid));
        if fits {
            ids.push(eid);
        } else {
            fields.add(no_such("enterprises", Thing::Enterprise, eid));
        }
    }
    ids.sort();
    ids.dedup();
    let already: Vec<EnterpriseId> = view.invitations.iter().map(|i| i.enterprise).collect();
    let new = ids.iter().filter(|e| !already.contains(e)).count();
    let capacity = view.meeting.capacity.get() as usize;
    if already.len() + new > capacity {
        fields.add(ParseError::new(
            "enterprises",
            Rule::TooMany {
                max: capacity.saturating_sub(already.len()),
            },
        ));
    }
    fields.check()?;
    let mut tx = state.store.transaction().await?;
    let added = tx.invite(id, &ids, actor.user, state.clock.now()).await?;
    tx.commit().await?;
    tracing::info!(%id, added, "enterprises invited");
    get(state, Some(actor), id).await
}

/// Sends the invitations not sent yet: an email and SMS (as each user chose) to the users of
/// each enterprise invited since the last send, through the outbox, and enqueues the meeting's
/// day-before reminder. Only for a planned meeting.
pub async fn send(state: &AppState, actor: &Actor, id: MeetingId) -> Result<Sent, AppError> {
    let view = run(state, actor, id).await?;
    view.meeting.status.must_be_planned()?;
    let now = state.clock.now();
    let mut tx = state.store.transaction().await?;
    let told = tx.mark_notified(id, now).await?;
    let invitees: Vec<Invitation> = view
        .invitations
        .into_iter()
        .filter(|i| told.contains(&i.enterprise))
        .collect();
    let rows = tx
        .notify_invitees(
            &view.meeting,
            NotificationKind::MeetingInvitation,
            &invitees,
            now,
        )
        .await?;
    if !told.is_empty() {
        tx.enqueue(&reminder_job(id, view.meeting.starts_at.at(), now), now)
            .await?;
    }
    tx.commit().await?;
    // Counts only: the recipients' addresses stay out of the logs.
    tracing::info!(%id, enterprises = told.len(), notifications = rows, "invitations sent");
    Ok(Sent {
        enterprises: told,
        notifications: rows,
    })
}

/// Records whether an invited enterprise attended: from the meeting's day on, for a meeting
/// not cancelled. `Invalid` (`enterprise`, `NoSuch`) for an enterprise not invited.
pub async fn attend(
    state: &AppState,
    actor: &Actor,
    id: MeetingId,
    enterprise: &str,
    attended: bool,
) -> Result<MeetingView, AppError> {
    let view = run(state, actor, id).await?;
    let mut fields = Fields::default();
    let enterprise = fields.take_as("enterprise", enterprise.trim().parse::<EnterpriseId>());
    if let Err(e) = view.meeting.status.may_record_attendance(
        view.meeting.starts_at,
        state.calendar.time_zone,
        today(state),
    ) {
        fields.add(e);
    }
    if let Some(e) = enterprise {
        if !view.invitations.iter().any(|i| i.enterprise == e) {
            fields.add(no_such("enterprise", Thing::Enterprise, e));
        }
    }
    fields.check()?;
    let Some(enterprise) = enterprise else {
        return Err(bug("attendance"));
    };
    let mut tx = state.store.transaction().await?;
    if !tx
        .record_attendance(id, enterprise, attended, actor.user, state.clock.now())
        .await?
    {
        return Err(AppError::invalid(no_such(
            "enterprise",
            Thing::Enterprise,
            enterprise,
        )));
    }
    tx.commit().await?;
    get(state, Some(actor), id).await
}

/// Marks a planned meeting held, on or after its day.
pub async fn hold(state: &AppState, actor: &Actor, id: MeetingId) -> Result<Meeting, AppError> {
    let view = run(state, actor, id).await?;
    let to = view.meeting.status.hold(
        view.meeting.starts_at,
        state.calendar.time_zone,
        today(state),
    )?;
    let mut tx = state.store.transaction().await?;
    let held = tx
        .close_meeting(
            id,
            view.meeting.status,
            to,
            None,
            actor.user,
            state.clock.now(),
        )
        .await?;
    tx.commit().await?;
    tracing::info!(%id, "meeting held");
    Ok(held)
}

/// Cancels a planned meeting, with an optional reason, and tells the enterprises already
/// told of it.
pub async fn cancel(
    state: &AppState,
    actor: &Actor,
    id: MeetingId,
    reason: Option<&str>,
) -> Result<Meeting, AppError> {
    let view = run(state, actor, id).await?;
    let mut fields = Fields::default();
    let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => fields.take(Reason::parse(raw)),
        None => None,
    };
    let to = fields.take(view.meeting.status.cancel());
    fields.check()?;
    let Some(to) = to else {
        return Err(bug("cancel"));
    };
    let now = state.clock.now();
    let mut tx = state.store.transaction().await?;
    let cancelled = tx
        .close_meeting(
            id,
            view.meeting.status,
            to,
            reason.as_ref(),
            actor.user,
            now,
        )
        .await?;
    let told: Vec<Invitation> = view
        .invitations
        .into_iter()
        .filter(|i| i.notified_at.is_some())
        .collect();
    let rows = tx
        .notify_invitees(&cancelled, NotificationKind::MeetingCancelled, &told, now)
        .await?;
    tx.commit().await?;
    tracing::info!(%id, enterprises = told.len(), notifications = rows, "meeting cancelled");
    Ok(cancelled)
}
