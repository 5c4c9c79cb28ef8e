//! Admins' updates of reference data (`crates/store/src/admin.rs`), on both backends.
//!
//! The harness is the conformance suite's, in `common/mod.rs`: each test takes the store of a
//! fresh SQLite file or a fresh PostgreSQL database, and the `both!` macro at the bottom runs
//! it on each.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{both, code, login, name, sla, t0};
use gridloop_core::{
    ActionFields, ActionKind, Actor, Calendar, CreditCode, CronExpr, Description, Email,
    EnterpriseId, GridId, Phone, PostId, Priority, Role, Schedule, Source, Title, UnitId, UserId,
    VisitPlan, Workflow,
};
use gridloop_store::{
    ActionRequest, Category, CategoryPatch, Enterprise, EnterprisePatch, ErrorKind, Grid,
    GridPatch, NewCategory, NewEnterprise, NewGrid, NewIssue, NewPost, NewUnit, NewUser, Post,
    PostPatch, Store, StoreError, TokenScope, Unit, UnitPatch, User, UserPatch, VisitFilter,
};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn new_user(login_name: &str, roles: Vec<Role>) -> NewUser {
    NewUser {
        login: login(login_name),
        name: name(login_name),
        phone: Some(Phone::parse("+8613800000001").expect("phone")),
        email: Some(Email::parse(&format!("{login_name}@example.cn")).expect("email")),
        locale: "zh-CN".to_owned(),
        roles,
        posts: vec![],
        units: vec![],
        grids: vec![],
        enterprises: vec![],
    }
}

/// Two grids with a post and an enterprise in the first, two units, one category, an admin,
/// a dispatcher and a post member.
struct Park {
    grid_a: Grid,
    grid_b: Grid,
    post: Post,
    enterprise: Enterprise,
    power: Unit,
    roads: Unit,
    category: Category,
    admin: User,
    walker: User,
    dispatcher: Actor,
}

async fn park(store: &Store) -> Park {
    let mut tx = store.transaction().await.expect("begin");
    let chain = tx
        .create_chain(code("aluminium"), name("铝产业链"))
        .await
        .expect("chain");
    let grid = |c: &str, n: &str| NewGrid {
        code: code(c),
        name: name(n),
        chain: chain.id,
    };
    let grid_a = tx
        .create_grid(grid("g-a", "第一网格"))
        .await
        .expect("grid a");
    let grid_b = tx
        .create_grid(grid("g-b", "第二网格"))
        .await
        .expect("grid b");
    let post = tx
        .create_post(NewPost {
            code: code("p-a"),
            name: name("先锋岗 A"),
            grid: grid_a.id,
        })
        .await
        .expect("post");
    let enterprise = tx
        .create_enterprise(NewEnterprise {
            name: name("Alu Rolling"),
            grid: grid_a.id,
            address: Some("Rolling road 1".to_owned()),
            credit_code: None,
        })
        .await
        .expect("enterprise");
    let unit = |c: &str, n: &str| NewUnit {
        code: code(c),
        name: name(n),
    };
    let power = tx
        .create_unit(unit("power", "供电所"))
        .await
        .expect("power");
    let roads = tx
        .create_unit(unit("roads", "交通局"))
        .await
        .expect("roads");
    let category = tx
        .create_category(NewCategory {
            code: code("power-line"),
            name: name("电力线路"),
            default_unit: Some(power.id),
            slas: vec![
                (Priority::Low, sla(480, 4800)),
                (Priority::Normal, sla(120, 2400)),
                (Priority::High, sla(60, 960)),
                (Priority::Urgent, sla(30, 240)),
            ],
        })
        .await
        .expect("category");
    let admin = tx
        .create_user(new_user("admin", vec![Role::Admin]))
        .await
        .expect("admin");
    let mut walker = new_user("walker", vec![Role::PostMember]);
    walker.posts = vec![post.id];
    let walker = tx.create_user(walker).await.expect("walker");
    tx.create_user(new_user("dispatcher", vec![Role::Dispatcher]))
        .await
        .expect("dispatcher");
    let dispatcher = tx.actor(&login("dispatcher")).await.expect("actor");
    tx.commit().await.expect("commit the park");
    Park {
        grid_a,
        grid_b,
        post,
        enterprise,
        power,
        roads,
        category,
        admin,
        walker,
        dispatcher,
    }
}

