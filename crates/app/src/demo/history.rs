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
//! Commissioners make the weekly visits of the park's visit plans in the last [`VISIT_WEEKS`]
//! (see there why not all eight): the scheduler's materialisation plans them a fortnight ahead
//! (weekly in the story), each commissioner checks
//! in on site and logs the visit through [`visits::check_in`](crate::visits::check_in) and
//! [`visits::complete`](crate::visits::complete), now and then raising an issue found there
//! (which then goes round the loop like a reported one), and a few visits nobody comes to are
//! marked missed by the scheduler when their window closes, a second miss in a row escalated.
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
//! Idempotent: history, visits included, is only written into a park with no issue yet, so
//! running the demo again (or after someone reported a real problem) adds nothing.
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
    Priority, Reason, Role, Satisfaction, Source, Title, UserId, VisitStatus, Workflow,
};
use gridloop_store::{IssueFilter, Store, Visit, VisitFilter};

use super::park::Park;
use crate::clock::{Clock, ManualClock};
use crate::error::AppError;
use crate::issues::{act, intake, ActionInput, CategoryRef, Intake};
use crate::settings::Settings;
use crate::state::AppState;
use crate::visits::RaisedInput;

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

/// The visits' generator's seed (see [`SEED`]).
const VISIT_SEED: u64 = 0x2545_f491_4f6c_dd1d;

/// Percent chances for a visit: missed (nobody came, and the scheduler marks it so when its
/// window closes); for one made, checked in on arrival (the others are logged in one go at the
/// end, as the core allows) and raising an issue found on site.
const VISIT_MISSED: u32 = 7;
const VISIT_CHECKED_IN: u32 = 35;
const VISIT_RAISES: u32 = 4;

/// How many weeks before `now` the visits cover: the park's visit plans began then. Visits
/// are the history's dearest part (each is a check-in or not, a log, and the scheduler's
/// reminder and end-of-window jobs): all eight weeks made the seeding about twice as long,
/// four weeks about a third longer, and still fill the dashboard and the last four weekly
/// reports (the trend's headline has no visit figure).
pub const VISIT_WEEKS: u32 = 4;

/// How often, in evenings, the visit plans are materialised: weekly is enough for the
/// scheduler's fortnight ahead, and seven times fewer writes than its daily run.
const MATERIALISE_EVERY_DAYS: usize = 7;

/// What a commissioner writes when logging a visit that found nothing new, picked from.
const VISIT_NOTES: [&str; 4] = [
    "走访企业，了解生产经营情况，暂无新增问题",
    "现场查看前期反映问题的整改情况，企业表示满意",
    "与企业负责人座谈，宣讲惠企政策",
    "了解企业用工和原料供应情况，运行正常",
];

/// What a commissioner writes when logging a visit that raised an issue.
const VISIT_NOTES_RAISED: &str = "走访中发现问题，已现场登记并交链办处理";

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
    /// Visits of the last [`VISIT_WEEKS`] logged as done, and those missed.
    pub visits_completed: usize,
    pub visits_missed: usize,
    /// Of the issues, those raised on visits.
    pub raised_on_visits: usize,
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

/// A step of a visit made: the commissioner checks in on site, then logs the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum VisitStep {
    CheckIn,
    Log,
}

/// What happens at an instant of the story. The order breaks ties: the scheduler's evening
/// run first (with the `n`th evening's number), then issues' steps, then visits'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Evening(usize),
    Issue(Step, usize),
    Visit(VisitStep, usize),
}

/// A visit the commissioner makes: when they check in (if they do) and log it, and what they
/// write.
#[derive(Debug)]
struct Call {
    visit: Visit,
    commissioner: String,
    check_in_at: Option<DateTime<Utc>>,
    log_at: DateTime<Utc>,
    notes: &'static str,
    raises: bool,
}

/// An issue found on site: its category (the park's index), its title, and the use case's input.
#[derive(Debug)]
struct Found {
    category: usize,
    title: &'static str,
    input: RaisedInput,
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
    story: Story,
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

/// What an issue is about, before its fate is drawn.
#[derive(Debug)]
struct Story {
    enterprise: EnterpriseId,
    reporter: String,
    category: usize,
    priority: Priority,
    title: &'static str,
    source: Source,
}

impl Case {
    /// The story with its fate drawn: whether it is returned, held, reworked, late or stalled.
    fn drawn(rng: &mut Rng, park: &Park, story: Story, ending: Ending) -> Self {
        Self {
            unit: park.categories[story.category].default_unit.clone(),
            story,
            ending,
            returned: rng.chance(RETURNED),
            held: rng.chance(HELD),
            reworked: rng.chance(REWORKED),
            late: rng.chance(LATE),
            stalled: rng.chance(STALLED),
            duplicate_of: None,
            issue: None,
        }
    }
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
        visits_completed: 0,
        visits_missed: 0,
        raised_on_visits: 0,
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
    // The visits draw from a generator of their own, so the issues' story is the same with them.
    let mut visit_rng = Rng(VISIT_SEED);
    let mut cases = plan_reports(store, park, &calendar, now, &mut rng).await?;
    let commissioners = commissioner_logins(store).await?;

