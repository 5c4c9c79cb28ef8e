//! `GET /issues/export`: the issue ledger (台账) as a download, streamed.
//!
//! Everything that can refuse the request is done before the answer starts (the query parsed,
//! every bad parameter named in one 422, the filter's codes resolved, the row count checked
//! against the app's bound, the names looked up), so a refusal is problem+json. Then the
//! answer's head goes out and the app's use case writes the file into a pipe whose other end
//! is the body: memory holds a page of issues and the pipe's buffer, never the file.
//!
//! The server's request timeout (`server.request_timeout_secs`) covers a request until its
//! answer's head, so it does not cut a long download; the connection's own stall guard does
//! cut one during which no byte moves for that long. A CSV moves bytes page by page; a
//! workbook moves them only once its rows are written: seconds for 100,000 rows (the
//! benchmark, see the README's "Export"), but near the default 60 s for one close to the
//! app's bound of 1,000,000 rows, which the README says (export CSV, or raise the timeout).

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use gridloop_app::export::{self, Ledger};
use gridloop_app::issues;
use gridloop_app::AppState;

use super::input::{Errors, ExportQuery};
use super::TAG;
use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::problem::Problem;

/// Export the issue ledger (台账) the caller can see.
///
/// Every issue the filters match (as `GET /issues` takes them, without paging), newest
/// first, one row each with Chinese headers (English with `locale=en`), local times,
/// deadlines and whether they were met, working hours taken, the unit and the satisfaction.
/// Text cells are never formulas (in CSV, text starting with `=`, `+`, `-`, `@`, a tab or CR
/// gets a leading `'`). At most 1,000,000 rows: more is 422 (`rows`), before anything is
/// written. The body is streamed; a failure midway cuts the connection rather than end a
/// truncated file cleanly.
#[utoipa::path(
    get,
    path = "/issues/export",
    tag = TAG,
    operation_id = "export_issues",
    params(ExportQuery),
    responses(
        (status = 200, description = "The ledger, as an attachment named `ledger-YYYYMMDD.xlsx` (or `.csv`; `台账-…` in Chinese through `filename*`)",
            headers(("Content-Disposition" = String, description = "`attachment` with the file's name")),
            content(
                (LedgerFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (LedgerFile = "text/csv"),
            )),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad, missing or unknown parameter, a code that names nothing, or more than 1,000,000 matching issues (`rows`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(name = "export_issues", skip_all, fields(user_id = %caller.user.id))]
pub(super) async fn export_issues(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, Problem> {
    let mut errors = Errors::default();
    let (input, options) = query.parse(&mut errors);
    let filter = errors.absorb(issues::filter(&state, Some(&caller.actor), &input).await)?;
    errors.finish()?;
    let (Some(filter), Some(options)) = (filter, options) else {
        return Err(gridloop_app::error::bug("an export's filter or format").into());
    };
    let ledger = export::prepare_filter(&state, filter, options).await?;
    Ok(download(ledger))
}

/// The answer: its head now, its body as the ledger is written.
fn download(ledger: Ledger) -> Response {
    let format = ledger.format();
    let disposition = content_disposition(&ledger);
    let mut response = Response::new(Body::from_stream(ledger.into_stream()));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `attachment; filename="ledger-20261127.xlsx"; filename*=UTF-8''%E5%8F%B0…`: the ASCII
/// name for every client, the real one (RFC 6266, RFC 5987) for those that read it.
pub fn content_disposition(ledger: &Ledger) -> String {
    let ascii = ledger.ascii_file_name();
    if ledger.file_name() == ascii {
        format!("attachment; filename=\"{ascii}\"")
    } else {
        format!(
            "attachment; filename=\"{ascii}\"; filename*={}",
            ledger.file_name_ext_value()
        )
    }
}

/// The download's schema in the OpenAPI document: bytes.
#[derive(Debug, utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct LedgerFile(Vec<u8>);
