//! The web pages over HTTP: sign-in and sessions, CSRF, the report form's idempotency, grid
//! visibility, and one problem walked round the loop through the pages' forms.
//!
//! A [`Browser`] keeps cookies like a browser and reads the forms' hidden fields out of the
//! HTML, so every POST here is one a page could have sent (or a forgery of one).

use std::collections::HashMap;

use bytes::Bytes;
use chrono::Duration;
use gridloop_core::Login;
use gridloop_store::IssueFilter;
use hyper::Method;
use serde_json::json;

use crate::both;
use crate::issues::{enterprise_in, get_issue, report, user_id};
use crate::support::{Reply, TestApp};

const PASSWORD: &str = "correct horse battery";

/// Gives a demo user a password (one argon2 hash per test run is enough).
pub(crate) async fn with_password(app: &TestApp, login: &str) {
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

/// A cookie jar and the forms' hidden fields.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let value = value.to_str().expect("ascii cookie");
            let (pair, attrs) = value.split_once(';').unwrap_or((value, ""));
            let (name, v) = pair.split_once('=').expect("name=value");
            if v.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), v.to_owned());
            }
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Reply {
        let cookie = self.cookie_header();
        let reply = self
            .app
            .send(
                Method::GET,
                path,
                None,
                &[("cookie", &cookie)],
                Bytes::new(),
            )
            .await;
        self.absorb(&reply);
        reply
    }

    async fn post_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Reply {
        let cookie = self.cookie_header();
        let body = form_encode(fields);
        let mut headers = vec![
            ("cookie", cookie.as_str()),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        headers.extend_from_slice(extra);
        let reply = self
            .app
            .send(Method::POST, path, None, &headers, body)
            .await;
        self.absorb(&reply);
        reply
    }

    /// Posts a file as the import page's form does (multipart, with the token).
    async fn upload(&mut self, path: &str, csrf: &str, name: &str, text: &str) -> Reply {
        let boundary = "gridloop-test-boundary";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: text/csv\r\n\r\n{text}\r\n--{boundary}--\r\n"
        );
        let cookie = self.cookie_header();
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let headers = [
            ("cookie", cookie.as_str()),
            ("content-type", content_type.as_str()),
            ("sec-fetch-site", "same-origin"),
        ];
        let reply = self
            .app
            .send(Method::POST, path, None, &headers, Bytes::from(body))
            .await;
        self.absorb(&reply);
        reply
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.post_with(path, fields, &[("sec-fetch-site", "same-origin")])
            .await
    }

    /// Signs in through the form and checks the answer.
    pub(crate) async fn sign_in(&mut self, login: &str) {
        let page = self.get("/login").await;
        assert_eq!(page.status.as_u16(), 200);
        let csrf = hidden(&page.text(), "_csrf");
        let reply = self
            .post(
                "/login",
                &[("_csrf", &csrf), ("login", login), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(reply.status.as_u16(), 303, "{}", reply.text());
        assert_eq!(reply.header("location").as_deref(), Some("/"));
    }

    /// The CSRF token of a page the viewer can open.
    pub(crate) async fn csrf(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text());
        hidden(&page.text(), "_csrf")
    }
}