fn grid_id(n: i64) -> GridId {
    GridId::new(n).expect("id")
}

fn fields_of(e: &StoreError) -> Vec<&'static str> {
    match e {
        StoreError::Invalid(errors) => errors.iter().map(|e| e.field()).collect(),
        other => panic!("expected Invalid, got {other}"),
    }
}

/// Reports an issue of the park's category at `at`, accepts it and assigns it to power.
async fn assigned_issue(
    store: &Store,
    park: &Park,
    workflow: &Workflow,
    title: &str,
    at: DateTime<Utc>,
) -> gridloop_core::Issue {
    let walker = store.actor(&park.walker.login).await.expect("walker");
    let issue = store
        .intake(
            workflow,
            &walker,
            NewIssue {
                enterprise: park.enterprise.id,
                category: park.category.id,
                title: Title::parse(title).expect("title"),
                description: Description::parse("seen on the walk").expect("description"),
                priority: Priority::High,
                source: Source::Cli,
                client_key: None,
            },
            at,
        )
        .await
        .expect("report")
        .issue;
    let mut issue = issue;
    for (kind, fields) in [
        (ActionKind::Accept, ActionFields::default()),
        (
            ActionKind::Assign,
            ActionFields {
                unit: Some(park.power.id),
                ..ActionFields::default()
            },
        ),
    ] {
        issue = store
            .act(
                workflow,
                issue.id,
                &park.dispatcher,
                ActionRequest {
                    kind,
                    fields,
                    expected_version: Some(issue.version),
                },
                at,
            )
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"))
            .issue;
    }
    issue
}

// ---------------------------------------------------------------------------------------------
// Tests

async fn grids_posts_enterprises_and_units_are_renamed_and_moved(store: Store) {
    let park = park(&store).await;
    let grid = store
        .update_grid(
            park.grid_a.id,
            GridPatch {
                name: Some(name("铝材加工网格")),
            },
        )
        .await
        .expect("rename grid");
    assert_eq!(grid.name, name("铝材加工网格"));
    assert_eq!(grid.code, park.grid_a.code);
    assert_eq!(store.grid(park.grid_a.id).await.expect("read"), Some(grid));

    let post = store
        .update_post(
            park.post.id,
            PostPatch {
                name: None,
                grid: Some(park.grid_b.id),
            },
        )
        .await
        .expect("move post");
    assert_eq!((post.grid, &post.name), (park.grid_b.id, &park.post.name));
    assert_eq!(store.post(park.post.id).await.expect("read"), Some(post));
    // The post member now walks the other grid.
    let walker = store.actor(&park.walker.login).await.expect("actor");
    assert_eq!(walker.grids, vec![park.grid_b.id]);

    let enterprise = store
        .update_enterprise(
            park.enterprise.id,
            EnterprisePatch {
                name: Some(name("Alu Rolling Ltd")),
                grid: Some(park.grid_b.id),
                address: Some(None),
                ..EnterprisePatch::default()
            },
        )
        .await
        .expect("update enterprise");
    assert_eq!(enterprise.address, None);
    assert_eq!(
        store.enterprise(park.enterprise.id).await.expect("read"),
        Some(enterprise)
    );

    let unit = store
        .update_unit(
            park.roads.id,
            UnitPatch {
                name: Some(name("区交通运输委员会")),
            },
        )
        .await
        .expect("rename unit");
    assert_eq!(store.unit(park.roads.id).await.expect("read"), Some(unit));
    // An empty patch changes nothing.
    let same = store
        .update_unit(park.power.id, UnitPatch::default())
        .await
        .expect("empty patch");
    assert_eq!(same, park.power);
}

