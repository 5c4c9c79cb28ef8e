//! Matches (对接): introduced, moved on (talk, agree, drop), listed and shown with their
//! history, the one implementation the CLI, the API and the web pages call.
//!
//! The core decides each step ([`gridloop_core::chain::matching`]); here the input is parsed,
//! the enterprises and listings looked up, and the step is written in one transaction with its
//! notices (the notifier's outbox) and its follow-up reminder (a scheduler job due after the
//! follow-up working days, keyed by the match's version: a later step makes it moot).

use gridloop_core::chain::matching::{
    self, follow_up_at, Introduction, MatchAction, MatchActionKind, MatchError, MatchStatus,
    MatchStep, Pair, Party, INTRODUCERS,
};
use gridloop_core::chain::{ContractValue, MeetingId};
use gridloop_core::{
    Actor, EnterpriseId, ListingId, MatchId, NotificationKind, ParseError, Reason, Rule, ShortNote,
};
use gridloop_store::{
    MatchFilter, MatchRecord, NewJob, NewNotification, Page, Recipients, Tx, MAX_MATCH_PAGE,
};
use serde::Serialize;

use super::require_any;
use crate::error::{bug, no_such, relabel, AppError, Doing, Fields, Thing};
use crate::state::AppState;

/// The job that reminds a match's introducer when it sat still (see [`follow_up`]).
pub const FOLLOW_UP_JOB: &str = "match.follow_up";
/// The page size when none is asked for.
pub const DEFAULT_PAGE: u32 = 50;

/// A match to introduce, as typed.
#[derive(Debug, Clone, Default)]
pub struct IntroduceInput {
    /// One enterprise's id (the need's, when there is one).
    pub enterprise: String,
    /// The other enterprise's id.
    pub with: String,
    pub need: Option<String>,
    pub offer: Option<String>,
    /// The matchmaking meeting (对接会) it was made at: one the actor sees, not cancelled,
    /// whose day has come, to which both enterprises were invited.
    pub meeting: Option<String>,
    pub note: Option<String>,
}

/// A step on a match, as typed: the action and the fields it needs.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// One of `talk`, `agree`, `drop`.
    pub action: String,
    /// The version the actor saw; a stale one is a conflict.
    pub version: Option<u32>,
    /// `agree`: the contract value in yuan.
    pub contract_value: Option<String>,
    /// `agree`: an optional short note.
    pub note: Option<String>,
    /// `drop`: why, required.
    pub reason: Option<String>,
}

/// What to list, as typed; every field optional.
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    pub status: Option<String>,
    pub enterprise: Option<String>,
    /// Matches made at this meeting (对接会).
    pub meeting: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A match with its history and what the reader may do to it now.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    #[serde(rename = "match")]
    pub record: MatchRecord,
    pub steps: Vec<MatchStep>,
    pub actions: Vec<MatchActionKind>,
}

/// An optional field as typed: `None` when absent or blank.
fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl From<MatchError> for AppError {
    fn from(e: MatchError) -> Self {
        match e {
            MatchError::NoSuchTransition { action, status } => {
                Self::NoSuchMatchStep { action, status }
            }
            MatchError::RoleNotPermitted { action, allowed } => Self::NotPermitted {
                doing: Doing::Match(action),
                roles: allowed,
            },
            MatchError::OutOfScope => Self::NotFound(Thing::Match),
        }
    }
}

