//! Suggested matches for a need: its candidates loaded in one bounded snapshot (the open
//! offers sharing the most of its bigrams or a tag, the enterprises sharing a tag), ranked by
//! the core ([`gridloop_core::chain::rank`]), each with its one-line reason.

use std::collections::HashMap;

use gridloop_core::chain::{grams, rank, NeedFacts, Side, Suggestion, Target, MAX_SUGGESTIONS};
use gridloop_core::locale::Locale;
use gridloop_core::{Actor, ListingId, ParseError, Rule};
use gridloop_store::Listing;
use serde::Serialize;

use super::{scope, today};
use crate::error::{AppError, Thing};
use crate::state::AppState;

/// Suggestions when no number is asked for.
pub const DEFAULT_SUGGESTIONS: usize = 10;

/// One suggestion as shown: what it is, whose, how good, and why in one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuggestionView {
    #[serde(flatten)]
    pub suggestion: Suggestion,
    /// An offer's title, an enterprise's name.
    pub label: String,
    /// [`gridloop_core::chain::Why::explain`] in the language asked for.
    pub explanation: String,
}

/// The need and its suggestions, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestions {
    pub need: Listing,
    pub suggestions: Vec<SuggestionView>,
}

/// The best `limit` (1 to [`MAX_SUGGESTIONS`]) matches for the need `id`, explained in
/// `locale`. `NotFound` for a listing out of the reader's sight (`None`: the console's
/// operator, who sees everything); `Invalid` (`id`) for an offer.
pub async fn suggest(
    state: &AppState,
    reader: Option<&Actor>,
    id: ListingId,
    limit: Option<usize>,
    locale: Locale,
) -> Result<Suggestions, AppError> {
    let limit = limit.unwrap_or(DEFAULT_SUGGESTIONS);
    if !(1..=MAX_SUGGESTIONS).contains(&limit) {
        return Err(AppError::invalid(ParseError::new(
            "limit",
            Rule::Range {
                min: 1,
                max: MAX_SUGGESTIONS as i64,
            },
        )));
    }
    let found = state
        .store
        .need_candidates(id, need_grams, today(state))
        .await?
        .ok_or(AppError::NotFound(Thing::Listing))?;
    let need = found.need;
    let scope = scope(need.grid, need.enterprise, Some(need.posted_by));
    if reader.is_some_and(|actor| !actor.can_see(&scope)) {
        return Err(AppError::NotFound(Thing::Listing));
    }
    if need.side != Side::Need {
        return Err(AppError::invalid(ParseError::new(
            "id",
            Rule::OneOf {
                allowed: &["a need"],
            },
        )));
    }
    let facts = NeedFacts {
        enterprise: need.enterprise,
        stage: need.stage,
        tags: need.tags.as_slice().to_vec(),
        text: format!("{}\n{}", need.title, need.text),
    };
    let labels: HashMap<Target, &str> = found
        .candidates
        .iter()
        .map(|c| (c.target, c.label.as_str()))
        .collect();
    let suggestions = rank(&facts, &found.candidates, &found.stages, limit)
        .into_iter()
        .map(|s| SuggestionView {
            label: labels
                .get(&s.target)
                .copied()
                .unwrap_or_default()
                .to_owned(),
            explanation: s.why.explain(locale),
            suggestion: s,
        })
        .collect();
    Ok(Suggestions { need, suggestions })
}

/// The bigrams a need's candidates are found by: its title's and text's, less the common ones
/// the ranking ignores too.
fn need_grams(need: &Listing) -> Vec<String> {
    gridloop_core::chain::rank::meaningful(grams(&format!("{}\n{}", need.title, need.text)))
        .into_iter()
        .collect()
}
