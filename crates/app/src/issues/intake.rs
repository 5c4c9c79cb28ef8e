//! Intake: a problem reported, by a post member, a commissioner or an enterprise, through any
//! front end (the JSON API, Open311, the web form, the CLI).
//!
//! Idempotent on the client key: the same reporter sending the same key with the same problem
//! gets the issue the first request created (`replayed`), never a second one; the same key
//! with another problem is [`AppError::KeyReuse`].

use gridloop_core::{
    Actor, CategoryId, ClientKey, Code, Description, EnterpriseId, Priority, Source, Title,
    TransitionError,
};
use gridloop_store::{NewIssue, Open311Details, Reported, StoreError};

use crate::error::{no_such, AppError, Doing, Thing};
use crate::state::AppState;

/// How the reporter named the category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryRef {
    Code(Code),
    Id(CategoryId),
}

/// A problem as a front end parsed it; the category is still to be resolved.
#[derive(Debug, Clone)]
pub struct Intake {
    pub enterprise: EnterpriseId,
    pub category: CategoryRef,
    pub title: Title,
    pub description: Description,
    pub priority: Priority,
    /// Which front end it came through, recorded with the issue.
    pub source: Source,
    pub client_key: Option<ClientKey>,
    /// Open311's location and contact fields, for a request that came that way.
    pub open311: Option<Open311Details>,
}

/// Reports the problem as `actor`: the new issue, or the one its client key created before
/// (`replayed`). A category or enterprise that names nothing is a field error (`category`,
/// `category_id`, `enterprise`); an enterprise outside the actor's grids is not permitted.
#[tracing::instrument(name = "intake", skip_all, fields(issue_id = tracing::field::Empty))]
pub async fn intake(state: &AppState, actor: &Actor, intake: Intake) -> Result<Reported, AppError> {
    let category = match &intake.category {
        CategoryRef::Code(code) => state
            .category_id(code)
            .await?
            .ok_or_else(|| no_such("category", Thing::Category, code))?,
        CategoryRef::Id(id) => state
            .store
            .category(*id)
            .await?
            .map(|c| c.id)
            .ok_or_else(|| no_such("category_id", Thing::Category, id))?,
    };
    let enterprise = intake.enterprise;
    let new = NewIssue {
        enterprise,
        category,
        title: intake.title,
        description: intake.description,
        priority: intake.priority,
        source: intake.source,
        client_key: intake.client_key,
    };
    let now = state.clock.now();
    let reported = match intake.open311 {
        None => state.store.intake(&state.workflow(), actor, new, now).await,
        Some(details) => {
            state
                .store
                .intake_open311(&state.workflow(), actor, new, details, now)
                .await
        }
    }
    .map_err(|e| match e {
        // The enterprise is checked by the store in the same query as the category: an
        // unknown one is the reporter's field error, not a missing page.
        StoreError::NotFound {
            what: "enterprise", ..
        } => AppError::invalid(no_such("enterprise", Thing::Enterprise, enterprise)),
        // A reporter's role covers their own grids (or enterprises) only: not "no such issue"
        // as for an action, but not permitted there.
        StoreError::Transition(TransitionError::OutOfScope) => AppError::OutOfScope {
            doing: Doing::Intake,
        },
        other => other.into(),
    })?;
    tracing::Span::current().record("issue_id", reported.issue.id.get());
    tracing::info!(replayed = reported.replayed, "issue reported");
    Ok(reported)
}
