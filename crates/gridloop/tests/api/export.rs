//! `GET /api/v1/issues/export`: the ledger downloaded over HTTP — its head, its bytes read
//! back, the caller's scope, and the refusals — on both backends.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use serde_json::json;

use crate::both;
use crate::issues::{enterprise_in, report};
use crate::support::TestApp;
use crate::web::{with_password, Browser};

/// One issue in g1 reported by post01 titled `=1+2`, one in g2 by comm03.
async fn two_grids(app: &TestApp) -> (i64, i64) {
    let g1 = report(app, "post01", "=1+2").await["id"]
        .as_i64()
        .expect("id");
    let enterprise = enterprise_in(app, "g2", 0).await;
    let body = json!({"enterprise_id": enterprise, "category": "power", "title": "二号网格"});
    let g2 = app
        .post_json("/api/v1/issues", Some("comm03"), &body)
        .await
        .expect(201)
        .json()["id"]
        .as_i64()
        .expect("id");
    (g1, g2)
}

/// The data rows' first cells (the issue numbers) of a CSV without its BOM and header.
fn csv_ids(body: &[u8]) -> Vec<String> {
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    let text = std::str::from_utf8(&body[3..]).expect("UTF-8");
    text.split_terminator("\r\n")
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or_default().to_owned())
        .collect()
}

both! {
    async fn the_ledger_downloads_as_an_xlsx_attachment_with_a_dated_name(app: &TestApp) {
        let (g1, _) = two_grids(app).await;
        let reply = app
            .get("/api/v1/issues/export?format=xlsx&grid=g1", Some("dispatch"))
            .await
            .expect(200);
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert_eq!(
            reply.header("content-disposition").as_deref(),
            Some("attachment; filename=\"ledger-20261127.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6-20261127.xlsx")
        );
        assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
        assert!(reply.body.starts_with(b"PK\x03\x04"), "a zip file");
        let mut book: Xlsx<_> =
            open_workbook_from_rs(Cursor::new(reply.body.to_vec())).expect("an xlsx file");
        let range = book.worksheet_range("问题台账").expect("the sheet");
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows.len(), 2, "the header and g1's one issue");
        assert_eq!(rows[0][0], Data::String("编号".into()));
        assert_eq!(rows[1][0], Data::Float(g1 as f64));
        assert_eq!(rows[1][1], Data::String("=1+2".into()));
    }

    async fn a_post_member_downloads_only_their_grid_and_english_headers_on_request(app: &TestApp) {
        let (g1, g2) = two_grids(app).await;
        let reply = app
            .get("/api/v1/issues/export?format=csv&locale=en", Some("post01"))
            .await
            .expect(200);
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(
            reply.header("content-disposition").as_deref(),
            Some("attachment; filename=\"ledger-20261127.csv\"")
        );
        assert!(reply.text().contains("No.,Title,"), "{}", reply.text());
        assert!(reply.text().contains(",'=1+2,"), "{}", reply.text());
        assert_eq!(csv_ids(&reply.body), vec![g1.to_string()]);
        let theirs = app
            .get("/api/v1/issues/export?format=csv", Some("comm03"))
            .await
            .expect(200);
        assert_eq!(csv_ids(&theirs.body), vec![g2.to_string()]);
    }

    async fn a_bad_format_or_filter_is_a_422_naming_each_parameter(app: &TestApp) {
        let reply = app
            .get("/api/v1/issues/export?format=pdf&grid=nope&status=lost", Some("dispatch"))
            .await
            .expect(422);
        let fields: Vec<String> = reply.json()["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
            .collect();
        for field in ["format", "status", "grid"] {
            assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
        }
        let missing = app.get("/api/v1/issues/export?grid=g1", Some("dispatch")).await.expect(422);
        assert!(missing.text().contains("format"), "{}", missing.text());
        app.get("/api/v1/issues/export?format=csv&limit=5", Some("dispatch")).await.expect(422);
        app.get("/api/v1/issues/export?format=csv", None).await.expect(401);
    }

    async fn the_openapi_document_describes_the_export(app: &TestApp) {
        let doc = app.get("/api/v1/openapi.json", None).await.expect(200).json();
        let paths = doc["paths"].as_object().expect("paths");
        let (_, export) = paths
            .iter()
            .find(|(path, _)| path.ends_with("/issues/export"))
            .expect("the export's path");
        let get = &export["get"];
        assert_eq!(get["operationId"], "export_issues");
        let content = get["responses"]["200"]["content"].as_object().expect("content");
        assert!(content.contains_key("text/csv"));
        assert!(content.contains_key(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ));
        assert!(get["responses"]["422"].is_object());
    }

    async fn the_my_issues_page_offers_both_downloads_of_what_it_lists(app: &TestApp) {
        let (g1, _) = two_grids(app).await;
        with_password(app, "post01").await;
        let mut browser = Browser::new(app);
        browser.sign_in("post01").await;
        let page = browser.get("/my").await;
        assert_eq!(page.status.as_u16(), 200);
        let html = page.text();
        for link in [
            "/issues/export?format=xlsx&amp;reporter=post01",
            "/issues/export?format=csv&amp;reporter=post01",
        ] {
            assert!(html.contains(link), "{link} in {html}");
        }
        assert!(html.contains("导出台账"), "{html}");

        let csv = browser.get("/issues/export?format=csv&reporter=post01").await;
        assert_eq!(csv.status.as_u16(), 200, "{}", csv.text());
        assert_eq!(
            csv.header("content-disposition").as_deref(),
            Some("attachment; filename=\"ledger-20261127.csv\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6-20261127.csv")
        );
        assert!(csv.text().contains("编号,标题,"), "{}", csv.text());
        assert_eq!(csv_ids(&csv.body), vec![g1.to_string()]);
        let xlsx = browser.get("/issues/export?format=xlsx&reporter=post01").await;
        assert_eq!(xlsx.status.as_u16(), 200);
        assert!(xlsx.body.starts_with(b"PK\x03\x04"));

        assert_eq!(browser.get("/issues/export?format=pdf").await.status.as_u16(), 400);
        assert_eq!(browser.get("/issues/export?format=csv&grid=nope").await.status.as_u16(), 400);
    }
}
