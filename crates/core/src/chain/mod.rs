//! The industry chain's matchmaking (供需对接): the chain's stages, where each enterprise stands
//! in it, the needs and offers enterprises post, and the ranking of suggested matches.
//!
//! Matches (对接) are a small workflow of their own ([`matching`]): introduced, in talks,
//! agreed or dropped, with a history of steps that replays to the match.
//!
//! All pure: the store keeps stages, positions and listings; the app loads the candidates for a
//! need in one query and asks [`rank`] for the order and the reasons.
//!
//! # Layout
//!
//! - [`stage`]: a chain's ordered stages and how two stand to each other.
//! - [`tag`]: tags and an enterprise's chain position.
//! - [`listing`]: needs and offers, their kinds, status and validity.
//! - [`grams`]: character bigrams for Chinese search and comparison.
//! - [`rank`]: a need's suggested matches with their one-line reasons.
//! - [`matching`]: matches (对接) of two enterprises: their lifecycle, steps and replay.
//! - [`meeting`]: matchmaking events (对接会, `Meeting` in code), their states, bounds and
//!   suggested invitees.

pub mod grams;
pub mod listing;
pub mod matching;
pub mod meeting;
pub mod rank;
pub mod stage;
pub mod tag;

pub use crate::ids::MeetingId;
pub use grams::{grams, shared_phrases, SearchText, MAX_QUERY_CHARS};
pub use listing::{ListingKind, ListingStatus, Side, ValidUntil, MAX_DAYS_VALID};
pub use matching::{
    ContractValue, Introduction, Match, MatchAction, MatchActionKind, MatchChange, MatchError,
    MatchReplayError, MatchStatus, MatchStep, Pair, Party, MATCH_RULES, MAX_CONTRACT_YUAN,
};
pub use meeting::{
    suggest_invitees, Capacity, InviteWhy, InviteeCandidate, InviteeSuggestion, MeetingFacts,
    MeetingStatus, StartsAt, TargetStages, MAX_CAPACITY, MAX_DAYS_AHEAD, MAX_INVITEE_SUGGESTIONS,
    MAX_INVITE_AT_ONCE,
};
pub use rank::{rank, Candidate, NeedFacts, Suggestion, Target, Why, MAX_SUGGESTIONS};
pub use stage::{relation, Adjacency, Stage, StagePlan, MAX_STAGES};
pub use tag::{ChainPosition, Tag, TagKind, Tags, MAX_TAGS, MAX_TAG_CHARS};
