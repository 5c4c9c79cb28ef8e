//! Matches (对接): two enterprises introduced to each other, followed to an agreement or a drop.
//!
//! A match's lifecycle mirrors an issue's, smaller: one transition table ([`MATCH_RULES`]),
//! a [`decide`] that checks it, the actor and the action's fields and returns the step to
//! record, and a [`Match::evolve`] that folds a step into the match, the same code a replay
//! runs. The history is a list of [`MatchStep`]s (not `MatchEvent`, which the glossary keeps
//! for matchmaking events, 对接会).
//!
//! ```text
//! introduced ──talk──▶ in_talks ──agree──▶ agreed
//!     │ └──────────agree──────────────────▲
//!     └─drop─▶ dropped ◀─drop── in_talks
//! ```
//!
//! Who: a dispatcher, an admin, or a commissioner covering either enterprise introduces; the
//! introducer, dispatchers and commissioners covering either enterprise move it on. Who sees
//! it: whoever sees either enterprise (as for issues), and the introducer.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::listing::named_enum;
use crate::calendar::Calendar;
use crate::error::ParseError;
use crate::ids::{EnterpriseId, GridId, ListingId, MeetingId, UserId};
use crate::role::{Actor, Role, Scope};
use crate::rule::{Format, Rule};
use crate::text::{Reason, ShortNote};

named_enum!(
    /// Where a match stands.
    MatchStatus,
    "status",
    [
        /// 已引荐: the two enterprises were put in touch.
        Introduced = "introduced",
        /// 洽谈中: they are talking.
        InTalks = "in_talks",
        /// 已签约: they agreed, for a contract value.
        Agreed = "agreed",
        /// 已终止: it came to nothing, for a reason.
        Dropped = "dropped",
    ]
);

impl MatchStatus {
    /// Still moving: a follow-up reminder may be due.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Introduced | Self::InTalks)
    }
}

named_enum!(
    /// What people do to a match.
    MatchActionKind,
    "action",
    [
        Introduce = "introduce",
        Talk = "talk",
        Agree = "agree",
        Drop = "drop",
    ]
);

/// The largest contract value accepted, in yuan: 10^11 (a thousand 亿). More is a typo.
pub const MAX_CONTRACT_YUAN: i64 = 100_000_000_000;

/// A contract value in fen (分), from 0 to [`MAX_CONTRACT_YUAN`] yuan. Parsed from yuan as
/// typed (`1250000`, `1,250,000.50`), never from a float, so no amount is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct ContractValue(i64);

impl ContractValue {
    const FIELD: &'static str = "contract_value";

