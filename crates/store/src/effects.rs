//! The effects of a transition, made durable in the transaction that records it.
//!
//! The workflow returns effects as data; here they become rows, so that nothing decided is lost
//! if the process dies right after the commit:
//!
//! - `Notify` → one outbox row per recipient and channel (`notifications`), routed by SQL in the
//!   same transaction: who is in the audience now, which addresses they have, which channels
//!   they want. The notifier renders and delivers them later.
//! - `WatchDeadlines` → a `sla.plan` job; the scheduler plans the watch's timers from the issue
//!   (it needs the category's ladder and the calendar, which a transaction should not wait on).
//! - `StopWatching` → the issue's waiting timers are deleted (they would find nothing to do).

use chrono::{DateTime, Utc};
use gridloop_core::{
    Audience, Effect, EnterpriseId, Event, Issue, IssueId, NotificationKind, UserId,
};
use serde::Serialize;

use crate::backend::{args, Arg, Tx};
use crate::error::StoreError;
use crate::jobs::NewJob;

/// The job kind that plans a deadline watch's timers.
pub const SLA_PLAN_JOB: &str = "sla.plan";

/// Who a notice goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Recipients {
    Audience(Audience),
    /// One person (a commissioner's visit reminder).
    User(UserId),
    /// The users who speak for an enterprise (a meeting's invitation, a match's news).
    Enterprise(EnterpriseId),
}

/// A notification to write to the outbox, before routing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewNotification {
    pub recipients: Recipients,
    /// What the notice is about; it names the template. The outbox stores its
    /// [`stored_name`](NotificationKind::stored_name).
    pub kind: NotificationKind,
    pub issue: Option<IssueId>,
    /// What the template shows, besides the issue (looked up when rendering).
    pub params: serde_json::Value,
    /// Unique per cause: the outbox key adds the recipient and channel to it.
    pub dedupe: String,
    /// Urgent notices (escalations from level 2) go out during quiet hours too.
    pub urgent: bool,
}

/// Notification kinds that go by SMS as well as email unless a user chose otherwise: the
/// ones that ask someone to act soon. The rest go by email only.
pub const SMS_BY_DEFAULT: &[NotificationKind] = &[
    NotificationKind::Assigned,
    NotificationKind::Reassigned,
    NotificationKind::Reworked,
    NotificationKind::DueSoon,
    NotificationKind::Escalated,
    NotificationKind::Resolved,
    NotificationKind::VisitReminder,
    NotificationKind::VisitMissed,
    NotificationKind::MeetingInvitation,
    NotificationKind::MeetingReminder,
    NotificationKind::MeetingCancelled,
    NotificationKind::MatchIntroduced,
    NotificationKind::MatchFollowUp,
];

/// The `WHERE` condition selecting the users of an audience, with its one argument (if any)
/// bound to `$2`.
fn audience_condition(recipients: Recipients) -> (&'static str, Option<i64>) {
    match recipients {
        Recipients::Audience(Audience::Dispatchers) => (
            "u.id IN (SELECT user_id FROM user_roles WHERE role = 'dispatcher')",
            None,
        ),
        Recipients::Audience(Audience::Supervisors) => (
            "u.id IN (SELECT user_id FROM user_roles WHERE role = 'supervisor')",
            None,
        ),
        Recipients::Audience(Audience::Admins) => (
            "u.id IN (SELECT user_id FROM user_roles WHERE role = 'admin')",
            None,
        ),
        Recipients::Audience(Audience::Unit(unit)) => (
            "u.id IN (SELECT user_id FROM user_units WHERE unit_id = $2)",
            Some(unit.get()),
        ),
        Recipients::Audience(Audience::UnitHead(unit)) => (
            "u.id IN (SELECT uu.user_id FROM user_units uu JOIN user_roles r \
             ON r.user_id = uu.user_id AND r.role = 'unit_head' WHERE uu.unit_id = $2)",
            Some(unit.get()),
        ),
        Recipients::Audience(Audience::Reporter(user)) | Recipients::User(user) => {
            ("u.id = $2", Some(user.get()))
        }
        Recipients::Enterprise(enterprise) => (
            "u.id IN (SELECT user_id FROM user_enterprises WHERE enterprise_id = $2)",
            Some(enterprise.get()),
        ),
        Recipients::Audience(Audience::GridPosts(grid)) => (
            "u.id IN (SELECT up.user_id FROM user_posts up JOIN posts p ON p.id = up.post_id \
                 WHERE p.grid_id = $2)",
            Some(grid.get()),
        ),
    }
}

/// Where [`routing_insert`] takes each value from: a placeholder, or an expression.
pub(crate) struct Slots<'a> {
    pub active: &'a str,
    /// The kind's stored name (also what preferences are looked up by).
    pub kind: &'a str,
    pub params: &'a str,
    pub priority: &'a str,
    /// The dedupe key's cause part; the recipient and channel are appended.
    pub dedupe: &'a str,
    pub issue: &'a str,
    pub now: &'a str,
    /// Whether SMS is wanted when the user has no preference for the kind.
    pub sms_default: &'a str,
    /// More `FROM` items, e.g. `, i` for a CTE that makes the issue.
    pub from: &'a str,
}

