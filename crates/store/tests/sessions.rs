//! Web sign-in (`crates/store/src/sessions.rs`): password hashes and browser sessions, on both
//! backends. The harness is the conformance suite's, in `common/mod.rs`.

mod common;

use chrono::Duration;
use common::{both, login, name, t0};
use gridloop_core::Role;
use gridloop_store::{NewUser, Store, User, UserPatch};

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

both!(
    worker_threads = 2;
    a_password_hash_is_found_by_login_only_for_an_active_user_who_has_one,
    a_session_lives_until_idle_or_its_absolute_end_and_ends_when_deleted,
    a_new_password_and_pruning_end_sessions,
    a_deactivated_user_has_no_live_session,
);
