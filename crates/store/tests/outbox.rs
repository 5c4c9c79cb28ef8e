//! The outbox's delivery side on both backends: claims under a lease, outcomes recorded only by
//! the lease's owner, deferrals, rescues, operator retries, delivery reports and the hourly
//! count behind the SMS cap.

mod common;

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{Channel, Email, NotificationKind, Phone, Role, UserId};
use gridloop_store::{
    DlrEffect, DlrRecorded, ErrorKind, NewNotification, NewUser, Notification, NotificationState,
    Recipients, Store,
};

use common::{both, login, name, t0};

const LEASE: i64 = 60;

/// A user with an email address and a phone, so that an `assigned` notice writes two rows.
async fn user(store: &Store, who: &str) -> UserId {
    store
        .create_user(NewUser {
            login: login(who),
            name: name(who),
            phone: Some(Phone::parse("+8613800138000").expect("a phone")),
            email: Some(Email::parse(&format!("{who}@example.com")).expect("an email")),
            locale: "zh-CN".to_owned(),
            roles: vec![Role::UnitMember],
            posts: vec![],
            units: vec![],
            grids: vec![],
            enterprises: vec![],
        })
        .await
        .expect("user")
        .id
}

async fn notify(store: &Store, to: UserId, key: &str, urgent: bool, now: DateTime<Utc>) -> u64 {
    notify_of(store, NotificationKind::Assigned, to, key, urgent, now).await
}

async fn notify_of(
    store: &Store,
    kind: NotificationKind,
    to: UserId,
    key: &str,
    urgent: bool,
    now: DateTime<Utc>,
) -> u64 {
    let mut tx = store.transaction().await.expect("tx");
    let written = tx
        .notify(
            &NewNotification {
                recipients: Recipients::User(to),
                kind,
                issue: None,
                params: serde_json::json!({"k": key}),
                dedupe: key.into(),
                urgent,
            },
            now,
        )
        .await
        .expect("notify");
    tx.commit().await.expect("commit");
    written
}

async fn claim(store: &Store, owner: &str, now: DateTime<Utc>) -> Vec<Notification> {
    store
        .claim_notifications(owner, 10, Duration::seconds(LEASE), now)
        .await
        .expect("claim")
}

async fn state_of(store: &Store, id: i64) -> Notification {
    store.notification(id).await.expect("read").expect("exists")
}

async fn claims_take_due_rows_urgent_first_once_each_and_count_an_attempt(store: Store) {
    let u = user(&store, "ann").await;
    assert_eq!(notify(&store, u, "a", false, t0()).await, 2);
    assert_eq!(notify(&store, u, "b", true, t0()).await, 2);
    // The same cause again writes nothing.
    assert_eq!(notify(&store, u, "a", false, t0()).await, 0);

    let first = claim(&store, "w1", t0()).await;
    assert_eq!(first.len(), 4);
    assert!(first[0].is_urgent() && first[1].is_urgent(), "{first:?}");
    assert!(first.iter().all(|n| n.state == NotificationState::Sending
        && n.attempts == 1
        && n.lease_owner.as_deref() == Some("w1")));
    assert!(claim(&store, "w2", t0()).await.is_empty());
}

async fn only_the_lease_owner_records_an_outcome(store: Store) {
    let u = user(&store, "bob").await;
    notify(&store, u, "a", false, t0()).await;
    let rows = claim(&store, "w1", t0()).await;
    let (a, b) = (rows[0].id, rows[1].id);

    assert!(!store
        .mark_sent(a, "w2", Some("x"), t0())
        .await
        .expect("store"));
    assert!(store
        .mark_sent(a, "w1", Some("x"), t0())
        .await
        .expect("store"));
    let sent = state_of(&store, a).await;
    assert_eq!(sent.state, NotificationState::Sent);
    assert_eq!(sent.provider_id.as_deref(), Some("x"));
    assert_eq!(sent.sent_at, Some(t0()));
    assert!(sent.lease_owner.is_none());
    // Already settled: a second outcome changes nothing.
    assert!(!store.mark_failed(a, "w1", "late").await.expect("store"));

    assert!(store
        .mark_failed(b, "w1", "550 no such user")
        .await
        .expect("store"));
    let failed = state_of(&store, b).await;
    assert_eq!(failed.state, NotificationState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("550 no such user"));
}

