//! Visits: the weekly on-site service to each enterprise — which visits are due and who sees
//! them, checking in and logging a visit (raising the issues found on site), and the plans
//! admins add, pause and resume.
//!
//! Commissioners see and log their own visits; supervisors, dispatchers and admins see all.
//! The operator at the command line, who owns the database, sees and manages every visit and
//! plan (the `*_as_operator` functions). A plan added or resumed has its next fortnight of
//! visits planned in the same transaction; a paused plan's future planned visits go.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use gridloop_core::visit::{DEFAULT_REMINDER_LEAD_MINUTES, DEFAULT_WINDOW_MINUTES};
use gridloop_core::{
    Actor, Code, CronExpr, Description, EnterpriseId, Format, Login, ParseError, Priority, Role,
    Rule, Schedule, Title, UserId, VisitPlan, VisitStatus,
};
use gridloop_store::{RaisedIssue, Visit, VisitFilter, VisitPlanRecord};

use crate::error::{bug, no_such, too_many, AppError, Doing, Fields, Thing};
use crate::reference::require_admin;
use crate::state::AppState;

/// The crontab line a plan has when none is given: Monday at nine.
pub const DEFAULT_CRON: &str = "0 9 * * MON";

/// Which visits are due: today's, or this week's (Monday to Sunday, in the park's time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Today,
    Week,
}

impl FromStr for Due {
    type Err = ParseError;

    fn from_str(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "today" => Ok(Self::Today),
            "week" => Ok(Self::Week),
            other => Err(ParseError::new("due", {
                let _ = other;
                Rule::OneOf {
                    allowed: &["today", "week"],
                }
            })),
        }
    }
}

impl Due {
    /// `[from, to)` of today or this week in `tz`, as of `now`.
    pub fn range(
        self,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
        let today = now.with_timezone(&tz).date_naive();
        let (first, days) = match self {
            Self::Today => (today, 1),
            Self::Week => (
                today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
                7,
            ),
        };
        let start = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| AppError::invalid(ParseError::new("due", Rule::NotInZone)))
        };
        Ok((start(first)?, start(first + Duration::days(days))?))
    }
}

/// A new visit plan as typed; what is left out takes the defaults (`0 9 * * MON` in the park's
/// time zone, the core's window and reminder lead).
#[derive(Debug, Clone, Default)]
pub struct NewPlanInput {
    pub enterprise: i64,
    /// The commissioner's login.
    pub commissioner: String,
    pub cron: Option<String>,
    /// An IANA time zone.
    pub time_zone: Option<String>,
    pub window_minutes: Option<u32>,
    pub reminder_lead_minutes: Option<u32>,
}

/// Adds a visit plan and plans its next fortnight of visits (admins only).
pub async fn add_plan(
    state: &AppState,
    actor: &Actor,
    input: &NewPlanInput,
) -> Result<VisitPlanRecord, AppError> {
    require_admin(actor)?;
    add_plan_as_operator(state, input).await
}

/// [`add_plan`] for the operator at the command line.
pub async fn add_plan_as_operator(
    state: &AppState,
    input: &NewPlanInput,
) -> Result<VisitPlanRecord, AppError> {
    let now = state.clock.now();
    let mut fields = Fields::default();
    let expr = fields.take(CronExpr::parse(
        input.cron.as_deref().unwrap_or(DEFAULT_CRON),
    ));
    let tz = match input.time_zone.as_deref() {
        None => Some(state.calendar().tz()),
        Some(raw) => match raw.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                fields.add(ParseError::new("time_zone", Rule::Format(Format::TimeZone)));
                None
            }
        },
    };
    let enterprise = fields.take_as("enterprise", EnterpriseId::new(input.enterprise));
    let login = fields.take_as("commissioner", Login::parse(&input.commissioner));
    let plan = match (expr, tz) {
        (Some(expr), Some(tz)) => fields.take(VisitPlan::new(
            Schedule::new(expr, tz),
            input.window_minutes.unwrap_or(DEFAULT_WINDOW_MINUTES),
            input
                .reminder_lead_minutes
                .unwrap_or(DEFAULT_REMINDER_LEAD_MINUTES),
            true,
        )),
        _ => None,
    };
    let mut tx = state.store.transaction().await?;
    let commissioner = match &login {
        Some(login) => {
            let user = tx.user_by_login(login).await?;
            if user.is_none() {
                fields.add(no_such("commissioner", Thing::User, login));
            }
            user
        }
        None => None,
    };
    fields.check()?;
    let (Some(enterprise), Some(commissioner), Some(plan)) = (enterprise, commissioner, plan)
    else {
        return Err(bug("visit plan"));
    };
    let record = tx
        .add_visit_plan(enterprise, commissioner.id, &plan, now)
        .await?;
    gridloop_scheduler::visits::materialise(&mut tx, &record, &state.calendar(), now)
        .await
        .map_err(|e| AppError::internal("materialising a new visit plan", &e))?;
    tx.commit().await?;
    tracing::info!(id = record.id, "visit plan created");
    Ok(record)
}

