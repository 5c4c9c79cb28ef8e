//! Suggested matches for a need: open offers and enterprises ranked by what they share with it,
//! each with the one-line reason a dispatcher can read out ("再生铝 is downstream of 铝加工;
//! both mention 边角料").
//!
//! The score is a sum of whole points, so the order is exact and the same on every machine:
//!
//! - a tag both carry: [`TAG_POINTS`] each; a tag of one found in the other's text: half that;
//! - text: the Dice coefficient of the two texts' bigrams, times [`TEXT_POINTS`];
//! - stage: the candidate's stage directly up- or downstream of the need's, [`ADJACENT_POINTS`];
//!   further up- or downstream, [`FURTHER_POINTS`] (a recycler two stages down still buys
//!   offcuts); the same stage, [`SAME_STAGE_POINTS`] (a peer is a supplier less often);
//! - an offer: [`OFFER_POINTS`], as much as a shared tag, since it says the enterprise wants
//!   the business now, where an enterprise's tags only say it might. An offer whose enterprise
//!   scores on its own too speaks for it: the offer takes the better of the two scores (and
//!   that one's reason) plus [`OFFER_POINTS`], and the enterprise is not suggested again.
//!
//! A candidate sharing no tag and no phrase is not suggested, however close its stage: a
//! neighbour that has nothing to do with the need is noise. Nor is the need's own enterprise,
//! nor an offer that is not open. Ties go to offers before enterprises, then to the lower id.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::grams::{grams, shared_phrases};
use super::listing::ListingStatus;
use super::stage::{relation, Adjacency, Stage};
use super::tag::Tag;
use crate::ids::{EnterpriseId, ListingId, StageId};
use crate::locale::Locale;

pub const TAG_POINTS: u32 = 30;
pub const TEXT_POINTS: u32 = 60;
pub const ADJACENT_POINTS: u32 = 25;
pub const FURTHER_POINTS: u32 = 10;
pub const OFFER_POINTS: u32 = TAG_POINTS;
pub const SAME_STAGE_POINTS: u32 = 5;
/// The most suggestions for one need.
pub const MAX_SUGGESTIONS: usize = 50;
/// The most shared words one explanation names.
const MAX_NAMED: usize = 3;

/// Bigrams that say nothing about what is sought ("需要", "提供", "公司"): left out of the text
/// score and of the shared words, though a search still finds them.
const COMMON: &[&str] = &[
    "需要", "提供", "寻求", "寻找", "我们", "我司", "公司", "企业", "有限", "可以", "能够", "每月",
    "每年", "以上", "左右", "合作", "长期", "稳定", "需求", "供给", "本厂", "欢迎",
];

/// What is suggested: an open offer, or an enterprise by its chain position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Target {
    Offer(ListingId),
    Enterprise(EnterpriseId),
}

/// The need as the ranking reads it.
#[derive(Debug, Clone)]
pub struct NeedFacts {
    pub enterprise: EnterpriseId,
    /// The stage of the need's enterprise, if set.
    pub stage: Option<StageId>,
    pub tags: Vec<Tag>,
    /// Title and text together.
    pub text: String,
}

/// One offer or enterprise that might meet the need.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub target: Target,
    pub enterprise: EnterpriseId,
    pub stage: Option<StageId>,
    pub tags: Vec<Tag>,
    /// An offer's title and text; an enterprise's name.
    pub text: String,
    /// An offer's status today; an enterprise is always open.
    pub status: ListingStatus,
    /// What a person reads for it: an offer's title, an enterprise's name.
    pub label: String,
}

/// Why a candidate was suggested, as data; [`Why::explain`] says it in a language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Why {
    /// The candidate's stage seen from the need's: (how, the need's stage name, the
    /// candidate's stage name).
    pub stage: Option<(Adjacency, String, String)>,
    /// Tags and phrases both mention, the most telling first.
    pub shared: Vec<String>,
}

