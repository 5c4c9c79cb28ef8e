//! Cross-site request forgery: every POST must prove it came from one of our own pages.
//!
//! Two checks, both on every POST, before anything is read from the store or written to it:
//!
//! - **A synchronizer token.** Each session has one, a SHA-256 of the session's secret cookie
//!   value under a label of its own; pages put it in a hidden `_csrf` field. Another site can
//!   make a browser send the cookie but cannot read a page to learn the token, and the token
//!   cannot be turned back into the cookie. Deriving it, rather than storing it, keeps it the
//!   same on every instance. Before sign-in there is no session, so the sign-in form uses a
//!   random value in a cookie of its own (`gridloop_csrf`) and the same value in the form.
//! - **The browser's own word**: a `Sec-Fetch-Site` other than `same-origin` or `none`, or an
//!   `Origin` whose host is not the request's `Host`, is refused even with a good token.

use std::fmt::Write as _;

use axum::http::header::{HOST, ORIGIN};
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

/// The hidden field every form carries.
pub const FIELD: &str = "_csrf";
/// The cookie holding the sign-in form's token, before there is a session.
pub const LOGIN_COOKIE: &str = "gridloop_csrf";

/// The session's token, derived from its secret cookie value.
pub fn token_for(session_secret: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"gridloop csrf token\0");
    digest.update(session_secret.as_bytes());
    hex(&digest.finalize())
}

/// A fresh random token (the sign-in form's).
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// Compares in time independent of where the strings differ.
pub fn matches(expected: &str, sent: Option<&str>) -> bool {
    let Some(sent) = sent else { return false };
    if expected.is_empty() || expected.len() != sent.len() {
        return false;
    }
    expected
        .bytes()
        .zip(sent.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Whether the browser's headers, when present, say the request comes from this site.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or_default();
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        // `null` (privacy-sensitive contexts) proves nothing either way: refuse it.
        let Some(host) = origin.split_once("://").map(|(_, rest)| rest) else {
            return false;
        };
        let own = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        if !host.eq_ignore_ascii_case(own) {
            return false;
        }
    }
    true
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn tokens_are_derived_per_session_and_compared_exactly() {
        let a = token_for("secret-a");
        assert_eq!(a, token_for("secret-a"));
        assert_ne!(a, token_for("secret-b"));
        assert!(matches(&a, Some(&a)));
        assert!(!matches(&a, Some(&token_for("secret-b"))));
        assert!(!matches(&a, None));
        assert!(!matches("", Some("")));
    }

    #[test]
    fn cross_site_requests_are_told_apart_by_their_headers() {
        assert!(same_origin(&headers(&[])), "no headers: rely on the token");
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example"),
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "null"),
        ])));
    }
}
