//! Finding 12: attachments are served under a name that follows their sniffed type, inline only
//! for images, sandboxed.
//!
//! The type of an upload is read from its bytes, but it used to be served under the name the
//! uploader chose (`page.html` on a PNG), always `inline`, with no Content-Security-Policy: a
//! browser saving it, or a viewer trusting the extension, got what the uploader named, not
//! what the bytes are.

use bytes::Bytes;
use gridloop_core::Code;
use hyper::Method;
use serde_json::{json, Value};

use crate::both;
use crate::support::{Reply, TestApp};

const BOUNDARY: &str = "----gridloop-attachment-test";

fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    bytes.extend_from_slice(b"IHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0");
    bytes
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

async fn post01_issue(app: &TestApp) -> i64 {
    let grid = app
        .store
        .grid_by_code(&Code::parse("g1").expect("code"))
        .await
        .expect("grid lookup")
        .expect("demo grid");
    let enterprise = app.store.enterprises(Some(grid.id)).await.expect("list")[0].id;
    let body = json!({"enterprise_id": enterprise.get(), "category": "power", "title": "现场照片"});
    app.post_json("/api/v1/issues", Some("post01"), &body)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id")
}

/// Uploads `bytes` under `filename` (declared as `text/html`, which must not matter) and
/// downloads it again.
async fn upload_and_download(
    app: &TestApp,
    issue: i64,
    filename: &str,
    bytes: Vec<u8>,
) -> (Value, Reply) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: text/html\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let stored = app
        .send(
            Method::POST,
            &format!("/api/v1/issues/{issue}/attachments"),
            Some("post01"),
            &[("content-type", content_type.as_str())],
            Bytes::from(body),
        )
        .await
        .expect(201)
        .json();
    let href = stored["href"].as_str().expect("href").to_owned();
    let download = app.get(&href, Some("post01")).await.expect(200);
    (stored, download)
}

fn assert_sandboxed(reply: &Reply) {
    let csp = reply.header("content-security-policy").unwrap_or_default();
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    assert!(directives.contains(&"sandbox"), "{csp}");
    assert!(directives.contains(&"default-src 'none'"), "{csp}");
    assert_eq!(
        reply.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
}

both! {
    async fn an_html_name_on_a_png_is_served_as_an_inline_png_in_a_sandbox(app: &TestApp) {
        let issue = post01_issue(app).await;
        let (stored, download) = upload_and_download(app, issue, "page.html", png()).await;
        assert_eq!(stored["filename"], "page.png");
        assert_eq!(download.header("content-type").as_deref(), Some("image/png"));
        assert_eq!(
            download.header("content-disposition").as_deref(),
            Some("inline; filename*=UTF-8''page.png")
        );
        assert_sandboxed(&download);
    }

    async fn a_pdf_is_served_as_a_download_never_inline_in_a_sandbox(app: &TestApp) {
        let issue = post01_issue(app).await;
        let (stored, download) = upload_and_download(app, issue, "合同 <script>.html", pdf()).await;
        assert_eq!(stored["filename"], "合同 <script>.pdf");
        assert_eq!(download.header("content-type").as_deref(), Some("application/pdf"));
        let disposition = download.header("content-disposition").unwrap_or_default();
        assert_eq!(
            disposition,
            "attachment; filename*=UTF-8''%E5%90%88%E5%90%8C%20%3Cscript%3E.pdf"
        );
        assert_sandboxed(&download);
        // A conditional request keeps the policy too.
        let etag = download.header("etag").expect("etag");
        let again = app
            .send(Method::GET, stored["href"].as_str().expect("href"), Some("post01"), &[("if-none-match", &etag)], Bytes::new())
            .await;
        assert_eq!(again.status, 304);
        assert_sandboxed(&again);
    }
}