impl Why {
    /// One line: "再生铝 is downstream of 铝加工; both mention 边角料".
    pub fn explain(&self, locale: Locale) -> String {
        let zh = locale == Locale::ZhCn;
        let mut parts = Vec::new();
        if let Some((how, need, theirs)) = &self.stage {
            parts.push(match (how, zh) {
                (Adjacency::Downstream, true) => format!("{theirs}是{need}的下游"),
                (Adjacency::Downstream, false) => format!("{theirs} is downstream of {need}"),
                (Adjacency::Upstream, true) => format!("{theirs}是{need}的上游"),
                (Adjacency::Upstream, false) => format!("{theirs} is upstream of {need}"),
                (Adjacency::Same, true) => format!("同属{need}环节"),
                (Adjacency::Same, false) => format!("both in {need}"),
            });
        }
        if !self.shared.is_empty() {
            parts.push(if zh {
                format!("双方都提到{}", self.shared.join("、"))
            } else {
                format!("both mention {}", self.shared.join(", "))
            });
        }
        parts.join(if zh { "；" } else { "; " })
    }
}

/// One suggestion, with its score and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub target: Target,
    pub enterprise: EnterpriseId,
    pub score: u32,
    pub why: Why,
}

/// `grams` less the common ones ([`COMMON`]) that say nothing about what is sought.
pub fn meaningful(grams: BTreeSet<String>) -> BTreeSet<String> {
    grams
        .into_iter()
        .filter(|g| !COMMON.contains(&g.as_str()))
        .collect()
}

pub(crate) fn stage_name(stages: &[Stage], id: StageId) -> String {
    stages
        .iter()
        .find(|s| s.id == id)
        .map_or_else(|| id.to_string(), |s| s.name.to_string())
}

/// What one side (a need, a meeting's theme) and a candidate have in common: points for each
/// tag both carry ([`TAG_POINTS`]), each tag of one found in the other's text (half that), and
/// the Dice coefficient of their meaningful bigrams (times [`TEXT_POINTS`]); and the words both
/// mention, tags first, then the longest shared phrases. `our_text` is lowercased.
pub(crate) fn overlap(
    our_tags: &[Tag],
    our_text: &str,
    our_grams: &BTreeSet<String>,
    their_tags: &[Tag],
    their_text: &str,
) -> (u32, Vec<String>) {
    let their_lower = their_text.to_lowercase();
    let their_grams = meaningful(grams(their_text));
    let mut points = 0;
    let mut shared: Vec<String> = Vec::new();
    // Tags are named first; a phrase overlapping a word already named adds nothing.
    let name = |word: &str, shared: &mut Vec<String>| {
        if !shared
            .iter()
            .any(|s| s.contains(word) || word.contains(s.as_str()))
        {
            shared.push(word.to_owned());
        }
    };
    for tag in our_tags {
        if their_tags.contains(tag) {
            points += TAG_POINTS;
            name(tag.as_str(), &mut shared);
        } else if their_lower.contains(tag.as_str()) {
            points += TAG_POINTS / 2;
            name(tag.as_str(), &mut shared);
        }
    }
    for tag in their_tags {
        if !our_tags.contains(tag) && our_text.contains(tag.as_str()) {
            points += TAG_POINTS / 2;
            name(tag.as_str(), &mut shared);
        }
    }
    let common = our_grams.intersection(&their_grams).count();
    if common > 0 {
        let dice = 2 * common as u64 * u64::from(TEXT_POINTS)
            / (our_grams.len() + their_grams.len()) as u64;
        points += u32::try_from(dice).unwrap_or(TEXT_POINTS);
        let mut phrases = shared_phrases(our_text, &their_grams);
        // The longest first: "边角料" says more than "铝材".
        phrases.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        for phrase in phrases {
            name(&phrase, &mut shared);
        }
    }
    shared.truncate(MAX_NAMED);
    (points, shared)
}

/// Scores one candidate; `None` if it shares nothing with the need.
fn score(
    need: &NeedFacts,
    need_grams: &BTreeSet<String>,
    need_text: &str,
    candidate: &Candidate,
    stages: &[Stage],
) -> Option<Suggestion> {
    let (mut points, shared) = overlap(
        &need.tags,
        need_text,
        need_grams,
        &candidate.tags,
        &candidate.text,
    );
    if shared.is_empty() {
        return None;
    }
    let stage = match (need.stage, candidate.stage) {
        (Some(ours), Some(theirs)) => relation(stages, ours, theirs).map(|(how, steps)| {
            points += match steps {
                0 => SAME_STAGE_POINTS,
                1 => ADJACENT_POINTS,
                _ => FURTHER_POINTS,
            };
            (how, stage_name(stages, ours), stage_name(stages, theirs))
        }),
        _ => None,
    };
    Some(Suggestion {
        target: candidate.target,
        enterprise: candidate.enterprise,
        score: points,
        why: Why { stage, shared },
    })
}

