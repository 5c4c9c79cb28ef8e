//! Matchmaking events (`crates/app/src/chain/meetings.rs`), on SQLite and PostgreSQL: planning
//! refused in the past and bad input writing nothing, an event from invitation (the outbox) to
//! the day-before reminder (the scheduler, on a manual clock) to attendance and the weekly
//! count, and scope (someone else's event is not found; cancellation tells the invitees).

mod common;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use gridloop_app::chain::meetings::{self, PlanInput};
use gridloop_app::chain::positions::{self, PositionInput};
use gridloop_app::clock::{Clock, ManualClock};
use gridloop_app::settings::Settings;
use gridloop_app::{calendars, AppError, AppState};
use gridloop_core::chain::MeetingStatus;
use gridloop_core::locale::Locale;
use gridloop_core::{Actor, EnterpriseId, NotificationKind, Role, Workflow};
use gridloop_scheduler::{Scheduler, SchedulerConfig};
use gridloop_store::{NewUser, Notification, Store};

struct Park {
    state: AppState,
    clock: Arc<ManualClock>,
    admin: Actor,
    /// Commissioner of grid A.
    walker: Actor,
    /// Commissioner of grid B.
    visitor: Actor,
    /// The recycler's own user (with an email address).
    recycler_user: Actor,
    /// An 铝加工 firm in grid A.
    rolling: EnterpriseId,
    /// A 再生铝 firm in grid B, with offcuts among its materials.
    recycler: EnterpriseId,
    /// A smelter in grid B, sharing nothing with the theme.
    smelter: EnterpriseId,
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("instant")
}

async fn park(store: &Store) -> Park {
    // 2026-12-06 10:00 in Shanghai.
    let (state, clock) = common::app_at(store, at(2026, 12, 6, 2, 0)).await;
    let layout = common::ChainPark {
        grids: &["g-a", "g-b"],
        enterprises: &[("渝铝型材", 0), ("再生金属", 1), ("电解铝厂", 1)],
    };
    let (_, firms) = layout
        .create(store, |grids, firms| {
            let user = common::new_user;
            vec![
                user("admin", vec![Role::Admin]),
                NewUser {
                    grids: vec![grids[0]],
                    ..user("walker", vec![Role::Commissioner])
                },
                NewUser {
                    grids: vec![grids[1]],
                    ..user("visitor", vec![Role::Commissioner])
                },
                NewUser {
                    enterprises: vec![firms[1]],
                    ..user("recycler", vec![Role::Enterprise])
                },
                NewUser {
                    enterprises: vec![firms[0]],
                    ..user("rolling", vec![Role::Enterprise])
                },
            ]
        })
        .await;
    let (rolling, recycler, smelter) = (firms[0], firms[1], firms[2]);
    let admin = common::actor(store, "admin").await;
    let walker = common::actor(store, "walker").await;
    let visitor = common::actor(store, "visitor").await;
    let recycler_user = common::actor(store, "recycler").await;
    common::set_demo_stages(&state, &admin).await;
    let place = |stage: &str, materials: &str| PositionInput {
        stage: Some(stage.into()),
        products: vec![],
        materials: vec![materials.into()],
        capabilities: vec![],
    };
    for (firm, stage, materials) in [
        (recycler, "recycling", "边角料,废铝"),
        (rolling, "processing", "铝棒"),
        (smelter, "smelting", "氧化铝"),
    ] {
        positions::set(&state, &admin, firm, &place(stage, materials))
            .await
            .expect("position");
    }
    Park {
        state,
        clock,
        admin,
        walker,
        visitor,
        recycler_user,
        rolling,
        recycler,
        smelter,
    }
}

fn plan_input(date: &str) -> PlanInput {
    PlanInput {
        date: date.into(),
        time: "14:00".into(),
        place: "园区服务中心二楼会议室".into(),
        theme: "铝边角料回收与再生合金对接会".into(),
        capacity: "40".into(),
        stages: vec!["recycling".into()],
        tags: vec!["边角料".into()],
        grid: None,
    }
}

async fn count(park: &Park) -> usize {
    meetings::list(&park.state, Some(&park.admin), None, None, None)
        .await
        .expect("list")
        .items
        .len()
}

async fn outbox(store: &Store, kind: NotificationKind) -> Vec<Notification> {
    store
        .notifications(None, 10_000)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|n| n.kind == kind)
        .collect()
}

