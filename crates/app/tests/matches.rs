//! Matches (对接) through the app's use cases, on SQLite and PostgreSQL: the lifecycle with its
//! roles and scope, the history replaying to the match, bad input writing nothing, the
//! notices, and the follow-up reminder on the park's working days by the injected clock.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use gridloop_app::chain::listings::{self, PostInput};
use gridloop_app::chain::map::{self, MapInput};
use gridloop_app::chain::matches::{self, IntroduceInput, ListInput, StepInput};
use gridloop_app::chain::positions::{self, PositionInput};
use gridloop_app::clock::{Clock, ManualClock};
use gridloop_app::settings::Settings;
use gridloop_app::{AppError, AppState, Thing};
use gridloop_core::chain::{Match, MatchStatus, Side};
use gridloop_core::{Actor, Code, EnterpriseId, MatchId, Name, NotificationKind, Role, Rule};
use gridloop_store::{NewUser, Store};

struct Park {
    state: AppState,
    settings: Settings,
    clock: Arc<ManualClock>,
    admin: Actor,
    dispatcher: Actor,
    /// Commissioner of grid A (the rolling mill's).
    walker: Actor,
    /// Commissioner of grid C only: sees neither firm.
    stranger: Actor,
    /// Post member of grid A: sees the rolling mill, may not move matches.
    post: Actor,
    /// The recycler's own user.
    recycler_user: Actor,
    /// 铝加工 in grid A.
    rolling: EnterpriseId,
    /// 再生铝 in grid B.
    recycler: EnterpriseId,
}

/// Tuesday 1 December 2026, 10:00 in Shanghai.
fn tuesday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
        .single()
        .expect("instant")
}

async fn park(store: &Store) -> Park {
    let (state, clock) = common::app_at(store, tuesday()).await;
    let settings = Settings::defaults();
    let layout = common::ChainPark {
        grids: &["g-a", "g-b", "g-c"],
        enterprises: &[("渝铝型材", 0), ("再生金属", 1)],
    };
    let (grids, firms) = layout
        .create(store, |grids, firms| {
            let user = common::new_user;
            vec![
                user("admin", vec![Role::Admin]),
                user("dispatcher", vec![Role::Dispatcher]),
                NewUser {
                    grids: vec![grids[0]],
                    ..user("walker", vec![Role::Commissioner])
                },
                NewUser {
                    grids: vec![grids[2]],
                    ..user("stranger", vec![Role::Commissioner])
                },
                NewUser {
                    enterprises: vec![firms[1]],
                    ..user("recycler", vec![Role::Enterprise])
                },
            ]
        })
        .await;
    let (rolling, recycler) = (firms[0], firms[1]);
    {
        let mut tx = store.transaction().await.expect("begin");
        let post = tx
            .create_post(gridloop_store::NewPost {
                code: Code::parse("post-a").expect("code"),
                name: Name::parse("先锋岗A").expect("name"),
                grid: grids[0],
            })
            .await
            .expect("post");
        tx.create_user(NewUser {
            posts: vec![post.id],
            ..common::new_user("post", vec![Role::PostMember])
        })
        .await
        .expect("post member");
        tx.commit().await.expect("commit");
    }
    let admin = common::actor(store, "admin").await;
    let dispatcher = common::actor(store, "dispatcher").await;
    let walker = common::actor(store, "walker").await;
    let stranger = common::actor(store, "stranger").await;
    let post = common::actor(store, "post").await;
    let recycler_user = common::actor(store, "recycler").await;
    common::set_demo_stages(&state, &admin).await;
    Park {
        state,
        settings,
        clock,
        admin,
        dispatcher,
        walker,
        stranger,
        post,
        recycler_user,
        rolling,
        recycler,
    }
}

impl Park {
    fn intro(&self) -> IntroduceInput {
        IntroduceInput {
            enterprise: self.rolling.to_string(),
            with: self.recycler.to_string(),
            note: Some("边角料就近回收".into()),
            ..IntroduceInput::default()
        }
    }

