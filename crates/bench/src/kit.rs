//! The benchmarks' test-kit: parks to measure in, and bulk seeding through the store.
//!
//! Everything here writes through `gridloop-store`: reference data with its `create_*`
//! methods, issues through [`Store::seed_histories`], which writes the rows a report and the
//! actions after it would have written, with the store's own column list and encoding. No
//! benchmark holds SQL of its own, so none can drift from the schema.

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{
    Actor, CategoryId, Change, Code, Description, EnterpriseId, Event, GridId, IssueId, Login,
    Name, Priority, Reason, Role, Sla, Source, Status, Title, UnitId, UserId,
};
use gridloop_store::{
    History, NewCategory, NewEnterprise, NewGrid, NewIssue, NewPost, NewUnit, NewUser, Store,
};
use tokio::sync::mpsc;

/// Issues per seeding transaction (with their events, tens of thousands of rows).
pub(crate) const CHUNK: usize = 10_000;

/// The small park: one grid, post, enterprise, unit and category, and the three people of a
/// loop (a post member, a dispatcher, a member of the unit).
pub(crate) struct SmallPark {
    pub(crate) grid: GridId,
    pub(crate) reporter: Actor,
    pub(crate) dispatcher: Actor,
    pub(crate) unit_member: Actor,
    pub(crate) enterprise: EnterpriseId,
    pub(crate) category: CategoryId,
    pub(crate) unit: UnitId,
}

/// Creates the small park in one transaction.
pub(crate) async fn small_park(store: &Store) -> anyhow::Result<SmallPark> {
    let mut tx = store.transaction().await?;
    let chain = tx
        .create_chain(Code::parse("bench")?, Name::parse("bench chain")?)
        .await?;
    let grid = tx
        .create_grid(NewGrid {
            code: Code::parse("g1")?,
            name: Name::parse("grid")?,
            chain: chain.id,
        })
        .await?;
    let post = tx
        .create_post(NewPost {
            code: Code::parse("p1")?,
            name: Name::parse("post")?,
            grid: grid.id,
        })
        .await?;
    let enterprise = tx
        .create_enterprise(NewEnterprise {
            name: Name::parse("企业")?,
            grid: grid.id,
            address: None,
            credit_code: None,
        })
        .await?;
    let unit = tx
        .create_unit(NewUnit {
            code: Code::parse("power")?,
            name: Name::parse("供电")?,
        })
        .await?;
    let sla = Sla::new(60, 450)?;
    let category = tx
        .create_category(NewCategory {
            code: Code::parse("power")?,
            name: Name::parse("电力")?,
            default_unit: Some(unit.id),
            slas: Priority::ALL.iter().map(|p| (*p, sla)).collect(),
        })
        .await?;
    let user = |login: &str, role: Role| NewUser {
        login: Login::parse(login).expect("static login"),
        name: Name::parse(login).expect("static name"),
        phone: None,
        email: None,
        locale: "zh-CN".into(),
        roles: vec![role],
        posts: if role == Role::PostMember {
            vec![post.id]
        } else {
            vec![]
        },
        units: if role == Role::UnitMember {
            vec![unit.id]
        } else {
            vec![]
        },
        grids: vec![],
        enterprises: vec![],
    };
    tx.create_user(user("post01", Role::PostMember)).await?;
    tx.create_user(user("dispatch", Role::Dispatcher)).await?;
    tx.create_user(user("power", Role::UnitMember)).await?;
    tx.commit().await?;
    Ok(SmallPark {
        reporter: store.actor(&Login::parse("post01")?).await?,
        dispatcher: store.actor(&Login::parse("dispatch")?).await?,
        unit_member: store.actor(&Login::parse("power")?).await?,
        grid: grid.id,
        enterprise: enterprise.id,
        category: category.id,
        unit: unit.id,
    })
}

/// A problem for the small park's enterprise, sent with client key `key`.
pub(crate) fn new_issue(park: &SmallPark, key: String) -> anyhow::Result<NewIssue> {
    Ok(NewIssue {
        enterprise: park.enterprise,
        category: park.category,
        title: Title::parse("厂区道路破损")?,
        description: Description::parse("重型货车碾压导致路面破损")?,
        priority: Priority::Normal,
        source: Source::Api,
        client_key: Some(gridloop_core::ClientKey::parse(&key)?),
    })
}

