//! Working calendars as data: per region and year the time zone, the weekly hours, the holidays
//! and make-up working days, each change audited with who, when, before and after.
//!
//! The app seeds missing years at start ([`Tx::seed_calendar_years`]) and builds its working
//! calendar from [`Tx::calendar_years`]; a change replaces a whole year
//! ([`Tx::put_calendar_year`]) and bumps its version, whose sum over a region
//! ([`Tx::calendar_version`]) tells an instance whether to reload.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use gridloop_core::calendar::{CalendarYear, WorkingHours, YearDay};
use gridloop_core::{Decision, Issue, UserId};
use serde_json::{json, Value};
use sqlx::types::Json;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::store::Store;

/// A year of a region's calendar as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCalendarYear {
    pub region: String,
    pub time_zone: Tz,
    pub hours: WorkingHours,
    pub year: CalendarYear,
    /// 1 when seeded or first imported, one more with every change.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// A year to store: its days, and the zone and weekly hours they are worked in.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCalendarYear {
    pub region: String,
    pub time_zone: Tz,
    pub hours: WorkingHours,
    pub year: CalendarYear,
}

/// Who changed a calendar, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarChangeBy {
    /// `None` for the seeding at start.
    pub user: Option<UserId>,
    /// The login, or `seed`.
    pub actor: String,
    /// `seed`, `import` or `set`.
    pub action: &'static str,
    /// The day a `set` changed.
    pub day: Option<NaiveDate>,
    pub note: Option<String>,
}

/// One audited change, as the trail lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CalendarChange {
    pub id: i64,
    pub region: String,
    pub year: i32,
    pub day: Option<String>,
    pub action: String,
    pub actor: String,
    pub note: Option<String>,
    pub before: Option<Json<Value>>,
    pub after: Option<Json<Value>>,
    pub at: DateTime<Utc>,
}

type YearRow = (
    String,
    i32,
    String,
    Json<Value>,
    Option<String>,
    i64,
    DateTime<Utc>,
);
type DayRow = (i32, String, String, String, Option<String>);

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn weekday_word(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize]
}

/// A year as JSON, for the audit trail: the zone, the hours and every listed day.
pub fn year_json(time_zone: Tz, hours: &WorkingHours, year: &CalendarYear) -> Value {
    let days: Vec<Value> = year
        .days()
        .map(|(date, day)| match day {
            YearDay::Holiday { name } => json!({"date": date, "kind": "holiday", "name": name}),
            YearDay::MakeUp { name, works_as } => json!({
                "date": date, "kind": "workday", "name": name, "works_as": weekday_word(works_as)
            }),
        })
        .collect();
    json!({
        "year": year.year(),
        "time_zone": time_zone.name(),
        "hours": hours,
        "source": year.source(),
        "days": days,
    })
}

impl Tx {
    /// Every stored year of `region`, in order.
    pub async fn calendar_years(
        &mut self,
        region: &str,
    ) -> Result<Vec<StoredCalendarYear>, StoreError> {
        let years: Vec<YearRow> = self
            .fetch_all(
                "SELECT region, year, time_zone, hours, source, version, updated_at \
                 FROM calendar_years WHERE region = $1 ORDER BY year",
                args![region],
            )
            .await?;
        let days: Vec<DayRow> = self
            .fetch_all(
                "SELECT year, day, kind, name, works_as FROM calendar_days \
                 WHERE region = $1 ORDER BY day",
                args![region],
            )
            .await?;
        years
            .into_iter()
            .map(|row| {
                let year = row.1;
                let listed = days.iter().filter(|d| d.0 == year);
                decode_year(row, listed)
            })
            .collect()
    }

