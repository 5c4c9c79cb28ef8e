//! Open311 GeoReport v2 under `/open311/v2`: every resource in JSON and XML, reports through
//! form-encoded and multipart bodies, the spec's error shape, and what is (not) stored.

use bytes::Bytes;
use chrono::Duration;
use gridloop_app::clock::Clock;
use gridloop_core::{
    ActionFields, ActionKind, Code, Issue, IssueId, Login, Name, Role, Satisfaction,
};
use gridloop_core::{Note, Reason, Source, Status};
use gridloop_store::{ActionRequest, IssueFilter, NewUser};
use hyper::Method;
use serde_json::Value;

use crate::both;
use crate::support::{now, Reply, TestApp};

const BASE: &str = "/open311/v2";

// ---------------------------------------------------------------------------------------------
// Helpers

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn form(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

const BOUNDARY: &str = "----gridloop-open311-test-boundary";

/// A multipart body by hand, with a file part that the server must skip.
fn multipart(fields: &[(String, String)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n\u{1}\u{2}binary\r\n--{BOUNDARY}--\r\n"
        )
        .as_bytes(),
    );
    body
}

async fn post_form(app: &TestApp, path: &str, fields: &[(String, String)]) -> Reply {
    app.send(
        Method::POST,
        path,
        None,
        &[("content-type", "application/x-www-form-urlencoded")],
        form(fields),
    )
    .await
}

async fn post_multipart(app: &TestApp, path: &str, fields: &[(String, String)]) -> Reply {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    app.send(
        Method::POST,
        path,
        None,
        &[("content-type", content_type.as_str())],
        Bytes::from(multipart(fields)),
    )
    .await
}

/// A complete, valid request for the `roads` service on enterprise 1, keyed with `key`.
fn request(key: &str) -> Vec<(String, String)> {
    [
        ("api_key", key),
        ("service_code", "roads"),
        ("lat", "29.5647"),
        ("long", "106.5507"),
        ("address_string", "金桥工业园区铝城大道8号"),
        ("attribute[enterprise]", "1"),
        ("email", "Zhang.San@Example.COM"),
        ("phone", "138 1234 5678"),
        ("first_name", "三"),
        ("last_name", "张"),
        ("media_url", "https://img.example.com/road.jpg"),
        (
            "description",
            "厂门口道路被货车压坏\n雨天积水，货车无法进出。",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn without(mut fields: Vec<(String, String)>, name: &str) -> Vec<(String, String)> {
    fields.retain(|(k, _)| k != name);
    fields
}

fn with(fields: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    let mut fields = without(fields, name);
    fields.push((name.to_owned(), value.to_owned()));
    fields
}

/// The demo Open311 client's key (scope `open311`).
async fn key(app: &TestApp) -> String {
    app.open311_key("open311").await
}

/// `path` with the demo client's `api_key` added to its query string.
async fn keyed(app: &TestApp, path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}api_key={}", key(app).await)
}

async fn all_issues(app: &TestApp) -> Vec<Issue> {
    app.store
        .list_issues(&IssueFilter::default(), 500, None)
        .await
        .expect("list")
        .items
}

/// Posts a valid request (JSON) and returns the new issue's id.
async fn report(app: &TestApp, fields: &[(String, String)]) -> IssueId {
    let reply = post_form(app, &format!("{BASE}/requests.json"), fields).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_owned();
    id.parse().expect("an issue id")
}

fn assert_json(reply: &Reply) -> Value {
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/json")
    );
    reply.json()
}

fn assert_xml(reply: &Reply) -> String {
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("text/xml; charset=utf-8")
    );
    let text = reply.text();
    assert!(
        text.starts_with(r#"<?xml version="1.0" encoding="utf-8"?>"#),
        "{text}"
    );
    text
}

/// Every text of `<tag>…</tag>` in a document, in order (loose: no attributes, no nesting of
/// the same tag).
fn xml_values(text: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(after[..end].to_owned());
        rest = &after[end + close.len()..];
    }
    out
}

/// The spec's error shape, in the format asked for, with the matching status.
fn assert_error(reply: &Reply, status: u16, xml: bool) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text());
    if xml {
        let text = assert_xml(reply);
        assert!(
            text.contains(&format!(
                "<errors><error><code>{status}</code><description>"
            )),
            "{text}"
        );
    } else {
        let body = assert_json(reply);
        assert_eq!(body[0]["code"], status, "{body}");
        assert!(
            body[0]["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{body}"
        );
    }
}