    async fn step(
        &self,
        actor: &Actor,
        id: MatchId,
        action: &str,
        version: Option<u32>,
    ) -> Result<gridloop_store::MatchRecord, AppError> {
        let input = StepInput {
            action: action.into(),
            version,
            contract_value: (action == "agree").then(|| "1250000.50".into()),
            reason: (action == "drop").then(|| "价格谈不拢".into()),
            note: None,
        };
        matches::step(&self.state, actor, id, &input).await
    }

    async fn all(&self) -> Vec<gridloop_store::MatchRecord> {
        matches::list(&self.state, None, &ListInput::default())
            .await
            .expect("list")
            .items
    }

    async fn seen_by(&self, actor: &Actor) -> usize {
        matches::list(&self.state, Some(actor), &ListInput::default())
            .await
            .expect("list")
            .items
            .len()
    }

    /// The match notices in the outbox, as (recipient login's id, kind).
    async fn notices(&self) -> Vec<(i64, NotificationKind)> {
        let mut found: Vec<(i64, NotificationKind)> = self
            .state
            .store
            .notifications(None, 500)
            .await
            .expect("outbox")
            .into_iter()
            .filter(|n| n.kind.as_str().starts_with("match_"))
            .map(|n| (n.recipient_id.unwrap_or_default(), n.kind))
            .collect();
        found.sort();
        found
    }
}