    // Every step of every issue and visit, and every evening, in time order; a step's successor
    // is planned once it is taken, from the deadlines the workflow gave the issue.
    let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, Event)>> = cases
        .iter()
        .enumerate()
        .map(|(i, (at, _))| Reverse((*at, Event::Issue(Step::Report, i))))
        .chain(
            evenings(&calendar, now)
                .into_iter()
                .enumerate()
                .map(|(n, at)| Reverse((at, Event::Evening(n)))),
        )
        .collect();
    let mut calls: Vec<Call> = Vec::new();
    let mut actors: HashMap<String, Actor> = HashMap::new();
    let mut last_of_category: HashMap<usize, IssueId> = HashMap::new();
    while let Some(Reverse((at, event))) = queue.pop() {
        if at >= now {
            // Not yet: the story stops here at `now`, the issue open, the visit planned.
            continue;
        }
        clock.set(at);
        let (i, step) = match event {
            Event::Evening(n) => {
                if materialises_on(n) {
                    for visit in materialise(store, &calendar, at).await? {
                        if let Some(call) = plan_call(visit, &commissioners, &mut visit_rng) {
                            let first = match call.check_in_at {
                                Some(at) => (at, VisitStep::CheckIn),
                                None => (call.log_at, VisitStep::Log),
                            };
                            queue.push(Reverse((first.0, Event::Visit(first.1, calls.len()))));
                            calls.push(call);
                        }
                    }
                }
                tick(&scheduler).await?;
                continue;
            }
            Event::Visit(VisitStep::CheckIn, v) => {
                let call = &calls[v];
                let actor = actor(&state, &mut actors, &call.commissioner).await?;
                crate::visits::check_in(&state, actor, call.visit.id).await?;
                queue.push(Reverse((call.log_at, Event::Visit(VisitStep::Log, v))));
                continue;
            }
            Event::Visit(VisitStep::Log, v) => {
                let call = &calls[v];
                let actor = actor(&state, &mut actors, &call.commissioner).await?;
                let found = call.raises.then(|| found_on_site(park, &mut visit_rng));
                let raised = found.as_ref().map(|f| f.input.clone());
                let visit = crate::visits::complete(
                    &state,
                    actor,
                    call.visit.id,
                    call.notes,
                    raised.as_slice(),
                )
                .await?;
                history.visits_completed += 1;
                // A raised issue goes round the loop like a reported one, from its acceptance.
                let (Some(found), Some(&id)) = (found, visit.issues.first()) else {
                    continue;
                };
                let issue = store
                    .issue(id)
                    .await?
                    .ok_or_else(|| AppError::internal("the demo history", &"a raised issue"))?;
                let mut case = Case::drawn(
                    &mut visit_rng,
                    park,
                    Story {
                        enterprise: call.visit.enterprise,
                        reporter: call.commissioner.clone(),
                        category: found.category,
                        priority: issue.priority,
                        title: found.title,
                        source: Source::Visit,
                    },
                    Ending::Closed,
                );
                last_of_category.insert(found.category, issue.id);
                case.issue = Some(issue);
                history.issues += 1;
                history.raised_on_visits += 1;
                let i = cases.len();
                if let Some((next_at, next)) =
                    plan_next(&mut case, Step::Report, at, park, &calendar, &mut visit_rng)
                {
                    queue.push(Reverse((next_at, Event::Issue(next, i))));
                }
                cases.push((at, case));
                continue;
            }
            Event::Issue(step, i) => (i, step),
        };
        let case = &mut cases[i].1;
        if step == Step::Report {
            case.duplicate_of = last_of_category.get(&case.story.category).copied();
            if case.ending == Ending::Duplicate && case.duplicate_of.is_none() {
                case.ending = Ending::Closed;
            }
        }
        let issue = take(&state, park, &mut actors, case, step).await?;
        if step == Step::Report {
            last_of_category.insert(case.story.category, issue.id);
            history.issues += 1;
        } else {
            history.actions += 1;
        }
        case.issue = Some(issue);
        if let Some((next_at, next)) = plan_next(case, step, at, park, &calendar, &mut rng) {
            queue.push(Reverse((next_at, Event::Issue(next, i))));
        }
    }
    clock.set(now);
    tick(&scheduler).await?;
    history.visits_missed = store
        .visits(&VisitFilter {
            status: Some(VisitStatus::Missed),
            to: Some(now),
            ..VisitFilter::default()
        })
        .await?
        .len();
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
            let titles = titles_of(park, category);
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
            let story = Story {
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
            };
            let case = Case::drawn(rng, park, story, ending);
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

/// Whether the `n`th evening of the story materialises the visit plans: weekly from the
/// evening before the last [`VISIT_WEEKS`] begin, so their first day has its visits.
fn materialises_on(n: usize) -> bool {
    let first = ((WEEKS - VISIT_WEEKS) as usize * 7).saturating_sub(1);
    n >= first && (n - first) % MATERIALISE_EVERY_DAYS == 0
}

/// The titles of the park's `category`th category.
fn titles_of(park: &Park, category: usize) -> &'static [&'static str] {
    let code = park.categories[category].code.as_str();
    TITLES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(&["企业反映问题需协调解决"][..], |(_, t)| &t[..])
}

