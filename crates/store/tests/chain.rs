//! The chain's matchmaking in the store (`crates/store/src/chain.rs`), on both backends:
//! stages, chain positions, needs and offers posted, searched in Chinese without spaces,
//! expired by date, withdrawn, scoped, and a need's candidates.

mod common;

use chrono::{Duration, NaiveDate};
use common::{both, code, login, name, t0};
use gridloop_core::chain::{
    ChainPosition, ListingKind, ListingStatus, SearchText, Side, StagePlan, Tags, Target,
    ValidUntil,
};
use gridloop_core::{
    Actor, ChainId, Email, EnterpriseId, GridId, ListingText, Phone, Quantity, Role, Title, UserId,
};
use gridloop_store::{
    ErrorKind, Listing, ListingFilter, NewEnterprise, NewGrid, NewListing, NewUser, Store,
};

struct Park {
    chain: ChainId,
    other_chain: ChainId,
    grid_a: GridId,
    grid_b: GridId,
    /// An 铝加工 firm in grid A.
    rolling: EnterpriseId,
    /// A 再生铝 firm in grid B.
    recycler: EnterpriseId,
    /// A logistics firm in grid B.
    carrier: EnterpriseId,
    poster: UserId,
}

fn today() -> NaiveDate {
    t0().date_naive()
}

async fn park(store: &Store) -> Park {
    let mut tx = store.transaction().await.expect("begin");
    let chain = tx
        .create_chain(code("aluminium"), name("铝产业链"))
        .await
        .expect("chain");
    let other = tx
        .create_chain(code("steel"), name("钢铁产业链"))
        .await
        .expect("other chain");
    let grid = |c: &str| NewGrid {
        code: code(c),
        name: name(c),
        chain: chain.id,
    };
    let grid_a = tx.create_grid(grid("g-a")).await.expect("grid a");
    let grid_b = tx.create_grid(grid("g-b")).await.expect("grid b");
    let firm = |n: &str, grid: GridId| NewEnterprise {
        name: name(n),
        grid,
        address: None,
        credit_code: None,
    };
    let rolling = tx
        .create_enterprise(firm("渝铝型材", grid_a.id))
        .await
        .expect("rolling");
    let recycler = tx
        .create_enterprise(firm("再生金属", grid_b.id))
        .await
        .expect("recycler");
    let carrier = tx
        .create_enterprise(firm("川渝物流", grid_b.id))
        .await
        .expect("carrier");
    let poster = tx
        .create_user(NewUser {
            login: login("poster"),
            name: name("poster"),
            phone: Some(Phone::parse("+8613800000009").expect("phone")),
            email: Some(Email::parse("poster@example.cn").expect("email")),
            locale: "zh-CN".to_owned(),
            roles: vec![Role::Dispatcher],
            posts: vec![],
            units: vec![],
            grids: vec![],
            enterprises: vec![],
        })
        .await
        .expect("poster");
    tx.commit().await.expect("commit");
    Park {
        chain: chain.id,
        other_chain: other.id,
        grid_a: grid_a.id,
        grid_b: grid_b.id,
        rolling: rolling.id,
        recycler: recycler.id,
        carrier: carrier.id,
        poster: poster.id,
    }
}

fn plan(codes: &[(&str, &str)]) -> StagePlan {
    StagePlan::parse(codes.iter().map(|(c, n)| (code(c), name(n))).collect()).expect("plan")
}

fn six() -> StagePlan {
    plan(&[
        ("smelting", "电解铝"),
        ("alloying", "合金化"),
        ("processing", "铝加工"),
        ("deep", "精深加工"),
        ("recycling", "再生铝"),
        ("application", "应用"),
    ])
}

fn tags(raw: &str) -> Tags {
    Tags::parse("tags", [raw]).expect("tags")
}

/// A listing posted today, valid for 30 days; `what` is the title, the text and the tags.
fn listing(
    park: &Park,
    (side, kind): (Side, ListingKind),
    (enterprise, grid): (EnterpriseId, GridId),
    [title, text, tag_list]: [&str; 3],
) -> NewListing {
    NewListing {
        side,
        kind,
        enterprise,
        grid,
        title: Title::parse(title).expect("title"),
        text: ListingText::parse(text).expect("text"),
        quantity: Some(Quantity::parse("每月约30吨").expect("quantity")),
        tags: tags(tag_list),
        valid_until: ValidUntil::parse(today() + Duration::days(30), today()).expect("date"),
        posted_by: park.poster,
        posted_at: t0(),
        visit: None,
    }
}

