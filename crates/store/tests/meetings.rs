//! Matchmaking events in the store (`crates/store/src/meetings.rs`), on both backends:
//! planned with stages and tags, invited once, told once, attendance only of invitees, held or
//! cancelled once (compare-and-set), the list scoped as the app's rule says, and the weekly
//! count of those held against a direct count of the rows.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{both, code, login, name, t0, Db};
use gridloop_core::chain::{Capacity, MeetingStatus, StartsAt, Tags, TargetStages};
use gridloop_core::text::{Place, Theme};
use gridloop_core::{Actor, EnterpriseId, GridId, Role, UserId};
use gridloop_store::{MeetingFilter, NewEnterprise, NewGrid, NewMeeting, NewUser, Store};

struct Park {
    grid_a: GridId,
    firms: Vec<EnterpriseId>,
    planner: UserId,
}

async fn park(store: &Store) -> Park {
    let mut tx = store.transaction().await.expect("begin");
    let chain = tx
        .create_chain(code("aluminium"), name("铝产业链"))
        .await
        .expect("chain");
    let grid = |c: &str| NewGrid {
        code: code(c),
        name: name(c),
        chain: chain.id,
    };
    let grid_a = tx.create_grid(grid("g-a")).await.expect("grid a");
    let grid_b = tx.create_grid(grid("g-b")).await.expect("grid b");
    let mut firms = Vec::new();
    for (n, g) in [("甲", grid_a.id), ("乙", grid_a.id), ("丙", grid_b.id)] {
        let e = tx
            .create_enterprise(NewEnterprise {
                name: name(n),
                grid: g,
                address: None,
                credit_code: None,
            })
            .await
            .expect("enterprise");
        firms.push(e.id);
    }
    let planner = tx
        .create_user(NewUser {
            login: login("dispatch"),
            name: name("dispatch"),
            phone: None,
            email: None,
            locale: "zh-CN".to_owned(),
            roles: vec![Role::Dispatcher],
            posts: vec![],
            units: vec![],
            grids: vec![],
            enterprises: vec![],
        })
        .await
        .expect("user");
    tx.commit().await.expect("commit");
    Park {
        grid_a: grid_a.id,
        firms,
        planner: planner.id,
    }
}

fn new_meeting(park: &Park, starts_at: DateTime<Utc>, grid: Option<GridId>) -> NewMeeting {
    NewMeeting {
        starts_at: StartsAt::from_stored(starts_at),
        place: Place::parse("二楼会议室").expect("place"),
        theme: Theme::parse("边角料回收对接会").expect("theme"),
        capacity: Capacity::parse("40").expect("capacity"),
        grid,
        stages: TargetStages::default(),
        tags: Tags::parse("tags", ["边角料，废铝"]).expect("tags"),
        planned_by: park.planner,
        planned_at: t0(),
    }
}