/// Introduces two enterprises: a dispatcher, an admin, or a commissioner of either's grid.
/// Refused with nothing written: an enterprise with itself (`with`), a need or an offer that
/// is not one (`need`, `offer`), a note too long.
pub async fn introduce(
    state: &AppState,
    actor: &Actor,
    input: &IntroduceInput,
) -> Result<MatchRecord, AppError> {
    require_any(actor, Doing::Match(MatchActionKind::Introduce), INTRODUCERS)?;
    let mut fields = Fields::default();
    let a = fields.take(input.enterprise.parse::<EnterpriseId>());
    let b = fields.take_as("with", input.with.parse::<EnterpriseId>());
    let need = given(&input.need).and_then(|s| fields.take_as("need", s.parse::<ListingId>()));
    let offer = given(&input.offer).and_then(|s| fields.take_as("offer", s.parse::<ListingId>()));
    let meeting =
        given(&input.meeting).and_then(|s| fields.take_as("meeting", s.parse::<MeetingId>()));
    let note = given(&input.note).and_then(|s| fields.take(ShortNote::parse(s)));
    let now = state.clock.now();
    let mut tx = state.store.transaction().await?;
    let a = party(&mut tx, &mut fields, "enterprise", a).await?;
    let b = party(&mut tx, &mut fields, "with", b).await?;
    let pair = match (a, b) {
        (Some(a), Some(b)) => fields.take(Pair::new(a, b)),
        _ => None,
    };
    if let Some(pair) = pair {
        let today = super::today(state);
        check_listing(&mut tx, &mut fields, today, "need", need, pair, true).await?;
        check_listing(&mut tx, &mut fields, today, "offer", offer, pair, false).await?;
        check_meeting(state, &mut tx, &mut fields, actor, meeting, pair).await?;
    }
    fields.check()?;
    let pair = pair.ok_or_else(|| bug("match"))?;
    let step = matching::introduce(
        Introduction {
            pair,
            need,
            offer,
            meeting,
            note,
        },
        actor,
        now,
    )?;
    let record = tx.introduce_match(&step).await?;
    after_step(state, &mut tx, &record, MatchStatus::Introduced).await?;
    tx.commit().await?;
    tracing::info!(id = %record.id, "match introduced");
    Ok(record)
}

/// Records under `meeting` why the match cannot be said to be made at that meeting: none the
/// actor sees (the same answer as none at all), a cancelled one or one whose day has not come,
/// or one of the two enterprises not invited to it.
async fn check_meeting(
    state: &AppState,
    tx: &mut Tx,
    fields: &mut Fields,
    actor: &Actor,
    meeting: Option<MeetingId>,
    pair: Pair,
) -> Result<(), AppError> {
    let Some(id) = meeting else { return Ok(()) };
    let found = match tx.meeting(id).await? {
        Some(found) => Some((found, tx.invitations(id).await?)),
        None => None,
    };
    let Some((found, invitations)) =
        found.filter(|(m, invitations)| super::meetings::can_see(actor, m, invitations))
    else {
        fields.add(no_such("meeting", Thing::Meeting, id));
        return Ok(());
    };
    if let Err(e) = found.status.may_record_attendance(
        found.starts_at,
        state.calendar.time_zone,
        super::today(state),
    ) {
        fields.add(relabel("meeting", e));
        return Ok(());
    }
    let invited = |e: EnterpriseId| invitations.iter().any(|i| i.enterprise == e);
    if !(invited(pair.a().enterprise) && invited(pair.b().enterprise)) {
        fields.add(ParseError::new("meeting", Rule::NotInvited));
    }
    Ok(())
}

/// The enterprise `id` as a side of a match (its grid looked up), or `None` with `NoSuch`
/// recorded under `field`. Any enterprise may be named: the chain map shows them all.
async fn party(
    tx: &mut Tx,
    fields: &mut Fields,
    field: &'static str,
    id: Option<EnterpriseId>,
) -> Result<Option<Party>, AppError> {
    let Some(id) = id else { return Ok(None) };
    match tx.enterprise(id).await? {
        Some(e) => Ok(Some(Party {
            enterprise: id,
            grid: e.grid,
        })),
        None => {
            fields.add(no_such(field, Thing::Enterprise, id));
            Ok(None)
        }
    }
}

/// A need (`need`) or an offer must exist, be of that side, and belong to one of the pair.
async fn check_listing(
    tx: &mut Tx,
    fields: &mut Fields,
    today: chrono::NaiveDate,
    field: &'static str,
    id: Option<ListingId>,
    pair: Pair,
    need: bool,
) -> Result<(), AppError> {
    let Some(id) = id else { return Ok(()) };
    let fits = tx.listing(id, today).await?.is_some_and(|l| {
        (l.side == gridloop_core::chain::Side::Need) == need
            && [pair.a().enterprise, pair.b().enterprise].contains(&l.enterprise)
    });
    if !fits {
        fields.add(no_such(field, Thing::Listing, id));
    }
    Ok(())
}

