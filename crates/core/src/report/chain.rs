//! The weekly report's chain section (产业链): what the matchmaking did in the period — needs
//! and offers posted, matches introduced, agreed and dropped with the contract value agreed,
//! matchmaking meetings held and their attendance — by grid and by stage, with the trend.
//!
//! # Feeding
//!
//! The store reads one [`ChainFact`] per thing that happened in the trend's weeks (a listing
//! posted, a match's step, a meeting held, an enterprise attending) and [`ChainSection::build`]
//! counts them. A fact names the grid and stage it counts under: a match, a meeting or an
//! attendance spans enterprises, so the store gives one fact per enterprise involved, all with
//! the same [`subject`](ChainFact::subject). A count is of distinct subjects: a match between
//! an enterprise of grid 1 and one of grid 2 counts once in each grid's line and once in the
//! total, so the lines of a breakdown may add up to more than the total, never to less.
//!
//! Where a fact counts by time: in the period containing its `at` (`[from, to)`, as for issue
//! events). Where by place: under the enterprise's grid and stage as the store reads them now —
//! a chain position is not history, and an enterprise that changes stage moves its past facts
//! with it (unlike issue slices, which follow the event log).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::document::{short_label, ReportScope};
use super::period::Period;
use crate::ids::{GridId, StageId};
use crate::locale::Locale;

/// What a fact records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChainFactKind {
    NeedPosted,
    OfferPosted,
    MatchIntroduced,
    /// `contract_fen` of the fact is the contract's value.
    MatchAgreed,
    MatchDropped,
    MeetingHeld,
    /// One enterprise attended a meeting; the subject is the invitation.
    Attended,
}

/// One thing that happened along the chain, as the store reads it (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainFact {
    pub at: DateTime<Utc>,
    pub kind: ChainFactKind,
    /// The listing's, match's, meeting's or invitation's id: facts of one kind with the same
    /// subject are one thing, counted once per line.
    pub subject: i64,
    /// The grid of the enterprise this fact counts under; `None` for a meeting no enterprise
    /// attended (it counts in the total only).
    pub grid: Option<GridId>,
    pub stage: Option<StageId>,
    /// The contract value in fen (分) of an agreed match; 0 for anything else.
    pub contract_fen: u64,
}

/// The chain's figures of one line: the park, a grid, a stage or a week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCounts {
    pub needs_posted: u64,
    pub offers_posted: u64,
    pub matches_introduced: u64,
    pub matches_agreed: u64,
    pub matches_dropped: u64,
    /// The agreed matches' contract value, in fen (分).
    pub contract_fen: u64,
    pub meetings_held: u64,
    /// Enterprises attending the meetings held, one per meeting attended.
    pub attendance: u64,
}

impl ChainCounts {
    /// Whether nothing at all happened.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Counts the facts, each subject of a kind once.
    fn of<'a>(facts: impl IntoIterator<Item = &'a ChainFact>) -> Self {
        let mut seen: BTreeSet<(ChainFactKind, i64)> = BTreeSet::new();
        let mut counts = Self::default();
        for fact in facts {
            if !seen.insert((fact.kind, fact.subject)) {
                continue;
            }
            let field = match fact.kind {
                ChainFactKind::NeedPosted => &mut counts.needs_posted,
                ChainFactKind::OfferPosted => &mut counts.offers_posted,
                ChainFactKind::MatchIntroduced => &mut counts.matches_introduced,
                ChainFactKind::MatchAgreed => {
                    counts.contract_fen = counts.contract_fen.saturating_add(fact.contract_fen);
                    &mut counts.matches_agreed
                }
                ChainFactKind::MatchDropped => &mut counts.matches_dropped,
                ChainFactKind::MeetingHeld => &mut counts.meetings_held,
                ChainFactKind::Attended => &mut counts.attendance,
            };
            *field += 1;
        }
        counts
    }
}

/// One named line of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedChainCounts {
    pub name: String,
    pub counts: ChainCounts,
}

/// One week of the chain's trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainTrendLine {
    /// `W48`, as the issue trend labels its weeks.
    pub label: String,
    pub period: Period,
    pub counts: ChainCounts,
}