    /// An amount in yuan with at most two decimals; commas and a leading `¥` are allowed.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let format = || ParseError::new(Self::FIELD, Rule::Format(Format::Number));
        let range = || {
            ParseError::new(
                Self::FIELD,
                Rule::Amount {
                    max: MAX_CONTRACT_YUAN,
                },
            )
        };
        let cleaned: String = raw
            .trim()
            .trim_start_matches(['¥', '￥'])
            .chars()
            .filter(|c| *c != ',')
            .collect();
        if cleaned.is_empty() {
            return Err(ParseError::new(Self::FIELD, Rule::Required));
        }
        if cleaned.len() > 24 {
            return Err(range());
        }
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 2 {
            return Err(format());
        }
        if negative {
            return Err(range());
        }
        let yuan: i64 = whole.parse().map_err(|_| range())?;
        if yuan > MAX_CONTRACT_YUAN {
            return Err(range());
        }
        let fen: i64 = format!("{frac:0<2}").parse().map_err(|_| format())?;
        let total = yuan * 100 + fen;
        if total > MAX_CONTRACT_YUAN * 100 {
            return Err(range());
        }
        Ok(Self(total))
    }

    /// A value in fen, as stored.
    pub fn from_fen(fen: i64) -> Result<Self, ParseError> {
        if (0..=MAX_CONTRACT_YUAN * 100).contains(&fen) {
            Ok(Self(fen))
        } else {
            Err(ParseError::new(
                Self::FIELD,
                Rule::Amount {
                    max: MAX_CONTRACT_YUAN,
                },
            ))
        }
    }

    pub fn fen(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for ContractValue {
    type Error = ParseError;
    fn try_from(fen: i64) -> Result<Self, Self::Error> {
        Self::from_fen(fen)
    }
}

impl From<ContractValue> for i64 {
    fn from(value: ContractValue) -> Self {
        value.0
    }
}

/// Yuan with two decimals, no separators: `1250000.00`.
impl fmt::Display for ContractValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl FromStr for ContractValue {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// One side of a match: the enterprise and the grid it was in when introduced (its scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Party {
    pub enterprise: EnterpriseId,
    pub grid: GridId,
}

/// The two enterprises of a match, never the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawPair")]
pub struct Pair {
    a: Party,
    b: Party,
}

/// A pair as read back, checked again on the way in.
#[derive(Deserialize)]
struct RawPair {
    a: Party,
    b: Party,
}

impl TryFrom<RawPair> for Pair {
    type Error = ParseError;
    fn try_from(raw: RawPair) -> Result<Self, Self::Error> {
        Self::new(raw.a, raw.b)
    }
}

impl Pair {
    /// Refuses an enterprise matched with itself (`with`, [`Rule::SameAs`]).
    pub fn new(a: Party, b: Party) -> Result<Self, ParseError> {
        if a.enterprise == b.enterprise {
            return Err(ParseError::new(
                "with",
                Rule::SameAs {
                    other: "enterprise",
                },
            ));
        }
        Ok(Self { a, b })
    }

    pub fn a(&self) -> Party {
        self.a
    }

    pub fn b(&self) -> Party {
        self.b
    }

    /// The scopes of the two sides, as issues' scopes: whoever covers one covers the match.
    fn scopes(&self, introducer: UserId) -> [Scope; 2] {
        [self.a, self.b].map(|p| Scope {
            grid: p.grid,
            enterprise: p.enterprise,
            unit: None,
            reporter: Some(introducer),
        })
    }
}

/// A new match as asked for, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introduction {
    pub pair: Pair,
    /// The need it came from, if any.
    pub need: Option<ListingId>,
    /// The offer it came from, if any.
    pub offer: Option<ListingId>,
    /// The matchmaking meeting (对接会) it was made at, if any.
    pub meeting: Option<MeetingId>,
    pub note: Option<ShortNote>,
}

/// What people ask to do to a match, with the fields each action needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchAction {
    Talk,
    Agree {
        value: ContractValue,
        note: Option<ShortNote>,
    },
    Drop {
        reason: Reason,
    },
}

impl MatchAction {
    pub fn kind(&self) -> MatchActionKind {
        match self {
            Self::Talk => MatchActionKind::Talk,
            Self::Agree { .. } => MatchActionKind::Agree,
            Self::Drop { .. } => MatchActionKind::Drop,
        }
    }
}

/// What a step changed: the data of each kind of step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchChange {
    Introduced {
        pair: Pair,
        need: Option<ListingId>,
        offer: Option<ListingId>,
        /// Absent in the steps of matches introduced before meetings were recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        meeting: Option<MeetingId>,
        note: Option<ShortNote>,
    },
    Talking,
    Agreed {
        value: ContractValue,
        note: Option<ShortNote>,
    },
    Dropped {
        reason: Reason,
    },
}

/// One immutable step in a match's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchStep {
    /// The match's version after this step (the introduction is version 1).
    pub version: u32,
    pub at: DateTime<Utc>,
    pub actor: UserId,
    pub from: Option<MatchStatus>,
    pub to: MatchStatus,
    pub change: MatchChange,
}

