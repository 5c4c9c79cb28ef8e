//! Finding 4: no open redirect through `next=` on the language switch or sign-in.
//!
//! Browsers drop TAB, CR and LF anywhere in a URL and read `\` as `/`, so `/%09/evil.example`
//! was `//evil.example`: another site. Every hostile `next` below must end on this site's
//! root, and a genuine local path must still be followed.

use bytes::Bytes;
use gridloop_core::Login;
use hyper::Method;

use crate::both;
use crate::support::{Reply, TestApp};

/// Values of `next` (as the handler receives them, decoded) that a browser, a proxy or a
/// careless decoder could take off this site.
pub const HOSTILE: &[&str] = &[
    "/\t/evil.example",
    "/\r/evil.example",
    "/\n/evil.example",
    "\t//evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "/%09/evil.example",
    "http://evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/\u{3000}/evil.example",
    "/\u{00A0}/evil.example",
    "/\u{2028}/evil.example",
    "/\u{FF0F}evil.example",
    "\u{FF0F}\u{FF0F}evil.example",
    "/issues#//evil.example",
];

/// Percent-encodes every byte but ASCII letters and digits, so the handler receives `raw`.
pub fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The web password the tests give demo users (hashed once per run: argon2 is slow).
pub const PASSWORD: &str = "correct horse battery";

pub async fn with_password(app: &TestApp, login: &str) {
    use std::sync::OnceLock;
    static PHC: OnceLock<String> = OnceLock::new();
    let phc = PHC.get_or_init(|| gridloop_app::passwords::hash(PASSWORD).expect("hash"));
    let user = app
        .store
        .user_by_login(&Login::parse(login).expect("login"))
        .await
        .expect("lookup")
        .expect("demo user");
    app.store
        .set_password_hash(user.id, Some(phc))
        .await
        .expect("set password");
}

/// `POST /login` as the sign-in form sends it (its double-submit token included).
pub async fn sign_in(app: &TestApp, login: &str, next: &str) -> Reply {
    let token = "a".repeat(64);
    let body = format!(
        "login={}&password={}&_csrf={token}&next={}",
        encode(login),
        encode(PASSWORD),
        encode(next)
    );
    app.send(
        Method::POST,
        "/login",
        None,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &format!("gridloop_csrf={token}")),
            ("sec-fetch-site", "same-origin"),
        ],
        Bytes::from(body),
    )
    .await
}

/// The session cookie a sign-in answer sets.
pub fn session_cookie(reply: &Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("gridloop_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

fn location(reply: &Reply) -> String {
    assert_eq!(reply.status.as_u16(), 303, "body: {}", reply.text());
    reply.header("location").expect("a Location header")
}

both! {
    async fn the_language_switch_never_redirects_off_site_whatever_next_says(app: &TestApp) {
        for next in HOSTILE {
            let reply = app.get(&format!("/lang/en?next={}", encode(next)), None).await;
            assert_eq!(location(&reply), "/", "next={next:?}");
        }
        // The reported attack, exactly as sent.
        let reply = app.get("/lang/en?next=/%09/evil.example", None).await;
        assert_eq!(location(&reply), "/");
        // A page of ours is still where the switch goes back to.
        let reply = app
            .get(&format!("/lang/en?next={}", encode("/issues/1?x=1")), None)
            .await;
        assert_eq!(location(&reply), "/issues/1?x=1");
    }

    async fn sign_in_never_redirects_off_site_whatever_next_says(app: &TestApp) {
        with_password(app, "lead").await;
        for next in HOSTILE {
            let reply = sign_in(app, "lead", next).await;
            assert_eq!(location(&reply), "/", "next={next:?}");
        }
        let reply = sign_in(app, "lead", "/weekly-report?week=2026-W47").await;
        assert_eq!(location(&reply), "/weekly-report?week=2026-W47");
    }

    async fn the_sign_in_page_does_not_carry_a_hostile_next_into_its_form(app: &TestApp) {
        let reply = app
            .get(&format!("/login?next={}", encode("/\t/evil.example")), None)
            .await;
        assert_eq!(reply.status.as_u16(), 200);
        assert!(!reply.text().contains("evil.example"), "{}", reply.text());
    }
}
