//! `gridloop-bench report`: the weekly report over a park of a million issues and five million
//! events (issue 6), on scratch databases.
//!
//! Each backend gets a fresh database with a park (one chain, ten grids with a post and five
//! enterprises each, ten units, ten categories, a dispatcher, a supervisor, a member per unit)
//! and `--issues` issues whose histories add up to exactly `--issues × --events-per-issue`
//! events. Histories are made of the workflow's own steps and folded with `Issue::open` and
//! `Issue::evolve` as they are generated, so every history replays, and each `issues` row is
//! the fold of its events, written column by column as the store writes it. Rows go in with
//! raw multi-row statements: a million reports through the workflow would take hours.
//!
//! Issue ids follow the report time, which is spread evenly over `--weeks` weeks ending at the
//! Monday 00:00 (Asia/Shanghai) of the run; every issue's history follows one of the shapes of
//! [`SHAPES`], cut at that instant (so the latest issues are still open), plus `commented`
//! events spread evenly to reach the exact total.
//!
//! What is timed is the Monday job without the sending: `weekly_reports` for the week just
//! ended (the span's last week), with its 8-week trend, for every scope (park, units, grids),
//! twice over:
//!
//! - cold: no report stored yet, so all eight weeks are computed from the event log in one pass
//!   (a first Monday, or `report weekly` for a week nobody sent);
//! - Monday: the seven weeks before were sent (and stored) on their Mondays, as they are in a
//!   running park, so only the week just ended is computed and the trend is read back.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use gridloop_core::{
    Calendar, CategoryId, Change, Code, Description, EnterpriseId, Event, GridId, Issue, IssueId,
    Login, Name, Note, Period, Priority, Reason, Role, Satisfaction, Sla, Source, Status, Title,
    UnitId, UserId, TREND_WEEKS,
};
use gridloop_scheduler::reports::{all_scopes, weekly_reports, ReportContext};
use gridloop_store::{NewCategory, NewEnterprise, NewGrid, NewPost, NewUnit, NewUser, Store};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{Connection, QueryBuilder};

use crate::cli::{Backend, BenchReportArgs};
use crate::out::{print_json, say, table};
use crate::scratch::Scratch;

/// The target of issue 6: the whole weekly run under two seconds.
const TARGET_MS: f64 = 2000.0;

/// Issues generated, then written, per transaction (about 60,000 rows with their events).
const CHUNK: usize = 10_000;

/// Runs `$body` with `$conn` a raw connection of the backend: the bulk load and the profile
/// bypass the store on purpose.
macro_rules! on_connection {
    ($backend:expr, $url:expr, $conn:ident => $body:block) => {
        match $backend {
            Backend::Sqlite => {
                #[allow(unused_mut)]
                let mut $conn = sqlx::SqliteConnection::connect($url).await?;
                $body
            }
            Backend::Postgres => {
                #[allow(unused_mut)]
                let mut $conn = sqlx::PgConnection::connect($url).await?;
                $body
            }
        }
    };
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The lifecycles issues follow, with their share per thousand issues. Events in brackets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    /// reported, accepted, assigned, started, resolved, verified [6].
    Closed,
    /// … resolved, reworked, started, resolved, verified [9].
    Reworked,
    /// … started, extension requested, extension granted, resolved, verified [8].
    Extended,
    /// … assigned, escalated (response overdue), started, resolved, verified [7].
    Escalated,
    /// … assigned, returned, assigned to another unit, started, resolved, verified [8].
    Returned,
    /// … started, held, resumed, resolved, verified [8].
    Held,
    /// reported, rejected [2].
    Rejected,
    /// reported, marked duplicate [2].
    Duplicate,
    /// Never closed, however old (the backlog): accepted [2].
    StuckAccepted,
    /// assigned, escalated, never started [4].
    StuckAssigned,
    /// started, never resolved [4].
    StuckStarted,
    /// started, held, never resumed [5].
    StuckHeld,
    /// resolved, never verified [5].
    StuckResolved,
}

/// Per thousand issues; they add up to 1,000 and to 4.905 events per issue before the cut and
/// the comments.
const SHAPES: [(Shape, u32); 13] = [
    (Shape::Closed, 540),
    (Shape::Reworked, 30),
    (Shape::Extended, 20),
    (Shape::Escalated, 30),
    (Shape::Returned, 15),
    (Shape::Held, 15),
    (Shape::Rejected, 210),
    (Shape::Duplicate, 100),
    (Shape::StuckAccepted, 5),
    (Shape::StuckAssigned, 10),
    (Shape::StuckStarted, 10),
    (Shape::StuckHeld, 5),
    (Shape::StuckResolved, 10),
];