fn filter() -> ListingFilter {
    ListingFilter {
        today: today(),
        side: None,
        kind: None,
        stage: None,
        grid: None,
        status: None,
        enterprise: None,
        text: None,
        visible_to: None,
    }
}

fn ids(listings: &[Listing]) -> Vec<i64> {
    listings.iter().map(|l| l.id.get()).collect()
}

async fn stages_are_set_in_order_kept_by_code_and_a_held_one_is_not_removed(store: Store) {
    let park = park(&store).await;
    let mut tx = store.transaction().await.expect("begin");
    let first = tx.set_stages(park.chain, &six()).await.expect("six stages");
    let names: Vec<&str> = first.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["电解铝", "合金化", "铝加工", "精深加工", "再生铝", "应用"]
    );
    let processing = first[2].id;
    tx.set_position(
        park.rolling,
        &ChainPosition {
            stage: Some(processing),
            ..ChainPosition::default()
        },
    )
    .await
    .expect("position");
    // Reordered and renamed: the kept code keeps its id.
    let again = tx
        .set_stages(
            park.chain,
            &plan(&[
                ("processing", "铝材加工"),
                ("smelting", "电解铝"),
                ("alloying", "合金化"),
                ("deep", "精深加工"),
                ("recycling", "再生铝"),
                ("application", "应用"),
            ]),
        )
        .await
        .expect("reordered");
    assert_eq!(again[0].id, processing);
    assert_eq!(again[0].name.as_str(), "铝材加工");
    assert_eq!(again[0].position, 1);
    // Dropping the stage an enterprise holds is refused.
    let e = tx
        .set_stages(park.chain, &plan(&[("smelting", "电解铝")]))
        .await
        .expect_err("held stage");
    assert_eq!(e.kind(), ErrorKind::Invalid);
    drop(tx);
    // Unused stages of the other chain go away.
    let mut tx = store.transaction().await.expect("begin");
    tx.set_stages(park.other_chain, &six()).await.expect("six");
    let fewer = tx
        .set_stages(park.other_chain, &plan(&[("smelting", "炼钢")]))
        .await
        .expect("fewer");
    assert_eq!(fewer.len(), 1);
    tx.commit().await.expect("commit");
}

async fn a_position_is_set_and_read_back_and_a_stage_of_another_chain_is_refused(store: Store) {
    let park = park(&store).await;
    let mut tx = store.transaction().await.expect("begin");
    let ours = tx.set_stages(park.chain, &six()).await.expect("stages");
    let theirs = tx
        .set_stages(park.other_chain, &six())
        .await
        .expect("stages");
    let position = ChainPosition {
        stage: Some(ours[4].id),
        products: tags("再生铝锭,ADC12"),
        materials: tags("废铝,边角料"),
        capabilities: tags("回收再生"),
    };
    tx.set_position(park.recycler, &position)
        .await
        .expect("set");
    assert_eq!(
        tx.position(park.recycler).await.expect("read"),
        Some(position.clone())
    );
    let e = tx
        .set_position(
            park.carrier,
            &ChainPosition {
                stage: Some(theirs[0].id),
                ..ChainPosition::default()
            },
        )
        .await
        .expect_err("another chain's stage");
    assert_eq!(e.kind(), ErrorKind::Invalid);
    drop(tx);
    let mut tx = store.transaction().await.expect("begin");
    assert_eq!(
        tx.position(park.carrier).await.expect("read"),
        Some(ChainPosition::default())
    );
    assert_eq!(
        tx.enterprise_chain(park.carrier).await.expect("chain"),
        Some(park.chain)
    );
    assert_eq!(
        tx.position(EnterpriseId::new(999).expect("id"))
            .await
            .expect("read"),
        None
    );
}

