//! Web sign-in (`crates/store/src/sessions.rs`, `sign_in_attempts.rs`): password hashes,
//! browser sessions and the sign-in throttle's counts, on both backends. The harness is the
//! conformance suite's, in `common/mod.rs`.

mod common;

use chrono::Duration;
use common::{both, login, name, t0};
use gridloop_core::Role;
use gridloop_store::{
    NewUser, SignInAttempt, SignInFailures, SignInKey, SignInLimit, SignInLimits, Store, User,
    UserPatch,
};

async fn user(store: &Store, login_name: &str, roles: Vec<Role>) -> User {
    store
        .create_user(NewUser {
            login: login(login_name),
            name: name(login_name),
            phone: None,
            email: None,
            locale: "zh-CN".to_owned(),
            roles,
            posts: vec![],
            units: vec![],
            grids: vec![],
            enterprises: vec![],
        })
        .await
        .expect("create user")
}

const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

async fn a_password_hash_is_found_by_login_only_for_an_active_user_who_has_one(store: Store) {
    let admin = user(&store, "admin", vec![Role::Admin]).await;
    let walker = user(&store, "post01", vec![Role::PostMember]).await;
    assert_eq!(
        store.password_hash(&login("post01")).await.expect("read"),
        None,
        "no password yet"
    );
    store
        .set_password_hash(walker.id, Some(PHC))
        .await
        .expect("set");
    assert_eq!(
        store.password_hash(&login("post01")).await.expect("read"),
        Some((walker.id, PHC.to_owned()))
    );
    assert_eq!(
        store.password_hash(&login("nobody")).await.expect("read"),
        None
    );
    store
        .update_user(
            walker.id,
            UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
        )
        .await
        .expect("deactivate");
    assert_eq!(
        store.password_hash(&login("post01")).await.expect("read"),
        None,
        "an inactive user cannot sign in"
    );
    let missing = gridloop_core::UserId::new(admin.id.get() + 100).expect("id");
    let err = store
        .set_password_hash(missing, Some(PHC))
        .await
        .expect_err("unknown user");
    assert_eq!(err.kind(), gridloop_store::ErrorKind::NotFound);
}

async fn a_session_lives_until_idle_or_its_absolute_end_and_ends_when_deleted(store: Store) {
    let walker = user(&store, "post01", vec![Role::PostMember]).await;
    let idle = Duration::hours(8);
    let start = t0();
    let session = store
        .create_session(walker.id, "hash-a", start, start + Duration::days(30))
        .await
        .expect("create");
    assert_eq!(session.user, walker.id);
    let at = |d: Duration| start + d;

    let (found, holder, actor) = store
        .session_holder(
            "hash-a",
            at(Duration::hours(1)),
            at(Duration::hours(1)) - idle,
        )
        .await
        .expect("read")
        .expect("live");
    assert_eq!(found.id, session.id);
    assert_eq!(holder.id, walker.id);
    assert_eq!(actor.roles, vec![Role::PostMember]);
    assert!(store
        .session_holder("other", start, start - idle)
        .await
        .expect("read")
        .is_none());

    // Unused for longer than the idle time: refused.
    let late = at(Duration::hours(9));
    assert!(store
        .session_holder("hash-a", late, late - idle)
        .await
        .expect("read")
        .is_none());
    // Used in between: still live, and the use moved the idle clock.
    store
        .touch_session("hash-a", at(Duration::hours(7)))
        .await
        .expect("touch");
    store
        .touch_session("hash-a", at(Duration::hours(2)))
        .await
        .expect("touch never moves backwards");
    assert!(store
        .session_holder("hash-a", late, late - idle)
        .await
        .expect("read")
        .is_some());
    // Past the absolute end, however busy: refused.
    let end = at(Duration::days(30));
    store.touch_session("hash-a", end).await.expect("touch");
    assert!(store
        .session_holder("hash-a", end, end - idle)
        .await
        .expect("read")
        .is_none());

    assert!(store.delete_session("hash-a").await.expect("delete"));
    assert!(!store.delete_session("hash-a").await.expect("again"));
    assert!(store.sessions(walker.id).await.expect("list").is_empty());
}

