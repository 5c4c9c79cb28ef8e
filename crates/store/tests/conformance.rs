//! One conformance suite, run against both backends.
//!
//! Each test is an `async fn(Db)` written once; the `both!` macro at the bottom runs it on
//! SQLite and on PostgreSQL, with the harness in `common/mod.rs`.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{both, code, login, name, raw_execute, sla, t0, Db};
use gridloop_core::{
    ActionFields, ActionKind, Actor, Calendar, ClientKey, Decision, Description, EnterpriseId,
    Issue, IssueId, Note, Priority, Reason, Role, Satisfaction, Sla, Source, Status, Title,
    TransitionError, Workflow,
};
use gridloop_store::{
    ActionRequest, Category, Chain, Enterprise, ErrorKind, Grid, History, IssueFilter, NewCategory,
    NewEnterprise, NewGrid, NewIssue, NewPost, NewUnit, NewUser, Notification, Page, Post, Store,
    StoreError, Unit,
};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn reason(s: &str) -> Reason {
    Reason::parse(s).expect("a valid reason")
}

fn note(s: &str) -> Note {
    Note::parse(s).expect("a valid note")
}

fn all_slas() -> Vec<(Priority, Sla)> {
    vec![
        (Priority::Low, sla(480, 4800)),
        (Priority::Normal, sla(120, 2400)),
        (Priority::High, sla(60, 960)),
        (Priority::Urgent, sla(30, 240)),
    ]
}

fn new_user(login_name: &str, roles: Vec<Role>) -> NewUser {
    NewUser {
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
    }
}

/// A small park: two grids with a post and enterprises each, two units, two categories, and a
/// person for each role that matters.
#[derive(Clone)]
struct Park {
    workflow: Workflow,
    chain: Chain,
    grid_a: Grid,
    grid_b: Grid,
    post_a: Post,
    post_b: Post,
    ent_a: Enterprise,
    ent_a2: Enterprise,
    ent_b: Enterprise,
    power: Unit,
    roads: Unit,
    cat_power: Category,
    cat_roads: Category,
    /// Post member of grid A.
    walker_a: Actor,
    /// Post member of grid B.
    walker_b: Actor,
    dispatcher: Actor,
    /// Member of the power unit.
    power_worker: Actor,
    supervisor: Actor,
}

async fn park(store: &Store) -> Park {
    let mut tx = store.transaction().await.expect("begin");
    let chain = tx
        .create_chain(code("aluminium"), name("铝产业链"))
        .await
        .expect("chain");
    let grid_a = tx
        .create_grid(NewGrid {
            code: code("g-a"),
            name: name("第一网格"),
            chain: chain.id,
        })
        .await
        .expect("grid a");
    let grid_b = tx
        .create_grid(NewGrid {
            code: code("g-b"),
            name: name("第二网格"),
            chain: chain.id,
        })
        .await
        .expect("grid b");
    let post_a = tx
        .create_post(NewPost {
            code: code("p-a"),
            name: name("先锋岗 A"),
            grid: grid_a.id,
        })
        .await
        .expect("post a");
    let post_b = tx
        .create_post(NewPost {
            code: code("p-b"),
            name: name("先锋岗 B"),
            grid: grid_b.id,
        })
        .await
        .expect("post b");
    let enterprise = |grid: &Grid, n: &str| NewEnterprise {
        name: name(n),
        grid: grid.id,
        address: Some(format!("{n} road 1")),
        credit_code: None,
    };
    let (ea, ea2, eb) = (
        enterprise(&grid_a, "Alu Rolling"),
        enterprise(&grid_a, "Alu Casting"),
        enterprise(&grid_b, "Alu Foil"),
    );
    let ent_a = tx.create_enterprise(ea).await.expect("enterprise a");
    let ent_a2 = tx.create_enterprise(ea2).await.expect("enterprise a2");
    let ent_b = tx.create_enterprise(eb).await.expect("enterprise b");
    let power = tx
        .create_unit(NewUnit {
            code: code("power"),
            name: name("供电所"),
        })
        .await
        .expect("unit power");
    let roads = tx
        .create_unit(NewUnit {
            code: code("roads"),
            name: name("交通局"),
        })
        .await
        .expect("unit roads");
    let cat_power = tx
        .create_category(NewCategory {
            code: code("power-line"),
            name: name("电力线路"),
            default_unit: Some(power.id),
            slas: all_slas(),
        })
        .await
        .expect("category power");
    let cat_roads = tx
        .create_category(NewCategory {
            code: code("roads"),
            name: name("道路"),
            default_unit: Some(roads.id),
            slas: all_slas(),
        })
        .await
        .expect("category roads");
    let mut walker_a = new_user("walker-a", vec![Role::PostMember]);
    walker_a.posts = vec![post_a.id];
    let mut walker_b = new_user("walker-b", vec![Role::PostMember]);
    walker_b.posts = vec![post_b.id];
    let mut power_worker = new_user("power-worker", vec![Role::UnitMember]);
    power_worker.units = vec![power.id];
    for user in [
        walker_a,
        walker_b,
        new_user("dispatcher", vec![Role::Dispatcher]),
        power_worker,
        new_user("supervisor", vec![Role::Supervisor]),
    ] {
        tx.create_user(user).await.expect("user");
    }
    let mut actor = async |l: &str| tx.actor(&login(l)).await.expect("actor");
    let walker_a = actor("walker-a").await;
    let walker_b = actor("walker-b").await;
    let dispatcher = actor("dispatcher").await;
    let power_worker = actor("power-worker").await;
    let supervisor = actor("supervisor").await;
    tx.commit().await.expect("commit the park");
    Park {
        workflow: Workflow::new(Calendar::default_china()),
        chain,
        grid_a,
        grid_b,
        post_a,
        post_b,
        ent_a,
        ent_a2,
        ent_b,
        power,
        roads,
        cat_power,
        cat_roads,
        walker_a,
        walker_b,
        dispatcher,
        power_worker,
        supervisor,
    }
}

fn problem(park: &Park, title: &str, enterprise: &Enterprise, key: Option<&str>) -> NewIssue {
    let category = if enterprise.grid == park.grid_a.id {
        &park.cat_power
    } else {
        &park.cat_roads
    };
    NewIssue {
        enterprise: enterprise.id,
        category: category.id,
        title: Title::parse(title).expect("a valid title"),
        description: Description::parse("seen on the morning walk").expect("a valid description"),
        priority: Priority::Normal,
        source: Source::Cli,
        client_key: key.map(|k| ClientKey::parse(k).expect("a client key")),
    }
}

fn request(kind: ActionKind, fields: ActionFields, seen: Option<u32>) -> ActionRequest {
    ActionRequest {
        kind,
        fields,
        expected_version: seen,
    }
}

fn minutes(n: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(n)
}

async fn report(db: &Db, park: &Park, title: &str, by: &Actor, at: DateTime<Utc>) -> Issue {
    let enterprise = if by.grids.contains(&park.grid_b.id) {
        &park.ent_b
    } else {
        &park.ent_a
    };
    db.store
        .intake(
            &park.workflow,
            by,
            problem(park, title, enterprise, None),
            at,
        )
        .await
        .expect("report")
        .issue
}

async fn act(
    db: &Db,
    park: &Park,
    issue: &Issue,
    by: &Actor,
    kind: ActionKind,
    fields: ActionFields,
    at: DateTime<Utc>,
) -> Issue {
    db.store
        .act(
            &park.workflow,
            issue.id,
            by,
            request(kind, fields, Some(issue.version)),
            at,
        )
        .await
        .unwrap_or_else(|e| panic!("{kind} failed: {e}"))
        .issue
}

async fn accept_and_assign(
    db: &Db,
    park: &Park,
    issue: &Issue,
    unit: &Unit,
    at: DateTime<Utc>,
) -> Issue {
    let issue = act(
        db,
        park,
        issue,
        &park.dispatcher,
        ActionKind::Accept,
        ActionFields::default(),
        at,
    )
    .await;
    let fields = ActionFields {
        unit: Some(unit.id),
        ..ActionFields::default()
    };
    act(
        db,
        park,
        &issue,
        &park.dispatcher,
        ActionKind::Assign,
        fields,
        at,
    )
    .await
}

