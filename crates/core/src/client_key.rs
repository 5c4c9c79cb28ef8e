//! [`ClientKey`]: the key a client sends with a report so that sending it twice creates one
//! issue (the API's `Idempotency-Key`, the web form's hidden key, the CLI's `--key`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::Rule;

/// A client's idempotency key: 1 to [`ClientKey::MAX_CHARS`] characters once trimmed, without
/// control characters. Any other text is allowed: clients make keys up (UUIDs, random tokens,
/// a form's counter), and the key is compared, never shown or interpreted.
///
/// Parsed once, where a front end reads it; the store takes only this type, so a key it keeps
/// was checked by the same rule whichever way it came in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientKey(String);

impl ClientKey {
    /// The longest key kept, in characters: room for any UUID or token, not for a document.
    pub const MAX_CHARS: usize = 200;

    /// Trims `raw` and checks it. Errors name the field `client_key`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let key = raw.trim();
        if key.is_empty() {
            return Err(ParseError::new("client_key", Rule::Blank));
        }
        if key.chars().count() > Self::MAX_CHARS {
            return Err(ParseError::new(
                "client_key",
                Rule::TooLong {
                    max: Self::MAX_CHARS,
                },
            ));
        }
        if key.chars().any(char::is_control) {
            return Err(ParseError::new("client_key", Rule::ControlCharacter));
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientKey {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<ClientKey> for String {
    fn from(key: ClientKey) -> Self {
        key.0
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_of(raw: &str) -> Rule {
        let e = ClientKey::parse(raw).expect_err(raw);
        assert_eq!(e.field(), "client_key");
        e.rule()
    }

    #[test]
    fn a_key_is_trimmed_and_kept_as_sent() {
        let key = ClientKey::parse("  3f1c9a2e-7b4d-4e8f-9a61-0c2d5e7f8a9b \n").unwrap();
        assert_eq!(key.as_str(), "3f1c9a2e-7b4d-4e8f-9a61-0c2d5e7f8a9b");
        assert_eq!(ClientKey::parse("k").unwrap().as_str(), "k");
        assert_eq!(
            ClientKey::parse("report 1 / 表单").unwrap().as_str(),
            "report 1 / 表单",
            "spaces inside and any script are allowed"
        );
    }

    #[test]
    fn a_key_is_one_to_two_hundred_characters_counted_not_bytes() {
        assert_eq!(rule_of(""), Rule::Blank);
        assert_eq!(rule_of(" \t "), Rule::Blank);
        let longest = "k".repeat(ClientKey::MAX_CHARS);
        assert!(ClientKey::parse(&longest).is_ok());
        assert_eq!(rule_of(&format!("{longest}k")), Rule::TooLong { max: 200 });
        // 200 Chinese characters are 600 bytes of UTF-8, and still a key.
        assert!(ClientKey::parse(&"键".repeat(200)).is_ok());
        assert_eq!(rule_of(&"键".repeat(201)), Rule::TooLong { max: 200 });
        assert_eq!(
            ClientKey::parse(&format!("  {longest}  "))
                .unwrap()
                .as_str(),
            longest,
            "the spaces around do not count"
        );
    }

    #[test]
    fn a_key_has_no_control_characters() {
        for raw in ["a\tb", "a\nb", "a\u{0}b", "a\u{7f}b", "a\u{85}b"] {
            assert_eq!(rule_of(raw), Rule::ControlCharacter, "{raw:?}");
        }
    }

    #[test]
    fn serde_holds_a_key_to_the_same_rule() {
        let key: ClientKey = serde_json::from_str("\" abc \"").unwrap();
        assert_eq!(key.as_str(), "abc");
        assert_eq!(serde_json::to_string(&key).unwrap(), "\"abc\"");
        assert!(serde_json::from_str::<ClientKey>("\"\"").is_err());
    }
}