/// The names the breakdowns show; an id without a name shows as `#id`.
#[derive(Debug, Clone, Default)]
pub struct ChainNames {
    pub grids: BTreeMap<GridId, String>,
    /// Each stage's name, and its place along the chain (upstream first) the breakdown is
    /// ordered by.
    pub stages: BTreeMap<StageId, (u32, String)>,
}

/// The chain section of one scope's report (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSection {
    /// The report's own period.
    pub counts: ChainCounts,
    /// The park's report only: each grid with anything in the period, in the order of their ids
    /// (as the issue breakdowns).
    pub by_grid: Vec<NamedChainCounts>,
    /// Each stage with anything in the period, upstream first; facts of enterprises with no
    /// stage set last, as "no stage".
    pub by_stage: Vec<NamedChainCounts>,
    /// Oldest first, the report's own period last.
    pub trend: Vec<ChainTrendLine>,
}

impl ChainSection {
    /// The section of `scope` over `periods` (the trend's, oldest first, the report's own
    /// last), from `facts` of at least those periods; `None` for a unit's report (a unit
    /// takes no part in matchmaking) or when no period is given. The line of enterprises
    /// without a stage is named in `locale`.
    pub fn build(
        facts: &[ChainFact],
        periods: &[Period],
        scope: ReportScope,
        names: &ChainNames,
        locale: Locale,
    ) -> Option<Self> {
        let no_stage = match locale {
            Locale::ZhCn => "未设环节",
            Locale::En => "No stage",
        };
        let current = periods.last()?;
        let in_scope = |fact: &&ChainFact| match scope {
            ReportScope::Park => true,
            ReportScope::Grid(grid) => fact.grid == Some(grid),
            ReportScope::Unit(_) => false,
        };
        if matches!(scope, ReportScope::Unit(_)) {
            return None;
        }
        let of_period = |period: Period| {
            facts
                .iter()
                .filter(in_scope)
                .filter(move |f| period.contains(f.at))
        };
        let mut grids: BTreeMap<GridId, Vec<&ChainFact>> = BTreeMap::new();
        let mut stages: BTreeMap<Option<StageId>, Vec<&ChainFact>> = BTreeMap::new();
        for fact in of_period(*current) {
            if let Some(grid) = fact.grid {
                grids.entry(grid).or_default().push(fact);
                stages.entry(fact.stage).or_default().push(fact);
            }
        }
        let by_grid = if scope == ReportScope::Park {
            grids
                .into_iter()
                .map(|(grid, facts)| NamedChainCounts {
                    name: names
                        .grids
                        .get(&grid)
                        .cloned()
                        .unwrap_or_else(|| format!("#{grid}")),
                    counts: ChainCounts::of(facts),
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut by_stage: Vec<(u32, NamedChainCounts)> = stages
            .into_iter()
            .map(|(stage, facts)| {
                let (place, name) = match stage {
                    Some(id) => names
                        .stages
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| (u32::MAX - 1, format!("#{id}"))),
                    None => (u32::MAX, no_stage.to_owned()),
                };
                let counts = ChainCounts::of(facts);
                (place, NamedChainCounts { name, counts })
            })
            .collect();
        by_stage.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
        Some(Self {
            counts: ChainCounts::of(of_period(*current)),
            by_grid,
            by_stage: by_stage.into_iter().map(|(_, line)| line).collect(),
            trend: periods
                .iter()
                .map(|period| ChainTrendLine {
                    label: short_label(period),
                    period: *period,
                    counts: ChainCounts::of(of_period(*period)),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Asia::Shanghai;

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Shanghai
            .with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn fact(
        day: u32,
        kind: ChainFactKind,
        subject: i64,
        grid: i64,
        stage: Option<i64>,
    ) -> ChainFact {
        ChainFact {
            at: at(day, 10),
            kind,
            subject,
            grid: Some(GridId::new(grid).unwrap()),
            stage: stage.map(|s| StageId::new(s).unwrap()),
            contract_fen: 0,
        }
    }

    fn names() -> ChainNames {
        ChainNames {
            grids: [(1, "一网格"), (2, "二网格")]
                .into_iter()
                .map(|(id, n)| (GridId::new(id).unwrap(), n.to_owned()))
                .collect(),
            stages: [(7, 1, "电解铝"), (8, 5, "再生铝")]
                .into_iter()
                .map(|(id, place, n)| (StageId::new(id).unwrap(), (place, n.to_owned())))
                .collect(),
        }
    }

    /// W48 of 2026 is 11-23 … 11-29; W47 the week before.
    fn weeks() -> Vec<Period> {
        let w48 = Period::parse_week("2026-W48", Shanghai).unwrap();
        vec![w48.previous(), w48]
    }

    #[test]
    fn a_match_across_two_grids_counts_once_in_the_total_and_once_in_each_grid() {
        use ChainFactKind::*;
        let mut agreed_1 = fact(24, MatchAgreed, 5, 1, Some(7));
        agreed_1.contract_fen = 12_000_000;
        let mut agreed_2 = fact(24, MatchAgreed, 5, 2, Some(8));
        agreed_2.contract_fen = 12_000_000;
        let facts = vec![
            fact(23, NeedPosted, 1, 1, Some(7)),
            fact(23, OfferPosted, 2, 2, Some(8)),
            fact(23, MatchIntroduced, 5, 1, Some(7)),
            fact(23, MatchIntroduced, 5, 2, Some(8)),
            agreed_1,
            agreed_2,
            // The week before: only in the trend.
            fact(17, NeedPosted, 3, 1, None),
        ];
        let section =
            ChainSection::build(&facts, &weeks(), ReportScope::Park, &names(), Locale::ZhCn)
                .unwrap();
        assert_eq!(section.counts.needs_posted, 1);
        assert_eq!(section.counts.matches_introduced, 1);
        assert_eq!(section.counts.matches_agreed, 1);
        assert_eq!(section.counts.contract_fen, 12_000_000, "the value once");
        let grid_names: Vec<&str> = section.by_grid.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(grid_names, ["一网格", "二网格"]);
        assert!(section
            .by_grid
            .iter()
            .all(|l| l.counts.matches_agreed == 1 && l.counts.contract_fen == 12_000_000));
        let stage_names: Vec<&str> = section.by_stage.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(stage_names, ["电解铝", "再生铝"], "upstream first");
        assert_eq!(section.trend.len(), 2);
        assert_eq!(section.trend[0].label, "W47");
        assert_eq!(section.trend[0].counts.needs_posted, 1);
        assert_eq!(section.trend[1].counts, section.counts);
    }

    #[test]
    fn a_grids_report_counts_its_own_facts_only_and_a_units_has_no_section() {
        use ChainFactKind::*;
        let facts = vec![
            fact(23, NeedPosted, 1, 1, Some(7)),
            fact(23, OfferPosted, 2, 2, Some(8)),
            fact(25, Attended, 9, 2, None),
        ];
        let grid = ReportScope::Grid(GridId::new(2).unwrap());
        let section = ChainSection::build(&facts, &weeks(), grid, &names(), Locale::ZhCn).unwrap();
        assert_eq!(section.counts.needs_posted, 0);
        assert_eq!(section.counts.offers_posted, 1);
        assert_eq!(section.counts.attendance, 1);
        assert!(
            section.by_grid.is_empty(),
            "no grid breakdown in a grid's report"
        );
        assert_eq!(
            section.by_stage.last().unwrap().name,
            "未设环节",
            "no stage last"
        );
        let unit = ReportScope::Unit(crate::ids::UnitId::new(1).unwrap());
        assert!(ChainSection::build(&facts, &weeks(), unit, &names(), Locale::ZhCn).is_none());
    }

    #[test]
    fn a_fact_at_the_weeks_end_belongs_to_the_next_week() {
        use ChainFactKind::*;
        let mut late = fact(29, NeedPosted, 1, 1, None);
        late.at = at(30, 0); // Monday 00:00 in Shanghai: W49
        let section =
            ChainSection::build(&[late], &weeks(), ReportScope::Park, &names(), Locale::ZhCn)
                .unwrap();
        assert!(section.counts.is_empty());
        assert!(section.trend.iter().all(|t| t.counts.is_empty()));
    }
}
