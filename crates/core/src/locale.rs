//! The languages gridloop speaks: Simplified Chinese, the park's own and the default, and
//! English. One type for users, notifications and reports, so they cannot disagree.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::Rule;

/// A supported language.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Self::ZhCn, Self::En];
    /// The names [`Self::ALL`] goes by, in its order: what a parser accepts.
    pub const NAMES: &'static [&'static str] = &["zh-CN", "en"];

    /// The BCP 47 tag, which is also the template folder's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// The closest supported locale for a stored tag: any Chinese becomes zh-CN, any English
    /// becomes en, and anything else the default, so a user's odd setting never stops a
    /// notification.
    pub fn negotiate(tag: &str) -> Locale {
        let lang = tag
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match lang.as_str() {
            "en" => Self::En,
            _ => Self::ZhCn,
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Strict, for what a person typed (`--locale`, a query parameter): an unknown tag is an error
/// rather than quietly Chinese.
impl FromStr for Locale {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "zh-CN" | "zh" | "zh_CN" => Ok(Self::ZhCn),
            "en" | "en-US" | "en-GB" => Ok(Self::En),
            _ => Err(ParseError::new(
                "locale",
                Rule::OneOf {
                    allowed: Self::NAMES,
                },
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_negotiated_from_loose_tags() {
        assert_eq!(Locale::negotiate("en-US"), Locale::En);
        assert_eq!(Locale::negotiate("EN_gb"), Locale::En);
        assert_eq!(Locale::negotiate("zh-Hans"), Locale::ZhCn);
        assert_eq!(Locale::negotiate("fr"), Locale::ZhCn);
        assert_eq!(Locale::negotiate(""), Locale::ZhCn);
    }
}