fn form_encode(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out.into_bytes()
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of the first hidden field with this name.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

/// A page's text with the slashes minijinja escapes (`&#x2f;`) put back, for reading values.
pub(crate) fn unslash(html: &str) -> String {
    html.replace("&#x2f;", "/")
}

pub(crate) fn location(reply: &Reply) -> String {
    reply.header("location").expect("a redirect")
}

async fn issue_status(app: &TestApp, id: i64) -> String {
    get_issue(app, id).await["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

/// A report form as `multipart/form-data`, with a PNG (its signature is all the server checks).
fn multipart_report(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "gridloop-web-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
    ]);
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"road.png\"\r\nContent-Type: image/png\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// The value of the first `attr="…"` in the page.
fn first_attr(html: &str, attr: &str) -> String {
    let marker = format!("{attr}=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {attr} in {html}"))
        + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

both! {
    async fn signing_in_starts_a_session_and_wrong_credentials_are_refused_alike(app: &TestApp) {
        with_password(app, "post01").await;
        let mut browser = Browser::new(app);
        let away = browser.get("/my").await;
        assert_eq!(away.status.as_u16(), 303);
        assert_eq!(location(&away), "/login?next=/my");

        let page = browser.get("/login?next=/my").await;
        let html = page.text();
        assert!(html.contains("<html lang=\"zh-CN\">"), "{html}");
        assert!(html.contains("<label for=\"login\">"));
        assert!(html.contains("id=\"password\" name=\"password\" type=\"password\""));
        let csrf = hidden(&html, "_csrf");

        let wrong = browser
            .post("/login", &[("_csrf", &csrf), ("login", "post01"), ("password", "not the one")])
            .await;
        assert_eq!(wrong.status.as_u16(), 401);
        let unknown = browser
            .post("/login", &[("_csrf", &csrf), ("login", "nobody"), ("password", PASSWORD)])
            .await;
        assert_eq!(unknown.status.as_u16(), 401);
        let alert = |r: &Reply| {
            let text = r.text();
            let start = text.find("role=\"alert\"").expect("an alert");
            text[start..start + 80].to_owned()
        };
        assert_eq!(alert(&wrong), alert(&unknown), "an unknown login answers like a wrong password");
        assert!(!browser.cookies.contains_key("gridloop_session"));

        let ok = browser
            .post("/login", &[("_csrf", &csrf), ("login", "post01"), ("password", PASSWORD), ("next", "/my")])
            .await;
        assert_eq!(ok.status.as_u16(), 303);
        assert_eq!(location(&ok), "/my");
        let cookie = ok
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().expect("ascii").to_owned())
            .find(|c| c.starts_with("gridloop_session="))
            .expect("a session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain HTTP unless web.secure_cookies");

        let home = browser.get("/").await;
        assert_eq!(location(&home), "/my");
        let mine = browser.get("/my").await;
        assert_eq!(mine.status.as_u16(), 200);
        assert!(mine.text().contains("post01"));
        // Only a hash of the cookie is stored.
        let sessions = app
            .store
            .sessions(gridloop_core::UserId::new(user_id(app, "post01").await).expect("id"))
            .await
            .expect("sessions");
        assert_eq!(sessions.len(), 1);
    }

    async fn a_session_unused_for_longer_than_the_idle_time_ends(app: &TestApp) {
        with_password(app, "post01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("post01").await;
        assert_eq!(browser.get("/my").await.status.as_u16(), 200);
        app.clock.advance(Duration::hours(71));
        assert_eq!(browser.get("/my").await.status.as_u16(), 200, "used within three days");
        app.clock.advance(Duration::hours(72) + Duration::minutes(1));
        let gone = browser.get("/my").await;
        assert_eq!(gone.status.as_u16(), 303);
        assert_eq!(location(&gone), "/login?next=/my");
    }

    async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(app: &TestApp) {
        with_password(app, "dispatch").await;
        let issue = report(app, "post01", "Road wrecked by lorries").await;
        let id = issue["id"].as_i64().expect("id");
        let mut browser = Browser::new(app);
        browser.sign_in("dispatch").await;
        let csrf = browser.csrf(&format!("/issues/{id}")).await;
        let path = format!("/issues/{id}/accept");

        let forged = browser.post(&path, &[("_csrf", "0".repeat(64).as_str()), ("version", "1")]).await;
        assert_eq!(forged.status.as_u16(), 403);
        assert!(forged.text().contains("CSRF"));
        let missing = browser.post(&path, &[("version", "1")]).await;
        assert_eq!(missing.status.as_u16(), 403);
        let cross_site = browser
            .post_with(&path, &[("_csrf", &csrf), ("version", "1")], &[("sec-fetch-site", "cross-site")])
            .await;
        assert_eq!(cross_site.status.as_u16(), 403);
        let other_origin = browser
            .post_with(&path, &[("_csrf", &csrf), ("version", "1")], &[("origin", "http://evil.example")])
            .await;
        assert_eq!(other_origin.status.as_u16(), 403);
        assert_eq!(issue_status(app, id).await, "reported", "nothing changed");

        let done = browser.post(&path, &[("_csrf", &csrf), ("version", "1")]).await;
        assert_eq!(done.status.as_u16(), 303, "{}", done.text());
        assert_eq!(issue_status(app, id).await, "accepted");
    }

    async fn the_report_form_sent_twice_creates_one_issue(app: &TestApp) {
        with_password(app, "post01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("post01").await;
        let form = browser.get("/issues/new").await;
        assert_eq!(form.status.as_u16(), 200);
        let html = form.text();
        let csrf = hidden(&html, "_csrf");
        let key = hidden(&html, "_key");
        let enterprise = enterprise_in(app, "g1", 0).await.to_string();
        let other_grid = enterprise_in(app, "g2", 0).await.to_string();
        assert!(html.contains(&format!("<option value=\"{enterprise}\"")));
        assert!(!html.contains(&format!("<option value=\"{other_grid}\"")), "only the user's grid");

        let fields = [
            ("_csrf", csrf.as_str()),
            ("_key", key.as_str()),
            ("enterprise", enterprise.as_str()),
            ("category", "roads"),
            ("title", "货车碾压导致道路破损"),
            ("description", "东门外 200 米"),
            ("priority", "high"),
        ];
        let first = browser.post("/issues", &fields).await;
        assert_eq!(first.status.as_u16(), 303, "{}", first.text());
        let again = browser.post("/issues", &fields).await;
        assert_eq!(again.status.as_u16(), 303);
        assert_eq!(location(&first), location(&again), "the same issue");
        let reporter = gridloop_core::UserId::new(user_id(app, "post01").await).expect("id");
        let filter = IssueFilter { reporter: Some(reporter), ..IssueFilter::default() };
        let mine = app.store.list_issues(&filter, 10, None).await.expect("list");
        assert_eq!(mine.items.len(), 1);
        assert_eq!(mine.items[0].priority.as_str(), "high");

        let page = browser.get(&location(&first)).await;
        assert!(page.text().contains("data-status=\"reported\""));

        // A form with errors comes back with them and what was typed.
        let bad = browser
            .post("/issues", &[("_csrf", &csrf), ("_key", "another"), ("enterprise", &other_grid), ("title", "留下的标题")])
            .await;
        assert_eq!(bad.status.as_u16(), 422);
        let text = bad.text();
        assert!(text.contains("role=\"alert\""));
        assert!(text.contains("留下的标题"));
    }

    async fn another_grids_issue_is_not_found(app: &TestApp) {
        with_password(app, "post20").await;
        let issue = report(app, "post01", "Power line to be moved").await;
        let id = issue["id"].as_i64().expect("id");
        let mut browser = Browser::new(app);
        browser.sign_in("post20").await;
        let page = browser.get(&format!("/issues/{id}")).await;
        assert_eq!(page.status.as_u16(), 404);
        let none = browser.get("/issues/999999").await;
        assert_eq!(none.status.as_u16(), 404);
        assert_eq!(page.text(), none.text(), "not found, whatever the reason");
        let csrf = browser.csrf("/my").await;
        let act = browser
            .post(&format!("/issues/{id}/verify"), &[("_csrf", &csrf), ("score", "5")])
            .await;
        assert_eq!(act.status.as_u16(), 404);
    }

    async fn signing_out_deletes_the_session(app: &TestApp) {
        with_password(app, "lead").await;
        let mut browser = Browser::new(app);
        browser.sign_in("lead").await;
        let stolen = browser.cookies.clone();
        let csrf = browser.csrf("/dashboard").await;
        let out = browser.post("/logout", &[("_csrf", &csrf)]).await;
        assert_eq!(out.status.as_u16(), 303);
        assert_eq!(location(&out), "/login");
        let lead = gridloop_core::UserId::new(user_id(app, "lead").await).expect("id");
        assert!(app.store.sessions(lead).await.expect("sessions").is_empty());
        // The old cookie, replayed, opens nothing.
        browser.cookies = stolen;
        assert_eq!(browser.get("/dashboard").await.status.as_u16(), 303);
    }

    async fn a_problem_goes_round_the_loop_through_the_pages(app: &TestApp) {
        for login in ["post01", "dispatch", "power"] {
            with_password(app, login).await;
        }
        let issue = report(app, "post01", "厂区专线需要迁改").await;
        let id = issue["id"].as_i64().expect("id");
        let page = |id: i64| format!("/issues/{id}");

        let mut dispatcher = Browser::new(app);
        dispatcher.sign_in("dispatch").await;
        let intake = dispatcher.get("/intake").await.text();
        assert!(intake.contains(&format!("action=\"/issues/{id}/accept\"")), "{intake}");
        let csrf = hidden(&intake, "_csrf");
        let r = dispatcher.post(&format!("/issues/{id}/accept"), &[("_csrf", &csrf), ("version", "1"), ("_next", "/intake")]).await;
        assert_eq!(location(&r), "/intake");
        // The assign form suggests the category's unit.
        let html = dispatcher.get(&page(id)).await.text();
        assert!(html.contains("<option value=\"power\" selected>"), "{html}");
        let r = dispatcher.post(&format!("/issues/{id}/assign"), &[("_csrf", &csrf), ("version", "2"), ("unit", "power")]).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        assert_eq!(issue_status(app, id).await, "assigned");

        let mut unit = Browser::new(app);
        unit.sign_in("power").await;
        let worklist = unit.get("/worklist").await.text();
        assert!(worklist.contains(&page(id)));
        let html = unit.get(&page(id)).await.text();
        assert!(html.contains("data-status=\"assigned\""));
        assert!(html.contains(&format!("action=\"/issues/{id}/start\"")));
        assert!(!html.contains(&format!("action=\"/issues/{id}/resolve\"")), "not before starting");
        assert!(!html.contains(&format!("action=\"/issues/{id}/assign\"")), "the dispatcher's");
        let csrf = hidden(&html, "_csrf");
        let r = unit.post(&format!("/issues/{id}/start"), &[("_csrf", &csrf), ("version", "3")]).await;
        assert_eq!(r.status.as_u16(), 303);
        // Resolving without a note is refused and says why; nothing changes.
        let r = unit.post(&format!("/issues/{id}/resolve"), &[("_csrf", &csrf), ("version", "4")]).await;
        assert_eq!(r.status.as_u16(), 422);
        assert!(r.text().contains("role=\"alert\""));
        // A stale version is a conflict, shown on the page.
        let r = unit.post(&format!("/issues/{id}/resolve"), &[("_csrf", &csrf), ("version", "3"), ("note", "done")]).await;
        assert_eq!(r.status.as_u16(), 409);
        let r = unit.post(&format!("/issues/{id}/resolve"), &[("_csrf", &csrf), ("version", "4"), ("note", "线路已迁改完成")]).await;
        assert_eq!(r.status.as_u16(), 303);

        let mut walker = Browser::new(app);
        walker.sign_in("post01").await;
        let verify = walker.get("/verify").await.text();
        assert!(verify.contains(&page(id)));
        let html = walker.get(&page(id)).await.text();
        assert!(html.contains("1 星") && html.contains("5 星"));
        let csrf = hidden(&html, "_csrf");
        let r = walker.post(&format!("/issues/{id}/verify"), &[("_csrf", &csrf), ("version", "5"), ("score", "4")]).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let closed = get_issue(app, id).await;
        assert_eq!(closed["status"], json!("closed"));
        assert_eq!(closed["satisfaction"], json!(4));
        let html = walker.get(&page(id)).await.text();
        assert!(html.contains("<ol class=\"timeline\""));
        assert_eq!(html.matches("<li data-event=").count(), 6);
    }

    async fn english_is_one_switch_away_and_pages_are_scoped_by_role(app: &TestApp) {
        with_password(app, "post01").await;
        let mut browser = Browser::new(app);
        let switched = browser.get("/lang/en?next=/login").await;
        assert_eq!(location(&switched), "/login");
        browser.sign_in("post01").await;
        let form = browser.get("/issues/new").await.text();
        assert!(form.contains("<html lang=\"en\">"));
        assert!(form.contains(">Report</button>"));
        assert_eq!(browser.get("/intake").await.status.as_u16(), 403);
        assert_eq!(browser.get("/admin").await.status.as_u16(), 403);
        // The API's fallback is untouched.
        let unknown = app.get("/api/v1/nothing-here", None).await.expect(404);
        assert_eq!(unknown.json()["title"], "Not found");
        let css = browser.get("/static/app.css").await;
        assert!(css.header("cache-control").expect("cached").contains("max-age=31536000"));
    }

    async fn a_photo_sent_with_the_report_is_stored_once_and_shown(app: &TestApp) {
        with_password(app, "post01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("post01").await;
        let html = browser.get("/issues/new").await.text();
        let csrf = hidden(&html, "_csrf");
        let key = hidden(&html, "_key");
        let enterprise = enterprise_in(app, "g1", 1).await.to_string();
        let (content_type, body) = multipart_report(&[
            ("_csrf", &csrf),
            ("_key", &key),
            ("enterprise", &enterprise),
            ("category", "roads"),
            ("title", "Road wrecked by lorries"),
            ("priority", "normal"),
        ]);
        let cookie = browser.cookie_header();
        let headers = [
            ("cookie", cookie.as_str()),
            ("content-type", content_type.as_str()),
            ("sec-fetch-site", "same-origin"),
        ];
        let first = app.send(Method::POST, "/issues", None, &headers, body.clone()).await;
        assert_eq!(first.status.as_u16(), 303, "{}", first.text());
        let again = app.send(Method::POST, "/issues", None, &headers, body).await;
        assert_eq!(location(&first), location(&again));
        let id: i64 = location(&first).trim_start_matches("/issues/").parse().expect("id");
        let issue = gridloop_core::IssueId::new(id).expect("id");
        let photos = app.store.attachments(issue).await.expect("attachments");
        assert_eq!(photos.len(), 1, "a replay attaches nothing");
        let page = browser.get(&location(&first)).await.text();
        let href = format!("/issues/{id}/photos/{}", photos[0].id);
        assert!(page.contains(&href));
        let photo = browser.get(&href).await;
        assert_eq!(photo.status.as_u16(), 200);
        assert_eq!(photo.header("content-type").as_deref(), Some("image/png"));
    }

    async fn a_commissioner_logs_this_weeks_visit_and_raises_an_issue(app: &TestApp) {
        gridloop_scheduler::visits::materialise_all(
            &app.store,
            &gridloop_core::Calendar::default_china(),
            crate::support::now(),
        )
        .await
        .expect("materialise");
        with_password(app, "comm01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("comm01").await;
        let html = browser.get("/visits").await.text();
        let id = first_attr(&html, "data-visit");
        let csrf = hidden(&html, "_csrf");
        // Friday's visit is at 14:00 in Shanghai; be there at 14:30.
        app.clock.set(crate::support::now() + Duration::minutes(270));
        let r = browser.post(&format!("/visits/{id}/checkin"), &[("_csrf", &csrf)]).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let fields = [
            ("_csrf", csrf.as_str()),
            ("notes", "厂区道路需要修缮"),
            ("raise_title", "东门道路破损"),
            ("raise_category", "roads"),
        ];
        let r = browser.post(&format!("/visits/{id}/complete"), &fields).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let visit = app.store.visit(id.parse().expect("id")).await.expect("read").expect("visit");
        assert_eq!(visit.status.as_str(), "completed");
        assert_eq!(visit.issues.len(), 1);
        // Sent again (a retry): refused with a message, and nothing raised twice.
        let r = browser.post(&format!("/visits/{id}/complete"), &fields).await;
        assert_eq!(r.status.as_u16(), 422);
        assert!(r.text().contains("role=\"alert\""));
        let visit = app.store.visit(id.parse().expect("id")).await.expect("read").expect("visit");
        assert_eq!(visit.issues.len(), 1);
    }

    async fn the_supervisor_reads_the_dashboard_and_grants_an_extension(app: &TestApp) {
        use crate::issues::step;
        with_password(app, "lead").await;
        let issue = report(app, "post01", "Power line to be moved").await;
        let issue = step(app, "dispatch", &issue, json!({"action": "accept"})).await;
        let issue = step(app, "dispatch", &issue, json!({"action": "assign", "unit": "power"})).await;
        let issue = step(app, "power", &issue, json!({"action": "start"})).await;
        let issue = step(app, "power", &issue, json!({"action": "extend_request", "until": "2027-03-01T10:00:00+08:00", "reason": "需要停电窗口"})).await;
        let id = issue["id"].as_i64().expect("id");
        let mut browser = Browser::new(app);
        browser.sign_in("lead").await;
        let dashboard = browser.get("/dashboard").await;
        assert_eq!(dashboard.status.as_u16(), 200, "{}", dashboard.text());
        let text = dashboard.text();
        assert!(text.contains("data-figure=\"open\">1<"), "{text}");
        assert!(text.contains("<svg class=\"bars\""));
        let queue = browser.get("/extensions").await.text();
        assert!(queue.contains(&format!("action=\"/issues/{id}/grant-extension\"")), "{queue}");
        let csrf = hidden(&queue, "_csrf");
        let version = issue["version"].to_string();
        let r = browser
            .post(&format!("/issues/{id}/grant-extension"), &[("_csrf", &csrf), ("version", &version), ("_next", "/extensions")])
            .await;
        assert_eq!(location(&r), "/extensions");
        let granted = get_issue(app, id).await;
        assert!(granted["pending_extension"].is_null(), "{granted}");
    }

    async fn a_unit_asks_for_working_minutes_more_from_the_issue_page(app: &TestApp) {
        use crate::issues::step;
        with_password(app, "power").await;
        let issue = report(app, "post01", "Power line to be moved").await;
        let issue = step(app, "dispatch", &issue, json!({"action": "accept"})).await;
        let issue = step(app, "dispatch", &issue, json!({"action": "assign", "unit": "power"})).await;
        let issue = step(app, "power", &issue, json!({"action": "start"})).await;
        let id = issue["id"].as_i64().expect("id");
        let mut unit = Browser::new(app);
        unit.sign_in("power").await;
        let csrf = unit.csrf(&format!("/issues/{id}")).await;
        let version = issue["version"].to_string();
        let path = format!("/issues/{id}/extend");
        // Without a reason nothing is asked; the page says which field is missing.
        let r = unit.post(&path, &[("_csrf", &csrf), ("version", &version), ("minutes", "480")]).await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.text());
        assert!(r.text().contains("role=\"alert\""));
        let r = unit
            .post(&path, &[("_csrf", &csrf), ("version", &version), ("minutes", "480"), ("reason", "需要停电窗口")])
            .await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let asked = get_issue(app, id).await;
        let due: chrono::DateTime<chrono::Utc> = serde_json::from_value(issue["resolve_due_at"].clone()).expect("due");
        let until: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(asked["pending_extension"]["until"].clone()).expect("until");
        // A working day later than the deadline: at least eight hours, and within a long
        // weekend or holiday of it.
        assert!(until - due >= chrono::Duration::hours(8), "{due} → {until}");
        assert!(until - due <= chrono::Duration::days(10), "{due} → {until}");
    }

    async fn the_weekly_report_opens_in_the_browser_for_its_readers(app: &TestApp) {
        report(app, "post01", "Street light out").await;
        with_password(app, "lead").await;
        with_password(app, "power-head").await;
        let mut lead = Browser::new(app);
        lead.sign_in("lead").await;
        let dashboard = lead.get("/dashboard").await.text();
        assert!(dashboard.contains("href=\"&#x2f;weekly-report\"") || dashboard.contains("href=\"/weekly-report\""), "{dashboard}");
        let page = lead.get("/weekly-report?week=2026-W48").await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text());
        let html = page.text();
        assert!(html.contains("2026-W48") && html.contains("data:image/png;base64,"), "{html}");
        // A unit's head gets the unit's slice by default, and not the park's when asked.
        let mut head = Browser::new(app);
        head.sign_in("power-head").await;
        let own = head.get("/weekly-report?week=2026-W48").await;
        assert_eq!(own.status.as_u16(), 200);
        assert!(own.text().contains("国网重庆市电力公司金桥供电分公司"), "the unit's name heads its slice");
        assert_eq!(head.get("/weekly-report?unit=tax").await.status.as_u16(), 403);
        assert_eq!(head.get("/weekly-report?week=soon").await.status.as_u16(), 400);
    }

    async fn the_admin_lists_reference_data_and_creates_a_unit(app: &TestApp) {
        with_password(app, "admin").await;
        let mut browser = Browser::new(app);
        browser.sign_in("admin").await;
        for section in ["grids", "posts", "enterprises", "units", "users", "categories", "visit-plans", "schedules", "notifications"] {
            let page = browser.get(&format!("/admin/{section}")).await;
            assert_eq!(page.status.as_u16(), 200, "{section}: {}", page.text());
        }
        let users = browser.get("/admin/users").await.text();
        assert!(!users.contains("post01@demo"), "emails are masked");
        assert!(users.contains("p***@demo.gridloop.example"));
        let csrf = hidden(&users, "_csrf");
        let r = browser.post("/admin/units", &[("_csrf", &csrf), ("code", "water"), ("name", "自来水公司")]).await;
        assert_eq!(location(&r), "/admin/units?saved");
        assert!(browser.get("/admin/units").await.text().contains("自来水公司"));
        let again = browser.post("/admin/units", &[("_csrf", &csrf), ("code", "water"), ("name", "自来水公司")]).await;
        assert_eq!(again.status.as_u16(), 422);
        assert!(again.text().contains("role=\"alert\""));

        // An enterprise with its unified social credit code: listed with it; a code that does not
        // check is refused in the page's language, and what was typed is kept.
        let form = browser.get("/admin/enterprises").await.text();
        assert!(form.contains("统一社会信用代码"), "the form and the list name the code");
        let typo = browser
            .post("/admin/enterprises", &[("_csrf", &csrf), ("name", "深圳某通信技术有限公司"), ("grid", "g1"),
                                           ("credit_code", "914403001922038217")])
            .await;
        assert_eq!(typo.status.as_u16(), 422);
        let text = typo.text();
        assert!(text.contains("校验不通过"), "{text}");
        assert!(text.contains("914403001922038217"), "what was typed is kept");
        let r = browser
            .post("/admin/enterprises", &[("_csrf", &csrf), ("name", "深圳某通信技术有限公司"), ("grid", "g1"),
                                           ("credit_code", "9144 0300 1922 0382 16")])
            .await;
        assert_eq!(location(&r), "/admin/enterprises?saved");
        assert!(browser.get("/admin/enterprises").await.text().contains("914403001922038216"));
    }

    async fn an_admin_uploads_a_file_sees_the_dry_run_and_imports_it_on_confirmation(app: &TestApp) {
        with_password(app, "admin").await;
        with_password(app, "post01").await;
        let mut admin = Browser::new(app);
        admin.sign_in("admin").await;
        let page = admin.get("/admin/import").await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text());
        let csrf = hidden(&page.text(), "_csrf");
        let template = admin.get("/admin/import/template.xlsx").await;
        assert_eq!(template.status.as_u16(), 200);
        assert!(template.body.starts_with(b"PK"), "an .xlsx is a zip");
        let units = || async { app.store.units().await.expect("units").len() };
        let before = units().await;

        // A bad row: the table of bad cells in Chinese, nothing written.
        let bad = admin
            .upload("/admin/import", &csrf, "units.csv", "unit_code,name\nweb-unit,网页单位\nBad Code,坏单位\n")
            .await;
        assert_eq!(bad.status.as_u16(), 422, "{}", bad.text());
        let html = bad.text();
        assert!(html.contains("data-import-refused"), "{html}");
        assert!(html.contains("A 单位编码") && html.contains("Bad Code"), "{html}");
        assert!(html.contains("导入未执行：有 1 处错误"), "{html}");
        assert!(!html.contains("is not a code"), "no English reasons on a zh-CN page: {html}");
        assert!(!html.contains("/admin/import/confirm"), "nothing to confirm");
        assert_eq!(units().await, before);

        // A good file: the dry run's counts and a confirmation; nothing written until then.
        let good = admin
            .upload("/admin/import", &csrf, "units.csv", "unit_code,name\nweb-unit,网页单位\n")
            .await;
        assert_eq!(good.status.as_u16(), 200, "{}", good.text());
        let html = good.text();
        assert!(html.contains("data-import-report=\"dry-run\"") && html.contains("data-created>1<"), "{html}");
        assert_eq!(units().await, before);
        let key = hidden(&html, "upload");
        // The checked file waits in the database, so the confirmation may reach any instance.
        let waiting = || async {
            let counts = app.store.row_counts().await.expect("counts");
            counts.into_iter().find(|(t, _)| *t == "import_uploads").map_or(0, |(_, n)| n)
        };
        assert_eq!(waiting().await, 1);
        // Only the admin who checked it may confirm it, and only with the form's token.
        let forged = admin.post("/admin/import/confirm", &[("_csrf", "forged"), ("upload", &key)]).await;
        assert_eq!(forged.status.as_u16(), 403);
        let done = admin.post("/admin/import/confirm", &[("_csrf", &csrf), ("upload", &key)]).await;
        assert_eq!(done.status.as_u16(), 200, "{}", done.text());
        assert!(done.text().contains("已导入：新增 1，更新 0，不变 0"), "{}", done.text());
        assert_eq!(units().await, before + 1);
        assert_eq!(waiting().await, 0, "taken when confirmed");
        // The key is spent: a second confirmation imports nothing again.
        let again = admin.post("/admin/import/confirm", &[("_csrf", &csrf), ("upload", &key)]).await;
        assert_eq!(again.status.as_u16(), 409);
        // The same file again: unchanged.
        let same = admin
            .upload("/admin/import", &csrf, "units.csv", "unit_code,name\nweb-unit,网页单位\n")
            .await;
        assert!(same.text().contains("data-unchanged>1<"), "{}", same.text());

        // Not an admin: refused before the body is read.
        let mut walker = Browser::new(app);
        walker.sign_in("post01").await;
        let csrf = walker.csrf("/my").await;
        let refused = walker
            .upload("/admin/import", &csrf, "units.csv", "unit_code,name\nx,y\n")
            .await;
        assert_eq!(refused.status.as_u16(), 403);
        assert_eq!(units().await, before + 1);
    }

    async fn an_admin_creates_a_user_with_roles_who_signs_in_once_given_a_password(app: &TestApp) {
        with_password(app, "admin").await;
        let mut admin = Browser::new(app);
        admin.sign_in("admin").await;
        let csrf = admin.csrf("/admin/users").await;
        let post = app.store.posts(None).await.expect("posts")[0].code.to_string();
        let users_before = app.store.users().await.expect("users").len();
        // A login already taken: 422, the alert, what was typed kept, nothing created.
        let taken = admin.post("/admin/users", &[("_csrf", &csrf), ("login", "post01"), ("name", "重名"), ("roles", "post_member"), ("posts", &post)]).await;
        assert_eq!(taken.status.as_u16(), 422, "{}", taken.text());
        let html = taken.text();
        assert!(html.contains("role=\"alert\"") && html.contains("value=\"重名\""), "{html}");
        assert!(html.contains("value=\"post_member\" checked"), "the role box stays checked: {html}");
        assert_eq!(app.store.users().await.expect("users").len(), users_before);
        let r = admin.post("/admin/users", &[
            ("_csrf", &csrf), ("login", "newpost"), ("name", "新岗员"), ("phone", "13800138000"),
            ("email", "newpost@example.cn"), ("locale", "en"), ("roles", "post_member"),
            ("roles", "commissioner"), ("posts", &post), ("grids", "g1"),
        ]).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        assert_eq!(location(&r), "/admin/users?saved");
        let list = admin.get(&location(&r)).await.text();
        assert!(list.contains("newpost") && list.contains("role=\"status\""), "{list}");
        assert!(!list.contains("13800138000") && !list.contains("newpost@example.cn"), "contacts are masked in the list");
        let user = app.store.user_by_login(&Login::parse("newpost").expect("login")).await.expect("lookup").expect("created");
        assert_eq!(user.roles, vec![gridloop_core::Role::PostMember, gridloop_core::Role::Commissioner]);
        assert_eq!((user.posts.len(), user.grids.len(), user.locale.as_str()), (1, 1, "en"));
        // No password yet: signing in fails alike.
        let page = format!("/admin/users/{}", user.id);
        let edit = admin.get(&page).await;
        assert_eq!(edit.status.as_u16(), 200, "{}", edit.text());
        assert!(edit.text().contains("13800138000"), "the admin's edit page shows the number in full");
        let short = admin.post(&format!("{page}/password"), &[("_csrf", &csrf), ("password", "short"), ("password_again", "short")]).await;
        assert_eq!(short.status.as_u16(), 422);
        assert!(short.text().contains("role=\"alert\"") && !short.text().contains("value=\"short\""));
        let differ = admin.post(&format!("{page}/password"), &[("_csrf", &csrf), ("password", PASSWORD), ("password_again", "something else")]).await;
        assert_eq!(differ.status.as_u16(), 422);
        assert!(app.store.password_hash(&user.login).await.expect("lookup").is_none(), "nothing was set");
        let set = admin.post(&format!("{page}/password"), &[("_csrf", &csrf), ("password", PASSWORD), ("password_again", PASSWORD)]).await;
        assert_eq!(set.status.as_u16(), 303, "{}", set.text());
        let mut newcomer = Browser::new(app);
        newcomer.sign_in("newpost").await;
        assert_eq!(location(&newcomer.get("/").await), "/my");
        assert_eq!(newcomer.get("/my").await.status.as_u16(), 200);
    }

    async fn deactivating_a_user_ends_their_web_sessions(app: &TestApp) {
        with_password(app, "admin").await;
        with_password(app, "post01").await;
        let mut member = Browser::new(app);
        member.sign_in("post01").await;
        assert_eq!(member.get("/my").await.status.as_u16(), 200);
        let user = app.store.user_by_login(&Login::parse("post01").expect("login")).await.expect("lookup").expect("demo user");
        assert_eq!(app.store.sessions(user.id).await.expect("sessions").len(), 1);
        let posts: Vec<String> = app.store.posts(None).await.expect("posts").into_iter().filter(|p| user.posts.contains(&p.id)).map(|p| p.code.to_string()).collect();
        let mut admin = Browser::new(app);
        admin.sign_in("admin").await;
        let page = format!("/admin/users/{}", user.id);
        let csrf = admin.csrf(&page).await;
        let mut fields = vec![("_csrf", csrf.as_str()), ("name", user.name.as_str()), ("locale", "zh-CN"), ("roles", "post_member")];
        fields.extend(posts.iter().map(|p| ("posts", p.as_str())));
        // No `active` box: deactivated.
        let r = admin.post(&page, &fields).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        assert!(app.store.sessions(user.id).await.expect("sessions").is_empty(), "the session rows are gone");
        let after = member.get("/my").await;
        assert_eq!(after.status.as_u16(), 303);
        assert!(location(&after).starts_with("/login"));
        let stored = app.store.user(user.id).await.expect("lookup").expect("user");
        assert!(!stored.active);
        assert_eq!(stored.posts, user.posts, "memberships kept");
        // Reactivated, the old session stays ended; the password was kept.
        fields.push(("active", "on"));
        assert_eq!(admin.post(&page, &fields).await.status.as_u16(), 303);
        assert!(location(&member.get("/my").await).starts_with("/login"));
        let mut again = Browser::new(app);
        again.sign_in("post01").await;
        // The last admin cannot lock themselves out: 422 with the alert.
        let me = app.store.user_by_login(&Login::parse("admin").expect("login")).await.expect("lookup").expect("admin");
        let mine = format!("/admin/users/{}", me.id);
        let refused = admin.post(&mine, &[("_csrf", &csrf), ("name", me.name.as_str()), ("roles", "admin")]).await;
        assert_eq!(refused.status.as_u16(), 422, "{}", refused.text());
        assert!(refused.text().contains("role=\"alert\""));
        assert!(app.store.user(me.id).await.expect("lookup").expect("admin").active);
    }

    async fn an_admin_edits_a_categorys_sla_and_sees_it_in_the_list(app: &TestApp) {
        with_password(app, "admin").await;
        let mut admin = Browser::new(app);
        admin.sign_in("admin").await;
        let category = app.store.categories().await.expect("categories")[0].clone();
        let page = format!("/admin/categories/{}", category.id);
        let csrf = admin.csrf(&page).await;
        let unit = app.store.units().await.expect("units")[1].code.to_string();
        let sla = |urgent: (&'static str, &'static str)| {
            vec![
                ("sla_low_response", "480"), ("sla_low_resolve", "9600"),
                ("sla_normal_response", "240"), ("sla_normal_resolve", "4800"),
                ("sla_high_response", "60"), ("sla_high_resolve", "960"),
                ("sla_urgent_response", urgent.0), ("sla_urgent_resolve", urgent.1),
            ]
        };
        let mut fields = vec![("_csrf", csrf.as_str()), ("name", "供电抢修"), ("default_unit", unit.as_str())];
        // Resolution before response: refused whole, nothing changes.
        let mut bad = fields.clone();
        bad.extend(sla(("600", "60")));
        let refused = admin.post(&page, &bad).await;
        assert_eq!(refused.status.as_u16(), 422, "{}", refused.text());
        assert!(refused.text().contains("role=\"alert\"") && refused.text().contains("value=\"600\""));
        let not_a_number = admin.post(&page, &[("_csrf", &csrf), ("name", "x"), ("sla_urgent_response", "soon")]).await;
        assert_eq!(not_a_number.status.as_u16(), 422);
        assert_eq!(app.store.category(category.id).await.expect("lookup").expect("category"), category);
        fields.extend(sla(("15", "240")));
        let r = admin.post(&page, &fields).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let stored = app.store.category(category.id).await.expect("lookup").expect("category");
        let urgent = stored.sla_for(gridloop_core::Priority::Urgent).expect("urgent SLA");
        assert_eq!((urgent.response_minutes(), urgent.resolve_minutes()), (15, 240));
        assert_eq!(stored.name.as_str(), "供电抢修");
        let list = unslash(&admin.get("/admin/categories").await.text());
        assert!(list.contains("供电抢修") && list.contains("15/240"), "{list}");
        // A new category needs every priority's SLA.
        let created = admin.post("/admin/categories", &[("_csrf", &csrf), ("code", "noise"), ("name", "噪音"), ("sla_low_response", "60"), ("sla_low_resolve", "600")]).await;
        assert_eq!(created.status.as_u16(), 422, "{}", created.text());
        let mut complete = vec![("_csrf", csrf.as_str()), ("code", "noise"), ("name", "噪音")];
        complete.extend(sla(("30", "480")));
        assert_eq!(location(&admin.post("/admin/categories", &complete).await), "/admin/categories?saved");
        assert!(admin.get("/admin/categories").await.text().contains("噪音"));
    }

    async fn an_admin_adds_a_visit_plan_and_pauses_it(app: &TestApp) {
        with_password(app, "admin").await;
        let mut admin = Browser::new(app);
        admin.sign_in("admin").await;
        let form = unslash(&admin.get("/admin/visit-plans").await.text());
        assert!(form.contains("value=\"Asia/Shanghai\"") && form.contains("value=\"0 9 * * MON\""), "the API's defaults: {form}");
        let csrf = hidden(&form, "_csrf");
        let enterprise = enterprise_in(app, "g1", 0).await.to_string();
        let before = app.store.visit_plans(None).await.expect("plans").len();
        let plan = |cron: &'static str| {
            vec![("enterprise", enterprise.clone()), ("commissioner", "comm01".to_owned()), ("cron", cron.to_owned()),
                 ("time_zone", "Asia/Shanghai".to_owned()), ("window_minutes", "120".to_owned()), ("reminder_lead_minutes", "60".to_owned())]
        };
        let send = |fields: Vec<(&'static str, String)>| {
            let mut all = vec![("_csrf", csrf.clone())];
            all.extend(fields);
            all
        };
        let bad = send(plan("61 * * * *"));
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = admin.post("/admin/visit-plans", &bad).await;
        assert_eq!(refused.status.as_u16(), 422, "{}", refused.text());
        assert!(refused.text().contains("role=\"alert\"") && refused.text().contains("value=\"61 * * * *\""));
        assert_eq!(app.store.visit_plans(None).await.expect("plans").len(), before);
        let good = send(plan("0 10 * * TUE"));
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = admin.post("/admin/visit-plans", &good).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let plans = app.store.visit_plans(None).await.expect("plans");
        let added = plans.iter().find(|p| p.plan.schedule().expr.to_string() == "0 10 * * TUE").expect("the new plan");
        assert!(added.plan.is_active());
        assert_eq!(added.plan.window_minutes(), 120);
        let paused = admin.post(&format!("/admin/visit-plans/{}/pause", added.id), &[("_csrf", &csrf)]).await;
        assert_eq!(location(&paused), "/admin/visit-plans?saved");
        let plans = app.store.visit_plans(None).await.expect("plans");
        assert!(!plans.iter().find(|p| p.id == added.id).expect("plan").plan.is_active());
        let page = unslash(&admin.get("/admin/visit-plans").await.text());
        assert!(page.contains(&format!("/admin/visit-plans/{}/resume", added.id)), "{page}");
        admin.post(&format!("/admin/visit-plans/{}/resume", added.id), &[("_csrf", &csrf)]).await;
        let plans = app.store.visit_plans(None).await.expect("plans");
        assert!(plans.iter().find(|p| p.id == added.id).expect("plan").plan.is_active());
    }

    async fn an_admin_pauses_resumes_and_removes_schedules(app: &TestApp) {
        use gridloop_core::{CronExpr, Misfire, Schedule};
        use gridloop_app::clock::Clock as _;
        with_password(app, "admin").await;
        let now = app.clock.now();
        for name in ["weekly-report", "nightly-extra"] {
            app.store.add_schedule(&gridloop_store::NewSchedule {
                name: name.to_owned(),
                schedule: Schedule::new(CronExpr::parse("0 3 * * *").expect("cron"), chrono_tz::Asia::Shanghai),
                job_kind: "visits.materialise".to_owned(),
                payload: json!({}),
                misfire: Misfire::Skip,
            }, now).await.expect("add schedule");
        }
        let mut admin = Browser::new(app);
        admin.sign_in("admin").await;
        let list = admin.get("/admin/schedules").await.text();
        assert!(list.contains("nightly-extra") && list.contains("03:00"), "next run in local time: {list}");
        let csrf = hidden(&list, "_csrf");
        let r = admin.post("/admin/schedules/pause", &[("_csrf", &csrf), ("name", "nightly-extra")]).await;
        assert_eq!(location(&r), "/admin/schedules?saved");
        assert!(app.store.schedule_by_name("nightly-extra").await.expect("lookup").expect("schedule").paused);
        admin.post("/admin/schedules/resume", &[("_csrf", &csrf), ("name", "nightly-extra")]).await;
        assert!(!app.store.schedule_by_name("nightly-extra").await.expect("lookup").expect("schedule").paused);
        // A built-in schedule is paused, never removed.
        let refused = admin.post("/admin/schedules/remove", &[("_csrf", &csrf), ("name", "weekly-report")]).await;
        assert_eq!(refused.status.as_u16(), 422);
        assert!(refused.text().contains("role=\"alert\""));
        assert!(app.store.schedule_by_name("weekly-report").await.expect("lookup").is_some());
        let removed = admin.post("/admin/schedules/remove", &[("_csrf", &csrf), ("name", "nightly-extra")]).await;
        assert_eq!(location(&removed), "/admin/schedules?saved");
        assert!(app.store.schedule_by_name("nightly-extra").await.expect("lookup").is_none());
        let unknown = admin.post("/admin/schedules/pause", &[("_csrf", &csrf), ("name", "nothing-such")]).await;
        assert_eq!(unknown.status.as_u16(), 404);
    }
}
