//! Weekly on-site visits: plans, and their occurrences materialised as visits.
//!
//! A visit is unique per (plan, occurrence), so materialising the same fortnight twice, or from
//! two instances at once, stores each occurrence once. Status changes are compare-and-set on the
//! status the caller decided from.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridloop_core::{
    Actor, CategoryId, CronExpr, Description, EnterpriseId, IssueId, Priority, Role, Rule,
    Schedule, Source, Title, UserId, VisitPlan, VisitStatus, VisitWindow, Workflow,
};
use serde::Serialize;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::issues::to_micros;
use crate::model::NewIssue;
use crate::rows::stored;
use crate::store::Store;

/// A stored visit plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitPlanRecord {
    pub id: i64,
    pub enterprise: EnterpriseId,
    pub commissioner: UserId,
    pub plan: VisitPlan,
    /// Occurrences up to here exist as visits.
    pub materialised_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A stored visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visit {
    pub id: i64,
    pub plan: i64,
    pub enterprise: EnterpriseId,
    pub commissioner: UserId,
    pub scheduled_at: DateTime<Utc>,
    pub window_end_at: DateTime<Utc>,
    pub status: VisitStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub notes: Option<String>,
    /// Issues raised during the visit.
    pub issues: Vec<IssueId>,
}

/// An issue found during a visit, raised for the visited enterprise when the visit is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedIssue {
    pub category: CategoryId,
    pub title: Title,
    pub description: Description,
    pub priority: Priority,
}

/// Which visits to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitFilter {
    pub commissioner: Option<UserId>,
    pub enterprise: Option<EnterpriseId>,
    pub plan: Option<i64>,
    pub status: Option<VisitStatus>,
    /// Scheduled at or after.
    pub from: Option<DateTime<Utc>>,
    /// Scheduled before.
    pub to: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: i64,
    enterprise_id: i64,
    commissioner_id: i64,
    expr: String,
    time_zone: String,
    window_minutes: i64,
    reminder_lead_minutes: i64,
    active: bool,
    materialised_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

const PLAN_COLUMNS: &str = "id, enterprise_id, commissioner_id, expr, time_zone, window_minutes, \
     reminder_lead_minutes, active, materialised_until, created_at";