/// Takes one step on a match: `talk`, `agree` (with a contract value, 0 to 10^11 yuan, and an
/// optional note) or `drop` (with a reason). The introducer, dispatchers, admins and the
/// commissioners of either enterprise's grid may; a match out of sight is `NotFound`.
pub async fn step(
    state: &AppState,
    actor: &Actor,
    id: MatchId,
    input: &StepInput,
) -> Result<MatchRecord, AppError> {
    let mut fields = Fields::default();
    let kind = fields.take(input.action.parse::<MatchActionKind>());
    let action = match kind {
        Some(MatchActionKind::Talk) => Some(MatchAction::Talk),
        Some(MatchActionKind::Agree) => {
            let value = match given(&input.contract_value) {
                Some(raw) => fields.take(ContractValue::parse(raw)),
                None => {
                    fields.add(ParseError::new("contract_value", Rule::Required));
                    None
                }
            };
            let note = given(&input.note).and_then(|s| fields.take(ShortNote::parse(s)));
            value.map(|value| MatchAction::Agree { value, note })
        }
        Some(MatchActionKind::Drop) => {
            let reason = fields.take(Reason::parse(input.reason.as_deref().unwrap_or("")));
            reason.map(|reason| MatchAction::Drop { reason })
        }
        Some(MatchActionKind::Introduce) => {
            fields.add(ParseError::new(
                "action",
                Rule::OneOf {
                    allowed: &["talk", "agree", "drop"],
                },
            ));
            None
        }
        None => None,
    };
    fields.check()?;
    let action = action.ok_or_else(|| bug("match step"))?;
    let now = state.clock.now();
    let mut tx = state.store.transaction().await?;
    let current = tx
        .match_record(id)
        .await?
        .ok_or(AppError::NotFound(Thing::Match))?;
    // Sight before the version: someone out of scope learns nothing, not even the version.
    if !current.state.visible_to(actor) {
        return Err(AppError::NotFound(Thing::Match));
    }
    if let Some(expected) = input.version {
        if expected != current.state.version {
            return Err(AppError::Conflict {
                expected,
                actual: current.state.version,
            });
        }
    }
    let (next, step) = matching::decide(&current.state, action, actor, now)?;
    let record = tx
        .record_match_step(id, &current.state, &next, &step)
        .await?;
    after_step(state, &mut tx, &record, step.to).await?;
    tx.commit().await?;
    tracing::info!(%id, to = %step.to, "match moved");
    Ok(record)
}

/// What a step sets going, in its transaction: notices for the enterprises' users (and the
/// introducer, for an end), and a follow-up while the match stays open.
async fn after_step(
    state: &AppState,
    tx: &mut Tx,
    record: &MatchRecord,
    to: MatchStatus,
) -> Result<(), AppError> {
    let m = &record.state;
    let now = state.clock.now();
    let kind = match to {
        MatchStatus::Introduced => Some(NotificationKind::MatchIntroduced),
        MatchStatus::Agreed => Some(NotificationKind::MatchAgreed),
        MatchStatus::Dropped => Some(NotificationKind::MatchDropped),
        MatchStatus::InTalks => None,
    };
    if let Some(kind) = kind {
        let params = notice_params(record);
        let mut recipients = vec![
            Recipients::Enterprise(m.pair.a().enterprise),
            Recipients::Enterprise(m.pair.b().enterprise),
        ];
        if to != MatchStatus::Introduced {
            recipients.push(Recipients::User(m.introduced_by));
        }
        for recipients in recipients {
            let notice = NewNotification {
                recipients,
                kind,
                issue: None,
                params: params.clone(),
                dedupe: format!("match:{}:v{}:{}", record.id, m.version, kind.stored_name()),
                urgent: false,
            };
            tx.notify(&notice, now).await?;
        }
    }
    if to.is_open() {
        let due = follow_up_at(
            &state.calendar(),
            m.moved_at,
            state.limits.match_follow_up_days,
        );
        let job = NewJob::new(
            FOLLOW_UP_JOB,
            serde_json::json!({ "match": record.id, "version": m.version }),
            due,
        )
        .unique(format!("match:{}:v{}:follow_up", record.id, m.version));
        tx.enqueue(&job, now).await?;
    }
    Ok(())
}

