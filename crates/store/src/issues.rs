//! Issues: reporting (idempotent on a client key), acting under compare-and-set, reading the
//! projection and its history.
//!
//! The issue row and its events are written in the same transaction, and the row is always the
//! core's own fold of the events ([`Workflow::apply`] returns it), so `issues` equals
//! `Issue::replay` of `issue_events` at every commit.

use std::sync::LazyLock;

use chrono::{DateTime, SubsecRound, Utc};
use gridloop_core::{
    Action, ActionKind, Actor, ClientKey, Decision, Effect, Event, GridId, Issue, IssueId, Report,
    Rule, Status, TransitionError, Workflow,
};
use sha2::{Digest, Sha256};

use crate::backend::{args, Backend, Tx};
use crate::error::StoreError;
use crate::model::{ActionRequest, NewIssue, Reported};
use crate::rows::{
    event_args, issue_args, stored, EventRow, IssueRow, EVENT_COLUMNS, ISSUE_COLUMNS,
};

/// `SELECT` list of a whole issue row.
pub(crate) static ISSUE_SELECT: LazyLock<String> =
    LazyLock::new(|| format!("id, {}", ISSUE_COLUMNS.join(", ")));

/// An issue's history, oldest first.
const EVENTS_OF_ISSUE: &str = "SELECT version, kind, at, actor_id, from_status, to_status, \
     payload FROM issue_events WHERE issue_id = $1 ORDER BY version";

/// One whole issue row by its id.
static ISSUE_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM issues WHERE id = $1", *ISSUE_SELECT));

pub(crate) static INSERT_ISSUE: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (1..=ISSUE_COLUMNS.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO issues ({}) VALUES ({}) RETURNING id",
        ISSUE_COLUMNS.join(", "),
        placeholders.join(", ")
    )
});

/// Compare-and-set: `$n+1` is the id, `$n+2` the version the decision was made on.
static UPDATE_ISSUE: LazyLock<String> = LazyLock::new(|| {
    let n = ISSUE_COLUMNS.len();
    let sets: Vec<String> = ISSUE_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    format!(
        "UPDATE issues SET {} WHERE id = ${} AND version = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    )
});

/// [`UPDATE_ISSUE`] and, if it changed the row, the event, in one statement (PostgreSQL): the
/// event's values follow the update's. Counts the events written.
static UPDATE_ISSUE_WITH_EVENT: LazyLock<String> = LazyLock::new(|| update_issue_with_event(false));

/// [`UPDATE_ISSUE_WITH_EVENT`] for a write in autocommit (PostgreSQL; see `single_write`),
/// where this statement is the commit: if the update changed nothing, the event names no issue
/// (`$n+1` only if the update returned its row) and `issue_events.issue_id` refuses it, so the
/// statement fails as a whole and the notices it carries are not written either.
static UPDATE_ISSUE_WITH_EVENT_OR_FAIL: LazyLock<String> =
    LazyLock::new(|| update_issue_with_event(true));

/// The text of [`UPDATE_ISSUE_WITH_EVENT`], or with `or_fail` of
/// [`UPDATE_ISSUE_WITH_EVENT_OR_FAIL`]: the same values, `$n+1` the event's issue.
fn update_issue_with_event(or_fail: bool) -> String {
    let after = ISSUE_COLUMNS.len() + 2;
    let values: Vec<String> = (1..=EVENT_COLUMNS.len())
        .map(|i| format!("${}", after + i))
        .collect();
    let head = format!(
        "WITH cas AS ({} RETURNING id) INSERT INTO issue_events ({})",
        *UPDATE_ISSUE,
        EVENT_COLUMNS.join(", ")
    );
    match values.split_first() {
        Some((issue, rest)) if or_fail => format!(
            "{head} VALUES (CASE WHEN EXISTS (SELECT 1 FROM cas) THEN {issue} END, {})",
            rest.join(", ")
        ),
        _ => format!("{head} SELECT {} FROM cas", values.join(", ")),
    }
}

pub(crate) static INSERT_EVENT: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (1..=EVENT_COLUMNS.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO issue_events ({}) VALUES ({})",
        EVENT_COLUMNS.join(", "),
        placeholders.join(", ")
    )
});

/// [`INSERT_EVENT`] right after [`UPDATE_ISSUE`] on SQLite: the issue (`$1`) is named only if
/// that update changed its row (`changes()` counts the last finished write), else `NULL`,
/// which `issue_events.issue_id` refuses.
pub(crate) static INSERT_EVENT_AFTER_UPDATE: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (2..=EVENT_COLUMNS.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO issue_events ({}) VALUES (CASE WHEN changes() = 1 THEN $1 END, {})",
        EVENT_COLUMNS.join(", "),
        placeholders.join(", ")
    )
});

