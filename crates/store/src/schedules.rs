//! Cron schedules stored in the database.
//!
//! Several scheduler instances may tick the same schedule at once. Each computes the same
//! occurrences to fire and tries to advance `last_fired_at` by compare-and-set; only the one whose
//! update changes the row inserts the jobs, in the same transaction, so each occurrence fires
//! once. The jobs' unique keys (`schedule:<id>@<occurrence>`) guard the same thing twice.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridloop_core::{CronExpr, Misfire, Rule, Schedule};
use serde::Serialize;
use sqlx::types::Json;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::issues::to_micros;
use crate::jobs::NewJob;
use crate::store::Store;

/// A schedule to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSchedule {
    /// Unique; how people name it on the command line.
    pub name: String,
    pub schedule: Schedule,
    /// The kind of job each occurrence enqueues, with this payload.
    pub job_kind: String,
    pub payload: serde_json::Value,
    pub misfire: Misfire,
}

/// A stored schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleRecord {
    pub id: i64,
    pub name: String,
    pub schedule: Schedule,
    pub job_kind: String,
    pub payload: serde_json::Value,
    pub misfire: Misfire,
    pub paused: bool,
    /// The latest occurrence handled (fired or skipped).
    pub last_fired_at: Option<DateTime<Utc>>,
    /// The next occurrence after `last_fired_at` (or creation); what the tick looks for.
    pub next_fire_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    id: i64,
    name: String,
    expr: String,
    time_zone: String,
    job_kind: String,
    payload: Json<serde_json::Value>,
    misfire: String,
    misfire_cap: Option<i64>,
    paused: bool,
    last_fired_at: Option<DateTime<Utc>>,
    next_fire_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

const SCHEDULE_COLUMNS: &str = "id, name, expr, time_zone, job_kind, payload, misfire, \
     misfire_cap, paused, last_fired_at, next_fire_at, created_at";

impl ScheduleRow {
    fn into_domain(self) -> Result<ScheduleRecord, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("schedules: {what}"));
        let expr = CronExpr::parse(&self.expr).map_err(|e| corrupt(e.to_string()))?;
        let tz: Tz = self
            .time_zone
            .parse()
            .map_err(|_| corrupt(format!("time zone '{}'", self.time_zone)))?;
        let misfire = match (self.misfire.as_str(), self.misfire_cap) {
            ("skip", _) => Misfire::Skip,
            ("fire_once", _) => Misfire::FireOnce,
            ("fire_all", Some(cap)) => Misfire::FireAll {
                cap: usize::try_from(cap).map_err(|_| corrupt(format!("cap {cap}")))?,
            },
            (other, cap) => return Err(corrupt(format!("misfire '{other}' cap {cap:?}"))),
        };
        Ok(ScheduleRecord {
            id: self.id,
            name: self.name,
            schedule: Schedule::new(expr, tz),
            job_kind: self.job_kind,
            payload: self.payload.0,
            misfire,
            paused: self.paused,
            last_fired_at: self.last_fired_at,
            next_fire_at: self.next_fire_at,
            created_at: self.created_at,
        })
    }
}

fn misfire_columns(misfire: Misfire) -> (&'static str, Option<i64>) {
    match misfire {
        Misfire::Skip => ("skip", None),
        Misfire::FireOnce => ("fire_once", None),
        Misfire::FireAll { cap } => ("fire_all", Some(i64::try_from(cap).unwrap_or(i64::MAX))),
    }
}

/// The longest schedule name accepted.
const MAX_NAME_CHARS: usize = 100;

impl Tx {
    /// Creates a schedule that first fires at its next occurrence after `now`. `AlreadyExists`
    /// for a taken name.
    pub async fn add_schedule(
        &mut self,
        new: &NewSchedule,
        now: DateTime<Utc>,
    ) -> Result<ScheduleRecord, StoreError> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(StoreError::invalid("name", Rule::Blank));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(StoreError::invalid(
                "name",
                Rule::TooLong {
                    max: MAX_NAME_CHARS,
                },
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(StoreError::invalid("name", Rule::ControlCharacter));
        }
        if new.job_kind.is_empty() {
            return Err(StoreError::invalid("job_kind", Rule::Blank));
        }
        if let Misfire::FireAll { cap: 0 } = new.misfire {
            return Err(StoreError::invalid("misfire", Rule::MisfireCap));
        }
        let now = to_micros(now);
        let exists: Option<(i64,)> = self
            .fetch_optional("SELECT id FROM schedules WHERE name = $1", args![name])
            .await?;
        if exists.is_some() {
            return Err(StoreError::AlreadyExists {
                what: "schedule",
                key: name.to_owned(),
            });
        }
        let (misfire, cap) = misfire_columns(new.misfire);
        let row: ScheduleRow = self
            .fetch_one(
                &format!(
                    "INSERT INTO schedules (name, expr, time_zone, job_kind, payload, misfire, \
                     misfire_cap, paused, next_fire_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {SCHEDULE_COLUMNS}"
                ),
                args![
                    name,
                    new.schedule.expr.as_str(),
                    new.schedule.tz.name(),
                    new.job_kind.as_str(),
                    new.payload.clone(),
                    misfire,
                    cap,
                    false,
                    new.schedule.next_after(now),
                    now,
                ],
            )
            .await?;
        row.into_domain()
    }