/// Pauses a plan (its future planned visits are removed) or resumes it (its next fortnight is
/// planned again); admins only.
pub async fn set_plan_active(
    state: &AppState,
    actor: &Actor,
    id: i64,
    active: bool,
) -> Result<VisitPlanRecord, AppError> {
    require_admin(actor)?;
    set_plan_active_as_operator(state, id, active).await
}

/// [`set_plan_active`] for the operator at the command line.
pub async fn set_plan_active_as_operator(
    state: &AppState,
    id: i64,
    active: bool,
) -> Result<VisitPlanRecord, AppError> {
    let now = state.clock.now();
    let mut tx = state.store.transaction().await?;
    let record = tx.set_visit_plan_active(id, active, now).await?;
    if active {
        gridloop_scheduler::visits::materialise(&mut tx, &record, &state.calendar(), now)
            .await
            .map_err(|e| AppError::internal("materialising a resumed visit plan", &e))?;
    }
    tx.commit().await?;
    tracing::info!(id, active, "visit plan paused or resumed");
    Ok(record)
}

/// The roles that see visits and plans: their own for commissioners, all for the others.
const READ_VISITS: &[Role] = &[
    Role::Commissioner,
    Role::Supervisor,
    Role::Dispatcher,
    Role::Admin,
];

/// Whose visits and plans `actor` sees: everyone's (`None`) for those who supervise the
/// service, their own for a commissioner; anyone else may not read them.
fn whose(actor: &Actor) -> Result<Option<UserId>, AppError> {
    if [Role::Supervisor, Role::Admin, Role::Dispatcher]
        .iter()
        .any(|r| actor.has_role(*r))
    {
        Ok(None)
    } else if actor.has_role(Role::Commissioner) {
        Ok(Some(actor.user))
    } else {
        Err(AppError::NotPermitted {
            doing: Doing::ReadVisits,
            roles: READ_VISITS,
        })
    }
}

/// Whether `actor` sees this visit: anyone's for those who supervise the service, their own
/// for a commissioner (as [`whose`] decides for the lists), none for anyone else.
pub(crate) fn sees(actor: &Actor, visit: &Visit) -> bool {
    match whose(actor) {
        Ok(None) => true,
        Ok(Some(user)) => visit.commissioner == user,
        Err(_) => false,
    }
}

/// A commissioner's own visits only.
fn require_commissioner(actor: &Actor, doing: Doing) -> Result<(), AppError> {
    if actor.has_role(Role::Commissioner) {
        Ok(())
    } else {
        Err(AppError::NotPermitted {
            doing,
            roles: &[Role::Commissioner],
        })
    }
}

/// Which visits a list asks for, as typed; `None` does not narrow it.
#[derive(Debug, Clone, Default)]
pub struct VisitQuery {
    /// `today` or `week`.
    pub due: Option<String>,
    /// A visit status.
    pub status: Option<String>,
    pub enterprise: Option<i64>,
}

impl VisitQuery {
    /// The store's filter, every bad field named at once.
    fn filter(&self, state: &AppState) -> Result<VisitFilter, AppError> {
        let mut fields = Fields::default();
        let status = self
            .status
            .as_deref()
            .and_then(|s| fields.take_as("status", s.parse::<VisitStatus>()));
        let due = self
            .due
            .as_deref()
            .and_then(|raw| fields.take(raw.parse::<Due>()));
        let enterprise = self
            .enterprise
            .and_then(|e| fields.take_as("enterprise", EnterpriseId::new(e)));
        fields.check()?;
        let range = match due {
            Some(due) => Some(due.range(state.clock.now(), state.calendar().tz())?),
            None => None,
        };
        Ok(VisitFilter {
            enterprise,
            status,
            from: range.map(|r| r.0),
            to: range.map(|r| r.1),
            ..VisitFilter::default()
        })
    }
}

/// The visits `actor` sees (see [`whose`]) that the query asks for, by scheduled time.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    query: &VisitQuery,
) -> Result<Vec<Visit>, AppError> {
    let commissioner = whose(actor)?;
    let filter = VisitFilter {
        commissioner,
        ..query.filter(state)?
    };
    Ok(state.store.visits(&filter).await?)
}

/// A commissioner's own visits of this week (Monday to Sunday, in the park's time zone): what
/// their page shows, whatever else they may see.
pub async fn own_this_week(state: &AppState, actor: &Actor) -> Result<Vec<Visit>, AppError> {
    require_commissioner(actor, Doing::ReadVisits)?;
    let (from, to) = Due::Week.range(state.clock.now(), state.calendar().tz())?;
    let filter = VisitFilter {
        commissioner: Some(actor.user),
        from: Some(from),
        to: Some(to),
        ..VisitFilter::default()
    };
    Ok(state.store.visits(&filter).await?)
}