async fn a_new_password_and_pruning_end_sessions(store: Store) {
    let walker = user(&store, "post01", vec![Role::PostMember]).await;
    let other = user(&store, "post02", vec![Role::PostMember]).await;
    let start = t0();
    let month = start + Duration::days(30);
    for (who, hash) in [(walker.id, "w1"), (walker.id, "w2"), (other.id, "o1")] {
        store
            .create_session(who, hash, start, month)
            .await
            .expect("create");
    }
    store
        .set_password_hash(walker.id, Some(PHC))
        .await
        .expect("set");
    assert!(
        store.sessions(walker.id).await.expect("list").is_empty(),
        "a new password signs everyone out"
    );
    assert_eq!(store.sessions(other.id).await.expect("list").len(), 1);

    store
        .create_session(other.id, "o2", start + Duration::hours(5), month)
        .await
        .expect("create");
    let pruned = store
        .prune_sessions(start + Duration::hours(6), start + Duration::hours(1))
        .await
        .expect("prune");
    assert_eq!(pruned, 1, "only the idle one");
    let left = store.sessions(other.id).await.expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].last_seen_at, start + Duration::hours(5));
}

async fn a_deactivated_user_has_no_live_session(store: Store) {
    // The last admin cannot be deactivated; the walker is not the last.
    user(&store, "admin", vec![Role::Admin]).await;
    let walker = user(&store, "post01", vec![Role::PostMember]).await;
    let start = t0();
    store
        .create_session(walker.id, "h", start, start + Duration::days(1))
        .await
        .expect("create");
    store
        .update_user(
            walker.id,
            UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
        )
        .await
        .expect("deactivate");
    assert!(store
        .session_holder("h", start, start - Duration::hours(1))
        .await
        .expect("read")
        .is_none());
}

// ---------------------------------------------------------------------------------------------
// The sign-in throttle's counts

/// Five free failures per login at an address, thirty per address; 30 s doubling up to 15 min;
/// forgotten after an hour.
fn limits() -> SignInLimits {
    SignInLimits::new(
        SignInLimit::new(5, Duration::seconds(30), Duration::minutes(15)),
        SignInLimit::new(30, Duration::seconds(30), Duration::minutes(15)),
        Duration::hours(1),
    )
}

fn key(address: &str, login: &str) -> SignInKey {
    SignInKey::new(Some(address.parse().expect("an address")), login)
}

async fn failures(
    store: &Store,
    key: &SignInKey,
    now: chrono::DateTime<chrono::Utc>,
) -> SignInFailures {
    store
        .sign_in_failures(key, &limits(), now)
        .await
        .expect("read the counts")
}

async fn forty_parallel_tries_at_one_login_let_exactly_the_free_failures_through(store: Store) {
    let now = t0();
    let tries = (0..40).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .sign_in_attempt(&key("192.0.2.1", "post01"), &limits(), now)
                .await
                .expect("decide")
        })
    });
    let mut through = 0;
    let mut refused = 0;
    for decided in futures_join(tries).await {
        match decided {
            SignInAttempt::LetThrough => through += 1,
            SignInAttempt::Refused { until } => {
                assert_eq!(until, now + Duration::seconds(30), "the first delay");
                refused += 1;
            }
        }
    }
    assert_eq!((through, refused), (5, 35));
    assert_eq!(
        failures(&store, &key("192.0.2.1", "post01"), now).await,
        SignInFailures {
            at_address: 5,
            for_login: 5
        },
        "refused tries record nothing"
    );
}

/// Awaits every task, in order.
async fn futures_join<T: Send + 'static>(
    tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await.expect("task"));
    }
    out
}