    /// Every schedule, in id order.
    pub async fn schedules(&mut self) -> Result<Vec<ScheduleRecord>, StoreError> {
        let rows: Vec<ScheduleRow> = self
            .fetch_all(
                &format!("SELECT {SCHEDULE_COLUMNS} FROM schedules ORDER BY id"),
                args![],
            )
            .await?;
        rows.into_iter().map(ScheduleRow::into_domain).collect()
    }

    pub async fn schedule_by_name(
        &mut self,
        name: &str,
    ) -> Result<Option<ScheduleRecord>, StoreError> {
        let row: Option<ScheduleRow> = self
            .fetch_optional(
                &format!("SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE name = $1"),
                args![name],
            )
            .await?;
        row.map(ScheduleRow::into_domain).transpose()
    }

    /// Pauses or resumes a schedule. Resuming does not fire what was missed while paused: the
    /// pause was deliberate, so the schedule carries on from its next occurrence after `now`.
    pub async fn set_schedule_paused(
        &mut self,
        name: &str,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<ScheduleRecord, StoreError> {
        let current = self
            .schedule_by_name(name)
            .await?
            .ok_or_else(|| StoreError::not_found("schedule", name))?;
        if current.paused == paused {
            return Ok(current);
        }
        let now = to_micros(now);
        let (last, next) = if paused {
            (current.last_fired_at, current.next_fire_at)
        } else {
            let missed = current
                .schedule
                .prev_before(now)
                .filter(|t| current.last_fired_at.is_none_or(|l| *t > l));
            (
                missed.or(current.last_fired_at),
                current.schedule.next_after(now),
            )
        };
        let row: ScheduleRow = self
            .fetch_one(
                &format!(
                    "UPDATE schedules SET paused = $2, last_fired_at = $3, next_fire_at = $4 \
                     WHERE id = $1 RETURNING {SCHEDULE_COLUMNS}"
                ),
                args![current.id, paused, last, next],
            )
            .await?;
        row.into_domain()
    }

    /// Removes a schedule; the jobs it enqueued stay. `NotFound` for an unknown name.
    pub async fn remove_schedule(&mut self, name: &str) -> Result<(), StoreError> {
        let done = self
            .execute("DELETE FROM schedules WHERE name = $1", args![name])
            .await?;
        if done == 0 {
            return Err(StoreError::not_found("schedule", name));
        }
        Ok(())
    }

    /// Advances a schedule from `expected` to `last_fired_at` by compare-and-set, and enqueues
    /// `jobs` if it won. Returns whether it won: `false` means another instance fired these
    /// occurrences first (or the schedule was paused or removed meanwhile), and nothing changed.
    pub async fn fire_schedule(
        &mut self,
        id: i64,
        expected: Option<DateTime<Utc>>,
        last_fired_at: Option<DateTime<Utc>>,
        next_fire_at: Option<DateTime<Utc>>,
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let won = self
            .execute(
                "UPDATE schedules SET last_fired_at = $2, next_fire_at = $3 \
                 WHERE id = $1 AND NOT paused AND last_fired_at IS NOT DISTINCT FROM $4",
                args![
                    id,
                    last_fired_at.map(to_micros),
                    next_fire_at.map(to_micros),
                    expected.map(to_micros),
                ],
            )
            .await?;
        if won == 0 {
            return Ok(false);
        }
        for job in jobs {
            self.enqueue(job, now).await?;
        }
        Ok(true)
    }
}

impl Store {
    /// Creates a schedule; it first fires at its next occurrence after `now`.
    pub async fn add_schedule(
        &self,
        new: &NewSchedule,
        now: DateTime<Utc>,
    ) -> Result<ScheduleRecord, StoreError> {
        self.write(async move |tx| tx.add_schedule(new, now).await)
            .await
    }

    /// Every schedule, in id order.
    pub async fn schedules(&self) -> Result<Vec<ScheduleRecord>, StoreError> {
        self.read(async move |tx| tx.schedules().await).await
    }

    pub async fn schedule_by_name(&self, name: &str) -> Result<Option<ScheduleRecord>, StoreError> {
        self.read(async move |tx| tx.schedule_by_name(name).await)
            .await
    }

    /// Pauses or resumes a schedule (see [`Tx::set_schedule_paused`]).
    pub async fn set_schedule_paused(
        &self,
        name: &str,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<ScheduleRecord, StoreError> {
        self.write(async move |tx| tx.set_schedule_paused(name, paused, now).await)
            .await
    }

    /// Removes a schedule; the jobs it enqueued stay.
    pub async fn remove_schedule(&self, name: &str) -> Result<(), StoreError> {
        self.write(async move |tx| tx.remove_schedule(name).await)
            .await
    }

    /// Unpaused schedules with an occurrence due by `now`, at most `limit`, soonest first.
    pub async fn due_schedules(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ScheduleRecord>, StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let rows: Vec<ScheduleRow> = tx
            .fetch_all(
                &format!(
                    "SELECT {SCHEDULE_COLUMNS} FROM schedules \
                     WHERE NOT paused AND next_fire_at <= $1 ORDER BY next_fire_at, id LIMIT $2"
                ),
                args![to_micros(now), limit],
            )
            .await?;
        tx.commit().await?;
        rows.into_iter().map(ScheduleRow::into_domain).collect()
    }
}