    /// One stored year of `region`, if there is one.
    pub async fn calendar_year(
        &mut self,
        region: &str,
        year: i32,
    ) -> Result<Option<StoredCalendarYear>, StoreError> {
        let row: Option<YearRow> = self
            .fetch_optional(
                "SELECT region, year, time_zone, hours, source, version, updated_at \
                 FROM calendar_years WHERE region = $1 AND year = $2",
                args![region, i64::from(year)],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let days: Vec<DayRow> = self
            .fetch_all(
                "SELECT year, day, kind, name, works_as FROM calendar_days \
                 WHERE region = $1 AND year = $2 ORDER BY day",
                args![region, i64::from(year)],
            )
            .await?;
        decode_year(row, days.iter()).map(Some)
    }

    /// Stores each of `years` whose region and year are not stored yet, audited as `seed`;
    /// stored years are left as they are (the database wins over the files once seeded).
    /// Returns the years stored.
    pub async fn seed_calendar_years(
        &mut self,
        years: &[NewCalendarYear],
        at: DateTime<Utc>,
    ) -> Result<Vec<i32>, StoreError> {
        let mut stored = Vec::new();
        for new in years {
            if self
                .calendar_year(&new.region, new.year.year())
                .await?
                .is_some()
            {
                continue;
            }
            let by = CalendarChangeBy {
                user: None,
                actor: "seed".into(),
                action: "seed",
                day: None,
                note: None,
            };
            self.put_calendar_year(new, &by, at).await?;
            stored.push(new.year.year());
        }
        Ok(stored)
    }

    /// Replaces a whole year (zone, hours, source and days) or stores it if new, bumps its
    /// version and records the change with the year before and after.
    pub async fn put_calendar_year(
        &mut self,
        new: &NewCalendarYear,
        by: &CalendarChangeBy,
        at: DateTime<Utc>,
    ) -> Result<StoredCalendarYear, StoreError> {
        let region = new.region.as_str();
        let year = i64::from(new.year.year());
        let before = self.calendar_year(region, new.year.year()).await?;
        let hours = serde_json::to_value(&new.hours).map_err(|e| {
            StoreError::Corrupt(format!("working hours that do not serialise: {e}"))
        })?;
        let version = match &before {
            Some(old) => {
                // Compare-and-set on the version read above: on PostgreSQL another writer may
                // have committed in between.
                let changed = self
                    .execute(
                        "UPDATE calendar_years SET time_zone = $3, hours = $4, source = $5, \
                         version = version + 1, updated_at = $6 \
                         WHERE region = $1 AND year = $2 AND version = $7",
                        args![
                            region,
                            year,
                            new.time_zone.name(),
                            hours,
                            new.year.source(),
                            at,
                            old.version
                        ],
                    )
                    .await?;
                if changed == 0 {
                    return Err(version_conflict(old.version, old.version + 1));
                }
                self.execute(
                    "DELETE FROM calendar_days WHERE region = $1 AND year = $2",
                    args![region, year],
                )
                .await?;
                old.version + 1
            }
            None => {
                self.execute(
                    "INSERT INTO calendar_years \
                     (region, year, time_zone, hours, source, version, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6)",
                    args![
                        region,
                        year,
                        new.time_zone.name(),
                        hours,
                        new.year.source(),
                        at
                    ],
                )
                .await?;
                1
            }
        };
        for (date, day) in new.year.days() {
            let (kind, name, works_as) = match day {
                YearDay::Holiday { name } => ("holiday", name, None),
                YearDay::MakeUp { name, works_as } => {
                    ("workday", name, Some(weekday_word(works_as)))
                }
            };
            self.execute(
                "INSERT INTO calendar_days (region, year, day, kind, name, works_as) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                args![region, year, date.to_string(), kind, name, works_as],
            )
            .await?;
        }
        let before_json = before
            .as_ref()
            .map(|b| year_json(b.time_zone, &b.hours, &b.year));
        let after_json = year_json(new.time_zone, &new.hours, &new.year);
        let day = by.day.map(|d| d.to_string());
        self.execute(
            "INSERT INTO calendar_changes \
             (region, year, day, action, actor_id, actor, note, before, after, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            args![
                region,
                year,
                day.as_deref(),
                by.action,
                by.user.map(|u| u.get()),
                by.actor.as_str(),
                by.note.as_deref(),
                before_json.unwrap_or(Value::Null),
                after_json,
                at
            ],
        )
        .await?;
        Ok(StoredCalendarYear {
            region: new.region.clone(),
            time_zone: new.time_zone,
            hours: new.hours.clone(),
            year: new.year.clone(),
            version,
            updated_at: at,
        })
    }

    /// The audit trail of a region's year, oldest first.
    pub async fn calendar_changes(
        &mut self,
        region: &str,
        year: i32,
    ) -> Result<Vec<CalendarChange>, StoreError> {
        self.fetch_all(
            "SELECT id, region, year, day, action, actor, note, before, after, at \
             FROM calendar_changes WHERE region = $1 AND year = $2 ORDER BY id",
            args![region, i64::from(year)],
        )
        .await
    }

    /// A number that grows with every change to `region`'s calendar (the sum of its years'
    /// versions: years are never removed), so an instance can tell cheaply whether to reload.
    pub async fn calendar_version(&mut self, region: &str) -> Result<i64, StoreError> {
        let (sum,): (Option<i64>,) = self
            .fetch_one(
                "SELECT CAST(SUM(version) AS BIGINT) FROM calendar_years WHERE region = $1",
                args![region],
            )
            .await?;
        Ok(sum.unwrap_or(0))
    }
}

/// A year's version moved on since it was read (a year's versions are small: a change a day
/// for centuries stays in `u32`).
fn version_conflict(expected: i64, actual: i64) -> StoreError {
    StoreError::Conflict {
        expected: u32::try_from(expected).unwrap_or(u32::MAX),
        actual: u32::try_from(actual).unwrap_or(u32::MAX),
    }
}

