//! A weekly report as a notification, rendered at sending time from the copy stored when the
//! report was made, so a retry next morning sends the same numbers.

use gridloop_core::{Locale, WeeklyReport};
use gridloop_notifier::policy::ChannelKind;
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
    let name = super::notice::user_name(store, n.recipient_id).await?;
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
