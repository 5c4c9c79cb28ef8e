//! Sessions: the `gridloop_session` cookie, the [`Viewer`] behind it, sign-in and sign-out.
//!
//! The cookie holds 256 random bits; the database holds only their SHA-256 (as for API
//! tokens), with the user, when the session began, when it was last used and when it ends.
//! A session ends when unused for `web.session_idle_minutes`, `web.session_max_days` after
//! sign-in, or at sign-out, which deletes its row; any instance on the same database honours
//! all three at once. The cookie is `HttpOnly` (no script reads it), `SameSite=Lax` (other
//! sites' forms do not carry it) and `Secure` when `web.secure_cookies` says TLS is in front.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{COOKIE, RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use gridloop_core::{Actor, Locale, Login, Role};
use gridloop_store::{SignInAttempt, SignInKey, User};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::http::auth::token_hash;
use crate::http::client_addr::ClientAddr;
use crate::http::state::AppState;
use crate::web::csrf;
use crate::web::i18n;
use crate::web::next::LocalPath;
use crate::web::password::PasswordError;
use crate::web::render::{page_with, see_other, PageError};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "gridloop_session";
/// A session's last use is written at most this often, so reading pages is not a write each.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::minutes(1);

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
            v => crate::web::assets::version(),
            t => minijinja::Value::from_serialize(i18n::strings(self.locale)),
            title => title,
            csrf => self.csrf,
            path => self.path,
            path_q => crate::web::render::query_escape(&self.path),
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
        let hash = token_hash(&secret);
        let now = state.clock.now();
        let Some((session, user, actor)) = state
            .store
            .session_holder(&hash, now, now - state.web.idle)
            .await?
        else {
            return Err(sign_in());
        };
        if now - session.last_seen_at >= TOUCH_EVERY {
            state.store.touch_session(&hash, now).await?;
        }
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
        v => crate::web::assets::version(),
        t => minijinja::Value::from_serialize(i18n::strings(locale)),
        title => i18n::text(locale, "sign_in"),
        path_q => crate::web::render::query_escape(&format!("/login?next={next}")),
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

/// `POST /login`: checks the password and starts a session. An unknown login and a wrong
/// password get the same answer, after the same work.
///
/// Before any password is checked the try is decided and counted by the sign-in throttle (in
/// the database, per login at the client's address and per address): a refused try answers 429
/// with `Retry-After`. The password check then waits its turn for the process's bounded
/// hashing; when there is none soon, 503 with `Retry-After` and the try is not counted.
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
    let key = SignInKey::new(client.0, &typed);
    let now = state.clock.now();
    match state.web.throttle.attempt(&state.store, &key, now).await {
        Ok(SignInAttempt::LetThrough) => {}
        Ok(SignInAttempt::Refused { until }) => {
            let secs = u64::try_from((until - now).num_milliseconds())
                .unwrap_or(0)
                .div_ceil(1000)
                .max(1);
            tracing::warn!(retry_after = secs, "sign-in refused: too many failures");
            let message =
                i18n::text(locale, "throttled").replace("{wait}", &wait_text(locale, secs));
            return retry_after(refuse(&message, StatusCode::TOO_MANY_REQUESTS), secs);
        }
        Err(e) => return PageError::from(e).into_response(),
    }
    let found = match Login::parse(&typed) {
        Ok(login) => match state.store.password_hash(&login).await {
            Ok(found) => found,
            Err(e) => return PageError::from(e).into_response(),
        },
        Err(_) => None,
    };
    let (user, phc) = match found {
        Some((user, phc)) => (Some(user), Some(phc)),
        None => (None, None),
    };
    let ok = match state.web.passwords.verify(form.password, phc).await {
        Ok(ok) => ok,
        Err(e) => {
            // No password was checked: the try does not count against anyone.
            if let Err(e) = state.store.sign_in_unchecked(&key).await {
                tracing::warn!(error = %e, "could not take back an unchecked sign-in try");
            }
            if let PasswordError::Busy = e {
                tracing::warn!("sign-in refused: password hashing is saturated");
                let secs = state.web.passwords.retry_after_secs();
                let message = i18n::text(locale, "busy");
                return retry_after(refuse(message, StatusCode::SERVICE_UNAVAILABLE), secs);
            }
            tracing::error!(error = %e, "cannot check a password");
            return PageError::Internal.into_response();
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!("sign-in failed");
        return refuse(
            i18n::text(locale, "wrong_credentials"),
            StatusCode::UNAUTHORIZED,
        );
    };
    if let Err(e) = state.store.sign_in_succeeded(&key).await {
        tracing::warn!(error = %e, "could not clear the sign-in count");
    }
    // 256 random bits; distinct in shape from API tokens (`glt_…`), which it never works as.
    let secret = match csrf::random_token() {
        Ok(secret) => secret,
        Err(e) => {
            tracing::error!(error = %e, "no randomness for a session");
            return PageError::Internal.into_response();
        }
    };
    if let Err(e) = state
        .store
        .create_session(user, &token_hash(&secret), now, now + state.web.max_age)
        .await
    {
        return PageError::from(e).into_response();
    }
    // Housekeeping on the way: sessions that ended are refused anyway; this keeps the table small.
    if let Err(e) = state.store.prune_sessions(now, now - state.web.idle).await {
        tracing::warn!(error = %e, "could not prune ended sessions");
    }
    tracing::info!(user_id = %user, "signed in");
    let mut response = see_other(next.as_str());
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&session_cookie(&state, &secret)) {
        headers.append(SET_COOKIE, v);
    }
    response
}

/// A wait as the sign-in page says it: seconds under two minutes, else whole minutes (rounded
/// up, so nobody is told to come back too early).
fn wait_text(locale: Locale, secs: u64) -> String {
    let (key, n) = if secs < 120 {
        ("wait_seconds", secs)
    } else {
        ("wait_minutes", secs.div_ceil(60))
    };
    i18n::text(locale, key).replace("{n}", &n.to_string())
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
    form: crate::web::form::WebForm,
) -> Result<Response, PageError> {
    state
        .store
        .delete_session(&form.viewer.session_hash)
        .await?;
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

    #[test]
    fn waits_are_told_in_seconds_then_in_whole_minutes() {
        assert_eq!(wait_text(Locale::En, 30), "30 s");
        assert_eq!(wait_text(Locale::En, 119), "119 s");
        assert_eq!(wait_text(Locale::En, 121), "3 min");
        assert_eq!(wait_text(Locale::ZhCn, 900), " 15 分钟");
    }
}
