//! The notification outbox, seen from the delivery side.
//!
//! Rows are written by [`Tx::notify`](crate::Tx::notify) in the transaction of the event that
//! causes them; here the delivery workers claim them under a lease (one statement, PostgreSQL:
//! `FOR UPDATE SKIP LOCKED`), send with no transaction open, and record what the wire answered
//! with another short statement that names the lease owner, so a worker whose lease expired and
//! whose rows were taken over cannot overwrite the new owner's outcome. Delivery is at least
//! once: a worker that dies after sending and before recording leaves a row that
//! [`Store::rescue_expired_notifications`] hands out again, and the wires deduplicate on the
//! row id where they can.
//!
//! States: `pending` → `sending` (claimed) → `sent` → `delivered` | `failed` (delivery
//! report); `sending` → `pending` (retry, deferral, expired lease), `failed` (permanent) or
//! `dead` (attempts used up). Only an operator moves `failed`/`dead` back to `pending`.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{Channel, NotificationKind, Rule};
use serde::Serialize;
use sqlx::types::Json;

use crate::backend::{args, Arg, Backend, Pool, Tx};
use crate::coalesce::Coalescer;
use crate::error::StoreError;
use crate::issues::to_micros;
use crate::rows::stored;
use crate::sqlite_intake::values;
use crate::store::Store;

/// Where a notification is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationState {
    /// Waiting for its `next_attempt_at` (and `not_before`).
    Pending,
    /// Claimed by a worker whose lease has not expired.
    Sending,
    /// Accepted by the server or gateway.
    Sent,
    /// A delivery report said it reached the phone.
    Delivered,
    /// Refused for good (bad address, refused credentials, a failed delivery report).
    Failed,
    /// Every allowed attempt failed.
    Dead,
}

impl NotificationState {
    pub const ALL: &'static [Self] = &[
        Self::Pending,
        Self::Sending,
        Self::Sent,
        Self::Delivered,
        Self::Failed,
        Self::Dead,
    ];
    /// The stored names, in the order of [`Self::ALL`].
    pub const NAMES: &'static [&'static str] =
        &["pending", "sending", "sent", "delivered", "failed", "dead"];

    /// The name stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Dead => "dead",
        }
    }
}

impl fmt::Display for NotificationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// For input (`--state`) and rows alike; an unknown name is `Invalid`, naming the states.
impl FromStr for NotificationState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| {
                StoreError::invalid(
                    "state",
                    Rule::OneOf {
                        allowed: Self::NAMES,
                    },
                )
            })
    }
}

/// One outbox row.
///
/// `address` is the recipient's email or phone number in clear: callers that print or log a
/// notification must mask it (parse it into `Email`/`Phone`, whose `Debug` masks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    pub id: i64,
    pub channel: Channel,
    pub recipient_id: Option<i64>,
    pub address: String,
    /// `zh-CN` or `en`.
    pub locale: String,
    /// What it is about; it names the template (stored in the `template` column under the
    /// kind's [`stored_name`](NotificationKind::stored_name)).
    pub kind: NotificationKind,
    pub params: serde_json::Value,
    /// Higher first; 10 and above is urgent.
    pub priority: i64,
    pub dedupe_key: String,
    pub issue_id: Option<i64>,
    pub state: NotificationState,
    /// Attempts started so far, the current one included while sending.
    pub attempts: u32,
    pub not_before: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Notification {
    /// Priority from which a notification is urgent: it skips quiet hours and the hourly cap.
    pub const URGENT: i64 = 10;

    pub fn is_urgent(&self) -> bool {
        self.priority >= Self::URGENT
    }
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    channel: String,
    recipient_id: Option<i64>,
    address: String,
    locale: String,
    template: String,
    params: Json<serde_json::Value>,
    priority: i64,
    dedupe_key: String,
    issue_id: Option<i64>,
    state: String,
    attempts: i64,
    not_before: Option<DateTime<Utc>>,
    next_attempt_at: DateTime<Utc>,
    lease_owner: Option<String>,
    lease_expires_at: Option<DateTime<Utc>>,
    provider_id: Option<String>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, channel, recipient_id, address, locale, template, params, priority, \
     dedupe_key, issue_id, state, attempts, not_before, next_attempt_at, lease_owner, \
     lease_expires_at, provider_id, last_error, created_at, sent_at, delivered_at";

impl NotificationRow {
    fn into_domain(self) -> Result<Notification, StoreError> {
        Ok(Notification {
            id: self.id,
            channel: stored("notifications", self.channel.parse())?,
            recipient_id: self.recipient_id,
            address: self.address,
            locale: self.locale,
            kind: stored("notifications", self.template.parse())?,
            params: self.params.0,
            priority: self.priority,
            dedupe_key: self.dedupe_key,
            issue_id: self.issue_id,
            state: self.state.parse().map_err(|_| {
                StoreError::Corrupt(format!("notifications: state '{}'", self.state))
            })?,
            attempts: u32::try_from(self.attempts).map_err(|_| {
                StoreError::Corrupt(format!("notifications: attempts {}", self.attempts))
            })?,
            not_before: self.not_before,
            next_attempt_at: self.next_attempt_at,
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_at,
            provider_id: self.provider_id,
            last_error: self.last_error,
            created_at: self.created_at,
            sent_at: self.sent_at,
            delivered_at: self.delivered_at,
        })
    }
}

/// What a delivery report says, as far as the outbox cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DlrEffect {
    /// On the phone: `sent` → `delivered`.
    Delivered,
    /// Undeliverable or rejected: `sent` → `failed`.
    Failed,
    /// Progress only (queued, accepted by the SMS centre): recorded, state unchanged.
    Progress,
}

