//! Finding 11: security headers on every page, from one layer: a page left out (as
//! `/weekly-report` was) could be framed for clickjacking, sniffed into another type, or kept
//! by a cache with someone's personal data in it.

use bytes::Bytes;
use chrono::Duration;
use gridloop_app::tokens::token_hash;
use gridloop_core::Login;
use hyper::Method;

use crate::support::{now, Backend, Reply, TestApp};

/// A signed-in session for `login`, as the sign-in form would have made it.
async fn session_cookie(app: &TestApp, login: &str) -> String {
    let user = app
        .store
        .user_by_login(&Login::parse(login).expect("login"))
        .await
        .expect("lookup")
        .expect("demo user");
    let secret = format!("headers-test-session-{login}");
    app.store
        .create_session(
            user.id,
            &token_hash(&secret),
            now(),
            now() + Duration::days(1),
        )
        .await
        .expect("session");
    format!("gridloop_session={secret}")
}

/// Asserts the headers every answer carries; `what` names the answer in messages.
fn assert_protected(what: &str, reply: &Reply) {
    let header = |name: &str| {
        reply
            .header(name)
            .unwrap_or_else(|| panic!("{what} ({}) has no {name}", reply.status))
    };
    let csp = header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src"), "{what}: {csp}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "same-origin", "{what}");
}

fn assert_not_stored(what: &str, reply: &Reply) {
    assert_eq!(
        reply.header("cache-control").as_deref(),
        Some("no-store"),
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_family_carries_the_security_headers_including_the_weekly_report() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let lead = session_cookie(&app, "lead").await;
    let signed_in = |path: &'static str| {
        let lead = lead.clone();
        let app = &app;
        async move {
            app.send(Method::GET, path, None, &[("cookie", &lead)], Bytes::new())
                .await
        }
    };

    // Web pages: signed in, and the sign-in page itself.
    let dashboard = signed_in("/dashboard").await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.text());
    assert_protected("the dashboard", &dashboard);
    assert_not_stored("the dashboard", &dashboard);
    let login = app.get("/login", None).await;
    assert_protected("the sign-in page", &login);
    assert_not_stored("the sign-in page", &login);
    let missing = signed_in("/issues/999999").await;
    assert_eq!(missing.status, 404);
    assert_protected("a web error page", &missing);

    // The weekly report page: its own policy (inline styles, nothing else), and the rest.
    let weekly = signed_in("/weekly-report").await;
    assert_eq!(weekly.status, 200, "{}", weekly.text());
    assert_protected("the weekly report page", &weekly);
    assert_not_stored("the weekly report page", &weekly);
    let csp = weekly.header("content-security-policy").expect("csp");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");

    // The API: JSON, problem+json errors (refused, unknown, method not allowed).
    let issues = app
        .get("/api/v1/issues", Some("dispatch"))
        .await
        .expect(200);
    assert_protected("an API answer", &issues);
    assert_not_stored("an API answer", &issues);
    let refused = app.get("/api/v1/issues", None).await.expect(401);
    assert_protected("a 401 problem", &refused);
    assert_not_stored("a 401 problem", &refused);
    let unknown = app.get("/api/v1/nothing-here", None).await.expect(404);
    assert_protected("a 404 problem", &unknown);
    let open311 = app.get("/open311/v2/services.json", None).await;
    assert_protected("Open311", &open311);
    assert_not_stored("Open311", &open311);

    // Probes.
    for probe in ["/healthz", "/readyz", "/metrics"] {
        let reply = app.get(probe, None).await.expect(200);
        assert_protected(probe, &reply);
        assert_not_stored(probe, &reply);
    }

    // Static files: protected, and still cached for a year by their own choice.
    for file in ["/static/app.css", "/static/app.js"] {
        let reply = app.get(file, None).await.expect(200);
        assert_protected(file, &reply);
        assert!(
            reply
                .header("cache-control")
                .is_some_and(|c| c.contains("max-age=31536000")),
            "{file}"
        );
    }
    app.stop().await;
}