async fn messages_marked_sent_at_once_are_each_answered_for_their_own_lease(store: Store) {
    // On PostgreSQL marks that arrive together are one statement: each caller must still
    // learn whether it held its own row, and each row get its own provider id — also when a
    // row comes twice, from its holder and from a worker that does not hold it.
    let u = user(&store, "cy").await;
    for key in ["a", "b", "c", "d", "e", "f", "g", "h"] {
        notify(&store, u, key, false, t0()).await;
    }
    let rows = store
        .claim_notifications("w1", 100, Duration::seconds(LEASE), t0())
        .await
        .expect("claim");
    assert_eq!(rows.len(), 16);
    let mut tasks = Vec::new();
    for (i, n) in rows.iter().enumerate() {
        // Every third row is marked by a worker that does not hold it, as well as by w1.
        let owners: &[&str] = if i % 3 == 0 { &["w2", "w1"] } else { &["w1"] };
        for &owner in owners {
            let store = store.clone();
            let id = n.id;
            tasks.push(tokio::spawn(async move {
                let provider = format!("p-{id}");
                let at = t0() + Duration::seconds(i64::try_from(i).expect("small"));
                let held = store
                    .mark_sent(id, owner, Some(&provider), at)
                    .await
                    .expect("store");
                (id, owner, held, at)
            }));
        }
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    for (id, owner, held, at) in answers {
        assert_eq!(held, owner == "w1", "row {id} marked by {owner}");
        let row = state_of(&store, id).await;
        assert_eq!(row.state, NotificationState::Sent);
        assert_eq!(row.provider_id, Some(format!("p-{id}")));
        assert_eq!(row.sent_at, Some(at));
        assert!(row.lease_owner.is_none());
    }
}

async fn a_retry_waits_for_its_time_and_a_deferral_costs_no_attempt(store: Store) {
    let u = user(&store, "cy").await;
    notify(&store, u, "a", false, t0()).await;
    let rows = claim(&store, "w1", t0()).await;
    let (a, b) = (rows[0].id, rows[1].id);

    let later = t0() + Duration::minutes(5);
    assert!(store
        .mark_retry(a, "w1", "421 busy", later)
        .await
        .expect("store"));
    let quiet_end = t0() + Duration::hours(8);
    assert!(store.defer(b, "w1", quiet_end).await.expect("store"));
    let deferred = state_of(&store, b).await;
    assert_eq!(deferred.state, NotificationState::Pending);
    assert_eq!(deferred.attempts, 0);
    assert_eq!(deferred.not_before, Some(quiet_end));

    assert!(claim(&store, "w1", later - Duration::seconds(1))
        .await
        .is_empty());
    let again = claim(&store, "w1", later).await;
    assert_eq!(again.iter().map(|n| n.id).collect::<Vec<_>>(), vec![a]);
    assert_eq!(again[0].attempts, 2);
    assert!(store.mark_dead(a, "w1", "gave up").await.expect("store"));
    assert_eq!(state_of(&store, a).await.state, NotificationState::Dead);

    let morning = claim(&store, "w1", quiet_end).await;
    assert_eq!(morning.iter().map(|n| n.id).collect::<Vec<_>>(), vec![b]);
}

async fn an_expired_lease_puts_rows_back_in_line(store: Store) {
    let u = user(&store, "dee").await;
    notify(&store, u, "a", false, t0()).await;
    assert_eq!(claim(&store, "crashed", t0()).await.len(), 2);
    let soon = t0() + Duration::seconds(LEASE - 1);
    assert_eq!(
        store
            .rescue_expired_notifications(soon)
            .await
            .expect("store"),
        0
    );
    let after = t0() + Duration::seconds(LEASE + 1);
    assert_eq!(
        store
            .rescue_expired_notifications(after)
            .await
            .expect("store"),
        2
    );
    let retaken = claim(&store, "w2", after).await;
    assert_eq!(retaken.len(), 2);
    assert!(retaken.iter().all(|n| n.attempts == 2));
    // The crashed worker wakes up: its outcome no longer counts.
    assert!(!store
        .mark_sent(retaken[0].id, "crashed", None, after)
        .await
        .expect("store"));
}

async fn operators_retry_failed_and_dead_rows_only(store: Store) {
    let u = user(&store, "eve").await;
    notify(&store, u, "a", false, t0()).await;
    let rows = claim(&store, "w1", t0()).await;
    let (a, b) = (rows[0].id, rows[1].id);
    store.mark_dead(a, "w1", "gave up").await.expect("store");

    let later = t0() + Duration::hours(1);
    let back = store.retry_notification(a, later).await.expect("store");
    assert_eq!(back.state, NotificationState::Pending);
    assert_eq!(back.attempts, 0);
    assert_eq!(back.next_attempt_at, later);

    let err = store
        .retry_notification(b, later)
        .await
        .expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let err = store
        .retry_notification(9999, later)
        .await
        .expect_err("an error");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

async fn a_delivery_report_counts_once(store: Store) {
    let u = user(&store, "fay").await;
    notify(&store, u, "a", false, t0()).await;
    let rows = claim(&store, "w1", t0()).await;
    let (a, b) = (rows[0].id, rows[1].id);
    for id in [a, b] {
        store
            .mark_sent(id, "w1", Some("k"), t0())
            .await
            .expect("store");
    }
    let at = t0() + Duration::minutes(1);

    let progress = store.record_dlr(a, 8, DlrEffect::Progress, at).await;
    assert_eq!(progress.expect("store"), DlrRecorded::Applied);
    assert_eq!(state_of(&store, a).await.state, NotificationState::Sent);
    let first = store.record_dlr(a, 1, DlrEffect::Delivered, at).await;
    assert_eq!(first.expect("store"), DlrRecorded::Applied);
    let delivered = state_of(&store, a).await;
    assert_eq!(delivered.state, NotificationState::Delivered);
    assert_eq!(delivered.delivered_at, Some(at));
    let again = store
        .record_dlr(a, 1, DlrEffect::Delivered, at + Duration::minutes(1))
        .await;
    assert_eq!(again.expect("store"), DlrRecorded::Duplicate);
    assert_eq!(state_of(&store, a).await.delivered_at, Some(at));
    // A failure after the delivery does not undo it.
    let late = store.record_dlr(a, 2, DlrEffect::Failed, at).await;
    assert_eq!(late.expect("store"), DlrRecorded::Ignored);
    assert_eq!(
        state_of(&store, a).await.state,
        NotificationState::Delivered
    );

    let failed = store.record_dlr(b, 16, DlrEffect::Failed, at).await;
    assert_eq!(failed.expect("store"), DlrRecorded::Applied);
    assert_eq!(state_of(&store, b).await.state, NotificationState::Failed);

    let unknown = store.record_dlr(9999, 1, DlrEffect::Delivered, at).await;
    assert_eq!(unknown.expect_err("an error").kind(), ErrorKind::NotFound);
}

async fn the_hourly_count_sees_only_the_last_hour_of_one_channel(store: Store) {
    let u = user(&store, "gus").await;
    for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
        let at = t0() + Duration::minutes(30 * i64::try_from(i).expect("store"));
        notify(&store, u, key, false, at).await;
        for n in claim(&store, "w1", at).await {
            store.mark_sent(n.id, "w1", None, at).await.expect("store");
        }
    }
    let now = t0() + Duration::minutes(70);
    let recent = store
        .sent_in_last_hour(u.get(), Channel::Sms, now)
        .await
        .expect("store");
    assert_eq!(recent.count, 2);
    assert_eq!(recent.oldest, Some(t0() + Duration::minutes(30)));
    let listed = store
        .notifications(Some(NotificationState::Sent), 100)
        .await
        .expect("store");
    assert_eq!(listed.len(), 6);
    assert!(listed.windows(2).all(|w| w[0].id > w[1].id));
}

/// A preference replaces the default channels of its kind; `[]` silences the kind; clearing it
/// brings the default back. Bad input changes nothing.
async fn preferences_choose_the_channels_of_a_kind(store: Store) {
    let u = user(&store, "bea").await;
    let assigned = NotificationKind::Assigned;
    store
        .set_notification_pref(u, assigned, Some(&[Channel::Sms]))
        .await
        .expect("set");
    assert_eq!(notify(&store, u, "p1", false, t0()).await, 1);
    let rows = claim(&store, "w", t0()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].channel, Channel::Sms, "{rows:?}");

    store
        .set_notification_pref(u, assigned, Some(&[]))
        .await
        .expect("silence");
    assert_eq!(notify(&store, u, "p2", false, t0()).await, 0);

    // An unknown channel cannot reach the store: it is refused where it is parsed.
    let bad = "pigeon".parse::<Channel>().expect_err("an unknown channel");
    assert_eq!(bad.field(), "channel");
    assert_eq!(
        store.notification_prefs(u).await.expect("read"),
        vec![(assigned, vec![])]
    );

    store
        .set_notification_pref(u, assigned, None)
        .await
        .expect("clear");
    assert_eq!(notify(&store, u, "p3", false, t0()).await, 2);
}