impl PlanRow {
    fn into_domain(self) -> Result<VisitPlanRecord, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("visit_plans: {what}"));
        let expr = CronExpr::parse(&self.expr).map_err(|e| corrupt(e.to_string()))?;
        let tz: Tz = self
            .time_zone
            .parse()
            .map_err(|_| corrupt(format!("time zone '{}'", self.time_zone)))?;
        let minutes = |n: i64| u32::try_from(n).map_err(|_| corrupt(format!("minutes {n}")));
        let plan = VisitPlan::new(
            Schedule::new(expr, tz),
            minutes(self.window_minutes)?,
            minutes(self.reminder_lead_minutes)?,
            self.active,
        )
        .map_err(|e| corrupt(e.to_string()))?;
        Ok(VisitPlanRecord {
            id: self.id,
            enterprise: stored("visit_plans", EnterpriseId::new(self.enterprise_id))?,
            commissioner: stored("visit_plans", UserId::new(self.commissioner_id))?,
            plan,
            materialised_until: self.materialised_until,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: i64,
    plan_id: i64,
    enterprise_id: i64,
    commissioner_id: i64,
    scheduled_at: DateTime<Utc>,
    window_end_at: DateTime<Utc>,
    status: String,
    checked_in_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    notes: Option<String>,
}

const VISIT_COLUMNS: &str = "id, plan_id, enterprise_id, commissioner_id, scheduled_at, \
     window_end_at, status, checked_in_at, completed_at, notes";

impl VisitRow {
    fn into_domain(self, issues: Vec<IssueId>) -> Result<Visit, StoreError> {
        Ok(Visit {
            id: self.id,
            plan: self.plan_id,
            enterprise: stored("visits", EnterpriseId::new(self.enterprise_id))?,
            commissioner: stored("visits", UserId::new(self.commissioner_id))?,
            scheduled_at: self.scheduled_at,
            window_end_at: self.window_end_at,
            status: stored("visits", self.status.parse())?,
            checked_in_at: self.checked_in_at,
            completed_at: self.completed_at,
            notes: self.notes,
            issues,
        })
    }
}

fn window_minutes(visit: &Visit) -> u32 {
    let minutes = (visit.window_end_at - visit.scheduled_at).num_minutes();
    u32::try_from(minutes.max(1)).unwrap_or(u32::MAX)
}

/// The longest visit notes accepted, in characters.
pub const MAX_VISIT_NOTES_CHARS: usize = 4000;

impl Tx {
    /// Creates a visit plan. `NotFound` for an unknown enterprise or commissioner; `Invalid`
    /// when the commissioner is not an active user with the commissioner role.
    pub async fn add_visit_plan(
        &mut self,
        enterprise: EnterpriseId,
        commissioner: UserId,
        plan: &VisitPlan,
        now: DateTime<Utc>,
    ) -> Result<VisitPlanRecord, StoreError> {
        self.must_exist("enterprises", "enterprise", enterprise.get())
            .await?;
        self.must_exist("users", "user", commissioner.get()).await?;
        let is_commissioner: Option<(i64,)> = self
            .fetch_optional(
                "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
                 WHERE u.id = $1 AND u.active = $2 AND r.role = 'commissioner'",
                args![commissioner.get(), true],
            )
            .await?;
        if is_commissioner.is_none() {
            return Err(StoreError::invalid(
                "commissioner",
                Rule::NeedsRole {
                    role: Role::Commissioner,
                },
            ));
        }
        let row: PlanRow = self
            .fetch_one(
                &format!(
                    "INSERT INTO visit_plans (enterprise_id, commissioner_id, expr, time_zone, \
                     window_minutes, reminder_lead_minutes, active, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {PLAN_COLUMNS}"
                ),
                args![
                    enterprise.get(),
                    commissioner.get(),
                    plan.schedule().expr.as_str(),
                    plan.schedule().tz.name(),
                    plan.window_minutes(),
                    plan.reminder_lead_minutes(),
                    plan.is_active(),
                    to_micros(now),
                ],
            )
            .await?;
        row.into_domain()
    }

    /// Visit plans, of one commissioner or all, in id order.
    pub async fn visit_plans(
        &mut self,
        commissioner: Option<UserId>,
    ) -> Result<Vec<VisitPlanRecord>, StoreError> {
        let rows: Vec<PlanRow> = self
            .fetch_all(
                &format!(
                    "SELECT {PLAN_COLUMNS} FROM visit_plans \
                     WHERE ($1 IS NULL OR commissioner_id = $1) ORDER BY id"
                ),
                args![commissioner.map(|u| u.get())],
            )
            .await?;
        rows.into_iter().map(PlanRow::into_domain).collect()
    }

    pub async fn visit_plan(&mut self, id: i64) -> Result<Option<VisitPlanRecord>, StoreError> {
        let row: Option<PlanRow> = self
            .fetch_optional(
                &format!("SELECT {PLAN_COLUMNS} FROM visit_plans WHERE id = $1"),
                args![id],
            )
            .await?;
        row.map(PlanRow::into_domain).transpose()
    }

    /// Pauses or resumes a plan. Pausing deletes its future planned visits; resuming lets the
    /// next materialisation plan them again.
    pub async fn set_visit_plan_active(
        &mut self,
        id: i64,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<VisitPlanRecord, StoreError> {
        let done = self
            .execute(
                "UPDATE visit_plans SET active = $2, materialised_until = NULL WHERE id = $1",
                args![id, active],
            )
            .await?;
        if done == 0 {
            return Err(StoreError::not_found("visit plan", id));
        }
        if !active {
            self.execute(
                "DELETE FROM visits WHERE plan_id = $1 AND status = 'planned' AND scheduled_at > $2 \
                 AND id NOT IN (SELECT visit_id FROM visit_issues)",
                args![id, to_micros(now)],
            )
            .await?;
        }
        self.visit_plan(id)
            .await?
            .ok_or_else(|| StoreError::not_found("visit plan", id))
    }

    /// Replaces a plan's schedule, window, reminder lead and active flag (a corrected row of an
    /// imported workbook). Its future planned visits not yet linked to an issue go and it
    /// counts as not materialised, as when paused, so the next materialisation plans its
    /// visits on the new schedule; visits checked in, done or missed stay as they were.
    pub async fn update_visit_plan(
        &mut self,
        id: i64,
        plan: &VisitPlan,
        now: DateTime<Utc>,
    ) -> Result<VisitPlanRecord, StoreError> {
        let done = self
            .execute(
                "UPDATE visit_plans SET expr = $2, time_zone = $3, window_minutes = $4, \
                 reminder_lead_minutes = $5, active = $6, materialised_until = NULL WHERE id = $1",
                args![
                    id,
                    plan.schedule().expr.as_str(),
                    plan.schedule().tz.name(),
                    plan.window_minutes(),
                    plan.reminder_lead_minutes(),
                    plan.is_active(),
                ],
            )
            .await?;
        if done == 0 {
            return Err(StoreError::not_found("visit plan", id));
        }
        self.execute(
            "DELETE FROM visits WHERE plan_id = $1 AND status = 'planned' AND scheduled_at > $2 \
             AND id NOT IN (SELECT visit_id FROM visit_issues)",
            args![id, to_micros(now)],
        )
        .await?;
        self.visit_plan(id)
            .await?
            .ok_or_else(|| StoreError::not_found("visit plan", id))
    }

    /// Stores the occurrences of a plan as planned visits, skipping those stored before, and
    /// records how far the plan is materialised. Returns the visits it created.
    pub async fn materialise_visits(
        &mut self,
        plan: &VisitPlanRecord,
        occurrences: &[DateTime<Utc>],
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Visit>, StoreError> {
        let mut created = Vec::new();
        for at in occurrences {
            let window = plan.plan.window(*at);
            let row: Option<VisitRow> = self
                .fetch_optional(
                    &format!(
                        "INSERT INTO visits (plan_id, enterprise_id, commissioner_id, scheduled_at, \
                         window_end_at, status, created_at) VALUES ($1, $2, $3, $4, $5, 'planned', $6) \
                         ON CONFLICT DO NOTHING RETURNING {VISIT_COLUMNS}"
                    ),
                    args![
                        plan.id,
                        plan.enterprise.get(),
                        plan.commissioner.get(),
                        to_micros(window.starts_at),
                        to_micros(window.ends_at),
                        to_micros(now),
                    ],
                )
                .await?;
            if let Some(row) = row {
                created.push(row.into_domain(Vec::new())?);
            }
        }
        self.execute(
            "UPDATE visit_plans SET materialised_until = $2 WHERE id = $1",
            args![plan.id, to_micros(until)],
        )
        .await?;
        Ok(created)
    }

    pub async fn visit(&mut self, id: i64) -> Result<Option<Visit>, StoreError> {
        let row: Option<VisitRow> = self
            .fetch_optional(
                &format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = $1"),
                args![id],
            )
            .await?;
        match row {
            None => Ok(None),
            Some(row) => {
                let issues = self.visit_issues(id).await?;
                row.into_domain(issues).map(Some)
            }
        }
    }

    async fn visit_issues(&mut self, visit: i64) -> Result<Vec<IssueId>, StoreError> {
        let ids: Vec<(i64,)> = self
            .fetch_all(
                "SELECT issue_id FROM visit_issues WHERE visit_id = $1 ORDER BY issue_id",
                args![visit],
            )
            .await?;
        ids.into_iter()
            .map(|(id,)| stored("visit_issues", IssueId::new(id)))
            .collect()
    }

    /// Visits matching the filter, by scheduled time, at most 500.
    pub async fn visits(&mut self, filter: &VisitFilter) -> Result<Vec<Visit>, StoreError> {
        let rows: Vec<VisitRow> = self
            .fetch_all(
                &format!(
                    "SELECT {VISIT_COLUMNS} FROM visits \
                     WHERE ($1 IS NULL OR commissioner_id = $1) \
                       AND ($2 IS NULL OR enterprise_id = $2) \
                       AND ($3 IS NULL OR plan_id = $3) \
                       AND ($4 IS NULL OR status = $4) \
                       AND ($5 IS NULL OR scheduled_at >= $5) \
                       AND ($6 IS NULL OR scheduled_at < $6) \
                     ORDER BY scheduled_at, id LIMIT 500"
                ),
                args![
                    filter.commissioner.map(|u| u.get()),
                    filter.enterprise.map(|e| e.get()),
                    filter.plan,
                    filter.status.map(VisitStatus::as_str),
                    filter.from.map(to_micros),
                    filter.to.map(to_micros),
                ],
            )
            .await?;
        let mut visits = Vec::with_capacity(rows.len());
        for row in rows {
            let issues = self.visit_issues(row.id).await?;
            visits.push(row.into_domain(issues)?);
        }
        Ok(visits)
    }

    /// Moves a visit from `from` to `to` by compare-and-set, recording when and any notes.
    /// `Conflict`-like `Invalid` if it is no longer in `from`.
    pub async fn set_visit_status(
        &mut self,
        id: i64,
        from: VisitStatus,
        to: VisitStatus,
        notes: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        if let Some(notes) = notes {
            if notes.chars().count() > MAX_VISIT_NOTES_CHARS {
                return Err(StoreError::invalid(
                    "notes",
                    Rule::TooLong {
                        max: MAX_VISIT_NOTES_CHARS,
                    },
                ));
            }
        }
        let now = to_micros(now);
        let done = self
            .execute(
                "UPDATE visits SET status = $3, \
                   checked_in_at = CASE WHEN $3 = 'checked_in' THEN $4 ELSE checked_in_at END, \
                   completed_at = CASE WHEN $3 = 'completed' THEN $4 ELSE completed_at END, \
                   notes = COALESCE($5, notes) \
                 WHERE id = $1 AND status = $2",
                args![id, from.as_str(), to.as_str(), now, notes],
            )
            .await?;
        if done == 0 {
            let current = self
                .visit(id)
                .await?
                .ok_or_else(|| StoreError::not_found("visit", id))?;
            return Err(StoreError::invalid(
                "status",
                Rule::Changed {
                    now: current.status.as_str(),
                },
            ));
        }
        self.visit(id)
            .await?
            .ok_or_else(|| StoreError::not_found("visit", id))
    }

    /// The commissioner checks in on site. `NotFound` for a visit that is not theirs (as for
    /// one that does not exist); `Visit` when its status or window does not allow it.
    pub async fn check_in_visit(
        &mut self,
        id: i64,
        commissioner: UserId,
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        let visit = self.own_visit(id, commissioner).await?;
        let window = VisitWindow::new(visit.scheduled_at, window_minutes(&visit));
        let to = gridloop_core::visit::check_in(visit.status, now, &window)?;
        self.set_visit_status(id, visit.status, to, None, now).await
    }

    /// The commissioner logs the visit as done, with notes. Like [`Tx::check_in_visit`].
    pub async fn complete_visit(
        &mut self,
        id: i64,
        commissioner: UserId,
        notes: &str,
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        // Held to the rules of notes here, for every front end: bounded, no control characters
        // but line breaks and TAB, no bidi overrides (and no NUL, which PostgreSQL refuses).
        let notes =
            gridloop_core::VisitNotes::parse(notes).map_err(|e| StoreError::Invalid(vec![e]))?;
        let visit = self.own_visit(id, commissioner).await?;
        let window = VisitWindow::new(visit.scheduled_at, window_minutes(&visit));
        let to = gridloop_core::visit::complete(visit.status, now, &window)?;
        self.set_visit_status(id, visit.status, to, Some(notes.as_str()), now)
            .await
    }

    /// Logs the visit as done and raises the issues found on site for its enterprise, all in
    /// this transaction: a visit that cannot be completed (not theirs, window closed, already
    /// completed) raises nothing, and a retry of a completed visit raises nothing twice.
    pub async fn complete_visit_raising(
        &mut self,
        workflow: &Workflow,
        commissioner: &Actor,
        id: i64,
        notes: &str,
        raised: &[RaisedIssue],
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        let mut visit = self
            .complete_visit(id, commissioner.user, notes, now)
            .await?;
        for found in raised {
            let new = NewIssue {
                enterprise: visit.enterprise,
                category: found.category,
                title: found.title.clone(),
                description: found.description.clone(),
                priority: found.priority,
                source: Source::Visit,
                client_key: None,
            };
            let issue = self.intake(workflow, commissioner, new, now).await?.issue;
            self.link_visit_issue(id, issue.id).await?;
            visit.issues.push(issue.id);
        }
        Ok(visit)
    }

    async fn own_visit(&mut self, id: i64, commissioner: UserId) -> Result<Visit, StoreError> {
        self.visit(id)
            .await?
            .filter(|v| v.commissioner == commissioner)
            .ok_or_else(|| StoreError::not_found("visit", id))
    }

    /// Records that an issue was raised during a visit.
    pub async fn link_visit_issue(&mut self, visit: i64, issue: IssueId) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO visit_issues (visit_id, issue_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            args![visit, issue.get()],
        )
        .await?;
        Ok(())
    }

    /// The statuses of a plan's visits scheduled before `before`, newest first, at most `n`.
    pub async fn recent_visit_statuses(
        &mut self,
        plan: i64,
        before: DateTime<Utc>,
        n: u32,
    ) -> Result<Vec<VisitStatus>, StoreError> {
        let rows: Vec<(String,)> = self
            .fetch_all(
                "SELECT status FROM visits WHERE plan_id = $1 AND scheduled_at <= $2 \
                 ORDER BY scheduled_at DESC LIMIT $3",
                args![plan, to_micros(before), n],
            )
            .await?;
        rows.into_iter()
            .map(|(s,)| stored("visits", s.parse()))
            .collect()
    }
}

impl Store {
    /// Creates a visit plan (see [`Tx::add_visit_plan`]).
    pub async fn add_visit_plan(
        &self,
        enterprise: EnterpriseId,
        commissioner: UserId,
        plan: &VisitPlan,
        now: DateTime<Utc>,
    ) -> Result<VisitPlanRecord, StoreError> {
        self.write(async move |tx| tx.add_visit_plan(enterprise, commissioner, plan, now).await)
            .await
    }

    /// Visit plans, of one commissioner or all.
    pub async fn visit_plans(
        &self,
        commissioner: Option<UserId>,
    ) -> Result<Vec<VisitPlanRecord>, StoreError> {
        self.read(async move |tx| tx.visit_plans(commissioner).await)
            .await
    }

    pub async fn visit_plan(&self, id: i64) -> Result<Option<VisitPlanRecord>, StoreError> {
        self.read(async move |tx| tx.visit_plan(id).await).await
    }

    /// Pauses or resumes a plan (see [`Tx::set_visit_plan_active`]).
    pub async fn set_visit_plan_active(
        &self,
        id: i64,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<VisitPlanRecord, StoreError> {
        self.write(async move |tx| tx.set_visit_plan_active(id, active, now).await)
            .await
    }

    pub async fn visit(&self, id: i64) -> Result<Option<Visit>, StoreError> {
        self.read(async move |tx| tx.visit(id).await).await
    }

    /// Visits matching the filter, by scheduled time.
    pub async fn visits(&self, filter: &VisitFilter) -> Result<Vec<Visit>, StoreError> {
        self.read(async move |tx| tx.visits(filter).await).await
    }

    /// The commissioner checks in (see [`Tx::check_in_visit`]).
    pub async fn check_in_visit(
        &self,
        id: i64,
        commissioner: UserId,
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        self.write(async move |tx| tx.check_in_visit(id, commissioner, now).await)
            .await
    }

    /// The commissioner logs the visit as done (see [`Tx::complete_visit`]).
    pub async fn complete_visit(
        &self,
        id: i64,
        commissioner: UserId,
        notes: &str,
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        self.write(async move |tx| tx.complete_visit(id, commissioner, notes, now).await)
            .await
    }

    /// Logs the visit and raises the issues found, at once (see [`Tx::complete_visit_raising`]).
    pub async fn complete_visit_raising(
        &self,
        workflow: &Workflow,
        commissioner: &Actor,
        id: i64,
        notes: &str,
        raised: &[RaisedIssue],
        now: DateTime<Utc>,
    ) -> Result<Visit, StoreError> {
        self.write(async move |tx| {
            tx.complete_visit_raising(workflow, commissioner, id, notes, raised, now)
                .await
        })
        .await
    }
}
