//! The list pages' export button: `GET /issues/export?format=xlsx&status=…` downloads the
//! issue ledger (台账) of what the page lists — its filters, in the viewer's scope and
//! language — through the same use case as the CLI and the API
//! ([`gridloop_app::export`]), streamed.
//!
//! The pages write the link themselves ([`link_query`]), so a query that does not parse is a
//! request no page sends (400); more rows than the app's bound is said in the viewer's
//! language.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gridloop_app::export::{self, Format, Options};
use gridloop_app::issues::ListInput;
use gridloop_app::{AppError, AppState};
use gridloop_core::{Code, Login, Rule, Status};
use serde::Deserialize;

use crate::render::PageError;
use crate::session::Viewer;

pub fn routes() -> Router<AppState> {
    Router::new().route("/issues/export", get(download))
}

/// The link's query: the format and the page's filters, as the list pages write them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    format: String,
    /// Comma-separated statuses.
    status: Option<String>,
    grid: Option<String>,
    unit: Option<String>,
    category: Option<String>,
    enterprise: Option<String>,
    reporter: Option<String>,
    overdue: Option<bool>,
    q: Option<String>,
}

impl ExportQuery {
    fn parse(self) -> Result<(Format, ListInput), PageError> {
        let bad = |_| PageError::BadRequest;
        let format = self.format.parse().map_err(bad)?;
        let statuses = self
            .status
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(str::parse::<Status>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        let code = |field, raw: Option<String>| {
            raw.map(|c| Code::parse_field(field, &c))
                .transpose()
                .map_err(bad)
        };
        Ok((
            format,
            ListInput {
                statuses,
                grid: code("grid", self.grid)?,
                unit: code("unit", self.unit)?,
                category: code("category", self.category)?,
                enterprise: self
                    .enterprise
                    .map(|e| e.parse())
                    .transpose()
                    .map_err(bad)?,
                reporter: self
                    .reporter
                    .map(|l| Login::parse(&l))
                    .transpose()
                    .map_err(bad)?,
                overdue: self.overdue.unwrap_or(false),
                q: self.q.filter(|q| !q.trim().is_empty()),
                ..ListInput::default()
            },
        ))
    }
}

/// The query a list page's export links carry after `format=`: `status=resolved`,
/// `reporter=post01`, … each value percent-encoded.
pub fn link_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::render::query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `GET /issues/export`.
async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let (format, input) = query.parse()?;
    let options = Options {
        format,
        locale: Some(viewer.locale),
    };
    let ledger = export::prepare(&state, Some(&viewer.actor), &input, options)
        .await
        .map_err(|e| refused(&viewer, e))?;
    let disposition = match ledger.file_name() == ledger.ascii_file_name() {
        true => format!("attachment; filename=\"{}\"", ledger.ascii_file_name()),
        false => format!(
            "attachment; filename=\"{}\"; filename*={}",
            ledger.ascii_file_name(),
            ledger.file_name_ext_value()
        ),
    };
    let mut response = Response::new(Body::from_stream(ledger.into_stream()));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Too many rows, said in the viewer's language; a filter naming nothing is a link no page
/// writes.
fn refused(viewer: &Viewer, e: AppError) -> PageError {
    match &e {
        AppError::Invalid(list)
            if list
                .iter()
                .any(|p| matches!(p.rule(), Rule::TooMany { .. })) =>
        {
            PageError::Refused {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                locale: viewer.locale,
                message: viewer.t("export_too_many"),
            }
        }
        AppError::Invalid(_) => PageError::BadRequest,
        _ => e.into(),
    }
}