fn fields(e: &AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(errors) => errors.iter().map(|e| e.field()).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn planning_is_refused_in_the_past_and_bad_input_writes_nothing(store: &Store) {
    let park = park(store).await;
    // Today (the park's 6 December) and before are refused: an event is never planned in the past.
    for day in ["2026-12-06", "2026-12-05", "2025-01-01"] {
        let e = meetings::plan(&park.state, &park.admin, &plan_input(day))
            .await
            .expect_err("past");
        assert_eq!(fields(&e), ["date"]);
    }
    // More than two years ahead.
    let e = meetings::plan(&park.state, &park.admin, &plan_input("2028-12-07"))
        .await
        .expect_err("too far");
    assert_eq!(fields(&e), ["date"]);
    // Every bad field at once: a time, a place on two lines, a blank theme, a capacity, a stage.
    let bad = PlanInput {
        time: "25:00".into(),
        place: "一楼\n二楼".into(),
        theme: "  ".into(),
        capacity: "501".into(),
        stages: vec!["nowhere".into()],
        ..plan_input("2026-12-10")
    };
    let e = meetings::plan(&park.state, &park.admin, &bad)
        .await
        .expect_err("bad");
    assert_eq!(fields(&e), ["time", "place", "theme", "capacity", "stages"]);
    // A commissioner plans for a grid of theirs only.
    let other_grid = PlanInput {
        grid: Some(park.visitor.grids[0].to_string()),
        ..plan_input("2026-12-10")
    };
    let e = meetings::plan(&park.state, &park.walker, &other_grid)
        .await
        .expect_err("another grid");
    assert_eq!(fields(&e), ["grid"]);
    // An enterprise's user plans nothing.
    let e = meetings::plan(&park.state, &park.recycler_user, &plan_input("2026-12-10"))
        .await
        .expect_err("not permitted");
    assert!(matches!(e, AppError::NotPermitted { .. }));
    assert_eq!(count(&park).await, 0);
    // Tomorrow is fine; a commissioner's event is for their grid.
    let planned = meetings::plan(&park.state, &park.walker, &plan_input("2026-12-07"))
        .await
        .expect("tomorrow");
    assert_eq!(planned.status, MeetingStatus::Planned);
    assert_eq!(planned.grid, Some(park.walker.grids[0]));
    assert_eq!(planned.starts_at.at(), at(2026, 12, 7, 6, 0));
    assert_eq!(count(&park).await, 1);
}

async fn an_event_goes_from_invitation_to_reminder_to_attendance(store: &Store) {
    let park = park(store).await;
    let meeting = meetings::plan(&park.state, &park.admin, &plan_input("2026-12-10"))
        .await
        .expect("plan");
    let id = meeting.id;
    // The recycler (in the target stage, sharing 边角料) comes first, with its reason; the
    // smelter shares nothing and is far upstream.
    let suggested = meetings::suggest(&park.state, &park.admin, id, None, Locale::En)
        .await
        .expect("suggest");
    assert_eq!(suggested[0].enterprise, park.recycler);
    assert_eq!(
        suggested[0].explanation,
        "in target stage 再生铝; both mention 边角料, 再生"
    );
    assert!(suggested.iter().all(|s| s.enterprise != park.smelter));
    // Bad invitations write nothing.
    let e = meetings::invite(&park.state, &park.admin, id, &["x".into(), "999".into()])
        .await
        .expect_err("bad ids");
    assert_eq!(fields(&e), ["enterprises", "enterprises"]);
    let view = meetings::invite(
        &park.state,
        &park.admin,
        id,
        &[format!("{},{}", park.recycler, park.rolling)],
    )
    .await
    .expect("invite");
    assert_eq!(view.invitations.len(), 2);
    assert!(view.invitations.iter().all(|i| i.notified_at.is_none()));
    // Sent: each invitee's users get an email through the outbox, once.
    let sent = meetings::send(&park.state, &park.admin, id)
        .await
        .expect("send");
    assert_eq!(sent.enterprises.len(), 2);
    assert_eq!(sent.notifications, 2);
    let rows = outbox(store, NotificationKind::MeetingInvitation).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].params["meeting"]["theme"],
        "铝边角料回收与再生合金对接会"
    );
    // What the row holds is what the template reads (`delivery::notice` takes it whole).
    let notice: gridloop_notifier::template::Notice =
        serde_json::from_value(rows[0].params.clone()).expect("a notice");
    let facts = notice.meeting.expect("the meeting's facts");
    assert_eq!(facts.starts_at, at(2026, 12, 10, 6, 0));
    assert_eq!(facts.place, "园区服务中心二楼会议室");
    let again = meetings::send(&park.state, &park.admin, id)
        .await
        .expect("send again");
    assert_eq!(again.notifications, 0);
    // Attendance waits for the day.
    let e = meetings::attend(
        &park.state,
        &park.admin,
        id,
        &park.recycler.to_string(),
        true,
    )
    .await
    .expect_err("too early");
    assert_eq!(fields(&e), ["today"]);
    // The reminder is a job due the day before: nothing before, one per invitee after.
    let dyn_clock: Arc<dyn Clock> = park.clock.clone();
    let mut scheduler =
        Scheduler::new(store.clone(), dyn_clock, "test", SchedulerConfig::default());
    gridloop_scheduler::meetings::register(&mut scheduler);
    park.clock.set(at(2026, 12, 9, 5, 0));
    scheduler.tick().await.expect("tick");
    assert!(outbox(store, NotificationKind::MeetingReminder)
        .await
        .is_empty());
    park.clock.set(at(2026, 12, 9, 6, 1));
    scheduler.tick().await.expect("tick");
    assert_eq!(
        outbox(store, NotificationKind::MeetingReminder).await.len(),
        2
    );
    // On the day: attendance of invitees only.
    park.clock.set(at(2026, 12, 10, 8, 0));
    meetings::attend(
        &park.state,
        &park.admin,
        id,
        &park.recycler.to_string(),
        true,
    )
    .await
    .expect("came");
    meetings::attend(
        &park.state,
        &park.admin,
        id,
        &park.rolling.to_string(),
        false,
    )
    .await
    .expect("did not come");
    let e = meetings::attend(
        &park.state,
        &park.admin,
        id,
        &park.smelter.to_string(),
        true,
    )
    .await
    .expect_err("not invited");
    assert_eq!(fields(&e), ["enterprise"]);
    let held = meetings::hold(&park.state, &park.admin, id)
        .await
        .expect("hold");
    assert_eq!(held.status, MeetingStatus::Held);
    assert_eq!((held.invited, held.notified, held.attended), (2, 2, 1));
    let e = meetings::cancel(&park.state, &park.admin, id, None)
        .await
        .expect_err("held already");
    assert_eq!(fields(&e), ["status"]);
    // The weekly report's count, against what was recorded.
    let week = store
        .meetings_held_between(at(2026, 12, 6, 16, 0), at(2026, 12, 13, 16, 0))
        .await
        .expect("count");
    assert_eq!((week.held, week.invited, week.attended), (1, 2, 1));
    assert_eq!(week.by_grid_and_stage.len(), 2);
    let before = store
        .meetings_held_between(at(2026, 11, 29, 16, 0), at(2026, 12, 6, 16, 0))
        .await
        .expect("count");
    assert_eq!(before.held, 0);
}