async fn listings_are_searched_by_chinese_text_without_spaces_and_paged_newest_first(store: Store) {
    let park = park(&store).await;
    let mut tx = store.transaction().await.expect("begin");
    let need = tx
        .post_listing(listing(
            &park,
            (Side::Need, ListingKind::ByproductBuyer),
            (park.rolling, park.grid_a),
            [
                "寻找铝边角料回收企业",
                "每月产生型材边角料，低价外卖亏损",
                "边角料",
            ],
        ))
        .await
        .expect("need");
    let offer = tx
        .post_listing(listing(
            &park,
            (Side::Offer, ListingKind::Technology),
            (park.recycler, park.grid_b),
            [
                "边角料回收再生为合金锭",
                "可上门回收，再生为ADC12",
                "边角料,再生合金",
            ],
        ))
        .await
        .expect("offer");
    let truck = tx
        .post_listing(listing(
            &park,
            (Side::Offer, ListingKind::Logistics),
            (park.carrier, park.grid_b),
            ["铝锭运输", "重庆至成都", ""],
        ))
        .await
        .expect("truck");
    tx.commit().await.expect("commit");
    assert_eq!(need.status, ListingStatus::Open);
    assert_eq!(need.tags, tags("边角料"));
    assert_eq!(need.enterprise_name.as_str(), "渝铝型材");

    let mut tx = store.transaction().await.expect("begin");
    let search = |q: &str| ListingFilter {
        text: Some(SearchText::parse(q).expect("query")),
        ..filter()
    };
    let found = tx
        .listings(&search("边角料"), 10, None)
        .await
        .expect("list");
    assert_eq!(ids(&found.items), [offer.id.get(), need.id.get()]);
    let found = tx.listings(&search("adc12"), 10, None).await.expect("list");
    assert_eq!(ids(&found.items), [offer.id.get()]);
    let found = tx.listings(&search("钢材"), 10, None).await.expect("list");
    assert!(found.items.is_empty());
    let offers = ListingFilter {
        side: Some(Side::Offer),
        ..filter()
    };
    let first = tx.listings(&offers, 1, None).await.expect("page 1");
    assert_eq!(ids(&first.items), [truck.id.get()]);
    let second = tx
        .listings(&offers, 1, first.next_cursor.as_deref())
        .await
        .expect("page 2");
    assert_eq!(ids(&second.items), [offer.id.get()]);
    assert_eq!(second.next_cursor, None);
    let logistics = ListingFilter {
        kind: Some(ListingKind::Logistics),
        ..filter()
    };
    let found = tx.listings(&logistics, 10, None).await.expect("kind");
    assert_eq!(ids(&found.items), [truck.id.get()]);
    let e = tx
        .listings(&filter(), 10, Some("i12"))
        .await
        .expect_err("a stranger's cursor");
    assert_eq!(e.kind(), ErrorKind::Invalid);
}

async fn a_listing_reads_as_expired_after_its_date_and_is_withdrawn_once(store: Store) {
    let park = park(&store).await;
    let mut tx = store.transaction().await.expect("begin");
    let offer = tx
        .post_listing(listing(
            &park,
            (Side::Offer, ListingKind::Capacity),
            (park.recycler, park.grid_b),
            ["富余熔炼产能", "两台熔炼炉", ""],
        ))
        .await
        .expect("offer");
    let last_day = offer.valid_until.date();
    let on = |day: NaiveDate, status| ListingFilter {
        today: day,
        status: Some(status),
        ..filter()
    };
    let open = tx
        .listings(&on(last_day, ListingStatus::Open), 10, None)
        .await
        .expect("open");
    assert_eq!(ids(&open.items), [offer.id.get()]);
    let next_day = last_day + Duration::days(1);
    let expired = tx
        .listings(&on(next_day, ListingStatus::Expired), 10, None)
        .await
        .expect("expired");
    assert_eq!(ids(&expired.items), [offer.id.get()]);
    assert_eq!(expired.items[0].status, ListingStatus::Expired);
    assert!(tx
        .listings(&on(next_day, ListingStatus::Open), 10, None)
        .await
        .expect("open")
        .items
        .is_empty());
    let withdrawn = tx
        .withdraw_listing(offer.id, park.poster, t0() + Duration::hours(1))
        .await
        .expect("withdraw");
    assert_eq!(withdrawn.status, ListingStatus::Withdrawn);
    let e = tx
        .withdraw_listing(offer.id, park.poster, t0() + Duration::hours(2))
        .await
        .expect_err("twice");
    assert_eq!(e.kind(), ErrorKind::Invalid);
}

