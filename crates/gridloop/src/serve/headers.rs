//! The headers every answer carries, from one layer around the whole router, so that no page,
//! API answer, error or probe can forget them.
//!
//! Each is set only when the handler has not set its own: an attachment answers with a
//! sandboxing policy of its own, the weekly report page (one self-contained page made for
//! mail, styled inline) with one that allows inline styles and nothing else, the static files
//! with a year of caching.

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The pages' policy: only our own stylesheet, script and images (and `data:` images) load,
/// nothing inline runs or styles, no plugin, no `<base>` rewriting, forms post only to us, and
/// no other site may frame us (clickjacking). JSON answers carry it too: harmless there, and a
/// browser that is somehow made to render one as a page still runs nothing.
pub const CONTENT_SECURITY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Adds the security headers to every answer.
///
/// - `Content-Security-Policy`: [`CONTENT_SECURITY`], unless the handler set its own.
/// - `X-Content-Type-Options: nosniff`: a browser never guesses a type we did not send.
/// - `X-Frame-Options: DENY`: `frame-ancestors` for browsers that predate it.
/// - `Referrer-Policy: same-origin`: issue URLs (ids, filters) never leak to other sites.
/// - `Cache-Control: no-store` unless the handler chose its own: pages and API answers show
///   personal data, so they are kept by no cache, shared or private; the handlers that set
///   one (the static files, attachments revalidated by ETag) decided what their answer is.
pub async fn secure(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers
        .entry(X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers
        .entry(REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
