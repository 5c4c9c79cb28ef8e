//! The unified social credit code (统一社会信用代码, GB 32100-2015): the 18 characters every
//! company, public institution and social organisation in China is registered under for life.
//! A park office keys its enterprises by it, because a name changes (a restructuring, a typo
//! corrected) and the code does not.
//!
//! The code is 17 characters and a check character, all from a 31-character set (digits and
//! capital letters without I, O, S, V and Z, which read like 1, 0, 5, U and 2). The check
//! character is the one whose value makes the weighted sum of all 18 a multiple of 31, the
//! weight of the i-th (from 0) being 3^i mod 31; so a single mistyped character, or two
//! neighbours swapped, is always caught. The other parts (the registering authority, the
//! kind of body, the region, the organisation code) are not checked: their tables change
//! with the administrative divisions, and the check character already tells a typo.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::{Format, Rule};

/// The characters a code is written in, in the order of their values (0 to 30).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The length of a code, check character included.
pub const CREDIT_CODE_LEN: usize = 18;

/// A unified social credit code: 18 characters of [`CHARSET`] whose last is the check
/// character of the first 17. Parsing normalises what people paste from a licence or a
/// spreadsheet: spaces dropped, lowercase and full-width letters and digits read as their
/// ASCII capitals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// The field's name in errors, as the API names it.
    pub const FIELD: &'static str = "credit_code";

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let code: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| half_width(c).to_ascii_uppercase())
            .collect();
        let format = || ParseError::new(Self::FIELD, Rule::Format(Format::CreditCode));
        let values: Vec<u32> = code
            .bytes()
            .map(value)
            .collect::<Option<_>>()
            .filter(|v: &Vec<u32>| v.len() == CREDIT_CODE_LEN)
            .ok_or_else(format)?;
        let (check, body) = values.split_last().ok_or_else(format)?;
        if check_value(body) != *check {
            return Err(ParseError::new(Self::FIELD, Rule::CheckCharacter));
        }
        Ok(Self(code))
    }

    /// The code completed with its check character: `body` is the first 17 characters (in
    /// the code's set, capitals). For demo data and tests, which need valid codes.
    pub fn with_check_character(body: &str) -> Result<Self, ParseError> {
        let values: Vec<u32> = body
            .bytes()
            .map(value)
            .collect::<Option<_>>()
            .filter(|v: &Vec<u32>| v.len() == CREDIT_CODE_LEN - 1)
            .ok_or(ParseError::new(
                Self::FIELD,
                Rule::Format(Format::CreditCode),
            ))?;
        let check = CHARSET[check_value(&values) as usize] as char;
        Ok(Self(format!("{body}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A full-width form (`９`, `Ａ`, `ａ`), as a Chinese input method types it, as its ASCII.
fn half_width(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// A character's value, if it is one of the set.
fn value(b: u8) -> Option<u32> {
    CHARSET.iter().position(|c| *c == b).map(|i| i as u32)
}

/// The value of the check character of the first 17 characters' values: the one that makes
/// the weighted sum a multiple of 31.
fn check_value(body: &[u32]) -> u32 {
    let mut weight = 1;
    let mut sum = 0;
    for v in body {
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    (31 - sum % 31) % 31
}

impl TryFrom<String> for CreditCode {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CreditCode> for String {
    fn from(value: CreditCode) -> Self {
        value.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes as published on business licences and in public registers.
    const PUBLISHED: [&str; 6] = [
        "914403001922038216",
        "9144030071526726XG",
        "91350200776049653A",
        "91440101MA5CJQ4N59",
        "913502000728319549",
        "91350213678251743X",
    ];

    #[test]
    fn published_codes_parse_as_they_are() {
        for raw in PUBLISHED {
            assert_eq!(CreditCode::parse(raw).map(|c| c.0), Ok(raw.to_owned()));
        }
    }

    #[test]
    fn case_spaces_and_full_width_characters_are_normalised() {
        let code = CreditCode::parse(" 9144 0300 7152 6726 xg\t").expect("parses");
        assert_eq!(code.as_str(), "9144030071526726XG");
        let code = CreditCode::parse("９１４４０３００７１５２６７２６ＸＧ").expect("parses");
        assert_eq!(code.as_str(), "9144030071526726XG");
    }

    #[test]
    fn a_wrong_check_character_is_refused_as_such() {
        for raw in [
            "914403001922038217",
            "9144030071526726XH",
            "91350200776049653B",
        ] {
            let e = CreditCode::parse(raw).expect_err(raw);
            assert_eq!(e.field(), "credit_code");
            assert_eq!(e.rule(), Rule::CheckCharacter, "{raw}");
        }
        // Two neighbours swapped.
        assert_eq!(
            CreditCode::parse("914403001922038126").map_err(|e| e.rule()),
            Err(Rule::CheckCharacter)
        );
    }

    #[test]
    fn a_wrong_length_or_a_letter_outside_the_set_is_a_format_error() {
        let format = Err(Rule::Format(Format::CreditCode));
        for raw in [
            "",
            "   ",
            "91440300192203821",
            "9144030019220382160",
            // I, O, S, V and Z are not in the set, nor is punctuation.
            "91440300I922038216",
            "91440300O922038216",
            "9144030071526726XS",
            "91440300-922038216",
            "九一四四〇三〇〇一九二二〇三八二一六",
        ] {
            assert_eq!(
                CreditCode::parse(raw).map_err(|e| e.rule()),
                format,
                "{raw:?}"
            );
        }
    }

    #[test]
    fn the_check_character_completes_a_body_into_a_code_that_parses() {
        assert_eq!(
            CreditCode::with_check_character("91440300192203821").map(|c| c.0),
            Ok("914403001922038216".to_owned())
        );
        for body in [
            "91500000MA5U00000",
            "12345678901234567",
            "YYYYYYYYYYYYYYYYY",
        ] {
            let code = CreditCode::with_check_character(body).expect(body);
            assert_eq!(CreditCode::parse(code.as_str()), Ok(code));
        }
        assert!(CreditCode::with_check_character("9144030019220382").is_err());
        assert!(CreditCode::with_check_character("9144030019220382I").is_err());
    }

    #[test]
    fn it_round_trips_through_json_and_refuses_a_bad_one() {
        let code: CreditCode = serde_json::from_str("\"914403001922038216\"").expect("json");
        assert_eq!(
            serde_json::to_string(&code).expect("json"),
            "\"914403001922038216\""
        );
        assert!(serde_json::from_str::<CreditCode>("\"914403001922038217\"").is_err());
    }
}