/// The logins of the park's commissioners, by user id: who makes each visit.
async fn commissioner_logins(store: &Store) -> Result<HashMap<UserId, String>, AppError> {
    Ok(store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.roles.contains(&Role::Commissioner))
        .map(|u| (u.id, u.login.to_string()))
        .collect())
}

/// The scheduler's materialisation of every active plan at `at` (its fortnight ahead, with
/// each visit's reminder and end-of-window jobs), as `visits.materialise` does it but in one
/// transaction for all plans: the history writes a hundred plans nine times. The visits new.
async fn materialise(
    store: &Store,
    calendar: &Calendar,
    at: DateTime<Utc>,
) -> Result<Vec<Visit>, AppError> {
    let plans = store.visit_plans(None).await?;
    let mut tx = store.transaction().await?;
    let mut visits = Vec::new();
    for plan in plans.iter().filter(|p| p.plan.is_active()) {
        visits.extend(
            gridloop_scheduler::visits::materialise(&mut tx, plan, calendar, at)
                .await
                .map_err(|e| AppError::internal("the demo history's visits", &e))?,
        );
    }
    tx.commit().await?;
    Ok(visits)
}

/// How the commissioner makes `visit`: `None` if they miss it, else arriving from half an
/// hour early to an hour late, some checking in then, and logging the visit one to two and a
/// half hours after arriving (after the window only if checked in: a visit made may be written
/// up late), now and then with an issue found on site.
fn plan_call(visit: Visit, commissioners: &HashMap<UserId, String>, rng: &mut Rng) -> Option<Call> {
    let commissioner = commissioners.get(&visit.commissioner)?.clone();
    if rng.chance(VISIT_MISSED) {
        return None;
    }
    let arrived = visit.scheduled_at + Duration::minutes(i64::from(rng.range(0, 90)) - 30);
    let check_in_at = rng.chance(VISIT_CHECKED_IN).then_some(arrived);
    let log_at = arrived + Duration::minutes(i64::from(rng.range(60, 150)));
    if check_in_at.is_none() && log_at >= visit.window_end_at {
        // Logged in one go only within the window; later it would be missed.
        return None;
    }
    let raises = rng.chance(VISIT_RAISES);
    let notes = if raises {
        VISIT_NOTES_RAISED
    } else {
        rng.pick(&VISIT_NOTES)
    };
    Some(Call {
        visit,
        commissioner,
        check_in_at,
        log_at,
        notes,
        raises,
    })
}

/// An issue a commissioner finds on site, of a category drawn at random.
fn found_on_site(park: &Park, rng: &mut Rng) -> Found {
    let category = rng.range(0, park.categories.len() as u32 - 1) as usize;
    let titles = titles_of(park, category);
    let title = titles[rng.range(0, titles.len() as u32 - 1) as usize];
    Found {
        category,
        title,
        input: RaisedInput {
            title: title.to_owned(),
            category: park.categories[category].code.clone(),
            description: format!("走访中发现：{title}，请协调解决。"),
            priority: None,
        },
    }
}

/// The actor signed in as `login`, looked up once.
async fn actor<'a>(
    state: &AppState,
    actors: &'a mut HashMap<String, Actor>,
    login: &str,
) -> Result<&'a Actor, AppError> {
    if !actors.contains_key(login) {
        let actor = state.store.actor(&parse(Login::parse(login))?).await?;
        actors.insert(login.to_owned(), actor);
    }
    Ok(&actors[login])
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
        Step::Report | Step::Rework | Step::Verify => case.story.reporter.as_str(),
        Step::Accept | Step::Reject | Step::Duplicate | Step::Assign => "dispatch",
        Step::Return | Step::Start | Step::Hold | Step::Resume | Step::Resolve => {
            case.unit.as_str()
        }
    };
    let actor = actor(state, actors, login).await?;
    if step == Step::Report {
        let category = parse(Code::parse(&park.categories[case.story.category].code))?;
        let reported = intake(
            state,
            actor,
            Intake {
                enterprise: case.story.enterprise,
                category: CategoryRef::Code(category),
                title: parse(Title::parse(case.story.title))?,
                description: parse(Description::parse(&format!(
                    "企业反映：{}，请协调解决。",
                    case.story.title
                )))?,
                priority: case.story.priority,
                source: case.story.source,
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
            let default = &park.categories[case.story.category].default_unit;
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
    fn the_plans_are_materialised_weekly_from_the_evening_before_the_visit_weeks() {
        let first = (WEEKS - VISIT_WEEKS) as usize * 7 - 1;
        let on: Vec<usize> = (0..WEEKS as usize * 7)
            .filter(|n| materialises_on(*n))
            .collect();
        assert_eq!(on.first(), Some(&first));
        assert_eq!(on.len(), VISIT_WEEKS as usize + 1);
        assert!(on.windows(2).all(|w| w[1] - w[0] == 7), "{on:?}");
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
