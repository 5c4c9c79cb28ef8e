//! How people are named and reached: login names, phone numbers and email addresses.
//!
//! Two kinds of phone number: a [`Phone`] is one gridloop sends messages to (a user's, entered
//! by an admin) and must be E.164; a [`ContactPhone`] is what a member of the public typed into
//! a 311 client, free text that is kept as given and read as E.164 where it can be.
//!
//! Phone numbers and emails are personal data. Their `Debug` output is masked so that a stray
//! `?field` in a trace never leaks one; code that really sends a message asks for the full value
//! with `as_str`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ParseError;
use crate::rule::{Format, Rule};

/// A login name: 2–32 characters of lowercase ASCII letters, digits, `-`, `_` and `.`, starting
/// with a letter. Kept ASCII so it types the same on every phone keyboard and in a shell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let len = s.chars().count();
        if !(2..=32).contains(&len) {
            return Err(ParseError::new("login", Rule::Length { min: 2, max: 32 }));
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(ParseError::new("login", Rule::Format(Format::Login)));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        {
            return Err(ParseError::new("login", Rule::Format(Format::Login)));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Login {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Login> for String {
    fn from(value: Login) -> Self {
        value.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number in E.164 form: `+`, a country code and at most 15 digits in all.
///
/// Mainland numbers typed without the country code (`13812345678`) are accepted and stored as
/// `+8613812345678`, because that is how people in the reference park write them.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let digits = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix("00") {
            rest.to_owned()
        } else if compact.len() == 11 && compact.starts_with('1') {
            format!("86{compact}")
        } else {
            return Err(ParseError::new("phone", Rule::Format(Format::Phone)));
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ParseError::new("phone", Rule::Format(Format::Phone)));
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(ParseError::new("phone", Rule::Format(Format::Phone)));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The full number, for the code that actually sends an SMS.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle hidden (`+86138****5678`), for logs and traces.
    pub fn masked(&self) -> String {
        let s = &self.0;
        let keep_head = 6.min(s.len());
        let keep_tail = 4.min(s.len().saturating_sub(keep_head));
        format!("{}****{}", &s[..keep_head], &s[s.len() - keep_tail..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

/// A phone number as a requester wrote it: Open311's `phone` is free text, so whatever was
/// given is kept (trimmed), and read as a number in E.164 where libphonenumber's metadata says
/// it is a valid one. Mainland China is the default region, so `021-64381234` (a Shanghai
/// landline) is `+862164381234` and `138 1234 5678` is `+8613812345678`; `555-0100` is kept as
/// it is, with no E.164 form. Nothing given is ever refused for its format.
///
/// Only the given text is stored: the E.164 form follows from it, so reading it back yields the
/// same value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ContactPhone {
    given: String,
    e164: Option<Phone>,
}

impl ContactPhone {
    /// The phone as given, or `None` when it is blank.
    pub fn new(given: &str) -> Option<Self> {
        let given = given.trim();
        if given.is_empty() {
            return None;
        }
        let e164 = phonenumber::parse(Some(phonenumber::country::Id::CN), given)
            .ok()
            .filter(phonenumber::is_valid)
            // Numbers with an extension have no E.164 form of their own.
            .filter(|n| n.extension().is_none())
            .and_then(|n| Phone::parse(&n.format().mode(phonenumber::Mode::E164).to_string()).ok());
        Some(Self {
            given: given.to_owned(),
            e164,
        })
    }

    /// What the requester wrote, trimmed.
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The number in E.164, when what was given parses as a valid one.
    pub fn e164(&self) -> Option<&Phone> {
        self.e164.as_ref()
    }

    /// The E.164 number with its middle hidden, or `****` for one that did not parse; for logs
    /// and traces.
    pub fn masked(&self) -> String {
        self.e164
            .as_ref()
            .map_or_else(|| "****".to_owned(), Phone::masked)
    }
}

impl fmt::Debug for ContactPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContactPhone({})", self.masked())
    }
}

/// An email address, checked for the shape mail servers agree on (`local@domain.tld`, no spaces,
/// at most 254 characters). Deliverability is the SMTP server's business, not ours.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.len() > 254 {
            return Err(ParseError::new("email", Rule::TooLong { max: 254 }));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(ParseError::new("email", Rule::Format(Format::Email)));
        };
        let ok_local = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| {
                !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | ',' | ';' | '"')
            });
        let labels: Vec<&str> = domain.split('.').collect();
        let ok_domain = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !ok_local || !ok_domain {
            return Err(ParseError::new("email", Rule::Format(Format::Email)));
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The full address, for the code that actually sends mail.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address with the local part hidden (`z***@example.com`), for logs and traces.
    pub fn masked(&self) -> String {
        mask_email(&self.0)
    }
}

fn mask_email(s: &str) -> String {
    match s.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

impl TryFrom<String> for Email {
    type Error = ParseError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mainland_mobile_number_without_country_code_is_stored_in_e164() {
        assert_eq!(
            Phone::parse("138 1234 5678").unwrap().as_str(),
            "+8613812345678"
        );
    }

    #[test]
    fn phone_numbers_are_masked_in_debug_output() {
        let phone = Phone::parse("+8613812345678").unwrap();
        let shown = format!("{phone:?}");
        assert!(!shown.contains("13812345678"), "{shown}");
        assert_eq!(phone.masked(), "+86138****5678");
    }

    #[test]
    fn letters_in_a_phone_number_are_refused() {
        assert!(Phone::parse("+86138abc5678").is_err());
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("+0123456789").is_err());
    }

    #[test]
    fn a_contact_phone_is_kept_as_given_and_read_as_e164_where_it_parses() {
        let cases = [
            ("021-64381234", Some("+862164381234")),
            ("(021) 6438 1234", Some("+862164381234")),
            (" 138 1234 5678 ", Some("+8613812345678")),
            ("+86 138-1234-5678", Some("+8613812345678")),
            ("+1 415 555 2671", Some("+14155552671")),
            ("555-0100", None),
            ("call the gate office", None),
        ];
        for (given, e164) in cases {
            let phone = ContactPhone::new(given).expect("not blank");
            assert_eq!(phone.given(), given.trim());
            assert_eq!(phone.e164().map(Phone::as_str), e164, "{given}");
        }
        assert_eq!(ContactPhone::new("  "), None);
    }

    proptest::proptest! {
        /// Whatever a 311 client sends as a phone, reading it never panics and never refuses:
        /// the text is kept, and an E.164 form, when there is one, is a valid `Phone`.
        #[test]
        fn any_text_is_a_contact_phone(given in "[0-9０-９+()\\-. xX#*a-z一-龥]{1,40}") {
            if let Some(phone) = ContactPhone::new(&given) {
                proptest::prop_assert_eq!(phone.given(), given.trim());
                if let Some(e164) = phone.e164() {
                    proptest::prop_assert!(Phone::parse(e164.as_str()).is_ok());
                }
            }
        }
    }

    #[test]
    fn a_contact_phone_is_masked_in_debug_output() {
        let phone = ContactPhone::new("021-64381234").expect("not blank");
        assert_eq!(format!("{phone:?}"), "ContactPhone(+86216****1234)");
        let odd = ContactPhone::new("555-0100").expect("not blank");
        assert_eq!(format!("{odd:?}"), "ContactPhone(****)");
    }

    #[test]
    fn emails_are_masked_in_debug_output_and_domain_is_lowercased() {
        let email = Email::parse(" Zhang.Wei@Example.CN ").unwrap();
        assert_eq!(email.as_str(), "Zhang.Wei@example.cn");
        assert_eq!(format!("{email:?}"), "Email(Z***@example.cn)");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "a", "a@b", "a b@c.cn", "@c.cn", "a@-c.cn", "a@c..cn"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn logins_are_lowercase_ascii() {
        assert!(Login::parse("post01").is_ok());
        assert!(Login::parse("power-head").is_ok());
        assert!(Login::parse("Post01").is_err());
        assert!(Login::parse("1post").is_err());
        assert!(Login::parse("张三").is_err());
        assert!(Login::parse("a").is_err());
    }
}