/// What recording a delivery report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DlrRecorded {
    /// First time this report arrived; the notification moved (or, for progress, stayed).
    Applied,
    /// The same report arrived before: nothing changed.
    Duplicate,
    /// A report that does not fit the notification's state (say, `delivered` after `failed`):
    /// kept, nothing changed.
    Ignored,
}

/// SMS (or email) sent to one recipient in the hour before an instant, for the hourly cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentSends {
    pub count: u32,
    /// When the oldest of them went out: one hour later a slot frees.
    pub oldest: Option<DateTime<Utc>>,
}

/// Longest error text kept on a row: enough to diagnose, never a whole response body.
const MAX_ERROR_CHARS: usize = 2000;

fn clip(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

fn into_list(rows: Vec<NotificationRow>) -> Result<Vec<Notification>, StoreError> {
    rows.into_iter().map(NotificationRow::into_domain).collect()
}

impl Tx {
    /// Notifications in one state (or all), newest first, at most `limit`.
    pub async fn notifications(
        &mut self,
        state: Option<NotificationState>,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows: Vec<NotificationRow> = self
            .fetch_all(
                &format!(
                    "SELECT {COLUMNS} FROM notifications WHERE ($1 IS NULL OR state = $1) \
                     ORDER BY id DESC LIMIT $2"
                ),
                args![state.map(NotificationState::as_str), limit],
            )
            .await?;
        into_list(rows)
    }

    pub async fn notification(&mut self, id: i64) -> Result<Option<Notification>, StoreError> {
        let row: Option<NotificationRow> = self
            .fetch_optional(
                &format!("SELECT {COLUMNS} FROM notifications WHERE id = $1"),
                args![id],
            )
            .await?;
        row.map(NotificationRow::into_domain).transpose()
    }

    /// Puts a failed or dead notification back in line to go now, its attempts counted afresh.
    /// `NotFound` for an unknown id; `Invalid` for a notification in another state (a pending
    /// one is already in line; a sent one would go twice).
    pub async fn retry_notification(
        &mut self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Notification, StoreError> {
        let found = self
            .notification(id)
            .await?
            .ok_or_else(|| StoreError::not_found("notification", id))?;
        if !matches!(
            found.state,
            NotificationState::Failed | NotificationState::Dead
        ) {
            return Err(StoreError::invalid(
                "id",
                Rule::NotRetryable {
                    now: found.state.as_str(),
                    retryable: &["failed", "dead"],
                },
            ));
        }
        let row: NotificationRow = self
            .fetch_one(
                &format!(
                    "UPDATE notifications SET state = 'pending', attempts = 0, \
                     next_attempt_at = $2, not_before = NULL WHERE id = $1 RETURNING {COLUMNS}"
                ),
                args![id, to_micros(now)],
            )
            .await?;
        row.into_domain()
    }

    /// Records a delivery report once per (notification, status code). The first final report
    /// moves a `sent` notification to `delivered` or `failed`; a report can also overtake the
    /// worker's own `sent` (Kannel answers fast), so a `sending` row moves too and the worker's
    /// late `mark_sent` then finds nothing to do. `NotFound` for an unknown id.
    pub async fn record_dlr(
        &mut self,
        id: i64,
        status: u32,
        effect: DlrEffect,
        now: DateTime<Utc>,
    ) -> Result<DlrRecorded, StoreError> {
        if self.notification(id).await?.is_none() {
            return Err(StoreError::not_found("notification", id));
        }
        let now = to_micros(now);
        let inserted = self
            .execute(
                "INSERT INTO notification_dlrs (notification_id, status, received_at) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                args![id, status, now],
            )
            .await?;
        if inserted == 0 {
            return Ok(DlrRecorded::Duplicate);
        }
        let changed = match effect {
            DlrEffect::Progress => return Ok(DlrRecorded::Applied),
            DlrEffect::Delivered => {
                self.execute(
                    "UPDATE notifications SET state = 'delivered', delivered_at = $2, \
                     sent_at = COALESCE(sent_at, $2), lease_owner = NULL, lease_expires_at = NULL \
                     WHERE id = $1 AND state IN ('sent', 'sending')",
                    args![id, now],
                )
                .await?
            }
            DlrEffect::Failed => {
                self.execute(
                    "UPDATE notifications SET state = 'failed', last_error = $2, \
                     lease_owner = NULL, lease_expires_at = NULL \
                     WHERE id = $1 AND state IN ('sent', 'sending')",
                    args![id, format!("delivery report: status {status}")],
                )
                .await?
            }
        };
        Ok(if changed == 0 {
            DlrRecorded::Ignored
        } else {
            DlrRecorded::Applied
        })
    }

    /// How many notifications on `channel` went to a recipient in the hour before `now`.
    pub async fn sent_in_last_hour(
        &mut self,
        recipient_id: i64,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<RecentSends, StoreError> {
        let (count, oldest): (i64, Option<DateTime<Utc>>) = self
            .fetch_one(
                "SELECT COUNT(*), MIN(sent_at) FROM notifications \
                 WHERE recipient_id = $1 AND channel = $2 AND sent_at > $3 AND sent_at <= $4",
                args![
                    recipient_id,
                    channel.as_str(),
                    to_micros(now - Duration::hours(1)),
                    to_micros(now)
                ],
            )
            .await?;
        Ok(RecentSends {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            oldest,
        })
    }

    /// How many notifications are in each state, zeros included.
    pub async fn count_notifications(
        &mut self,
    ) -> Result<Vec<(NotificationState, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = self
            .fetch_all(
                "SELECT state, COUNT(*) FROM notifications GROUP BY state",
                args![],
            )
            .await?;
        let mut counts: Vec<(NotificationState, u64)> =
            NotificationState::ALL.iter().map(|s| (*s, 0)).collect();
        for (state, n) in rows {
            let state: NotificationState = state
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("notifications: state '{state}'")))?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == state) {
                slot.1 = u64::try_from(n).unwrap_or(0);
            }
        }
        Ok(counts)
    }
}

