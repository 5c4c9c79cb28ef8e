//! SLA reminders and escalations: timers planned on the working calendar when an issue is
//! assigned, fired by the clock, and doing nothing once the issue moved on.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use gridloop_core::{ActionFields, ActionKind, Channel, Issue, IssueId, Reason};
use gridloop_scheduler::sla::SLA_TIMER_JOB;
use gridloop_store::{IssueFilter, JobState, Store};

use crate::common::Db;
use crate::support::{both, clock, cst, jobs_of, park, park_scheduler, recipients, tick_at, Park};

/// The waiting timers of an issue: what each does (the end of its key) → when it fires.
async fn timers(store: &Store, issue: IssueId) -> BTreeMap<String, DateTime<Utc>> {
    let prefix = format!("sla:{issue}:");
    jobs_of(store, SLA_TIMER_JOB)
        .await
        .into_iter()
        .filter(|j| j.state == JobState::Scheduled)
        .filter_map(|j| {
            let key = j.unique_key?;
            key.starts_with(&prefix).then(|| {
                let what: Vec<&str> = key.rsplitn(3, ':').collect();
                (format!("{}:{}", what[1], what[0]), j.run_at)
            })
        })
        .collect()
}

fn expected(pairs: &[(&str, DateTime<Utc>)]) -> BTreeMap<String, DateTime<Utc>> {
    pairs.iter().map(|(k, t)| ((*k).to_owned(), *t)).collect()
}

async fn escalations(store: &Store, issue: IssueId) -> usize {
    store
        .events(issue)
        .await
        .expect("events")
        .iter()
        .filter(|e| e.change.kind() == "escalated")
        .count()
}

async fn overdue_ids(store: &Store, at: DateTime<Utc>) -> Vec<IssueId> {
    let filter = IssueFilter {
        overdue_at: Some(at),
        ..IssueFilter::default()
    };
    let page = store.list_issues(&filter, 100, None).await.expect("list");
    page.items.into_iter().map(|i| i.id).collect()
}

fn reason(s: &str) -> Reason {
    Reason::parse(s).expect("a reason")
}

/// Assigns a Normal issue (120 min to respond, 800 to resolve) at `at`, and has the unit
/// start it half an hour later, so that only the resolution deadline can make it overdue.
async fn assigned_and_started(db: &Db, park: &Park, title: &str, at: DateTime<Utc>) -> Issue {
    let issue = park.assigned_at(&db.store, title, at).await;
    let started = at + Duration::minutes(30);
    park.act(
        &db.store,
        &issue,
        &park.member,
        ActionKind::Start,
        ActionFields::default(),
        started,
    )
    .await
}