async fn moving_into_a_grid_that_does_not_exist_is_invalid_and_writes_nothing(store: Store) {
    let park = park(&store).await;
    let err = store
        .update_post(
            park.post.id,
            PostPatch {
                name: Some(name("renamed")),
                grid: Some(grid_id(999)),
            },
        )
        .await
        .expect_err("no such grid");
    assert_eq!(fields_of(&err), vec!["grid"]);
    assert_eq!(
        store.post(park.post.id).await.expect("read"),
        Some(park.post)
    );
    let err = store
        .update_enterprise(
            park.enterprise.id,
            EnterprisePatch {
                name: Some(name("renamed")),
                grid: Some(grid_id(999)),
                address: None,
                ..EnterprisePatch::default()
            },
        )
        .await
        .expect_err("no such grid");
    assert_eq!(fields_of(&err), vec!["grid"]);
    assert_eq!(
        store.enterprise(park.enterprise.id).await.expect("read"),
        Some(park.enterprise)
    );
}

async fn updating_a_row_that_does_not_exist_is_not_found(store: Store) {
    park(&store).await;
    let kinds = [
        store
            .update_grid(grid_id(999), GridPatch::default())
            .await
            .map(drop),
        store
            .update_post(PostId::new(999).expect("id"), PostPatch::default())
            .await
            .map(drop),
        store
            .update_enterprise(
                EnterpriseId::new(999).expect("id"),
                EnterprisePatch::default(),
            )
            .await
            .map(drop),
        store
            .update_unit(UnitId::new(999).expect("id"), UnitPatch::default())
            .await
            .map(drop),
        store
            .update_category(
                gridloop_core::CategoryId::new(999).expect("id"),
                CategoryPatch::default(),
            )
            .await
            .map(drop),
        store
            .update_user(UserId::new(999).expect("id"), UserPatch::default())
            .await
            .map(drop),
    ];
    for result in kinds {
        assert_eq!(result.expect_err("unknown id").kind(), ErrorKind::NotFound);
    }
}

async fn a_category_sla_change_applies_to_the_next_assignment_and_not_to_earlier_ones(
    store: Store,
) {
    let park = park(&store).await;
    let workflow = Workflow::new(Calendar::default_china());
    let before = assigned_issue(&store, &park, &workflow, "Transformer hums", t0()).await;
    assert_eq!(before.sla, Some(sla(60, 960)));

    let category = store
        .update_category(
            park.category.id,
            CategoryPatch {
                name: Some(name("电力线路迁改")),
                default_unit: Some(Some(park.roads.id)),
                slas: vec![(Priority::High, sla(30, 480))],
            },
        )
        .await
        .expect("update category");
    assert_eq!(category.sla_for(Priority::High), Some(sla(30, 480)));
    assert_eq!(category.sla_for(Priority::Low), Some(sla(480, 4800)));
    assert_eq!(category.default_unit, Some(park.roads.id));
    assert_eq!(
        store.category(park.category.id).await.expect("read"),
        Some(category)
    );

    // The issue assigned before keeps the SLA and deadlines it was promised.
    let unchanged = store.issue(before.id).await.expect("read").expect("issue");
    assert_eq!(unchanged, before);
    // The next assignment uses the new SLA.
    let at = t0() + Duration::minutes(30);
    let after = assigned_issue(&store, &park, &workflow, "Pole leaning", at).await;
    assert_eq!(after.sla, Some(sla(30, 480)));
    assert_eq!(
        after.resolve_due_at,
        Some(workflow.calendar().add_working_minutes(at, 480))
    );

    // The default unit can be cleared.
    let cleared = store
        .update_category(
            park.category.id,
            CategoryPatch {
                default_unit: Some(None),
                ..CategoryPatch::default()
            },
        )
        .await
        .expect("clear default unit");
    assert_eq!(cleared.default_unit, None);
}

