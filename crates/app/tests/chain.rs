//! The chain's matchmaking use cases (`crates/app/src/chain/`): who may post and see needs
//! and offers, bad input refused whole with nothing written, expiry read from the park's
//! clock, withdrawal, positions, and the offcut need's suggestions.

mod common;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use gridloop_app::chain::listings::{self, ListInput, PostInput};
use gridloop_app::chain::meetings;
use gridloop_app::chain::positions::{self, PositionInput};
use gridloop_app::chain::stages;
use gridloop_app::chain::suggest::suggest;
use gridloop_app::clock::ManualClock;
use gridloop_app::{AppError, AppState};
use gridloop_core::chain::{ListingStatus, Side, Target};
use gridloop_core::locale::Locale;
use gridloop_core::{Actor, EnterpriseId, Role};
use gridloop_store::{NewUser, Store};

struct Park {
    state: AppState,
    clock: Arc<ManualClock>,
    admin: Actor,
    /// Post member of grid A.
    walker: Actor,
    /// Commissioner of grid B.
    visitor: Actor,
    /// The recycler's own user.
    recycler_user: Actor,
    /// An 铝加工 firm in grid A.
    rolling: EnterpriseId,
    /// A 再生铝 firm in grid B.
    recycler: EnterpriseId,
}

async fn park(store: &Store) -> Park {
    let now = Utc
        .with_ymd_and_hms(2026, 12, 6, 2, 0, 0)
        .single()
        .expect("instant");
    let (state, clock) = common::app_at(store, now).await;
    let layout = common::ChainPark {
        grids: &["g-a", "g-b"],
        enterprises: &[("渝铝型材", 0), ("再生金属", 1)],
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
            ]
        })
        .await;
    let admin = common::actor(store, "admin").await;
    let walker = common::actor(store, "walker").await;
    let visitor = common::actor(store, "visitor").await;
    let recycler_user = common::actor(store, "recycler").await;
    common::set_demo_stages(&state, &admin).await;
    Park {
        state,
        clock,
        admin,
        walker,
        visitor,
        recycler_user,
        rolling: firms[0],
        recycler: firms[1],
    }
}

impl Park {
    async fn post(
        &self,
        actor: &Actor,
        side: Side,
        input: &PostInput,
    ) -> Result<gridloop_store::Listing, AppError> {
        listings::post(&self.state, actor, side, input).await
    }
}

fn need_input(enterprise: EnterpriseId) -> PostInput {
    PostInput {
        kind: "byproduct_buyer".into(),
        enterprise: enterprise.to_string(),
        title: "寻找铝边角料回收企业".into(),
        text: "每月产生型材边角料约30吨，目前低价外卖亏损，希望就近回收再生".into(),
        quantity: Some("每月约30吨".into()),
        tags: vec!["边角料，废铝".into()],
        valid_until: "2027-03-31".into(),
        visit: None,
    }
}

fn offer_input(enterprise: EnterpriseId) -> PostInput {
    PostInput {
        kind: "technology".into(),
        enterprise: enterprise.to_string(),
        title: "边角料回收再生为合金锭".into(),
        text: "可上门回收铝边角料，再生为ADC12合金锭".into(),
        quantity: None,
        tags: vec!["边角料".into(), "再生合金".into()],
        valid_until: "2027-01-31".into(),
        visit: None,
    }
}

async fn all_listings(park: &Park) -> usize {
    listings::list(&park.state, Some(&park.admin), &ListInput::default())
        .await
        .expect("list")
        .items
        .len()
}

