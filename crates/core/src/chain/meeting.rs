//! Matchmaking events (对接会), called **meetings** in code: the glossary's `Event` is one step
//! of an issue's history, and a match's history has events too, so `Meeting` (and
//! `MeetingId`, `chain_meetings`) names the gathering everywhere, from the core to the URLs'
//! JSON fields; only the URLs and the CLI say `event`, as people do.
//!
//! A meeting is planned for a day and a start time in the park's time zone, at a place, on a
//! theme, for some target stages and tags, with a capacity. It is then held or cancelled:
//!
//! | from | to | when |
//! |---|---|---|
//! | planned | held | on or after its date |
//! | planned | cancelled | any time before it is held |
//!
//! Enterprises are invited (at most its capacity), told (the invitation's `notified_at`), and
//! their attendance recorded from the meeting's date on. A meeting is planned for a later day,
//! at most [`MAX_DAYS_AHEAD`] ahead: a meeting in the past cannot be planned (the demo's history
//! writes its past meetings through the store, with its simulated clock).
//!
//! Invitees are suggested by the theme: an enterprise in a target stage, or sharing a tag or a
//! phrase with the theme, ranked by [`suggest_invitees`] with the same points as a need's
//! suggestions ([`super::rank`]) and a one-line reason.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::grams::grams;
use super::listing::named_enum;
use super::rank::{meaningful, overlap, stage_name, Why, FURTHER_POINTS, TAG_POINTS};
use super::stage::{relation, Stage, MAX_STAGES};
use super::tag::Tag;
use crate::error::ParseError;
use crate::ids::{EnterpriseId, StageId};
use crate::locale::Locale;
use crate::rule::{Format, Rule};

/// How far ahead a meeting may be planned: two years (731 days, a leap day included).
pub const MAX_DAYS_AHEAD: u64 = 731;
/// The largest capacity: a hall of 500 is already a fair.
pub const MAX_CAPACITY: u32 = 500;
/// The most enterprises invited by one request.
pub const MAX_INVITE_AT_ONCE: usize = 100;
/// The most invitees suggested at once (enough for a meeting of 40-odd enterprises).
pub const MAX_INVITEE_SUGGESTIONS: usize = 200;
/// Points for an enterprise in one of the meeting's target stages: as much as a shared tag.
pub const TARGET_STAGE_POINTS: u32 = TAG_POINTS;

named_enum!(
    /// Where a meeting stands.
    MeetingStatus,
    "status",
    [
        /// Planned, not held yet: invitations go out, reminders are due.
        Planned = "planned",
        /// Held: attendance is recorded.
        Held = "held",
        /// Called off; the invitees were told.
        Cancelled = "cancelled",
    ]
);

impl MeetingStatus {
    /// The status after holding a meeting that starts at `starts_at`, on `today` (park time):
    /// only a planned meeting, on or after its date.
    pub fn hold(self, starts_at: StartsAt, tz: Tz, today: NaiveDate) -> Result<Self, ParseError> {
        self.must_be_planned()?;
        starts_at.must_have_come(tz, today)?;
        Ok(Self::Held)
    }

    /// The status after cancelling: only a planned meeting.
    pub fn cancel(self) -> Result<Self, ParseError> {
        self.must_be_planned()?;
        Ok(Self::Cancelled)
    }

    /// `Invalid` (`status`, `Changed`) unless planned: invitations and reminders are for
    /// meetings still to come.
    pub fn must_be_planned(self) -> Result<(), ParseError> {
        if self == Self::Planned {
            Ok(())
        } else {
            Err(ParseError::new(
                "status",
                Rule::Changed { now: self.as_str() },
            ))
        }
    }

    /// Whether attendance may be recorded: a meeting not cancelled, on or after its date.
    pub fn may_record_attendance(
        self,
        starts_at: StartsAt,
        tz: Tz,
        today: NaiveDate,
    ) -> Result<(), ParseError> {
        if self == Self::Cancelled {
            return Err(ParseError::new(
                "status",
                Rule::Changed { now: self.as_str() },
            ));
        }
        starts_at.must_have_come(tz, today)
    }
}