async fn a_bad_category_patch_names_each_problem_and_writes_nothing(store: Store) {
    let park = park(&store).await;
    let err = store
        .update_category(
            park.category.id,
            CategoryPatch {
                name: Some(name("renamed")),
                default_unit: Some(Some(UnitId::new(999).expect("id"))),
                slas: vec![(Priority::Low, sla(10, 20)), (Priority::Low, sla(10, 30))],
            },
        )
        .await
        .expect_err("invalid");
    assert_eq!(fields_of(&err), vec!["sla", "default_unit"]);
    assert_eq!(
        store.category(park.category.id).await.expect("read"),
        Some(park.category)
    );
}

async fn a_user_patch_replaces_the_lists_given_and_keeps_the_rest(store: Store) {
    let park = park(&store).await;
    let patched = store
        .update_user(
            park.walker.id,
            UserPatch {
                name: Some(name("王建华")),
                phone: Some(None),
                email: Some(Some(Email::parse("wang@example.cn").expect("email"))),
                locale: Some("en".to_owned()),
                roles: Some(vec![
                    Role::Commissioner,
                    Role::PostMember,
                    Role::Commissioner,
                ]),
                grids: Some(vec![park.grid_b.id]),
                units: Some(vec![]),
                ..UserPatch::default()
            },
        )
        .await
        .expect("patch user");
    assert_eq!(patched.roles, vec![Role::PostMember, Role::Commissioner]);
    assert_eq!(patched.posts, vec![park.post.id], "posts were not given");
    assert_eq!(patched.grids, vec![park.grid_b.id]);
    assert_eq!(patched.phone, None);
    assert_eq!(patched.locale, "en");
    assert_eq!(patched.login, park.walker.login);
    assert_eq!(
        store.user(park.walker.id).await.expect("read"),
        Some(patched)
    );
    let actor = store.actor(&park.walker.login).await.expect("actor");
    assert_eq!(actor.grids, vec![park.grid_a.id, park.grid_b.id]);
}

async fn a_user_patch_names_every_missing_reference_and_writes_nothing(store: Store) {
    let park = park(&store).await;
    let err = store
        .update_user(
            park.walker.id,
            UserPatch {
                name: Some(name("renamed")),
                locale: Some("fr".to_owned()),
                posts: Some(vec![PostId::new(998).expect("id")]),
                units: Some(vec![UnitId::new(997).expect("id")]),
                grids: Some(vec![grid_id(996)]),
                enterprises: Some(vec![EnterpriseId::new(995).expect("id")]),
                ..UserPatch::default()
            },
        )
        .await
        .expect_err("invalid");
    assert_eq!(
        fields_of(&err),
        vec!["locale", "posts", "units", "grids", "enterprises"]
    );
    assert_eq!(
        store.user(park.walker.id).await.expect("read"),
        Some(park.walker)
    );
}

async fn a_deactivated_user_can_neither_authenticate_nor_act_until_reactivated(store: Store) {
    let park = park(&store).await;
    store
        .create_token(
            park.walker.id,
            "phone",
            TokenScope::Api,
            "hash-of-walker",
            t0(),
        )
        .await
        .expect("token");
    assert!(store
        .user_by_token_hash("hash-of-walker")
        .await
        .expect("lookup")
        .is_some());
    let off = store
        .update_user(
            park.walker.id,
            UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
        )
        .await
        .expect("deactivate");
    assert!(!off.active);
    assert_eq!(
        store
            .user_by_token_hash("hash-of-walker")
            .await
            .expect("lookup"),
        None
    );
    assert_eq!(
        store
            .actor(&park.walker.login)
            .await
            .expect_err("inactive")
            .kind(),
        ErrorKind::NotFound
    );
    store
        .update_user(
            park.walker.id,
            UserPatch {
                active: Some(true),
                ..UserPatch::default()
            },
        )
        .await
        .expect("reactivate");
    assert!(store
        .user_by_token_hash("hash-of-walker")
        .await
        .expect("lookup")
        .is_some());
}

