//! Attachments over HTTP: photos of a problem and of its fix, and PDFs, attached to an issue.
//! Typing, naming, storing and serving rules are the app's (`gridloop_app::attachments`); this
//! module reads the upload form and writes the answers.
//!
//! - `POST /issues/{id}/attachments` takes one file as `multipart/form-data` (a part named
//!   `file`, and optional `kind` = `before`/`after` and `note` parts). The type is read from
//!   the bytes themselves (JPEG, PNG, GIF, WebP, HEIC/HEIF, PDF), never from the file name or
//!   the declared type, and the size is capped by `attachment_max_bytes`.
//! - `GET /issues/{id}/attachments` lists an issue's attachments, oldest first.
//! - `GET /issues/{id}/attachments/{attachment_id}` serves the bytes, as content that can do
//!   nothing in a browser: its name's extension follows the type read from the bytes (a PNG
//!   uploaded as `page.html` is served as `page.png`), it is a download (`attachment`) unless it
//!   is an image, it carries a sandboxing `Content-Security-Policy` and `nosniff`. These headers
//!   are the handler's own, so a general security-headers layer that only fills in what a
//!   handler left unset never weakens them.
//!
//! Whoever may see the issue may attach to it and read its attachments (a post member's
//! "before" photo, the handling unit's "after" photo); anyone else gets 404, as for a missing
//! issue.
//!
//! Every check (visibility, form, size, type) happens before anything is written; the file and
//! its row are written by a task of their own, so a client hanging up midway cannot leave a
//! file without its row.

use axum::body::{Body, Bytes};
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use gridloop_app::attachments::{self as app, Served};
use gridloop_app::store::{Attachment, AttachmentKind, NewAttachment, MAX_NOTE_CHARS};
use gridloop_core::IssueId;
use http_body_util::Limited;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::ApiPath;
use crate::problem::{FieldError, Problem};
use gridloop_app::AppState;

/// Room in an upload's body for the multipart framing and the small text parts, on top of the
/// file itself.
const FORM_OVERHEAD: usize = 64 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // The router's 1 MiB default would refuse every photo. This route lifts it and applies
        // its own limit, from the state, when it reads the body (see `upload`).
        .routes(routes!(upload).layer(DefaultBodyLimit::disable()))
        .routes(routes!(list))
        .routes(routes!(download))
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// What an attachment shows.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = AttachmentKind)]
pub enum KindBody {
    /// The problem as found.
    Before,
    /// The result of the fix.
    After,
}

impl From<AttachmentKind> for KindBody {
    fn from(kind: AttachmentKind) -> Self {
        match kind {
            AttachmentKind::Before => Self::Before,
            AttachmentKind::After => Self::After,
        }
    }
}

/// An attachment's metadata.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Attachment)]
pub struct AttachmentBody {
    pub id: i64,
    pub issue_id: i64,
    /// SHA-256 of the bytes, lowercase hex; also the download's `ETag`.
    pub sha256: String,
    /// The type detected from the bytes.
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    /// In bytes.
    pub size: u64,
    /// The uploaded file's name, without folders or control characters, at most 255 characters.
    pub filename: String,
    pub kind: Option<KindBody>,
    pub note: Option<String>,
    /// The uploader's user id.
    pub uploaded_by: i64,
    pub created_at: DateTime<Utc>,
    /// Where the bytes are served.
    #[schema(example = "/api/v1/issues/1/attachments/1")]
    pub href: String,
}

impl From<Attachment> for AttachmentBody {
    fn from(a: Attachment) -> Self {
        Self {
            href: href(a.issue, a.id),
            id: a.id,
            issue_id: a.issue.get(),
            sha256: a.sha256,
            content_type: a.content_type,
            size: a.size,
            filename: a.filename,
            kind: a.kind.map(KindBody::from),
            note: a.note,
            uploaded_by: a.uploaded_by.get(),
            created_at: a.created_at,
        }
    }
}

/// An issue's attachments, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = AttachmentList)]
pub struct AttachmentListBody {
    pub items: Vec<AttachmentBody>,
}

/// The upload form (documentation only: the handler reads the parts itself).
#[derive(Debug, ToSchema)]
#[schema(as = AttachmentUpload)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: a JPEG, PNG, GIF, WebP or HEIC/HEIF image, or a PDF, detected from its bytes.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
    kind: Option<KindBody>,
    /// At most 500 characters.
    note: Option<String>,
}