/// The large park of the report bench: ten grids with a post and five enterprises each, ten
/// units with a member each, ten categories (one per unit), a dispatcher and a supervisor.
pub(crate) struct LargePark {
    pub(crate) grids: Vec<GridCast>,
    pub(crate) units: Vec<(UnitId, UserId)>,
    /// Each category with its default unit's index and its SLA per priority.
    pub(crate) categories: Vec<(CategoryId, usize)>,
    pub(crate) dispatcher: UserId,
    pub(crate) supervisor: UserId,
}

pub(crate) struct GridCast {
    pub(crate) id: GridId,
    pub(crate) post_member: UserId,
    pub(crate) enterprises: Vec<EnterpriseId>,
}

pub(crate) const UNITS: usize = 10;
pub(crate) const GRIDS: usize = 10;
pub(crate) const ENTERPRISES_PER_GRID: usize = 5;

/// The large park's SLA for each priority, in working minutes.
pub(crate) fn sla(priority: Priority) -> Sla {
    let (response, resolve) = match priority {
        Priority::Low => (120, 900),
        Priority::Normal => (60, 450),
        Priority::High => (30, 240),
        Priority::Urgent => (15, 120),
    };
    Sla::new(response, resolve).expect("static SLA")
}

/// Creates the large park in one transaction.
pub(crate) async fn large_park(store: &Store) -> anyhow::Result<LargePark> {
    let mut tx = store.transaction().await?;
    let chain = tx
        .create_chain(Code::parse("bench")?, Name::parse("bench chain")?)
        .await?;
    let user = |login: String, role: Role, posts, units| NewUser {
        login: Login::parse(&login).expect("generated login"),
        name: Name::parse(&login).expect("generated name"),
        phone: None,
        email: None,
        locale: "zh-CN".into(),
        roles: vec![role],
        posts,
        units,
        grids: vec![],
        enterprises: vec![],
    };
    let mut units = Vec::new();
    for u in 0..UNITS {
        let unit = tx
            .create_unit(NewUnit {
                code: Code::parse(&format!("unit{u}"))?,
                name: Name::parse(&format!("单位{u}"))?,
            })
            .await?;
        let member = tx
            .create_user(user(
                format!("unit{u}"),
                Role::UnitMember,
                vec![],
                vec![unit.id],
            ))
            .await?;
        units.push((unit.id, member.id));
    }
    let mut categories = Vec::new();
    for (c, &(unit, _)) in units.iter().enumerate() {
        let category = tx
            .create_category(NewCategory {
                code: Code::parse(&format!("cat{c}"))?,
                name: Name::parse(&format!("类别{c}"))?,
                default_unit: Some(unit),
                slas: Priority::ALL.iter().map(|p| (*p, sla(*p))).collect(),
            })
            .await?;
        categories.push((category.id, c));
    }
    let mut grids = Vec::new();
    for g in 0..GRIDS {
        let grid = tx
            .create_grid(NewGrid {
                code: Code::parse(&format!("g{g}"))?,
                name: Name::parse(&format!("网格{g}"))?,
                chain: chain.id,
            })
            .await?;
        let post = tx
            .create_post(NewPost {
                code: Code::parse(&format!("p{g}"))?,
                name: Name::parse(&format!("岗位{g}"))?,
                grid: grid.id,
            })
            .await?;
        let mut enterprises = Vec::new();
        for e in 0..ENTERPRISES_PER_GRID {
            let enterprise = tx
                .create_enterprise(NewEnterprise {
                    name: Name::parse(&format!("企业{g}-{e}"))?,
                    grid: grid.id,
                    address: None,
                    credit_code: None,
                })
                .await?;
            enterprises.push(enterprise.id);
        }
        let member = tx
            .create_user(user(
                format!("post{g}"),
                Role::PostMember,
                vec![post.id],
                vec![],
            ))
            .await?;
        grids.push(GridCast {
            id: grid.id,
            post_member: member.id,
            enterprises,
        });
    }
    let dispatcher = tx
        .create_user(user("dispatch".into(), Role::Dispatcher, vec![], vec![]))
        .await?
        .id;
    let supervisor = tx
        .create_user(user("supervisor".into(), Role::Supervisor, vec![], vec![]))
        .await?
        .id;
    tx.commit().await?;
    Ok(LargePark {
        grids,
        units,
        categories,
        dispatcher,
        supervisor,
    })
}

