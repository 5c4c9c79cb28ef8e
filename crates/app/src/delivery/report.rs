//! A weekly report as a notification, rendered at sending time from the copy stored when the
//! report was made, so a retry next morning sends the same numbers.

use gridloop_core::Channel as ChannelKind;
use gridloop_core::{Locale, WeeklyReport};
use gridloop_notifier::{Content, Inline};
use gridloop_report::Chart;
use gridloop_store::{Notification, Store, StoreError};

/// The Content-ID of the trend chart in a report email.
const CHART_ID: &str = "trend";

/// The content of row `n` and the recipient's name; `Err` with a reason for a row that can
/// never be sent (no report id, the copy gone).
pub(super) async fn content(
    store: &Store,
    n: &Notification,
    channel: ChannelKind,
) -> Result<Result<(Content, Option<String>), String>, StoreError> {
    let Some(id) = n.params.get("report").and_then(serde_json::Value::as_i64) else {
        return Ok(Err(
            "a weekly-report notification without a report id".to_owned()
        ));
    };
    let Some(stored) = store.report_copy(id).await? else {
        return Ok(Err(format!("report {id} is not stored")));
    };
    let mut tx = store.snapshot().await?;
    let name = super::notice::user_name(&mut tx, n.recipient_id).await?;
    tx.commit().await?;
    let report = &stored.report;
    let content = match channel {
        ChannelKind::Email => Content::Email {
            subject: gridloop_report::subject(report),
            text: gridloop_report::text(report),
            html: Some(gridloop_report::html(report, Chart::ContentId(CHART_ID))),
            inline: vec![Inline {
                content_id: CHART_ID.to_owned(),
                content_type: "image/png".to_owned(),
                bytes: gridloop_report::trend_png(report),
            }],
        },
        ChannelKind::Sms => Content::Sms { text: sms(report) },
    };
    Ok(Ok((content, name)))
}

/// The report in one SMS: the week, the scope and the numbers that matter most.
fn sms(report: &WeeklyReport) -> String {
    let c = &report.counts;
    let percent =
        |rate: Option<f64>| rate.map_or_else(|| "—".to_owned(), |r| format!("{:.0}%", r * 100.0));
    let on_time = percent(report.rates.on_time_resolution);
    match report.locale {
        Locale::ZhCn => format!(
            "【周报】{} {}：上报{}，办结{}，按期处置率{on_time}，期末在办{}，超期{}。详见邮件。",
            report.label, report.scope_name, c.reported, c.resolved, c.open_at_end, c.overdue_at_end
        ),
        Locale::En => format!(
            "Weekly report {} {}: {} reported, {} resolved, {on_time} on time, {} open, {} overdue. Details by email.",
            report.label, report.scope_name, c.reported, c.resolved, c.open_at_end, c.overdue_at_end
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use gridloop_core::{
        Calendar, Names, Period, ReportOptions, ReportScope, WeeklyIndicators, OVERDUE_LIMIT,
    };

    use super::*;

    fn report(locale: Locale) -> WeeklyReport {
        let calendar = Arc::new(Calendar::default_china());
        let week = Period::iso_week(2026, 48, chrono_tz::Asia::Shanghai).expect("week");
        let mut run = WeeklyIndicators::new(week, &calendar).finish();
        run.totals.reported = 12;
        run.totals.resolved = 9;
        run.totals.resolved_on_time = 6;
        run.totals.open_at_end = 30;
        run.totals.overdue_at_end = 4;
        run.rates = run.totals.rates();
        let names = Names {
            park: "产业园区".into(),
            ..Names::default()
        };
        let options = ReportOptions {
            locale,
            generated_at: Utc
                .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
                .single()
                .expect("t"),
            base_url: None,
            overdue_limit: OVERDUE_LIMIT,
        };
        WeeklyReport::build(&[run], ReportScope::Park, &names, &options, &calendar).expect("report")
    }

    #[test]
    fn the_sms_carries_the_week_and_its_leading_numbers_in_one_segment() {
        let zh = sms(&report(Locale::ZhCn));
        assert_eq!(
            zh,
            "【周报】2026-W48 产业园区：上报12，办结9，按期处置率67%，期末在办30，超期4。详见邮件。"
        );
        assert!(zh.chars().count() <= 70, "one UCS-2 segment: {zh}");
        let en = sms(&report(Locale::En));
        assert!(
            en.starts_with("Weekly report 2026-W48 产业园区: 12 reported, 9 resolved, 67% on time"),
            "{en}"
        );
    }
}
