//! The one stylesheet and the one small script, compiled into the binary and cached by
//! browsers for a year: pages link them with a `?v=` of their content's hash ([`version`]), so
//! a new release changes the URL and nothing stale is ever used.

use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("static/app.css");
const JS: &str = include_str!("static/app.js");
const CACHE: &str = "public, max-age=31536000, immutable";

/// A short hash of both files, for the `?v=` of their links.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let digest = Sha256::new().chain_update(CSS).chain_update(JS).finalize();
        digest.iter().take(6).fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    })
}

/// `GET /static/app.css`.
pub async fn css() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, CACHE),
        ],
        CSS,
    )
}

/// `GET /static/app.js`.
pub async fn js() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, CACHE),
        ],
        JS,
    )
}