fn href(issue: IssueId, id: i64) -> String {
    format!("/api/v1/issues/{issue}/attachments/{id}")
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// Attaches a file to an issue.
#[utoipa::path(
    post,
    path = "/issues/{id}/attachments",
    tag = "attachments",
    params(("id" = i64, Path, description = "The issue's id", minimum = 1)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = AttachmentBody,
            headers(("Location" = String, description = "Where the bytes are served"))),
        (status = 400, description = "A malformed multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such issue, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart, or a file of another type (named in the detail)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No file part, or a bad kind or note", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(name = "upload_attachment", skip_all, fields(issue = id, user = %caller.user.id))]
async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    request: Request,
) -> Result<Response, Problem> {
    let issue = visible_issue(&state, &caller, id).await?;
    let max = state.attachment_max_bytes;
    let form = read_form(&state, request, max).await?;
    let Some(file) = form.file else {
        return Err(Problem::field(
            "file",
            "required: send the file as a multipart part named \"file\"",
        ));
    };
    let content_type = app::sniff(&file.bytes).map_err(|found| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
        )
        .detail(format!(
            "the file is {found}; attach a JPEG, PNG, GIF, WebP or HEIC/HEIF image, or a PDF"
        ))
    })?;
    let filename = file
        .filename
        .as_deref()
        .and_then(app::sanitise_filename)
        // Named for what it is; cut again, keeping the extension, should that make it too long.
        .and_then(|name| app::sanitise_filename(&app::named_as(&name, content_type)))
        .unwrap_or_else(|| format!("attachment.{}", app::extension(content_type)));
    let new = NewAttachment {
        issue,
        sha256: String::new(),
        content_type: content_type.to_owned(),
        size: file.bytes.len() as u64,
        filename,
        kind: form.kind,
        note: form.note,
        uploaded_by: caller.user.id,
    };
    let now = state.clock.now();
    // On a task of its own: if the client hangs up now, the file still gets its row (or, on
    // failure, is removed) instead of being left behind by a dropped future.
    let attachment = tokio::spawn(app::persist(state.clone(), new, file.bytes, now))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the attachment task failed");
            Problem::internal()
        })??;
    tracing::info!(
        attachment = attachment.id,
        size = attachment.size,
        content_type = %attachment.content_type,
        "attachment stored"
    );
    let location = href(attachment.issue, attachment.id);
    let mut response =
        (StatusCode::CREATED, Json(AttachmentBody::from(attachment))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Lists an issue's attachments.
#[utoipa::path(
    get,
    path = "/issues/{id}/attachments",
    tag = "attachments",
    params(("id" = i64, Path, description = "The issue's id", minimum = 1)),
    responses(
        (status = 200, description = "The issue's attachments, oldest first", body = AttachmentListBody),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such issue, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(name = "list_attachments", skip_all, fields(issue = id, user = %caller.user.id))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AttachmentListBody>, Problem> {
    let issue = visible_issue(&state, &caller, id).await?;
    let items = state
        .store
        .attachments(issue)
        .await?
        .into_iter()
        .map(AttachmentBody::from)
        .collect();
    Ok(Json(AttachmentListBody { items }))
}

/// Serves an attachment's bytes.
#[utoipa::path(
    get,
    path = "/issues/{id}/attachments/{attachment_id}",
    tag = "attachments",
    params(
        ("id" = i64, Path, description = "The issue's id"),
        ("attachment_id" = i64, Path, description = "The attachment's id"),
    ),
    responses(
        (status = 200, description = "The bytes, with the type detected at upload",
            content(("image/jpeg"), ("image/png"), ("image/gif"), ("image/webp"), ("image/heic"), ("image/heif"), ("application/pdf")),
            headers(
                ("ETag" = String, description = "The SHA-256 of the bytes, quoted"),
                ("Cache-Control" = String, description = "private"),
                ("Content-Disposition" = String, description = "inline for images, attachment otherwise, with the file name (its extension that of the type) RFC 5987-encoded"),
                ("Content-Security-Policy" = String, description = "sandbox; default-src 'none'; frame-ancestors 'none'"),
                ("X-Content-Type-Options" = String, description = "nosniff"),
            )),
        (status = 304, description = "The client's copy (If-None-Match) is current"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such issue or attachment, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(name = "download_attachment", skip_all, fields(issue = id, attachment = attachment_id, user = %caller.user.id))]
async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, attachment_id)): ApiPath<(i64, i64)>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let id = IssueId::new(id).map_err(|_| Problem::not_found("issue"))?;
    let served = app::served(&state, &caller.actor, id, attachment_id).await?;
    attachment_response(&state, served, &headers).await
}