/// A match: the fold of its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub version: u32,
    pub status: MatchStatus,
    pub pair: Pair,
    pub need: Option<ListingId>,
    pub offer: Option<ListingId>,
    /// The matchmaking meeting it was made at.
    pub meeting: Option<MeetingId>,
    pub introduced_by: UserId,
    pub introduced_at: DateTime<Utc>,
    /// When the last step happened: a match still since then may need a reminder.
    pub moved_at: DateTime<Utc>,
    pub note: Option<ShortNote>,
    pub value: Option<ContractValue>,
    pub reason: Option<Reason>,
}

/// A history that does not fold into a match: a bug or a corrupt store, never a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MatchReplayError {
    #[error("a match's history must start with an `introduced` step")]
    NotAnIntroduction,
    #[error("step {found} follows version {version}")]
    OutOfOrder { version: u32, found: u32 },
    #[error("a match cannot be introduced twice")]
    IntroducedTwice,
    #[error("step from {from:?} does not follow status {status}")]
    WrongFrom {
        status: MatchStatus,
        from: Option<MatchStatus>,
    },
}

impl Match {
    /// The match a first step opens.
    pub fn open(step: &MatchStep) -> Result<Self, MatchReplayError> {
        let MatchChange::Introduced {
            pair,
            need,
            offer,
            meeting,
            note,
        } = &step.change
        else {
            return Err(MatchReplayError::NotAnIntroduction);
        };
        if step.version != 1 || step.from.is_some() {
            return Err(MatchReplayError::OutOfOrder {
                version: 0,
                found: step.version,
            });
        }
        Ok(Self {
            version: 1,
            status: MatchStatus::Introduced,
            pair: *pair,
            need: *need,
            offer: *offer,
            meeting: *meeting,
            introduced_by: step.actor,
            introduced_at: step.at,
            moved_at: step.at,
            note: note.clone(),
            value: None,
            reason: None,
        })
    }

    /// Folds one more step in.
    pub fn evolve(&mut self, step: &MatchStep) -> Result<(), MatchReplayError> {
        if step.version != self.version + 1 {
            return Err(MatchReplayError::OutOfOrder {
                version: self.version,
                found: step.version,
            });
        }
        if step.from != Some(self.status) {
            return Err(MatchReplayError::WrongFrom {
                status: self.status,
                from: step.from,
            });
        }
        match &step.change {
            MatchChange::Introduced { .. } => return Err(MatchReplayError::IntroducedTwice),
            MatchChange::Talking => {}
            MatchChange::Agreed { value, note } => {
                self.value = Some(*value);
                if note.is_some() {
                    self.note = note.clone();
                }
            }
            MatchChange::Dropped { reason } => self.reason = Some(reason.clone()),
        }
        self.version = step.version;
        self.status = step.to;
        self.moved_at = step.at;
        Ok(())
    }

    /// The match a whole history folds into.
    pub fn replay(steps: &[MatchStep]) -> Result<Self, MatchReplayError> {
        let (first, rest) = steps
            .split_first()
            .ok_or(MatchReplayError::NotAnIntroduction)?;
        let mut m = Self::open(first)?;
        for step in rest {
            m.evolve(step)?;
        }
        Ok(m)
    }

    /// Whether the actor may see this match: the introducer, or whoever sees either side.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        self.pair
            .scopes(self.introduced_by)
            .iter()
            .any(|s| actor.can_see(s))
    }

    /// Whether the actor may move this match on (talk, agree, drop): its introducer, a
    /// dispatcher or admin, or a commissioner covering either enterprise.
    pub fn movable_by(&self, actor: &Actor) -> bool {
        actor.user == self.introduced_by
            || [Role::Dispatcher, Role::Admin]
                .iter()
                .any(|r| actor.has_role(*r))
            || covers_either(actor, &self.pair)
    }
}

/// Whether the actor is a commissioner of either side's grid.
fn covers_either(actor: &Actor, pair: &Pair) -> bool {
    pair.scopes(actor.user)
        .iter()
        .any(|s| actor.role_covers(Role::Commissioner, s))
}