/// Reports, accepts, assigns to power, starts, resolves and verifies: six events.
async fn full_loop(db: &Db, park: &Park, title: &str) -> Issue {
    let issue = report(db, park, title, &park.walker_a, minutes(0)).await;
    let issue = accept_and_assign(db, park, &issue, &park.power, minutes(10)).await;
    let issue = act(
        db,
        park,
        &issue,
        &park.power_worker,
        ActionKind::Start,
        ActionFields::default(),
        minutes(30),
    )
    .await;
    let resolved = ActionFields {
        note: Some(note("line moved")),
        ..ActionFields::default()
    };
    let issue = act(
        db,
        park,
        &issue,
        &park.power_worker,
        ActionKind::Resolve,
        resolved,
        minutes(90),
    )
    .await;
    let verified = ActionFields {
        satisfaction: Some(Satisfaction::new(5).expect("1..=5")),
        ..ActionFields::default()
    };
    act(
        db,
        park,
        &issue,
        &park.walker_a,
        ActionKind::Verify,
        verified,
        minutes(120),
    )
    .await
}

async fn stored(db: &Db, id: IssueId) -> (Issue, usize) {
    let issue = db
        .store
        .issue(id)
        .await
        .expect("read")
        .expect("the issue exists");
    let events = db.store.events(id).await.expect("events").len();
    (issue, events)
}

async fn ids_of(db: &Db, filter: &IssueFilter) -> Vec<IssueId> {
    let page = listed(db, filter, 500, None).await;
    assert!(page.next_cursor.is_none());
    page.items.into_iter().map(|i| i.id).collect()
}

/// A page of the list as `Store::list_issues` reads it (on SQLite its own read connections),
/// checked against the same page read in a transaction (sqlx's connection): the two paths
/// return the same issues, every field, and the same cursor.
async fn listed(db: &Db, filter: &IssueFilter, limit: u32, cursor: Option<&str>) -> Page<Issue> {
    let page = db
        .store
        .list_issues(filter, limit, cursor)
        .await
        .expect("list");
    let mut tx = db.store.transaction().await.expect("transaction");
    let in_tx = tx
        .list_issues(filter, limit, cursor)
        .await
        .expect("list in a transaction");
    tx.rollback().await.expect("rollback");
    assert_eq!(page, in_tx, "the list's two read paths differ");
    page
}

/// An issue's history as `Store::events` reads it (one statement; on SQLite its own read
/// connections), checked against the same read in a transaction, as is the issue itself.
async fn history(db: &Db, id: IssueId) -> Vec<gridloop_core::Event> {
    let events = db.store.events(id).await.expect("events");
    let issue = db.store.issue(id).await.expect("issue");
    let mut tx = db.store.transaction().await.expect("transaction");
    let in_tx = tx.events(id).await.expect("events in a transaction");
    let issue_in_tx = tx.issue(id).await.expect("issue in a transaction");
    tx.rollback().await.expect("rollback");
    assert_eq!(events, in_tx, "the history's two read paths differ");
    assert_eq!(issue, issue_in_tx, "the issue's two read paths differ");
    events
}

// ---------------------------------------------------------------------------------------------
// The suite

async fn migrations_apply_twice_without_changing_anything(db: Db) {
    let park = park(&db.store).await;
    db.store.migrate().await.expect("second run");
    db.store.migrate().await.expect("third run");
    db.store.ping().await.expect("ping");
    assert!(["sqlite", "postgres"].contains(&db.store.backend()));
    assert!(db.url.starts_with(db.store.backend()));
    assert_eq!(db.store.chains().await.expect("chains"), vec![park.chain]);
}

async fn reference_data_reads_back_as_it_was_created(db: Db) {
    let park = park(&db.store).await;
    let s = &db.store;
    assert_eq!(
        s.grids().await.expect("grids"),
        vec![park.grid_a.clone(), park.grid_b.clone()]
    );
    assert_eq!(
        s.grid_by_code(&code("g-b")).await.expect("by code"),
        Some(park.grid_b.clone())
    );
    assert_eq!(s.grid_by_code(&code("g-z")).await.expect("by code"), None);
    assert_eq!(
        s.chain_by_code(&code("aluminium")).await.expect("chain"),
        Some(park.chain.clone())
    );
    assert_eq!(
        s.posts(None).await.expect("posts"),
        vec![park.post_a.clone(), park.post_b.clone()]
    );
    assert_eq!(
        s.posts(Some(park.grid_b.id)).await.expect("posts"),
        vec![park.post_b.clone()]
    );
    assert_eq!(
        s.enterprises(Some(park.grid_a.id))
            .await
            .expect("enterprises"),
        vec![park.ent_a.clone(), park.ent_a2.clone()]
    );
    assert_eq!(s.enterprises(None).await.expect("all").len(), 3);
    assert_eq!(
        s.enterprise(park.ent_b.id).await.expect("one"),
        Some(park.ent_b.clone())
    );
    assert_eq!(
        s.units().await.expect("units"),
        vec![park.power.clone(), park.roads.clone()]
    );
    assert_eq!(
        s.unit(park.roads.id).await.expect("unit"),
        Some(park.roads.clone())
    );
    assert_eq!(
        s.unit_by_code(&code("power")).await.expect("unit"),
        Some(park.power.clone())
    );
    assert_eq!(
        s.categories().await.expect("categories"),
        vec![park.cat_power.clone(), park.cat_roads.clone()]
    );
    assert_eq!(
        s.category(park.cat_roads.id).await.expect("category"),
        Some(park.cat_roads.clone())
    );
    let by_code = s
        .category_by_code(&code("power-line"))
        .await
        .expect("category");
    assert_eq!(by_code.as_ref().map(|c| c.slas.len()), Some(4));
    assert_eq!(
        by_code.and_then(|c| c.sla_for(Priority::Urgent)),
        Some(sla(30, 240))
    );

    let mut new = new_user(
        "commissioner",
        vec![Role::Commissioner, Role::PostMember, Role::Commissioner],
    );
    new.phone = Some(gridloop_core::Phone::parse("13812345678").expect("phone"));
    new.email = Some(gridloop_core::Email::parse("c@example.cn").expect("email"));
    new.locale = "en".to_owned();
    new.posts = vec![park.post_b.id];
    new.grids = vec![park.grid_a.id];
    new.units = vec![park.roads.id];
    new.enterprises = vec![park.ent_b.id];
    let created = s.create_user(new).await.expect("create user");
    assert_eq!(created.roles, vec![Role::PostMember, Role::Commissioner]);
    assert_eq!(
        s.user(created.id).await.expect("user"),
        Some(created.clone())
    );
    assert_eq!(
        s.user_by_login(&login("commissioner")).await.expect("user"),
        Some(created.clone())
    );
    assert_eq!(s.users().await.expect("users").len(), 6);
    let actor = s.actor(&login("commissioner")).await.expect("actor");
    assert_eq!(actor.user, created.id);
    assert_eq!(actor.roles, vec![Role::PostMember, Role::Commissioner]);
    // Its post's grid joined to its own grid.
    assert_eq!(actor.grids, vec![park.grid_a.id, park.grid_b.id]);
    assert_eq!(actor.units, vec![park.roads.id]);
    assert_eq!(actor.enterprises, vec![park.ent_b.id]);
    assert_eq!(park.walker_a.grids, vec![park.grid_a.id]);

    let err = s.actor(&login("nobody")).await.expect_err("unknown login");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = s
        .create_chain(code("aluminium"), name("again"))
        .await
        .expect_err("taken");
    assert!(
        matches!(err, StoreError::AlreadyExists { what: "chain", .. }),
        "{err}"
    );
    let err = s
        .create_user(new_user("walker-a", vec![]))
        .await
        .expect_err("taken");
    assert!(
        matches!(err, StoreError::AlreadyExists { what: "user", .. }),
        "{err}"
    );
    let mut slas = all_slas();
    slas.retain(|(p, _)| *p != Priority::Urgent);
    let err = s
        .create_category(NewCategory {
            code: code("lacking"),
            name: name("lacking"),
            default_unit: None,
            slas,
        })
        .await
        .expect_err("no urgent SLA");
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert_eq!(
        s.category_by_code(&code("lacking")).await.expect("lookup"),
        None
    );
    let mut orphan = new_user("orphan", vec![Role::PostMember]);
    orphan.posts = vec![gridloop_core::PostId::new(9999).expect("id")];
    let err = s.create_user(orphan).await.expect_err("unknown post");
    assert!(
        matches!(err, StoreError::NotFound { what: "post", .. }),
        "{err}"
    );
    let mut wrong_locale = new_user("wrong-locale", vec![]);
    wrong_locale.locale = "fr".to_owned();
    assert_eq!(
        s.create_user(wrong_locale)
            .await
            .expect_err("locale")
            .kind(),
        ErrorKind::Invalid
    );
    assert_eq!(s.users().await.expect("users").len(), 6);
}

