//! What the scheduler's tests share: a small park, a manual clock, schedulers, and readers for
//! the jobs and outbox rows the tests look at.

#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use gridloop_core::{
    ActionFields, ActionKind, Actor, Calendar, Description, Email, Issue, NotificationKind,
    Priority, Role, Share, Source, Title, Workflow,
};
use gridloop_scheduler::sla::SlaSettings;
use gridloop_scheduler::LiveWorkflow;
use gridloop_scheduler::{Clock, ManualClock, Scheduler, SchedulerConfig};
use gridloop_store::{
    ActionRequest, Category, Enterprise, Grid, Job, JobState, NewCategory, NewEnterprise, NewGrid,
    NewIssue, NewPost, NewUnit, NewUser, Notification, Store, Unit,
};

use crate::common::{code, login, name, sla};

/// Runs each named `async fn(Db)` of the calling module on SQLite and on PostgreSQL, as
/// `<module>::sqlite::<name>` and `<module>::postgres::<name>`, on two worker threads (the
/// machine's share).
macro_rules! both {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    $crate::common::on_sqlite(super::$test).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    $crate::common::on_postgres(super::$test).await;
                }
            )*
        }
    };
}
pub(crate) use both;

pub const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;
pub const NEW_YORK: Tz = chrono_tz::America::New_York;

/// A local wall-clock time in `tz`, as an instant (the earlier one if it is ambiguous).
pub fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, m, d, h, min, 0)
        .earliest()
        .expect("a local time that exists")
        .with_timezone(&Utc)
}

/// A wall-clock time in Shanghai.
pub fn cst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    local(SHANGHAI, y, m, d, h, min)
}

pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("a valid instant")
}

/// The local date of an instant in `tz`.
pub fn local_date(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

pub fn clock(at: DateTime<Utc>) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(at))
}

/// A scheduler with the default configuration on a manual clock.
pub fn scheduler(store: &Store, clock: &Arc<ManualClock>, owner: &str) -> Scheduler {
    scheduler_with(store, clock, owner, SchedulerConfig::default())
}

pub fn scheduler_with(
    store: &Store,
    clock: &Arc<ManualClock>,
    owner: &str,
    config: SchedulerConfig,
) -> Scheduler {
    let clock: Arc<dyn Clock> = clock.clone();
    Scheduler::new(store.clone(), clock, owner, config)
}

/// A scheduler running the SLA watch and the visits on the park's calendar.
pub fn park_scheduler(store: &Store, clock: &Arc<ManualClock>, park: &Park) -> Scheduler {
    let mut s = scheduler(store, clock, "park");
    gridloop_scheduler::sla::register(
        &mut s,
        SlaSettings {
            workflow: LiveWorkflow::new(Workflow::clone(&park.workflow)),
            due_soon: Share::default(),
        },
    );
    gridloop_scheduler::visits::register(
        &mut s,
        LiveWorkflow::new(Workflow::clone(&park.workflow)),
    );
    s
}

/// Moves the clock to `at` and ticks once.
pub async fn tick_at(s: &Scheduler, clock: &ManualClock, at: DateTime<Utc>) {
    clock.set(at);
    s.tick().await.expect("tick");
}

/// Ticks every `step` from the clock's time (exclusive) to `until` (inclusive).
pub async fn tick_through(
    s: &Scheduler,
    clock: &ManualClock,
    until: DateTime<Utc>,
    step: Duration,
) {
    let mut t = clock.now() + step;
    while t <= until {
        tick_at(s, clock, t).await;
        t += step;
    }
    if clock.now() < until {
        tick_at(s, clock, until).await;
    }
}

/// Every job of `kind`, oldest first.
pub async fn jobs_of(store: &Store, kind: &str) -> Vec<Job> {
    let mut jobs: Vec<Job> = store
        .jobs(None, 100_000)
        .await
        .expect("jobs")
        .into_iter()
        .filter(|j| j.kind == kind)
        .collect();
    jobs.sort_by_key(|j| j.id);
    jobs
}

/// How many jobs are in `state`.
pub async fn count_in(store: &Store, state: JobState) -> u64 {
    store
        .count_jobs()
        .await
        .expect("count jobs")
        .into_iter()
        .find(|(s, _)| *s == state)
        .map_or(0, |(_, n)| n)
}

/// The outbox rows of one template, oldest first.
pub async fn outbox(store: &Store, kind: &str) -> Vec<Notification> {
    let kind: NotificationKind = kind.parse().expect("a notification kind");
    let mut rows: Vec<Notification> = store
        .notifications(None, 10_000)
        .await
        .expect("notifications")
        .into_iter()
        .filter(|n| n.kind == kind)
        .collect();
    rows.sort_by_key(|n| n.id);
    rows
}

/// The recipients of the outbox rows of one template, sorted.
pub async fn recipients(store: &Store, kind: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = outbox(store, kind)
        .await
        .into_iter()
        .filter_map(|n| n.recipient_id)
        .collect();
    ids.sort_unstable();
    ids
}

/// A park small enough to read: one grid with a post and two enterprises, one unit with a
/// member and a head, one category, and a person for each role the scheduler writes to.
#[derive(Debug, Clone)]
pub struct Park {
    pub workflow: Arc<Workflow>,
    pub grid: Grid,
    pub enterprise: Enterprise,
    pub other_enterprise: Enterprise,
    pub unit: Unit,
    pub category: Category,
    pub walker: Actor,
    pub dispatcher: Actor,
    pub member: Actor,
    pub head: Actor,
    pub supervisor: Actor,
    pub admin: Actor,
    pub commissioner: Actor,
}