async fn someone_elses_event_is_not_found_and_cancelling_tells_the_invitees(store: &Store) {
    let park = park(store).await;
    // The walker's event, for grid A.
    let theirs = meetings::plan(&park.state, &park.walker, &plan_input("2026-12-10"))
        .await
        .expect("plan");
    for e in [
        meetings::get(&park.state, Some(&park.visitor), theirs.id)
            .await
            .map(|_| ())
            .expect_err("visitor"),
        meetings::get(&park.state, Some(&park.recycler_user), theirs.id)
            .await
            .map(|_| ())
            .expect_err("enterprise"),
        meetings::invite(
            &park.state,
            &park.visitor,
            theirs.id,
            &[park.recycler.to_string()],
        )
        .await
        .map(|_| ())
        .expect_err("visitor invites"),
    ] {
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
    }
    let listed = meetings::list(&park.state, Some(&park.visitor), None, None, None)
        .await
        .expect("list");
    assert!(listed.items.is_empty());
    // The walker invites only enterprises of grid A.
    let e = meetings::invite(
        &park.state,
        &park.walker,
        theirs.id,
        &[park.recycler.to_string()],
    )
    .await
    .expect_err("another grid");
    assert_eq!(fields(&e), ["enterprises"]);
    // A park-wide event: the recycler's user sees it once invited; cancelling tells it.
    let park_wide = meetings::plan(&park.state, &park.admin, &plan_input("2026-12-11"))
        .await
        .expect("plan");
    assert!(
        meetings::get(&park.state, Some(&park.recycler_user), park_wide.id)
            .await
            .is_err()
    );
    meetings::get(&park.state, Some(&park.visitor), park_wide.id)
        .await
        .expect("staff see park-wide events");
    // A commissioner sees it but does not run it: the refusal names who does, not the
    // commissioner's own role.
    let e = meetings::invite(
        &park.state,
        &park.visitor,
        park_wide.id,
        &[park.recycler.to_string()],
    )
    .await
    .map(|_| ())
    .expect_err("only the overseers run a park-wide event");
    assert!(
        matches!(&e, AppError::NotPermitted { roles, .. } if *roles == [Role::Dispatcher, Role::Admin]),
        "{e:?}"
    );
    assert!(!e.to_string().contains("commissioner"), "{e}");
    meetings::invite(
        &park.state,
        &park.admin,
        park_wide.id,
        &[park.recycler.to_string()],
    )
    .await
    .expect("invite");
    meetings::send(&park.state, &park.admin, park_wide.id)
        .await
        .expect("send");
    meetings::get(&park.state, Some(&park.recycler_user), park_wide.id)
        .await
        .expect("the invitee sees it");
    // Holding before the day is refused, and a reason too long writes nothing.
    let e = meetings::hold(&park.state, &park.admin, park_wide.id)
        .await
        .expect_err("too early");
    assert_eq!(fields(&e), ["today"]);
    let e = meetings::cancel(
        &park.state,
        &park.admin,
        park_wide.id,
        Some(&"长".repeat(1001)),
    )
    .await
    .expect_err("too long");
    assert_eq!(fields(&e), ["reason"]);
    let cancelled = meetings::cancel(&park.state, &park.admin, park_wide.id, Some("会场检修"))
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, MeetingStatus::Cancelled);
    let rows = outbox(store, NotificationKind::MeetingCancelled).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].params["reason"], "会场检修");
    let e = meetings::send(&park.state, &park.admin, park_wide.id)
        .await
        .expect_err("cancelled");
    assert_eq!(fields(&e), ["status"]);
}

