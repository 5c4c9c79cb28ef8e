//! `/api/v1/issues/{id}/attachments`: uploading photos and PDFs, listing, downloading, and
//! every way an upload is refused without leaving anything behind.

use std::fmt::Write as _;

use gridloop_core::{
    ActionFields, ActionKind, Calendar, Code, Description, IssueId, Login, Priority, Source, Title,
    Workflow,
};
use gridloop_store::{ActionRequest, NewIssue};
use hyper::Method;
use sha2::{Digest, Sha256};

use crate::both;
use crate::support::{now, Reply, TestApp};

/// The harness's `attachment_max_bytes`.
const MAX: usize = 10 * 1024 * 1024;

/// A PNG signature and an IHDR chunk: all the server looks at is the signature.
fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(&[0, 0, 0, 13]);
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    bytes.extend_from_slice(&[0x90, 0x77, 0x53, 0xDE]);
    bytes
}

fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = String::new();
    for b in Sha256::digest(bytes) {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// One part of a multipart form.
struct Part {
    name: &'static str,
    filename: Option<&'static str>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

/// The `file` part.
fn file(filename: &'static str, content_type: &'static str, body: Vec<u8>) -> Part {
    Part {
        name: "file",
        filename: Some(filename),
        content_type: Some(content_type),
        body,
    }
}

/// A text part.
fn text(name: &'static str, value: &str) -> Part {
    Part {
        name,
        filename: None,
        content_type: None,
        body: value.as_bytes().to_vec(),
    }
}

const BOUNDARY: &str = "----gridloop-test-boundary-7MA4YWxkTrZu0gW";

fn multipart(parts: Vec<Part>) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(filename) = part.filename {
            let _ = write!(disposition, "; filename=\"{filename}\"");
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(ct) = part.content_type {
            body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.body);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, issue: IssueId, login: Option<&str>, parts: Vec<Part>) -> Reply {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    app.send(
        Method::POST,
        &format!("/api/v1/issues/{issue}/attachments"),
        login,
        &[("content-type", content_type.as_str())],
        multipart(parts),
    )
    .await
}

/// A problem reported by post01 for an enterprise of grid g1, in the power category.
async fn issue_in_g1(app: &TestApp) -> IssueId {
    let actor = app
        .store
        .actor(&Login::parse("post01").expect("login"))
        .await
        .expect("post01");
    let grid = app
        .store
        .grid_by_code(&Code::parse("g1").expect("code"))
        .await
        .expect("grid lookup")
        .expect("grid g1");
    let enterprise = app
        .store
        .enterprises(Some(grid.id))
        .await
        .expect("enterprises")
        .into_iter()
        .next()
        .expect("an enterprise in g1");
    let category = app
        .store
        .category_by_code(&Code::parse("power").expect("code"))
        .await
        .expect("category lookup")
        .expect("category power");
    app.store
        .intake(
            &Workflow::new(Calendar::default_china()),
            &actor,
            NewIssue {
                enterprise: enterprise.id,
                category: category.id,
                title: Title::parse("电线杆倾斜").expect("title"),
                description: Description::parse("厂门口电线杆倾斜，需要扶正").expect("description"),
                priority: Priority::Normal,
                source: Source::Api,
                client_key: None,
            },
            now(),
        )
        .await
        .expect("report")
        .issue
        .id
}

/// Accepts the issue and assigns it to the power unit, as the dispatcher.
async fn assign_to_power(app: &TestApp, issue: IssueId) {
    let workflow = Workflow::new(Calendar::default_china());
    let dispatcher = app
        .store
        .actor(&Login::parse("dispatch").expect("login"))
        .await
        .expect("dispatcher");
    let power = app
        .store
        .unit_by_code(&Code::parse("power").expect("code"))
        .await
        .expect("unit lookup")
        .expect("unit power");
    for (kind, fields) in [
        (ActionKind::Accept, ActionFields::default()),
        (
            ActionKind::Assign,
            ActionFields {
                unit: Some(power.id),
                ..ActionFields::default()
            },
        ),
    ] {
        app.store
            .act(
                &workflow,
                issue,
                &dispatcher,
                ActionRequest {
                    kind,
                    fields,
                    expected_version: None,
                },
                now(),
            )
            .await
            .expect("act");
    }
}

/// The blobs the database keeps.
async fn blobs(app: &TestApp) -> u64 {
    app.store
        .row_counts()
        .await
        .expect("count")
        .into_iter()
        .find(|(t, _)| *t == "attachment_blobs")
        .map_or(0, |(_, n)| n)
}

async fn assert_nothing_stored(app: &TestApp, issue: IssueId) {
    assert!(
        app.store.attachments(issue).await.expect("list").is_empty(),
        "no row"
    );
    assert_eq!(blobs(app).await, 0, "no bytes");
}

both! {
    async fn a_post_member_attaches_a_photo_and_reads_it_back_byte_for_byte(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let bytes = png();
        let reply = upload(app, issue, Some("post01"), vec![
            file("现场 照片.png", "image/png", bytes.clone()),
            text("kind", "before"),
            text("note", "倾斜约 15 度"),
        ])
        .await
        .expect(201);
        let body = reply.json();
        let id = body["id"].as_i64().expect("an id");
        let href = format!("/api/v1/issues/{issue}/attachments/{id}");
        assert_eq!(reply.header("location").as_deref(), Some(href.as_str()));
        assert_eq!(body["href"], href.as_str());
        assert_eq!(body["issue_id"], issue.get());
        assert_eq!(body["content_type"], "image/png");
        assert_eq!(body["size"], bytes.len());
        assert_eq!(body["sha256"], sha256_hex(&bytes).as_str());
        assert_eq!(body["filename"], "现场 照片.png");
        assert_eq!(body["kind"], "before");
        assert_eq!(body["note"], "倾斜约 15 度");
        let post01 = app.store.user_by_login(&Login::parse("post01").expect("login")).await.expect("lookup").expect("post01");
        assert_eq!(body["uploaded_by"], post01.id.get());
        assert_eq!(body["created_at"], "2026-11-27T02:00:00Z");

        let list = app.get(&format!("/api/v1/issues/{issue}/attachments"), Some("post01")).await.expect(200).json();
        assert_eq!(list["items"].as_array().expect("items").len(), 1);
        assert_eq!(list["items"][0], body);

        let download = app.get(&href, Some("post01")).await.expect(200);
        assert_eq!(download.body.as_ref(), bytes.as_slice());
        assert_eq!(download.header("content-type").as_deref(), Some("image/png"));
        assert_eq!(download.header("content-length"), Some(bytes.len().to_string()));
        assert_eq!(download.header("etag"), Some(format!("\"{}\"", sha256_hex(&bytes))));
        assert_eq!(download.header("cache-control").as_deref(), Some("private"));
        assert_eq!(download.header("x-content-type-options").as_deref(), Some("nosniff"));
        assert_eq!(
            download.header("content-disposition").as_deref(),
            Some("inline; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%20%E7%85%A7%E7%89%87.png")
        );
        assert_eq!(app.store.blob(&sha256_hex(&bytes)).await.expect("read").as_deref(), Some(&bytes[..]));
    }

    async fn jpegs_and_pdfs_are_typed_by_their_bytes_not_their_names(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let reply = upload(app, issue, Some("post01"), vec![file("photo.jpg", "image/jpeg", jpeg())]).await.expect(201);
        assert_eq!(reply.json()["content_type"], "image/jpeg");
        // A PDF sent as a JPEG is stored, and served, as the PDF it is.
        let reply = upload(app, issue, Some("post01"), vec![file("scan.jpg", "image/jpeg", pdf())]).await.expect(201);
        let body = reply.json();
        assert_eq!(body["content_type"], "application/pdf");
        assert_eq!(body["kind"], serde_json::Value::Null);
        let download = app.get(body["href"].as_str().expect("href"), Some("dispatch")).await.expect(200);
        assert_eq!(download.header("content-type").as_deref(), Some("application/pdf"));
        assert_eq!(download.body.as_ref(), pdf().as_slice());
    }

    async fn a_file_sent_without_a_usable_name_gets_one_from_its_type(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let reply = upload(app, issue, Some("post01"), vec![file("../..", "application/octet-stream", jpeg())]).await.expect(201);
        assert_eq!(reply.json()["filename"], "attachment.jpg");
        let reply = upload(app, issue, Some("post01"), vec![file("C:\\Users\\li\\evil\u{202E}gpj.pdf", "application/pdf", pdf())]).await.expect(201);
        assert_eq!(reply.json()["filename"], "evilgpj.pdf");
    }

    async fn the_same_bytes_uploaded_twice_are_two_rows_and_one_file(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let first = upload(app, issue, Some("post01"), vec![file("a.png", "image/png", png())]).await.expect(201).json();
        let second = upload(app, issue, Some("post01"), vec![file("b.png", "image/png", png())]).await.expect(201).json();
        assert_ne!(first["id"], second["id"]);
        assert_eq!(first["sha256"], second["sha256"]);
        assert_eq!(app.store.attachments(issue).await.expect("list").len(), 2);
        let sha = sha256_hex(&png());
        assert_eq!(blobs(app).await, 1);
        assert!(app.store.blob(&sha).await.expect("read").is_some());
        // Both rows serve the bytes.
        for body in [first, second] {
            let reply = app.get(body["href"].as_str().expect("href"), Some("post01")).await.expect(200);
            assert_eq!(reply.body.as_ref(), png().as_slice());
        }
    }

    async fn a_handling_unit_attaches_an_after_photo_once_the_issue_is_assigned_to_it(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let after = || vec![file("fixed.jpg", "image/jpeg", jpeg()), text("kind", "after")];
        upload(app, issue, Some("power"), after()).await.expect(404);
        assign_to_power(app, issue).await;
        let body = upload(app, issue, Some("power"), after()).await.expect(201).json();
        assert_eq!(body["kind"], "after");
        // The reporting post sees the unit's photo.
        let list = app.get(&format!("/api/v1/issues/{issue}/attachments"), Some("post01")).await.expect(200).json();
        assert_eq!(list["items"][0]["id"], body["id"]);
    }

    async fn a_text_file_named_jpg_is_refused_as_text_and_nothing_is_stored(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let reply = upload(app, issue, Some("post01"), vec![
            file("photo.jpg", "image/jpeg", b"just some words, not a photo\n".to_vec()),
        ])
        .await
        .expect(415);
        let detail = reply.json()["detail"].as_str().expect("detail").to_owned();
        assert!(detail.contains("text/plain"), "{detail}");
        assert_nothing_stored(app, issue).await;
    }

    async fn a_file_one_byte_over_the_limit_is_413_and_nothing_is_stored(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let mut big = jpeg();
        big.resize(MAX + 1, 0);
        let reply = upload(app, issue, Some("post01"), vec![file("huge.jpg", "image/jpeg", big)]).await.expect(413);
        assert!(reply.json()["detail"].as_str().expect("detail").contains(&MAX.to_string()));
        assert_nothing_stored(app, issue).await;
    }

    async fn a_file_of_exactly_the_limit_is_accepted(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let mut big = jpeg();
        big.resize(MAX, 0x42);
        let body = upload(app, issue, Some("post01"), vec![file("big.jpg", "image/jpeg", big.clone())]).await.expect(201).json();
        assert_eq!(body["size"], MAX);
        let reply = app.get(body["href"].as_str().expect("href"), Some("post01")).await.expect(200);
        assert_eq!(reply.body.len(), MAX);
        assert!(reply.body.as_ref() == big.as_slice());
    }

    async fn a_post_member_of_another_grid_gets_404_as_if_the_issue_did_not_exist(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let id = upload(app, issue, Some("post01"), vec![file("a.png", "image/png", png())]).await.expect(201).json()["id"].clone();
        let reply = upload(app, issue, Some("post20"), vec![file("b.jpg", "image/jpeg", jpeg())]).await.expect(404);
        assert_eq!(reply.json()["detail"], "no such issue");
        app.get(&format!("/api/v1/issues/{issue}/attachments"), Some("post20")).await.expect(404);
        app.get(&format!("/api/v1/issues/{issue}/attachments/{id}"), Some("post20")).await.expect(404);
        assert_eq!(app.store.attachments(issue).await.expect("list").len(), 1);
        assert_eq!(blobs(app).await, 1);
    }

    async fn requests_without_a_token_are_401(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        upload(app, issue, None, vec![file("a.png", "image/png", png())]).await.expect(401);
        app.get(&format!("/api/v1/issues/{issue}/attachments"), None).await.expect(401);
        app.get(&format!("/api/v1/issues/{issue}/attachments/1"), None).await.expect(401);
        assert_nothing_stored(app, issue).await;
    }

    async fn an_unknown_issue_or_attachment_is_404(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let other = issue_in_g1(app).await;
        let missing = IssueId::new(999_999).expect("id");
        upload(app, missing, Some("dispatch"), vec![file("a.png", "image/png", png())]).await.expect(404);
        app.get("/api/v1/issues/999999/attachments", Some("dispatch")).await.expect(404);
        app.get("/api/v1/issues/0/attachments", Some("dispatch")).await.expect(404);
        app.get("/api/v1/issues/abc/attachments", Some("dispatch")).await.expect(404);
        let id = upload(app, issue, Some("post01"), vec![file("a.png", "image/png", png())]).await.expect(201).json()["id"].clone();
        let reply = app.get(&format!("/api/v1/issues/{issue}/attachments/{}", id.as_i64().expect("id") + 1), Some("dispatch")).await.expect(404);
        assert_eq!(reply.json()["detail"], "no such attachment");
        // An attachment is found only under its own issue.
        app.get(&format!("/api/v1/issues/{other}/attachments/{id}"), Some("dispatch")).await.expect(404);
        assert_eq!(app.store.attachments(issue).await.expect("list").len(), 1);
    }

    async fn a_form_without_a_file_part_is_422_and_nothing_is_stored(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let reply = upload(app, issue, Some("post01"), vec![text("kind", "before")]).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "file");
        let reply = upload(app, issue, Some("post01"), vec![]).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "file");
        assert_nothing_stored(app, issue).await;
    }

    async fn a_bad_kind_or_a_second_file_is_422_and_nothing_is_stored(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let reply = upload(app, issue, Some("post01"), vec![file("a.png", "image/png", png()), text("kind", "during")]).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "kind");
        let reply = upload(app, issue, Some("post01"), vec![file("a.png", "image/png", png()), file("b.jpg", "image/jpeg", jpeg())]).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "file");
        let reply = upload(app, issue, Some("post01"), vec![file("a.png", "image/png", png()), text("note", &"长".repeat(501))]).await.expect(422);
        assert_eq!(reply.json()["errors"][0]["field"], "note");
        assert_nothing_stored(app, issue).await;
    }

    async fn a_body_that_is_not_multipart_is_415_and_a_broken_one_400(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let path = format!("/api/v1/issues/{issue}/attachments");
        app.send(Method::POST, &path, Some("post01"), &[("content-type", "image/png")], png()).await.expect(415);
        app.post_json(&path, Some("post01"), &serde_json::json!({"file": "x"})).await.expect(415);
        app.send(Method::POST, &path, Some("post01"), &[], png()).await.expect(415);
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        let mut truncated = multipart(vec![file("a.png", "image/png", png())]);
        truncated.truncate(truncated.len() - 30);
        app.send(Method::POST, &path, Some("post01"), &[("content-type", content_type.as_str())], truncated).await.expect(400);
        assert_nothing_stored(app, issue).await;
    }

    async fn a_download_the_client_already_has_is_304(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let body = upload(app, issue, Some("post01"), vec![file("a.png", "image/png", png())]).await.expect(201).json();
        let etag = format!("\"{}\"", body["sha256"].as_str().expect("sha"));
        let href = body["href"].as_str().expect("href");
        let reply = app.send(Method::GET, href, Some("post01"), &[("if-none-match", etag.as_str())], Vec::new()).await;
        assert_eq!(reply.status.as_u16(), 304);
        assert_eq!(reply.header("etag"), Some(etag));
        assert!(reply.body.is_empty());
        let reply = app.send(Method::GET, href, Some("post01"), &[("if-none-match", "\"other\"")], Vec::new()).await.expect(200);
        assert_eq!(reply.body.as_ref(), png().as_slice());
    }

    async fn the_openapi_document_describes_the_attachment_endpoints(app: &TestApp) {
        let doc = app.get("/api/v1/openapi.json", None).await.expect(200).json();
        let paths = &doc["paths"];
        let upload = &paths["/issues/{id}/attachments"]["post"];
        assert_eq!(upload["tags"][0], "attachments");
        assert!(upload["requestBody"]["content"]["multipart/form-data"].is_object(), "{upload}");
        for status in ["201", "401", "404", "413", "415", "422"] {
            assert!(upload["responses"][status].is_object(), "{status} in {upload}");
        }
        assert_eq!(upload["security"][0]["bearer"], serde_json::json!([]));
        assert!(paths["/issues/{id}/attachments"]["get"].is_object());
        assert!(paths["/issues/{id}/attachments/{attachment_id}"]["get"].is_object());
    }
    async fn a_body_far_over_the_limit_is_cut_off_with_413(app: &TestApp) {
        let issue = issue_in_g1(app).await;
        let mut big = jpeg();
        big.resize(MAX + 200 * 1024, 0);
        upload(app, issue, Some("post01"), vec![file("huge.jpg", "image/jpeg", big)]).await.expect(413);
        assert_nothing_stored(app, issue).await;
    }
}
