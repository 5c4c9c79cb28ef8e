//! Admin: import from a spreadsheet (导入), the page over `gridloop_app::import` that
//! `gridloop import` also calls. An admin uploads an .xlsx workbook or a .csv (multipart,
//! bounded at the import's 20 MiB, CSRF-checked like every form); the page runs the import as
//! a dry run and shows its report — the rows each kind would create, update or leave, or every
//! bad cell as sheet, row, column, value and reason, the reason in the page's language — and
//! a button to confirm, which runs it for real.
//!
//! Between the dry run and the confirmation the upload is kept in the database
//! (`gridloop_app::import::upload`: one per admin, for 15 minutes), keyed by the SHA-256 of the
//! admin's id and the file. Only the key travels in the form, so the confirmation imports
//! exactly the file that was checked, on whichever instance behind the proxy it reaches.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use gridloop_app::import::{
    self, BadCell, FileFormat, ImportRefused, Imported, Kind, Mode, Source,
};
use gridloop_app::{AppError, AppState};
use gridloop_core::Role;
use minijinja::context;
use serde::Serialize;

use super::links;
use crate::csrf;
use crate::form::WebForm;
use crate::messages;
use crate::render::{page_with, PageError};
use crate::session::Viewer;

/// Room in the upload's body for the token and the multipart framing, besides the file.
const FORM_OVERHEAD: usize = 64 * 1024;

pub(super) fn routes() -> Router<AppState> {
    let max = import::MAX_FILE_MIB * 1024 * 1024 + FORM_OVERHEAD;
    Router::new()
        .route(
            "/admin/import",
            // The router's 1 MiB limit would refuse most workbooks; this route has its own.
            get(show).post(check).layer(DefaultBodyLimit::max(max)),
        )
        .route("/admin/import/confirm", axum::routing::post(confirm))
        .route("/admin/import/template.xlsx", get(template))
}

/// A row of the report's table of kinds.
#[derive(Debug, Serialize)]
struct KindRow {
    /// The label's key (`admin_grids`).
    label: String,
    sheet: String,
    created: usize,
    updated: usize,
    unchanged: usize,
}

/// A row of the table of bad cells, said in the page's language.
#[derive(Debug, Serialize)]
struct CellRow {
    sheet: String,
    row: String,
    column: String,
    value: String,
    reason: String,
}

/// What the page shows besides the form.
#[derive(Debug, Default)]
struct Shown {
    /// A dry run's or an import's counts.
    imported: Option<Imported>,
    /// The key of the upload a confirmation imports.
    confirm: Option<String>,
    /// The file's name.
    file: Option<String>,
    refused: Option<ImportRefused>,
    notice: Option<String>,
    error: Option<String>,
}

/// `GET /admin/import`.
async fn show(viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(&[Role::Admin])?;
    page(&viewer, Shown::default(), StatusCode::OK)
}

/// `GET /admin/import/template.xlsx`: the workbook to fill in.
async fn template(viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(&[Role::Admin])?;
    let bytes = import::template()?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    headers.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"gridloop-import.xlsx\""),
    );
    Ok(response)
}

