//! Eight weeks of history for the demo park, written through the real workflow.
//!
//! A newcomer's first dashboard, trend chart, league table and weekly report are empty on a
//! fresh park, which shows nothing of the product. So `gridloop demo` also plays the eight
//! weeks before `now` working day by working day: posts report problems of their grid's
//! enterprises, the dispatcher accepts and assigns them to the category's default unit, the
//! unit starts and resolves them, the reporter verifies. Some are resolved late, some reworked,
//! returned, held, rejected or marked duplicate, and a few stall and are still open and overdue
//! at `now`.
//!
//! Every step goes through [`issues::intake`](crate::issues::intake) and
//! [`issues::act`](crate::issues::act) — the same use cases, checks and store calls the API
//! uses — with the state's clock a [`ManualClock`] set to the step's simulated instant, so
//! events, deadlines and timers carry the instants they would have had. Steps of all issues are
//! taken in time order, and the scheduler (the same one `gridloop jobs work` ticks) runs each
//! evening, so the SLA timers due that day fire: reminders and escalations happen in history
//! too.
//!
//! The choices come from a hand-written xorshift generator with a fixed seed: the same `now`
//! always gives the same history (no dependency, and no randomness a test could trip on).
//!
//! Idempotent: history is only written into a park with no issue yet, so running the demo again
//! (or after someone reported a real problem) adds nothing.
//!
//! The notifications the workflow queues for these past events are settled as sent under the
//! provider id [`PROVIDER_ID`] without being delivered: otherwise the first `serve` would render
//! hundreds of stale messages into the outbox at once.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use gridloop_core::{
    ActionKind, Actor, Calendar, Code, Description, EnterpriseId, Issue, IssueId, Login, Note,
    Priority, Reason, Satisfaction, Source, Title, Workflow,
};
use gridloop_store::{IssueFilter, Store};

use super::park::Park;
use crate::clock::{Clock, ManualClock};
use crate::error::AppError;
use crate::issues::{act, intake, ActionInput, CategoryRef, Intake};
use crate::settings::Settings;
use crate::state::AppState;

/// How many weeks before `now` the history covers.
pub const WEEKS: u32 = 8;

/// The provider id the history's notifications are settled under (never delivered).
pub const PROVIDER_ID: &str = "demo-history (not delivered)";

/// The generator's seed: any odd constant; fixed so every run plays the same story.
const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Issues reported per working day, at least and at most (about 45 a week on average).
const PER_DAY: (u32, u32) = (6, 12);

/// Percent chances of each fate, drawn once per issue when it is reported.
const REJECTED: u32 = 4;
const DUPLICATE: u32 = 3;
const RETURNED: u32 = 5;
const HELD: u32 = 5;
const REWORKED: u32 = 8;
const LATE: u32 = 15;
const STALLED: u32 = 3;

/// What seeding the history did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct History {
    /// The park had issues already: nothing was written.
    pub already_present: bool,
    pub weeks: u32,
    /// Issues reported.
    pub issues: usize,
    /// Lifecycle steps taken after the reports.
    pub actions: usize,
    /// Of the issues, those still open at `now`, and those of them past a deadline.
    pub open: usize,
    pub overdue: usize,
    /// Notifications settled without delivery.
    pub notifications_settled: usize,
}

/// A title of each category (by code), picked from at random.
const TITLES: [(&str, [&str; 3]); 10] = [
    (
        "roads",
        [
            "厂区门口道路破损需修补",
            "园区主干道路灯不亮",
            "货车进出路口拥堵",
        ],
    ),
    (
        "power",
        [
            "厂区频繁停电影响生产",
            "专线变压器容量不足",
            "电压不稳导致设备跳闸",
        ],
    ),
    (
        "commute",
        [
            "员工上下班公交班次太少",
            "园区通勤车需增设站点",
            "夜班员工返程无车",
        ],
    ),
    (
        "logistics",
        [
            "货运车辆通行证办理慢",
            "物流车辆夜间限行影响发货",
            "园区缺少集中停车场",
        ],
    ),
    (
        "land",
        [
            "扩建用地手续办理缓慢",
            "厂房规划许可待审批",
            "土地证办理材料咨询",
        ],
    ),
    (
        "finance",
        [
            "流动资金贷款需求对接",
            "设备购置融资需协调",
            "应收账款融资咨询",
        ],
    ),
    (
        "policy",
        [
            "技改补贴申报政策咨询",
            "高新技术企业认定咨询",
            "稳岗补贴申领流程咨询",
        ],
    ),
    (
        "matching",
        [
            "铝锭原料采购渠道对接",
            "寻找本地型材配套企业",
            "产品进入整车厂供应链对接",
        ],
    ),
    (
        "labour",
        [
            "急需招聘一线操作工",
            "技术工人招聘困难",
            "用工高峰期需协助招聘",
        ],
    ),
    (
        "environment",
        ["周边企业异味扰民", "污水管网堵塞需疏通", "危废转运不及时"],
    ),
];

