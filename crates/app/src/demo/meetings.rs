//! The demo's matchmaking events (对接会, meetings in code): two held in the past weeks, with
//! their invitations and attendance (the first one of 40-odd enterprises, as in the reference
//! case), and one planned ahead with its invitations sent.
//!
//! Each goes through the real use cases (`chain::meetings`: plan, suggest, invite, send,
//! attend, hold) on a simulated clock of its own, as the demo history does: a meeting in the
//! past is planned on a day before it, so the rule that refuses a meeting in the past is never
//! loosened for the demo. Nothing is written if the park has a meeting already.

use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use gridloop_core::locale::Locale;
use gridloop_core::{Login, Workflow};
use gridloop_store::{MeetingFilter, Store};
use serde::Serialize;

use crate::chain::matches::{self, IntroduceInput};
use crate::chain::meetings::{self, PlanInput};
use crate::clock::{Clock, ManualClock};
use crate::error::AppError;
use crate::settings::Settings;
use crate::state::AppState;

/// One demo meeting: days from now (negative: past), start, place, theme, target stages,
/// tags, capacity, how many to invite, how many of them come (past meetings only).
struct Spec {
    days: i64,
    time: &'static str,
    place: &'static str,
    theme: &'static str,
    stages: &'static [&'static str],
    tags: &'static str,
    capacity: u32,
    invite: usize,
    attend: usize,
}

const SPECS: [Spec; 3] = [
    Spec {
        days: -26,
        time: "14:30",
        place: "园区服务中心二楼多功能厅",
        theme: "铝加工边角料回收与再生合金供需对接会",
        stages: &["processing", "deep", "recycling"],
        tags: "边角料，废铝，再生合金",
        capacity: 60,
        invite: 44,
        attend: 38,
    },
    Spec {
        days: -12,
        time: "09:30",
        place: "园区服务中心三楼会议室",
        theme: "压铸件与精深加工配套对接会",
        stages: &["alloying", "deep", "application"],
        tags: "压铸，铝合金锭",
        capacity: 30,
        invite: 18,
        attend: 15,
    },
    Spec {
        days: 10,
        time: "14:00",
        place: "园区服务中心二楼多功能厅",
        theme: "再生铝保级利用技术交流对接会",
        stages: &["alloying", "recycling"],
        tags: "再生合金，废铝",
        capacity: 50,
        invite: 24,
        attend: 0,
    },
];

/// How far ahead of its day a past meeting is planned on the simulated clock.
const PLANNED_AHEAD_DAYS: u64 = 14;
/// The note of a match made at a demo meeting.
const MADE_THERE_NOTE: &str = "对接会现场达成合作意向";
/// Who plans and runs the demo's meetings.
const RUNNER: &str = "dispatch";

/// What the meetings' seeding did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MeetingsSeeded {
    pub already_present: bool,
    pub held: usize,
    pub planned: usize,
    pub invited: usize,
    pub attended: usize,
    /// Matches introduced at the meetings held (between two of each one's attendees).
    pub matches_made: usize,
}

fn at_local(state: &AppState, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    state
        .calendar
        .time_zone
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .map_or_else(|| day.and_time(time).and_utc(), |t| t.with_timezone(&Utc))
}

/// Seeds the meetings of the park in `store` (seeded already, with its chain), around `now`.
pub async fn seed(
    store: &Store,
    workflow: Workflow,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<MeetingsSeeded, AppError> {
    if !store
        .meetings(&MeetingFilter::default(), 1, None)
        .await?
        .items
        .is_empty()
    {
        return Ok(MeetingsSeeded {
            already_present: true,
            ..MeetingsSeeded::default()
        });
    }
    let clock = Arc::new(ManualClock::new(now));
    let shared: Arc<dyn Clock> = clock.clone();
    let state = AppState::from_settings(store.clone(), workflow, shared, settings)
        .map_err(|e| AppError::internal("the demo meetings' state", &e))?;
    let runner = store
        .actor(&Login::parse(RUNNER).map_err(AppError::invalid)?)
        .await?;
    let today = now.with_timezone(&state.calendar.time_zone).date_naive();
    let mut seeded = MeetingsSeeded::default();
    for spec in &SPECS {
        let day = if spec.days < 0 {
            today.checked_sub_days(Days::new(spec.days.unsigned_abs()))
        } else {
            today.checked_add_days(Days::new(spec.days.unsigned_abs()))
        }
        .ok_or_else(|| AppError::internal("a demo meeting's day", &"out of range"))?;
        let start = NaiveTime::parse_from_str(spec.time, "%H:%M")
            .map_err(|e| AppError::internal("a demo meeting's time", &e))?;
        // Planned a fortnight ahead (or today, for the one still to come), at ten.
        let planned_on = if spec.days < 0 {
            day.checked_sub_days(Days::new(PLANNED_AHEAD_DAYS))
                .unwrap_or(day)
        } else {
            today
        };
        let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap_or(start);
        clock.set(at_local(&state, planned_on, ten).min(now));
        let input = PlanInput {
            date: day.format("%Y-%m-%d").to_string(),
            time: spec.time.to_owned(),
            place: spec.place.to_owned(),
            theme: spec.theme.to_owned(),
            capacity: spec.capacity.to_string(),
            stages: spec.stages.iter().map(|s| (*s).to_owned()).collect(),
            tags: vec![spec.tags.to_owned()],
            grid: None,
        };
        let meeting = meetings::plan(&state, &runner, &input).await?;
        let suggested =
            meetings::suggest(&state, &runner, meeting.id, Some(spec.invite), Locale::ZhCn).await?;
        let ids: Vec<String> = suggested.iter().map(|s| s.enterprise.to_string()).collect();
        let view = meetings::invite(&state, &runner, meeting.id, &ids).await?;
        meetings::send(&state, &runner, meeting.id).await?;
        seeded.invited += view.invitations.len();
        if spec.days >= 0 {
            seeded.planned += 1;
            continue;
        }
        // The day itself, the meeting over: who came, then held.
        clock.set(at_local(&state, day, start) + chrono::Duration::hours(3));
        for (i, invitation) in view.invitations.iter().enumerate() {
            let came = i < spec.attend;
            meetings::attend(
                &state,
                &runner,
                meeting.id,
                &invitation.enterprise.to_string(),
                came,
            )
            .await?;
            seeded.attended += usize::from(came);
        }
        meetings::hold(&state, &runner, meeting.id).await?;
        seeded.held += 1;
        // The first two who came agreed to talk there: the match is recorded as made at it.
        let came: Vec<String> = view
            .invitations
            .iter()
            .take(spec.attend.min(2))
            .map(|i| i.enterprise.to_string())
            .collect();
        if let [a, b] = came.as_slice() {
            let input = IntroduceInput {
                enterprise: a.clone(),
                with: b.clone(),
                meeting: Some(meeting.id.to_string()),
                note: Some(MADE_THERE_NOTE.to_owned()),
                ..IntroduceInput::default()
            };
            matches::introduce(&state, &runner, &input).await?;
            seeded.matches_made += 1;
        }
    }
    Ok(seeded)
}