/// When a meeting starts: a later day than the one it is planned on, at most
/// [`MAX_DAYS_AHEAD`] ahead, at a time of day in the park's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StartsAt(DateTime<Utc>);

impl StartsAt {
    /// The first and last day a meeting planned on `today` may be held.
    pub fn bounds(today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let min = today.checked_add_days(Days::new(1)).unwrap_or(today);
        let max = today
            .checked_add_days(Days::new(MAX_DAYS_AHEAD))
            .unwrap_or(today);
        (min, max)
    }

    /// A day and a time (`HH:MM`) typed by someone planning on `today`, read in `tz`.
    pub fn parse(
        date: NaiveDate,
        time: &str,
        tz: Tz,
        today: NaiveDate,
    ) -> Result<Self, ParseError> {
        let (min, max) = Self::bounds(today);
        if date < min || date > max {
            return Err(ParseError::new("date", Rule::DateBetween { min, max }));
        }
        let time = NaiveTime::parse_from_str(time.trim(), "%H:%M")
            .map_err(|_| ParseError::new("time", Rule::Format(Format::Time)))?;
        match tz.from_local_datetime(&date.and_time(time)) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                Ok(Self(at.with_timezone(&Utc)))
            }
            LocalResult::None => Err(ParseError::new("time", Rule::NotInZone)),
        }
    }

    /// An instant read back from storage (or written by the demo's history, whose clock is
    /// its own): checked when planned, it may have passed since.
    pub fn from_stored(at: DateTime<Utc>) -> Self {
        Self(at)
    }

    pub fn at(self) -> DateTime<Utc> {
        self.0
    }

    /// The meeting's day in `tz`.
    pub fn date(self, tz: Tz) -> NaiveDate {
        self.0.with_timezone(&tz).date_naive()
    }

    /// `Invalid` (`today`) before the meeting's day: it cannot be held, nor anyone have
    /// attended it, before it comes.
    fn must_have_come(self, tz: Tz, today: NaiveDate) -> Result<(), ParseError> {
        let day = self.date(tz);
        if today < day {
            let max = day
                .checked_add_days(Days::new(MAX_DAYS_AHEAD))
                .unwrap_or(day);
            return Err(ParseError::new(
                "today",
                Rule::DateBetween { min: day, max },
            ));
        }
        Ok(())
    }
}

/// How many enterprises a meeting may invite: 1 to [`MAX_CAPACITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Capacity(u32);

impl Capacity {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let range = || {
            ParseError::new(
                "capacity",
                Rule::Range {
                    min: 1,
                    max: i64::from(MAX_CAPACITY),
                },
            )
        };
        let n: u32 = raw.trim().parse().map_err(|_| range())?;
        if (1..=MAX_CAPACITY).contains(&n) {
            Ok(Self(n))
        } else {
            Err(range())
        }
    }

    /// A capacity read back from storage.
    pub fn from_stored(n: u32) -> Self {
        Self(n)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// The stages a meeting is for: each once, sorted, at most [`MAX_STAGES`] (none: any stage,
/// the theme and tags alone choose).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TargetStages(Vec<StageId>);

impl TargetStages {
    pub fn parse(mut stages: Vec<StageId>) -> Result<Self, ParseError> {
        stages.sort();
        stages.dedup();
        if stages.len() > MAX_STAGES {
            return Err(ParseError::new("stages", Rule::TooMany { max: MAX_STAGES }));
        }
        Ok(Self(stages))
    }

    pub fn as_slice(&self) -> &[StageId] {
        &self.0
    }
}

/// The meeting as its invitees are suggested from.
#[derive(Debug, Clone)]
pub struct MeetingFacts {
    pub stages: Vec<StageId>,
    pub tags: Vec<Tag>,
    pub theme: String,
}

/// An enterprise that might be invited.
#[derive(Debug, Clone)]
pub struct InviteeCandidate {
    pub enterprise: EnterpriseId,
    pub name: String,
    pub stage: Option<StageId>,
    /// Every tag of every kind.
    pub tags: Vec<Tag>,
}

/// Why an enterprise is suggested: the target stage it is in, or how its stage lies next to
/// one (in `near.stage`), and the words it shares with the theme and tags (in `near.shared`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteWhy {
    pub target_stage: Option<String>,
    pub near: Why,
}

