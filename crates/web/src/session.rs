//! Sessions in the browser: the `gridloop_session` cookie, the [`Viewer`] behind it, the
//! sign-in form and sign-out. Signing in and what a session is are the app's
//! (`gridloop_app::sign_in`, `gridloop_app::sessions`); this module carries the secret in a
//! cookie and says the outcome in the page's language.
//!
//! The cookie holds the session's 256 random bits. It is `HttpOnly` (no script reads it),
//! `SameSite=Lax` (other sites' forms do not carry it) and `Secure` when `web.secure_cookies`
//! says TLS is in front.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{COOKIE, RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use gridloop_app::sign_in::{sign_in, SignIn};
use gridloop_app::store::User;
use gridloop_app::{sessions, AppError, AppState};
use gridloop_core::{Actor, Locale, Role};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::client_addr::ClientAddr;
use crate::csrf;
use crate::i18n;
use crate::messages;
use crate::next::LocalPath;
use crate::render::{page_with, see_other, PageError};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "gridloop_session";

/// The value of one cookie of the request, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The signed-in person looking at a page.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub actor: Actor,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    pub locale: Locale,
    /// The path and query of the request, for the language switch to come back to.
    pub path: String,
    session_hash: String,
}

impl Viewer {
    pub fn has(&self, role: Role) -> bool {
        self.actor.has_role(role)
    }

    /// `Forbidden` unless the viewer holds one of the roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), PageError> {
        if roles.iter().any(|&r| self.has(r)) {
            Ok(())
        } else {
            Err(PageError::Forbidden)
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::text(self.locale, key)
    }

    /// What every page's template gets: the language and its strings, who is signed in, the
    /// menu for their roles and the CSRF token.
    pub fn base(&self, title: &str) -> minijinja::Value {
        context! {
            lang => self.locale.as_str(),
            v => crate::assets::version(),
            t => minijinja::Value::from_serialize(i18n::strings(self.locale)),
            title => title,
            csrf => self.csrf,
            path => self.path,
            path_q => crate::render::query_escape(&self.path),
            me => context! {
                login => self.user.login.as_str(),
                name => self.user.name.as_str(),
            },
            nav => nav(&self.actor),
        }
    }
}

#[derive(Debug, Serialize)]
struct NavItem {
    href: &'static str,
    key: &'static str,
}

/// The roles the chain's pages (产业链) are in the menu for: who posts needs and offers, and
/// who follows the matchmaking.
const CHAIN_READERS: &[Role] = &[
    Role::PostMember,
    Role::Commissioner,
    Role::Enterprise,
    Role::Dispatcher,
    Role::Supervisor,
    Role::Admin,
];

/// The menu: each page the viewer's roles open, in the loop's order.
fn nav(actor: &Actor) -> Vec<NavItem> {
    let mut items = Vec::new();
    let mut add = |href, key| {
        if !items.iter().any(|i: &NavItem| i.href == href) {
            items.push(NavItem { href, key });
        }
    };
    let reporter = [Role::PostMember, Role::Commissioner, Role::Enterprise]
        .iter()
        .any(|&r| actor.has_role(r));
    if reporter {
        add("/issues/new", "nav_report");
        add("/my", "nav_my");
    }
    if actor.has_role(Role::Commissioner) {
        add("/visits", "nav_visits");
    }
    if actor.has_role(Role::UnitMember) || actor.has_role(Role::UnitHead) {
        add("/worklist", "nav_worklist");
    }
    if actor.has_role(Role::Dispatcher) {
        add("/intake", "nav_intake");
        add("/returned", "nav_returned");
    }
    if [Role::PostMember, Role::Commissioner, Role::Dispatcher]
        .iter()
        .any(|&r| actor.has_role(r))
    {
        add("/verify", "nav_verify");
    }
    if actor.has_role(Role::Supervisor) {
        add("/dashboard", "nav_dashboard");
        add("/extensions", "nav_extensions");
    }
    if actor.has_role(Role::Admin) {
        add("/admin", "nav_admin");
    }
    if CHAIN_READERS.iter().any(|&r| actor.has_role(r)) {
        add("/chain/listings", "nav_chain");
    }
    items
}

/// The page a role starts on.
pub fn home_of(actor: &Actor) -> &'static str {
    let order = [
        (Role::PostMember, "/my"),
        (Role::Commissioner, "/my"),
        (Role::UnitMember, "/worklist"),
        (Role::UnitHead, "/worklist"),
        (Role::Dispatcher, "/intake"),
        (Role::Supervisor, "/dashboard"),
        (Role::Admin, "/admin"),
        (Role::Enterprise, "/my"),
    ];
    order
        .iter()
        .find(|(role, _)| actor.has_role(*role))
        .map_or("/my", |(_, path)| path)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let sign_in = || PageError::SignIn {
            next: if parts.method == axum::http::Method::GET {
                path.clone()
            } else {
                "/".to_owned()
            },
        };
        let Some(secret) = cookie(&parts.headers, COOKIE_NAME) else {
            return Err(sign_in());
        };
        let Some(sessions::Session { user, actor, hash }) = sessions::find(state, &secret).await?
        else {
            return Err(sign_in());
        };
        let locale = i18n::locale_of(&parts.headers, Some(&user.locale));
        Ok(Self {
            csrf: csrf::token_for(&secret),
            user,
            actor,
            locale,
            path,
            session_hash: hash,
        })
    }
}