async fn lifecycle_roles_scope_and_replay(store: &Store) {
    let park = park(store).await;
    // A post member may not introduce; a commissioner of neither firm's grid may not either.
    for who in [&park.post, &park.stranger] {
        let e = matches::introduce(&park.state, who, &park.intro())
            .await
            .expect_err("not an introducer");
        assert!(matches!(e, AppError::NotPermitted { .. }), "{e:?}");
    }
    let m = matches::introduce(&park.state, &park.walker, &park.intro())
        .await
        .expect("introduce");
    assert_eq!(m.state.status, MatchStatus::Introduced);
    assert_eq!(m.state.version, 1);
    let id = m.id;

    // Scope: whoever sees either firm, and the introducer; someone else's match is 404.
    assert_eq!(park.seen_by(&park.stranger).await, 0);
    assert_eq!(park.seen_by(&park.post).await, 1);
    assert_eq!(park.seen_by(&park.recycler_user).await, 1);
    assert_eq!(park.seen_by(&park.dispatcher).await, 1);
    let e = matches::show(&park.state, Some(&park.stranger), id)
        .await
        .expect_err("out of sight");
    assert!(matches!(e, AppError::NotFound(Thing::Match)), "{e:?}");
    let e = park
        .step(&park.stranger, id, "talk", None)
        .await
        .expect_err("out of sight");
    assert!(matches!(e, AppError::NotFound(Thing::Match)), "{e:?}");
    // Roles: a post member sees it but may not move it; an enterprise user neither.
    for who in [&park.post, &park.recycler_user] {
        let e = park.step(who, id, "talk", None).await.expect_err("role");
        assert!(matches!(e, AppError::NotPermitted { .. }), "{e:?}");
    }
    // A stale version is a conflict, nothing written.
    let e = park
        .step(&park.dispatcher, id, "talk", Some(7))
        .await
        .expect_err("stale");
    assert!(
        matches!(
            e,
            AppError::Conflict {
                expected: 7,
                actual: 1
            }
        ),
        "{e:?}"
    );
    park.clock.advance(Duration::hours(2));
    let talking = park
        .step(&park.dispatcher, id, "talk", Some(1))
        .await
        .expect("talk");
    assert_eq!(talking.state.status, MatchStatus::InTalks);
    // In talks there is no talking again.
    let e = park
        .step(&park.walker, id, "talk", Some(2))
        .await
        .expect_err("again");
    assert!(
        matches!(
            e,
            AppError::NoSuchMatchStep {
                status: MatchStatus::InTalks,
                ..
            }
        ),
        "{e:?}"
    );
    park.clock.advance(Duration::days(3));
    let agreed = park
        .step(&park.walker, id, "agree", Some(2))
        .await
        .expect("agree");
    assert_eq!(agreed.state.status, MatchStatus::Agreed);
    assert_eq!(agreed.state.value.expect("value").fen(), 125_000_050);
    let e = park
        .step(&park.admin, id, "drop", None)
        .await
        .expect_err("agreed is final");
    assert!(matches!(e, AppError::NoSuchMatchStep { .. }), "{e:?}");

    // The history replays to the match as stored.
    let shown = matches::show(&park.state, Some(&park.post), id)
        .await
        .expect("show");
    assert_eq!(shown.steps.len(), 3);
    assert_eq!(
        Match::replay(&shown.steps).expect("replay"),
        shown.record.state
    );
    assert!(shown.actions.is_empty(), "nothing left to do");

    // Notices: both firms' users hear of the introduction and the agreement, the introducer of
    // the agreement (the rolling mill has no user of its own).
    let recycler = park.recycler_user.user.get();
    let walker = park.walker.user.get();
    let mut expected = vec![
        (recycler, NotificationKind::MatchIntroduced),
        (recycler, NotificationKind::MatchAgreed),
        (walker, NotificationKind::MatchAgreed),
    ];
    expected.sort();
    assert_eq!(park.notices().await, expected);

    // The weekly report's chain section reads each step as a fact for either side.
    let facts = store
        .chain_facts(tuesday() - Duration::days(1), tuesday() + Duration::days(7))
        .await
        .expect("facts");
    let of = |kind| {
        facts
            .iter()
            .filter(|f| f.kind == kind && f.subject == id.get())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(gridloop_core::ChainFactKind::MatchIntroduced).len(), 2);
    let agreed = of(gridloop_core::ChainFactKind::MatchAgreed);
    assert_eq!(agreed.len(), 2, "one for each enterprise's grid");
    assert!(agreed.iter().all(|f| f.contract_fen == 125_000_050));
    assert_ne!(agreed[0].grid, agreed[1].grid);

    // The map draws the agreed match as a link, to whoever may see it.
    let position = |stage: &str| PositionInput {
        stage: Some(stage.into()),
        ..PositionInput::default()
    };
    positions::set(
        &park.state,
        &park.admin,
        park.rolling,
        &position("processing"),
    )
    .await
    .expect("position");
    positions::set(
        &park.state,
        &park.admin,
        park.recycler,
        &position("recycling"),
    )
    .await
    .expect("position");
    let drawn = map::map(&park.state, Some(&park.post), &MapInput::default())
        .await
        .expect("map");
    assert_eq!(drawn.stages.len(), 6);
    assert_eq!(drawn.enterprises.len(), 2);
    assert_eq!(drawn.links.len(), 1);
    assert_eq!(drawn.links[0].id, id);
    let hidden = map::map(&park.state, Some(&park.stranger), &MapInput::default())
        .await
        .expect("map");
    assert!(hidden.links.is_empty());
    let filtered = map::map(
        &park.state,
        None,
        &MapInput {
            stage: Some("recycling".into()),
            grid: None,
        },
    )
    .await
    .expect("map");
    assert_eq!(filtered.enterprises.len(), 1);
    assert!(filtered.links.is_empty(), "a link needs both ends drawn");
    let e = map::map(
        &park.state,
        None,
        &MapInput {
            grid: Some("nowhere".into()),
            stage: None,
        },
    )
    .await
    .expect_err("no such grid");
    assert!(matches!(e, AppError::Invalid(_)), "{e:?}");

    // A dropped match tells the firms and the introducer why.
    let second = matches::introduce(&park.state, &park.dispatcher, &park.intro())
        .await
        .expect("second");
    park.step(&park.walker, second.id, "drop", None)
        .await
        .expect("drop");
    let dropped = matches::show(&park.state, None, second.id)
        .await
        .expect("show");
    assert_eq!(dropped.record.state.status, MatchStatus::Dropped);
    assert_eq!(
        dropped.record.state.reason.as_ref().map(|r| r.as_str()),
        Some("价格谈不拢")
    );
    let dispatcher = park.dispatcher.user.get();
    let notices = park.notices().await;
    assert!(notices.contains(&(dispatcher, NotificationKind::MatchDropped)));
    assert!(notices.contains(&(recycler, NotificationKind::MatchDropped)));
}

