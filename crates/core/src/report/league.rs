//! The league table of handling units, with a minimum-volume rule.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::indicators::Slice;
use crate::ids::UnitId;

/// Units with fewer resolutions than this in the period are not ranked, unless configured.
pub const DEFAULT_MIN_RESOLVED: u64 = 5;

/// One unit's line in the league table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LeagueRow {
    /// 1 for the best; units with equal on-time rate and volume share a rank (1, 2, 2, 4).
    /// 0 for units listed as too few to rank.
    pub rank: u32,
    pub unit: UnitId,
    pub resolved: u64,
    pub resolved_on_time: u64,
    pub due_for_resolution: u64,
    pub on_time_rate: Option<f64>,
}

/// Units ranked by on-time resolution rate, then by volume (resolutions in the period), then
/// by id; units with fewer than `min_resolved` resolutions are listed apart, by id, so that a
/// unit with two issues neither tops nor bottoms the table by chance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeagueTable {
    pub min_resolved: u64,
    pub ranked: Vec<LeagueRow>,
    pub too_few_to_rank: Vec<LeagueRow>,
}

impl LeagueTable {
    /// Builds the table from the by-unit slices. A `min_resolved` of 0 is taken as 1: a unit
    /// without any resolution has nothing to be ranked on.
    pub fn build(by_unit: &BTreeMap<UnitId, Slice>, min_resolved: u64) -> Self {
        let min_resolved = min_resolved.max(1);
        let (mut ranked, too_few): (Vec<LeagueRow>, Vec<LeagueRow>) = by_unit
            .iter()
            .map(|(&unit, slice)| LeagueRow {
                rank: 0,
                unit,
                resolved: slice.counts.resolved,
                resolved_on_time: slice.counts.resolved_on_time,
                due_for_resolution: slice.counts.due_for_resolution(),
                on_time_rate: slice.rates.on_time_resolution,
            })
            .partition(|row| row.resolved >= min_resolved);
        ranked.sort_by(|a, b| better(a, b).then(a.unit.cmp(&b.unit)));
        let mut rank = 0;
        for i in 0..ranked.len() {
            let tied = i > 0 && better(&ranked[i - 1], &ranked[i]) == Ordering::Equal;
            if !tied {
                rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            ranked[i].rank = rank;
        }
        Self {
            min_resolved,
            ranked,
            too_few_to_rank: too_few,
        }
    }
}

/// `Less` when `a` ranks above `b`: a higher on-time rate, then more resolutions. Rates are
/// compared exactly, by cross-multiplying the integer counts, so equal fractions tie.
fn better(a: &LeagueRow, b: &LeagueRow) -> Ordering {
    let lhs = u128::from(a.resolved_on_time) * u128::from(b.due_for_resolution);
    let rhs = u128::from(b.resolved_on_time) * u128::from(a.due_for_resolution);
    rhs.cmp(&lhs).then(b.resolved.cmp(&a.resolved))
}