/// `GET /`: the viewer's own start page.
pub async fn home(viewer: Viewer) -> Response {
    see_other(home_of(&viewer.actor))
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_page(headers: HeaderMap, Query(query): Query<NextQuery>) -> Response {
    let locale = i18n::locale_of(&headers, None);
    let next = LocalPath::or_home(query.next.as_deref());
    login_form(&headers, locale, next.as_str(), "", None, StatusCode::OK)
}

/// The sign-in form, with the token of its own cookie (set now if the browser has none).
fn login_form(
    headers: &HeaderMap,
    locale: Locale,
    next: &str,
    login: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let (token, set) = match cookie(headers, csrf::LOGIN_COOKIE) {
        Some(token) => (token, false),
        None => match csrf::random_token() {
            Ok(token) => (token, true),
            Err(e) => {
                tracing::error!(error = %e, "no randomness for a sign-in form");
                return PageError::Internal.into_response();
            }
        },
    };
    let ctx = context! {
        lang => locale.as_str(),
        v => crate::assets::version(),
        t => minijinja::Value::from_serialize(i18n::strings(locale)),
        title => i18n::text(locale, "sign_in"),
        path_q => crate::render::query_escape(&format!("/login?next={next}")),
        csrf => token,
        next => next,
        login => login,
        error => error,
    };
    let mut response = match page_with(status, "login.html", ctx) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if set {
        let cookie = format!(
            "{}={token}; Path=/login; HttpOnly; SameSite=Strict",
            csrf::LOGIN_COOKIE
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: signs in (the app's `sign_in`: the throttle, the password, the session) and
/// sets the session's cookie. An unknown login and a wrong password get the same answer; a
/// throttled try answers 429, saturated password hashing 503, both with `Retry-After`.
#[tracing::instrument(name = "web_login", skip_all)]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let locale = i18n::locale_of(&headers, None);
    let next = LocalPath::or_home(Some(&form.next));
    let expected = cookie(&headers, csrf::LOGIN_COOKIE).unwrap_or_default();
    if !csrf::same_origin(&headers) || !csrf::matches(&expected, Some(&form.csrf)) {
        return PageError::Csrf.into_response();
    }
    let typed = form.login.trim().to_owned();
    let refuse = |message: &str, status: StatusCode| {
        login_form(
            &headers,
            locale,
            next.as_str(),
            &typed,
            Some(message),
            status,
        )
    };
    let secret = match sign_in(&state, client.0, &typed, form.password).await {
        Ok(SignIn::Started { secret, .. }) => secret,
        Ok(SignIn::WrongCredentials) => {
            return refuse(
                i18n::text(locale, "wrong_credentials"),
                StatusCode::UNAUTHORIZED,
            );
        }
        Err(AppError::Throttled { retry_after_secs }) => {
            let message = i18n::text(locale, "throttled")
                .replace("{wait}", &messages::wait(locale, retry_after_secs));
            return retry_after(
                refuse(&message, StatusCode::TOO_MANY_REQUESTS),
                retry_after_secs,
            );
        }
        Err(AppError::Busy { retry_after_secs }) => {
            let message = i18n::text(locale, "busy");
            return retry_after(
                refuse(message, StatusCode::SERVICE_UNAVAILABLE),
                retry_after_secs,
            );
        }
        Err(e) => return PageError::from(e).into_response(),
    };
    let mut response = see_other(next.as_str());
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&state, &secret)) {
        headers.append(SET_COOKIE, v);
    }
    response
}

/// Adds `Retry-After: secs` to a refusal.
fn retry_after(mut response: Response, secs: u64) -> Response {
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs));
    response
}

fn session_cookie(state: &AppState, secret: &str) -> String {
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{COOKIE_NAME}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        state.web.max_age.num_seconds()
    )
}

/// `POST /logout`: deletes the session's row and the cookie.
pub async fn logout(
    State(state): State<AppState>,
    form: crate::form::WebForm,
) -> Result<Response, PageError> {
    sessions::end(&state, &form.viewer.session_hash).await?;
    tracing::info!(user_id = %form.viewer.user.id, "signed out");
    let mut response = see_other("/login");
    let secure = if state.web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let expired = format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    if let Ok(v) = HeaderValue::from_str(&expired) {
        response.headers_mut().append(SET_COOKIE, v);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; gridloop_session=abc; gridloop_lang=en"),
        );
        assert_eq!(cookie(&h, "gridloop_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "gridloop_lang").as_deref(), Some("en"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