async fn waits_double_after_the_free_failures_and_a_success_clears_the_login(store: Store) {
    let walker = key("192.0.2.1", "post01");
    let mut now = t0();
    for _ in 0..5 {
        let decided = store
            .sign_in_attempt(&walker, &limits(), now)
            .await
            .expect("decide");
        assert_eq!(decided, SignInAttempt::LetThrough);
    }
    for wait in [30, 60, 120, 240, 480, 900, 900] {
        let until = now + Duration::seconds(wait);
        assert_eq!(
            store
                .sign_in_attempt(&walker, &limits(), now)
                .await
                .expect("decide"),
            SignInAttempt::Refused { until },
            "a wait of {wait} s"
        );
        let almost = until - Duration::milliseconds(1);
        assert_eq!(
            store
                .sign_in_attempt(&walker, &limits(), almost)
                .await
                .expect("decide"),
            SignInAttempt::Refused { until }
        );
        now = until;
        assert_eq!(
            store
                .sign_in_attempt(&walker, &limits(), now)
                .await
                .expect("decide"),
            SignInAttempt::LetThrough,
            "let through once the wait of {wait} s is over"
        );
    }
    assert_eq!(
        failures(&store, &walker, now).await,
        SignInFailures {
            at_address: 12,
            for_login: 12
        }
    );
    // Another login from the same address, and the same login from elsewhere, are not held.
    let other = key("192.0.2.1", "post02");
    assert_eq!(
        store
            .sign_in_attempt(&other, &limits(), now)
            .await
            .expect("decide"),
        SignInAttempt::LetThrough
    );
    let elsewhere = key("198.51.100.7", "post01");
    assert_eq!(
        store
            .sign_in_attempt(&elsewhere, &limits(), now)
            .await
            .expect("decide"),
        SignInAttempt::LetThrough
    );
    // The owner waits out the delay, signs in, and starts afresh.
    now += Duration::minutes(15);
    assert_eq!(
        store
            .sign_in_attempt(&walker, &limits(), now)
            .await
            .expect("decide"),
        SignInAttempt::LetThrough
    );
    store.sign_in_succeeded(&walker).await.expect("success");
    assert_eq!(
        failures(&store, &walker, now).await,
        SignInFailures {
            at_address: 13,
            for_login: 0
        },
        "the login's count is cleared; the address keeps only real failures"
    );
    assert_eq!(
        store
            .sign_in_attempt(&walker, &limits(), now)
            .await
            .expect("decide"),
        SignInAttempt::LetThrough
    );
    store.sign_in_unchecked(&walker).await.expect("unchecked");
    assert_eq!(
        failures(&store, &walker, now).await,
        SignInFailures {
            at_address: 13,
            for_login: 0
        },
        "a try that checked no password is taken back from both counts"
    );
}

/// Concurrent tries reach the writer in any order: a free try whose instant is a little before
/// the count's last one is let through, not refused for those milliseconds.
async fn a_free_try_that_arrives_after_a_later_one_is_let_through(store: Store) {
    let now = t0();
    let later = now + Duration::milliseconds(3);
    let walker = key("192.0.2.7", "post01");
    for (at, what) in [
        (later, "the later try first"),
        (now, "then the earlier one"),
    ] {
        assert_eq!(
            store
                .sign_in_attempt(&walker, &limits(), at)
                .await
                .expect("decide"),
            SignInAttempt::LetThrough,
            "{what}"
        );
    }
    assert_eq!(
        failures(&store, &walker, later).await,
        SignInFailures {
            at_address: 2,
            for_login: 2
        }
    );
}

async fn an_address_is_held_after_its_free_failures_whatever_the_login(store: Store) {
    let now = t0();
    for n in 0..30 {
        let decided = store
            .sign_in_attempt(&key("2001:db8:1:2::1", &format!("user{n}")), &limits(), now)
            .await
            .expect("decide");
        assert_eq!(decided, SignInAttempt::LetThrough, "try {n}");
    }
    // Another address in the same /64 is the same address.
    let next = key("2001:db8:1:2:ffff::9", "post01");
    assert_eq!(
        store
            .sign_in_attempt(&next, &limits(), now)
            .await
            .expect("decide"),
        SignInAttempt::Refused {
            until: now + Duration::seconds(30)
        }
    );
    assert_eq!(
        failures(&store, &next, now).await,
        SignInFailures {
            at_address: 30,
            for_login: 0
        },
        "the refused try left no count for its login"
    );
    let other_net = key("2001:db8:1:3::1", "post01");
    assert_eq!(
        store
            .sign_in_attempt(&other_net, &limits(), now)
            .await
            .expect("decide"),
        SignInAttempt::LetThrough
    );
}