/// `POST /admin/import` (multipart: `_csrf`, `file`): the dry run's report.
#[tracing::instrument(name = "web_admin_import_check", skip_all, fields(user_id = tracing::field::Empty))]
async fn check(State(state): State<AppState>, request: Request) -> Result<Response, PageError> {
    let (mut parts, body) = request.into_parts();
    let viewer = Viewer::from_request_parts(&mut parts, &state).await?;
    tracing::Span::current().record("user_id", viewer.user.id.get());
    if !csrf::same_origin(&parts.headers) {
        return Err(PageError::Csrf);
    }
    // Before the body is read: only admins upload.
    viewer.require(&[Role::Admin])?;
    let upload = match read_upload(Request::from_parts(parts, body), &state).await? {
        Upload::Ok { token, name, bytes } => {
            if !csrf::matches(&viewer.csrf, token.as_deref()) {
                tracing::warn!("an import upload without a valid CSRF token was refused");
                return Err(PageError::Csrf);
            }
            (name, bytes)
        }
        Upload::TooLarge => {
            let reason = import::Reason::FileTooLarge {
                max_mib: import::MAX_FILE_MIB,
            };
            let shown = Shown {
                error: Some(messages::import_reason(viewer.locale, &reason)),
                ..Shown::default()
            };
            return page(&viewer, shown, StatusCode::PAYLOAD_TOO_LARGE);
        }
    };
    let (name, bytes) = upload;
    if bytes.is_empty() {
        let shown = Shown {
            error: Some(viewer.t("imp_choose_file").to_owned()),
            ..Shown::default()
        };
        return page(&viewer, shown, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match run(&state, &viewer, &name, &bytes, Mode::DryRun).await? {
        Ok(imported) => {
            let key = import::upload::keep(&state, &viewer.actor, &name, &bytes).await?;
            let shown = Shown {
                imported: Some(imported),
                confirm: Some(key),
                file: Some(name),
                ..Shown::default()
            };
            page(&viewer, shown, StatusCode::OK)
        }
        Err(shown) => page(&viewer, shown, StatusCode::UNPROCESSABLE_ENTITY),
    }
}

/// `POST /admin/import/confirm` with `upload`, the key of a checked upload: imports it.
#[tracing::instrument(name = "web_admin_import_confirm", skip_all, fields(user_id = %form.viewer.user.id))]
async fn confirm(State(state): State<AppState>, form: WebForm) -> Result<Response, PageError> {
    let WebForm { viewer, fields } = form;
    viewer.require(&[Role::Admin])?;
    let key = fields.get("upload").ok_or(PageError::BadRequest)?;
    let Some((name, bytes)) = import::upload::take(&state, &viewer.actor, key).await? else {
        let shown = Shown {
            error: Some(viewer.t("imp_expired").to_owned()),
            ..Shown::default()
        };
        return page(&viewer, shown, StatusCode::CONFLICT);
    };
    match run(&state, &viewer, &name, &bytes, Mode::Write).await? {
        Ok(imported) => {
            let total = imported.total();
            let notice = viewer
                .t("imp_done")
                .replace("{created}", &total.created.to_string())
                .replace("{updated}", &total.updated.to_string())
                .replace("{unchanged}", &total.unchanged.to_string());
            tracing::info!(
                created = total.created,
                updated = total.updated,
                "import confirmed from the web"
            );
            let shown = Shown {
                imported: Some(imported),
                file: Some(name),
                notice: Some(notice),
                ..Shown::default()
            };
            page(&viewer, shown, StatusCode::OK)
        }
        Err(shown) => page(&viewer, shown, StatusCode::UNPROCESSABLE_ENTITY),
    }
}

/// Runs the import; a refusal becomes what the page shows (the bad cells, or the message).
async fn run(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    bytes: &[u8],
    mode: Mode,
) -> Result<Result<Imported, Shown>, PageError> {
    let Some(format) = FileFormat::of_name(name) else {
        return Ok(Err(Shown {
            error: Some(messages::import_reason(
                viewer.locale,
                &import::Reason::Unreadable,
            )),
            file: Some(name.to_owned()),
            ..Shown::default()
        }));
    };
    let source = Source {
        name,
        bytes,
        format,
        sheet: None,
        kind: None,
    };
    match import::import(state, &viewer.actor, source, mode).await {
        Ok(imported) => Ok(Ok(imported)),
        Err(AppError::Import(refused)) => Ok(Err(Shown {
            error: Some(messages::text(
                viewer.locale,
                &AppError::Import(refused.clone()),
            )),
            refused: Some(refused),
            file: Some(name.to_owned()),
            ..Shown::default()
        })),
        Err(e @ (AppError::Invalid(_) | AppError::AlreadyExists { .. })) => Ok(Err(Shown {
            error: Some(messages::text(viewer.locale, &e)),
            file: Some(name.to_owned()),
            ..Shown::default()
        })),
        Err(e) => Err(e.into()),
    }
}

/// An upload's body read.
enum Upload {
    Ok {
        token: Option<String>,
        name: String,
        bytes: Bytes,
    },
    TooLarge,
}

/// Reads the multipart upload: the token and the file (its name and bytes).
async fn read_upload(request: Request, state: &AppState) -> Result<Upload, PageError> {
    let mut multipart = Multipart::from_request(request, state)
        .await
        // A body that is not multipart carries no token either.
        .map_err(|_| PageError::Csrf)?;
    let mut token = None;
    let mut file = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(Upload::TooLarge),
            Err(_) => return Err(PageError::BadRequest),
        };
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = match field.bytes().await {
                    Ok(bytes) => bytes,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Ok(Upload::TooLarge)
                    }
                    Err(_) => return Err(PageError::BadRequest),
                };
                file = Some((name, bytes));
            }
            csrf::FIELD => {
                token = Some(field.text().await.map_err(|_| PageError::BadRequest)?);
            }
            _ => {}
        }
    }
    let (name, bytes) = file.unwrap_or_default();
    if bytes.len() > import::MAX_FILE_MIB * 1024 * 1024 {
        return Ok(Upload::TooLarge);
    }
    Ok(Upload::Ok { token, name, bytes })
}

