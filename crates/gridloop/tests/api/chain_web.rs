//! The chain's web pages (needs and offers, positions) over HTTP on the demo park: a need posted
//! through the form, listed and found by a Chinese search without spaces; the offcut need's
//! suggestions with the recycler's offer first and its link to introduce the pair; bad input said
//! in the page's language with nothing written; another grid's listing not found; a need raised
//! from a visit, which the listing remembers.

use gridloop_core::Calendar;
use serde_json::Value;

use crate::both;
use crate::support::{now, TestApp};
use crate::web::{hidden, location, unslash, with_password, Browser};

/// The number of listings in the park, as the dispatcher (who sees all) reads them.
async fn listing_count(app: &TestApp) -> usize {
    app.get("/api/v1/listings?limit=200", Some("dispatch"))
        .await
        .expect(200)
        .json()["items"]
        .as_array()
        .expect("items")
        .len()
}

async fn listing(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/listings/{id}"), Some("dispatch"))
        .await
        .expect(200)
        .json()
}

/// A listing's id from the address the form sent the browser to.
fn posted_id(path: &str) -> i64 {
    path.strip_prefix("/chain/listings/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a listing's page: {path}"))
}

/// The fields of the offcut-like need the tests post for enterprise 2 (grid g1).
fn need_fields<'a>(csrf: &'a str, valid_until: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("side", "need"),
        ("kind", "byproduct_buyer"),
        ("enterprise", "2"),
        ("title", "寻找铝屑回收企业"),
        ("text", "机加工每月产生铝屑约10吨，希望就近回收再生"),
        ("quantity", "每月约10吨"),
        ("tags", "铝屑，边角料"),
        ("valid_until", valid_until),
    ]
}

