//! The web pages: server-rendered HTML for the people in the loop, in zh-CN (the default) and
//! English, usable from a phone at 360 px and from a desk.
//!
//! Every page needs a signed-in session (a login and password, then a cookie); every form
//! carries the session's CSRF token and answers POST → 303 → GET. What a person may see and do
//! is decided where the JSON API decides it: visibility by the core's `Actor::can_see`, the
//! buttons on an issue by the core's `available_actions`, the step itself by the store's `act`,
//! and what the API and the pages share by the app's use cases (`gridloop_app`), whose refusals
//! [`messages`] says in the page's language. The pages hold no SQL and no transition table of
//! their own.
//!
//! # Layout
//!
//! - [`session`]: session cookies, the [`session::Viewer`] extractor, sign-in and sign-out
//!   (over the app's sign-in and sessions).
//! - [`client_addr`]: the [`client_addr::ClientAddr`] extractor (the rule is the app's).
//! - [`csrf`]: the per-session token and the origin checks of every POST.
//! - [`form`]: posted fields, read after the CSRF check.
//! - [`i18n`]: the pages' strings per locale and the language switch.
//! - [`messages`]: why a use case refused (`AppError`), in the page's language.
//! - [`next`]: the parsed local path a page may send the browser back to (`next=`).
//! - [`render`]: the templates (embedded), the page context and the error pages.
//! - [`assets`]: the one stylesheet and the one small script.
//! - Audiences: [`intake`] (post members and commissioners: report a problem, mine, verify),
//!   [`issue`] (the issue page and its actions), [`unit`](mod@unit) (the worklist), [`dispatch`]
//!   (intake and returned issues), [`supervisor`] (dashboard, extensions), [`visits`],
//!   [`weekly`] (the weekly report page), [`admin`], [`chain_events`] (matchmaking events:
//!   list, plan, invite, attendance); [`export`] (the list pages' download of
//!   the issue ledger).
//! - [`chain`]: the industry chain's pages (needs and offers, positions) and its sub-menu;
//!   [`chain_matches`]: matches and the chain map's SVG.

pub mod admin;
pub mod assets;
pub mod chain;
pub mod chain_events;
pub mod chain_matches;
pub mod client_addr;
pub mod csrf;
pub mod dispatch;
pub mod export;
pub mod form;
pub mod i18n;
pub mod intake;
pub mod issue;
pub mod messages;
pub mod next;
pub mod render;
pub mod session;
pub mod supervisor;
pub mod unit;
pub mod visits;
pub mod weekly;

use axum::routing::{get, post};
use axum::Router;

use gridloop_app::AppState;

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
        .merge(intake::routes(state))
        .merge(issue::routes())
        .merge(unit::routes())
        .merge(dispatch::routes())
        .merge(supervisor::routes())
        .merge(visits::routes())
        .merge(admin::routes())
        .merge(weekly::routes())
        .merge(export::routes())
        .merge(chain::routes())
        .merge(chain_events::routes())
        .merge(chain_matches::routes())
}