impl Store {
    /// Notifications in one state (or all), newest first.
    pub async fn notifications(
        &self,
        state: Option<NotificationState>,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        self.read(async move |tx| tx.notifications(state, limit).await)
            .await
    }

    pub async fn notification(&self, id: i64) -> Result<Option<Notification>, StoreError> {
        self.read(async move |tx| tx.notification(id).await).await
    }

    /// Puts a failed or dead notification back in line (see [`Tx::retry_notification`]).
    pub async fn retry_notification(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Notification, StoreError> {
        self.write(async move |tx| tx.retry_notification(id, now).await)
            .await
    }

    /// Records a delivery report once (see [`Tx::record_dlr`]).
    pub async fn record_dlr(
        &self,
        id: i64,
        status: u32,
        effect: DlrEffect,
        now: DateTime<Utc>,
    ) -> Result<DlrRecorded, StoreError> {
        self.write(async move |tx| tx.record_dlr(id, status, effect, now).await)
            .await
    }

    /// Sends to a recipient on a channel in the past hour, for the hourly cap.
    pub async fn sent_in_last_hour(
        &self,
        recipient_id: i64,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<RecentSends, StoreError> {
        self.read(async move |tx| tx.sent_in_last_hour(recipient_id, channel, now).await)
            .await
    }

    /// How many notifications are in each state.
    pub async fn count_notifications(&self) -> Result<Vec<(NotificationState, u64)>, StoreError> {
        self.read(async move |tx| tx.count_notifications().await)
            .await
    }

    /// Claims up to `limit` due notifications for `owner` until `now + lease`, counting an
    /// attempt on each: urgent ones first, then the oldest. Due means pending, its
    /// `next_attempt_at` reached and its quiet hours (`not_before`) over. One statement:
    /// nothing stays locked while they are sent.
    pub async fn claim_notifications(
        &self,
        owner: &str,
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Notification>, StoreError> {
        let now = to_micros(now);
        let lock = match self.pool.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE notifications SET state = 'sending', attempts = attempts + 1, \
               lease_owner = $1, lease_expires_at = $2 \
             WHERE id IN (SELECT id FROM notifications \
                 WHERE state = 'pending' AND next_attempt_at <= $3 \
                   AND (not_before IS NULL OR not_before <= $3) \
                 ORDER BY priority DESC, id LIMIT $4 {lock}) \
             RETURNING {COLUMNS}"
        );
        let rows: Vec<NotificationRow> = self
            .pool
            .fetch_all_write(&sql, args![owner, to_micros(now + lease), now, limit])
            .await?;
        let mut claimed = into_list(rows)?;
        // `RETURNING` gives no order.
        claimed.sort_by_key(|n| (std::cmp::Reverse(n.priority), n.id));
        Ok(claimed)
    }

    /// One statement on a row `owner` holds; `true` if it still held it.
    async fn settle(
        &self,
        set: &str,
        id: i64,
        owner: &str,
        mut values: Vec<Arg>,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE notifications SET {set}, lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $1 AND state = 'sending' AND lease_owner = $2"
        );
        let mut all = args![id, owner];
        all.append(&mut values);
        let done = self.pool.execute_write(&sql, all).await?;
        Ok(done > 0)
    }

    /// The wire accepted the message. `false` if `owner` no longer held the row (its lease
    /// expired and another worker took it, or a delivery report overtook this call).
    ///
    /// On PostgreSQL the messages marked sent together are one statement (see [`Sent`]).
    pub async fn mark_sent(
        &self,
        id: i64,
        owner: &str,
        provider_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let row = Sent {
            id,
            owner: owner.to_owned(),
            provider_id: provider_id.map(str::to_owned),
            at: to_micros(now),
        };
        let pool = self.pool.clone();
        let run = move |rows: Vec<Sent>| mark_sent_together(pool.clone(), rows);
        let held = self.sent.submit(row, run).await?;
        if let Some(held) = held {
            return Ok(held);
        }
        self.settle(
            "state = 'sent', provider_id = $3, sent_at = $4, last_error = NULL",
            id,
            owner,
            args![provider_id, to_micros(now)],
        )
        .await
    }

    /// Marks every pending notification due by `now` as sent under `provider_id` without
    /// sending it, in one statement; how many. For history written after the fact (the demo's
    /// eight weeks), whose thousands of messages about the past must never go out, nor cost a
    /// transaction each.
    pub async fn settle_pending_unsent(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let now = to_micros(now);
        let settled = self
            .pool
            .execute_write(
                "UPDATE notifications SET state = 'sent', provider_id = $1, sent_at = $2, \
                   last_error = NULL \
                 WHERE state = 'pending' AND next_attempt_at <= $2 \
                   AND (not_before IS NULL OR not_before <= $2)",
                args![provider_id, now],
            )
            .await?;
        Ok(settled)
    }

    /// A transient failure: back in line at `next_attempt_at`.
    pub async fn mark_retry(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.settle(
            "state = 'pending', last_error = $3, next_attempt_at = $4",
            id,
            owner,
            args![clip(error), to_micros(next_attempt_at)],
        )
        .await
    }

    /// A permanent failure: retrying would not help.
    pub async fn mark_failed(&self, id: i64, owner: &str, error: &str) -> Result<bool, StoreError> {
        self.settle(
            "state = 'failed', last_error = $3",
            id,
            owner,
            args![clip(error)],
        )
        .await
    }

    /// The last allowed attempt failed.
    pub async fn mark_dead(&self, id: i64, owner: &str, error: &str) -> Result<bool, StoreError> {
        self.settle(
            "state = 'dead', last_error = $3",
            id,
            owner,
            args![clip(error)],
        )
        .await
    }

    /// Holds a claimed notification until `not_before` (quiet hours, the hourly cap) without
    /// counting the claim as an attempt: nothing was tried.
    pub async fn defer(
        &self,
        id: i64,
        owner: &str,
        not_before: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let at = to_micros(not_before);
        self.settle(
            "state = 'pending', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
             not_before = $3, next_attempt_at = $3",
            id,
            owner,
            args![at],
        )
        .await
    }

    /// Puts back notifications whose worker's lease expired (it crashed or hung mid-send):
    /// pending now. The attempt stays counted, so a message that kills its worker every time
    /// still ends dead. Returns how many.
    pub async fn rescue_expired_notifications(
        &self,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let now = to_micros(now);
        let done = self
            .pool
            .execute_write(
                "UPDATE notifications SET state = 'pending', next_attempt_at = $1, \
                   last_error = 'the worker''s lease expired', \
                   lease_owner = NULL, lease_expires_at = NULL \
                 WHERE state = 'sending' AND lease_expires_at < $1",
                args![now],
            )
            .await?;
        Ok(done)
    }
}

/// A message the wire accepted, to be marked sent with the others accepted at the same time.
///
/// The delivery worker sends several messages at once and marks each sent as soon as its wire
/// accepted it; on PostgreSQL each of those one-row updates was a statement with its own
/// commit, as costly as the message's other reads together. So they are gathered
/// ([`Coalescer`]) into one update over arrays, which tells each caller whether it still held
/// its row — the same answer as its own statement. A batch that fails leaves each to its own.
#[derive(Debug)]
pub(crate) struct Sent {
    id: i64,
    owner: String,
    provider_id: Option<String>,
    at: DateTime<Utc>,
}

/// The batches of [`Sent`]: a turn per core, each of at most this many messages; on SQLite
/// of 1, 2, 4, … messages, so that the few texts stay prepared (see `sqlite_intake`).
pub(crate) fn sent_batches(backend: Backend) -> Coalescer<Sent, bool> {
    let batches = Coalescer::per_core(256);
    match backend {
        Backend::Postgres => batches,
        Backend::Sqlite => batches.in_powers_of_two(),
    }
}

/// Marks a batch sent in one statement: each row's answer, or none when the batch failed as a
/// whole (each caller then runs its own statement, whose error is its own).
async fn mark_sent_together(pool: Pool, rows: Vec<Sent>) -> Vec<Option<bool>> {
    let held = match &pool {
        Pool::Postgres(pg) => held_postgres(pg, &rows).await,
        Pool::Sqlite { .. } => held_sqlite(&pool, &rows).await,
    };
    held.unwrap_or_else(|e| {
        tracing::debug!(messages = rows.len(), error = %e, "marking a batch sent failed; each runs alone");
        Vec::new()
    })
}

async fn held_postgres(
    pool: &sqlx::PgPool,
    rows: &[Sent],
) -> Result<Vec<Option<bool>>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let owners: Vec<&str> = rows.iter().map(|r| r.owner.as_str()).collect();
    let providers: Vec<Option<&str>> = rows.iter().map(|r| r.provider_id.as_deref()).collect();
    let ats: Vec<DateTime<Utc>> = rows.iter().map(|r| r.at).collect();
    // Each row's answer is its own holder's: the same id may come twice in one batch (a
    // worker whose lease expired and the one that took the row over), only one holding it.
    let held: Vec<(i64, String)> = sqlx::query_as(
        "UPDATE notifications n SET state = 'sent', provider_id = v.provider_id, \
           sent_at = v.sent_at, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) \
           AS v(id, owner, provider_id, sent_at) \
         WHERE n.id = v.id AND n.state = 'sending' AND n.lease_owner = v.owner \
         RETURNING n.id, v.owner",
    )
    .bind(&ids)
    .bind(&owners)
    .bind(&providers)
    .bind(&ats)
    .fetch_all(pool)
    .await?;
    let held: HashSet<(i64, &str)> = held.iter().map(|(id, o)| (*id, o.as_str())).collect();
    Ok(rows
        .iter()
        .map(|r| Some(held.contains(&(r.id, r.owner.as_str()))))
        .collect())
}