both! {
    async fn a_need_posted_through_the_form_is_listed_and_found_by_a_chinese_search(app: &TestApp) {
        with_password(app, "comm01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("comm01").await;
        let form = browser.get("/chain/listings/new?enterprise=2&kind=need").await;
        assert_eq!(form.status.as_u16(), 200, "{}", form.text());
        let html = unslash(&form.text());
        assert!(html.contains("<a href=\"/chain/listings\" aria-current=\"page\">供需</a>"), "{html}");
        for link in ["/chain/matches", "/chain/events", "/chain/map"] {
            assert!(html.contains(&format!("href=\"{link}\"")), "{link}");
        }
        assert!(html.contains(">产业链</a>"), "the main menu's entry");
        assert!(html.contains("<option value=\"2\" selected>"), "the enterprise asked for");
        assert!(html.contains("value=\"need\" checked"));
        let csrf = hidden(&html, "_csrf");

        let posted = browser.post("/chain/listings", &need_fields(&csrf, "2027-01-31")).await;
        assert_eq!(posted.status.as_u16(), 303, "{}", posted.text());
        let id = posted_id(&location(&posted));
        let stored = listing(app, id).await;
        assert_eq!(stored["side"], "need");
        assert_eq!(stored["tags"], serde_json::json!(["边角料", "铝屑"]));
        assert_eq!(stored["visit"], Value::Null);

        // Found by a search of Chinese text without spaces, and by its filters.
        let found = browser.get("/chain/listings?q=%E9%93%9D%E5%B1%91%E5%9B%9E%E6%94%B6").await; // 铝屑回收
        assert_eq!(found.status.as_u16(), 200);
        let text = found.text();
        assert!(text.contains(&format!("data-listing=\"{id}\"")), "{text}");
        assert!(!text.contains("data-listing=\"1\""), "the offcut need says nothing of 铝屑");
        let filtered = browser.get("/chain/listings?side=need&kind=byproduct_buyer&grid=g1&status=open").await;
        assert!(filtered.text().contains(&format!("data-listing=\"{id}\"")));
        let offers = browser.get("/chain/listings?side=offer").await;
        assert!(!offers.text().contains(&format!("data-listing=\"{id}\"")));

        // Its page: the need, its suggestions, a withdraw button that works once.
        let page = browser.get(&format!("/chain/listings/{id}")).await;
        assert_eq!(page.status.as_u16(), 200);
        let html = page.text();
        assert!(html.contains("寻找铝屑回收企业") && html.contains("data-listing-status=\"open\""));
        assert!(html.contains("data-suggestion="), "{html}");
        let withdrawn = browser.post(&format!("/chain/listings/{id}/withdraw"), &[("_csrf", &csrf)]).await;
        assert_eq!(withdrawn.status.as_u16(), 303);
        assert_eq!(listing(app, id).await["status"], "withdrawn");
        let again = browser.post(&format!("/chain/listings/{id}/withdraw"), &[("_csrf", &csrf)]).await;
        assert_eq!(again.status.as_u16(), 422);
        assert!(again.text().contains("role=\"alert\""));
    }

    async fn the_offcut_need_shows_the_recyclers_offer_first_with_a_link_to_introduce_them(app: &TestApp) {
        with_password(app, "comm01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("comm01").await;
        let offer = listing(app, 2).await;
        let recycler = offer["enterprise"].as_i64().expect("enterprise");
        let page = browser.get("/chain/listings/1").await;
        assert_eq!(page.status.as_u16(), 200);
        let html = unslash(&page.text());
        let first = html.find("<li data-suggestion=").expect("suggestions");
        let first = &html[first..];
        assert!(
            first.starts_with(&format!(
                "<li data-suggestion=\"offer\" data-enterprise=\"{recycler}\" data-offer=\"2\">"
            )),
            "{first}"
        );
        let end = first.find("</li>").expect("end");
        let item = &first[..end];
        assert!(item.contains("边角料回收再生为合金锭"));
        assert!(item.contains("再生铝"), "the one-line reason: {item}");
        assert!(
            item.contains(&format!("href=\"/chain/matches/new?need=1&amp;enterprise={recycler}&amp;offer=2\"")),
            "{item}"
        );
        // In English, the reason too.
        browser.get("/lang/en?next=/chain/listings/1").await;
        let html = browser.get("/chain/listings/1").await.text();
        assert!(html.contains("Suggested matches"));
        assert!(html.contains("再生铝 is downstream of 铝加工"), "{html}");
    }

    async fn bad_input_is_said_in_the_pages_language_and_writes_nothing(app: &TestApp) {
        with_password(app, "comm01").await;
        let before = listing_count(app).await;
        let mut browser = Browser::new(app);
        browser.sign_in("comm01").await;
        let csrf = browser.csrf("/chain/listings/new").await;
        let mut fields = need_fields(&csrf, "2026-11-01");
        fields.retain(|(k, _)| *k != "title");
        fields.push(("title", " "));
        let refused = browser.post("/chain/listings", &fields).await;
        assert_eq!(refused.status.as_u16(), 422);
        let html = refused.text();
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains("以下内容有误") && html.contains("标题") && html.contains("有效期至"), "{html}");
        assert!(html.contains("机加工每月产生铝屑约10吨"), "what was typed comes back");
        // An enterprise out of the commissioner's grids, a side that is neither.
        let mut fields = need_fields(&csrf, "2027-01-31");
        fields.retain(|(k, _)| *k != "enterprise");
        fields.push(("enterprise", "42"));
        let out = browser.post("/chain/listings", &fields).await;
        assert_eq!(out.status.as_u16(), 422);
        assert!(out.text().contains("企业"));
        let mut fields = need_fields(&csrf, "2027-01-31");
        fields.retain(|(k, _)| *k != "side");
        fields.push(("side", "wish"));
        assert_eq!(browser.post("/chain/listings", &fields).await.status.as_u16(), 422);
        // In English.
        browser.get("/lang/en?next=/").await;
        let fields = need_fields(&csrf, "2028-01-01");
        let english = browser.post("/chain/listings", &fields).await;
        assert_eq!(english.status.as_u16(), 422);
        let html = english.text();
        assert!(html.contains("Please correct") && html.contains("Valid until"), "{html}");
        // A search of one character is refused above an empty list.
        let bad = browser.get("/chain/listings?q=%E9%93%9D").await; // 铝
        assert_eq!(bad.status.as_u16(), 422);
        assert!(bad.text().contains("role=\"alert\""));
        let stranger = browser.get("/chain/listings?cursor=i12").await;
        assert_eq!(stranger.status.as_u16(), 422, "a cursor no page of ours gave");
        let unknown = browser.get("/chain/listings?stage=mining&grid=g99").await;
        assert_eq!(unknown.status.as_u16(), 422);
        assert_eq!(listing_count(app).await, before, "nothing written");
    }

    async fn the_list_is_paged_fifty_at_a_time_keeping_its_filters(app: &TestApp) {
        for i in 0..45 {
            let body = serde_json::json!({
                "side": "need", "kind": "labour", "enterprise": 2,
                "title": format!("招聘操作工 {i}"), "text": "旺季需要临时操作工",
                "valid_until": "2027-01-31",
            });
            app.post_json("/api/v1/listings", Some("comm01"), &body).await.expect(201);
        }
        with_password(app, "dispatch").await;
        let mut browser = Browser::new(app);
        browser.sign_in("dispatch").await;
        let rows = |html: &str| html.matches("<tr data-listing=").count();
        let first = browser.get("/chain/listings?side=need").await.text();
        assert_eq!(rows(&first), 50);
        let marker = "href=\"/chain/listings?";
        let next = unslash(&first);
        let start = next.find(marker).expect("a next page") + "href=\"".len();
        let end = next[start..].find('"').expect("end") + start;
        let link = next[start..end].replace("&amp;", "&");
        assert!(link.starts_with("/chain/listings?side=need&cursor="), "{link}");
        let second = browser.get(&link).await.text();
        let needs = listing_count(app).await - 2; // the demo's dozen holds at least two offers
        assert!(rows(&second) > 0 && rows(&second) <= needs - 50, "{}", rows(&second));
        assert!(second.contains("data-side=\"need\"") && !second.contains("data-side=\"offer\""));
        assert!(second.contains("href=\"/chain/listings?side=need\""), "back to the first page");
    }

    async fn another_grids_listing_and_enterprise_are_not_found(app: &TestApp) {
        with_password(app, "post20").await;
        let mut browser = Browser::new(app);
        browser.sign_in("post20").await;
        let theirs = browser.get("/chain/listings/1").await;
        assert_eq!(theirs.status.as_u16(), 404);
        let none = browser.get("/chain/listings/999999").await;
        assert_eq!(none.status.as_u16(), 404);
        assert_eq!(theirs.text(), none.text(), "not found, whatever the reason");
        assert_eq!(browser.get("/chain/listings/x").await.status.as_u16(), 404);
        let list = browser.get("/chain/listings").await.text();
        assert!(!list.contains("data-listing=\"1\""));
        let csrf = browser.csrf("/chain/listings").await;
        let withdraw = browser.post("/chain/listings/1/withdraw", &[("_csrf", &csrf)]).await;
        assert_eq!(withdraw.status.as_u16(), 404);
        assert_eq!(listing(app, 1).await["status"], "open");
        assert_eq!(browser.get("/chain/positions/2").await.status.as_u16(), 404);
    }

    async fn a_position_is_shown_and_set_by_a_commissioner_of_the_grid(app: &TestApp) {
        with_password(app, "comm01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("comm01").await;
        let page = browser.get("/chain/positions/2").await;
        assert_eq!(page.status.as_u16(), 200);
        let html = page.text();
        assert!(html.contains("铝加工"), "{html}");
        let csrf = hidden(&html, "_csrf");
        let fields = [
            ("_csrf", csrf.as_str()),
            ("stage", "processing"),
            ("products", "铝型材"),
            ("materials", "铝棒，边角料"),
            ("capabilities", ""),
        ];
        let saved = browser.post("/chain/positions/2", &fields).await;
        assert_eq!(saved.status.as_u16(), 303, "{}", saved.text());
        let position = app.get("/api/v1/chain/positions/2", Some("comm01")).await.expect(200).json();
        assert_eq!(position["materials"], serde_json::json!(["边角料", "铝棒"]));
        let bad = browser
            .post("/chain/positions/2", &[("_csrf", csrf.as_str()), ("stage", "mining")])
            .await;
        assert_eq!(bad.status.as_u16(), 422);
        assert!(bad.text().contains("产业链环节"));
        let kept = app.get("/api/v1/chain/positions/2", Some("comm01")).await.expect(200).json();
        assert_eq!(kept["materials"], serde_json::json!(["边角料", "铝棒"]), "nothing written");
    }

    async fn a_need_raised_from_a_visit_remembers_the_visit(app: &TestApp) {
        gridloop_scheduler::visits::materialise_all(&app.store, &Calendar::default_china(), now())
            .await
            .expect("materialise");
        with_password(app, "comm01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("comm01").await;
        let visits = unslash(&browser.get("/visits").await.text());
        let marker = "/chain/listings/new?enterprise=";
        let start = visits.find(marker).expect("a link to raise a need");
        let end = visits[start..].find('"').expect("end") + start;
        let link = visits[start..end].replace("&amp;", "&");
        assert!(link.contains("&kind=need&visit="), "{link}");
        let visit: i64 = link.rsplit('=').next().and_then(|v| v.parse().ok()).expect("visit");
        let enterprise = link[marker.len()..].split('&').next().expect("enterprise").to_owned();
        let form = browser.get(&link).await;
        assert_eq!(form.status.as_u16(), 200);
        let html = form.text();
        assert!(html.contains(&format!("name=\"visit\" value=\"{visit}\"")), "{html}");
        let csrf = hidden(&html, "_csrf");
        let visit_s = visit.to_string();
        let mut fields = need_fields(&csrf, "2027-01-31");
        fields.retain(|(k, _)| *k != "enterprise");
        fields.push(("enterprise", enterprise.as_str()));
        fields.push(("visit", visit_s.as_str()));

        // Another enterprise than the visit's, or someone else's visit: refused, nothing written.
        let before = listing_count(app).await;
        let other = if enterprise == "2" { "3" } else { "2" };
        let mut elsewhere = fields.clone();
        elsewhere.retain(|(k, _)| *k != "enterprise");
        elsewhere.push(("enterprise", other));
        let refused = browser.post("/chain/listings", &elsewhere).await;
        assert_eq!(refused.status.as_u16(), 422);
        assert!(refused.text().contains("走访"), "{}", refused.text());
        let theirs = app.get("/api/v1/visits", Some("comm02")).await.expect(200).json();
        let theirs = theirs[0]["id"].as_i64().expect("comm02's visit").to_string();
        let mut stolen = fields.clone();
        stolen.retain(|(k, _)| *k != "visit");
        stolen.push(("visit", theirs.as_str()));
        assert_eq!(browser.post("/chain/listings", &stolen).await.status.as_u16(), 422);
        assert_eq!(listing_count(app).await, before);

        let posted = browser.post("/chain/listings", &fields).await;
        assert_eq!(posted.status.as_u16(), 303, "{}", posted.text());
        let id = posted_id(&location(&posted));
        assert_eq!(listing(app, id).await["visit"], visit);
        let page = browser.get(&format!("/chain/listings/{id}")).await.text();
        assert!(page.contains(&format!("data-visit=\"{visit}\"")));

        // The API takes the visit too.
        let body = serde_json::json!({
            "side": "offer", "kind": "capacity", "enterprise": enterprise.parse::<i64>().expect("id"),
            "title": "富余挤压产能", "text": "两条挤压线夜班空闲", "valid_until": "2027-01-31",
            "visit": visit,
        });
        let posted = app.post_json("/api/v1/listings", Some("comm01"), &body).await.expect(201).json();
        assert_eq!(posted["visit"], visit);
    }
}