/// The column of a bad cell as the page says it: its letter and the column's header in the
/// page's language (the Chinese header, or the English key).
fn column(viewer: &Viewer, cell: &BadCell) -> String {
    let header = cell.kind.zip(cell.field).and_then(|(kind, key)| {
        kind.columns().iter().find(|c| c.key == key).map(|c| {
            if viewer.locale == gridloop_core::Locale::ZhCn {
                c.zh
            } else {
                c.key
            }
        })
    });
    match (&cell.column, header) {
        (Some(letter), Some(h)) => format!("{letter} {h}"),
        (Some(letter), None) => letter.clone(),
        (None, Some(h)) => h.to_owned(),
        (None, None) => String::new(),
    }
}

/// The label key of a kind (the admin section's).
fn kind_label(kind: Kind) -> String {
    format!("admin_{}", kind.key())
}

fn page(viewer: &Viewer, shown: Shown, status: StatusCode) -> Result<Response, PageError> {
    let heading = viewer.t("admin_import");
    let kinds: Vec<KindRow> = shown
        .imported
        .as_ref()
        .map(|i| {
            i.kinds
                .iter()
                .map(|k| KindRow {
                    label: kind_label(k.kind),
                    sheet: k.sheet.clone(),
                    created: k.counts.created,
                    updated: k.counts.updated,
                    unchanged: k.counts.unchanged,
                })
                .collect()
        })
        .unwrap_or_default();
    let cells: Vec<CellRow> = shown
        .refused
        .as_ref()
        .map(|r| {
            r.cells
                .iter()
                .map(|c| CellRow {
                    sheet: c.sheet.clone(),
                    row: c.row.map(|r| r.to_string()).unwrap_or_default(),
                    column: column(viewer, c),
                    value: c.value.clone(),
                    reason: messages::import_reason(viewer.locale, &c.reason),
                })
                .collect()
        })
        .unwrap_or_default();
    let more = shown.refused.as_ref().map_or(0, |r| r.more);
    let dry_run = shown.imported.as_ref().is_some_and(|i| i.dry_run);
    let ctx = context! {
        sections => links(),
        section => "import",
        heading,
        kinds,
        cells,
        more => (more > 0).then(|| viewer.t("imp_more").replace("{n}", &more.to_string())),
        dry_run,
        confirm => shown.confirm,
        file => shown.file,
        notice => shown.notice,
        error => shown.error,
        max_mib => import::MAX_FILE_MIB,
        ..viewer.base(heading)
    };
    page_with(status, "admin_import.html", ctx)
}