/// SQLite's batch: one member of the group commit and one hop to the connection's thread
/// (issue 17: each message marked alone was a member of its own, and under load the notifier's
/// members held the write turn about as long as the reports that made the messages).
///
/// SQLite's `RETURNING` names only the updated table's columns, so a batch cannot tell which of
/// two callers with the same id held the row: such a batch leaves each to its own statement.
async fn held_sqlite(pool: &Pool, rows: &[Sent]) -> Result<Vec<Option<bool>>, StoreError> {
    let mut ids = HashSet::new();
    if !rows.iter().all(|r| ids.insert(r.id)) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "WITH v(id, owner, provider_id, sent_at) AS (VALUES {}) \
         UPDATE notifications SET state = 'sent', provider_id = v.provider_id, \
           sent_at = v.sent_at, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL \
         FROM v WHERE notifications.id = v.id AND notifications.state = 'sending' \
           AND notifications.lease_owner = v.owner RETURNING id",
        values(1, rows.len(), 4)
    );
    let mut values = Vec::with_capacity(rows.len() * 4);
    for r in rows {
        values.extend(args![
            r.id,
            r.owner.as_str(),
            r.provider_id.as_deref(),
            r.at
        ]);
    }
    let held: HashSet<i64> = pool
        .fetch_all_write::<(i64,)>(&sql, values)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect();
    Ok(rows.iter().map(|r| Some(held.contains(&r.id))).collect())
}