impl InviteWhy {
    /// One line: "in target stage 再生铝; both mention 边角料".
    pub fn explain(&self, locale: Locale) -> String {
        let zh = locale == Locale::ZhCn;
        let mut parts = Vec::new();
        if let Some(stage) = &self.target_stage {
            parts.push(if zh {
                format!("属目标环节{stage}")
            } else {
                format!("in target stage {stage}")
            });
        }
        let near = self.near.explain(locale);
        if !near.is_empty() {
            parts.push(near);
        }
        parts.join(if zh { "；" } else { "; " })
    }
}

/// One suggested invitee with its score and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteeSuggestion {
    pub enterprise: EnterpriseId,
    pub score: u32,
    pub why: InviteWhy,
}

/// The best `limit` (at most [`MAX_INVITEE_SUGGESTIONS`]) candidates for a meeting, best
/// first, then by id. An enterprise in a target stage scores [`TARGET_STAGE_POINTS`]; one
/// directly next to a target stage [`FURTHER_POINTS`] (a neighbour comes for the trade, less
/// surely); tags and text as for a need. A candidate neither in a target stage nor sharing a
/// word is left out, however close its stage.
pub fn suggest_invitees(
    meeting: &MeetingFacts,
    candidates: &[InviteeCandidate],
    stages: &[Stage],
    limit: usize,
) -> Vec<InviteeSuggestion> {
    let text = meeting.theme.to_lowercase();
    let theme_grams: BTreeSet<String> = meaningful(grams(&meeting.theme));
    let mut out: Vec<InviteeSuggestion> = candidates
        .iter()
        .filter_map(|c| {
            let words: Vec<&str> = c.tags.iter().map(Tag::as_str).collect();
            let their_text = format!("{} {}", c.name, words.join(" "));
            let (mut points, shared) =
                overlap(&meeting.tags, &text, &theme_grams, &c.tags, &their_text);
            let in_target = c.stage.filter(|s| meeting.stages.contains(s));
            let mut near_stage = None;
            if in_target.is_some() {
                points += TARGET_STAGE_POINTS;
            } else if let Some(theirs) = c.stage {
                // The nearest target stage directly up- or downstream, if any.
                near_stage = meeting.stages.iter().find_map(|&target| {
                    relation(stages, target, theirs)
                        .filter(|(_, steps)| *steps == 1)
                        .map(|(how, _)| {
                            (how, stage_name(stages, target), stage_name(stages, theirs))
                        })
                });
                if near_stage.is_some() {
                    points += FURTHER_POINTS;
                }
            }
            if in_target.is_none() && shared.is_empty() {
                return None;
            }
            Some(InviteeSuggestion {
                enterprise: c.enterprise,
                score: points,
                why: InviteWhy {
                    target_stage: in_target.map(|s| stage_name(stages, s)),
                    near: Why {
                        stage: near_stage,
                        shared,
                    },
                },
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.enterprise.cmp(&b.enterprise)));
    out.truncate(limit.min(MAX_INVITEE_SUGGESTIONS));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::stage::tests::stage;
    use crate::chain::tag::Tags;
    use chrono_tz::Asia::Shanghai;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_meeting_is_planned_for_a_later_day_within_two_years() {
        let today = day("2026-12-06");
        assert_eq!(
            StartsAt::parse(today, "18:00", Shanghai, today)
                .unwrap_err()
                .field(),
            "date"
        );
        assert!(StartsAt::parse(day("2026-12-05"), "09:00", Shanghai, today).is_err());
        let at = StartsAt::parse(day("2026-12-07"), "09:30", Shanghai, today).unwrap();
        assert_eq!(at.at().to_rfc3339(), "2026-12-07T01:30:00+00:00");
        assert!(StartsAt::parse(day("2028-12-06"), "09:00", Shanghai, today).is_ok());
        assert!(StartsAt::parse(day("2028-12-07"), "09:00", Shanghai, today).is_err());
        let e = StartsAt::parse(day("2026-12-07"), "9h30", Shanghai, today).unwrap_err();
        assert_eq!(e.field(), "time");
    }

    #[test]
    fn a_meeting_is_held_on_or_after_its_day_and_only_once() {
        let at = StartsAt::parse(day("2026-12-10"), "14:00", Shanghai, day("2026-12-06")).unwrap();
        let planned = MeetingStatus::Planned;
        assert!(planned.hold(at, Shanghai, day("2026-12-09")).is_err());
        assert_eq!(
            planned.hold(at, Shanghai, day("2026-12-10")).unwrap(),
            MeetingStatus::Held
        );
        assert!(MeetingStatus::Held
            .hold(at, Shanghai, day("2026-12-11"))
            .is_err());
        assert!(MeetingStatus::Held.cancel().is_err());
        assert!(MeetingStatus::Cancelled
            .may_record_attendance(at, Shanghai, day("2026-12-11"))
            .is_err());
        assert!(planned
            .may_record_attendance(at, Shanghai, day("2026-12-09"))
            .is_err());
    }

    #[test]
    fn capacity_and_stages_are_bounded() {
        assert!(Capacity::parse("0").is_err());
        assert!(Capacity::parse("501").is_err());
        assert!(Capacity::parse("x").is_err());
        assert_eq!(Capacity::parse(" 60 ").unwrap().get(), 60);
        let many = (1..=21).map(|i| StageId::new(i).unwrap()).collect();
        assert!(TargetStages::parse(many).is_err());
    }

    fn stages() -> Vec<Stage> {
        ["电解铝", "合金化", "铝加工", "精深加工", "再生铝", "应用"]
            .iter()
            .enumerate()
            .map(|(i, name)| stage(i as i64 + 1, i as u32 + 1, &format!("s{}", i + 1), name))
            .collect()
    }

    fn firm(id: i64, stage: i64, name: &str, tags: &str) -> InviteeCandidate {
        InviteeCandidate {
            enterprise: EnterpriseId::new(id).unwrap(),
            name: name.to_owned(),
            stage: StageId::new(stage).ok(),
            tags: Tags::parse("tags", [tags]).unwrap().into(),
        }
    }

    #[test]
    fn invitees_in_a_target_stage_and_sharing_the_theme_come_first_with_a_reason() {
        let meeting = MeetingFacts {
            stages: vec![StageId::new(5).unwrap()],
            tags: Tags::parse("tags", ["边角料"]).unwrap().into(),
            theme: "铝边角料回收与再生合金对接会".to_owned(),
        };
        let candidates = [
            firm(1, 5, "渝南再生铝业", "边角料,再生合金"),
            firm(2, 5, "某金属公司", "废铝"),
            firm(3, 4, "精工铝材", "边角料"),
            firm(4, 4, "精密压铸", "压铸件"),
            firm(5, 1, "电解铝厂", "铝锭"),
        ];
        let ranked = suggest_invitees(&meeting, &candidates, &stages(), 10);
        let ids: Vec<i64> = ranked.iter().map(|s| s.enterprise.get()).collect();
        assert_eq!(ids, [1, 3, 2]);
        assert_eq!(
            ranked[0].why.explain(Locale::En),
            "in target stage 再生铝; both mention 边角料, 再生合金"
        );
        assert_eq!(
            ranked[1].why.explain(Locale::ZhCn),
            "精深加工是再生铝的上游；双方都提到边角料"
        );
        assert_eq!(ranked[2].why.explain(Locale::ZhCn), "属目标环节再生铝");
    }
}