async fn a_transaction_dropped_before_commit_leaves_nothing(db: Db) {
    {
        let mut tx = db.store.transaction().await.expect("begin");
        tx.create_chain(code("ghost"), name("ghost"))
            .await
            .expect("chain");
        tx.create_unit(NewUnit {
            code: code("ghost"),
            name: name("ghost"),
        })
        .await
        .expect("unit");
    }
    assert!(db.store.chains().await.expect("chains").is_empty());
    assert!(db.store.units().await.expect("units").is_empty());
    let mut tx = db.store.transaction().await.expect("begin");
    tx.create_chain(code("kept"), name("kept"))
        .await
        .expect("chain");
    tx.rollback().await.expect("rollback");
    assert!(db.store.chains().await.expect("chains").is_empty());
}

async fn a_full_loop_records_six_events_and_the_row_is_their_replay(db: Db) {
    let park = park(&db.store).await;
    let closed = full_loop(&db, &park, "Power line to be moved").await;
    let (issue, _) = stored(&db, closed.id).await;
    assert_eq!(issue, closed, "the stored row is what the workflow decided");
    assert_eq!(issue.status, Status::Closed);
    assert_eq!(issue.version, 6);
    assert_eq!(issue.satisfaction.map(Satisfaction::get), Some(5));
    assert_eq!(issue.verifier, Some(park.walker_a.user));
    assert_eq!(issue.reporter, Some(park.walker_a.user));
    assert_eq!(issue.grid, park.grid_a.id);
    assert_eq!(issue.closed_at, Some(minutes(120)));
    let events = db.store.events(issue.id).await.expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e.change.kind()).collect();
    assert_eq!(
        kinds,
        ["reported", "accepted", "assigned", "started", "resolved", "verified"]
    );
    assert_eq!(
        events.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(Issue::replay(issue.id, &events).expect("replays"), issue);
}

async fn instants_are_kept_to_the_microsecond_on_both_backends(db: Db) {
    let park = park(&db.store).await;
    let odd = t0() + Duration::nanoseconds(123_456_789);
    let reported = db
        .store
        .intake(
            &park.workflow,
            &park.walker_a,
            problem(&park, "Odd time", &park.ent_a, None),
            odd,
        )
        .await
        .expect("report")
        .issue;
    assert_eq!(reported.created_at, t0() + Duration::microseconds(123_456));
    let (issue, _) = stored(&db, reported.id).await;
    assert_eq!(issue, reported);
    let events = db.store.events(issue.id).await.expect("events");
    assert_eq!(Issue::replay(issue.id, &events).expect("replays"), issue);
}

async fn the_same_client_key_twice_yields_one_issue(db: Db) {
    let park = park(&db.store).await;
    let first = db
        .store
        .intake(
            &park.workflow,
            &park.walker_a,
            problem(&park, "Road wrecked", &park.ent_a, Some("k-1")),
            minutes(0),
        )
        .await
        .expect("first");
    assert!(!first.replayed);
    let again = db
        .store
        .intake(
            &park.workflow,
            &park.walker_a,
            problem(&park, "Road wrecked", &park.ent_a, Some("k-1")),
            minutes(5),
        )
        .await
        .expect("again");
    assert!(again.replayed);
    assert_eq!(again.issue, first.issue);
    let page = db
        .store
        .list_issues(&IssueFilter::default(), 50, None)
        .await
        .expect("list");
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        db.store.events(first.issue.id).await.expect("events").len(),
        1
    );

    // The same key with another request is refused, and writes nothing.
    let err = db
        .store
        .intake(
            &park.workflow,
            &park.walker_a,
            problem(&park, "Something else", &park.ent_a, Some("k-1")),
            minutes(6),
        )
        .await
        .expect_err("key reuse");
    assert!(matches!(err, StoreError::KeyReuse { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::KeyReuse);
    // Another reporter's identical key is another request.
    let other = db
        .store
        .intake(
            &park.workflow,
            &park.walker_b,
            problem(&park, "Road wrecked", &park.ent_b, Some("k-1")),
            minutes(7),
        )
        .await
        .expect("other reporter");
    assert!(!other.replayed);
    assert_ne!(other.issue.id, first.issue.id);
    let page = db
        .store
        .list_issues(&IssueFilter::default(), 50, None)
        .await
        .expect("list");
    assert_eq!(page.items.len(), 2);
}

async fn sixteen_concurrent_reports_with_one_key_create_one_issue(db: Db) {
    let park = park(&db.store).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (store, park) = (db.store.clone(), park.clone());
        tasks.push(tokio::spawn(async move {
            let new = problem(&park, "Staff commuting", &park.ent_a, Some("same-key"));
            store
                .intake(&park.workflow, &park.walker_a, new, minutes(i))
                .await
        }));
    }
    let mut ids = Vec::new();
    let mut fresh = 0;
    for task in tasks {
        let reported = task.await.expect("task").expect("report");
        if !reported.replayed {
            fresh += 1;
        }
        ids.push(reported.issue.id);
    }
    assert_eq!(fresh, 1, "exactly one report created the issue");
    ids.dedup();
    assert_eq!(ids.len(), 1, "every report got the same issue");
    let page = db
        .store
        .list_issues(&IssueFilter::default(), 50, None)
        .await
        .expect("list");
    assert_eq!(page.items.len(), 1);
}

async fn concurrent_reports_succeed_or_fail_each_on_its_own(db: Db) {
    // On SQLite concurrent reports share one commit; a bad one must fail alone and the good
    // ones must all be written, each with its own id and event.
    let park = park(&db.store).await;
    let mut tasks = Vec::new();
    for i in 0..32u32 {
        let (store, park) = (db.store.clone(), park.clone());
        tasks.push(tokio::spawn(async move {
            let mut new = problem(&park, "Lorries block the gate", &park.ent_a, None);
            new.client_key = Some(ClientKey::parse(&format!("key-{i}")).expect("a client key"));
            if i % 3 == 0 {
                new.enterprise = EnterpriseId::new(999_999).expect("an id");
            }
            (
                i,
                store
                    .intake(&park.workflow, &park.walker_a, new, minutes(i64::from(i)))
                    .await,
            )
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        let (i, outcome) = task.await.expect("task");
        if i % 3 == 0 {
            let err = outcome.expect_err("an unknown enterprise");
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        } else {
            let reported = outcome.expect("a good report");
            assert!(!reported.replayed);
            ids.push(reported.issue.id);
        }
    }
    let good = ids.len();
    assert_eq!(good, 21);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), good, "every good report has its own issue");
    let page = db
        .store
        .list_issues(&IssueFilter::default(), 100, None)
        .await
        .expect("list");
    assert_eq!(page.items.len(), good);
    for id in ids {
        assert_eq!(db.store.events(id).await.expect("events").len(), 1);
    }
}

async fn reports_written_together_keep_each_its_title_key_event_and_notice(db: Db) {
    // Reports that arrive together are written as one batch (on PostgreSQL one statement over
    // arrays, on SQLite multi-row statements): every row must come back to its own caller,
    // with its own key, event and dispatchers' notice.
    let park = park(&db.store).await;
    let mut dispatcher = new_user("dispatcher-mail", vec![Role::Dispatcher]);
    dispatcher.email =
        Some(gridloop_core::Email::parse("dispatch@park.example").expect("an email"));
    let mut tx = db.store.transaction().await.expect("begin");
    let dispatcher = tx.create_user(dispatcher).await.expect("dispatcher");
    tx.commit().await.expect("commit");
    // The first report reads the enterprise's grid; the rest may be decided on it remembered.
    let first = db
        .store
        .intake(
            &park.workflow,
            &park.walker_a,
            problem(&park, "Report 100", &park.ent_a, Some("key-100")),
            minutes(0),
        )
        .await
        .expect("first");
    let mut tasks = Vec::new();
    for i in 0..48_i64 {
        let (store, park) = (db.store.clone(), park.clone());
        tasks.push(tokio::spawn(async move {
            let enterprise = if i % 2 == 0 {
                &park.ent_a
            } else {
                &park.ent_a2
            };
            // Every third without a client key: a batch may mix both.
            let key = (i % 3 != 0).then(|| format!("key-{i}"));
            let new = problem(&park, &format!("Report {i}"), enterprise, key.as_deref());
            let reported = store
                .intake(&park.workflow, &park.walker_a, new, minutes(i))
                .await
                .expect("a report");
            (i, reported)
        }));
    }
    let mut reported_together = Vec::new();
    for task in tasks {
        reported_together.push(task.await.expect("task"));
    }
    // Every report of ent_a was decided on its remembered grid and written by a batch; none
    // fell back because its batch failed.
    let paths = db.store.intake_stats();
    assert!(paths.batched >= 24, "{paths:?}");
    assert_eq!((paths.failed, paths.skipped), (0, 0), "{paths:?}");
    let mut ids = vec![first.issue.id];
    for (i, reported) in reported_together {
        assert!(!reported.replayed);
        let issue = db
            .store
            .issue(reported.issue.id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(issue, reported.issue, "report {i} got another row");
        assert_eq!(issue.title.as_str(), format!("Report {i}"));
        let events = db.store.events(issue.id).await.expect("events");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].at, minutes(i));
        ids.push(issue.id);
        if i % 3 == 0 {
            continue;
        }
        // Its key finds it again.
        let again = db
            .store
            .intake(
                &park.workflow,
                &park.walker_a,
                problem(
                    &park,
                    &format!("Report {i}"),
                    &issue_enterprise(&park, &issue),
                    Some(&format!("key-{i}")),
                ),
                minutes(100),
            )
            .await
            .expect("a replay");
        assert!(again.replayed);
        assert_eq!(again.issue.id, issue.id);
    }
    // The 32 replays were answered alone. On SQLite a batch skips a replay (or, its grid
    // forgotten by the replay before, it is written alone from the start), never failing; on
    // PostgreSQL it fails its batch, whose reports then run alone.
    let after = db.store.intake_stats();
    if db.store.backend() == "sqlite" {
        assert_eq!(after.failed, 0, "{after:?}");
        assert!(after.skipped >= 1, "{after:?}");
    }
    assert_eq!(
        after.skipped + after.failed + after.alone - paths.alone,
        32,
        "every replay went alone: {after:?}"
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 49, "every report has its own issue");
    let notices = db.store.notifications(None, 200).await.expect("notices");
    for id in &ids {
        let mine: Vec<_> = notices
            .iter()
            .filter(|n| n.issue_id == Some(id.get()))
            .collect();
        assert_eq!(mine.len(), 1, "issue {id} tells the dispatcher once");
        assert_eq!(mine[0].recipient_id, Some(dispatcher.id.get()));
        assert_eq!(
            mine[0].params,
            serde_json::json!({"event": "reported", "version": 1, "level": 0})
        );
        assert_eq!(
            mine[0].dedupe_key,
            format!("issue:{id}:v1:reported:{}:email", dispatcher.id)
        );
    }
}