async fn act(app: &TestApp, id: IssueId, login: &str, kind: ActionKind, fields: ActionFields) {
    let actor = app
        .store
        .actor(&Login::parse(login).expect("login"))
        .await
        .expect("actor");
    app.store
        .act(
            &gridloop_core::Workflow::new(gridloop_core::Calendar::default_china()),
            id,
            &actor,
            ActionRequest {
                kind,
                fields,
                expected_version: None,
            },
            app.clock.now(),
        )
        .await
        .expect("act");
}

// ---------------------------------------------------------------------------------------------
// Tests

both! {
    async fn discovery_answers_in_json_and_in_xml(app: &TestApp) {
        let json = assert_json(&app.get(&format!("{BASE}/discovery.json"), None).await);
        let endpoint = &json["endpoints"][0];
        assert_eq!(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2");
        assert!(endpoint["url"].as_str().is_some_and(|u| u.ends_with("/open311/v2")), "{json}");
        assert_eq!(endpoint["formats"], serde_json::json!(["text/xml", "application/json"]));
        let xml = assert_xml(&app.get(&format!("{BASE}/discovery.xml"), None).await);
        assert!(xml.contains("<discovery><changeset>"), "{xml}");
        assert_eq!(xml_values(&xml, "format"), ["text/xml", "application/json"]);
        assert_eq!(xml_values(&xml, "type"), ["production"]);
    }

    async fn the_service_list_has_one_service_per_category_in_both_formats(app: &TestApp) {
        let categories = app.store.categories().await.expect("categories");
        let codes: Vec<String> = categories.iter().map(|c| c.code.as_str().to_owned()).collect();
        let json = assert_json(&app.get(&format!("{BASE}/services.json"), None).await);
        let listed: Vec<String> = json
            .as_array()
            .expect("an array")
            .iter()
            .map(|s| s["service_code"].as_str().expect("code").to_owned())
            .collect();
        assert_eq!(listed, codes);
        let roads = &json[0];
        assert_eq!(roads["service_name"], "道路交通");
        assert_eq!(roads["metadata"], true);
        assert_eq!(roads["type"], "realtime");
        assert_eq!(roads["group"], "区交通运输委员会");
        assert!(roads["keywords"].as_str().is_some_and(|k| k.contains("roads")));
        let xml = assert_xml(&app.get(&format!("{BASE}/services.xml"), None).await);
        assert!(xml.contains("<services><service><service_code>roads</service_code>"), "{xml}");
        assert_eq!(xml_values(&xml, "service_code"), codes);
        assert_eq!(xml_values(&xml, "metadata").len(), codes.len());
    }

    async fn a_service_definition_offers_the_enterprises_as_a_required_list(app: &TestApp) {
        let enterprises = app.store.enterprises(None).await.expect("enterprises");
        let json = assert_json(&app.get(&format!("{BASE}/services/power.json"), None).await);
        assert_eq!(json["service_code"], "power");
        let enterprise = &json["attributes"][0];
        assert_eq!(enterprise["code"], "enterprise");
        assert_eq!(enterprise["datatype"], "singlevaluelist");
        assert_eq!(enterprise["required"], true);
        assert_eq!(enterprise["variable"], true);
        assert_eq!(enterprise["order"], 1);
        assert!(enterprise["description"].as_str().is_some());
        assert!(enterprise["datatype_description"].as_str().is_some());
        let values = enterprise["values"].as_array().expect("values");
        assert_eq!(values.len(), enterprises.len());
        assert_eq!(values[0]["key"], enterprises[0].id.to_string());
        assert_eq!(values[0]["name"], enterprises[0].name.as_str());
        assert_eq!(json["attributes"][1]["code"], "priority");
        assert_eq!(json["attributes"][1]["required"], false);

        let xml = assert_xml(&app.get(&format!("{BASE}/services/power.xml"), None).await);
        assert!(xml.contains("<service_definition><service_code>power</service_code><attributes><attribute>"), "{xml}");
        assert_eq!(xml_values(&xml, "datatype"), ["singlevaluelist", "singlevaluelist"]);
        assert_eq!(xml_values(&xml, "required"), ["true", "false"]);
        assert_eq!(xml_values(&xml, "key").len(), enterprises.len() + 4);

        assert_error(&app.get(&format!("{BASE}/services/nothing.json"), None).await, 404, false);
        assert_error(&app.get(&format!("{BASE}/services/nothing.xml"), None).await, 404, true);
        assert_error(&app.get(&format!("{BASE}/services/power.html"), None).await, 404, false);
    }

    async fn a_form_encoded_request_keyed_in_the_body_enters_the_loop_as_reported(app: &TestApp) {
        let key = key(app).await;
        let reply = post_form(app, &format!("{BASE}/requests.json"), &request(&key)).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        let json = assert_json(&reply);
        let id: IssueId = json[0]["service_request_id"].as_str().expect("id").parse().expect("id");
        assert!(json[0]["service_notice"].as_str().is_some_and(|n| !n.is_empty()));

        let issue = app.store.issue(id).await.expect("read").expect("stored");
        let open311 = app.store.user_by_login(&Login::parse("open311").expect("valid")).await.expect("valid").expect("valid");
        assert_eq!(issue.status, Status::Reported);
        assert_eq!(issue.source, Source::Open311);
        assert_eq!(issue.reporter, Some(open311.id));
        assert_eq!(issue.enterprise.get(), 1);
        assert_eq!(issue.title.as_str(), "厂门口道路被货车压坏");
        assert_eq!(issue.description.as_str(), "厂门口道路被货车压坏\n雨天积水，货车无法进出。");
        assert_eq!(issue.created_at, now());

        let details = app.store.open311_details(&[id]).await.expect("details");
        let (_, d) = &details[0];
        assert_eq!(d.lat, Some(29.5647));
        assert_eq!(d.long, Some(106.5507));
        assert_eq!(d.address_string.as_deref(), Some("金桥工业园区铝城大道8号"));
        let phone = d.phone.as_ref().expect("phone");
        assert_eq!(phone.given(), "138 1234 5678");
        assert_eq!(phone.e164().map(|p| p.as_str()), Some("+8613812345678"));
        assert_eq!(d.email.as_ref().map(|e| e.as_str()), Some("Zhang.San@example.com"));
        assert_eq!(d.first_name.as_deref(), Some("三"));
        assert_eq!(d.last_name.as_deref(), Some("张"));
        assert_eq!(d.media_url.as_deref(), Some("https://img.example.com/road.jpg"));
        let shown = format!("{d:?}");
        assert!(!shown.contains("13812345678") && !shown.contains("Zhang.San") && !shown.contains('张'), "{shown}");

        // The XML answer of a POST, and a request located by an address id alone.
        let fields = without(without(without(request(&key), "lat"), "long"), "address_string");
        let fields = with(with(fields, "address_id", "JQ-0008"), "description", "");
        let reply = post_form(app, &format!("{BASE}/requests.xml"), &fields).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        let xml = assert_xml(&reply);
        assert!(xml.contains("<service_requests><request><service_request_id>"), "{xml}");
        let second: IssueId = xml_values(&xml, "service_request_id")[0].parse().expect("id");
        let second = app.store.issue(second).await.expect("valid").expect("valid");
        assert_eq!(second.title.as_str(), "道路交通", "no description: the service's name");
    }

    async fn a_multipart_request_keyed_in_the_query_string_is_accepted(app: &TestApp) {
        let key = key(app).await;
        let fields = with(without(request(&key), "api_key"), "attribute[priority]", "urgent");
        let reply = post_multipart(app, &format!("{BASE}/requests.xml?api_key={key}"), &fields).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        let xml = assert_xml(&reply);
        let id: IssueId = xml_values(&xml, "service_request_id")[0].parse().expect("id");
        let issue = app.store.issue(id).await.expect("valid").expect("valid");
        assert_eq!(issue.priority.as_str(), "urgent");
        assert_eq!(issue.source, Source::Open311);

        // Multipart with the key in the body, JSON answer.
        let reply = post_multipart(app, &format!("{BASE}/requests.json"), &request(&key)).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        // Form-encoded with the key in the query.
        let reply = post_form(app, &format!("{BASE}/requests.json?api_key={key}"), &without(request(&key), "api_key")).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        assert_eq!(all_issues(app).await.len(), 3);
    }

    async fn requests_without_an_enterprise_key_are_forbidden_and_store_nothing(app: &TestApp) {
        let key = key(app).await;
        let path = format!("{BASE}/requests.json");
        assert_error(&post_form(app, &path, &without(request(&key), "api_key")).await, 403, false);
        assert_error(&post_form(app, &format!("{BASE}/requests.xml"), &without(request(&key), "api_key")).await, 403, true);
        assert_error(&post_form(app, &path, &with(request(&key), "api_key", "")).await, 403, false);
        assert_error(&post_form(app, &path, &with(request(&key), "api_key", "not-a-key")).await, 403, false);
        let forged = format!("glt_{}", "0".repeat(64));
        assert_error(&post_form(app, &path, &with(request(&key), "api_key", &forged)).await, 403, false);
        // A post member's token is a real key, but not of an enterprise user.
        let post = app.token("post01").await;
        assert_error(&post_form(app, &path, &request(&post)).await, 403, false);
        // An enterprise user may report only for the enterprises it speaks for.
        app.store
            .create_user(NewUser {
                login: Login::parse("acme").expect("valid"),
                name: Name::parse("某企业联系人").expect("valid"),
                phone: None,
                email: None,
                locale: "zh-CN".into(),
                roles: vec![Role::Enterprise],
                posts: vec![],
                units: vec![],
                grids: vec![],
                enterprises: vec![gridloop_core::EnterpriseId::new(2).expect("valid")],
            })
            .await
            .expect("user");
        let acme = app.open311_key("acme").await;
        let reply = post_form(app, &path, &request(&acme)).await;
        assert_error(&reply, 403, false);
        assert!(reply.json()[0]["description"].as_str().expect("valid").contains("enterprise 1"));
        assert!(all_issues(app).await.is_empty(), "nothing stored");
        // The same user for its own enterprise is fine.
        report(app, &with(request(&acme), "attribute[enterprise]", "2")).await;
    }

    async fn bad_requests_are_400s_in_the_spec_shape_and_store_nothing(app: &TestApp) {
        let key = key(app).await;
        let json = format!("{BASE}/requests.json");
        let xml = format!("{BASE}/requests.xml");
        let cases: Vec<(&str, Vec<(String, String)>)> = vec![
            ("service_code", without(request(&key), "service_code")),
            ("service_code", with(request(&key), "service_code", "   ")),
            ("location", without(without(without(request(&key), "lat"), "long"), "address_string")),
            ("lat", without(request(&key), "long")),
            ("lat", with(request(&key), "lat", "north")),
            ("long", with(request(&key), "long", "181")),
            ("attribute[enterprise]", without(request(&key), "attribute[enterprise]")),
            ("attribute[enterprise]", with(request(&key), "attribute[enterprise]", "first")),
            ("attribute[enterprise]", with(request(&key), "attribute[enterprise]", "0")),
            ("attribute[enterprise]", with(request(&key), "attribute[enterprise]", "9999")),
            ("attribute[priority]", with(request(&key), "attribute[priority]", "asap")),
            ("description", with(request(&key), "description", &"长".repeat(4001))),
            ("email", with(request(&key), "email", "zhang.at.example.com")),
            ("phone", with(request(&key), "phone", &"1".repeat(101))),
            ("media_url", with(request(&key), "media_url", "javascript:alert(1)")),
        ];
        for (field, fields) in &cases {
            let reply = post_form(app, &json, fields).await;
            assert_error(&reply, 400, false);
            let description = reply.json()[0]["description"].as_str().expect("valid").to_owned();
            let named = field.split('[').next().expect("valid");
            assert!(description.contains(named) || description.contains("location"), "{field}: {description}");
            let reply = post_multipart(app, &xml, fields).await;
            assert_error(&reply, 400, true);
        }
        // An unknown service is the spec's POST 404, in either format.
        for code in ["nothing", "NOT A CODE"] {
            let fields = with(request(&key), "service_code", code);
            let reply = post_form(app, &json, &fields).await;
            assert_error(&reply, 404, false);
            assert!(reply.json()[0]["description"].as_str().expect("valid").contains("service_code"));
            assert_error(&post_multipart(app, &xml, &fields).await, 404, true);
        }
        // A malformed email is named, never echoed.
        let reply = post_form(app, &json, &with(request(&key), "email", "secret-person.example.com")).await;
        assert!(!reply.text().contains("secret-person"), "{}", reply.text());
        // Not a form at all.
        let reply = app
            .send(Method::POST, &json, None, &[("content-type", "application/json")], "{}")
            .await;
        assert_error(&reply, 400, false);
        assert!(all_issues(app).await.is_empty(), "nothing stored");
        // The limit itself is fine.
        report(app, &with(request(&key), "description", &"长".repeat(4000))).await;
    }

    async fn listing_requests_filters_by_id_service_status_and_dates(app: &TestApp) {
        let key = key(app).await;
        let at = |days: i64| now() - Duration::days(days);
        app.clock.set(at(100));
        let old = report(app, &request(&key)).await;
        app.clock.set(at(10));
        let roads = report(app, &request(&key)).await;
        app.clock.set(at(0));
        let power = report(app, &with(request(&key), "service_code", "power")).await;
        // Not through Open311: never listed.
        let cli = {
            let actor = app.store.actor(&Login::parse("post01").expect("valid")).await.expect("valid");
            let category = app.store.category_by_code(&Code::parse("roads").expect("valid")).await.expect("valid").expect("valid");
            app.store
                .intake(
                    &gridloop_core::Workflow::new(gridloop_core::Calendar::default_china()),
                    &actor,
                    gridloop_store::NewIssue {
                        enterprise: gridloop_core::EnterpriseId::new(1).expect("valid"),
                        category: category.id,
                        title: gridloop_core::Title::parse("巡查发现").expect("valid"),
                        description: gridloop_core::Description::parse("").expect("valid"),
                        priority: gridloop_core::Priority::Normal,
                        source: Source::Cli,
                        client_key: None,
                    },
                    now(),
                )
                .await
                .expect("valid")
                .issue
                .id
        };
        act(app, power, "dispatch", ActionKind::Reject, ActionFields {
            reason: Some(Reason::parse("不属于本园区").expect("valid")),
            ..ActionFields::default()
        }).await;

        let ids = |reply: Reply| -> Vec<String> {
            assert_json(&reply)
                .as_array()
                .expect("array")
                .iter()
                .map(|r| r["service_request_id"].as_str().expect("valid").to_owned())
                .collect()
        };
        let s = |id: IssueId| id.to_string();
        let list = |query: &str| format!("{BASE}/requests.json{query}");
        // The last 90 days by default, newest first.
        assert_eq!(ids(app.get(&keyed(app, &list("")).await, None).await), [s(power), s(roads)]);
        // By ids, whatever their age; other sources' ids are not found.
        assert_eq!(
            ids(app.get(&keyed(app, &list(&format!("?service_request_id={old},{roads},{cli}"))).await, None).await),
            [s(roads), s(old)]
        );
        // Ids declared several times count every value, as service codes do.
        assert_eq!(
            ids(app.get(&keyed(app, &list(&format!("?service_request_id={old}&service_request_id={roads},{cli}"))).await, None).await),
            [s(roads), s(old)]
        );
        assert_eq!(ids(app.get(&keyed(app, &list("?service_code=power")).await, None).await), [s(power)]);
        assert_eq!(ids(app.get(&keyed(app, &list("?status=closed")).await, None).await), [s(power)]);
        assert_eq!(ids(app.get(&keyed(app, &list("?status=open")).await, None).await), [s(roads)]);
        assert_eq!(ids(app.get(&keyed(app, &list("?status=open,closed")).await, None).await), [s(power), s(roads)]);
        // A date range, with offsets (the + encoded, or sent bare and read as a space).
        let range = "?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-11-20T00:00:00+08:00";
        assert_eq!(ids(app.get(&keyed(app, &list(range)).await, None).await), [s(roads), s(old)]);
        assert_eq!(ids(app.get(&keyed(app, &list("?start_date=2026-11-01")).await, None).await), [s(power), s(roads)]);
        assert_eq!(ids(app.get(&keyed(app, &list("?end_date=2026-11-20T00:00:00Z")).await, None).await), [s(roads)]);
        assert!(ids(app.get(&keyed(app, &list("?service_code=power&status=open")).await, None).await).is_empty());
        // Several services, comma delimited or the parameter declared again (or both, and one
        // named twice): any of them.
        for query in ["?service_code=roads,power", "?service_code=roads&service_code=power",
                      "?service_code=power,%20roads&service_code=roads"] {
            assert_eq!(ids(app.get(&keyed(app, &list(query)).await, None).await), [s(power), s(roads)], "{query}");
        }
        assert_eq!(ids(app.get(&keyed(app, &list("?service_code=power&service_code=power")).await, None).await), [s(power)]);
        let xml = assert_xml(&app.get(&keyed(app, &format!("{BASE}/requests.xml?service_code=roads&service_code=power&status=open")).await, None).await);
        assert_eq!(xml_values(&xml, "service_request_id"), [s(roads)]);
        let xml = assert_xml(&app.get(&keyed(app, &format!("{BASE}/requests.xml?service_code=power,roads")).await, None).await);
        assert_eq!(xml_values(&xml, "service_request_id"), [s(power), s(roads)]);
        // One unknown code among them is still the client's error, in its format.
        assert_error(&app.get(&keyed(app, &list("?service_code=roads,nothing")).await, None).await, 400, false);
        assert_error(&app.get(&keyed(app, &format!("{BASE}/requests.xml?service_code=roads&service_code=nothing")).await, None).await, 400, true);

        for bad in ["?status=pending", "?start_date=yesterday", "?service_request_id=abc",
                    "?service_code=nothing", "?start_date=2026-11-20&end_date=2026-11-01",
                    "?extensions=maybe"] {
            assert_error(&app.get(&keyed(app, &list(bad)).await, None).await, 400, false);
        }
        // XML lists the same.
        let xml = assert_xml(&app.get(&keyed(app, &format!("{BASE}/requests.xml")).await, None).await);
        assert_eq!(xml_values(&xml, "service_request_id"), [s(power), s(roads)]);
        assert_eq!(xml_values(&xml, "status"), ["closed", "open"]);
    }

    async fn one_request_is_an_array_of_one_in_both_formats_with_its_location(app: &TestApp) {
        let key = key(app).await;
        let id = report(app, &request(&key)).await;
        let json = assert_json(&app.get(&keyed(app, &format!("{BASE}/requests/{id}.json")).await, None).await);
        let all = json.as_array().expect("array");
        assert_eq!(all.len(), 1);
        let r = &all[0];
        assert_eq!(r["service_request_id"], id.to_string());
        assert_eq!(r["status"], "open");
        assert_eq!(r["status_notes"], "reported");
        assert_eq!(r["service_code"], "roads");
        assert_eq!(r["service_name"], "道路交通");
        assert_eq!(r["description"], "厂门口道路被货车压坏\n雨天积水，货车无法进出。");
        assert_eq!(r["requested_datetime"], "2026-11-27T10:00:00+08:00");
        assert_eq!(r["updated_datetime"], "2026-11-27T10:00:00+08:00");
        assert_eq!(r["expected_datetime"], Value::Null);
        assert_eq!(r["agency_responsible"], Value::Null);
        assert_eq!(r["address"], "金桥工业园区铝城大道8号");
        assert_eq!(r["lat"], 29.5647);
        assert_eq!(r["long"], 106.5507);
        assert_eq!(r["media_url"], "https://img.example.com/road.jpg");
        assert!(r.get("extended_attributes").is_none());
        // The requester's contact is never shown.
        let text = json.to_string();
        for secret in ["8613812345678", "Zhang.San", "张", "first_name", "email"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }

        let xml = assert_xml(&app.get(&keyed(app, &format!("{BASE}/requests/{id}.xml")).await, None).await);
        assert!(xml.contains("<service_requests><request><service_request_id>"), "{xml}");
        assert_eq!(xml_values(&xml, "service_request_id"), [id.to_string()]);
        assert_eq!(xml_values(&xml, "lat"), ["29.5647"]);
        assert_eq!(xml_values(&xml, "requested_datetime"), ["2026-11-27T10:00:00+08:00"]);
        assert!(xml.contains("<expected_datetime/>"), "{xml}");

        assert_error(&app.get(&keyed(app, &format!("{BASE}/requests/99999.json")).await, None).await, 404, false);
        assert_error(&app.get(&keyed(app, &format!("{BASE}/requests/99999.xml")).await, None).await, 404, true);
        assert_error(&app.get(&keyed(app, &format!("{BASE}/requests/abc.json")).await, None).await, 404, false);
    }

    async fn a_token_stands_for_the_request_created_at_once(app: &TestApp) {
        let key = key(app).await;
        let id = report(app, &request(&key)).await;
        let json = assert_json(&app.get(&keyed(app, &format!("{BASE}/tokens/{id}.json")).await, None).await);
        assert_eq!(json, serde_json::json!([{"service_request_id": id.to_string(), "token": id.to_string()}]));
        let xml = assert_xml(&app.get(&keyed(app, &format!("{BASE}/tokens/{id}.xml")).await, None).await);
        assert_eq!(xml_values(&xml, "token"), [id.to_string()]);
        assert_eq!(xml_values(&xml, "service_request_id"), [id.to_string()]);
        assert_error(&app.get(&keyed(app, &format!("{BASE}/tokens/424242.xml")).await, None).await, 404, true);
    }

    async fn an_unknown_jurisdiction_is_404_and_the_chain_or_a_blank_one_is_accepted(app: &TestApp) {
        let key = key(app).await;
        for path in ["discovery", "services", "services/roads", "requests"] {
            assert_error(&app.get(&keyed(app, &format!("{BASE}/{path}.json?jurisdiction_id=elsewhere")).await, None).await, 404, false);
            assert_error(&app.get(&keyed(app, &format!("{BASE}/{path}.xml?jurisdiction_id=elsewhere")).await, None).await, 404, true);
            assert_eq!(app.get(&keyed(app, &format!("{BASE}/{path}.json?jurisdiction_id=aluminium")).await, None).await.status, 200);
            assert_eq!(app.get(&keyed(app, &format!("{BASE}/{path}.json?jurisdiction_id=")).await, None).await.status, 200);
        }
        let path = format!("{BASE}/requests.json");
        assert_error(&post_form(app, &path, &with(request(&key), "jurisdiction_id", "elsewhere")).await, 404, false);
        assert!(all_issues(app).await.is_empty(), "nothing stored");
        report(app, &with(request(&key), "jurisdiction_id", "aluminium")).await;
        report(app, &with(request(&key), "jurisdiction_id", "")).await;
        assert_eq!(all_issues(app).await.len(), 2);
    }

    async fn the_status_follows_the_loop_and_extensions_show_the_detailed_state(app: &TestApp) {
        let key = key(app).await;
        let id = report(app, &request(&key)).await;
        let one = |ext: bool| {
            let path = format!("{BASE}/requests/{id}.json?api_key={key}{}", if ext { "&extensions=true" } else { "" });
            async move { assert_json(&app.get(&path, None).await)[0].clone() }
        };
        let transport = app.store.unit_by_code(&Code::parse("transport").expect("valid")).await.expect("valid").expect("valid");
        app.clock.set(now() + Duration::hours(1));
        act(app, id, "dispatch", ActionKind::Accept, ActionFields::default()).await;
        act(app, id, "dispatch", ActionKind::Assign, ActionFields { unit: Some(transport.id), ..ActionFields::default() }).await;
        act(app, id, "transport", ActionKind::Start, ActionFields::default()).await;
        let r = one(false).await;
        assert_eq!(r["status"], "open");
        assert_eq!(r["status_notes"], "in_progress");
        assert_eq!(r["agency_responsible"], "区交通运输委员会");
        let due = app.store.issue(id).await.expect("valid").expect("valid").resolve_due_at.expect("due");
        let expected = r["expected_datetime"].as_str().expect("a deadline").to_owned();
        assert!(expected.ends_with("+08:00"), "{expected}");
        assert_eq!(chrono::DateTime::parse_from_rfc3339(&expected).expect("valid"), due);
        assert_eq!(r["updated_datetime"], "2026-11-27T11:00:00+08:00");
        let r = one(true).await;
        assert_eq!(r["extended_attributes"]["gridloop_status"], "in_progress");
        assert_eq!(r["extended_attributes"]["enterprise_id"], 1);

        act(app, id, "transport", ActionKind::Resolve, ActionFields {
            note: Some(Note::parse("联系王工 13812345678 修复").expect("valid")),
            public_note: Some(Note::parse("路面已修复").expect("valid")),
            ..ActionFields::default()
        }).await;
        act(app, id, "dispatch", ActionKind::Verify, ActionFields { satisfaction: Some(Satisfaction::new(5).expect("valid")), ..ActionFields::default() }).await;
        let r = one(true).await;
        assert_eq!(r["status"], "closed");
        assert_eq!(r["status_notes"], "closed: 路面已修复");
        assert_eq!(r["extended_attributes"]["gridloop_status"], "closed");
        assert_eq!(r["extended_attributes"]["satisfaction"], 5);
        assert!(r["extended_attributes"]["closed_datetime"].as_str().is_some_and(|t| t.ends_with("+08:00")));
        let xml = assert_xml(&app.get(&keyed(app, &format!("{BASE}/requests/{id}.xml?extensions=true")).await, None).await);
        assert_eq!(xml_values(&xml, "status"), ["closed"]);
        assert!(xml.contains("<extended_attributes><gridloop_status>closed</gridloop_status>"), "{xml}");
        let listed = assert_json(&app.get(&keyed(app, &format!("{BASE}/requests.json?status=closed&extensions=true")).await, None).await);
        assert_eq!(listed[0]["extended_attributes"]["gridloop_status"], "closed");
    }

    async fn unknown_resources_and_formats_answer_404_in_the_spec_shape(app: &TestApp) {
        assert_error(&app.get(&format!("{BASE}/nothing.json"), None).await, 404, false);
        assert_error(&app.get(&format!("{BASE}/nothing.xml"), None).await, 404, true);
        assert_error(&app.get(&format!("{BASE}/services"), None).await, 404, false);
        assert_error(&app.get(&format!("{BASE}/a/b/c"), None).await, 404, false);
        assert_error(&post_form(app, &format!("{BASE}/services.json"), &[]).await, 404, false);
        let reply = app.send(Method::DELETE, &format!("{BASE}/requests.json"), None, &[], Bytes::new()).await;
        assert_error(&reply, 405, false);
        // Errors follow the suffix on paths no route knows too.
        assert_error(&app.get(&format!("{BASE}/service/roads.xml"), None).await, 404, true);
        assert_error(&app.get(&format!("{BASE}/service/roads.json"), None).await, 404, false);
        assert_error(&app.get(&format!("{BASE}/a/b/c.XML"), None).await, 404, true);
        assert_error(&post_form(app, &format!("{BASE}/services.xml"), &[]).await, 404, true);
        let reply = app.send(Method::DELETE, &format!("{BASE}/requests.xml"), None, &[], Bytes::new()).await;
        assert_error(&reply, 405, true);
        // A segment that is not text at all is the client's error, in its suffix's format.
        assert_error(&app.get(&format!("{BASE}/requests/%FF.xml"), None).await, 400, true);
        assert_error(&app.get(&format!("{BASE}/services/%FF%FE.json"), None).await, 400, false);
    }

    async fn a_phone_is_free_text_kept_as_given_and_read_as_e164_where_it_parses(app: &TestApp) {
        let key = key(app).await;
        // A Shanghai landline as people write it (JSON), a number libphonenumber cannot place
        // (XML, multipart), and a foreign mobile: all reported, none refused.
        let cases = [
            ("021-64381234", Some("+862164381234"), false),
            ("555-0100", None, true),
            ("+1 415-555-2671", Some("+14155552671"), false),
            ("请打门卫室电话", None, true),
        ];
        for (given, e164, xml) in cases {
            let fields = with(request(&key), "phone", given);
            let id: IssueId = if xml {
                let reply = post_multipart(app, &format!("{BASE}/requests.xml"), &fields).await;
                assert_eq!(reply.status, 201, "{given}: {}", reply.text());
                xml_values(&assert_xml(&reply), "service_request_id")[0].parse().expect("id")
            } else {
                report(app, &fields).await
            };
            let details = app.store.open311_details(&[id]).await.expect("details");
            let phone = details[0].1.phone.as_ref().expect("phone");
            assert_eq!(phone.given(), given);
            assert_eq!(phone.e164().map(|p| p.as_str()), e164, "{given}");
            // Never shown back, in either format.
            for suffix in ["json", "xml"] {
                let text = app.get(&keyed(app, &format!("{BASE}/requests/{id}.{suffix}?extensions=true")).await, None).await.text();
                assert!(!text.contains(given), "{text}");
            }
        }
        assert_eq!(all_issues(app).await.len(), cases.len());
        // Blank is no phone.
        let id = report(app, &with(request(&key), "phone", "  ")).await;
        assert!(app.store.open311_details(&[id]).await.expect("details")[0].1.phone.is_none());
    }
}