async fn the_demo_has_two_meetings_held_and_one_ahead_and_seeds_them_once(store: &Store) {
    // A Monday morning, as a newcomer would first open the demo.
    let now = at(2026, 12, 7, 1, 30);
    let settings = Settings::defaults();
    let calendar = calendars::load_stored(store, &settings.calendar, now)
        .await
        .expect("calendar");
    gridloop_app::demo::seed(store, &gridloop_app::demo::park::reference_park(), now)
        .await
        .expect("park");
    let workflow = Workflow::new(calendar);
    let seeded = gridloop_app::demo::meetings::seed(store, workflow.clone(), &settings, now)
        .await
        .expect("meetings");
    assert!(!seeded.already_present);
    assert_eq!((seeded.held, seeded.planned), (2, 1));
    assert_eq!(
        seeded.matches_made, 2,
        "one match made at each meeting held"
    );
    let all = store
        .meetings(&gridloop_store::MeetingFilter::default(), 10, None)
        .await
        .expect("list")
        .items;
    let biggest = all.iter().map(|m| m.invited).max().unwrap_or(0);
    assert!((40..50).contains(&biggest), "{biggest} invited");
    let held: Vec<_> = all
        .iter()
        .filter(|m| m.status == MeetingStatus::Held)
        .collect();
    assert_eq!(held.len(), 2);
    assert!(held
        .iter()
        .all(|m| m.starts_at.at() < now && m.attended > 0));
    assert!(all
        .iter()
        .any(|m| m.status == MeetingStatus::Planned && m.starts_at.at() > now));
    // The weekly count sees the held ones in the last five weeks.
    let weeks = store
        .meetings_held_between(now - chrono::Duration::weeks(5), now)
        .await
        .expect("count");
    assert_eq!(weeks.held, 2);
    assert_eq!(weeks.attended as usize, seeded.attended);
    let again = gridloop_app::demo::meetings::seed(store, workflow, &settings, now)
        .await
        .expect("again");
    assert!(again.already_present);
    assert_eq!(
        store
            .meetings(&gridloop_store::MeetingFilter::default(), 10, None)
            .await
            .expect("list")
            .items
            .len(),
        3
    );
}

macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let scratch = crate::common::Scratch::new(stringify!($name)).await;
                    super::$name(&scratch.store).await;
                    scratch.remove().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(scratch) = crate::common::PgScratch::new("meet").await else {
                        return;
                    };
                    super::$name(&scratch.store).await;
                    scratch.remove().await;
                }
            )+
        }
    };
}

on_both!(
    planning_is_refused_in_the_past_and_bad_input_writes_nothing,
    an_event_goes_from_invitation_to_reminder_to_attendance,
    someone_elses_event_is_not_found_and_cancelling_tells_the_invitees,
    the_demo_has_two_meetings_held_and_one_ahead_and_seeds_them_once,
);