fn issue_enterprise(park: &Park, issue: &Issue) -> Enterprise {
    if issue.enterprise == park.ent_a.id {
        park.ent_a.clone()
    } else {
        park.ent_a2.clone()
    }
}

async fn a_report_after_its_enterprise_moved_is_decided_on_its_new_grid(db: Db) {
    // The enterprise's grid is remembered between reports; a batch writes nothing for a grid
    // that is no longer the enterprise's, and the report is decided again on the stored one.
    let park = park(&db.store).await;
    let mut tx = db.store.transaction().await.expect("begin");
    let mut both = new_user("walker-both", vec![Role::PostMember]);
    both.posts = vec![park.post_a.id, park.post_b.id];
    tx.create_user(both).await.expect("user");
    let both = tx.actor(&login("walker-both")).await.expect("actor");
    tx.commit().await.expect("commit");
    let report = async |actor: &Actor, title: &str, at: i64| {
        let new = problem(&park, title, &park.ent_a, None);
        db.store
            .intake(&park.workflow, actor, new, minutes(at))
            .await
    };
    let before = report(&both, "Before the move", 0).await.expect("before");
    assert_eq!(before.issue.grid, park.grid_a.id);
    db.store
        .update_enterprise(
            park.ent_a.id,
            gridloop_store::EnterprisePatch {
                grid: Some(park.grid_b.id),
                ..Default::default()
            },
        )
        .await
        .expect("moved to grid B");
    // Someone of both grids: the remembered grid would permit it; the issue is in grid B.
    let after = report(&both, "After the move", 1).await.expect("after");
    assert_eq!(after.issue.grid, park.grid_b.id);
    assert_eq!(db.store.intake_stats().skipped, 1, "the batch skipped it");
    let stored = db
        .store
        .issue(after.issue.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.grid, park.grid_b.id);
    // Someone of grid A only is refused now, and nothing is written.
    let err = report(&park.walker_a, "Not mine any more", 2)
        .await
        .expect_err("outside walker A's grids");
    assert_eq!(err.kind(), ErrorKind::Transition, "{err}");
    // Someone of grid B only, whom the remembered grid would have refused, may report.
    let b = report(&park.walker_b, "Mine now", 3)
        .await
        .expect("walker B");
    assert_eq!(b.issue.grid, park.grid_b.id);
    let page = db
        .store
        .list_issues(&IssueFilter::default(), 50, None)
        .await
        .expect("list");
    assert_eq!(page.items.len(), 3);
}

async fn a_report_for_an_unknown_enterprise_or_category_is_not_found_and_writes_nothing(db: Db) {
    let park = park(&db.store).await;
    let mut new = problem(&park, "Power cut", &park.ent_a, Some("k-unknown"));
    new.enterprise = EnterpriseId::new(999_999).expect("an id");
    let err = db
        .store
        .intake(&park.workflow, &park.walker_a, new, minutes(0))
        .await
        .expect_err("unknown enterprise");
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "enterprise",
                ..
            }
        ),
        "{err}"
    );
    let mut new = problem(&park, "Power cut", &park.ent_a, Some("k-unknown"));
    new.category = gridloop_core::CategoryId::new(999_999).expect("an id");
    let err = db
        .store
        .intake(&park.workflow, &park.walker_a, new, minutes(1))
        .await
        .expect_err("unknown category");
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "category",
                ..
            }
        ),
        "{err}"
    );
    let page = db
        .store
        .list_issues(&IssueFilter::default(), 50, None)
        .await
        .expect("list");
    assert!(page.items.is_empty(), "nothing was written");
    // The key was not spent by the failed reports.
    let ok = db
        .store
        .intake(
            &park.workflow,
            &park.walker_a,
            problem(&park, "Power cut", &park.ent_a, Some("k-unknown")),
            minutes(2),
        )
        .await
        .expect("the key is still free");
    assert!(!ok.replayed);
}

async fn a_stale_version_is_a_conflict_and_writes_nothing(db: Db) {
    let park = park(&db.store).await;
    let issue = report(&db, &park, "Permit stuck", &park.walker_a, minutes(0)).await;
    let accepted = act(
        &db,
        &park,
        &issue,
        &park.dispatcher,
        ActionKind::Accept,
        ActionFields::default(),
        minutes(1),
    )
    .await;
    let before = stored(&db, issue.id).await;
    let fields = ActionFields {
        reason: Some(reason("not a problem")),
        ..ActionFields::default()
    };
    let err = db
        .store
        .act(
            &park.workflow,
            issue.id,
            &park.dispatcher,
            request(ActionKind::Reject, fields, Some(1)),
            minutes(2),
        )
        .await
        .expect_err("stale");
    assert_stale_at_1_of_2(&err);
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(stored(&db, issue.id).await, before);
    assert_eq!(before.0, accepted);
}

async fn two_concurrent_actions_at_one_version_let_exactly_one_win(db: Db) {
    let park = park(&db.store).await;
    for round in 0..4 {
        let issue = report(
            &db,
            &park,
            &format!("Race {round}"),
            &park.walker_a,
            minutes(round),
        )
        .await;
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let (store, park) = (db.store.clone(), park.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .act(
                        &park.workflow,
                        issue.id,
                        &park.dispatcher,
                        request(ActionKind::Accept, ActionFields::default(), Some(1)),
                        minutes(round + 1),
                    )
                    .await
            }));
        }
        let mut won = 0;
        let mut conflicts = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => won += 1,
                Err(StoreError::Conflict { .. }) => conflicts += 1,
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert_eq!((won, conflicts), (1, 1));
        let (row, events) = stored(&db, issue.id).await;
        assert_eq!((row.version, events), (2, 2));
    }
}

/// `err` is the conflict of a writer that saw version 1 of an issue at version 2.
fn assert_stale_at_1_of_2(err: &StoreError) {
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 1,
                actual: 2
            }
        ),
        "{err}"
    );
}

