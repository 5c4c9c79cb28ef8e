//! The industry chain's matchmaking (供需对接): the chain's stages, where each enterprise stands
//! in it, the needs and offers enterprises post, and the ranking of suggested matches.
//!
//! Matches (对接) are a small workflow of their own ([`matching`]): introduced, in talks,
//! agreed or dropped, with a history of steps that replays to the match.
//!
//! All pure: the store keeps stages, positions and listings; the app loads the candidates for a
//! need in one query and asks [`rank`] for the order and the reasons.

pub mod grams;
pub mod listing;
pub mod matching;
pub mod rank;
pub mod stage;
pub mod tag;

pub use grams::{grams, shared_phrases, SearchText, MAX_QUERY_CHARS};
pub use listing::{ListingKind, ListingStatus, Side, ValidUntil, MAX_DAYS_VALID};
pub use matching::{
    ContractValue, Introduction, Match, MatchAction, MatchActionKind, MatchChange, MatchError,
    MatchReplayError, MatchStatus, MatchStep, Pair, Party, MATCH_RULES, MAX_CONTRACT_YUAN,
};
pub use rank::{rank, Candidate, NeedFacts, Suggestion, Target, Why, MAX_SUGGESTIONS};
pub use stage::{relation, Adjacency, Stage, StagePlan, MAX_STAGES};
pub use tag::{ChainPosition, Tag, TagKind, Tags, MAX_TAGS, MAX_TAG_CHARS};