async fn bad_input_writes_nothing(store: &Store) {
    let park = park(store).await;
    let refused = |e: AppError, field: &str| match e {
        AppError::Invalid(errors) => {
            assert!(
                errors.iter().any(|e| e.field() == field),
                "{field}: {errors:?}"
            );
            errors
        }
        other => panic!("{field}: expected Invalid, got {other:?}"),
    };
    // An enterprise with itself.
    let errors = refused(
        matches::introduce(
            &park.state,
            &park.dispatcher,
            &IntroduceInput {
                with: park.rolling.to_string(),
                ..park.intro()
            },
        )
        .await
        .expect_err("self"),
        "with",
    );
    assert_eq!(
        errors[0].rule(),
        Rule::SameAs {
            other: "enterprise"
        }
    );
    // An enterprise that does not exist, a note too long, a need that is none.
    refused(
        matches::introduce(
            &park.state,
            &park.dispatcher,
            &IntroduceInput {
                with: "9999".into(),
                ..park.intro()
            },
        )
        .await
        .expect_err("unknown"),
        "with",
    );
    refused(
        matches::introduce(
            &park.state,
            &park.dispatcher,
            &IntroduceInput {
                note: Some("长".repeat(501)),
                ..park.intro()
            },
        )
        .await
        .expect_err("long note"),
        "note",
    );
    let offer = listings::post(
        &park.state,
        &park.recycler_user,
        Side::Offer,
        &PostInput {
            kind: "technology".into(),
            enterprise: park.recycler.to_string(),
            title: "边角料回收再生为合金锭".into(),
            text: "可上门回收铝边角料".into(),
            quantity: None,
            tags: vec!["边角料".into()],
            valid_until: "2027-01-31".into(),
            visit: None,
        },
    )
    .await
    .expect("offer");
    refused(
        matches::introduce(
            &park.state,
            &park.dispatcher,
            &IntroduceInput {
                need: Some(offer.id.to_string()),
                ..park.intro()
            },
        )
        .await
        .expect_err("an offer is no need"),
        "need",
    );
    assert!(park.all().await.is_empty());
    // With its offer, it is introduced.
    let m = matches::introduce(
        &park.state,
        &park.dispatcher,
        &IntroduceInput {
            offer: Some(offer.id.to_string()),
            ..park.intro()
        },
    )
    .await
    .expect("with the offer");
    assert_eq!(m.state.offer, Some(offer.id));
    let notices = park.notices().await.len();
    // A negative, an absurd, a malformed or a missing contract value; a drop without reason.
    for (value, rule) in [
        (
            Some("-1"),
            Rule::Amount {
                max: 100_000_000_000,
            },
        ),
        (
            Some("100000000000.01"),
            Rule::Amount {
                max: 100_000_000_000,
            },
        ),
        (Some("1.234"), Rule::Format(gridloop_core::Format::Number)),
        (None, Rule::Required),
    ] {
        let input = StepInput {
            action: "agree".into(),
            contract_value: value.map(str::to_owned),
            ..StepInput::default()
        };
        let errors = refused(
            matches::step(&park.state, &park.dispatcher, m.id, &input)
                .await
                .expect_err("bad value"),
            "contract_value",
        );
        assert_eq!(errors[0].rule(), rule, "{value:?}");
    }
    let input = StepInput {
        action: "drop".into(),
        reason: Some("  ".into()),
        ..StepInput::default()
    };
    refused(
        matches::step(&park.state, &park.dispatcher, m.id, &input)
            .await
            .expect_err("blank reason"),
        "reason",
    );
    refused(
        matches::step(
            &park.state,
            &park.dispatcher,
            m.id,
            &StepInput {
                action: "introduce".into(),
                ..StepInput::default()
            },
        )
        .await
        .expect_err("not a step"),
        "action",
    );
    let after = matches::show(&park.state, None, m.id).await.expect("show");
    assert_eq!(after.record.state.version, 1);
    assert_eq!(after.steps.len(), 1);
    assert_eq!(park.notices().await.len(), notices);
}