async fn counts_go_only_once_forgotten_and_no_volume_evicts_one(store: Store) {
    let now = t0();
    let target = key("192.0.2.1", "post01");
    for _ in 0..5 {
        store
            .sign_in_attempt(&target, &limits(), now)
            .await
            .expect("decide");
    }
    // A flood of other counts: many addresses, many logins, garbage.
    let mut tx_keys = Vec::new();
    for n in 0..1500u32 {
        let address = format!("10.{}.{}.{}", n / 65536, (n / 256) % 256, n % 256);
        let login = if n % 2 == 0 {
            format!("ghost{n}")
        } else {
            "x".repeat(2000)
        };
        tx_keys.push(key(&address, &login));
    }
    for k in &tx_keys {
        store
            .sign_in_attempt(k, &limits(), now)
            .await
            .expect("decide");
    }
    assert_eq!(
        store.sign_in_attempt_rows().await.expect("rows"),
        2 + 1500 * 2
    );
    assert_eq!(
        store
            .prune_sign_in_attempts(&limits(), now + Duration::minutes(59))
            .await
            .expect("prune"),
        0,
        "nothing is forgotten within the window"
    );
    assert!(matches!(
        store
            .sign_in_attempt(&target, &limits(), now)
            .await
            .expect("decide"),
        SignInAttempt::Refused { .. }
    ));
    // A try on the target later keeps its count alive past the others'.
    let later = now + Duration::minutes(30);
    assert_eq!(
        store
            .sign_in_attempt(&target, &limits(), later)
            .await
            .expect("decide"),
        SignInAttempt::LetThrough
    );
    let pruned = store
        .prune_sign_in_attempts(&limits(), now + Duration::hours(1))
        .await
        .expect("prune");
    assert_eq!(pruned, 1500 * 2, "the flood's counts, forgotten, go");
    assert_eq!(
        failures(&store, &target, later).await,
        SignInFailures {
            at_address: 6,
            for_login: 6
        }
    );
    // Once forgotten, a count starts again from nothing.
    let much_later = later + Duration::hours(1);
    assert_eq!(
        failures(&store, &target, much_later).await,
        SignInFailures::default()
    );
    assert_eq!(
        store
            .sign_in_attempt(&target, &limits(), much_later)
            .await
            .expect("decide"),
        SignInAttempt::LetThrough
    );
    assert_eq!(
        failures(&store, &target, much_later).await,
        SignInFailures {
            at_address: 1,
            for_login: 1
        }
    );
}

/// An import's upload waits in the database for its confirmation (any instance may take it):
/// taken once, by its admin only, one per admin, and not after it has expired.
async fn an_import_upload_is_taken_once_by_its_admin_only_and_not_once_expired(store: Store) {
    use gridloop_store::KeptUpload;
    let admin = user(&store, "admin", vec![Role::Admin]).await;
    let other = user(&store, "admin2", vec![Role::Admin]).await;
    let kept = |key: char, bytes: &[u8]| KeptUpload {
        key: key.to_string().repeat(64),
        user: admin.id,
        name: "园区.xlsx".to_owned(),
        bytes: bytes.to_vec(),
    };
    let (now, expired_before) = (t0(), t0() - Duration::minutes(15));
    store
        .keep_upload(kept('a', b"first"), now, expired_before)
        .await
        .expect("keep");
    let a = "a".repeat(64);
    assert_eq!(
        store
            .take_upload(&a, other.id, expired_before)
            .await
            .expect("take"),
        None,
        "someone else's upload"
    );
    // A second upload replaces the first: an admin confirms what they saw last.
    store
        .keep_upload(kept('b', b"second"), now, expired_before)
        .await
        .expect("keep");
    assert_eq!(
        store
            .take_upload(&a, admin.id, expired_before)
            .await
            .expect("take"),
        None
    );
    let b = "b".repeat(64);
    assert_eq!(
        store
            .take_upload(&b, admin.id, expired_before)
            .await
            .expect("take"),
        Some(("园区.xlsx".to_owned(), b"second".to_vec()))
    );
    assert_eq!(
        store
            .take_upload(&b, admin.id, expired_before)
            .await
            .expect("take"),
        None,
        "taken once"
    );
    store
        .keep_upload(kept('c', b"late"), now, expired_before)
        .await
        .expect("keep");
    // Fifteen minutes and a second later, the cut-off is a second after it was kept.
    let expired_before = now + Duration::seconds(1);
    assert_eq!(
        store
            .take_upload(&"c".repeat(64), admin.id, expired_before)
            .await
            .expect("take"),
        None,
        "expired"
    );
}

both!(
    worker_threads = 2;
    a_password_hash_is_found_by_login_only_for_an_active_user_who_has_one,
    a_session_lives_until_idle_or_its_absolute_end_and_ends_when_deleted,
    a_new_password_and_pruning_end_sessions,
    a_deactivated_user_has_no_live_session,
    an_import_upload_is_taken_once_by_its_admin_only_and_not_once_expired,
    forty_parallel_tries_at_one_login_let_exactly_the_free_failures_through,
    waits_double_after_the_free_failures_and_a_success_clears_the_login,
    an_address_is_held_after_its_free_failures_whatever_the_login,
    a_free_try_that_arrives_after_a_later_one_is_let_through,
    counts_go_only_once_forgotten_and_no_volume_evicts_one,
);