/// The user with this login, for the operator naming a commissioner.
async fn user_id(state: &AppState, login: &str) -> Result<UserId, AppError> {
    let login = Login::parse(login)?;
    state
        .store
        .user_by_login(&login)
        .await?
        .map(|u| u.id)
        .ok_or(AppError::NotFound(Thing::User))
}

/// Every visit the query asks for, or only those of the commissioner with the login `of`:
/// for the operator at the command line.
pub async fn list_as_operator(
    state: &AppState,
    query: &VisitQuery,
    of: Option<&str>,
) -> Result<Vec<Visit>, AppError> {
    let commissioner = match of {
        Some(login) => Some(user_id(state, login).await?),
        None => None,
    };
    let filter = VisitFilter {
        commissioner,
        ..query.filter(state)?
    };
    Ok(state.store.visits(&filter).await?)
}

/// The visit plans `actor` sees (see [`whose`]), in id order.
pub async fn plans(state: &AppState, actor: &Actor) -> Result<Vec<VisitPlanRecord>, AppError> {
    let commissioner = whose(actor)?;
    Ok(state.store.visit_plans(commissioner).await?)
}

/// Every visit plan, or those of the commissioner with the login `of`: for the operator.
pub async fn plans_as_operator(
    state: &AppState,
    of: Option<&str>,
) -> Result<Vec<VisitPlanRecord>, AppError> {
    let commissioner = match of {
        Some(login) => Some(user_id(state, login).await?),
        None => None,
    };
    Ok(state.store.visit_plans(commissioner).await?)
}

/// Checks in on site: the visit's own commissioner (another's visit is as good as missing),
/// from an hour before the window opens until it ends.
pub async fn check_in(state: &AppState, actor: &Actor, id: i64) -> Result<Visit, AppError> {
    Ok(state
        .store
        .check_in_visit(id, actor.user, state.clock.now())
        .await?)
}

/// An issue found on site, as typed.
#[derive(Debug, Clone, Default)]
pub struct RaisedInput {
    pub title: String,
    /// The category's code.
    pub category: String,
    pub description: String,
    /// `normal` when left out.
    pub priority: Option<String>,
}

/// Logs a visit as done, with notes, raising the issues found on site for its enterprise, all
/// in one transaction: a visit that cannot be completed raises nothing, and a retry raises
/// nothing twice. Each raised issue is an issue and its notifications, so one visit may raise
/// at most `limits.visit_max_issues`, and a longer list is refused before anything is read.
pub async fn complete(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notes: &str,
    raise: &[RaisedInput],
) -> Result<Visit, AppError> {
    let max = state.limits.visit_max_issues;
    if raise.len() > max {
        return Err(AppError::invalid(too_many(
            "raise_issues",
            raise.len(),
            max,
        )));
    }
    let mut fields = Fields::default();
    let mut raised = Vec::new();
    for found in raise {
        let title = fields.take(Title::parse(&found.title));
        let description = fields.take(Description::parse(&found.description));
        let priority = fields.take(
            found
                .priority
                .as_deref()
                .unwrap_or("normal")
                .parse::<Priority>(),
        );
        let category = match fields.take(Code::parse_field("category", &found.category)) {
            Some(code) => {
                let known = state.category_id(&code).await?;
                if known.is_none() {
                    fields.add(no_such("category", Thing::Category, &code));
                }
                known
            }
            None => None,
        };
        if let (Some(title), Some(description), Some(priority), Some(category)) =
            (title, description, priority, category)
        {
            raised.push(RaisedIssue {
                category,
                title,
                description,
                priority,
            });
        }
    }
    fields.check()?;
    let visit = state
        .store
        .complete_visit_raising(
            &state.workflow(),
            actor,
            id,
            notes,
            &raised,
            state.clock.now(),
        )
        .await?;
    tracing::info!(
        visit = visit.id,
        raised = visit.issues.len(),
        "visit logged"
    );
    Ok(visit)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_bad_due_is_a_field_error_with_its_rule_and_no_command_line_wording() {
        let e = "month".parse::<Due>().expect_err("not a span");
        assert_eq!(e.field(), "due");
        assert_eq!(
            e.rule(),
            Rule::OneOf {
                allowed: &["today", "week"]
            }
        );
        assert!(!e.to_string().contains("--"), "{e}");
    }

    #[test]
    fn this_week_runs_from_monday_to_monday_in_the_parks_zone() {
        let tz: Tz = "Asia/Shanghai".parse().expect("zone");
        // Friday 27 November 2026, 14:00 in Chongqing.
        let now = Utc
            .with_ymd_and_hms(2026, 11, 27, 6, 0, 0)
            .single()
            .expect("instant");
        let (from, to) = Due::Week.range(now, tz).expect("range");
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 11, 22, 16, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2026, 11, 29, 16, 0, 0).unwrap());
        let (from, to) = Due::Today.range(now, tz).expect("range");
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 11, 26, 16, 0, 0).unwrap());
        assert_eq!(to - from, Duration::days(1));
    }
}
