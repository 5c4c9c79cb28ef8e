//! Tags: the short words an enterprise's chain position and a listing are found by ("边角料",
//! "adc12", "铝锭"), and an enterprise's chain position (stage plus tags).
//!
//! A tag is compared as a whole, so it is stored in one form: trimmed, inner runs of spaces made
//! one, ASCII lowercased. Commas, semicolons and the Chinese list marks separate tags in the
//! forms and on the command line, so no tag may hold one.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::ids::StageId;
use crate::rule::Rule;
use crate::text::check;
use crate::text::Lines;

/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 32;
/// The most tags of one kind an enterprise, or a listing, may carry.
pub const MAX_TAGS: usize = 12;
/// What separates tags in one line of input.
pub const SEPARATORS: [char; 5] = [',', '，', '、', ';', '；'];

/// One tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ParseError> {
        let words: Vec<&str> = raw.split_whitespace().collect();
        let tag = words.join(" ").to_ascii_lowercase();
        if tag.is_empty() {
            return Err(ParseError::new(field, Rule::Blank));
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(ParseError::new(field, Rule::TooLong { max: MAX_TAG_CHARS }));
        }
        check(field, &tag, Lines::One)?;
        if tag.contains(SEPARATORS) {
            return Err(ParseError::new(
                field,
                Rule::Exclusive {
                    other: "a comma or semicolon",
                },
            ));
        }
        Ok(Self(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse("tag", &raw)
    }
}

impl From<Tag> for String {
    fn from(value: Tag) -> Self {
        value.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A set of tags: sorted, each once, at most [`MAX_TAGS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<Tag>", into = "Vec<Tag>")]
pub struct Tags(Vec<Tag>);

impl Tags {
    /// Tags given one by one (a JSON array, repeated options); each may also be a list joined
    /// by [`SEPARATORS`]. Blank pieces are skipped.
    pub fn parse<'a>(
        field: &'static str,
        raw: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ParseError> {
        let mut tags = Vec::new();
        for piece in raw.into_iter().flat_map(|r| r.split(SEPARATORS)) {
            if piece.trim().is_empty() {
                continue;
            }
            tags.push(Tag::parse(field, piece)?);
        }
        tags.sort();
        tags.dedup();
        if tags.len() > MAX_TAGS {
            return Err(ParseError::new(field, Rule::TooMany { max: MAX_TAGS }));
        }
        Ok(Self(tags))
    }

    /// Tags read back from storage, already parsed once.
    pub fn from_stored(mut tags: Vec<Tag>) -> Self {
        tags.sort();
        tags.dedup();
        Self(tags)
    }

    pub fn as_slice(&self) -> &[Tag] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<Tag>> for Tags {
    type Error = ParseError;
    fn try_from(tags: Vec<Tag>) -> Result<Self, Self::Error> {
        if tags.len() > MAX_TAGS {
            return Err(ParseError::new("tags", Rule::TooMany { max: MAX_TAGS }));
        }
        Ok(Self::from_stored(tags))
    }
}

impl From<Tags> for Vec<Tag> {
    fn from(value: Tags) -> Self {
        value.0
    }
}

/// What a tag of an enterprise says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagKind {
    /// What it makes (产品).
    Product,
    /// What it uses up (原材料).
    Material,
    /// What it can do for others (能力).
    Capability,
}

impl TagKind {
    pub const ALL: [TagKind; 3] = [Self::Product, Self::Material, Self::Capability];
    pub const NAMES: &'static [&'static str] = &["product", "material", "capability"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Material => "material",
            Self::Capability => "capability",
        }
    }

    /// The kind stored as `raw`.
    pub fn from_stored(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where an enterprise stands in its chain: its stage (none until someone sets it) and its
/// tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainPosition {
    pub stage: Option<StageId>,
    pub products: Tags,
    pub materials: Tags,
    pub capabilities: Tags,
}

impl ChainPosition {
    /// The tags of one kind.
    pub fn tags(&self, kind: TagKind) -> &Tags {
        match kind {
            TagKind::Product => &self.products,
            TagKind::Material => &self.materials,
            TagKind::Capability => &self.capabilities,
        }
    }

    /// Every tag of every kind, each once, sorted.
    pub fn all_tags(&self) -> Vec<Tag> {
        let mut all: Vec<Tag> = TagKind::ALL
            .iter()
            .flat_map(|&k| self.tags(k).as_slice().iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_in_one_form_and_split_on_list_marks() {
        let tags = Tags::parse(
            "products",
            ["  ADC12 ,铝锭、 边角料；边角料", "", "Heat  Treatment"],
        )
        .unwrap();
        let words: Vec<&str> = tags.as_slice().iter().map(Tag::as_str).collect();
        assert_eq!(words, ["adc12", "heat treatment", "边角料", "铝锭"]);
    }

    #[test]
    fn a_tag_is_bounded_and_one_line() {
        assert!(Tag::parse("tag", &"铝".repeat(33)).is_err());
        assert!(Tag::parse("tag", "a\u{202E}b").is_err());
        assert!(Tag::parse("tag", "  ").is_err());
        let many: Vec<String> = (0..13).map(|i| format!("t{i}")).collect();
        assert!(Tags::parse("materials", many.iter().map(String::as_str)).is_err());
    }
}