/// The dispatcher's `second` action on `issue`, taken while a write holding the dispatcher's
/// `accept` of it is open, which then commits: the second's outcome.
async fn behind_an_open_accept(
    db: &Db,
    park: &Park,
    issue: IssueId,
    second: ActionRequest,
) -> Result<Decision, StoreError> {
    let accept = request(ActionKind::Accept, ActionFields::default(), None);
    let mut first = db.store.transaction().await.expect("a write");
    first
        .act(&park.workflow, issue, &park.dispatcher, accept, minutes(1))
        .await
        .expect("the first accepts");
    let second = {
        let (store, park) = (db.store.clone(), park.clone());
        tokio::spawn(async move {
            store
                .act(&park.workflow, issue, &park.dispatcher, second, minutes(2))
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    first.commit().await.expect("the first commits");
    second.await.expect("task")
}

/// Two actions decided on one version, the second while the first's transaction is still open.
/// On PostgreSQL the second's compare-and-set waits for the first's commit, then changes
/// nothing: `Conflict`, and its event, which rides in the same statement, is not written
/// either (its key, the issue and version, is the first's). On SQLite the second reads the issue
/// before the write turn (version 1), and its write, behind the first's commit, changes nothing;
/// it is then taken again under the turn and decided on the first's outcome (accepting an
/// accepted issue is refused).
async fn an_action_that_loses_the_race_for_the_version_writes_nothing(db: Db) {
    let park = park(&db.store).await;
    let issue = report(&db, &park, "Race", &park.walker_a, minutes(0)).await;
    let accept = request(ActionKind::Accept, ActionFields::default(), None);
    let err = behind_an_open_accept(&db, &park, issue.id, accept)
        .await
        .expect_err("the second loses");
    if db.url.starts_with("postgres") {
        assert_stale_at_1_of_2(&err);
    } else {
        assert!(matches!(err, StoreError::Transition(_)), "{err}");
    }
    let (row, events) = stored(&db, issue.id).await;
    assert_eq!((row.version, events), (2, 2));
    assert_eq!(row.status, Status::Accepted);
}

/// The loser of a race writes none of its notices either. On PostgreSQL an action is one
/// statement in autocommit (no transaction to fail), so that statement itself must fail: here
/// the loser rejects while the winner accepts, so a notice it wrote would have a key of its own.
async fn an_action_that_loses_the_race_writes_none_of_its_notices(db: Db) {
    let park = park(&db.store).await;
    // A reporter with an address: a rejection tells the reporter.
    let mut walker = new_user("walker-mail", vec![Role::PostMember]);
    walker.posts = vec![park.post_a.id];
    walker.email = Some(gridloop_core::Email::parse("walker@park.example").expect("an email"));
    db.store.create_user(walker).await.expect("walker");
    let walker = db.store.actor(&login("walker-mail")).await.expect("actor");
    // The version the actor saw: the racer saw the one both decide on.
    let reject = |seen: u32| {
        let fields = ActionFields {
            reason: Some(reason("not ours")),
            ..ActionFields::default()
        };
        request(ActionKind::Reject, fields, Some(seen))
    };
    let rejected_notices = |notices: &[Notification], id: IssueId| {
        notices
            .iter()
            .filter(|n| n.issue_id == Some(id.get()) && n.params["event"] == "rejected")
            .count()
    };
    // Unraced, a rejection tells someone: the check below is not vacuous.
    let alone = report(&db, &park, "Alone", &walker, minutes(0)).await;
    db.store
        .act(
            &park.workflow,
            alone.id,
            &park.dispatcher,
            reject(1),
            minutes(1),
        )
        .await
        .expect("an unraced reject");
    let notices = db.store.notifications(None, 500).await.expect("notices");
    assert!(
        rejected_notices(&notices, alone.id) > 0,
        "a rejection is told"
    );

    let issue = report(&db, &park, "Race", &walker, minutes(0)).await;
    // The second reads version 1 and loses at the compare-and-set: on PostgreSQL that is
    // `Conflict`; on SQLite its write fails and it is taken again under the write turn, where
    // it reads version 2.
    let err = behind_an_open_accept(&db, &park, issue.id, reject(1))
        .await
        .expect_err("the second loses");
    assert_stale_at_1_of_2(&err);
    let (row, events) = stored(&db, issue.id).await;
    assert_eq!((row.version, events, row.status), (2, 2, Status::Accepted));
    let notices = db.store.notifications(None, 500).await.expect("notices");
    assert_eq!(
        rejected_notices(&notices, issue.id),
        0,
        "the loser told nobody"
    );
}

/// More concurrent `assign`s than the pool has connections: each finishes, and each writes its
/// deadline plan (held back with its event and notices: on PostgreSQL one statement in
/// autocommit). A write that must turn into a transaction is `single_write`'s own test.
async fn concurrent_assigns_all_finish_with_their_deadline_plans(db: Db) {
    let park = park(&db.store).await;
    let mut accepted = Vec::new();
    for n in 0..40 {
        let issue = report(
            &db,
            &park,
            &format!("Crowd {n}"),
            &park.walker_a,
            minutes(0),
        )
        .await;
        let issue = act(
            &db,
            &park,
            &issue,
            &park.dispatcher,
            ActionKind::Accept,
            ActionFields::default(),
            minutes(1),
        )
        .await;
        accepted.push(issue);
    }
    let tasks: Vec<_> = accepted
        .into_iter()
        .map(|issue| {
            let (store, park) = (db.store.clone(), park.clone());
            tokio::spawn(async move {
                let fields = ActionFields {
                    unit: Some(park.power.id),
                    ..ActionFields::default()
                };
                store
                    .act(
                        &park.workflow,
                        issue.id,
                        &park.dispatcher,
                        request(ActionKind::Assign, fields, Some(issue.version)),
                        minutes(2),
                    )
                    .await
            })
        })
        .collect();
    let all = async {
        for task in tasks {
            let decision = task.await.expect("task").expect("an assign");
            assert_eq!(decision.issue.status, Status::Assigned);
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), all)
        .await
        .expect("every assign finished: the pool did not starve");
    let plans = db
        .store
        .jobs(None, 1000)
        .await
        .expect("jobs")
        .into_iter()
        .filter(|job| job.kind == gridloop_store::SLA_PLAN_JOB)
        .count();
    assert_eq!(plans, 40, "one deadline plan per assign");
}

async fn a_refused_transition_writes_nothing(db: Db) {
    let park = park(&db.store).await;
    let issue = report(&db, &park, "Dust", &park.walker_a, minutes(0)).await;
    let before = stored(&db, issue.id).await;
    let fields = ActionFields {
        unit: Some(park.power.id),
        ..ActionFields::default()
    };
    // Assign needs an accepted issue.
    let err = db
        .store
        .act(
            &park.workflow,
            issue.id,
            &park.dispatcher,
            request(ActionKind::Assign, fields, Some(1)),
            minutes(1),
        )
        .await
        .expect_err("not accepted yet");
    assert!(
        matches!(
            err,
            StoreError::Transition(TransitionError::NoSuchTransition { .. })
        ),
        "{err}"
    );
    // A post member may not accept.
    let err = db
        .store
        .act(
            &park.workflow,
            issue.id,
            &park.walker_a,
            request(ActionKind::Accept, ActionFields::default(), None),
            minutes(1),
        )
        .await
        .expect_err("not a dispatcher");
    assert!(
        matches!(
            err,
            StoreError::Transition(TransitionError::RoleNotPermitted { .. })
        ),
        "{err}"
    );
    // Someone who cannot see the issue learns nothing, not even of a stale version.
    let err = db
        .store
        .act(
            &park.workflow,
            issue.id,
            &park.walker_b,
            request(
                ActionKind::Comment,
                ActionFields {
                    note: Some(gridloop_core::Note::parse("seen it?").expect("note")),
                    ..ActionFields::default()
                },
                Some(7),
            ),
            minutes(1),
        )
        .await
        .expect_err("out of scope");
    assert!(
        matches!(err, StoreError::Transition(TransitionError::OutOfScope)),
        "{err}"
    );
    assert_eq!(stored(&db, issue.id).await, before);
}

async fn a_missing_required_field_is_invalid_and_writes_nothing(db: Db) {
    let park = park(&db.store).await;
    let issue = report(&db, &park, "Noise", &park.walker_a, minutes(0)).await;
    let before = stored(&db, issue.id).await;
    let err = db
        .store
        .act(
            &park.workflow,
            issue.id,
            &park.dispatcher,
            request(ActionKind::Reject, ActionFields::default(), Some(1)),
            minutes(1),
        )
        .await
        .expect_err("reason missing");
    match &err {
        StoreError::Invalid(problems) => {
            assert_eq!(
                problems.iter().map(|p| p.field()).collect::<Vec<_>>(),
                ["reason"]
            );
        }
        other => panic!("expected Invalid, got {other}"),
    }
    assert_eq!(stored(&db, issue.id).await, before);
    let err = db
        .store
        .act(
            &park.workflow,
            IssueId::new(424_242).expect("id"),
            &park.dispatcher,
            request(ActionKind::Accept, ActionFields::default(), None),
            minutes(1),
        )
        .await
        .expect_err("no such issue");
    assert!(
        matches!(err, StoreError::NotFound { what: "issue", .. }),
        "{err}"
    );
    let mut unknown = problem(&park, "Nowhere", &park.ent_a, None);
    unknown.enterprise = EnterpriseId::new(424_242).expect("id");
    let err = db
        .store
        .intake(&park.workflow, &park.walker_a, unknown, minutes(2))
        .await
        .expect_err("no such enterprise");
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                what: "enterprise",
                ..
            }
        ),
        "{err}"
    );
    // A post member of grid B may not report for grid A's enterprise.
    let err = db
        .store
        .intake(
            &park.workflow,
            &park.walker_b,
            problem(&park, "Elsewhere", &park.ent_a, Some("x")),
            minutes(2),
        )
        .await
        .expect_err("out of scope");
    assert!(
        matches!(err, StoreError::Transition(TransitionError::OutOfScope)),
        "{err}"
    );
    let page = db
        .store
        .list_issues(&IssueFilter::default(), 50, None)
        .await
        .expect("list");
    assert_eq!(page.items.len(), 1);
}