/// The bytes of an attachment the caller may see, with the app's caching and safety headers.
/// These headers are the handler's own, so the general security-headers layer (which only
/// fills in what a handler left unset) never weakens them.
async fn attachment_response(
    state: &AppState,
    served: Served,
    headers: &HeaderMap,
) -> Result<Response, Problem> {
    let mut response = if served.not_modified(
        headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    ) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = served.read(state).await?;
        let mut response = (StatusCode::OK, Body::from(bytes)).into_response();
        for (name, value) in served.content_headers() {
            insert(&mut response, name, &value);
        }
        response
    };
    for (name, value) in served.common_headers() {
        insert(&mut response, name, &value);
    }
    Ok(response)
}

fn insert(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static(name), value);
    }
}

/// The issue, if the caller may see it; 404 alike for a missing one and one out of sight.
async fn visible_issue(state: &AppState, caller: &Caller, id: i64) -> Result<IssueId, Problem> {
    let id = IssueId::new(id).map_err(|_| Problem::not_found("issue"))?;
    Ok(app::visible_issue(state, &caller.actor, id).await?)
}

// ---------------------------------------------------------------------------------------------
// The form

struct Form {
    file: Option<FilePart>,
    kind: Option<AttachmentKind>,
    note: Option<String>,
}

struct FilePart {
    bytes: Bytes,
    filename: Option<String>,
}

fn too_large(max: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        "Attachment too large",
    )
    .detail(format!("attachments are limited to {max} bytes"))
}

fn multipart_problem(e: MultipartError, max: usize) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(max)
    } else {
        // Malformed framing, or the client went away mid-body: either way the request is bad.
        Problem::bad_request(format!(
            "the multipart body is malformed: {}",
            e.body_text()
        ))
    }
}

/// Reads the parts of the upload form. The whole body is capped at the file limit plus
/// [`FORM_OVERHEAD`]; the file part itself at `max` bytes exactly.
async fn read_form(state: &AppState, request: Request, max: usize) -> Result<Form, Problem> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
        });
    if !is_multipart {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
        )
        .detail("send the file as multipart/form-data, in a part named \"file\""));
    }
    let limit = max.saturating_add(FORM_OVERHEAD);
    let request = request.map(|body| Body::new(Limited::new(body, limit)));
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| Problem::bad_request(e.body_text()))?;
    let mut form = Form {
        file: None,
        kind: None,
        note: None,
    };
    let mut errors = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_problem(e, max))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if form.file.is_some() => {
                return Err(Problem::field("file", "send one file per request"));
            }
            "file" => form.file = Some(read_file(field, max).await?),
            "kind" => {
                let text = field.text().await.map_err(|e| multipart_problem(e, max))?;
                let text = text.trim();
                if !text.is_empty() {
                    match text.parse() {
                        Ok(kind) => form.kind = Some(kind),
                        Err(_) => errors.push(field_error("kind", "must be before or after")),
                    }
                }
            }
            "note" => {
                let text = field.text().await.map_err(|e| multipart_problem(e, max))?;
                let text = text.trim();
                if text.chars().count() > MAX_NOTE_CHARS {
                    errors.push(field_error(
                        "note",
                        &format!("must be at most {MAX_NOTE_CHARS} characters"),
                    ));
                } else if text.chars().any(|c| c.is_control() && c != '\n') {
                    errors.push(field_error("note", "must not hold control characters"));
                } else if !text.is_empty() {
                    form.note = Some(text.to_owned());
                }
            }
            other => errors.push(field_error(
                if other.is_empty() { "part" } else { other },
                "unknown part: send file, and optionally kind and note",
            )),
        }
    }
    if errors.is_empty() {
        Ok(form)
    } else {
        Err(Problem::validation(errors))
    }
}

fn field_error(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Reads the file part, up to `max` bytes. A larger file is read to its end (bounded by the
/// body limit) and thrown away, so the client gets a 413 rather than a reset connection.
async fn read_file(mut field: Field<'_>, max: usize) -> Result<FilePart, Problem> {
    let filename = field.file_name().map(str::to_owned);
    let mut bytes = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_problem(e, max))? {
        if over {
            continue;
        }
        if bytes.len() + chunk.len() > max {
            over = true;
            bytes = Vec::new();
        } else {
            bytes.extend_from_slice(&chunk);
        }
    }
    if over {
        return Err(too_large(max));
    }
    Ok(FilePart {
        bytes: Bytes::from(bytes),
        filename,
    })
}