/// The best `limit` (at most [`MAX_SUGGESTIONS`]) candidates for `need`, best first: score,
/// then offers before enterprises, then the lower id. Never the need's own enterprise, never
/// an offer that is not open, never a candidate sharing nothing with the need.
pub fn rank(
    need: &NeedFacts,
    candidates: &[Candidate],
    stages: &[Stage],
    limit: usize,
) -> Vec<Suggestion> {
    let need_text = need.text.to_lowercase();
    let need_grams = meaningful(grams(&need.text));
    let scored: Vec<Suggestion> = candidates
        .iter()
        .filter(|c| c.enterprise != need.enterprise && c.status == ListingStatus::Open)
        .filter_map(|c| score(need, &need_grams, &need_text, c, stages))
        .collect();
    let firms: HashMap<EnterpriseId, &Suggestion> = scored
        .iter()
        .filter(|s| matches!(s.target, Target::Enterprise(_)))
        .map(|s| (s.enterprise, s))
        .collect();
    let mut spoken_for = HashSet::new();
    let mut suggestions: Vec<Suggestion> = Vec::with_capacity(scored.len());
    for mut s in scored
        .iter()
        .filter(|s| matches!(s.target, Target::Offer(_)))
        .cloned()
    {
        if let Some(firm) = firms.get(&s.enterprise) {
            spoken_for.insert(s.enterprise);
            if firm.score > s.score {
                s.score = firm.score;
                s.why = firm.why.clone();
            }
        }
        s.score += OFFER_POINTS;
        suggestions.push(s);
    }
    suggestions.extend(
        scored
            .into_iter()
            .filter(|s| matches!(s.target, Target::Enterprise(_)))
            .filter(|s| !spoken_for.contains(&s.enterprise)),
    );
    suggestions.sort_by(|a, b| b.score.cmp(&a.score).then(a.target.cmp(&b.target)));
    suggestions.truncate(limit.min(MAX_SUGGESTIONS));
    suggestions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::stage::tests::stage;
    use crate::chain::tag::Tags;

    fn stages() -> Vec<Stage> {
        ["电解铝", "合金化", "铝加工", "精深加工", "再生铝", "应用"]
            .iter()
            .enumerate()
            .map(|(i, name)| stage(i as i64 + 1, i as u32 + 1, &format!("s{}", i + 1), name))
            .collect()
    }

    fn tags(raw: &str) -> Vec<Tag> {
        Tags::parse("tags", [raw]).unwrap().into()
    }

    fn e(n: i64) -> EnterpriseId {
        EnterpriseId::new(n).unwrap()
    }

    fn offer(id: i64, enterprise: i64, stage: i64, t: &str, text: &str) -> Candidate {
        Candidate {
            target: Target::Offer(ListingId::new(id).unwrap()),
            enterprise: e(enterprise),
            stage: StageId::new(stage).ok(),
            tags: tags(t),
            text: text.to_owned(),
            status: ListingStatus::Open,
            label: String::new(),
        }
    }

    /// An 铝加工 firm (stage 3) with offcuts sold at a loss, needing a recycler.
    fn offcut_need() -> NeedFacts {
        NeedFacts {
            enterprise: e(10),
            stage: StageId::new(3).ok(),
            tags: tags("边角料,废铝"),
            text:
                "寻找边角料回收企业 每月产生铝型材边角料约30吨，目前低价外卖亏损，希望就近回收再生"
                    .to_owned(),
        }
    }

    #[test]
    fn the_recycler_ranks_first_for_the_offcut_need_and_says_why() {
        let candidates = vec![
            // A logistics firm next door that mentions 铝 but nothing of offcuts.
            offer(1, 20, 4, "物流", "铝锭运输 提供重庆至成都铝锭运输"),
            // The 再生铝 firm (two stages down) offering recycle-to-alloy.
            offer(
                2,
                30,
                5,
                "边角料,再生合金",
                "边角料回收再生为合金锭 可上门回收铝边角料，再生为ADC12合金锭",
            ),
            // A peer in the same stage offering machining capacity.
            offer(3, 40, 3, "加工产能", "富余挤压产能 可承接铝型材挤压"),
        ];
        let ranked = rank(&offcut_need(), &candidates, &stages(), 10);
        assert_eq!(ranked[0].target, Target::Offer(ListingId::new(2).unwrap()));
        assert_eq!(
            ranked[0].why.explain(Locale::En),
            "再生铝 is downstream of 铝加工; both mention 边角料, 回收再生"
        );
        assert_eq!(
            ranked[0].why.explain(Locale::ZhCn),
            "再生铝是铝加工的下游；双方都提到边角料、回收再生"
        );
        assert!(ranked.iter().all(|s| s.score <= ranked[0].score));
    }

    #[test]
    fn the_needs_own_enterprise_is_never_suggested() {
        let need = offcut_need();
        let own = offer(1, 10, 4, "边角料", "边角料回收");
        let own_firm = Candidate {
            target: Target::Enterprise(e(10)),
            ..offer(9, 10, 4, "边角料", "边角料")
        };
        assert!(rank(&need, &[own, own_firm], &stages(), 10).is_empty());
    }

    #[test]
    fn expired_and_withdrawn_offers_are_left_out() {
        let mut expired = offer(1, 30, 4, "边角料", "边角料回收");
        expired.status = ListingStatus::Expired;
        let mut withdrawn = offer(2, 31, 4, "边角料", "边角料回收");
        withdrawn.status = ListingStatus::Withdrawn;
        let open = offer(3, 32, 4, "边角料", "边角料回收");
        let ranked = rank(&offcut_need(), &[expired, withdrawn, open], &stages(), 10);
        let targets: Vec<Target> = ranked.iter().map(|s| s.target).collect();
        assert_eq!(targets, [Target::Offer(ListingId::new(3).unwrap())]);
    }

    #[test]
    fn a_neighbour_sharing_nothing_is_not_suggested() {
        let neighbour = offer(1, 30, 4, "涂装", "粉末喷涂 表面处理");
        assert!(rank(&offcut_need(), &[neighbour], &stages(), 10).is_empty());
    }

    #[test]
    fn an_offer_speaks_for_its_enterprise_and_is_not_outranked_by_it() {
        let firm = Candidate {
            target: Target::Enterprise(e(30)),
            ..offer(
                1,
                30,
                5,
                "边角料,废铝,回收再生",
                "再生铝业 边角料 废铝 回收再生",
            )
        };
        let other_firm = Candidate {
            target: Target::Enterprise(e(31)),
            ..offer(
                1,
                31,
                5,
                "边角料,废铝,回收再生",
                "再生铝业 边角料 废铝 回收再生",
            )
        };
        let their_offer = offer(2, 30, 5, "边角料", "回收边角料");
        let ranked = rank(
            &offcut_need(),
            &[other_firm, firm, their_offer],
            &stages(),
            10,
        );
        let targets: Vec<Target> = ranked.iter().map(|s| s.target).collect();
        assert_eq!(
            targets,
            [
                Target::Offer(ListingId::new(2).unwrap()),
                Target::Enterprise(e(31))
            ]
        );
        assert_eq!(ranked[0].score, ranked[1].score + OFFER_POINTS);
    }

    #[test]
    fn ties_go_to_offers_then_to_the_lower_id() {
        let a = offer(7, 30, 4, "边角料", "边角料");
        let b = offer(5, 31, 4, "边角料", "边角料");
        let firm = Candidate {
            target: Target::Enterprise(e(2)),
            ..offer(1, 2, 4, "边角料", "边角料")
        };
        let ranked = rank(&offcut_need(), &[firm, a, b], &stages(), 10);
        let targets: Vec<Target> = ranked.iter().map(|s| s.target).collect();
        assert_eq!(
            targets,
            [
                Target::Offer(ListingId::new(5).unwrap()),
                Target::Offer(ListingId::new(7).unwrap()),
                Target::Enterprise(e(2)),
            ]
        );
    }
}