async fn assign_sets_deadlines_from_the_category_sla_on_the_calendar(db: Db) {
    let park = park(&db.store).await;
    let mut new = problem(&park, "Transformer hums", &park.ent_a, None);
    new.priority = Priority::High;
    let issue = db
        .store
        .intake(&park.workflow, &park.walker_a, new, minutes(0))
        .await
        .expect("report")
        .issue;
    let assigned = accept_and_assign(&db, &park, &issue, &park.power, minutes(5)).await;
    let expected = park.cat_power.sla_for(Priority::High).expect("high SLA");
    assert_eq!(assigned.sla, Some(expected));
    assert_eq!(assigned.unit, Some(park.power.id));
    let calendar = park.workflow.calendar();
    let response = assigned.response_due_at.expect("response due");
    let resolve = assigned.resolve_due_at.expect("resolve due");
    assert!(minutes(5) < response && response <= resolve);
    assert_eq!(
        response,
        calendar.add_working_minutes(minutes(5), expected.response_minutes())
    );
    assert_eq!(
        resolve,
        calendar.add_working_minutes(minutes(5), expected.resolve_minutes())
    );
    assert_eq!(stored(&db, issue.id).await.0, assigned);
    // An explicit SLA wins over the category's.
    let other = report(&db, &park, "Pole leaning", &park.walker_a, minutes(6)).await;
    let other = act(
        &db,
        &park,
        &other,
        &park.dispatcher,
        ActionKind::Accept,
        ActionFields::default(),
        minutes(7),
    )
    .await;
    let fields = ActionFields {
        unit: Some(park.power.id),
        sla: Some(sla(15, 45)),
        ..ActionFields::default()
    };
    let other = act(
        &db,
        &park,
        &other,
        &park.dispatcher,
        ActionKind::Assign,
        fields,
        minutes(8),
    )
    .await;
    assert_eq!(other.sla, Some(sla(15, 45)));
    // Assigning to a unit that does not exist is NotFound, and writes nothing.
    let third = report(&db, &park, "Cable cut", &park.walker_a, minutes(9)).await;
    let third = act(
        &db,
        &park,
        &third,
        &park.dispatcher,
        ActionKind::Accept,
        ActionFields::default(),
        minutes(9),
    )
    .await;
    let fields = ActionFields {
        unit: Some(gridloop_core::UnitId::new(9999).expect("id")),
        ..ActionFields::default()
    };
    let err = db
        .store
        .act(
            &park.workflow,
            third.id,
            &park.dispatcher,
            request(ActionKind::Assign, fields, Some(2)),
            minutes(10),
        )
        .await
        .expect_err("unknown unit");
    assert!(
        matches!(err, StoreError::NotFound { what: "unit", .. }),
        "{err}"
    );
    assert_eq!(stored(&db, third.id).await.1, 2);
}

async fn every_filter_narrows_the_list(db: Db) {
    let park = park(&db.store).await;
    let s = &db.store;
    // Grid A: reported, assigned (power), in progress (power), on hold (power).
    let reported = report(
        &db,
        &park,
        "Road wrecked by lorries",
        &park.walker_a,
        minutes(0),
    )
    .await;
    let assigned = report(&db, &park, "100% blocked drain", &park.walker_a, minutes(1)).await;
    let assigned = accept_and_assign(&db, &park, &assigned, &park.power, minutes(2)).await;
    let started = report(&db, &park, "Permit_for site", &park.walker_a, minutes(3)).await;
    let started = accept_and_assign(&db, &park, &started, &park.power, minutes(4)).await;
    let started = act(
        &db,
        &park,
        &started,
        &park.power_worker,
        ActionKind::Start,
        ActionFields::default(),
        minutes(5),
    )
    .await;
    let held = report(
        &db,
        &park,
        "Power line to be moved",
        &park.walker_a,
        minutes(6),
    )
    .await;
    let held = accept_and_assign(&db, &park, &held, &park.power, minutes(7)).await;
    let held = act(
        &db,
        &park,
        &held,
        &park.power_worker,
        ActionKind::Start,
        ActionFields::default(),
        minutes(8),
    )
    .await;
    let hold = ActionFields {
        reason: Some(reason("waiting for a part")),
        ..ActionFields::default()
    };
    let held = act(
        &db,
        &park,
        &held,
        &park.power_worker,
        ActionKind::Hold,
        hold,
        minutes(9),
    )
    .await;
    // Grid B, roads: one assigned, reported by walker B; one for enterprise A2 in grid A.
    let in_b = report(
        &db,
        &park,
        "Pothole at the gate",
        &park.walker_b,
        minutes(10),
    )
    .await;
    let in_b = accept_and_assign(&db, &park, &in_b, &park.roads, minutes(11)).await;
    let mut other = problem(&park, "Foul smell", &park.ent_a2, None);
    other.category = park.cat_roads.id;
    let a2 = s
        .intake(&park.workflow, &park.walker_a, other, minutes(12))
        .await
        .expect("report")
        .issue;
    let all = [
        reported.id,
        assigned.id,
        started.id,
        held.id,
        in_b.id,
        a2.id,
    ];

    let db_ref = &db;
    let by = |f: IssueFilter| async move { ids_of(db_ref, &f).await };
    let mut everything = all.to_vec();
    everything.reverse();
    assert_eq!(by(IssueFilter::default()).await, everything, "newest first");
    let statuses = IssueFilter {
        statuses: vec![Status::Assigned, Status::OnHold],
        ..IssueFilter::default()
    };
    assert_eq!(by(statuses).await, [in_b.id, held.id, assigned.id]);
    let grid = IssueFilter {
        grid: Some(park.grid_b.id),
        ..IssueFilter::default()
    };
    assert_eq!(by(grid).await, [in_b.id]);
    let unit = IssueFilter {
        unit: Some(park.power.id),
        ..IssueFilter::default()
    };
    assert_eq!(by(unit).await, [held.id, started.id, assigned.id]);
    let category = IssueFilter {
        category: Some(park.cat_roads.id),
        ..IssueFilter::default()
    };
    assert_eq!(by(category).await, [a2.id, in_b.id]);
    let enterprise = IssueFilter {
        enterprise: Some(park.ent_a2.id),
        ..IssueFilter::default()
    };
    assert_eq!(by(enterprise).await, [a2.id]);
    let reporter = IssueFilter {
        reporter: Some(park.walker_b.user),
        ..IssueFilter::default()
    };
    assert_eq!(by(reporter).await, [in_b.id]);
    let combined = IssueFilter {
        grid: Some(park.grid_a.id),
        statuses: vec![Status::Reported],
        ..IssueFilter::default()
    };
    assert_eq!(by(combined).await, [a2.id, reported.id]);

    let title = |t: &str| IssueFilter {
        title_contains: Some(t.to_owned()),
        ..IssueFilter::default()
    };
    assert_eq!(by(title("ROAD")).await, [reported.id], "case-insensitive");
    assert_eq!(by(title("%")).await, [assigned.id], "% is a literal");
    assert_eq!(by(title("_")).await, [started.id], "_ is a literal");
    assert_eq!(by(title("t_be")).await, Vec::<IssueId>::new());
    assert_eq!(by(title("line to")).await, [held.id]);

    // Overdue, exactly as Issue::is_overdue says, at instants around every deadline.
    let issues: Vec<Issue> = s
        .list_issues(&IssueFilter::default(), 500, None)
        .await
        .expect("list")
        .items;
    let mut instants = vec![minutes(0), minutes(60 * 24 * 30)];
    for i in &issues {
        for due in [i.response_due_at, i.resolve_due_at].into_iter().flatten() {
            instants.extend([due - Duration::minutes(1), due, due + Duration::minutes(1)]);
        }
    }
    let mut saw_overdue = false;
    for at in instants {
        let expected: Vec<IssueId> = issues
            .iter()
            .filter(|i| i.is_overdue(at))
            .map(|i| i.id)
            .collect();
        saw_overdue |= !expected.is_empty();
        let overdue = IssueFilter {
            overdue_at: Some(at),
            ..IssueFilter::default()
        };
        assert_eq!(by(overdue).await, expected, "overdue at {at}");
    }
    assert!(saw_overdue);
    // An issue on hold is never overdue; an assigned one is late once its response is due.
    let late = IssueFilter {
        overdue_at: Some(minutes(60 * 24 * 30)),
        ..IssueFilter::default()
    };
    let late = by(late).await;
    assert!(late.contains(&assigned.id) && late.contains(&started.id) && !late.contains(&held.id));

    // Visibility: a post member of grid B sees grid B and what they reported, nothing of grid A.
    let visible = |actor: &Actor| IssueFilter {
        visible_to: Some(actor.clone()),
        ..IssueFilter::default()
    };
    assert_eq!(by(visible(&park.walker_b)).await, [in_b.id]);
    assert_eq!(
        by(visible(&park.walker_a)).await,
        [a2.id, held.id, started.id, assigned.id, reported.id]
    );
    assert_eq!(
        by(visible(&park.power_worker)).await,
        [held.id, started.id, assigned.id]
    );
    assert_eq!(by(visible(&park.dispatcher)).await, everything);
    for actor in [
        &park.walker_a,
        &park.walker_b,
        &park.power_worker,
        &park.supervisor,
    ] {
        let expected: Vec<IssueId> = issues
            .iter()
            .filter(|i| actor.can_see(&i.scope()))
            .map(|i| i.id)
            .collect();
        assert_eq!(by(visible(actor)).await, expected, "as Actor::can_see says");
    }
    // A reporter outside any grid still sees their own report.
    let mut contact = new_user("contact", vec![Role::Enterprise]);
    contact.enterprises = vec![park.ent_b.id];
    s.create_user(contact).await.expect("contact");
    let contact = s.actor(&login("contact")).await.expect("actor");
    let mut via_open311 = problem(&park, "Gate blocked", &park.ent_b, None);
    via_open311.source = Source::Open311;
    let own = s
        .intake(&park.workflow, &contact, via_open311, minutes(13))
        .await
        .expect("report")
        .issue;
    assert_eq!(by(visible(&contact)).await, [own.id, in_b.id]);
}