#[tokio::test]
async fn a_listing_is_posted_for_an_enterprise_in_sight_and_bad_input_writes_nothing() {
    let scratch = common::Scratch::new("chain-post").await;
    let park = park(&scratch.store).await;
    let need = park
        .post(&park.walker, Side::Need, &need_input(park.rolling))
        .await
        .expect("post");
    assert_eq!(need.status, ListingStatus::Open);
    assert_eq!(need.tags.as_slice().len(), 2);
    // An enterprise of another grid is out of the commissioner's sight: it names nothing.
    let e = park
        .post(&park.walker, Side::Need, &need_input(park.recycler))
        .await
        .expect_err("another grid");
    assert!(matches!(&e, AppError::Invalid(errors) if errors[0].field() == "enterprise"));
    // Every bad field named at once.
    let bad = PostInput {
        kind: "scrap".into(),
        title: " ".into(),
        text: String::new(),
        valid_until: "2026-12-06".into(),
        ..need_input(park.rolling)
    };
    let e = park
        .post(&park.walker, Side::Need, &bad)
        .await
        .expect_err("bad");
    let AppError::Invalid(errors) = e else {
        panic!("expected Invalid, got {e:?}");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field()).collect();
    assert_eq!(fields, ["kind", "title", "text", "valid_until"]);
    // An admin does not post: posting is for posts, commissioners and enterprises.
    let e = park
        .post(&park.admin, Side::Need, &need_input(park.rolling))
        .await
        .expect_err("admin");
    assert!(matches!(e, AppError::NotPermitted { .. }));
    assert_eq!(all_listings(&park).await, 1);
    scratch.remove().await;
}

#[tokio::test]
async fn a_listing_reads_as_expired_after_its_date_on_the_parks_clock_and_is_withdrawn_once() {
    let scratch = common::Scratch::new("chain-expiry").await;
    let park = park(&scratch.store).await;
    let offer = park
        .post(
            &park.recycler_user,
            Side::Offer,
            &offer_input(park.recycler),
        )
        .await
        .expect("offer");
    // 2027-01-31 23:30 in Shanghai: still the last day.
    park.clock.set(
        Utc.with_ymd_and_hms(2027, 1, 31, 15, 30, 0)
            .single()
            .expect("instant"),
    );
    let read = listings::get(&park.state, Some(&park.admin), offer.id)
        .await
        .expect("get");
    assert_eq!(read.status, ListingStatus::Open);
    park.clock.advance(Duration::hours(1));
    let read = listings::get(&park.state, Some(&park.admin), offer.id)
        .await
        .expect("get");
    assert_eq!(read.status, ListingStatus::Expired);
    // The commissioner of grid A cannot see grid B's offer.
    let e = listings::get(&park.state, Some(&park.walker), offer.id)
        .await
        .expect_err("out of sight");
    assert!(matches!(e, AppError::NotFound(_)));
    let withdrawn = listings::withdraw(&park.state, &park.recycler_user, offer.id)
        .await
        .expect("withdraw");
    assert_eq!(withdrawn.status, ListingStatus::Withdrawn);
    let e = listings::withdraw(&park.state, &park.recycler_user, offer.id)
        .await
        .expect_err("twice");
    assert!(matches!(e, AppError::Invalid(_)));
    scratch.remove().await;
}

#[tokio::test]
async fn the_offcut_need_is_suggested_the_recycler_first_and_never_its_own_enterprise() {
    let scratch = common::Scratch::new("chain-suggest").await;
    let park = park(&scratch.store).await;
    let position = |stage: &str, tags: &str| PositionInput {
        stage: Some(stage.into()),
        materials: vec![tags.into()],
        ..PositionInput::default()
    };
    positions::set(
        &park.state,
        &park.visitor,
        park.recycler,
        &position("recycling", "边角料,废铝"),
    )
    .await
    .expect("recycler position");
    positions::set(
        &park.state,
        &park.walker,
        park.rolling,
        &position("processing", "铝锭"),
    )
    .await
    .expect("rolling position");
    // A commissioner sets positions only in the grids of their rounds.
    let e = positions::set(
        &park.state,
        &park.walker,
        park.recycler,
        &position("recycling", "边角料"),
    )
    .await
    .expect_err("another grid");
    assert!(matches!(e, AppError::NotFound(_)));
    let e = positions::set(
        &park.state,
        &park.admin,
        park.recycler,
        &position("mining", "边角料"),
    )
    .await
    .expect_err("no such stage");
    assert!(matches!(&e, AppError::Invalid(errors) if errors[0].field() == "stage"));

    let need = park
        .post(&park.walker, Side::Need, &need_input(park.rolling))
        .await
        .expect("need");
    let own = park
        .post(&park.walker, Side::Offer, &offer_input(park.rolling))
        .await
        .expect("own offer");
    let offer = park
        .post(
            &park.recycler_user,
            Side::Offer,
            &offer_input(park.recycler),
        )
        .await
        .expect("offer");
    let found = suggest(&park.state, Some(&park.walker), need.id, None, Locale::En)
        .await
        .expect("suggest");
    let targets: Vec<Target> = found
        .suggestions
        .iter()
        .map(|s| s.suggestion.target)
        .collect();
    // The recycler's offer speaks for it: the enterprise is not suggested a second time.
    assert_eq!(targets, [Target::Offer(offer.id)]);
    assert_eq!(found.suggestions[0].suggestion.enterprise, park.recycler);
    assert!(!targets.contains(&Target::Offer(own.id)));
    assert_eq!(
        found.suggestions[0].explanation,
        "再生铝 is downstream of 铝加工; both mention 废铝, 边角料, 再生"
    );
    assert_eq!(found.suggestions[0].label, "边角料回收再生为合金锭");
    // Suggestions are for needs.
    let e = suggest(&park.state, Some(&park.walker), own.id, None, Locale::En)
        .await
        .expect_err("an offer");
    assert!(matches!(e, AppError::Invalid(_)));
    scratch.remove().await;
}