async fn a_still_match_is_followed_up_after_the_working_days(store: &Store) {
    let park = park(store).await;
    let clock: Arc<dyn Clock> = park.clock.clone();
    let scheduler =
        gridloop_app::jobs::build(store.clone(), &park.state.workflow, clock, &park.settings)
            .expect("scheduler");
    let m = matches::introduce(&park.state, &park.dispatcher, &park.intro())
        .await
        .expect("introduce");
    let follow_ups = || async {
        park.notices()
            .await
            .into_iter()
            .filter(|(_, k)| *k == NotificationKind::MatchFollowUp)
            .count()
    };
    // Five working days from Tuesday 10:00 is the next Tuesday 10:00: not on Monday evening.
    park.clock
        .set(tuesday() + Duration::days(6) + Duration::hours(8));
    scheduler.tick().await.expect("tick");
    assert_eq!(follow_ups().await, 0);
    park.clock.set(tuesday() + Duration::days(7));
    scheduler.tick().await.expect("tick");
    scheduler.tick().await.expect("tick again");
    assert_eq!(follow_ups().await, 1, "one reminder, to the introducer");
    let introducer = park.dispatcher.user.get();
    assert!(park
        .notices()
        .await
        .contains(&(introducer, NotificationKind::MatchFollowUp)));
    // A step re-arms it: the talk's follow-up is five working days after the talk, and the
    // old one no longer applies.
    park.step(&park.dispatcher, m.id, "talk", Some(1))
        .await
        .expect("talk");
    park.clock.set(tuesday() + Duration::days(13));
    scheduler.tick().await.expect("tick");
    assert_eq!(follow_ups().await, 1);
    park.clock.set(tuesday() + Duration::days(14));
    scheduler.tick().await.expect("tick");
    assert_eq!(follow_ups().await, 2);
    // An agreed match is never followed up.
    park.step(&park.dispatcher, m.id, "agree", Some(2))
        .await
        .expect("agree");
    park.clock.set(tuesday() + Duration::days(40));
    scheduler.tick().await.expect("tick");
    assert_eq!(follow_ups().await, 2);
}

