//! Character bigrams: how Chinese text is searched and compared without a word segmenter.
//!
//! Chinese is written without spaces between words, so splitting on spaces finds nothing and
//! a segmenter (jieba) brings a dictionary that knows no trade words like 边角料. Two adjacent
//! characters are a good enough unit instead: "铝边角料回收" holds 铝边, 边角, 角料, 料回, 回收,
//! and a search for 边角料 (边角, 角料) finds every text holding both. Latin words are cut the
//! same way (lowercased), so `ADC12` and `adc12` meet. The store keeps each listing's bigrams
//! in an indexed side table, which works alike on SQLite and PostgreSQL.

use std::collections::BTreeSet;

use crate::error::ParseError;
use crate::rule::Rule;

/// The longest search text, in characters (at most 39 bigrams in one query).
pub const MAX_QUERY_CHARS: usize = 40;

/// Runs of letters and digits, lowercased, split at everything else (spaces, punctuation).
fn runs(text: &str) -> Vec<Vec<char>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            run.extend(c.to_lowercase());
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// The distinct bigrams of `text`. A run of one character yields none.
pub fn grams(text: &str) -> BTreeSet<String> {
    runs(text)
        .iter()
        .flat_map(|run| run.windows(2).map(|w| w.iter().collect::<String>()))
        .collect()
}

/// The longest pieces of `text` (two characters or more) whose every bigram is in `other`:
/// the words two texts have in common, found without knowing any words. In the order they
/// first appear, each once.
pub fn shared_phrases(text: &str, other: &BTreeSet<String>) -> Vec<String> {
    let mut phrases: Vec<String> = Vec::new();
    for run in runs(text) {
        let shared: Vec<bool> = run
            .windows(2)
            .map(|w| other.contains(&w.iter().collect::<String>()))
            .collect();
        let mut i = 0;
        while i < shared.len() {
            if !shared[i] {
                i += 1;
                continue;
            }
            let start = i;
            while i < shared.len() && shared[i] {
                i += 1;
            }
            // Bigrams start..i cover characters start..=i.
            let phrase: String = run[start..=i].iter().collect();
            if !phrases.contains(&phrase) {
                phrases.push(phrase);
            }
        }
    }
    phrases
}

/// A search text: the bigrams a listing must all hold to be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    text: String,
    grams: Vec<String>,
}

impl SearchText {
    /// At most [`MAX_QUERY_CHARS`], and at least one run of two letters or digits (a single
    /// character is too common to search for).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let text = raw.trim();
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(ParseError::new(
                "q",
                Rule::TooLong {
                    max: MAX_QUERY_CHARS,
                },
            ));
        }
        let grams: Vec<String> = grams(text).into_iter().collect();
        if grams.is_empty() {
            return Err(ParseError::new("q", Rule::TooShort { min: 2 }));
        }
        Ok(Self {
            text: text.to_owned(),
            grams,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The distinct bigrams, sorted.
    pub fn grams(&self) -> &[String] {
        &self.grams
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_cut_into_bigrams_without_spaces() {
        let g = grams("铝边角料，回收");
        let all: Vec<&str> = g.iter().map(String::as_str).collect();
        assert_eq!(all, ["回收", "角料", "边角", "铝边"]);
        assert!(grams("铝").is_empty());
        assert!(grams("ADC12").contains("ad"));
    }

    #[test]
    fn shared_phrases_are_the_longest_common_pieces() {
        let other = grams("我司可回收铝边角料并再生为合金锭");
        assert_eq!(
            shared_phrases("每月产生边角料约30吨，需要回收", &other),
            ["边角料", "回收"]
        );
    }

    #[test]
    fn a_search_needs_two_characters_and_at_most_forty() {
        assert!(SearchText::parse("铝").is_err());
        assert!(SearchText::parse(" , ").is_err());
        assert!(SearchText::parse(&"铝".repeat(41)).is_err());
        assert_eq!(
            SearchText::parse("边角料").unwrap().grams(),
            ["角料", "边角"]
        );
    }
}