/// One row of the match transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchRule {
    pub action: MatchActionKind,
    pub from: &'static [MatchStatus],
    pub to: MatchStatus,
    /// The roles that may take it (besides the introducer, for the moves).
    pub roles: &'static [Role],
    pub requires: &'static [&'static str],
}

/// Roles that introduce (a commissioner only for an enterprise of its grids).
pub const INTRODUCERS: &[Role] = &[Role::Dispatcher, Role::Commissioner, Role::Admin];
/// Roles that move a match on (and its introducer, whatever their roles).
pub const MOVERS: &[Role] = &[Role::Dispatcher, Role::Commissioner, Role::Admin];

use MatchStatus::{Agreed, Dropped, InTalks, Introduced};

/// The lifecycle: *action* takes a match *from* one of these states *to* that one, taken by
/// one of these *roles* (or the introducer), given these fields.
#[rustfmt::skip]
pub const MATCH_RULES: &[MatchRule] = &[
    //          action                     from                    to           roles        requires
    MatchRule { action: MatchActionKind::Introduce, from: &[],                  to: Introduced, roles: INTRODUCERS, requires: &["enterprise", "with"] },
    MatchRule { action: MatchActionKind::Talk,      from: &[Introduced],        to: InTalks,    roles: MOVERS,      requires: &[] },
    MatchRule { action: MatchActionKind::Agree,     from: &[Introduced, InTalks], to: Agreed,   roles: MOVERS,      requires: &["contract_value"] },
    MatchRule { action: MatchActionKind::Drop,      from: &[Introduced, InTalks], to: Dropped,  roles: MOVERS,      requires: &["reason"] },
];

/// The table row of an action. Every action has exactly one.
pub fn match_rule(action: MatchActionKind) -> &'static MatchRule {
    MATCH_RULES
        .iter()
        .find(|r| r.action == action)
        .unwrap_or_else(|| panic!("the match table has no row for {action}"))
}

/// Why a step on a match was refused. Kept apart as for issues: no such transition is 422,
/// a role that may not is 403, and a match out of sight must look missing (404).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MatchError {
    #[error("no such transition: cannot {action} a match that is {status}")]
    NoSuchTransition {
        action: MatchActionKind,
        status: MatchStatus,
    },
    #[error(
        "not permitted: {action} a match needs one of the roles {}",
        crate::error::role_list(allowed)
    )]
    RoleNotPermitted {
        action: MatchActionKind,
        allowed: &'static [Role],
    },
    #[error("not permitted: the match is outside your scope")]
    OutOfScope,
}