/// A match made at a matchmaking meeting: only once the meeting's day has come, only between
/// enterprises both invited to it, and listed by the meeting.
async fn a_match_made_at_a_meeting(store: &Store) {
    use gridloop_app::chain::meetings::{self, PlanInput};
    let park = park(store).await;
    let plan = |theme: &str| PlanInput {
        date: "2026-12-03".into(),
        time: "14:00".into(),
        place: "园区服务中心".into(),
        theme: theme.into(),
        capacity: "40".into(),
        stages: vec!["recycling".into()],
        tags: vec![],
        grid: None,
    };
    let both = meetings::plan(&park.state, &park.dispatcher, &plan("边角料回收对接会"))
        .await
        .expect("plan")
        .id;
    let one = meetings::plan(&park.state, &park.dispatcher, &plan("再生铝专场"))
        .await
        .expect("plan")
        .id;
    meetings::invite(
        &park.state,
        &park.dispatcher,
        both,
        &[format!("{},{}", park.rolling, park.recycler)],
    )
    .await
    .expect("invite both");
    meetings::invite(
        &park.state,
        &park.dispatcher,
        one,
        &[park.recycler.to_string()],
    )
    .await
    .expect("invite one");
    let at = |meeting: String| IntroduceInput {
        meeting: Some(meeting),
        ..park.intro()
    };
    let field = |e: AppError| match e {
        AppError::Invalid(errors) => errors.iter().map(|e| e.field()).collect::<Vec<_>>(),
        other => panic!("expected Invalid, got {other:?}"),
    };
    // Before its day, at no meeting, at a meeting one of the two was not invited to.
    let e = matches::introduce(&park.state, &park.dispatcher, &at(both.to_string()))
        .await
        .expect_err("before the day");
    assert_eq!(field(e), ["meeting"]);
    park.clock.set(tuesday() + Duration::days(2));
    let e = matches::introduce(&park.state, &park.dispatcher, &at("999".into()))
        .await
        .expect_err("no such meeting");
    assert_eq!(field(e), ["meeting"]);
    let e = matches::introduce(&park.state, &park.dispatcher, &at(one.to_string()))
        .await
        .expect_err("one not invited");
    let AppError::Invalid(errors) = e else {
        panic!("expected Invalid");
    };
    assert_eq!(errors[0].rule(), Rule::NotInvited);
    let listed = |meeting: String| {
        let state = &park.state;
        let reader = park.dispatcher.clone();
        async move {
            matches::list(
                state,
                Some(&reader),
                &ListInput {
                    meeting: Some(meeting),
                    ..ListInput::default()
                },
            )
            .await
            .expect("list")
            .items
        }
    };
    assert!(listed(both.to_string()).await.is_empty(), "nothing written");
    // On the day, between two invitees: recorded, and listed by the meeting.
    let made = matches::introduce(&park.state, &park.dispatcher, &at(both.to_string()))
        .await
        .expect("made at the meeting");
    assert_eq!(made.state.meeting, Some(both));
    let here = listed(both.to_string()).await;
    assert_eq!(here.iter().map(|m| m.id).collect::<Vec<_>>(), [made.id]);
    assert!(listed(one.to_string()).await.is_empty());
    // The step replays to the same match, meeting included.
    let shown = matches::show(&park.state, Some(&park.dispatcher), made.id)
        .await
        .expect("show");
    let replayed = Match::replay(&shown.steps).expect("replay");
    assert_eq!(replayed.meeting, Some(both));
}

macro_rules! on_both {
    ($sqlite:ident, $postgres:ident, $body:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let scratch = common::Scratch::new(stringify!($sqlite)).await;
            $body(&scratch.store).await;
            scratch.remove().await;
        }

        #[tokio::test]
        async fn $postgres() {
            let Some(scratch) = common::PgScratch::new("matches").await else {
                return;
            };
            $body(&scratch.store).await;
            scratch.remove().await;
        }
    };
}

on_both!(
    a_match_goes_through_its_lifecycle_by_role_and_scope_and_replays_on_sqlite,
    a_match_goes_through_its_lifecycle_by_role_and_scope_and_replays_on_postgres,
    lifecycle_roles_scope_and_replay
);
on_both!(
    bad_input_to_a_match_writes_nothing_on_sqlite,
    bad_input_to_a_match_writes_nothing_on_postgres,
    bad_input_writes_nothing
);
on_both!(
    a_still_match_is_followed_up_after_five_working_days_on_sqlite,
    a_still_match_is_followed_up_after_five_working_days_on_postgres,
    a_still_match_is_followed_up_after_the_working_days
);
on_both!(
    a_match_is_made_at_a_meeting_both_enterprises_were_invited_to_on_sqlite,
    a_match_is_made_at_a_meeting_both_enterprises_were_invited_to_on_postgres,
    a_match_made_at_a_meeting
);