/// Instants as both backends store them: PostgreSQL keeps microseconds, so the store truncates
/// every instant it is given before the core decides with it. What is returned then equals what
/// is read back, on either backend.
pub(crate) fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// Lets the workflow decide a report for an enterprise of `grid`, and opens the issue from
/// that first event. The database gives the id: until then the issue holds a stand-in (the id
/// is not among the inserted columns).
pub(crate) fn decide_report(
    workflow: &Workflow,
    actor: &Actor,
    new: &NewIssue,
    grid: GridId,
    now: DateTime<Utc>,
) -> Result<(Event, Issue, Vec<Effect>), StoreError> {
    let report = Report {
        title: new.title.clone(),
        description: new.description.clone(),
        category: new.category,
        priority: new.priority,
        grid,
        enterprise: new.enterprise,
        source: new.source,
    };
    let (event, effects) = workflow.report(report, actor, now)?;
    let stand_in = stored("issues", IssueId::new(1))?;
    let issue = Issue::open(stand_in, &event)?;
    Ok((event, issue, effects))
}

/// A SHA-256 of what makes two reports the same request, hex-encoded.
pub(crate) fn fingerprint(new: &NewIssue) -> String {
    let canonical = serde_json::json!([
        new.title.as_str(),
        new.description.as_str(),
        new.enterprise.get(),
        new.category.get(),
        new.priority.as_str(),
    ]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Tx {
    /// Reports a new problem. A client key seen before fails on the unique index; the caller
    /// (the SQLite batch, after rolling back to the report's savepoint) turns that into the
    /// earlier issue (`replayed`) or `KeyReuse`.
    pub async fn intake(
        &mut self,
        workflow: &Workflow,
        actor: &Actor,
        new: NewIssue,
        now: DateTime<Utc>,
    ) -> Result<Reported, StoreError> {
        let now = to_micros(now);
        let fingerprint = fingerprint(&new);
        // No look-up of the client key first: a key seen before hits the unique index on
        // insert. The common case, a new report, saves a round trip. The enterprise's grid and
        // the category's existence come in one query for the same reason.
        let found: Option<(i64, Option<i64>)> = self
            .fetch_optional(
                "SELECT e.grid_id, (SELECT c.id FROM categories c WHERE c.id = $2) \
                 FROM enterprises e WHERE e.id = $1",
                args![new.enterprise.get(), new.category.get()],
            )
            .await?;
        let (grid, category) =
            found.ok_or_else(|| StoreError::not_found("enterprise", new.enterprise))?;
        if category.is_none() {
            return Err(StoreError::not_found("category", new.category));
        }
        let grid = stored("enterprises", GridId::new(grid))?;
        let (event, mut issue, effects) = decide_report(workflow, actor, &new, grid, now)?;
        let (id,): (i64,) = self.fetch_one(&INSERT_ISSUE, issue_args(&issue)).await?;
        issue.id = stored("issues", IssueId::new(id))?;
        self.insert_event(issue.id, &event).await?;
        self.record_effects(&issue, &event, &effects, now).await?;
        if let Some(key) = &new.client_key {
            self.execute(
                "INSERT INTO issue_keys (reporter_id, client_key, fingerprint, issue_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                args![actor.user.get(), key.as_str(), fingerprint, id, now],
            )
            .await?;
        }
        Ok(Reported {
            issue,
            replayed: false,
        })
    }

    /// The issue an earlier report of this reporter with this key created, as it is now.
    pub(crate) async fn reported_with_key(
        &mut self,
        actor: &Actor,
        key: &ClientKey,
        fingerprint: &str,
    ) -> Result<Option<Reported>, StoreError> {
        let seen: Option<(String, i64)> = self
            .fetch_optional(
                "SELECT fingerprint, issue_id FROM issue_keys WHERE reporter_id = $1 AND client_key = $2",
                args![actor.user.get(), key.as_str()],
            )
            .await?;
        let Some((seen_fingerprint, issue_id)) = seen else {
            return Ok(None);
        };
        if seen_fingerprint != fingerprint {
            return Err(StoreError::KeyReuse {
                key: key.as_str().to_owned(),
            });
        }
        let id = stored("issue_keys", IssueId::new(issue_id))?;
        let issue = self.issue(id).await?.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "issue_keys: key '{key}' names a missing issue {id}"
            ))
        })?;
        Ok(Some(Reported {
            issue,
            replayed: true,
        }))
    }

    /// Takes an action on an issue. See [`crate::Store::act`].
    pub async fn act(
        &mut self,
        workflow: &Workflow,
        id: IssueId,
        actor: &Actor,
        request: ActionRequest,
        now: DateTime<Utc>,
    ) -> Result<Decision, StoreError> {
        // The workflow's order: a role that may never take the action is refused first (it
        // reveals nothing about the issue), then visibility.
        gridloop_core::may_take(request.kind, actor)?;
        let issue = self
            .issue(id)
            .await?
            .ok_or_else(|| StoreError::not_found("issue", id))?;
        self.act_on(workflow, &issue, actor, request, now).await
    }

    /// Decides an action on `issue` as read (its `may_take` already passed): visibility, the
    /// version the actor saw, what the action names, then the workflow; and writes the
    /// decision ([`Tx::record`]) under compare-and-set on `issue`'s version, so `issue` may
    /// come from outside this transaction (see [`crate::Store::act`]).
    pub(crate) async fn act_on(
        &mut self,
        workflow: &Workflow,
        issue: &Issue,
        actor: &Actor,
        request: ActionRequest,
        now: DateTime<Utc>,
    ) -> Result<Decision, StoreError> {
        let now = to_micros(now);
        let id = issue.id;
        // Someone who may not see the issue learns nothing about it, not even its version.
        if !actor.can_see(&issue.scope()) {
            return Err(TransitionError::OutOfScope.into());
        }
        if let Some(expected) = request.expected_version {
            if expected != issue.version {
                return Err(StoreError::Conflict {
                    expected,
                    actual: issue.version,
                });
            }
        }
        let mut fields = request.fields;
        fields.until = fields.until.map(to_micros);
        match request.kind {
            ActionKind::Assign | ActionKind::Reassign => {
                if let Some(unit) = fields.unit {
                    self.must_exist("units", "unit", unit.get()).await?;
                }
                if request.kind == ActionKind::Assign && fields.sla.is_none() {
                    let category = self.category(issue.category).await?.ok_or_else(|| {
                        StoreError::Corrupt(format!("issues: issue {id} has a missing category"))
                    })?;
                    fields.sla = Some(category.sla_for(issue.priority).ok_or_else(|| {
                        StoreError::invalid(
                            "sla",
                            Rule::NoSlaFor {
                                priority: issue.priority,
                            },
                        )
                    })?);
                }
            }
            ActionKind::Accept => {
                if let Some(category) = fields.category {
                    self.must_exist("categories", "category", category.get())
                        .await?;
                }
            }
            // A duplicate of itself is the workflow's to refuse (a precondition).
            ActionKind::MarkDuplicate => match fields.duplicate_of {
                Some(of) if of != id => self.must_exist("issues", "issue", of.get()).await?,
                _ => {}
            },
            _ => {}
        }
        let action = Action::from_fields(request.kind, fields).map_err(StoreError::Invalid)?;
        let decision = workflow.apply(issue, action, actor, now)?;
        self.record(issue, &decision, now).await?;
        Ok(decision)
    }

    /// Raises an issue to escalation `level`: a system step the scheduler takes when an
    /// escalation timer fires. The workflow refuses (`Transition`) when the issue no longer
    /// needs it; the event and its notifications are written like any action's.
    pub async fn escalate(
        &mut self,
        workflow: &Workflow,
        id: IssueId,
        level: u8,
        now: DateTime<Utc>,
    ) -> Result<Decision, StoreError> {
        let now = to_micros(now);
        let issue = self
            .issue(id)
            .await?
            .ok_or_else(|| StoreError::not_found("issue", id))?;
        let decision = workflow.escalate(&issue, level, now)?;
        self.record(&issue, &decision, now).await?;
        Ok(decision)
    }

    /// Writes a decision taken on `issue`: the new projection under compare-and-set on the
    /// version the decision was made on, the event, and the effects. `issue` is as read in
    /// this transaction.
    pub(crate) async fn record(
        &mut self,
        issue: &Issue,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = issue.id;
        let mut values = issue_args(&decision.issue);
        values.extend(args![id.get(), issue.version]);
        if self.backend() == Backend::Sqlite {
            // SQLite: the write turn holds the database's write lock from the read of `issue`
            // to here, so its version cannot have moved and the update is held back with the
            // event. The event still checks: it names its issue only if the update changed
            // that row, and otherwise breaks `NOT NULL`, which fails this write alone.
            self.defer(&UPDATE_ISSUE, values).await?;
            self.defer(&INSERT_EVENT_AFTER_UPDATE, event_args(id, &decision.event)?)
                .await?;
            return self
                .record_effects(&decision.issue, &decision.event, &decision.effects, now)
                .await;
        }
        // PostgreSQL: the effects are held back, and the compare-and-set and the event carry
        // them: one statement for the write, not one each. The event is written only if the
        // update changed the row (a writer that lost the race for the version gets
        // `Conflict`, not the event's key taken); if not, the transaction fails and the
        // effects go with it. A write still in autocommit has no transaction to fail: there
        // the statement itself fails, and writes nothing.
        self.record_effects(&decision.issue, &decision.event, &decision.effects, now)
            .await?;
        values.extend(event_args(id, &decision.event)?);
        let alone = self.in_autocommit();
        let sql = if alone {
            &UPDATE_ISSUE_WITH_EVENT_OR_FAIL
        } else {
            &UPDATE_ISSUE_WITH_EVENT
        };
        let changed = match self.execute_carrying(sql, values).await {
            Err(e) if alone && e.is_stale_write() => 0,
            written => written?,
        };
        if changed == 0 {
            // Only reachable where another writer committed between our read and write
            // (PostgreSQL; SQLite's BEGIN IMMEDIATE serializes writers).
            let actual = self.issue(id).await?.map_or(issue.version, |i| i.version);
            return Err(StoreError::Conflict {
                expected: issue.version,
                actual,
            });
        }
        Ok(())
    }

    /// Appends the event; on SQLite it goes with the statements after it (see [`Tx::defer`]).
    async fn insert_event(&mut self, id: IssueId, event: &Event) -> Result<(), StoreError> {
        self.defer(&INSERT_EVENT, event_args(id, event)?).await
    }

    /// The issues whose deadlines still count: assigned, in progress or on hold (the issues a
    /// calendar change may move), by id.
    pub async fn clocked_issues(&mut self) -> Result<Vec<Issue>, StoreError> {
        let rows: Vec<IssueRow> = self
            .fetch_all(
                &format!(
                    "SELECT {} FROM issues WHERE status IN ($1, $2, $3) ORDER BY id",
                    *ISSUE_SELECT
                ),
                args![
                    Status::Assigned.as_str(),
                    Status::InProgress.as_str(),
                    Status::OnHold.as_str()
                ],
            )
            .await?;
        rows.into_iter().map(IssueRow::into_domain).collect()
    }

    pub async fn issue(&mut self, id: IssueId) -> Result<Option<Issue>, StoreError> {
        let row: Option<IssueRow> = self.fetch_optional(&ISSUE_BY_ID, args![id.get()]).await?;
        row.map(IssueRow::into_domain).transpose()
    }

    /// The issue's history, oldest first; empty for an unknown issue.
    pub async fn events(&mut self, id: IssueId) -> Result<Vec<Event>, StoreError> {
        let rows: Vec<EventRow> = self.fetch_all(EVENTS_OF_ISSUE, args![id.get()]).await?;
        rows.into_iter().map(EventRow::into_domain).collect()
    }

    /// How many issues are in each status, for every status (zeros included), in
    /// [`Status::ALL`] order.
    pub async fn count_by_status(&mut self) -> Result<Vec<(Status, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = self
            .fetch_all(
                "SELECT status, COUNT(*) FROM issues GROUP BY status",
                args![],
            )
            .await?;
        let mut counts: Vec<(Status, u64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for (status, n) in rows {
            let status: Status = stored("issues", status.parse())?;
            let n = u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("count {n}")))?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == status) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }
}

impl crate::Store {
    /// The issue as of its latest event.
    ///
    /// One statement, so no transaction around it (it reads one snapshot all the same): on
    /// PostgreSQL `BEGIN` and `COMMIT` would be two more round trips on every issue shown, and
    /// on a SQLite file it is a hot read (see `readers`), as [`crate::Store::act`]'s read
    /// before the write turn is.
    pub async fn issue(&self, id: IssueId) -> Result<Option<Issue>, StoreError> {
        let row: Option<IssueRow> = self
            .pool
            .fetch_optional_read(&ISSUE_BY_ID, args![id.get()])
            .await?;
        row.map(IssueRow::into_domain).transpose()
    }

    /// The issue's history, oldest first; empty for an unknown issue. One statement, so no
    /// transaction around it (as [`crate::Store::issue`]): a hot read on SQLite, one
    /// statement alone on PostgreSQL.
    pub async fn events(&self, id: IssueId) -> Result<Vec<Event>, StoreError> {
        let rows: Vec<EventRow> = self
            .pool
            .fetch_all_read(EVENTS_OF_ISSUE, args![id.get()])
            .await?;
        rows.into_iter().map(EventRow::into_domain).collect()
    }
}