async fn the_last_active_admin_can_be_neither_deactivated_nor_demoted(store: Store) {
    let park = park(&store).await;
    let err = store
        .update_user(
            park.admin.id,
            UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
        )
        .await
        .expect_err("last admin");
    assert_eq!(fields_of(&err), vec!["active"]);
    let err = store
        .update_user(
            park.admin.id,
            UserPatch {
                roles: Some(vec![Role::Dispatcher]),
                ..UserPatch::default()
            },
        )
        .await
        .expect_err("last admin");
    assert_eq!(fields_of(&err), vec!["roles"]);
    assert_eq!(
        store.user(park.admin.id).await.expect("read"),
        Some(park.admin.clone())
    );
    // With a second admin, the first may go.
    store
        .update_user(
            park.walker.id,
            UserPatch {
                roles: Some(vec![Role::Admin]),
                ..UserPatch::default()
            },
        )
        .await
        .expect("promote");
    store
        .update_user(
            park.admin.id,
            UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
        )
        .await
        .expect("now allowed");
}

/// An imported workbook's corrected plan row: the schedule, window and reminder replaced in
/// place, the plan's future planned visits gone (to be planned again on the new schedule),
/// the past ones kept; a plan that does not exist is not found.
async fn a_visit_plan_is_rescheduled_in_place_and_its_future_planned_visits_go(store: Store) {
    let park = park(&store).await;
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().expect("zone");
    let monday = VisitPlan::on(Schedule::new(
        CronExpr::parse("0 9 * * MON").expect("cron"),
        tz,
    ));
    let mut tx = store.transaction().await.expect("begin");
    let commissioner = tx
        .create_user(new_user("visitor", vec![Role::Commissioner]))
        .await
        .expect("commissioner");
    let record = tx
        .add_visit_plan(park.enterprise.id, commissioner.id, &monday, t0())
        .await
        .expect("plan");
    // Two visits: one a week ago (past), one next week (future).
    let past = t0() - Duration::days(7);
    let future = t0() + Duration::days(7);
    let planned = tx
        .materialise_visits(&record, &[past, future], future, t0())
        .await
        .expect("visits");
    assert_eq!(planned.len(), 2);
    tx.commit().await.expect("commit");

    let friday = VisitPlan::new(
        Schedule::new(CronExpr::parse("30 14 * * FRI").expect("cron"), tz),
        120,
        30,
        true,
    )
    .expect("plan");
    let mut tx = store.transaction().await.expect("begin");
    let updated = tx
        .update_visit_plan(record.id, &friday, t0())
        .await
        .expect("updated");
    tx.commit().await.expect("commit");
    assert_eq!(updated.id, record.id);
    assert_eq!(updated.plan, friday);
    assert_eq!(updated.materialised_until, None);
    assert_eq!(
        store.visit_plan(record.id).await.expect("read"),
        Some(updated)
    );
    let left: Vec<DateTime<Utc>> = store
        .visits(&VisitFilter {
            plan: Some(record.id),
            ..VisitFilter::default()
        })
        .await
        .expect("visits")
        .iter()
        .map(|v| v.scheduled_at)
        .collect();
    assert_eq!(
        left,
        vec![past],
        "the future planned visit goes, the past stays"
    );

    let mut tx = store.transaction().await.expect("begin");
    let missing = tx.update_visit_plan(record.id + 100, &friday, t0()).await;
    assert!(
        matches!(
            missing,
            Err(StoreError::NotFound {
                what: "visit plan",
                ..
            })
        ),
        "{missing:?}"
    );
}

