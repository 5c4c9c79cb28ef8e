//! From an outbox row to the facts its template shows.
//!
//! The outbox keeps ids and a few parameters, not names: a notification waiting out the night
//! should say what the issue is called in the morning, and a name fixed in the row would be
//! stale. So the names are looked up here, at sending time, in one short read-only
//! transaction: one snapshot, two statements for an issue's message (its addressee; the issue
//! with its names and last change), ended before the send that follows (issue 17).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridloop_core::{EnterpriseId, IssueId, NotificationKind as Kind, UserId};
use gridloop_notifier::template::{
    AgendaItem, DueSoonFacts, EscalationFacts, IssueFacts, MissedVisitFacts, Notice, Recipient,
    VisitFacts,
};
use gridloop_store::{Addressee, NoticeIssue, Notification, Store, StoreError, Tx};
use serde_json::Value;

fn int(params: &Value, key: &str) -> Option<i64> {
    params.get(key).and_then(Value::as_i64)
}

fn instant(params: &Value, key: &str) -> Option<DateTime<Utc>> {
    params
        .get(key)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

async fn addressee(tx: &mut Tx, id: Option<i64>) -> Result<Option<Addressee>, StoreError> {
    match id.and_then(|id| UserId::new(id).ok()) {
        Some(id) => tx.addressee(id).await,
        None => Ok(None),
    }
}

pub(super) async fn user_name(tx: &mut Tx, id: Option<i64>) -> Result<Option<String>, StoreError> {
    Ok(addressee(tx, id).await?.map(|a| a.name))
}

async fn enterprise_name(tx: &mut Tx, id: Option<i64>) -> Result<String, StoreError> {
    let Some(id) = id.and_then(|id| EnterpriseId::new(id).ok()) else {
        return Ok(String::new());
    };
    Ok(tx
        .enterprise(id)
        .await?
        .map(|e| e.name.as_str().to_owned())
        .unwrap_or_default())
}

/// The first string under a `reason` key anywhere in `value`: the workflow's events carry the
/// reason of a return, rejection or rework in the variant's own fields.
fn find_reason(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => map
            .get("reason")
            .and_then(|r| match r {
                Value::String(s) => Some(s.clone()),
                other => find_reason(other),
            })
            .or_else(|| map.values().find_map(find_reason)),
        Value::Array(items) => items.iter().find_map(find_reason),
        _ => None,
    }
}

/// Builds what the template of `kind` needs for row `n`, as of `now`. Facts a kind does not
/// use are left out; a fact a template needs but the row cannot supply makes rendering fail,
/// which marks the row failed (visible, retryable once the template is fixed).
pub async fn build(
    store: &Store,
    n: &Notification,
    kind: Kind,
    time_zone: Tz,
    now: DateTime<Utc>,
) -> Result<Notice, StoreError> {
    let mut tx = store.snapshot().await?;
    let notice = facts(&mut tx, n, kind, time_zone, now).await?;
    tx.commit().await?;
    Ok(notice)
}

