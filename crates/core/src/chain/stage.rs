//! A chain's stages (产业链环节), in order from raw material to application, and how two
//! stages stand to each other.
//!
//! Order is all that matters for matchmaking: a stage's direct neighbours are its suppliers
//! (upstream) and its customers (downstream), and stages further along still trade with it
//! (a 再生铝 recycler buys an 铝加工 firm's offcuts two stages up). Positions are stored as numbers, but adjacency is
//! read from the order alone, so a gap left by a removed stage never separates two neighbours.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::code::Code;
use crate::error::ParseError;
use crate::ids::StageId;
use crate::rule::Rule;
use crate::text::Name;

/// The most stages a chain may have. The aluminium chain has six; twenty leaves room for a
/// finer cut without letting a list grow without bound.
pub const MAX_STAGES: usize = 20;

/// A stored stage of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub id: StageId,
    /// 1 for the first (most upstream) stage.
    pub position: u32,
    pub code: Code,
    pub name: Name,
}

/// A chain's stages as an admin sets them: at least one, at most [`MAX_STAGES`], codes
/// distinct, in order from upstream to downstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagePlan(Vec<(Code, Name)>);

impl StagePlan {
    pub fn parse(stages: Vec<(Code, Name)>) -> Result<Self, ParseError> {
        if stages.is_empty() {
            return Err(ParseError::new("stages", Rule::Required));
        }
        if stages.len() > MAX_STAGES {
            return Err(ParseError::new("stages", Rule::TooMany { max: MAX_STAGES }));
        }
        let mut seen = BTreeSet::new();
        if !stages.iter().all(|(code, _)| seen.insert(code.clone())) {
            return Err(ParseError::new(
                "stages",
                Rule::Exclusive {
                    other: "the same code twice",
                },
            ));
        }
        Ok(Self(stages))
    }

    /// The stages in order, the first the most upstream.
    pub fn stages(&self) -> &[(Code, Name)] {
        &self.0
    }
}

/// Where one stage lies seen from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjacency {
    /// The same stage.
    Same,
    /// Directly before: it supplies the other.
    Upstream,
    /// Directly after: it buys from the other.
    Downstream,
}

/// Where `other` lies seen from `from`, and how many stages apart (0 for the same stage, 1 for
/// direct neighbours), in `stages` (any order; sorted by position here). `None` if either is
/// not a stage of the list.
pub fn relation(stages: &[Stage], from: StageId, other: StageId) -> Option<(Adjacency, u32)> {
    let mut ordered: Vec<&Stage> = stages.iter().collect();
    ordered.sort_by_key(|s| (s.position, s.id));
    let at = |id: StageId| ordered.iter().position(|s| s.id == id);
    let (a, b) = (at(from)?, at(other)?);
    let steps = u32::try_from(a.abs_diff(b)).unwrap_or(u32::MAX);
    Some(match a.cmp(&b) {
        std::cmp::Ordering::Equal => (Adjacency::Same, 0),
        std::cmp::Ordering::Greater => (Adjacency::Upstream, steps),
        std::cmp::Ordering::Less => (Adjacency::Downstream, steps),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn stage(id: i64, position: u32, code: &str, name: &str) -> Stage {
        Stage {
            id: StageId::new(id).unwrap(),
            position,
            code: Code::parse(code).unwrap(),
            name: Name::parse(name).unwrap(),
        }
    }

    #[test]
    fn neighbours_are_read_from_the_order_not_the_numbers() {
        let stages = [
            stage(1, 1, "smelting", "电解铝"),
            stage(2, 5, "alloying", "合金化"),
            stage(3, 9, "processing", "铝加工"),
        ];
        let id = |n| StageId::new(n).unwrap();
        assert_eq!(
            relation(&stages, id(1), id(2)),
            Some((Adjacency::Downstream, 1))
        );
        assert_eq!(
            relation(&stages, id(3), id(2)),
            Some((Adjacency::Upstream, 1))
        );
        assert_eq!(relation(&stages, id(2), id(2)), Some((Adjacency::Same, 0)));
        assert_eq!(
            relation(&stages, id(1), id(3)),
            Some((Adjacency::Downstream, 2))
        );
        assert_eq!(relation(&stages, id(1), id(9)), None);
    }

    #[test]
    fn a_plan_has_one_to_twenty_stages_with_distinct_codes() {
        let s = |c: &str| (Code::parse(c).unwrap(), Name::parse(c).unwrap());
        assert!(StagePlan::parse(vec![]).is_err());
        assert!(StagePlan::parse(vec![s("a"), s("a")]).is_err());
        assert!(StagePlan::parse((0..21).map(|i| s(&format!("s{i}"))).collect()).is_err());
        assert_eq!(
            StagePlan::parse(vec![s("a"), s("b")])
                .unwrap()
                .stages()
                .len(),
            2
        );
    }
}