/// The unified social credit code is the park office's key for an enterprise: no two hold
/// one, while any number hold none.
async fn no_two_enterprises_hold_one_credit_code_and_any_number_hold_none(store: Store) {
    let park = park(&store).await;
    let huawei = CreditCode::parse("914403001922038216").expect("code");
    let tencent = CreditCode::parse("9144030071526726XG").expect("code");
    let without = |n: &str| NewEnterprise {
        name: name(n),
        grid: park.grid_a.id,
        address: None,
        credit_code: None,
    };
    let mut tx = store.transaction().await.expect("begin");
    let other = tx
        .create_enterprise(without("Alu Casting"))
        .await
        .expect("a second without a code");
    tx.create_enterprise(without("Alu Wire"))
        .await
        .expect("a third without a code");
    tx.commit().await.expect("commit");

    let coded = store
        .update_enterprise(
            park.enterprise.id,
            EnterprisePatch {
                credit_code: Some(Some(huawei.clone())),
                ..EnterprisePatch::default()
            },
        )
        .await
        .expect("give a code");
    assert_eq!(coded.credit_code.as_ref(), Some(&huawei));
    assert_eq!(coded.name, park.enterprise.name, "the rest stays");
    assert_eq!(
        store
            .enterprise_by_credit_code(&huawei)
            .await
            .expect("read"),
        Some(coded.clone())
    );
    assert_eq!(
        store
            .enterprise_by_credit_code(&tencent)
            .await
            .expect("read"),
        None
    );

    // Another enterprise cannot take it, created or patched, and nothing is written.
    let mut tx = store.transaction().await.expect("begin");
    let taken = tx
        .create_enterprise(NewEnterprise {
            credit_code: Some(huawei.clone()),
            ..without("Alu Foil")
        })
        .await
        .expect_err("taken");
    assert!(
        matches!(&taken, StoreError::AlreadyExists { what: "enterprise", key } if key == huawei.as_str()),
        "{taken:?}"
    );
    assert_eq!(taken.kind(), ErrorKind::AlreadyExists);
    drop(tx);
    let taken = store
        .update_enterprise(
            other.id,
            EnterprisePatch {
                name: Some(name("Alu Casting Ltd")),
                credit_code: Some(Some(huawei.clone())),
                ..EnterprisePatch::default()
            },
        )
        .await
        .expect_err("taken");
    assert_eq!(taken.kind(), ErrorKind::AlreadyExists);
    assert_eq!(
        store.enterprise(other.id).await.expect("read"),
        Some(other.clone())
    );
    assert_eq!(store.enterprises(None).await.expect("list").len(), 3);

    // Cleared, the code is free for another.
    let cleared = store
        .update_enterprise(
            park.enterprise.id,
            EnterprisePatch {
                credit_code: Some(None),
                ..EnterprisePatch::default()
            },
        )
        .await
        .expect("clear");
    assert_eq!(cleared.credit_code, None);
    let moved = store
        .update_enterprise(
            other.id,
            EnterprisePatch {
                credit_code: Some(Some(huawei.clone())),
                ..EnterprisePatch::default()
            },
        )
        .await
        .expect("now free");
    assert_eq!(
        store
            .enterprise_by_credit_code(&huawei)
            .await
            .expect("read"),
        Some(moved)
    );
}

// ---------------------------------------------------------------------------------------------
// Every test, on both backends.

both!(
    worker_threads = 2;
    grids_posts_enterprises_and_units_are_renamed_and_moved,
    moving_into_a_grid_that_does_not_exist_is_invalid_and_writes_nothing,
    no_two_enterprises_hold_one_credit_code_and_any_number_hold_none,
    updating_a_row_that_does_not_exist_is_not_found,
    a_category_sla_change_applies_to_the_next_assignment_and_not_to_earlier_ones,
    a_bad_category_patch_names_each_problem_and_writes_nothing,
    a_user_patch_replaces_the_lists_given_and_keeps_the_rest,
    a_user_patch_names_every_missing_reference_and_writes_nothing,
    a_deactivated_user_can_neither_authenticate_nor_act_until_reactivated,
    the_last_active_admin_can_be_neither_deactivated_nor_demoted,
    a_visit_plan_is_rescheduled_in_place_and_its_future_planned_visits_go,
);