#[cfg(test)]
mod sent_tests {
    use chrono::{TimeZone, Utc};

    use super::{mark_sent_together, Sent};
    use crate::backend::args;
    use crate::batch::tests::scratch;

    fn sent(id: i64, owner: &str) -> Sent {
        Sent {
            id,
            owner: owner.to_owned(),
            provider_id: Some(format!("p-{id}")),
            at: Utc.with_ymd_and_hms(2026, 12, 8, 1, 0, 0).unwrap(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_marks_a_batch_sent_in_one_statement_each_for_its_own_lease() {
        let scratch = scratch().await;
        let pool = scratch.store.pool.clone();
        for id in 1..=3_i64 {
            pool.execute_write(
                "INSERT INTO notifications (id, channel, address, locale, template, params, \
                   dedupe_key, state, next_attempt_at, lease_owner, lease_expires_at, created_at) \
                 VALUES ($1, 'sms', '+8613800000000', 'zh-CN', 'reported', '{}', $2, 'sending', \
                   '2026-12-08T00:00:00Z', 'w1', '2026-12-08T02:00:00Z', '2026-12-08T00:00:00Z')",
                args![id, format!("k{id}")],
            )
            .await
            .expect("seeded");
        }
        // The batch's own answers (a batch that failed would answer none, and each caller
        // would then run alone): 2 is marked by a worker that does not hold it.
        let answers = mark_sent_together(
            pool.clone(),
            vec![sent(1, "w1"), sent(2, "w2"), sent(3, "w1")],
        )
        .await;
        assert_eq!(answers, [Some(true), Some(false), Some(true)]);
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = pool
            .fetch_all_alone(
                "SELECT id, state, provider_id, lease_owner FROM notifications ORDER BY id",
                args![],
            )
            .await
            .expect("read");
        assert_eq!(
            rows,
            [
                (1, "sent".to_owned(), Some("p-1".to_owned()), None),
                (2, "sending".to_owned(), None, Some("w1".to_owned())),
                (3, "sent".to_owned(), Some("p-3".to_owned()), None),
            ]
        );
        // An id twice in one batch cannot be answered from `RETURNING`: each runs alone.
        let twice = mark_sent_together(pool, vec![sent(2, "w2"), sent(2, "w1")]).await;
        assert!(twice.is_empty());
    }
}