async fn keyset_pagination_covers_every_issue_once(db: Db) {
    let park = park(&db.store).await;
    let mut created = Vec::new();
    for i in 0..23 {
        created.push(
            report(
                &db,
                &park,
                &format!("Issue {i}"),
                &park.walker_a,
                minutes(i),
            )
            .await
            .id,
        );
    }
    created.reverse();
    let filter = IssueFilter::default();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = listed(&db, &filter, 5, cursor.as_deref()).await;
        pages += 1;
        assert!(page.items.len() <= 5);
        seen.extend(page.items.iter().map(|i| i.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, created, "no duplicates, no gaps, newest first");
    // A filter holds across pages.
    let only_a = IssueFilter {
        title_contains: Some("Issue 1".to_owned()),
        ..IssueFilter::default()
    };
    let first = listed(&db, &only_a, 6, None).await;
    let rest = listed(&db, &only_a, 6, first.next_cursor.as_deref()).await;
    assert_eq!(
        first.items.len() + rest.items.len(),
        11,
        "Issue 1 and Issue 10..19"
    );
    assert!(rest.next_cursor.is_none());
    // Limits are clamped.
    let one = db
        .store
        .list_issues(&filter, 0, None)
        .await
        .expect("clamped up");
    assert_eq!(one.items.len(), 1);
    let all = db
        .store
        .list_issues(&filter, 100_000, None)
        .await
        .expect("clamped down");
    assert_eq!(all.items.len(), 23);
    assert!(all.next_cursor.is_none());
    for bad in ["garbage", "i", "i-5", "42", ""] {
        let err = db
            .store
            .list_issues(&filter, 5, Some(bad))
            .await
            .expect_err("bad cursor");
        assert_eq!(err.kind(), ErrorKind::Invalid, "{bad}");
    }
}

async fn events_are_append_only_even_to_raw_sql(db: Db) {
    let park = park(&db.store).await;
    let issue = report(&db, &park, "History", &park.walker_a, minutes(0)).await;
    let update = raw_execute(&db.url, "UPDATE issue_events SET kind = 'forged'").await;
    assert!(update.is_err(), "an UPDATE of an event must fail");
    let delete = raw_execute(&db.url, "DELETE FROM issue_events").await;
    assert!(delete.is_err(), "a DELETE of an event must fail");
    let events = db.store.events(issue.id).await.expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].change.kind(), "reported");
}

async fn a_closed_issue_can_be_reopened_and_loops_again(db: Db) {
    let park = park(&db.store).await;
    let closed = full_loop(&db, &park, "Flooded yard").await;
    let fields = ActionFields {
        reason: Some(reason("flooded again after rain")),
        ..ActionFields::default()
    };
    let reopened = act(
        &db,
        &park,
        &closed,
        &park.supervisor,
        ActionKind::Reopen,
        fields,
        minutes(200),
    )
    .await;
    assert_eq!(reopened.status, Status::Accepted);
    assert_eq!(reopened.version, 7);
    assert_eq!(reopened.satisfaction, None);
    assert_eq!(reopened.unit, None);
    let fields = ActionFields {
        unit: Some(park.roads.id),
        ..ActionFields::default()
    };
    let again = act(
        &db,
        &park,
        &reopened,
        &park.dispatcher,
        ActionKind::Assign,
        fields,
        minutes(210),
    )
    .await;
    assert_eq!(again.status, Status::Assigned);
    let (row, events) = stored(&db, closed.id).await;
    assert_eq!((row.version, events), (8, 8));
    let history = history(&db, closed.id).await;
    assert_eq!(Issue::replay(row.id, &history).expect("replays"), row);
    let page = listed(&db, &IssueFilter::default(), 500, None).await;
    assert_eq!(page.items, vec![row]);
}

async fn marking_a_duplicate_of_a_missing_issue_is_not_found(db: Db) {
    let park = park(&db.store).await;
    let issue = report(&db, &park, "Twice reported", &park.walker_a, minutes(0)).await;
    let before = stored(&db, issue.id).await;
    let fields = ActionFields {
        duplicate_of: Some(IssueId::new(987_654).expect("id")),
        ..ActionFields::default()
    };
    let err = db
        .store
        .act(
            &park.workflow,
            issue.id,
            &park.dispatcher,
            request(ActionKind::MarkDuplicate, fields, Some(1)),
            minutes(1),
        )
        .await
        .expect_err("missing target");
    assert!(
        matches!(err, StoreError::NotFound { what: "issue", .. }),
        "{err}"
    );
    assert_eq!(stored(&db, issue.id).await, before);
    // Of itself: the workflow refuses.
    let fields = ActionFields {
        duplicate_of: Some(issue.id),
        ..ActionFields::default()
    };
    let err = db
        .store
        .act(
            &park.workflow,
            issue.id,
            &park.dispatcher,
            request(ActionKind::MarkDuplicate, fields, Some(1)),
            minutes(1),
        )
        .await
        .expect_err("itself");
    assert_eq!(err.kind(), ErrorKind::Transition);
    // Of an existing one: done.
    let survivor = report(&db, &park, "Reported first", &park.walker_a, minutes(2)).await;
    let fields = ActionFields {
        duplicate_of: Some(survivor.id),
        ..ActionFields::default()
    };
    let dup = act(
        &db,
        &park,
        &issue,
        &park.dispatcher,
        ActionKind::MarkDuplicate,
        fields,
        minutes(3),
    )
    .await;
    assert_eq!(
        (dup.status, dup.duplicate_of),
        (Status::Duplicate, Some(survivor.id))
    );
    let page = listed(&db, &IssueFilter::default(), 500, None).await;
    assert!(page.items.contains(&dup));
}