/// splitmix64: a small deterministic generator, seeded per issue so that the two passes over
/// the issues (counting, then writing) draw the same histories.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x2545_F491_4F6C_DD1D)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A duration between `lo` and `hi` minutes, to the second.
    fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        let span = u64::try_from((hi - lo) * 60).unwrap_or(0);
        Duration::seconds(lo * 60 + i64::try_from(self.below(span)).unwrap_or(0))
    }
}

/// The park's people and places, by index.
struct Park {
    grids: Vec<GridCast>,
    units: Vec<(UnitId, UserId)>,
    /// Each category with its default unit's index and its SLA per priority.
    categories: Vec<(CategoryId, usize)>,
    dispatcher: UserId,
    supervisor: UserId,
}

struct GridCast {
    id: GridId,
    post_member: UserId,
    enterprises: Vec<EnterpriseId>,
}

const UNITS: usize = 10;
const GRIDS: usize = 10;
const ENTERPRISES_PER_GRID: usize = 5;

fn sla(priority: Priority) -> Sla {
    let (response, resolve) = match priority {
        Priority::Low => (120, 900),
        Priority::Normal => (60, 450),
        Priority::High => (30, 240),
        Priority::Urgent => (15, 120),
    };
    Sla::new(response, resolve).expect("static SLA")
}

async fn create_park(store: &Store) -> anyhow::Result<Park> {
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
    Ok(Park {
        grids,
        units,
        categories,
        dispatcher,
        supervisor,
    })
}

/// A history being written: each step moves from the status the last one reached, and none is
/// kept at or after `end` (nor any after it: times only grow).
struct History {
    events: Vec<Event>,
    status: Option<Status>,
    at: DateTime<Utc>,
    end: DateTime<Utc>,
    cut: bool,
}

impl History {
    fn new(end: DateTime<Utc>) -> Self {
        Self {
            events: Vec::with_capacity(10),
            status: None,
            at: DateTime::<Utc>::MIN_UTC,
            end,
            cut: false,
        }
    }

    /// Appends a step `after` the previous one; `to` `None` keeps the status. Returns whether
    /// the history goes on.
    fn step(
        &mut self,
        after: Duration,
        actor: Option<UserId>,
        to: Option<Status>,
        change: Change,
    ) -> bool {
        let at = self.at + after;
        if self.cut || at >= self.end {
            self.cut = true;
            return false;
        }
        let to = to.or(self.status).expect("the first step sets a status");
        self.events.push(Event {
            version: u32::try_from(self.events.len() + 1).unwrap_or(u32::MAX),
            at,
            actor,
            from: self.status,
            to,
            change,
        });
        self.status = Some(to);
        self.at = at;
        true
    }
}

fn reason(raw: &str) -> Reason {
    Reason::parse(raw).expect("static reason")
}

fn note(raw: &str) -> Note {
    Note::parse(raw).expect("static note")
}

/// Where issues are reported and how their histories unfold.
struct Generator<'a> {
    park: &'a Park,
    calendar: &'a Calendar,
    /// The first report.
    start: DateTime<Utc>,
    /// Nothing happens at or after this instant: the run's Monday 00:00.
    end: DateTime<Utc>,
    issues: u64,
    titles: Vec<Title>,
    description: Description,
}

