//! Templates, the context every page shares, and the error pages.
//!
//! The templates are compiled into the binary (`include_str!`), so `gridloop` serves its pages
//! with no files beside it. minijinja escapes every value in a `.html` template; nothing is
//! marked safe.

use std::sync::OnceLock;

use axum::http::header::{LOCATION, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridloop_app::error::RETRY_AFTER_SECS;
use gridloop_app::store::StoreError;
use gridloop_app::AppError;
use gridloop_core::Locale;
use minijinja::Environment;

/// Each template by name, with its source.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("login.html", include_str!("templates/login.html")),
    ("report.html", include_str!("templates/report.html")),
    ("issues.html", include_str!("templates/issues.html")),
    ("issue.html", include_str!("templates/issue.html")),
    ("visits.html", include_str!("templates/visits.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("admin.html", include_str!("templates/admin.html")),
    (
        "admin_forms.html",
        include_str!("templates/admin_forms.html"),
    ),
    ("admin_edit.html", include_str!("templates/admin_edit.html")),
    (
        "admin_calendar.html",
        include_str!("templates/admin_calendar.html"),
    ),
    (
        "admin_import.html",
        include_str!("templates/admin_import.html"),
    ),
    // The chain: needs and offers, positions (#16).
    (
        "chain_subnav.html",
        include_str!("templates/chain_subnav.html"),
    ),
    (
        "chain_listings.html",
        include_str!("templates/chain_listings.html"),
    ),
    (
        "chain_listing_new.html",
        include_str!("templates/chain_listing_new.html"),
    ),
    (
        "chain_listing.html",
        include_str!("templates/chain_listing.html"),
    ),
    (
        "chain_position.html",
        include_str!("templates/chain_position.html"),
    ),
    // Matchmaking events (`chain_events`).
    (
        "chain_events.html",
        include_str!("templates/chain_events.html"),
    ),
    (
        "chain_event_new.html",
        include_str!("templates/chain_event_new.html"),
    ),
    (
        "chain_event.html",
        include_str!("templates/chain_event.html"),
    ),
    // Matches and the chain map (#16).
    (
        "chain_matches.html",
        include_str!("templates/chain_matches.html"),
    ),
    (
        "chain_match_new.html",
        include_str!("templates/chain_match_new.html"),
    ),
    (
        "chain_match.html",
        include_str!("templates/chain_match.html"),
    ),
    ("chain_map.html", include_str!("templates/chain_map.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // A template that does not compile is a bug caught by the tests that render it;
            // it is logged here rather than taking the process down.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "a page template does not compile");
            }
        }
        env
    })
}

/// Renders a template to a 200 page.
pub fn page(name: &str, ctx: minijinja::Value) -> Result<Response, PageError> {
    page_with(StatusCode::OK, name, ctx)
}

/// Renders a template with a status of its own (a form re-rendered with its errors).
pub fn page_with(
    status: StatusCode,
    name: &str,
    ctx: minijinja::Value,
) -> Result<Response, PageError> {
    let html = env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| {
            tracing::error!(template = name, error = %e, "cannot render a page");
            PageError::Internal
        })?;
    // The security headers (no-store, CSP, nosniff, …) come from the router's layer,
    // the binary's serve layer, like every other answer's.
    Ok((status, Html(html)).into_response())
}

/// A 303 to a page of ours.
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, v);
    }
    response
}

/// A time as the park reads it: local, to the minute.
pub fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// Why a page cannot be shown. Rendered in both languages: the page that failed may not have
/// known who asked, or in which language.
#[derive(Debug)]
pub enum PageError {
    /// No such page or issue, or one the viewer may not see: the same answer for both.
    NotFound,
    /// The viewer's role may not open this page.
    Forbidden,
    /// A POST without a valid CSRF token, or from another site.
    Csrf,
    /// No live session: to the sign-in page, then back to `next`.
    SignIn { next: String },
    /// A request no page of ours sends.
    BadRequest,
    /// An upload larger than `server.attachment_max_bytes`.
    TooLarge,
    /// The database cannot be reached now; the page works again once it is back.
    Unavailable,
    /// A request refused for what it asked (a week out of range), said in the viewer's
    /// language: the message is one of [`i18n`](crate::i18n)'s strings, never the input.
    Refused {
        status: StatusCode,
        locale: Locale,
        message: &'static str,
    },
    /// Logged where it happened.
    Internal,
}

/// A refusal no page turns into a message of its own: absence (or what is out of sight), a
/// role, the database, the server. Anything else reaching here is logged as a bug of the page.
impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(_) => Self::NotFound,
            AppError::NotPermitted { .. } | AppError::OutOfScope { .. } => Self::Forbidden,
            AppError::Unavailable => Self::Unavailable,
            AppError::Internal => Self::Internal,
            other => {
                tracing::error!(error = %other, "a refusal the page does not show");
                Self::Internal
            }
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, zh, en) = match &self {
            Self::SignIn { next } => {
                let target = if next == "/" || next.is_empty() {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", query_escape(next))
                };
                return see_other(&target);
            }
            Self::Refused {
                status,
                locale,
                message,
            } => return refused(*status, *locale, message),
            Self::NotFound => (StatusCode::NOT_FOUND, "未找到该页面或问题。", "Not found."),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "您的角色无权打开此页面。",
                "Your role may not open this page.",
            ),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "表单已失效（CSRF 校验未通过），未做任何更改。请返回、刷新页面后重试。",
                "The form has expired (CSRF check failed); nothing was changed. Go back, reload the page and try again.",
            ),
            Self::BadRequest => (
                StatusCode::BAD_REQUEST,
                "请求无效。",
                "The request is not one these pages send.",
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "照片太大，未做任何更改。请返回并选择较小的照片。",
                "The photo is too large; nothing was changed. Go back and choose a smaller one.",
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "数据库暂时无法访问，未做任何更改。请稍后再试。",
                "The database cannot be reached right now; nothing was changed. Try again in a moment.",
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务器出错，已记录，请稍后再试。",
                "Something went wrong on the server; it was logged. Try again later.",
            ),
        };
        let html = format!(
            "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{code}</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
             <body><main id=\"main\" class=\"error-page\"><h1>{code}</h1>\
             <p role=\"alert\">{zh}</p><p lang=\"en\">{en}</p>\
             <p><a href=\"/\">返回首页 / Home</a></p></main></body></html>\n",
            code = status.as_u16(),
        );
        let mut response = (status, Html(html)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

/// The page of a [`PageError::Refused`]: the message alone, in the viewer's language.
fn refused(status: StatusCode, locale: Locale, message: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{code}</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body><main id=\"main\" class=\"error-page\"><h1>{code}</h1>\
         <p role=\"alert\">{message}</p><p><a href=\"/\">{home}</a></p></main></body></html>\n",
        lang = locale.as_str(),
        code = status.as_u16(),
        home = crate::i18n::text(locale, "home"),
    );
    (status, Html(html)).into_response()
}

/// Percent-encodes what a query value must not carry raw.
pub fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            assert!(env().get_template(name).is_ok(), "{name} does not compile");
        }
    }

    #[test]
    fn sign_in_redirects_keep_where_the_person_was_going() {
        let r = PageError::SignIn {
            next: "/issues/3?x=1".into(),
        }
        .into_response();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], "/login?next=/issues/3%3Fx%3D1");
    }
}