/// What the match templates show.
fn notice_params(record: &MatchRecord) -> serde_json::Value {
    let m = &record.state;
    // In the notifier's own shape (`Notice::matching`): the row carries its facts.
    serde_json::json!({
        "matching": {
            "id": record.id,
            "a": record.a_name.as_str(),
            "b": record.b_name.as_str(),
            "status": m.status.as_str(),
            "contract_value": m.value.map(|v| v.to_string()),
            "note": m.note.as_ref().map(|n| n.as_str()),
            "reason": m.reason.as_ref().map(|r| r.as_str()),
            "moved_at": m.moved_at,
            "link": null,
        }
    })
}

/// The follow-up job: tells the introducer of a match still at the version the job was armed
/// for, and still open, that it has not moved. A step since makes it moot (that step armed its
/// own); running twice notifies once (the outbox's dedupe key). Answers whether it told.
pub async fn follow_up(
    store: &gridloop_store::Store,
    id: MatchId,
    version: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, gridloop_store::StoreError> {
    let mut tx = store.transaction().await?;
    let Some(record) = tx.match_record(id).await? else {
        return Ok(false);
    };
    let m = &record.state;
    if m.version != version || !m.status.is_open() {
        return Ok(false);
    }
    let kind = NotificationKind::MatchFollowUp;
    let notice = NewNotification {
        recipients: Recipients::User(m.introduced_by),
        kind,
        issue: None,
        params: notice_params(&record),
        dedupe: format!("match:{id}:v{version}:{}", kind.stored_name()),
        urgent: false,
    };
    tx.notify(&notice, now).await?;
    tx.commit().await?;
    tracing::info!(%id, version, "match follow-up sent");
    Ok(true)
}

/// One match with its history, `NotFound` if out of the reader's sight (`None`: the
/// console's operator, who sees everything).
pub async fn show(
    state: &AppState,
    reader: Option<&Actor>,
    id: MatchId,
) -> Result<Shown, AppError> {
    let record = state
        .store
        .match_record(id)
        .await?
        .ok_or(AppError::NotFound(Thing::Match))?;
    if reader.is_some_and(|a| !record.state.visible_to(a)) {
        return Err(AppError::NotFound(Thing::Match));
    }
    let steps = state.store.match_steps(id).await?;
    let actions = reader.map_or_else(Vec::new, |a| matching::available(&record.state, a));
    Ok(Shown {
        record,
        steps,
        actions,
    })
}

/// The matches in the reader's sight (`None`: everything), newest first, a page at a time.
pub async fn list(
    state: &AppState,
    reader: Option<&Actor>,
    input: &ListInput,
) -> Result<Page<MatchRecord>, AppError> {
    let mut fields = Fields::default();
    let status = given(&input.status).and_then(|s| fields.take(s.parse::<MatchStatus>()));
    let enterprise = given(&input.enterprise).and_then(|s| fields.take(s.parse::<EnterpriseId>()));
    let meeting =
        given(&input.meeting).and_then(|s| fields.take_as("meeting", s.parse::<MeetingId>()));
    let limit = input.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_MATCH_PAGE).contains(&limit) {
        fields.add(ParseError::new(
            "limit",
            Rule::Range {
                min: 1,
                max: i64::from(MAX_MATCH_PAGE),
            },
        ));
    }
    fields.check()?;
    let filter = MatchFilter {
        status,
        enterprise,
        meeting,
        visible_to: reader.cloned(),
    };
    Ok(state
        .store
        .matches(&filter, limit, input.cursor.as_deref())
        .await?)
}