async fn an_assigned_issue_is_reminded_then_escalated_rung_by_rung(db: Db) {
    let park = park(&db.store).await;
    // Monday 2 March 2026, 09:00 in Shanghai: a plain working week.
    let assigned = cst(2026, 3, 2, 9, 0);
    let clock = clock(assigned);
    let s = park_scheduler(&db.store, &clock, &park);
    let issue = park.assigned_at(&db.store, "Sagging line", assigned).await;
    assert_eq!(issue.response_due_at, Some(cst(2026, 3, 2, 11, 0)));
    assert_eq!(issue.resolve_due_at, Some(cst(2026, 3, 3, 16, 20)));

    let report = s.tick().await.expect("tick");
    assert_eq!(report.completed, 1, "the sla.plan job");
    assert_eq!(
        timers(&db.store, issue.id).await,
        expected(&[
            // 75% of 120 working minutes from 09:00.
            ("due_soon:response", cst(2026, 3, 2, 10, 30)),
            // 75% of 800: Monday's 450 and 150 on Tuesday morning.
            ("due_soon:resolve", cst(2026, 3, 3, 11, 30)),
            ("escalate:1", cst(2026, 3, 3, 16, 20)),
            // One working day (450 minutes) later, then three.
            ("escalate:2", cst(2026, 3, 4, 16, 20)),
            ("escalate:3", cst(2026, 3, 6, 16, 20)),
        ])
    );
    s.tick().await.expect("planning twice changes nothing");
    assert_eq!(timers(&db.store, issue.id).await.len(), 5);

    let unit = {
        let mut ids = vec![Park::user_id(&park.member), Park::user_id(&park.head)];
        ids.sort_unstable();
        ids
    };
    tick_at(&s, &clock, cst(2026, 3, 2, 10, 30)).await;
    assert_eq!(recipients(&db.store, "due_soon").await, unit);
    let issue = park
        .act(
            &db.store,
            &issue,
            &park.member,
            ActionKind::Start,
            ActionFields::default(),
            cst(2026, 3, 2, 10, 45),
        )
        .await;

    tick_at(&s, &clock, cst(2026, 3, 3, 11, 30)).await;
    assert_eq!(
        recipients(&db.store, "due_soon").await.len(),
        4,
        "one more per member"
    );
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 0);
    assert!(overdue_ids(&db.store, cst(2026, 3, 3, 16, 19))
        .await
        .is_empty());

    tick_at(&s, &clock, cst(2026, 3, 3, 16, 20)).await;
    let now = park.reload(&db.store, &issue).await;
    assert_eq!(now.escalation_level, 1);
    assert_eq!(escalations(&db.store, issue.id).await, 1);
    assert_eq!(
        recipients(&db.store, "escalated").await,
        vec![Park::user_id(&park.head)]
    );
    assert_eq!(
        overdue_ids(&db.store, clock_now(&clock)).await,
        vec![issue.id]
    );

    tick_at(&s, &clock, cst(2026, 3, 4, 16, 19)).await;
    assert_eq!(
        park.reload(&db.store, &issue).await.escalation_level,
        1,
        "not yet"
    );
    tick_at(&s, &clock, cst(2026, 3, 4, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 2);
    let mut told = vec![Park::user_id(&park.head), Park::user_id(&park.supervisor)];
    told.sort_unstable();
    assert_eq!(recipients(&db.store, "escalated").await, told);
    let urgent: Vec<bool> = crate::support::outbox(&db.store, "escalated")
        .await
        .iter()
        .map(|n| n.is_urgent())
        .collect();
    assert_eq!(urgent, vec![false, true], "level 2 is urgent");

    tick_at(&s, &clock, cst(2026, 3, 6, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 3);
    told.push(Park::user_id(&park.admin));
    told.sort_unstable();
    assert_eq!(recipients(&db.store, "escalated").await, told);
    assert_eq!(escalations(&db.store, issue.id).await, 3);
    assert_eq!(
        overdue_ids(&db.store, clock_now(&clock)).await,
        vec![issue.id]
    );

    tick_at(&s, &clock, cst(2026, 3, 13, 16, 20)).await;
    assert_eq!(
        escalations(&db.store, issue.id).await,
        3,
        "nothing fires twice"
    );
    assert!(timers(&db.store, issue.id).await.is_empty());
}

fn clock_now(clock: &gridloop_scheduler::ManualClock) -> DateTime<Utc> {
    gridloop_scheduler::Clock::now(clock)
}

async fn a_resolved_issue_is_neither_reminded_nor_escalated(db: Db) {
    let park = park(&db.store).await;
    let assigned = cst(2026, 3, 2, 9, 0);
    let clock = clock(assigned);
    let s = park_scheduler(&db.store, &clock, &park);
    let issue = assigned_and_started(&db, &park, "Broken lamp", assigned).await;
    s.tick().await.expect("plan");
    assert_eq!(
        timers(&db.store, issue.id).await.len(),
        4,
        "no response reminder once started"
    );
    let fields = ActionFields {
        note: Some(gridloop_core::Note::parse("lamp replaced").expect("a note")),
        ..ActionFields::default()
    };
    let resolved_at = cst(2026, 3, 3, 10, 0);
    park.act(
        &db.store,
        &issue,
        &park.member,
        ActionKind::Resolve,
        fields,
        resolved_at,
    )
    .await;
    for at in [
        cst(2026, 3, 3, 11, 30),
        cst(2026, 3, 3, 16, 20),
        cst(2026, 3, 4, 16, 20),
        cst(2026, 3, 6, 16, 20),
    ] {
        tick_at(&s, &clock, at).await;
    }
    let now = park.reload(&db.store, &issue).await;
    assert_eq!(now.escalation_level, 0);
    assert_eq!(escalations(&db.store, issue.id).await, 0);
    assert!(recipients(&db.store, "due_soon").await.is_empty());
    assert!(recipients(&db.store, "escalated").await.is_empty());
    assert!(overdue_ids(&db.store, cst(2026, 3, 6, 16, 20))
        .await
        .is_empty());
}

async fn time_on_hold_moves_the_deadline_and_only_the_new_timers_escalate(db: Db) {
    let park = park(&db.store).await;
    let assigned = cst(2026, 3, 2, 9, 0);
    let clock = clock(assigned);
    let s = park_scheduler(&db.store, &clock, &park);
    let issue = assigned_and_started(&db, &park, "Cable theft", assigned).await;
    s.tick().await.expect("plan");
    let held = park
        .act(
            &db.store,
            &issue,
            &park.member,
            ActionKind::Hold,
            ActionFields {
                reason: Some(reason("waiting for the enterprise")),
                ..ActionFields::default()
            },
            cst(2026, 3, 2, 14, 0),
        )
        .await;
    // A day on hold: Monday 14:00–18:00 and Tuesday 09:00–14:00 is 450 working minutes.
    let resumed = park
        .act(
            &db.store,
            &held,
            &park.member,
            ActionKind::Resume,
            ActionFields::default(),
            cst(2026, 3, 3, 14, 0),
        )
        .await;
    assert_eq!(resumed.resolve_due_at, Some(cst(2026, 3, 4, 16, 20)));
    tick_at(&s, &clock, cst(2026, 3, 3, 14, 0)).await;
    let planned = timers(&db.store, issue.id).await;
    assert_eq!(planned.get("escalate:1"), Some(&cst(2026, 3, 4, 16, 20)));
    assert_eq!(planned.get("escalate:2"), Some(&cst(2026, 3, 5, 16, 20)));

    // The old deadline passes: whatever of the old watch is left does nothing.
    tick_at(&s, &clock, cst(2026, 3, 3, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 0);
    assert_eq!(escalations(&db.store, issue.id).await, 0);
    assert!(overdue_ids(&db.store, cst(2026, 3, 3, 16, 20))
        .await
        .is_empty());

    tick_at(&s, &clock, cst(2026, 3, 4, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 1);
    assert_eq!(escalations(&db.store, issue.id).await, 1);
}

async fn a_granted_extension_replaces_the_watch_and_the_old_timers_do_nothing(db: Db) {
    let park = park(&db.store).await;
    let assigned = cst(2026, 3, 2, 9, 0);
    let clock = clock(assigned);
    let s = park_scheduler(&db.store, &clock, &park);
    let issue = assigned_and_started(&db, &park, "Transformer noise", assigned).await;
    s.tick().await.expect("plan");
    let old = timers(&db.store, issue.id).await;
    let until = cst(2026, 3, 5, 16, 20);
    let requested = park
        .act(
            &db.store,
            &issue,
            &park.member,
            ActionKind::ExtendRequest,
            ActionFields {
                until: Some(until),
                reason: Some(reason("parts on order")),
                ..ActionFields::default()
            },
            cst(2026, 3, 2, 15, 0),
        )
        .await;
    let granted = park
        .act(
            &db.store,
            &requested,
            &park.supervisor,
            ActionKind::ExtendGrant,
            ActionFields::default(),
            cst(2026, 3, 2, 16, 0),
        )
        .await;
    assert_eq!(granted.resolve_due_at, Some(until));
    tick_at(&s, &clock, cst(2026, 3, 2, 16, 0)).await;
    let all = jobs_of(&db.store, SLA_TIMER_JOB).await;
    assert_eq!(
        all.iter()
            .filter(|j| j.state == JobState::Scheduled)
            .count(),
        old.len() + 4,
        "the old timers wait on, beside the new ones"
    );

    tick_at(&s, &clock, cst(2026, 3, 3, 16, 20)).await;
    tick_at(&s, &clock, cst(2026, 3, 4, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 0);
    assert_eq!(escalations(&db.store, issue.id).await, 0);
    let old_escalation = all
        .iter()
        .find(|j| j.run_at == cst(2026, 3, 3, 16, 20))
        .expect("the old first escalation");
    let ran = db
        .store
        .job(old_escalation.id)
        .await
        .expect("read")
        .expect("the job");
    assert_eq!(ran.state, JobState::Completed, "it fired, and did nothing");

    tick_at(&s, &clock, until).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 1);
    assert_eq!(
        recipients(&db.store, "escalated").await,
        vec![Park::user_id(&park.head)]
    );
}

async fn a_deadline_before_national_day_escalates_after_the_holiday(db: Db) {
    let park = park(&db.store).await;
    // Tuesday 29 September 2026: 800 working minutes end on Wednesday 30 September, 16:20.
    let assigned = cst(2026, 9, 29, 9, 0);
    let clock = clock(assigned);
    let s = park_scheduler(&db.store, &clock, &park);
    let issue = assigned_and_started(&db, &park, "Substation fence", assigned).await;
    assert_eq!(issue.resolve_due_at, Some(cst(2026, 9, 30, 16, 20)));
    s.tick().await.expect("plan");
    let planned = timers(&db.store, issue.id).await;
    assert_eq!(planned.get("escalate:1"), Some(&cst(2026, 9, 30, 16, 20)));
    // 1–7 October are off; Thursday 8 October is the next working day.
    assert_eq!(planned.get("escalate:2"), Some(&cst(2026, 10, 8, 16, 20)));
    // Then Friday 9, and Saturday 10 October, a make-up working day.
    assert_eq!(planned.get("escalate:3"), Some(&cst(2026, 10, 10, 16, 20)));

    tick_at(&s, &clock, cst(2026, 9, 30, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 1);
    tick_at(&s, &clock, cst(2026, 10, 5, 16, 20)).await;
    assert_eq!(
        park.reload(&db.store, &issue).await.escalation_level,
        1,
        "a holiday"
    );
    tick_at(&s, &clock, cst(2026, 10, 8, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 2);
    tick_at(&s, &clock, cst(2026, 10, 10, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 3);
}

async fn timers_in_2027_without_a_calendar_file_follow_plain_weeks(db: Db) {
    let park = park(&db.store).await;
    assert!(!park.workflow.calendar().covers(2027));
    // Friday 1 January 2027: without a 2027 file it is an ordinary Friday.
    let assigned = cst(2027, 1, 1, 9, 0);
    let clock = clock(assigned);
    let s = park_scheduler(&db.store, &clock, &park);
    let issue = assigned_and_started(&db, &park, "New year outage", assigned).await;
    assert_eq!(issue.resolve_due_at, Some(cst(2027, 1, 4, 16, 20)));
    s.tick().await.expect("plan");
    assert_eq!(
        timers(&db.store, issue.id).await,
        expected(&[
            ("due_soon:resolve", cst(2027, 1, 4, 11, 30)),
            ("escalate:1", cst(2027, 1, 4, 16, 20)),
            ("escalate:2", cst(2027, 1, 5, 16, 20)),
            ("escalate:3", cst(2027, 1, 7, 16, 20)),
        ])
    );
    tick_at(&s, &clock, cst(2027, 1, 4, 16, 20)).await;
    assert_eq!(park.reload(&db.store, &issue).await.escalation_level, 1);
}

/// A new report tells the dispatchers, in the report's own transaction (on PostgreSQL, in its
/// one statement): by email, the default for this kind.
async fn a_report_tells_the_dispatchers_once(db: Db) {
    let store = db.store.clone();
    let park = park(&store).await;
    let issue = park
        .report_at(
            &store,
            &park.enterprise,
            "路灯不亮",
            cst(2026, 11, 23, 9, 0),
        )
        .await;
    let to = recipients(&store, "reported").await;
    assert_eq!(to, vec![Park::user_id(&park.dispatcher)], "{issue:?}");
    let rows = crate::support::outbox(&store, "reported").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].channel, Channel::Email);
    assert_eq!(rows[0].issue_id, Some(issue.id.get()));
}

both!(
    a_report_tells_the_dispatchers_once,
    an_assigned_issue_is_reminded_then_escalated_rung_by_rung,
    a_resolved_issue_is_neither_reminded_nor_escalated,
    time_on_hold_moves_the_deadline_and_only_the_new_timers_escalate,
    a_granted_extension_replaces_the_watch_and_the_old_timers_do_nothing,
    a_deadline_before_national_day_escalates_after_the_holiday,
    timers_in_2027_without_a_calendar_file_follow_plain_weeks,
);