/// The one text of outbox routing: an `INSERT … SELECT` writing a row for each active user of
/// the audience (`condition`, over `u`), for each channel they have an address for and want for
/// this kind: email by default, SMS by default when `sms_default` holds. A preference row
/// replaces the default: `["email"]`, `["sms"]`, `["email","sms"]` or `[]` (nothing). One
/// statement for both channels; written once here for [`Tx::notify`] and the PostgreSQL report
/// statement.
pub(crate) fn routing_insert(condition: &str, s: &Slots<'_>) -> String {
    format!(
        "INSERT INTO notifications (channel, recipient_id, address, locale, template, \
           params, priority, dedupe_key, issue_id, state, next_attempt_at, created_at) \
         SELECT c.channel, u.id, CASE c.channel WHEN 'email' THEN u.email ELSE u.phone END, \
           u.locale, {kind}, {params}, {priority}, \
           {dedupe} || ':' || CAST(u.id AS TEXT) || ':' || c.channel, {issue}, 'pending', {now}, {now} \
         FROM users u \
           CROSS JOIN (SELECT 'email' AS channel UNION ALL SELECT 'sms') c \
           LEFT JOIN notification_prefs p ON p.user_id = u.id AND p.kind = {kind}{from} \
         WHERE {condition} AND u.active = {active} \
           AND CASE c.channel WHEN 'email' THEN u.email ELSE u.phone END IS NOT NULL \
           AND ((p.channels IS NULL AND (c.channel = 'email' OR {sms_default})) \
                OR CAST(p.channels AS TEXT) LIKE '%\"' || c.channel || '\"%') \
         ON CONFLICT DO NOTHING",
        kind = s.kind,
        params = s.params,
        priority = s.priority,
        dedupe = s.dedupe,
        issue = s.issue,
        now = s.now,
        from = s.from,
        active = s.active,
        sms_default = s.sms_default,
    )
}

/// The routing condition for the dispatchers, who hear of every new report.
pub(crate) fn dispatchers_condition() -> &'static str {
    audience_condition(Recipients::Audience(Audience::Dispatchers)).0
}

impl Tx {
    /// Makes a transition's effects durable (see the module's documentation). `event` is the
    /// event that caused them; its issue and version make the dedupe keys.
    pub async fn record_effects(
        &mut self,
        issue: &Issue,
        event: &Event,
        effects: &[Effect],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for effect in effects {
            match effect {
                Effect::Notify { audience, kind } => {
                    let level = issue.escalation_level;
                    let notice = NewNotification {
                        recipients: Recipients::Audience(*audience),
                        kind: *kind,
                        issue: Some(issue.id),
                        params: serde_json::json!({
                            "event": event.change.kind(),
                            "version": event.version,
                            "level": level,
                        }),
                        dedupe: format!(
                            "issue:{}:v{}:{}",
                            issue.id,
                            event.version,
                            kind.stored_name()
                        ),
                        urgent: *kind == NotificationKind::Escalated && level >= 2,
                    };
                    // Nobody reads how many rows it wrote: on SQLite it goes with the
                    // statements after it.
                    let (sql, values) = notify_statement(&notice, now);
                    self.defer(&sql, values).await?;
                }
                Effect::WatchDeadlines { .. } => {
                    let job = NewJob::new(
                        SLA_PLAN_JOB,
                        serde_json::json!({
                            "issue": issue.id,
                            "version": event.version,
                            "armed_at": event.at,
                        }),
                        now,
                    )
                    .unique(format!("sla.plan:{}:v{}", issue.id, event.version));
                    // Nobody reads its id: held back like the notices, so that an `assign`
                    // is one statement on PostgreSQL.
                    self.enqueue_held_back(&job, now).await?;
                }
                Effect::StopWatching => {
                    // A key range rather than LIKE, and the live-key index's own predicate
                    // spelled out, so that both backends read the index, not every job.
                    self.defer(
                        "DELETE FROM jobs WHERE unique_key >= $1 AND unique_key < $2 \
                         AND unique_key IS NOT NULL AND state NOT IN ('completed', 'dead') \
                         AND kind = 'sla.timer' AND state = 'scheduled'",
                        args![format!("sla:{}:", issue.id), format!("sla:{};", issue.id)],
                    )
                    .await?;
                }
                Effect::ResponseClockStopped => {}
            }
        }
        Ok(())
    }

    /// Writes a notice to the outbox: one row per recipient and channel they want, skipping
    /// those without an address for it. Returns how many rows it wrote; a notice written
    /// before (same dedupe key) writes none.
    pub async fn notify(
        &mut self,
        notice: &NewNotification,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let (sql, values) = notify_statement(notice, now);
        self.execute(&sql, values).await
    }
}

/// The routing statement of a notice, and its values.
fn notify_statement(notice: &NewNotification, now: DateTime<Utc>) -> (String, Vec<Arg>) {
    let (condition, who) = audience_condition(notice.recipients);
    let sms_default = SMS_BY_DEFAULT.contains(&notice.kind);
    let priority: i64 = if notice.urgent { 10 } else { 0 };
    let sql = routing_insert(
        condition,
        &Slots {
            active: "$1",
            kind: "$3",
            params: "$4",
            priority: "$5",
            dedupe: "$6",
            issue: "$7",
            now: "$8",
            sms_default: "$9",
            from: "",
        },
    );
    let values: Vec<Arg> = args![
        true,
        who,
        notice.kind.stored_name(),
        notice.params.clone(),
        priority,
        notice.dedupe.as_str(),
        notice.issue.map(|i| i.get()),
        now,
        sms_default,
    ];
    (sql, values)
}