async fn a_post_member_lists_the_listings_of_its_grid_and_what_it_posted(store: Store) {
    let park = park(&store).await;
    let mut tx = store.transaction().await.expect("begin");
    let a = tx
        .post_listing(listing(
            &park,
            (Side::Need, ListingKind::Labour),
            (park.rolling, park.grid_a),
            ["招聘挤压工", "三班倒", ""],
        ))
        .await
        .expect("a");
    tx.post_listing(listing(
        &park,
        (Side::Need, ListingKind::Labour),
        (park.carrier, park.grid_b),
        ["招聘司机", "A 照", ""],
    ))
    .await
    .expect("b");
    let walker = Actor {
        user: UserId::new(9999).expect("id"),
        roles: vec![Role::PostMember],
        grids: vec![park.grid_a],
        units: vec![],
        enterprises: vec![],
    };
    let seen = tx
        .listings(
            &ListingFilter {
                visible_to: Some(walker),
                ..filter()
            },
            10,
            None,
        )
        .await
        .expect("list");
    assert_eq!(ids(&seen.items), [a.id.get()]);
}

async fn a_needs_candidates_leave_out_its_own_enterprise_and_offers_not_open(store: Store) {
    let park = park(&store).await;
    let mut tx = store.transaction().await.expect("begin");
    let stages = tx.set_stages(park.chain, &six()).await.expect("stages");
    tx.set_position(
        park.recycler,
        &ChainPosition {
            stage: Some(stages[4].id),
            capabilities: tags("回收再生"),
            materials: tags("边角料"),
            ..ChainPosition::default()
        },
    )
    .await
    .expect("recycler");
    tx.set_position(
        park.rolling,
        &ChainPosition {
            stage: Some(stages[2].id),
            products: tags("边角料"),
            ..ChainPosition::default()
        },
    )
    .await
    .expect("rolling");
    let need = tx
        .post_listing(listing(
            &park,
            (Side::Need, ListingKind::ByproductBuyer),
            (park.rolling, park.grid_a),
            ["寻找铝边角料回收企业", "每月产生型材边角料", "边角料"],
        ))
        .await
        .expect("need");
    let own = tx
        .post_listing(listing(
            &park,
            (Side::Offer, ListingKind::Supplier),
            (park.rolling, park.grid_a),
            ["出售边角料", "边角料", "边角料"],
        ))
        .await
        .expect("own offer");
    let open = tx
        .post_listing(listing(
            &park,
            (Side::Offer, ListingKind::Technology),
            (park.recycler, park.grid_b),
            ["边角料回收再生", "再生为合金锭", "边角料"],
        ))
        .await
        .expect("open offer");
    let gone = tx
        .post_listing(listing(
            &park,
            (Side::Offer, ListingKind::Technology),
            (park.carrier, park.grid_b),
            ["边角料运输", "边角料", ""],
        ))
        .await
        .expect("withdrawn offer");
    tx.withdraw_listing(gone.id, park.poster, t0())
        .await
        .expect("withdraw");
    let grams: Vec<String> = gridloop_core::chain::grams("寻找铝边角料回收企业")
        .into_iter()
        .collect();
    let candidates = tx
        .suggestion_candidates(&need, &grams, today())
        .await
        .expect("candidates");
    let targets: Vec<Target> = candidates.iter().map(|c| c.target).collect();
    assert_eq!(
        targets,
        [Target::Offer(open.id), Target::Enterprise(park.recycler)]
    );
    assert!(!targets.contains(&Target::Offer(own.id)));
    assert_eq!(candidates[1].stage, Some(stages[4].id));
    // A supplier need is met by what firms make: the rolling mill, whose products are offcuts,
    // is a candidate; the recycler, which only uses them up, is not.
    let supplier = tx
        .post_listing(listing(
            &park,
            (Side::Need, ListingKind::Supplier),
            (park.carrier, park.grid_b),
            ["采购边角料", "边角料", "边角料"],
        ))
        .await
        .expect("supplier need");
    let candidates = tx
        .suggestion_candidates(&supplier, &[], today())
        .await
        .expect("candidates");
    let firms: Vec<Target> = candidates
        .iter()
        .map(|c| c.target)
        .filter(|t| matches!(t, Target::Enterprise(_)))
        .collect();
    assert_eq!(firms, [Target::Enterprise(park.rolling)]);
}

both!(
    worker_threads = 2;
    stages_are_set_in_order_kept_by_code_and_a_held_one_is_not_removed,
    a_position_is_set_and_read_back_and_a_stage_of_another_chain_is_refused,
    listings_are_searched_by_chinese_text_without_spaces_and_paged_newest_first,
    a_listing_reads_as_expired_after_its_date_and_is_withdrawn_once,
    a_post_member_lists_the_listings_of_its_grid_and_what_it_posted,
    a_needs_candidates_leave_out_its_own_enterprise_and_offers_not_open,
);
