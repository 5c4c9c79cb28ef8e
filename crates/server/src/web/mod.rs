//! The web pages: server-rendered HTML for the people in the loop, in zh-CN (the default) and
//! English, usable from a phone at 360 px and from a desk.
//!
//! Every page needs a signed-in session (a login and password, then a cookie); every form
//! carries the session's CSRF token and answers POST → 303 → GET. What a person may see and do
//! is decided where the JSON API decides it: visibility by the core's `Actor::can_see`, the
//! buttons on an issue by the core's `available_actions`, the step itself by the store's `act`.
//! The pages hold no SQL and no transition table of their own.
//!
//! # Layout
//!
//! - [`password`]: argon2id hashes of passwords (PHC strings), and the bound on hashing.
//! - [`session`]: session cookies, the [`session::Viewer`] extractor, sign-in and sign-out.
//! - [`throttle`]: the sign-in throttle's limits over counts kept in the database.
//! - [`csrf`]: the per-session token and the origin checks of every POST.
//! - [`form`]: posted fields, read after the CSRF check.
//! - [`i18n`]: the pages' strings per locale and the language switch.
//! - [`next`]: the parsed local path a page may send the browser back to (`next=`).
//! - [`render`]: the templates (embedded), the page context and the error pages.
//! - [`assets`]: the one stylesheet and the one small script.
//! - Audiences: [`report`] (post members and commissioners: report, mine, verify),
//!   [`issue`] (the issue page and its actions), [`unit`] (the worklist), [`dispatch`]
//!   (intake and returned issues), [`supervisor`] (dashboard, extensions), [`visits`],
//!   [`admin`].

pub mod admin;
pub mod assets;
pub mod csrf;
pub mod dispatch;
pub mod form;
pub mod i18n;
pub mod issue;
pub mod next;
pub mod password;
pub mod render;
pub mod report;
pub mod session;
pub mod supervisor;
pub mod throttle;
pub mod unit;
pub mod visits;
pub mod weekly;

use axum::routing::{get, post};
use axum::Router;

use crate::config::WebSettings;
use crate::http::client_addr::TrustedProxies;
use crate::http::state::AppState;

/// What the web pages keep besides the shared state: session lifetimes, the sign-in throttle,
/// the bound on password hashing and the proxies trusted for client addresses.
#[derive(Debug)]
pub struct WebState {
    /// Whether the session cookie is marked `Secure` (only behind a TLS proxy).
    pub secure_cookies: bool,
    /// A session unused this long ends.
    pub idle: chrono::Duration,
    /// A session ends this long after sign-in.
    pub max_age: chrono::Duration,
    pub throttle: throttle::Throttle,
    /// Every password hash this process computes goes through it.
    pub passwords: password::Hasher,
    /// Whose `X-Forwarded-For` names the client (see [`crate::http::client_addr`]).
    pub trusted_proxies: TrustedProxies,
}

impl WebState {
    pub fn from_settings(settings: &WebSettings) -> Self {
        Self {
            secure_cookies: settings.secure_cookies,
            idle: chrono::Duration::minutes(i64::from(settings.session_idle_minutes.max(1))),
            max_age: chrono::Duration::days(i64::from(settings.session_max_days.max(1))),
            throttle: throttle::Throttle::from_settings(settings),
            passwords: password::Hasher::from_settings(settings),
            trusted_proxies: settings.trusted_proxies.clone(),
        }
    }
}

/// The defaults of `config/default.toml`: three days idle, thirty days at most, no `Secure`, no
/// trusted proxy.
impl Default for WebState {
    fn default() -> Self {
        Self::from_settings(&WebSettings::default())
    }
}

/// Every web page. The paths are the pages' own; whatever they do not name falls through to
/// the API's problem+json 404.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(session::home))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang/{lang}", get(i18n::switch))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .merge(report::routes(state))
        .merge(issue::routes())
        .merge(unit::routes())
        .merge(dispatch::routes())
        .merge(supervisor::routes())
        .merge(visits::routes())
        .merge(admin::routes())
        .merge(weekly::routes())
}
