//! Where a page sends the browser afterwards (`next=` of the sign-in form and the language
//! switch, `_next` of the queues' forms): only ever a path on this site.
//!
//! A redirect to what a request names is an open redirect unless the target is parsed, not
//! screened. Browsers are lenient in ways a screen misses: they drop TAB, CR and LF anywhere
//! in a URL (`/\t/evil.example` is `//evil.example`, another host), read `\` as `/`, and a
//! proxy or a later hop may decode `%2F` and `%5C`. So [`LocalPath`] is only what parses as an
//! origin-form request target (RFC 9112 §3.2.1: an absolute path and an optional query, in
//! printable ASCII) whose path, decoded any number of times, still begins with exactly one `/`
//! and holds no backslash, control character or whitespace. Anything else is not a place on
//! this site, and the caller goes home instead.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use axum::http::uri::PathAndQuery;
use percent_encoding::percent_decode_str;

/// A path (and query) on this site, safe to put in a `Location` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath(String);

impl LocalPath {
    /// The site's root, where a refused or missing `next` leads.
    pub fn home() -> Self {
        Self("/".to_owned())
    }

    /// `raw` if it is a path on this site, else `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        // Printable ASCII only: a request target is ASCII (anything else arrives
        // percent-encoded), and this refuses every control character, space, Unicode space,
        // fullwidth solidus or other look-alike a browser might fold into a `/`.
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let target = PathAndQuery::from_str(raw).ok()?;
        // The parser stops at a fragment; what it read must be all there was.
        if target.as_str() != raw {
            return None;
        }
        if !is_local(target.path()) {
            return None;
        }
        // What an intermediary or a browser may decode must stay local too (`/%2F/host`,
        // `/%5Chost`, `/%252F%252Fhost`): decode until nothing changes.
        let mut path = Cow::Borrowed(target.path());
        loop {
            let decoded = percent_decode_str(&path).decode_utf8().ok()?;
            if decoded == path {
                break;
            }
            if !is_local(&decoded) {
                return None;
            }
            path = Cow::Owned(decoded.into_owned());
        }
        Some(Self(raw.to_owned()))
    }

    /// `raw` if it is a path on this site, else the site's root.
    pub fn or_home(raw: Option<&str>) -> Self {
        raw.and_then(Self::parse).unwrap_or_else(Self::home)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a path (raw or decoded) names a place on this site: one leading `/` (two would
/// start an authority, `/\` too once a browser reads `\` as `/`), and no backslash, control
/// character or whitespace anywhere (which browsers drop or fold).
fn is_local(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

impl Default for LocalPath {
    fn default() -> Self {
        Self::home()
    }
}

impl fmt::Display for LocalPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_on_this_site_are_kept_as_given() {
        for ok in [
            "/",
            "/issues/1",
            "/weekly-report?week=2026-W48&unit=power",
            "/my?next=//elsewhere",
            "/issues/%E5%8E%82",
            "/a/b//c",
        ] {
            assert_eq!(
                LocalPath::parse(ok).map(|p| p.0),
                Some(ok.to_owned()),
                "{ok}"
            );
        }
    }

    #[test]
    fn anything_a_browser_could_read_as_another_site_goes_home() {
        for bad in [
            "",
            "//evil.example",
            "/\t/evil.example",
            "/\r/evil.example",
            "/\n/evil.example",
            "\t//evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "/x\\y",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%252F%252Fevil.example",
            "/%09/evil.example",
            "/%0A/evil.example",
            "/%E3%80%80/evil.example",
            "/%ff",
            "https://evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "evil.example",
            " /issues",
            "/\u{3000}/evil.example",
            "/\u{FF0F}evil.example",
            "/\u{2215}evil.example",
            "/\u{00A0}/evil.example",
            "/issues#//evil.example",
        ] {
            assert_eq!(LocalPath::parse(bad), None, "{bad:?}");
        }
        assert_eq!(LocalPath::or_home(Some("//evil.example")).as_str(), "/");
        assert_eq!(LocalPath::or_home(None).as_str(), "/");
    }
}
