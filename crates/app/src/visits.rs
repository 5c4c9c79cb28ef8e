//! Visits: the weekly on-site service to each enterprise — which visits are due, and the
//! plans admins add, pause and resume.
//!
//! A plan added or resumed has its next fortnight of visits planned in the same transaction;
//! a paused plan's future planned visits go.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use gridloop_core::visit::{DEFAULT_REMINDER_LEAD_MINUTES, DEFAULT_WINDOW_MINUTES};
use gridloop_core::{
    Actor, CronExpr, EnterpriseId, Format, Login, ParseError, Rule, Schedule, VisitPlan,
};
use gridloop_store::VisitPlanRecord;

use crate::error::{bug, no_such, AppError, Fields, Thing};
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
    let now = state.clock.now();
    let mut fields = Fields::default();
    let expr = fields.take(CronExpr::parse(
        input.cron.as_deref().unwrap_or(DEFAULT_CRON),
    ));
    let tz = match input.time_zone.as_deref() {
        None => Some(state.workflow.calendar().tz()),
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
    gridloop_scheduler::visits::materialise(&mut tx, &record, state.workflow.calendar(), now)
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
    let now = state.clock.now();
    let mut tx = state.store.transaction().await?;
    let record = tx.set_visit_plan_active(id, active, now).await?;
    if active {
        gridloop_scheduler::visits::materialise(&mut tx, &record, state.workflow.calendar(), now)
            .await
            .map_err(|e| AppError::internal("materialising a resumed visit plan", &e))?;
    }
    tx.commit().await?;
    tracing::info!(id, active, "visit plan paused or resumed");
    Ok(record)
}