/// A small xorshift64* generator: deterministic, good enough to vary a demo, no dependency.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % u64::from(hi - lo + 1)) as u32
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.range(0, 99) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// One step of an issue's story. The order breaks ties between steps at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Report,
    Accept,
    Reject,
    Duplicate,
    Assign,
    Return,
    Start,
    Hold,
    Resume,
    Resolve,
    Rework,
    Verify,
}

/// How an issue's story ends, apart from the usual verified close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Closed,
    Rejected,
    Duplicate,
}

/// One issue's story: what it is about, its fate (drawn when reported) and how far it got.
#[derive(Debug)]
struct Case {
    enterprise: EnterpriseId,
    reporter: String,
    category: usize,
    priority: Priority,
    title: &'static str,
    source: Source,
    ending: Ending,
    returned: bool,
    held: bool,
    reworked: bool,
    late: bool,
    stalled: bool,
    /// The unit it is (to be) assigned to: the category's default, another after a return.
    unit: String,
    duplicate_of: Option<IssueId>,
    issue: Option<Issue>,
}

/// Seeds the history into the park of `store` (seeded from `park` already), ending at `now`;
/// nothing if the park has an issue. `workflow` and `settings` are those a server would run
/// with; the clock is this function's own.
pub async fn seed(
    store: &Store,
    park: &Park,
    workflow: Workflow,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<History, AppError> {
    let mut history = History {
        already_present: false,
        weeks: WEEKS,
        issues: 0,
        actions: 0,
        open: 0,
        overdue: 0,
        notifications_settled: 0,
    };
    if !store
        .list_issues(&IssueFilter::default(), 1, None)
        .await?
        .items
        .is_empty()
    {
        history.already_present = true;
        return Ok(history);
    }
    let clock = Arc::new(ManualClock::new(now));
    let shared: Arc<dyn Clock> = clock.clone();
    let state = AppState::from_settings(store.clone(), workflow, shared.clone(), settings)
        .map_err(|e| AppError::internal("the demo history's state", &e))?;
    let scheduler = crate::jobs::build(store.clone(), &state.workflow, shared, settings)
        .map_err(|e| AppError::internal("the demo history's scheduler", &e))?;
    let calendar = state.calendar();
    let mut rng = Rng(SEED);
    let mut cases = plan_reports(store, park, &calendar, now, &mut rng).await?;

    // Every step of every issue in time order; a step's successor is planned once it is taken,
    // from the deadlines the workflow gave the issue.
    let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, Step, usize)>> = cases
        .iter()
        .enumerate()
        .map(|(i, (at, _))| Reverse((*at, Step::Report, i)))
        .collect();
    let mut evenings = evenings(&calendar, now).into_iter().peekable();
    let mut actors: HashMap<String, Actor> = HashMap::new();
    let mut last_of_category: HashMap<usize, IssueId> = HashMap::new();
    while let Some(Reverse((at, step, i))) = queue.pop() {
        if at >= now {
            // Not yet: the story stops here at `now`, the issue open.
            continue;
        }
        while let Some(evening) = evenings.next_if(|e| *e <= at) {
            clock.set(evening);
            tick(&scheduler).await?;
        }
        clock.set(at);
        let case = &mut cases[i].1;
        if step == Step::Report {
            case.duplicate_of = last_of_category.get(&case.category).copied();
            if case.ending == Ending::Duplicate && case.duplicate_of.is_none() {
                case.ending = Ending::Closed;
            }
        }
        let issue = take(&state, park, &mut actors, case, step).await?;
        if step == Step::Report {
            last_of_category.insert(case.category, issue.id);
            history.issues += 1;
        } else {
            history.actions += 1;
        }
        case.issue = Some(issue);
        if let Some((next_at, next)) = plan_next(case, step, at, park, &calendar, &mut rng) {
            queue.push(Reverse((next_at, next, i)));
        }
    }
    for evening in evenings {
        clock.set(evening);
        tick(&scheduler).await?;
    }
    clock.set(now);
    tick(&scheduler).await?;
    for (_, case) in &cases {
        if let Some(issue) = &case.issue {
            if issue.status.is_open() {
                history.open += 1;
                if issue.is_overdue(now) {
                    history.overdue += 1;
                }
            }
        }
    }
    history.notifications_settled = settle_notifications(store, now).await?;
    tracing::info!(
        issues = history.issues,
        actions = history.actions,
        open = history.open,
        overdue = history.overdue,
        "demo history seeded"
    );
    Ok(history)
}