async fn committed_data_survives_reopening_the_store(db: Db) {
    let park = park(&db.store).await;
    let issue = full_loop(&db, &park, "Kept across restarts").await;
    let events = history(&db, issue.id).await;
    db.store.close().await;
    drop(db.store);
    let reopened = Store::connect(&db.url).await.expect("reconnect");
    reopened.migrate().await.expect("migrate again");
    assert_eq!(
        reopened.issue(issue.id).await.expect("read"),
        Some(issue.clone())
    );
    assert_eq!(reopened.events(issue.id).await.expect("events"), events);
    assert_eq!(
        reopened.grids().await.expect("grids"),
        vec![park.grid_a, park.grid_b]
    );
    assert_eq!(
        reopened.actor(&login("walker-a")).await.expect("actor"),
        park.walker_a
    );
    reopened.close().await;
}

async fn count_by_status_counts_every_status(db: Db) {
    let park = park(&db.store).await;
    report(&db, &park, "One", &park.walker_a, minutes(0)).await;
    report(&db, &park, "Two", &park.walker_a, minutes(1)).await;
    full_loop(&db, &park, "Three").await;
    let counts = db.store.count_by_status().await.expect("counts");
    assert_eq!(counts.len(), Status::ALL.len());
    let of = |s: Status| counts.iter().find(|(st, _)| *st == s).map(|(_, n)| *n);
    assert_eq!(of(Status::Reported), Some(2));
    assert_eq!(of(Status::Closed), Some(1));
    assert_eq!(of(Status::Duplicate), Some(0));
}

async fn seeding_hundreds_of_rows_in_one_transaction_is_quick(db: Db) {
    let started = std::time::Instant::now();
    let mut tx = db.store.transaction().await.expect("begin");
    let chain = tx
        .create_chain(code("seed"), name("seed"))
        .await
        .expect("chain");
    for g in 0..10 {
        let grid = tx
            .create_grid(NewGrid {
                code: code(&format!("g{g}")),
                name: name(&format!("grid {g}")),
                chain: chain.id,
            })
            .await
            .expect("grid");
        for p in 0..8 {
            tx.create_post(NewPost {
                code: code(&format!("p{g}-{p}")),
                name: name(&format!("post {g}-{p}")),
                grid: grid.id,
            })
            .await
            .expect("post");
        }
        for e in 0..10 {
            let enterprise = tx
                .create_enterprise(NewEnterprise {
                    name: name(&format!("enterprise {g}-{e}")),
                    grid: grid.id,
                    address: None,
                    credit_code: None,
                })
                .await
                .expect("enterprise");
            let mut contact = new_user(&format!("contact-{g}-{e}"), vec![Role::Enterprise]);
            contact.enterprises = vec![enterprise.id];
            tx.create_user(contact).await.expect("user");
        }
    }
    tx.commit().await.expect("commit");
    assert_eq!(db.store.users().await.expect("users").len(), 100);
    assert_eq!(db.store.posts(None).await.expect("posts").len(), 80);
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(10),
        "seeding took {took:?}"
    );
}

async fn seeded_histories_read_back_as_written_and_reports_continue_after_them(db: Db) {
    let park = park(&db.store).await;
    let looped = full_loop(&db, &park, "Looped").await;
    let fresh = report(&db, &park, "Fresh", &park.walker_b, minutes(1)).await;
    let looped_events = db.store.events(looped.id).await.expect("events");
    let fresh_events = db.store.events(fresh.id).await.expect("events");
    let id = |n| IssueId::new(n).expect("positive");
    let histories = vec![
        History::replay(id(1000), looped_events.clone()).expect("replays"),
        History::replay(id(1001), fresh_events.clone()).expect("replays"),
    ];
    db.store.seed_histories(&histories).await.expect("seed");
    db.store.settle_after_seeding().await.expect("settle");
    for (history, events) in histories.iter().zip([&looped_events, &fresh_events]) {
        let issue = history.issue();
        assert_eq!(
            db.store.issue(issue.id).await.expect("read").as_ref(),
            Some(issue)
        );
        assert_eq!(&db.store.events(issue.id).await.expect("events"), events);
    }
    let after = report(&db, &park, "After", &park.walker_a, minutes(2)).await;
    assert!(after.id > id(1001), "{} after seeding", after.id);
    assert!(History::replay(id(1), vec![]).is_err());
}

// ---------------------------------------------------------------------------------------------
// Every test, on both backends.

/// What the delivery worker reads for a notice, in one statement each: the issue with its
/// enterprise's, grid's and unit's names and the change of its latest event, and the addressee
/// with whether they are staff; the same as the general reads give.
async fn a_notice_reads_the_issue_with_its_names_and_the_addressee(db: Db) {
    let park = park(&db.store).await;
    let issue = report(&db, &park, "路灯不亮", &park.walker_a, minutes(0)).await;
    let read = |id| {
        let store = db.store.clone();
        async move {
            let mut tx = store.snapshot().await.expect("snapshot");
            let facts = tx.notice_issue(id).await.expect("facts");
            tx.commit().await.expect("end");
            facts
        }
    };
    let facts = read(issue.id).await.expect("the issue exists");
    assert_eq!(facts.issue, stored(&db, issue.id).await.0);
    assert_eq!(facts.enterprise, park.ent_a.name.as_str());
    assert_eq!(facts.grid, park.grid_a.name.as_str());
    assert_eq!(facts.unit, None);
    let last = |events: Vec<gridloop_core::Event>| events.last().map(|e| e.change.clone());
    assert_eq!(
        facts.last_change,
        last(db.store.events(issue.id).await.expect("events"))
    );

    let assigned = accept_and_assign(&db, &park, &issue, &park.power, minutes(10)).await;
    let facts = read(issue.id).await.expect("the issue exists");
    assert_eq!(facts.issue, assigned);
    assert_eq!(facts.unit.as_deref(), Some(park.power.name.as_str()));
    assert_eq!(
        facts.last_change,
        last(db.store.events(issue.id).await.expect("events"))
    );
    assert!(read(IssueId::new(issue.id.get() + 1000).expect("id"))
        .await
        .is_none());

    let mut tx = db.store.transaction().await.expect("begin");
    let outsider = tx
        .create_user(new_user("ent-user", vec![Role::Enterprise]))
        .await
        .expect("user");
    let staff = tx
        .create_user(new_user(
            "ent-and-post",
            vec![Role::Enterprise, Role::PostMember],
        ))
        .await
        .expect("user");
    tx.commit().await.expect("commit");
    let mut tx = db.store.snapshot().await.expect("snapshot");
    for (user, outside) in [(&outsider, true), (&staff, false)] {
        let addressee = tx.addressee(user.id).await.expect("read").expect("exists");
        assert_eq!(addressee.name, user.name.as_str());
        assert_eq!(addressee.outsider, outside, "{}", user.login.as_str());
    }
    let walker = tx
        .addressee(park.walker_a.user)
        .await
        .expect("read")
        .expect("exists");
    assert!(!walker.outsider);
    let nobody = gridloop_core::UserId::new(staff.id.get() + 1000).expect("id");
    assert_eq!(tx.addressee(nobody).await.expect("read"), None);
    tx.commit().await.expect("end");
}

both!(
    migrations_apply_twice_without_changing_anything,
    reference_data_reads_back_as_it_was_created,
    a_transaction_dropped_before_commit_leaves_nothing,
    a_full_loop_records_six_events_and_the_row_is_their_replay,
    instants_are_kept_to_the_microsecond_on_both_backends,
    the_same_client_key_twice_yields_one_issue,
    sixteen_concurrent_reports_with_one_key_create_one_issue,
    concurrent_reports_succeed_or_fail_each_on_its_own,
    reports_written_together_keep_each_its_title_key_event_and_notice,
    a_report_after_its_enterprise_moved_is_decided_on_its_new_grid,
    a_report_for_an_unknown_enterprise_or_category_is_not_found_and_writes_nothing,
    a_stale_version_is_a_conflict_and_writes_nothing,
    two_concurrent_actions_at_one_version_let_exactly_one_win,
    an_action_that_loses_the_race_for_the_version_writes_nothing,
    an_action_that_loses_the_race_writes_none_of_its_notices,
    concurrent_assigns_all_finish_with_their_deadline_plans,
    a_refused_transition_writes_nothing,
    a_missing_required_field_is_invalid_and_writes_nothing,
    assign_sets_deadlines_from_the_category_sla_on_the_calendar,
    every_filter_narrows_the_list,
    keyset_pagination_covers_every_issue_once,
    events_are_append_only_even_to_raw_sql,
    a_closed_issue_can_be_reopened_and_loops_again,
    marking_a_duplicate_of_a_missing_issue_is_not_found,
    committed_data_survives_reopening_the_store,
    count_by_status_counts_every_status,
    seeding_hundreds_of_rows_in_one_transaction_is_quick,
    seeded_histories_read_back_as_written_and_reports_continue_after_them,
    a_notice_reads_the_issue_with_its_names_and_the_addressee,
);
