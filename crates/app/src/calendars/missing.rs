//! Next year's calendar missing. The State Council publishes the next year's 放假调休 notice in
//! November; until someone enters it, deadlines reaching into the new year count plain weeks
//! (New Year's Day as a working day). From 1 November that is an operator's task, so it is
//! said at the default log level, on admins' and supervisors' dashboards, and once to admins.

use chrono::{DateTime, Datelike, Utc};
use gridloop_core::Calendar;

use gridloop_core::{Audience, NotificationKind};
use gridloop_store::{NewNotification, Recipients};

use crate::{AppError, AppState};

/// Next year, if it has no holiday calendar and it is 1 November or later in the calendar's
/// zone: the State Council publishes the next year's notice in November, so from then on a
/// missing year is an operator's task, not a matter of waiting.
pub fn next_year_missing(calendar: &Calendar, now: DateTime<Utc>) -> Option<i32> {
    let local = now.with_timezone(&calendar.tz());
    let next = local.year() + 1;
    (local.month() >= 11 && !calendar.covers(next)).then_some(next)
}

/// Logs a WARN (seen at the default log level) if [`next_year_missing`]; says whether it did.
pub fn warn_if_next_year_missing(calendar: &Calendar, region: &str, now: DateTime<Utc>) -> bool {
    let Some(year) = next_year_missing(calendar, now) else {
        return false;
    };
    tracing::warn!(
        year,
        region,
        "no holiday calendar for {year}: deadlines reaching into {year} count plain Monday-to-Friday weeks (New Year's Day as a working day); enter it with `gridloop calendar import` or PUT /api/v1/calendars"
    );
    true
}

/// Checks the calendar in force for next year: from 1 November while it is missing, warns
/// (at the default log level) and tells the admins, once per year and region (the outbox's
/// dedupe key: a second check, on this instance or another, writes nothing). Returns the
/// missing year.
pub async fn check_next_year(state: &AppState) -> Result<Option<i32>, AppError> {
    let now = state.clock.now();
    let region = &state.calendar.region;
    if !warn_if_next_year_missing(&state.calendar(), region, now) {
        return Ok(None);
    }
    let Some(year) = next_year_missing(&state.calendar(), now) else {
        return Ok(None);
    };
    let notice = NewNotification {
        recipients: Recipients::Audience(Audience::Admins),
        kind: NotificationKind::CalendarMissing,
        issue: None,
        params: serde_json::json!({"calendar": {"year": year, "region": region}}),
        dedupe: format!("calendar-missing:{region}:{year}"),
        urgent: false,
    };
    let mut tx = state.store.transaction().await?;
    let written = tx.notify(&notice, now).await?;
    tx.commit().await?;
    if written > 0 {
        tracing::info!(year, region = %region, "told the admins that next year's calendar is missing");
    }
    Ok(Some(year))
}

/// For a server: [`check_next_year`] at start and then once a day (on the calendar in force,
/// which follows the stored one, so a year entered on another instance counts). Runs until the
/// task is dropped.
pub async fn watch_next_year(state: AppState) {
    let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
    loop {
        daily.tick().await;
        if let Err(e) = check_next_year(&state).await {
            tracing::warn!(error = %e, "could not check next year's calendar");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use gridloop_core::calendar::CalendarYear;

    #[test]
    fn next_year_is_missing_only_from_1_november_and_only_until_it_is_entered() {
        let calendar = Calendar::default_china();
        let at = |y, m, d, h| {
            Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
                .single()
                .expect("instant")
        };
        // 31 October 23:00 in Shanghai is still October; an hour later it is November.
        assert_eq!(next_year_missing(&calendar, at(2026, 10, 31, 15)), None);
        assert_eq!(
            next_year_missing(&calendar, at(2026, 10, 31, 16)),
            Some(2027)
        );
        assert_eq!(
            next_year_missing(&calendar, at(2026, 12, 31, 9)),
            Some(2027)
        );
        assert_eq!(next_year_missing(&calendar, at(2026, 6, 1, 0)), None);
        let with_2027 = calendar
            .clone()
            .with_year(CalendarYear::from_days(2027, None, []).expect("an empty year"));
        assert_eq!(next_year_missing(&with_2027, at(2026, 12, 31, 9)), None);
        assert!(!warn_if_next_year_missing(
            &with_2027,
            "cn",
            at(2026, 12, 31, 9)
        ));
        assert!(warn_if_next_year_missing(
            &calendar,
            "cn",
            at(2026, 11, 1, 9)
        ));
    }
}