/// The issues of the eight weeks, each with the instant it is reported: a few each working day,
/// at a working moment of the day, by a post of the enterprise's grid.
async fn plan_reports(
    store: &Store,
    park: &Park,
    calendar: &Calendar,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Result<Vec<(DateTime<Utc>, Case)>, AppError> {
    let grid_codes: HashMap<_, _> = store
        .grids()
        .await?
        .into_iter()
        .map(|g| (g.id, g.code.to_string()))
        .collect();
    // Per grid (in the park's order): its enterprises and its post members' logins.
    let enterprises = store.enterprises(None).await?;
    let grids: Vec<(Vec<EnterpriseId>, Vec<String>)> = park
        .grids
        .iter()
        .map(|spec| {
            let members = enterprises
                .iter()
                .filter(|e| grid_codes.get(&e.grid) == Some(&spec.code))
                .map(|e| e.id)
                .collect();
            let posts = spec
                .posts
                .iter()
                .map(|p| format!("post{}", &p.code[1..]))
                .collect();
            (members, posts)
        })
        .filter(|(members, posts): &(Vec<EnterpriseId>, Vec<String>)| {
            !members.is_empty() && !posts.is_empty()
        })
        .collect();
    if grids.is_empty() || park.categories.is_empty() {
        return Ok(Vec::new());
    }
    let tz = calendar.tz();
    let first = (now - Duration::weeks(i64::from(WEEKS)))
        .with_timezone(&tz)
        .date_naive();
    let last = now.with_timezone(&tz).date_naive();
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a time");
    let mut cases = Vec::new();
    for day in first.iter_days().take_while(|d| *d <= last) {
        if !calendar.is_working_day(day) {
            continue;
        }
        let Some(opening) = tz.from_local_datetime(&day.and_time(nine)).earliest() else {
            continue;
        };
        let opening = opening.with_timezone(&Utc);
        let mut day_cases = Vec::new();
        for _ in 0..rng.range(PER_DAY.0, PER_DAY.1) {
            let at = calendar.add_working_minutes(opening, rng.range(0, 420));
            let (members, posts) = rng.pick(&grids);
            let category = rng.range(0, park.categories.len() as u32 - 1) as usize;
            let code = park.categories[category].code.as_str();
            let titles = TITLES
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(&["企业反映问题需协调解决"][..], |(_, t)| &t[..]);
            let priority = match rng.range(0, 99) {
                0..=14 => Priority::Low,
                15..=74 => Priority::Normal,
                75..=94 => Priority::High,
                _ => Priority::Urgent,
            };
            let ending = match rng.range(0, 99) {
                n if n < REJECTED => Ending::Rejected,
                n if n < REJECTED + DUPLICATE => Ending::Duplicate,
                _ => Ending::Closed,
            };
            let case = Case {
                enterprise: *rng.pick(members),
                reporter: rng.pick(posts).clone(),
                category,
                priority,
                title: titles[rng.range(0, titles.len() as u32 - 1) as usize],
                source: if rng.chance(75) {
                    Source::Web
                } else {
                    Source::Api
                },
                ending,
                returned: rng.chance(RETURNED),
                held: rng.chance(HELD),
                reworked: rng.chance(REWORKED),
                late: rng.chance(LATE),
                stalled: rng.chance(STALLED),
                unit: park.categories[category].default_unit.clone(),
                duplicate_of: None,
                issue: None,
            };
            day_cases.push((at, case));
        }
        // Reported in the order of the day, so ids follow time.
        day_cases.sort_by_key(|(at, _)| *at);
        cases.extend(day_cases.into_iter().filter(|(at, _)| *at < now));
    }
    Ok(cases)
}

/// 19:00 local of every day of the eight weeks: when the scheduler runs in the story.
fn evenings(calendar: &Calendar, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let tz = calendar.tz();
    let first = (now - Duration::weeks(i64::from(WEEKS)))
        .with_timezone(&tz)
        .date_naive();
    let seven = NaiveTime::from_hms_opt(19, 0, 0).expect("19:00 is a time");
    first
        .iter_days()
        .filter_map(|d| tz.from_local_datetime(&d.and_time(seven)).earliest())
        .map(|t| t.with_timezone(&Utc))
        .take_while(|t| *t < now)
        .collect()
}

async fn tick(scheduler: &gridloop_scheduler::Scheduler) -> Result<(), AppError> {
    scheduler
        .tick()
        .await
        .map(|_| ())
        .map_err(|e| AppError::internal("the demo history's scheduler tick", &e))
}

/// Takes `step` of the case's issue as the person whose step it is; the issue after it.
async fn take(
    state: &AppState,
    park: &Park,
    actors: &mut HashMap<String, Actor>,
    case: &Case,
    step: Step,
) -> Result<Issue, AppError> {
    let login = match step {
        Step::Report | Step::Rework | Step::Verify => case.reporter.as_str(),
        Step::Accept | Step::Reject | Step::Duplicate | Step::Assign => "dispatch",
        Step::Return | Step::Start | Step::Hold | Step::Resume | Step::Resolve => {
            case.unit.as_str()
        }
    };
    if !actors.contains_key(login) {
        let actor = state.store.actor(&parse(Login::parse(login))?).await?;
        actors.insert(login.to_owned(), actor);
    }
    let actor = &actors[login];
    if step == Step::Report {
        let category = parse(Code::parse(&park.categories[case.category].code))?;
        let reported = intake(
            state,
            actor,
            Intake {
                enterprise: case.enterprise,
                category: CategoryRef::Code(category),
                title: parse(Title::parse(case.title))?,
                description: parse(Description::parse(&format!(
                    "企业反映：{}，请协调解决。",
                    case.title
                )))?,
                priority: case.priority,
                source: case.source,
                client_key: None,
                open311: None,
            },
        )
        .await?;
        return Ok(reported.issue);
    }
    let id = case
        .issue
        .as_ref()
        .map(|i| i.id)
        .ok_or_else(|| AppError::internal("the demo history", &"a step before the report"))?;
    let reason = |text: &str| parse(Reason::parse(text)).map(Some);
    let mut input = ActionInput::new(match step {
        Step::Report | Step::Accept => ActionKind::Accept,
        Step::Reject => ActionKind::Reject,
        Step::Duplicate => ActionKind::MarkDuplicate,
        Step::Assign => ActionKind::Assign,
        Step::Return => ActionKind::Return,
        Step::Start => ActionKind::Start,
        Step::Hold => ActionKind::Hold,
        Step::Resume => ActionKind::Resume,
        Step::Resolve => ActionKind::Resolve,
        Step::Rework => ActionKind::Rework,
        Step::Verify => ActionKind::Verify,
    });
    match step {
        Step::Reject => input.reason = reason("不属于链办受理范围，已告知企业向相关部门反映")?,
        Step::Duplicate => input.duplicate_of = case.duplicate_of,
        Step::Assign => input.unit = Some(parse(Code::parse(&case.unit))?),
        Step::Return => input.reason = reason("不属于本单位职责，请重新交办")?,
        Step::Hold => input.reason = reason("等待企业补充材料")?,
        Step::Resolve => input.note = Some(parse(Note::parse("已现场处理完毕，企业确认"))?),
        Step::Rework => input.reason = reason("企业反映问题未彻底解决，请重新处理")?,
        Step::Verify => {
            let score = if case.late {
                3 + (id.get() % 2) as u8
            } else {
                [4, 5, 5, 3, 5, 4][(id.get() % 6) as usize]
            };
            input.satisfaction = Some(parse(Satisfaction::new(score))?);
        }
        _ => {}
    }
    Ok(act(state, actor, id, input).await?.issue)
}

/// The step after `done` (taken at `at`) and when, or `None` when the story ends there.
fn plan_next(
    case: &mut Case,
    done: Step,
    at: DateTime<Utc>,
    park: &Park,
    calendar: &Calendar,
    rng: &mut Rng,
) -> Option<(DateTime<Utc>, Step)> {
    let mut after = |lo: u32, hi: u32| calendar.add_working_minutes(at, rng.range(lo, hi));
    let next = match done {
        Step::Report => match case.ending {
            Ending::Rejected => (after(20, 240), Step::Reject),
            Ending::Duplicate => (after(20, 240), Step::Duplicate),
            Ending::Closed => (after(10, 120), Step::Accept),
        },
        Step::Accept => (after(5, 90), Step::Assign),
        Step::Assign if case.returned => (after(30, 240), Step::Return),
        Step::Assign => (after(15, 180), Step::Start),
        Step::Return => {
            // Sent back once; the dispatcher hands it to the town or the platform company.
            case.returned = false;
            let default = &park.categories[case.category].default_unit;
            case.unit = if default == "town" {
                "platform"
            } else {
                "town"
            }
            .to_owned();
            (after(30, 240), Step::Assign)
        }
        Step::Start if case.stalled => return None,
        Step::Start if case.held => (after(60, 300), Step::Hold),
        Step::Start | Step::Resume => (resolve_at(case, at, calendar, rng), Step::Resolve),
        Step::Hold => {
            case.held = false;
            (after(450, 1350), Step::Resume)
        }
        Step::Resolve if case.reworked => (after(60, 600), Step::Rework),
        Step::Resolve => (after(30, 900), Step::Verify),
        Step::Rework => {
            case.reworked = false;
            (after(30, 240), Step::Start)
        }
        Step::Verify | Step::Reject | Step::Duplicate => return None,
    };
    Some(next)
}

/// When the unit resolves: within the deadline the workflow set (15–85 % of the working time
/// left), or past it for a late case.
fn resolve_at(case: &Case, at: DateTime<Utc>, calendar: &Calendar, rng: &mut Rng) -> DateTime<Utc> {
    let deadline = case
        .issue
        .as_ref()
        .and_then(|i| i.resolve_due_at)
        .unwrap_or_else(|| calendar.add_working_minutes(at, 2250));
    if case.late {
        return calendar.add_working_minutes(deadline, rng.range(30, 1350));
    }
    let left = calendar.working_minutes_between(at, deadline);
    let minutes = rng.range(left * 15 / 100, (left * 85 / 100).max(left * 15 / 100));
    calendar.add_working_minutes(at, minutes.max(10))
}

/// Marks every notification the history queued as sent under [`PROVIDER_ID`], undelivered;
/// how many. Those held by quiet hours past `now` stay pending and go out as usual.
async fn settle_notifications(store: &Store, now: DateTime<Utc>) -> Result<usize, AppError> {
    let settled = store.settle_pending_unsent(PROVIDER_ID, now).await?;
    Ok(usize::try_from(settled).unwrap_or(usize::MAX))
}

/// A constant of this module that the domain refuses is a bug here, not bad input.
fn parse<T>(parsed: Result<T, gridloop_core::ParseError>) -> Result<T, AppError> {
    parsed.map_err(|e| AppError::internal("a demo history constant", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic_and_stays_in_range() {
        let (mut a, mut b) = (Rng(SEED), Rng(SEED));
        for _ in 0..1000 {
            let n = a.range(3, 5);
            assert_eq!(n, b.range(3, 5));
            assert!((3..=5).contains(&n));
        }
    }

    #[test]
    fn every_category_of_the_park_has_titles_that_parse() {
        for category in super::super::park::reference_park().categories {
            let (_, titles) = TITLES
                .iter()
                .find(|(c, _)| *c == category.code)
                .expect("titles for every category");
            for title in titles {
                Title::parse(title).expect("a valid title");
            }
        }
    }
}