/// Checks that the actor may introduce this pair, and returns the first step.
pub fn introduce(
    intro: Introduction,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<MatchStep, MatchError> {
    let rule = match_rule(MatchActionKind::Introduce);
    let refused = MatchError::RoleNotPermitted {
        action: MatchActionKind::Introduce,
        allowed: rule.roles,
    };
    if !rule.roles.iter().any(|r| actor.has_role(*r)) {
        return Err(refused);
    }
    let overseer = [Role::Dispatcher, Role::Admin]
        .iter()
        .any(|r| actor.has_role(*r));
    if !overseer && !covers_either(actor, &intro.pair) {
        return Err(refused);
    }
    Ok(MatchStep {
        version: 1,
        at: now,
        actor: actor.user,
        from: None,
        to: Introduced,
        change: MatchChange::Introduced {
            pair: intro.pair,
            need: intro.need,
            offer: intro.offer,
            meeting: intro.meeting,
            note: intro.note,
        },
    })
}

/// Decides one action on a match: the step to record and the match after it. On error nothing
/// happened. Checked in the issues' order: a role that can never (403), then sight (404),
/// then the table (422), then whether the actor may move this one (403).
pub fn decide(
    current: &Match,
    action: MatchAction,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(Match, MatchStep), MatchError> {
    let kind = action.kind();
    let rule = match_rule(kind);
    let refused = MatchError::RoleNotPermitted {
        action: kind,
        allowed: rule.roles,
    };
    let introducer = actor.user == current.introduced_by;
    if !introducer && !rule.roles.iter().any(|r| actor.has_role(*r)) {
        return Err(refused);
    }
    if !current.visible_to(actor) {
        return Err(MatchError::OutOfScope);
    }
    if !rule.from.contains(&current.status) {
        return Err(MatchError::NoSuchTransition {
            action: kind,
            status: current.status,
        });
    }
    if !current.movable_by(actor) {
        return Err(refused);
    }
    let change = match action {
        MatchAction::Talk => MatchChange::Talking,
        MatchAction::Agree { value, note } => MatchChange::Agreed { value, note },
        MatchAction::Drop { reason } => MatchChange::Dropped { reason },
    };
    let step = MatchStep {
        version: current.version + 1,
        at: now,
        actor: actor.user,
        from: Some(current.status),
        to: rule.to,
        change,
    };
    let mut next = current.clone();
    // The table and `evolve` agree by construction; a refusal here is a bug in this file.
    next.evolve(&step)
        .unwrap_or_else(|e| panic!("a decided match step does not fold: {e}"));
    Ok((next, step))
}

/// The actions an actor could take on a match now: what a page offers as forms.
pub fn available(current: &Match, actor: &Actor) -> Vec<MatchActionKind> {
    if !current.visible_to(actor) || !current.movable_by(actor) {
        return Vec::new();
    }
    MATCH_RULES
        .iter()
        .filter(|r| r.from.contains(&current.status))
        .map(|r| r.action)
        .collect()
}

/// The most working days a match may be set to sit still before a follow-up.
pub const MAX_FOLLOW_UP_DAYS: u32 = 60;

/// When a match that last moved at `moved_at` is due a follow-up: the same local time on the
/// `days`-th working day after (counted on the park's calendar, like SLA deadlines: weekends
/// and holidays skipped, make-up working days counted). `days` is clamped to
/// 1..=[`MAX_FOLLOW_UP_DAYS`].
pub fn follow_up_at(calendar: &Calendar, moved_at: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let tz = calendar.tz();
    let local = moved_at.with_timezone(&tz);
    let mut date = local.date_naive();
    let mut left = days.clamp(1, MAX_FOLLOW_UP_DAYS);
    // A year of days at most: a calendar without working days still ends.
    for _ in 0..400 {
        let Some(next) = date.succ_opt() else { break };
        date = next;
        if calendar.is_working_day(date) {
            left -= 1;
            if left == 0 {
                break;
            }
        }
    }
    let naive = date.and_time(local.time());
    // A local time a DST change skips moves on by the change; an ambiguous one takes the first.
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or(moved_at + chrono::Duration::days(i64::from(days)), |t| {
            t.with_timezone(&Utc)
        })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn id<T: FromStr>(raw: &str) -> T
    where
        T::Err: fmt::Debug,
    {
        raw.parse().unwrap()
    }

    fn party(e: &str, g: &str) -> Party {
        Party {
            enterprise: id(e),
            grid: id(g),
        }
    }

    fn actor(user: &str, roles: &[Role], grids: &[&str]) -> Actor {
        Actor {
            user: id(user),
            roles: roles.to_vec(),
            grids: grids.iter().map(|g| id(g)).collect(),
            units: vec![],
            enterprises: vec![],
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
    }

    fn dispatcher() -> Actor {
        actor("1", &[Role::Dispatcher], &[])
    }

    fn introduced() -> Match {
        let pair = Pair::new(party("10", "1"), party("20", "2")).unwrap();
        let intro = Introduction {
            pair,
            need: None,
            offer: None,
            meeting: None,
            note: None,
        };
        Match::open(&introduce(intro, &dispatcher(), now()).unwrap()).unwrap()
    }

    fn in_status(status: MatchStatus) -> Match {
        let d = dispatcher();
        let m = introduced();
        let path: &[MatchAction] = match status {
            Introduced => &[],
            InTalks => &[MatchAction::Talk],
            Agreed => &[MatchAction::Agree {
                value: ContractValue::parse("1").unwrap(),
                note: None,
            }],
            Dropped => &[MatchAction::Drop {
                reason: Reason::parse("no").unwrap(),
            }],
        };
        path.iter()
            .fold(m, |m, a| decide(&m, a.clone(), &d, now()).unwrap().0)
    }

    fn action(kind: MatchActionKind) -> MatchAction {
        match kind {
            MatchActionKind::Talk => MatchAction::Talk,
            MatchActionKind::Agree => MatchAction::Agree {
                value: ContractValue::parse("1250000.5").unwrap(),
                note: Some(ShortNote::parse("边角料回收").unwrap()),
            },
            MatchActionKind::Drop | MatchActionKind::Introduce => MatchAction::Drop {
                reason: Reason::parse("价格谈不拢").unwrap(),
            },
        }
    }

    #[test]
    fn the_lifecycle_as_a_table_of_state_and_action() {
        use MatchActionKind::{Agree, Drop, Talk};
        #[rustfmt::skip]
        let table = [
            (Introduced, Talk,  Some(InTalks)),
            (Introduced, Agree, Some(Agreed)),
            (Introduced, Drop,  Some(Dropped)),
            (InTalks,    Talk,  None),
            (InTalks,    Agree, Some(Agreed)),
            (InTalks,    Drop,  Some(Dropped)),
            (Agreed,     Talk,  None),
            (Agreed,     Agree, None),
            (Agreed,     Drop,  None),
            (Dropped,    Talk,  None),
            (Dropped,    Agree, None),
            (Dropped,    Drop,  None),
        ];
        for (from, kind, to) in table {
            let m = in_status(from);
            let got = decide(&m, action(kind), &dispatcher(), now());
            match to {
                Some(to) => {
                    let (next, step) = got.unwrap();
                    assert_eq!((next.status, step.to, step.from), (to, to, Some(from)));
                    assert_eq!(next.version, m.version + 1);
                }
                None => assert_eq!(
                    got.unwrap_err(),
                    MatchError::NoSuchTransition {
                        action: kind,
                        status: from
                    },
                    "{from} × {kind}"
                ),
            }
        }
    }

    #[test]
    fn who_may_introduce_and_move_a_match() {
        let pair = Pair::new(party("10", "1"), party("20", "2")).unwrap();
        let intro = || Introduction {
            pair,
            need: None,
            offer: None,
            meeting: None,
            note: None,
        };
        let commissioner_of_b = actor("5", &[Role::Commissioner], &["2"]);
        let commissioner_elsewhere = actor("6", &[Role::Commissioner], &["3"]);
        let admin = actor("7", &[Role::Admin], &[]);
        let post = actor("8", &[Role::PostMember], &["1"]);
        assert!(introduce(intro(), &commissioner_of_b, now()).is_ok());
        assert!(introduce(intro(), &admin, now()).is_ok());
        assert!(matches!(
            introduce(intro(), &commissioner_elsewhere, now()),
            Err(MatchError::RoleNotPermitted { .. })
        ));
        assert!(matches!(
            introduce(intro(), &post, now()),
            Err(MatchError::RoleNotPermitted { .. })
        ));

        let m = introduced();
        // A commissioner of either side moves it; one elsewhere does not even see it.
        assert!(decide(&m, MatchAction::Talk, &commissioner_of_b, now()).is_ok());
        assert_eq!(
            decide(&m, MatchAction::Talk, &commissioner_elsewhere, now()).unwrap_err(),
            MatchError::OutOfScope
        );
        // A post member of a side sees it but may not move it.
        assert!(m.visible_to(&post));
        assert!(matches!(
            decide(&m, MatchAction::Talk, &post, now()),
            Err(MatchError::RoleNotPermitted { .. })
        ));
        assert!(available(&m, &post).is_empty());
        assert_eq!(
            available(&m, &commissioner_of_b),
            vec![
                MatchActionKind::Talk,
                MatchActionKind::Agree,
                MatchActionKind::Drop
            ]
        );
        // The introducer moves it whatever their roles now.
        let introducer = actor("1", &[], &[]);
        assert!(decide(&m, MatchAction::Talk, &introducer, now()).is_ok());
    }

    #[test]
    fn an_enterprise_is_never_matched_with_itself() {
        let e = Pair::new(party("10", "1"), party("10", "1")).unwrap_err();
        assert_eq!(e.field(), "with");
        assert_eq!(
            e.rule(),
            Rule::SameAs {
                other: "enterprise"
            }
        );
    }

    #[test]
    fn contract_values_are_bounded_amounts_in_yuan() {
        assert_eq!(ContractValue::parse("1250000").unwrap().fen(), 125_000_000);
        assert_eq!(
            ContractValue::parse("¥1,250,000.5").unwrap().fen(),
            125_000_050
        );
        assert_eq!(ContractValue::parse("0.07").unwrap().to_string(), "0.07");
        assert_eq!(ContractValue::parse("0").unwrap().fen(), 0);
        assert!(ContractValue::parse("100000000000").is_ok());
        let amount = Rule::Amount {
            max: MAX_CONTRACT_YUAN,
        };
        for bad in ["-1", "-0.5", "100000000000.01", "999999999999999999999"] {
            assert_eq!(
                ContractValue::parse(bad).unwrap_err().rule(),
                amount,
                "{bad}"
            );
        }
        for bad in ["abc", "1.234", "1e5", ".5", "1.2.3", "NaN"] {
            assert_eq!(
                ContractValue::parse(bad).unwrap_err().rule(),
                Rule::Format(Format::Number),
                "{bad}"
            );
        }
        assert_eq!(
            ContractValue::parse(" ").unwrap_err().rule(),
            Rule::Required
        );
        assert!(ContractValue::from_fen(-1).is_err());
    }

    #[test]
    fn a_follow_up_counts_working_days_on_the_calendar() {
        let cal = Calendar::default_china();
        // Tuesday 1 December 2026, 10:00 in Shanghai: five working days on is Tuesday 8th.
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
        assert_eq!(
            follow_up_at(&cal, at, 5),
            Utc.with_ymd_and_hms(2026, 12, 8, 2, 0, 0).unwrap()
        );
        // From a Friday, one working day on is the Monday.
        let friday = Utc.with_ymd_and_hms(2026, 12, 4, 2, 0, 0).unwrap();
        assert_eq!(
            follow_up_at(&cal, friday, 1),
            Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap()
        );
        // Zero is taken as one.
        assert_eq!(follow_up_at(&cal, friday, 0), follow_up_at(&cal, friday, 1));
    }

    #[test]
    fn a_history_replays_to_the_match_decided() {
        let d = dispatcher();
        let m0 = introduced();
        let first = MatchStep {
            version: 1,
            at: m0.introduced_at,
            actor: m0.introduced_by,
            from: None,
            to: Introduced,
            change: MatchChange::Introduced {
                pair: m0.pair,
                need: None,
                offer: None,
                meeting: None,
                note: None,
            },
        };
        let (m1, s1) = decide(&m0, MatchAction::Talk, &d, now()).unwrap();
        let (m2, s2) = decide(&m1, action(MatchActionKind::Agree), &d, now()).unwrap();
        let replayed = Match::replay(&[first.clone(), s1.clone(), s2.clone()]).unwrap();
        assert_eq!(replayed, m2);
        assert_eq!(replayed.value.unwrap().fen(), 125_000_050);
        assert_eq!(
            Match::replay(&[first, s2]).unwrap_err(),
            MatchReplayError::OutOfOrder {
                version: 1,
                found: 3
            }
        );
        assert_eq!(
            Match::replay(&[s1]).unwrap_err(),
            MatchReplayError::NotAnIntroduction
        );
    }
}