fn decode_year<'a>(
    (region, year, zone, hours, source, version, updated_at): YearRow,
    days: impl Iterator<Item = &'a DayRow>,
) -> Result<StoredCalendarYear, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("calendar {region} {year}: {what}"));
    let time_zone = Tz::from_str(&zone).map_err(|_| corrupt(format!("time zone {zone}")))?;
    let hours: WorkingHours =
        serde_json::from_value(hours.0).map_err(|e| corrupt(format!("hours: {e}")))?;
    let mut listed = Vec::new();
    for (_, day, kind, name, works_as) in days {
        let date = NaiveDate::from_str(day).map_err(|_| corrupt(format!("day {day}")))?;
        let day = match (kind.as_str(), works_as) {
            ("holiday", _) => YearDay::Holiday { name: name.clone() },
            ("workday", Some(w)) => YearDay::MakeUp {
                name: name.clone(),
                works_as: Weekday::from_str(w).map_err(|_| corrupt(format!("works_as {w}")))?,
            },
            ("workday", None) => YearDay::MakeUp {
                name: name.clone(),
                works_as: Weekday::Mon,
            },
            _ => return Err(corrupt(format!("kind {kind}"))),
        };
        listed.push((date, day));
    }
    let year = CalendarYear::from_days(year, source, listed).map_err(|e| corrupt(e.to_string()))?;
    Ok(StoredCalendarYear {
        region,
        time_zone,
        hours,
        year,
        version,
        updated_at,
    })
}

impl Store {
    /// Every stored year of `region`, in order.
    pub async fn calendar_years(
        &self,
        region: &str,
    ) -> Result<Vec<StoredCalendarYear>, StoreError> {
        let region = region.to_owned();
        self.read(async move |tx| tx.calendar_years(&region).await)
            .await
    }

    /// One stored year of `region`.
    pub async fn calendar_year(
        &self,
        region: &str,
        year: i32,
    ) -> Result<Option<StoredCalendarYear>, StoreError> {
        let region = region.to_owned();
        self.read(async move |tx| tx.calendar_year(&region, year).await)
            .await
    }

    /// Stores the years not stored yet (see [`Tx::seed_calendar_years`]).
    pub async fn seed_calendar_years(
        &self,
        years: Vec<NewCalendarYear>,
        at: DateTime<Utc>,
    ) -> Result<Vec<i32>, StoreError> {
        self.write(async move |tx| tx.seed_calendar_years(&years, at).await)
            .await
    }

    /// Replaces or stores a whole year, audited (see [`Tx::put_calendar_year`]).
    pub async fn put_calendar_year(
        &self,
        new: NewCalendarYear,
        by: CalendarChangeBy,
        at: DateTime<Utc>,
    ) -> Result<StoredCalendarYear, StoreError> {
        self.write(async move |tx| tx.put_calendar_year(&new, &by, at).await)
            .await
    }

    /// Replaces or stores a whole year, audited, if it is still at `expected_version` (0: not
    /// stored yet; else `Conflict`, and nothing is written), and in the same transaction records what
    /// `recompute` decides for each issue whose deadlines still count ([`Tx::clocked_issues`]):
    /// the open deadlines the change moves (see `Workflow::recompute_deadlines`). Either all is
    /// written or nothing; the decisions written are returned.
    pub async fn put_calendar_year_recomputing(
        &self,
        new: NewCalendarYear,
        by: CalendarChangeBy,
        at: DateTime<Utc>,
        expected_version: i64,
        recompute: impl Fn(&StoredCalendarYear, &Issue) -> Option<Decision> + Send,
    ) -> Result<(StoredCalendarYear, Vec<Decision>), StoreError> {
        self.write(async move |tx| {
            let current = tx
                .calendar_year(&new.region, new.year.year())
                .await?
                .map_or(0, |y| y.version);
            if current != expected_version {
                return Err(version_conflict(expected_version, current));
            }
            let stored = tx.put_calendar_year(&new, &by, at).await?;
            let mut moved = Vec::new();
            for issue in tx.clocked_issues().await? {
                if let Some(decision) = recompute(&stored, &issue) {
                    tx.record(&issue, &decision, at).await?;
                    moved.push(decision);
                }
            }
            Ok((stored, moved))
        })
        .await
    }

    /// See [`Tx::clocked_issues`].
    pub async fn clocked_issues(&self) -> Result<Vec<Issue>, StoreError> {
        self.read(async move |tx| tx.clocked_issues().await).await
    }

    /// The audit trail of a region's year, oldest first.
    pub async fn calendar_changes(
        &self,
        region: &str,
        year: i32,
    ) -> Result<Vec<CalendarChange>, StoreError> {
        let region = region.to_owned();
        self.read(async move |tx| tx.calendar_changes(&region, year).await)
            .await
    }

    /// See [`Tx::calendar_version`].
    pub async fn calendar_version(&self, region: &str) -> Result<i64, StoreError> {
        let region = region.to_owned();
        self.read(async move |tx| tx.calendar_version(&region).await)
            .await
    }
}