/// Writes the histories `chunks` brings, a transaction per chunk, as a generator on another
/// thread makes them; then settles the database for measuring. A generator that fails sends
/// its error down the channel.
pub(crate) async fn seed(
    store: &Store,
    mut chunks: mpsc::Receiver<anyhow::Result<Vec<History>>>,
) -> anyhow::Result<()> {
    while let Some(chunk) = chunks.recv().await {
        store.seed_histories(&chunk?).await?;
    }
    store.settle_after_seeding().await?;
    Ok(())
}

/// Seeds `issues` issues into the small park for the overdue scan, ids from 1, all reported 20
/// days before `now`: every `step`-th is open (assigned), the others rejected. Of the open
/// ones, every other one is overdue at `now` (both deadlines ten days before it); the rest
/// were started and are due ten days after it. Returns how many are open.
pub(crate) async fn seed_overdue(
    store: &Store,
    park: &SmallPark,
    issues: usize,
    step: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let step = step.max(1) as u64;
    let issues = issues as u64;
    let title = Title::parse("issue")?;
    let description = Description::parse("overdue bench")?;
    let reason = Reason::parse("not ours")?;
    let sla = Sla::new(60, 450)?;
    let mut next = 1;
    while next <= issues {
        let last = (next + CHUNK as u64 - 1).min(issues);
        let mut chunk = Vec::with_capacity(CHUNK);
        for n in next..=last {
            let created = now - Duration::days(20) + Duration::seconds(i64::try_from(n % 86_400)?);
            let mut events = vec![event(
                1,
                created,
                park.reporter.user,
                None,
                Status::Reported,
                Change::Reported {
                    title: title.clone(),
                    description: description.clone(),
                    category: park.category,
                    priority: Priority::Normal,
                    grid: park.grid,
                    enterprise: park.enterprise,
                    source: Source::Api,
                },
            )];
            let minute = |m| created + Duration::minutes(m);
            if n % step != 0 {
                events.push(event(
                    2,
                    minute(1),
                    park.dispatcher.user,
                    Some(Status::Reported),
                    Status::Rejected,
                    Change::Rejected {
                        reason: reason.clone(),
                    },
                ));
            } else {
                let overdue = n % (2 * step) != 0;
                let due = if overdue {
                    now - Duration::days(10)
                } else {
                    now + Duration::days(10)
                };
                events.push(event(
                    2,
                    minute(1),
                    park.dispatcher.user,
                    Some(Status::Reported),
                    Status::Accepted,
                    Change::Accepted {
                        category: park.category,
                        priority: Priority::Normal,
                    },
                ));
                events.push(event(
                    3,
                    minute(2),
                    park.dispatcher.user,
                    Some(Status::Accepted),
                    Status::Assigned,
                    Change::Assigned {
                        unit: park.unit,
                        sla,
                        response_due_at: due,
                        resolve_due_at: due,
                    },
                ));
                if !overdue {
                    events.push(event(
                        4,
                        minute(3),
                        park.unit_member.user,
                        Some(Status::Assigned),
                        Status::InProgress,
                        Change::Started,
                    ));
                }
            }
            chunk.push(History::replay(IssueId::new(i64::try_from(n)?)?, events)?);
        }
        store.seed_histories(&chunk).await?;
        next = last + 1;
    }
    store.settle_after_seeding().await?;
    Ok(usize::try_from(issues / step)?)
}

fn event(
    version: u32,
    at: DateTime<Utc>,
    actor: UserId,
    from: Option<Status>,
    to: Status,
    change: Change,
) -> Event {
    Event {
        version,
        at,
        actor: Some(actor),
        from,
        to,
        change,
    }
}