#[tokio::test]
async fn only_admins_set_stages_and_a_listing_search_finds_chinese_without_spaces() {
    let scratch = common::Scratch::new("chain-search").await;
    let park = park(&scratch.store).await;
    let e = stages::set(&park.state, &park.walker, "aluminium", &[])
        .await
        .expect_err("not admin");
    assert!(matches!(e, AppError::NotPermitted { .. }));
    park.post(&park.walker, Side::Need, &need_input(park.rolling))
        .await
        .expect("need");
    let search = |q: &str| ListInput {
        q: Some(q.into()),
        ..ListInput::default()
    };
    let found = listings::list(&park.state, Some(&park.walker), &search("边角料"))
        .await
        .expect("search");
    assert_eq!(found.items.len(), 1);
    let found = listings::list(&park.state, Some(&park.visitor), &search("边角料"))
        .await
        .expect("search");
    assert!(found.items.is_empty(), "grid A's need is out of sight");
    let e = listings::list(&park.state, Some(&park.walker), &search("铝"))
        .await
        .expect_err("one character");
    assert!(matches!(e, AppError::Invalid(_)));
    scratch.remove().await;
}

/// The weekly report's chain section against a direct count of the listings posted in its
/// week, in total, by grid and in the trend, and a grid's report against its own.
async fn the_chain_section_of_the_weekly_report_matches_a_direct_count(store: &Store) {
    use gridloop_app::reports::{self, WeeklyRequest};
    use gridloop_core::ReportScope;
    let park = park(store).await;
    let at = |d: u32| {
        Utc.with_ymd_and_hms(2026, 11, d, 2, 0, 0)
            .single()
            .expect("instant")
    };
    // W48 (11-23 … 11-29 in Shanghai): one need, and a meeting planned for W49 with both
    // enterprises invited; W49 (11-30 … 12-06): two needs, one offer, the meeting held.
    park.clock.set(at(25));
    park.post(&park.walker, Side::Need, &need_input(park.rolling))
        .await
        .expect("need in W48");
    let meeting = meetings::plan(
        &park.state,
        &park.admin,
        &meetings::PlanInput {
            date: "2026-12-02".into(),
            time: "14:00".into(),
            place: "园区服务中心".into(),
            theme: "铝边角料回收对接会".into(),
            capacity: "40".into(),
            stages: vec!["recycling".into()],
            tags: vec![],
            grid: None,
        },
    )
    .await
    .expect("plan")
    .id;
    meetings::invite(
        &park.state,
        &park.admin,
        meeting,
        &[format!("{},{}", park.recycler, park.rolling)],
    )
    .await
    .expect("invite");
    park.clock.set(at(30));
    park.post(&park.walker, Side::Need, &need_input(park.rolling))
        .await
        .expect("need in W49");
    park.clock.advance(Duration::days(2));
    park.post(&park.walker, Side::Need, &need_input(park.rolling))
        .await
        .expect("need in W49");
    park.post(
        &park.recycler_user,
        Side::Offer,
        &offer_input(park.recycler),
    )
    .await
    .expect("offer in W49");
    for firm in [park.recycler, park.rolling] {
        meetings::attend(&park.state, &park.admin, meeting, &firm.to_string(), true)
            .await
            .expect("came");
    }
    meetings::hold(&park.state, &park.admin, meeting)
        .await
        .expect("held");
    park.clock.advance(Duration::days(4));
    let week = |grid: Option<&str>| WeeklyRequest {
        week: Some("2026-W49".into()),
        grid: grid.map(str::to_owned),
        ..WeeklyRequest::default()
    };
    let report = reports::weekly(&park.state, None, &week(None))
        .await
        .expect("park report");
    let chain = report
        .chain
        .as_ref()
        .expect("the park's report has a chain section");

    let all = listings::list(&park.state, Some(&park.admin), &ListInput::default())
        .await
        .expect("list")
        .items;
    let count = |side: Side, grid: Option<gridloop_core::GridId>| {
        all.iter()
            .filter(|l| l.side == side && report.period.contains(l.posted_at))
            .filter(|l| grid.is_none_or(|g| l.grid == g))
            .count() as u64
    };
    assert_eq!(chain.counts.needs_posted, count(Side::Need, None));
    assert_eq!(chain.counts.offers_posted, count(Side::Offer, None));
    assert_eq!(
        (chain.counts.needs_posted, chain.counts.offers_posted),
        (2, 1)
    );
    let held = store
        .meetings_held_between(report.period.from(), report.period.to())
        .await
        .expect("the meetings' own count");
    assert_eq!(
        (chain.counts.meetings_held, chain.counts.attendance),
        (u64::from(held.held), u64::from(held.attended))
    );
    assert_eq!((held.held, held.attended), (1, 2));
    let by_grid: Vec<(&str, u64, u64, u64, u64)> = chain
        .by_grid
        .iter()
        .map(|l| {
            let c = &l.counts;
            let name = l.name.as_str();
            (
                name,
                c.needs_posted,
                c.offers_posted,
                c.meetings_held,
                c.attendance,
            )
        })
        .collect();
    assert_eq!(by_grid, [("g-a", 2, 0, 1, 1), ("g-b", 0, 1, 1, 1)]);
    let trend: Vec<u64> = chain.trend.iter().map(|t| t.counts.needs_posted).collect();
    assert_eq!(trend.len(), gridloop_core::TREND_WEEKS);
    assert_eq!(trend[trend.len() - 2..], [1, 2], "W48 then W49");
    let stages: u64 = chain.by_stage.iter().map(|l| l.counts.needs_posted).sum();
    assert_eq!(
        stages, 2,
        "no enterprise has a stage: all in the no-stage line"
    );

    let grid_b = reports::weekly(&park.state, None, &week(Some("g-b")))
        .await
        .expect("grid report");
    assert!(matches!(grid_b.scope, ReportScope::Grid(_)));
    let own = grid_b
        .chain
        .expect("a grid's report has a chain section")
        .counts;
    assert_eq!((own.needs_posted, own.offers_posted), (0, 1));
    // Every renderer shows it.
    let md = gridloop_report::markdown(&report);
    assert!(md.contains("## 产业链对接"), "{md}");
    let csv = gridloop_report::csv(&report);
    assert!(csv.contains("needs_posted"), "{csv}");
}

#[tokio::test]
async fn the_chain_section_of_the_weekly_report_matches_a_direct_count_on_sqlite() {
    let scratch = common::Scratch::new("chain-report").await;
    the_chain_section_of_the_weekly_report_matches_a_direct_count(&scratch.store).await;
    scratch.remove().await;
}

#[tokio::test]
async fn the_chain_section_of_the_weekly_report_matches_a_direct_count_on_postgresql() {
    let Some(scratch) = common::PgScratch::new("chain_report").await else {
        return;
    };
    the_chain_section_of_the_weekly_report_matches_a_direct_count(&scratch.store).await;
    scratch.remove().await;
}