impl Generator<'_> {
    fn shape(rng: &mut Rng) -> Shape {
        let mut pick = u32::try_from(rng.below(1000)).unwrap_or(0);
        for (shape, share) in SHAPES {
            if pick < share {
                return shape;
            }
            pick -= share;
        }
        Shape::Closed
    }

    /// Issue `id`'s history (ids from 1), with `comments` notes right after its report.
    fn history(&self, id: u64, comments: u64) -> (Shape, Vec<Event>) {
        let mut rng = Rng::new(id);
        let shape = Self::shape(&mut rng);
        // Reports evenly over the span (an hour short of its end, so that the comments fit),
        // in id order as a live store numbers them.
        let span = (self.end - self.start - Duration::hours(1)).num_seconds();
        let step = span / i64::try_from(self.issues.max(1)).unwrap_or(1);
        let offset = span * i64::try_from(id - 1).unwrap_or(0)
            / i64::try_from(self.issues.max(1)).unwrap_or(1)
            + i64::try_from(rng.below(u64::try_from(step.max(1)).unwrap_or(1))).unwrap_or(0);
        let created = self.start + Duration::seconds(offset);
        let grid = &self.park.grids[usize::try_from(rng.below(GRIDS as u64)).unwrap_or(0)];
        let enterprise =
            grid.enterprises[usize::try_from(rng.below(ENTERPRISES_PER_GRID as u64)).unwrap_or(0)];
        let (category, unit_index) = self.park.categories
            [usize::try_from(rng.below(self.park.categories.len() as u64)).unwrap_or(0)];
        let priority = match rng.below(100) {
            0..=9 => Priority::Low,
            10..=79 => Priority::Normal,
            80..=94 => Priority::High,
            _ => Priority::Urgent,
        };
        let source = match rng.below(100) {
            0..=49 => Source::Web,
            50..=69 => Source::Api,
            70..=89 => Source::Visit,
            90..=94 => Source::Open311,
            _ => Source::Cli,
        };
        let title =
            self.titles[usize::try_from(rng.below(self.titles.len() as u64)).unwrap_or(0)].clone();
        let reporter = Some(grid.post_member);
        let dispatcher = Some(self.park.dispatcher);
        let cal = self.calendar;

        let mut h = History::new(self.end);
        h.at = created;
        h.step(
            Duration::zero(),
            reporter,
            Some(Status::Reported),
            Change::Reported {
                title,
                description: self.description.clone(),
                category,
                priority,
                grid: grid.id,
                enterprise,
                source,
            },
        );
        // The comments take a second each and leave the rest of the history where it was, so
        // that the counting pass (without them) draws the same history.
        let reported_at = h.at;
        for _ in 0..comments {
            h.step(
                Duration::seconds(1),
                reporter,
                None,
                Change::Commented {
                    note: note("补充现场照片"),
                },
            );
        }
        h.at = reported_at;
        match shape {
            Shape::Rejected => {
                h.step(
                    rng.minutes(5, 240),
                    dispatcher,
                    Some(Status::Rejected),
                    Change::Rejected {
                        reason: reason("不属于园区管理范围"),
                    },
                );
                return (shape, h.events);
            }
            Shape::Duplicate => {
                let of = id.saturating_sub(1 + rng.below(50)).max(1);
                if of < id {
                    h.step(
                        rng.minutes(5, 240),
                        dispatcher,
                        Some(Status::Duplicate),
                        Change::MarkedDuplicate {
                            of: IssueId::new(i64::try_from(of).unwrap_or(1)).expect("id"),
                        },
                    );
                }
                return (shape, h.events);
            }
            _ => {}
        }
        h.step(
            rng.minutes(5, 240),
            dispatcher,
            Some(Status::Accepted),
            Change::Accepted { category, priority },
        );
        if shape == Shape::StuckAccepted {
            return (shape, h.events);
        }
        let sla = sla(priority);
        let assign = |h: &mut History, rng: &mut Rng, unit: UnitId| {
            let at = h.at + rng.minutes(5, 480);
            let resolve_due_at = cal.add_working_minutes(at, sla.resolve_minutes());
            h.step(
                at - h.at,
                dispatcher,
                Some(Status::Assigned),
                Change::Assigned {
                    unit,
                    sla,
                    response_due_at: cal.add_working_minutes(at, sla.response_minutes()),
                    resolve_due_at,
                },
            );
            resolve_due_at
        };
        let (mut unit, mut member) = self.park.units[unit_index];
        let mut resolve_due = assign(&mut h, &mut rng, unit);
        if shape == Shape::Returned {
            h.step(
                rng.minutes(10, 240),
                Some(member),
                Some(Status::Accepted),
                Change::Returned {
                    unit,
                    reason: reason("不属于本单位职责"),
                },
            );
            (unit, member) = self.park.units[(unit_index + 1) % self.park.units.len()];
            resolve_due = assign(&mut h, &mut rng, unit);
        }
        if matches!(shape, Shape::Escalated | Shape::StuckAssigned) {
            // The first rung, a minute after the response fell due (working minutes late).
            let due = self.events_response_due(&h);
            let at = due + Duration::minutes(1);
            h.step(
                at - h.at,
                None,
                None,
                Change::Escalated {
                    level: 1,
                    overdue_minutes: cal.working_minutes_between(due, at).max(1),
                },
            );
        }
        if shape == Shape::StuckAssigned {
            return (shape, h.events);
        }
        h.step(
            rng.minutes(5, 180),
            Some(member),
            Some(Status::InProgress),
            Change::Started,
        );
        if shape == Shape::StuckStarted {
            return (shape, h.events);
        }
        if matches!(shape, Shape::Held | Shape::StuckHeld) {
            h.step(
                rng.minutes(10, 180),
                Some(member),
                Some(Status::OnHold),
                Change::Held {
                    reason: reason("等待备件到货"),
                },
            );
            if shape == Shape::StuckHeld {
                return (shape, h.events);
            }
            let held_since = h.at;
            let at = held_since + rng.minutes(60, 2880);
            let held_minutes = cal.working_minutes_between(held_since, at);
            resolve_due = cal.add_working_minutes(resolve_due, held_minutes);
            h.step(
                at - h.at,
                Some(member),
                Some(Status::InProgress),
                Change::Resumed {
                    held_minutes,
                    resolve_due_at: resolve_due,
                },
            );
        }
        if shape == Shape::Extended {
            let until = resolve_due.max(h.at) + Duration::days(2);
            h.step(
                rng.minutes(10, 180),
                Some(member),
                None,
                Change::ExtensionRequested {
                    until,
                    reason: reason("需要停电检修"),
                },
            );
            h.step(
                rng.minutes(10, 240),
                Some(self.park.supervisor),
                None,
                Change::ExtensionGranted {
                    resolve_due_at: until,
                },
            );
        }
        let resolve = |h: &mut History, rng: &mut Rng| {
            h.step(
                rng.minutes(30, 4320),
                Some(member),
                Some(Status::Resolved),
                Change::Resolved {
                    note: note("已修复"),
                    public_note: None,
                },
            )
        };
        resolve(&mut h, &mut rng);
        if shape == Shape::StuckResolved {
            return (shape, h.events);
        }
        if shape == Shape::Reworked {
            let at = h.at + rng.minutes(60, 2880);
            h.step(
                at - h.at,
                reporter,
                Some(Status::Assigned),
                Change::Reworked {
                    reason: reason("现场复查未修好"),
                    response_due_at: cal.add_working_minutes(at, sla.response_minutes()),
                    resolve_due_at: cal.add_working_minutes(at, sla.resolve_minutes()),
                },
            );
            h.step(
                rng.minutes(5, 180),
                Some(member),
                Some(Status::InProgress),
                Change::Started,
            );
            resolve(&mut h, &mut rng);
        }
        let score = match rng.below(100) {
            0..=4 => 2,
            5..=19 => 3,
            20..=59 => 4,
            _ => 5,
        };
        h.step(
            rng.minutes(60, 4320),
            reporter,
            Some(Status::Closed),
            Change::Verified {
                satisfaction: Satisfaction::new(score).expect("1 to 5"),
                note: None,
            },
        );
        (shape, h.events)
    }

    /// The response deadline of the history's latest assignment.
    fn events_response_due(&self, h: &History) -> DateTime<Utc> {
        h.events
            .iter()
            .rev()
            .find_map(|e| match &e.change {
                Change::Assigned {
                    response_due_at, ..
                } => Some(*response_due_at),
                _ => None,
            })
            .unwrap_or(h.at)
    }
}