/// The close is stored as `verified`, the name it had before kinds were typed; a preference
/// set for it is found by the routing, and rows read back as the close.
async fn a_preference_for_the_close_applies_to_the_close(store: Store) {
    let u = user(&store, "cy").await;
    let closed = NotificationKind::Closed;
    assert_eq!(
        notify_of(&store, closed, u, "c1", false, t0()).await,
        1,
        "email only by default"
    );
    store
        .set_notification_pref(
            u,
            closed,
            Some(&[Channel::Email, Channel::Sms, Channel::Sms]),
        )
        .await
        .expect("set");
    assert_eq!(
        store.notification_prefs(u).await.expect("read"),
        vec![(closed, vec![Channel::Email, Channel::Sms])]
    );
    assert_eq!(notify_of(&store, closed, u, "c2", false, t0()).await, 2);
    let rows = claim(&store, "w", t0()).await;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|n| n.kind == closed), "{rows:?}");
}

both!(
    preferences_choose_the_channels_of_a_kind,
    a_preference_for_the_close_applies_to_the_close,
    claims_take_due_rows_urgent_first_once_each_and_count_an_attempt,
    only_the_lease_owner_records_an_outcome,
    messages_marked_sent_at_once_are_each_answered_for_their_own_lease,
    a_retry_waits_for_its_time_and_a_deferral_costs_no_attempt,
    an_expired_lease_puts_rows_back_in_line,
    operators_retry_failed_and_dead_rows_only,
    a_delivery_report_counts_once,
    the_hourly_count_sees_only_the_last_hour_of_one_channel,
);