/// Working minutes of the park's SLAs: response and resolution per priority. Normal gives
/// 800 minutes to resolve, which from a Monday 09:00 ends on Tuesday 16:20.
pub fn slas() -> Vec<(Priority, gridloop_core::Sla)> {
    vec![
        (Priority::Low, sla(480, 4800)),
        (Priority::Normal, sla(120, 800)),
        (Priority::High, sla(60, 400)),
        (Priority::Urgent, sla(30, 240)),
    ]
}

fn user(login_name: &str, roles: Vec<Role>) -> NewUser {
    NewUser {
        login: login(login_name),
        name: name(login_name),
        phone: None,
        // An address, so routing writes one email row per recipient (no phone: no SMS rows).
        email: Some(Email::parse(&format!("{login_name}@park.example")).expect("an email")),
        locale: "zh-CN".to_owned(),
        roles,
        posts: vec![],
        units: vec![],
        grids: vec![],
        enterprises: vec![],
    }
}

pub async fn park(store: &Store) -> Park {
    let mut tx = store.transaction().await.expect("begin");
    let chain = tx
        .create_chain(code("aluminium"), name("铝产业链"))
        .await
        .expect("chain");
    let grid = tx
        .create_grid(NewGrid {
            code: code("g-a"),
            name: name("第一网格"),
            chain: chain.id,
        })
        .await
        .expect("grid");
    let post = tx
        .create_post(NewPost {
            code: code("p-a"),
            name: name("先锋岗 A"),
            grid: grid.id,
        })
        .await
        .expect("post");
    let enterprise = tx
        .create_enterprise(NewEnterprise {
            name: name("Alu Rolling"),
            grid: grid.id,
            address: Some("Rolling road 1".into()),
            credit_code: None,
        })
        .await
        .expect("enterprise");
    let other_enterprise = tx
        .create_enterprise(NewEnterprise {
            name: name("Alu Casting"),
            grid: grid.id,
            address: Some("Casting road 2".into()),
            credit_code: None,
        })
        .await
        .expect("enterprise");
    let unit = tx
        .create_unit(NewUnit {
            code: code("power"),
            name: name("供电所"),
        })
        .await
        .expect("unit");
    let category = tx
        .create_category(NewCategory {
            code: code("power-line"),
            name: name("电力线路"),
            default_unit: Some(unit.id),
            slas: slas(),
        })
        .await
        .expect("category");
    let mut walker = user("walker", vec![Role::PostMember]);
    walker.posts = vec![post.id];
    let mut member = user("member", vec![Role::UnitMember]);
    member.units = vec![unit.id];
    let mut head = user("head", vec![Role::UnitHead]);
    head.units = vec![unit.id];
    let mut commissioner = user("commissioner", vec![Role::Commissioner]);
    commissioner.grids = vec![grid.id];
    for u in [
        walker,
        user("dispatcher", vec![Role::Dispatcher]),
        member,
        head,
        user("supervisor", vec![Role::Supervisor]),
        user("admin", vec![Role::Admin]),
        commissioner,
    ] {
        tx.create_user(u).await.expect("user");
    }
    tx.commit().await.expect("commit the park");
    let actor = async |l: &str| store.actor(&login(l)).await.expect("actor");
    Park {
        workflow: Arc::new(Workflow::new(Calendar::default_china())),
        grid,
        enterprise,
        other_enterprise,
        unit,
        category,
        walker: actor("walker").await,
        dispatcher: actor("dispatcher").await,
        member: actor("member").await,
        head: actor("head").await,
        supervisor: actor("supervisor").await,
        admin: actor("admin").await,
        commissioner: actor("commissioner").await,
    }
}

impl Park {
    /// The walker reports a Normal problem at `enterprise`.
    pub async fn report_at(
        &self,
        store: &Store,
        enterprise: &Enterprise,
        title: &str,
        at: DateTime<Utc>,
    ) -> Issue {
        let new = NewIssue {
            enterprise: enterprise.id,
            category: self.category.id,
            title: Title::parse(title).expect("a title"),
            description: Description::parse("seen on the morning walk").expect("a description"),
            priority: Priority::Normal,
            source: Source::Cli,
            client_key: None,
        };
        store
            .intake(&self.workflow, &self.walker, new, at)
            .await
            .expect("report")
            .issue
    }

    pub async fn act(
        &self,
        store: &Store,
        issue: &Issue,
        by: &Actor,
        kind: ActionKind,
        fields: ActionFields,
        at: DateTime<Utc>,
    ) -> Issue {
        let request = ActionRequest {
            kind,
            fields,
            expected_version: Some(issue.version),
        };
        store
            .act(&self.workflow, issue.id, by, request, at)
            .await
            .unwrap_or_else(|e| panic!("{kind} failed: {e}"))
            .issue
    }

    /// Reports a problem at the park's enterprise, accepts it and assigns it to the unit, all
    /// at `at`.
    pub async fn assigned_at(&self, store: &Store, title: &str, at: DateTime<Utc>) -> Issue {
        let issue = self.report_at(store, &self.enterprise, title, at).await;
        let issue = self
            .act(
                store,
                &issue,
                &self.dispatcher,
                ActionKind::Accept,
                ActionFields::default(),
                at,
            )
            .await;
        let fields = ActionFields {
            unit: Some(self.unit.id),
            ..ActionFields::default()
        };
        self.act(
            store,
            &issue,
            &self.dispatcher,
            ActionKind::Assign,
            fields,
            at,
        )
        .await
    }

    pub async fn reload(&self, store: &Store, issue: &Issue) -> Issue {
        store
            .issue(issue.id)
            .await
            .expect("read")
            .expect("the issue exists")
    }

    pub fn user_id(actor: &Actor) -> i64 {
        actor.user.get()
    }
}