/// An `issues` row as the store writes it (`ISSUE_COLUMNS` after the id); the field names are
/// the columns, for PostgreSQL's `jsonb_populate_recordset`.
#[derive(Debug, Serialize)]
struct IssueRecord {
    id: i64,
    version: i64,
    status: &'static str,
    title: String,
    description: String,
    category_id: i64,
    priority: &'static str,
    grid_id: i64,
    enterprise_id: i64,
    reporter_id: Option<i64>,
    source: &'static str,
    unit_id: Option<i64>,
    sla_response_minutes: Option<i64>,
    sla_resolve_minutes: Option<i64>,
    assigned_at: Option<DateTime<Utc>>,
    response_due_at: Option<DateTime<Utc>>,
    resolve_due_at: Option<DateTime<Utc>>,
    responded_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    held_since: Option<DateTime<Utc>>,
    held_minutes: i64,
    escalation_level: i64,
    rework_count: i64,
    return_count: i64,
    resolution: Option<String>,
    satisfaction: Option<i64>,
    verifier_id: Option<i64>,
    duplicate_of: Option<i64>,
    extension_until: Option<DateTime<Utc>>,
    extension_reason: Option<String>,
    extension_requested_by: Option<i64>,
    extension_requested_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const ISSUE_COLUMNS: &str = "id, version, status, title, description, category_id, priority, \
     grid_id, enterprise_id, reporter_id, source, unit_id, sla_response_minutes, \
     sla_resolve_minutes, assigned_at, response_due_at, resolve_due_at, responded_at, \
     resolved_at, closed_at, held_since, held_minutes, escalation_level, rework_count, \
     return_count, resolution, satisfaction, verifier_id, duplicate_of, extension_until, \
     extension_reason, extension_requested_by, extension_requested_at, created_at, updated_at";

impl From<&Issue> for IssueRecord {
    fn from(issue: &Issue) -> Self {
        let ext = issue.pending_extension.as_ref();
        Self {
            id: issue.id.get(),
            version: i64::from(issue.version),
            status: issue.status.as_str(),
            title: issue.title.as_str().to_owned(),
            description: issue.description.as_str().to_owned(),
            category_id: issue.category.get(),
            priority: issue.priority.as_str(),
            grid_id: issue.grid.get(),
            enterprise_id: issue.enterprise.get(),
            reporter_id: issue.reporter.map(UserId::get),
            source: issue.source.as_str(),
            unit_id: issue.unit.map(UnitId::get),
            sla_response_minutes: issue.sla.map(|s| i64::from(s.response_minutes())),
            sla_resolve_minutes: issue.sla.map(|s| i64::from(s.resolve_minutes())),
            assigned_at: issue.assigned_at,
            response_due_at: issue.response_due_at,
            resolve_due_at: issue.resolve_due_at,
            responded_at: issue.responded_at,
            resolved_at: issue.resolved_at,
            closed_at: issue.closed_at,
            held_since: issue.held_since,
            held_minutes: i64::from(issue.held_minutes),
            escalation_level: i64::from(issue.escalation_level),
            rework_count: i64::from(issue.rework_count),
            return_count: i64::from(issue.return_count),
            resolution: issue.resolution.as_ref().map(|n| n.as_str().to_owned()),
            satisfaction: issue.satisfaction.map(|s| i64::from(s.get())),
            verifier_id: issue.verifier.map(UserId::get),
            duplicate_of: issue.duplicate_of.map(IssueId::get),
            extension_until: ext.map(|e| e.until),
            extension_reason: ext.map(|e| e.reason.as_str().to_owned()),
            extension_requested_by: ext.and_then(|e| e.requested_by).map(UserId::get),
            extension_requested_at: ext.map(|e| e.requested_at),
            created_at: issue.created_at,
            updated_at: issue.updated_at,
        }
    }
}

/// An `issue_events` row as the store writes it (`INSERT_EVENT`).
#[derive(Debug, Serialize)]
struct EventRecord {
    issue_id: i64,
    version: i64,
    kind: &'static str,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    from_status: Option<&'static str>,
    to_status: &'static str,
    payload: serde_json::Value,
}

impl EventRecord {
    fn new(issue: i64, event: &Event) -> anyhow::Result<Self> {
        Ok(Self {
            issue_id: issue,
            version: i64::from(event.version),
            kind: event.change.kind(),
            at: event.at,
            actor_id: event.actor.map(UserId::get),
            from_status: event.from.map(Status::as_str),
            to_status: event.to.as_str(),
            payload: serde_json::to_value(&event.change)?,
        })
    }
}

/// One transaction's worth of rows.
struct Chunk {
    issues: Vec<IssueRecord>,
    events: Vec<EventRecord>,
}

/// What was generated, by shape, status and event kind.
#[derive(Debug, Default, Serialize)]
struct Distribution {
    shapes: BTreeMap<String, u64>,
    statuses: BTreeMap<&'static str, u64>,
    kinds: BTreeMap<&'static str, u64>,
    /// Open issues overdue at the run's Monday 00:00.
    overdue: u64,
}

/// Generates the issues on this (blocking) thread and sends them a chunk at a time.
fn generate(
    gen: &Generator<'_>,
    total_events: u64,
    tx: &tokio::sync::mpsc::Sender<anyhow::Result<Chunk>>,
) -> anyhow::Result<Distribution> {
    // First pass: the histories' lengths, so that the comments can be spread evenly.
    let base: u64 = (1..=gen.issues)
        .map(|id| gen.history(id, 0).1.len() as u64)
        .sum();
    anyhow::ensure!(
        base <= total_events,
        "the histories alone make {base} events, more than the {total_events} asked for; \
         ask for more events per issue"
    );
    let padding = total_events - base;
    let n = gen.issues;
    let mut dist = Distribution::default();
    let mut chunk = Chunk {
        issues: Vec::with_capacity(CHUNK),
        events: Vec::with_capacity(CHUNK * 6),
    };
    for id in 1..=n {
        // Issue `id` gets the comments that bring the running total to `padding × id / n`.
        let comments = u64::try_from(
            u128::from(padding) * u128::from(id) / u128::from(n)
                - u128::from(padding) * u128::from(id - 1) / u128::from(n),
        )
        .unwrap_or(0);
        let (shape, events) = gen.history(id, comments);
        let issue_id = IssueId::new(i64::try_from(id)?)?;
        let mut issue = Issue::open(issue_id, &events[0])?;
        for event in &events[1..] {
            issue.evolve(event)?;
        }
        *dist.shapes.entry(format!("{shape:?}")).or_default() += 1;
        *dist.statuses.entry(issue.status.as_str()).or_default() += 1;
        dist.overdue += u64::from(issue.is_overdue(gen.end));
        for event in &events {
            *dist.kinds.entry(event.change.kind()).or_default() += 1;
            chunk.events.push(EventRecord::new(issue_id.get(), event)?);
        }
        chunk.issues.push(IssueRecord::from(&issue));
        if chunk.issues.len() == CHUNK || id == n {
            let full = std::mem::replace(
                &mut chunk,
                Chunk {
                    issues: Vec::with_capacity(CHUNK),
                    events: Vec::with_capacity(CHUNK * 6),
                },
            );
            if tx.blocking_send(Ok(full)).is_err() {
                break; // the writer failed and said why
            }
        }
    }
    Ok(dist)
}

async fn write_sqlite(conn: &mut sqlx::SqliteConnection, chunk: &Chunk) -> anyhow::Result<()> {
    let mut tx = conn.begin().await?;
    // 35 columns × 500 rows and 8 × 2,000 stay under SQLite's 32,766 variables.
    for rows in chunk.issues.chunks(500) {
        let mut q =
            QueryBuilder::<sqlx::Sqlite>::new(format!("INSERT INTO issues ({ISSUE_COLUMNS}) "));
        q.push_values(rows, |mut b, r| {
            b.push_bind(r.id)
                .push_bind(r.version)
                .push_bind(r.status)
                .push_bind(r.title.as_str())
                .push_bind(r.description.as_str())
                .push_bind(r.category_id)
                .push_bind(r.priority)
                .push_bind(r.grid_id)
                .push_bind(r.enterprise_id)
                .push_bind(r.reporter_id)
                .push_bind(r.source)
                .push_bind(r.unit_id)
                .push_bind(r.sla_response_minutes)
                .push_bind(r.sla_resolve_minutes)
                .push_bind(r.assigned_at)
                .push_bind(r.response_due_at)
                .push_bind(r.resolve_due_at)
                .push_bind(r.responded_at)
                .push_bind(r.resolved_at)
                .push_bind(r.closed_at)
                .push_bind(r.held_since)
                .push_bind(r.held_minutes)
                .push_bind(r.escalation_level)
                .push_bind(r.rework_count)
                .push_bind(r.return_count)
                .push_bind(r.resolution.as_deref())
                .push_bind(r.satisfaction)
                .push_bind(r.verifier_id)
                .push_bind(r.duplicate_of)
                .push_bind(r.extension_until)
                .push_bind(r.extension_reason.as_deref())
                .push_bind(r.extension_requested_by)
                .push_bind(r.extension_requested_at)
                .push_bind(r.created_at)
                .push_bind(r.updated_at);
        });
        q.build().execute(&mut *tx).await?;
    }
    for rows in chunk.events.chunks(2000) {
        let mut q = QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO issue_events \
             (issue_id, version, kind, at, actor_id, from_status, to_status, payload) ",
        );
        q.push_values(rows, |mut b, r| {
            b.push_bind(r.issue_id)
                .push_bind(r.version)
                .push_bind(r.kind)
                .push_bind(r.at)
                .push_bind(r.actor_id)
                .push_bind(r.from_status)
                .push_bind(r.to_status)
                .push_bind(r.payload.to_string());
        });
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn write_postgres(conn: &mut sqlx::PgConnection, chunk: &Chunk) -> anyhow::Result<()> {
    let mut tx = conn.begin().await?;
    // The rows as one JSON array per table, expanded server-side: one statement and one round
    // trip per 10,000 issues, with the columns named, not positioned.
    sqlx::query(
        "INSERT INTO issues OVERRIDING SYSTEM VALUE \
         SELECT * FROM jsonb_populate_recordset(NULL::issues, $1)",
    )
    .bind(Json(&chunk.issues))
    .execute(&mut *tx)
    .await?;
    for rows in chunk.events.chunks(20_000) {
        sqlx::query(
            "INSERT INTO issue_events \
             SELECT * FROM jsonb_populate_recordset(NULL::issue_events, $1)",
        )
        .bind(Json(rows))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The run's instants: the report's week and the job's `now`.
struct Timing {
    period: Period,
    now: DateTime<Utc>,
    /// Start of the generated span.
    start: DateTime<Utc>,
}

fn timing(weeks: u32, calendar: &Calendar) -> Timing {
    // The Monday job of 2026-W49 at 08:00 in Shanghai reports on 2026-W48, the span's last week.
    let now = Utc
        .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let period = Period::week_containing(now, calendar.tz()).previous();
    let start = period.to() - Duration::weeks(i64::from(weeks.max(1)));
    Timing {
        period,
        now: period.to() + Duration::hours(8),
        start,
    }
}

#[derive(Debug, Serialize)]
struct Row {
    backend: &'static str,
    issues: u64,
    events: u64,
    weeks: u32,
    period: String,
    trend_weeks: usize,
    scopes: usize,
    generate_s: f64,
    distribution: Distribution,
    runs_ms: Vec<f64>,
    report_ms: f64,
    target_ms: f64,
    met: bool,
    /// Resident memory before the runs and the highest seen during them, in MiB.
    rss_before_mib: f64,
    rss_peak_mib: f64,
    /// The kernel's high-water mark over the runs (reset before them), when it can be reset.
    hwm_mib: Option<f64>,
    /// The Monday run, the seven weeks before stored: the figure the target is about.
    monday_runs_ms: Vec<f64>,
    monday_ms: f64,
}

pub async fn run(args: &BenchReportArgs, json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for &backend in &args.backend {
        let scratch = Scratch::create(backend, &args.pg_url).await?;
        let result = run_on(backend, &scratch.url, args, json).await;
        scratch.drop().await?;
        rows.push(result?);
    }
    if json {
        return print_json(&rows);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.issues.to_string(),
                r.events.to_string(),
                format!("{:.0}", r.generate_s),
                format!("{:.0}", r.report_ms),
                format!("{:.0}", r.monday_ms),
                format!("{:.0}", r.rss_peak_mib - r.rss_before_mib),
                format!("< {:.0}", r.target_ms),
                if r.met { "met" } else { "not met" }.to_owned(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "BACKEND",
                "ISSUES",
                "EVENTS",
                "GENERATE S",
                "COLD MS",
                "MONDAY MS",
                "RSS +MIB",
                "TARGET MS",
                "RESULT"
            ],
            &cells
        )
    );
    Ok(())
}

async fn run_on(
    backend: Backend,
    url: &str,
    args: &BenchReportArgs,
    json: bool,
) -> anyhow::Result<Row> {
    let calendar = Arc::new(Calendar::default_china());
    let t = timing(args.weeks, &calendar);
    let issues = args.issues.max(1) as u64;
    let total_events = issues * args.events_per_issue as u64;

    let store = Store::connect(url).await?;
    store.migrate().await?;
    let park = Arc::new(create_park(&store).await?);
    store.close().await;

    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Chunk>>(2);
    let producer = {
        let (park, calendar) = (park.clone(), calendar.clone());
        let (start, end) = (t.start, t.period.to());
        tokio::task::spawn_blocking(move || {
            let titles = [
                "厂区道路破损",
                "路灯不亮",
                "污水外溢",
                "消防通道堵塞",
                "围墙倒塌",
            ]
            .iter()
            .map(|s| Title::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
            let gen = Generator {
                park: &park,
                calendar: &calendar,
                start,
                end,
                issues,
                titles,
                description: Description::parse("重型货车碾压导致路面破损")?,
            };
            let result = generate(&gen, total_events, &tx);
            if let Err(e) = &result {
                let _ = tx.blocking_send(Err(anyhow::anyhow!("{e:#}")));
            }
            result
        })
    };
    match backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await?;
            // The scratch file only: a crash loses nothing worth keeping.
            sqlx::query("PRAGMA synchronous = OFF")
                .execute(&mut conn)
                .await?;
            while let Some(chunk) = rx.recv().await {
                write_sqlite(&mut conn, &chunk?).await?;
            }
            conn.close().await?;
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            while let Some(chunk) = rx.recv().await {
                write_postgres(&mut conn, &chunk?).await?;
            }
            conn.close().await?;
        }
    }
    let distribution = producer.await??;
    on_connection!(backend, url, conn => {
        let statements: &[&str] = match backend {
            Backend::Sqlite => &["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"],
            Backend::Postgres => &[
                "SELECT setval(pg_get_serial_sequence('issues', 'id'), (SELECT max(id) FROM issues))",
                "VACUUM ANALYZE issues",
                "VACUUM ANALYZE issue_events",
            ],
        };
        for sql in statements {
            sqlx::query(sql).execute(&mut conn).await?;
        }
        conn.close().await?;
    });
    let generate_s = started.elapsed().as_secs_f64();
    let events: u64 = distribution.kinds.values().sum();
    if !json {
        eprintln!(
            "{}: generated {issues} issues and {events} events over {} weeks in {generate_s:.1} s",
            name(backend),
            args.weeks
        );
        eprintln!("  shapes:   {}", join(&distribution.shapes));
        eprintln!("  statuses: {}", join(&distribution.statuses));
        eprintln!("  events:   {}", join(&distribution.kinds));
        eprintln!("  overdue at the run: {}", distribution.overdue);
    }

    // The Monday job, without the sending.
    let store = Store::connect(url).await?;
    let settings = ReportContext::new(calendar.clone());
    let scopes = all_scopes(&store).await?;
    let rss_before = rss_kib("VmRSS");
    let hwm_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let sampler = Sampler::start();
    let mut runs_ms = Vec::new();
    for _ in 0..args.runs.max(1) {
        let clock = Instant::now();
        let reports = weekly_reports(&store, &settings, t.period, &scopes, t.now).await?;
        runs_ms.push(clock.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            reports.len() == scopes.len(),
            "{} reports for {} scopes",
            reports.len(),
            scopes.len()
        );
    }
    let rss_peak = sampler.stop();
    let hwm = hwm_reset.then(|| rss_kib("VmHWM"));
    store.close().await;
    let report_ms = median(runs_ms.clone());
    if !json {
        let runs: Vec<String> = runs_ms.iter().map(|ms| format!("{ms:.0}")).collect();
        eprintln!(
            "{}: cold run for {} ({} scopes, all {TREND_WEEKS} weeks computed): {} ms (median of {})",
            name(backend),
            t.period,
            scopes.len(),
            runs.join(", "),
            runs_ms.len()
        );
        eprintln!(
            "  RSS {:.0} MiB before, peak {:.0} MiB during the runs{}",
            mib(rss_before),
            mib(rss_peak),
            hwm.map(|h| format!(" (kernel high-water mark {:.0} MiB)", mib(h)))
                .unwrap_or_default()
        );
    }

    // The seven Mondays before: each week sent and stored (untimed), then this Monday's run.
    let store = Store::connect(url).await?;
    for earlier in &t.period.trailing(TREND_WEEKS)[..TREND_WEEKS - 1] {
        for report in weekly_reports(&store, &settings, *earlier, &scopes, earlier.to()).await? {
            store.save_report_copy(&report, None, earlier.to()).await?;
        }
    }
    let mut monday_runs_ms = Vec::new();
    for _ in 0..args.runs.max(1) {
        let clock = Instant::now();
        let reports = weekly_reports(&store, &settings, t.period, &scopes, t.now).await?;
        monday_runs_ms.push(clock.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(reports.len() == scopes.len(), "a report per scope");
    }
    store.close().await;
    let monday_ms = median(monday_runs_ms.clone());
    if !json {
        let runs: Vec<String> = monday_runs_ms.iter().map(|ms| format!("{ms:.0}")).collect();
        eprintln!(
            "{}: the Monday run, the seven weeks before stored: {} ms (median of {})",
            name(backend),
            runs.join(", "),
            monday_runs_ms.len()
        );
    }
    Ok(Row {
        backend: name(backend),
        issues,
        events,
        weeks: args.weeks,
        period: t.period.to_string(),
        trend_weeks: TREND_WEEKS,
        scopes: scopes.len(),
        generate_s,
        distribution,
        runs_ms,
        report_ms,
        target_ms: TARGET_MS,
        met: monday_ms < TARGET_MS,
        rss_before_mib: mib(rss_before),
        rss_peak_mib: mib(rss_peak.max(rss_before)),
        hwm_mib: hwm.map(mib),
        monday_runs_ms,
        monday_ms,
    })
}

fn join<K: std::fmt::Display>(map: &BTreeMap<K, u64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Samples this process's resident memory every 10 ms on a thread of its own.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl Sampler {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut peak = 0;
                while !stop.load(Ordering::Relaxed) {
                    peak = peak.max(rss_kib("VmRSS"));
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                peak.max(rss_kib("VmRSS"))
            })
        };
        Self { stop, thread }
    }

    /// The highest resident size seen, in KiB.
    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// A `Vm…` line of `/proc/self/status`, in KiB (0 where there is no procfs).
fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix(field)?
                    .strip_prefix(':')?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}