async fn facts(
    tx: &mut Tx,
    n: &Notification,
    kind: Kind,
    time_zone: Tz,
    now: DateTime<Utc>,
) -> Result<Notice, StoreError> {
    let params = &n.params;
    let recipient = addressee(tx, n.recipient_id).await?;
    // Someone outside the park's staff (an enterprise's own user, an Open311 client) reads
    // only what a unit wrote for the requester: the internal note may name people and phones.
    let outsider = recipient.as_ref().is_some_and(|a| a.outsider);
    let mut notice = Notice {
        recipient: Recipient {
            name: recipient.map(|a| a.name).unwrap_or_default(),
            time_zone,
        },
        at: Some(n.created_at),
        ..Notice::default()
    };
    if let Some(id) = n.issue_id.and_then(|id| IssueId::new(id).ok()) {
        if let Some(NoticeIssue {
            issue,
            enterprise,
            grid,
            unit,
            last_change,
        }) = tx.notice_issue(id).await?
        {
            let due_at = issue.resolve_due_at;
            if kind == Kind::Escalated {
                let level = int(params, "level")
                    .and_then(|l| u8::try_from(l).ok())
                    .unwrap_or(issue.escalation_level);
                notice.escalation = Some(EscalationFacts {
                    level,
                    overdue_minutes: due_at.map_or(0, |d| (now - d).num_minutes().max(0)),
                });
            }
            if kind == Kind::DueSoon {
                let share = int(params, "share").and_then(|s| u8::try_from(s).ok());
                notice.due_soon = Some(DueSoonFacts {
                    percent_used: share.unwrap_or(75),
                });
            }
            let note = if outsider {
                issue.public_resolution.as_ref()
            } else {
                issue.resolution.as_ref()
            };
            notice.note = note.map(|r| r.as_str().to_owned());
            notice.satisfaction = issue.satisfaction.map(|s| s.get());
            notice.duplicate_of = issue.duplicate_of.map(IssueId::get);
            notice.extension_until = issue
                .pending_extension
                .as_ref()
                .map(|e| e.until)
                .or(issue.resolve_due_at);
            if let Some(change) = last_change {
                notice.reason = serde_json::to_value(&change)
                    .ok()
                    .as_ref()
                    .and_then(find_reason);
            }
            notice.issue = Some(IssueFacts {
                id: issue.id.get(),
                title: issue.title.as_str().to_owned(),
                status: issue.status,
                priority: issue.priority,
                enterprise,
                grid,
                unit,
                due_at,
                link: None,
            });
        }
    }
    match kind {
        Kind::VisitReminder => {
            let agenda: Vec<(AgendaItem, bool)> = params
                .get("agenda")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| {
                            let item: AgendaItem = serde_json::from_value(i.clone()).ok()?;
                            let verify = i.get("verify").and_then(Value::as_bool);
                            Some((item, verify.unwrap_or(false)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let (verify, open): (Vec<_>, Vec<_>) = agenda.into_iter().partition(|(_, v)| *v);
            if let (Some(starts_at), Some(ends_at)) =
                (instant(params, "starts_at"), instant(params, "ends_at"))
            {
                notice.visit = Some(VisitFacts {
                    enterprise: enterprise_name(tx, int(params, "enterprise")).await?,
                    starts_at,
                    ends_at,
                    open: open.into_iter().map(|(i, _)| i).collect(),
                    awaiting_verification: verify.into_iter().map(|(i, _)| i).collect(),
                    link: None,
                });
            }
        }
        Kind::VisitMissed => {
            if let Some(last_starts_at) = instant(params, "starts_at") {
                notice.missed_visits = Some(MissedVisitFacts {
                    enterprise: enterprise_name(tx, int(params, "enterprise")).await?,
                    commissioner: user_name(tx, int(params, "commissioner"))
                        .await?
                        .unwrap_or_default(),
                    misses: int(params, "misses")
                        .and_then(|m| u32::try_from(m).ok())
                        .unwrap_or(1),
                    last_starts_at,
                });
            }
        }
        Kind::MeetingInvitation | Kind::MeetingReminder | Kind::MeetingCancelled => {
            // Written with the meeting's facts as the invitee was told of it (see
            // `chain::meetings`), and a cancellation's reason.
            if let Ok(given) = serde_json::from_value::<Notice>(params.clone()) {
                notice.meeting = given.meeting;
                notice.reason = given.reason;
            }
        }
        _ => {
            // Rows written with the facts themselves (a digest, a report, a missing calendar,
            // a test message)
            // carry them in the notice's own shape.
            if let Ok(given) = serde_json::from_value::<Notice>(params.clone()) {
                notice.digest = notice.digest.or(given.digest);
                notice.report = notice.report.or(given.report);
                notice.calendar = notice.calendar.or(given.calendar);
                notice.matching = notice.matching.or(given.matching);
            }
        }
    }
    Ok(notice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_found_wherever_the_event_keeps_it() {
        let change = serde_json::json!({"returned": {"reason": "不属于本单位"}});
        assert_eq!(find_reason(&change).as_deref(), Some("不属于本单位"));
        assert_eq!(find_reason(&serde_json::json!({"assigned": {}})), None);
    }
}