async fn a_meeting_is_invited_told_attended_and_held_once(db: Db) {
    let store = &db.store;
    let park = park(store).await;
    let mut tx = store.transaction().await.expect("begin");
    let m = tx
        .plan_meeting(&new_meeting(&park, t0() + Duration::days(3), None))
        .await
        .expect("plan");
    assert_eq!(m.status, MeetingStatus::Planned);
    assert_eq!(m.tags.as_slice().len(), 2);
    let at = t0();
    assert_eq!(
        tx.invite(m.id, &park.firms[..2], park.planner, at)
            .await
            .expect("invite"),
        2
    );
    // Invited again: left as it is.
    assert_eq!(
        tx.invite(m.id, &park.firms, park.planner, at)
            .await
            .expect("invite"),
        1
    );
    assert_eq!(tx.mark_notified(m.id, at).await.expect("told").len(), 3);
    assert!(tx.mark_notified(m.id, at).await.expect("told").is_empty());
    assert!(tx
        .record_attendance(m.id, park.firms[0], true, park.planner, at)
        .await
        .expect("came"));
    assert!(tx
        .record_attendance(m.id, park.firms[1], false, park.planner, at)
        .await
        .expect("absent"));
    tx.commit().await.expect("commit");
    // Held once: the second close lost the compare-and-set, and nothing changed.
    let mut tx = store.transaction().await.expect("begin");
    let held = tx
        .close_meeting(
            m.id,
            MeetingStatus::Planned,
            MeetingStatus::Held,
            None,
            park.planner,
            at,
        )
        .await
        .expect("hold");
    assert_eq!((held.invited, held.notified, held.attended), (3, 3, 1));
    tx.commit().await.expect("commit");
    let mut tx = store.transaction().await.expect("begin");
    let e = tx
        .close_meeting(
            m.id,
            MeetingStatus::Planned,
            MeetingStatus::Cancelled,
            None,
            park.planner,
            at,
        )
        .await
        .expect_err("held already");
    assert_eq!(e.kind(), gridloop_store::ErrorKind::Invalid);
    tx.rollback().await.expect("rollback");
    let (stored, invitations) = store.meeting(m.id).await.expect("read").expect("there");
    assert_eq!(stored.status, MeetingStatus::Held);
    assert_eq!(invitations.len(), 3);
    // The weekly count against a direct count of the rows.
    let (from, to) = (t0(), t0() + Duration::days(7));
    let week = store.meetings_held_between(from, to).await.expect("count");
    let direct = raw_count(
        &db.url,
        "SELECT COUNT(*) FROM meeting_invitations i JOIN chain_meetings m ON m.id = i.meeting_id \
         WHERE m.status = 'held' AND i.attended = TRUE",
    )
    .await;
    assert_eq!(
        (week.held, week.invited, week.attended as i64),
        (1, 3, direct)
    );
    let by_grid: u32 = week
        .by_grid_and_stage
        .iter()
        .filter(|t| t.grid == park.grid_a)
        .map(|t| t.invited)
        .sum();
    assert_eq!(by_grid, 2);
    assert_eq!(
        store
            .meetings_held_between(to, to + Duration::days(7))
            .await
            .expect("count")
            .held,
        0
    );
}

/// One number from a raw query (around the store, to check it).
async fn raw_count(url: &str, sql: &str) -> i64 {
    use sqlx::Connection as _;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect");
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(&mut conn)
            .await
            .expect("count");
        n
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(&mut conn)
            .await
            .expect("count");
        n
    }
}

async fn the_list_shows_each_reader_the_meetings_in_their_sight(db: Db) {
    let store = &db.store;
    let park = park(store).await;
    let mut tx = store.transaction().await.expect("begin");
    let park_wide = tx
        .plan_meeting(&new_meeting(&park, t0() + Duration::days(3), None))
        .await
        .expect("plan");
    let of_a = tx
        .plan_meeting(&new_meeting(
            &park,
            t0() + Duration::days(4),
            Some(park.grid_a),
        ))
        .await
        .expect("plan");
    tx.invite(of_a.id, &park.firms[..1], park.planner, t0())
        .await
        .expect("invite");
    tx.commit().await.expect("commit");
    let actor = |roles: Vec<Role>, grids: Vec<GridId>, enterprises: Vec<EnterpriseId>| Actor {
        user: UserId::new(999).expect("id"),
        roles,
        grids,
        units: vec![],
        enterprises,
    };
    let ids = async |reader: Actor| -> Vec<i64> {
        let filter = MeetingFilter {
            status: None,
            visible_to: Some(reader),
        };
        let mut ids: Vec<i64> = store
            .meetings(&filter, 10, None)
            .await
            .expect("list")
            .items
            .iter()
            .map(|m| m.id.get())
            .collect();
        ids.sort();
        ids
    };
    let both_ids = vec![park_wide.id.get(), of_a.id.get()];
    assert_eq!(
        ids(actor(vec![Role::Supervisor], vec![], vec![])).await,
        both_ids
    );
    assert_eq!(
        ids(actor(vec![Role::Commissioner], vec![park.grid_a], vec![])).await,
        both_ids
    );
    // Another grid's commissioner: the park-wide one only.
    let other_grid = GridId::new(park.grid_a.get() + 1).expect("grid");
    assert_eq!(
        ids(actor(vec![Role::Commissioner], vec![other_grid], vec![])).await,
        [park_wide.id.get()]
    );
    // An enterprise's user: the one it is invited to; another enterprise's: none.
    assert_eq!(
        ids(actor(vec![Role::Enterprise], vec![], vec![park.firms[0]])).await,
        [of_a.id.get()]
    );
    assert!(
        ids(actor(vec![Role::Enterprise], vec![], vec![park.firms[2]]))
            .await
            .is_empty()
    );
}

both!(
    worker_threads = 2;
    a_meeting_is_invited_told_attended_and_held_once,
    the_list_shows_each_reader_the_meetings_in_their_sight,
);
