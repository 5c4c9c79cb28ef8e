//! Acting on an issue: one step of the lifecycle, whichever front end asked.
//!
//! The checks run in the order the JSON API documents (crates/api/src/issues.rs): the role
//! first, as in the core (someone who may never take this action is told so whatever the
//! issue, which reveals nothing about it); then every bad or missing field at once; then the
//! issue itself (missing or out of sight), the version, the state and its preconditions, in
//! the store's transaction.

use chrono::{DateTime, Utc};
use gridloop_core::{
    Action, ActionFields, ActionKind, Actor, Code, Decision, IssueId, Note, Priority, Reason,
    Satisfaction, Sla,
};
use gridloop_store::ActionRequest;

use crate::error::{no_such, AppError, Fields, Thing};
use crate::state::AppState;

/// The new deadline an extension asks for or grants: an instant, or a number of working
/// minutes counted on the park's calendar from the issue's current deadline (from now when it
/// has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    At(DateTime<Utc>),
    WorkingMinutes(u32),
}

/// An action as a front end parsed it: the kind, the version the actor saw, and the fields,
/// each a domain value; units and categories are still codes, to be resolved here.
#[derive(Debug, Clone)]
pub struct ActionInput {
    pub kind: ActionKind,
    /// The version the actor saw; `None` (the CLI without `--version`) means "whatever is
    /// current", still applied under compare-and-set.
    pub expected_version: Option<u32>,
    pub unit: Option<Code>,
    pub category: Option<Code>,
    pub reason: Option<Reason>,
    pub note: Option<Note>,
    pub public_note: Option<Note>,
    pub satisfaction: Option<Satisfaction>,
    pub duplicate_of: Option<IssueId>,
    pub until: Option<Until>,
    pub priority: Option<Priority>,
}

impl ActionInput {
    /// The action with no fields yet.
    pub fn new(kind: ActionKind) -> Self {
        Self {
            kind,
            expected_version: None,
            unit: None,
            category: None,
            reason: None,
            note: None,
            public_note: None,
            satisfaction: None,
            duplicate_of: None,
            until: None,
            priority: None,
        }
    }
}

/// Whether the actor holds a role that may ever take `kind`: the first check of [`act`], for
/// a front end that must answer it before its own parse errors (the JSON API's 403 comes
/// before its 422).
pub fn may_take(actor: &Actor, kind: ActionKind) -> Result<(), AppError> {
    gridloop_core::may_take(kind, actor).map_err(AppError::from)
}

/// Takes the action on issue `id` as `actor`: the issue after it, the event and its effects.
#[tracing::instrument(name = "act", skip_all, fields(issue_id = id.get(), action = input.kind.as_str()))]
pub async fn act(
    state: &AppState,
    actor: &Actor,
    id: IssueId,
    input: ActionInput,
) -> Result<Decision, AppError> {
    let kind = input.kind;
    may_take(actor, kind)?;
    let now = state.clock.now();
    let mut errors = Fields::default();
    let mut fields = ActionFields {
        reason: input.reason,
        note: input.note,
        public_note: input.public_note,
        satisfaction: input.satisfaction,
        priority: input.priority,
        ..ActionFields::default()
    };
    if let Some(code) = &input.unit {
        fields.unit = state.store.unit_by_code(code).await?.map(|u| u.id);
        if fields.unit.is_none() {
            errors.add(no_such("unit", Thing::Unit, code));
        }
    }
    if let Some(code) = &input.category {
        fields.category = state.category_id(code).await?;
        if fields.category.is_none() {
            errors.add(no_such("category", Thing::Category, code));
        }
    }
    if let Some(of) = input.duplicate_of {
        // An issue the actor cannot see is named exactly like a missing one; an issue is no
        // duplicate of itself.
        let visible = of != id
            && state
                .store
                .issue(of)
                .await?
                .is_some_and(|t| actor.can_see(&t.scope()));
        if visible {
            fields.duplicate_of = Some(of);
        } else {
            errors.add(no_such("duplicate_of", Thing::Issue, of));
        }
    }
    // One calendar for the whole request, even if it is swapped meanwhile.
    let workflow = state.workflow();
    fields.until = match input.until {
        None => None,
        Some(Until::At(at)) => Some(at),
        Some(Until::WorkingMinutes(minutes)) => {
            // From the deadline the actor sees; a missing or unseen issue is the store's 404
            // below, so "now" serves as well as anything until then.
            let from = state
                .store
                .issue(id)
                .await?
                .filter(|i| actor.can_see(&i.scope()))
                .and_then(|i| i.resolve_due_at)
                .unwrap_or(now);
            Some(workflow.calendar().add_working_minutes(from, minutes))
        }
    };
    // Whatever the action needs and the input lacks, named before anything is tried (the SLA
    // is the store's to fill in from the category, so it is taken as given here).
    let sla = Sla::new(1, 1).map_err(|e| AppError::internal("a placeholder SLA", &e))?;
    if let Err(missing) = Action::from_fields(
        kind,
        ActionFields {
            sla: Some(sla),
            ..fields.clone()
        },
    ) {
        for e in missing {
            errors.add(e);
        }
    }
    errors.check()?;
    let request = ActionRequest {
        kind,
        fields,
        expected_version: input.expected_version,
    };
    let decision = state.store.act(&workflow, id, actor, request, now).await?;
    tracing::info!(
        from = decision.event.from.map(|s| s.as_str()),
        to = decision.event.to.as_str(),
        version = decision.issue.version,
        "action taken"
    );
    Ok(decision)
}
