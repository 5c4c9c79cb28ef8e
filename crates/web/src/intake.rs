//! Post members and commissioners (and enterprise contacts): report a problem, follow what
//! they reported, and the issues waiting for their verification.
//!
//! The report form works on a poor network: each rendering of the form carries a fresh `_key`,
//! sent as the report's client key, so a double tap or a retried request returns the issue
//! the first one created (the store's idempotent report) instead of creating another. A photo
//! goes to the same content-addressed storage as the API's attachments, once: a replay attaches
//! nothing.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use gridloop_app::issues::{self, CategoryRef, Intake};
use gridloop_app::store::{AttachmentKind, IssueFilter, NewAttachment};
use gridloop_app::AppError;
use gridloop_core::{
    available_actions, ActionKind, Code, Description, EnterpriseId, Priority, Role, Source, Status,
    Title,
};
use minijinja::context;
use serde::Serialize;

use crate::csrf;
use crate::form::Fields;
use crate::issue::{issue_rows, Directory};
use crate::render::{page, page_with, see_other, PageError};
use crate::session::Viewer;
use gridloop_app::{attachments, AppState};

/// Roles that report problems.
const REPORTERS: &[Role] = &[Role::PostMember, Role::Commissioner, Role::Enterprise];
/// Roles that verify fixes.
const VERIFIERS: &[Role] = &[Role::PostMember, Role::Commissioner, Role::Dispatcher];
/// The longest photo link accepted.
const MAX_URL_CHARS: usize = 500;
/// Room in a report's body for the text fields and the multipart framing, besides the photo.
const FORM_OVERHEAD: usize = 64 * 1024;
/// How many issues a list shows.
const LIST_LIMIT: u32 = 200;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/issues/new", get(new_form))
        .route(
            "/issues",
            // The router's 1 MiB limit would refuse most photos; this route has its own.
            post(submit).layer(DefaultBodyLimit::max(
                state.attachment_max_bytes + FORM_OVERHEAD,
            )),
        )
        .route("/my", get(mine))
        .route("/verify", get(to_verify))
}

/// One option of a select.
#[derive(Debug, Serialize)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
}

/// The enterprises the viewer may report for: those of their grids, and their own (who may
/// post needs and offers for, too).
pub(crate) async fn enterprise_choices(
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<Choice>, PageError> {
    let mut found = Vec::new();
    for grid in &viewer.actor.grids {
        found.extend(state.store.enterprises(Some(*grid)).await?);
    }
    for id in &viewer.actor.enterprises {
        if let Some(e) = state.store.enterprise(*id).await? {
            found.push(e);
        }
    }
    found.sort_by_key(|e| e.id);
    found.dedup_by_key(|e| e.id);
    Ok(found
        .into_iter()
        .map(|e| Choice {
            value: e.id.to_string(),
            label: e.name.to_string(),
        })
        .collect())
}

/// A fresh per-form idempotency key.
fn new_key() -> Result<String, PageError> {
    csrf::random_token().map_err(|e| {
        tracing::error!(error = %e, "no randomness for a form key");
        PageError::Internal
    })
}

/// Renders the report form: fresh, or again with what was typed and what is wrong.
async fn render_form(
    state: &AppState,
    viewer: &Viewer,
    fields: &Fields,
    key: String,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let enterprises = enterprise_choices(state, viewer).await?;
    let categories: Vec<Choice> = state
        .store
        .categories()
        .await?
        .into_iter()
        .map(|c| Choice {
            value: c.code.to_string(),
            label: c.name.to_string(),
        })
        .collect();
    let priorities: Vec<&str> = Priority::ALL.iter().map(|p| p.as_str()).collect();
    let ctx = context! {
        enterprises,
        categories,
        priorities,
        key,
        form => fields.echo(),
        errors,
        max_mb => state.attachment_max_bytes / (1024 * 1024),
        ..viewer.base(viewer.t("report_title"))
    };
    page_with(status, "report.html", ctx)
}

/// `GET /issues/new`.
async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(REPORTERS)?;
    let fields = Fields::new(vec![("priority".into(), "normal".into())]);
    render_form(&state, &viewer, &fields, new_key()?, vec![], StatusCode::OK).await
}

/// A photo as uploaded.
struct Photo {
    bytes: Bytes,
    filename: Option<String>,
}

/// Reads a report's body, multipart (with a photo) or URL-encoded (without).
async fn read_body(
    request: Request,
    state: &AppState,
) -> Result<(Fields, Option<Photo>), PageError> {
    let is_multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|_| PageError::Csrf)?;
        return Ok((Fields::new(pairs), None));
    }
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| PageError::Csrf)?;
    let mut pairs = Vec::new();
    let mut photo = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(PageError::TooLarge)
            }
            Err(_) => return Err(PageError::BadRequest),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photo" {
            let filename = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    PageError::TooLarge
                } else {
                    PageError::BadRequest
                }
            })?;
            if !bytes.is_empty() {
                photo = Some(Photo { bytes, filename });
            }
        } else {
            let text = field.text().await.map_err(|_| PageError::BadRequest)?;
            pairs.push((name, text));
        }
    }
    Ok((Fields::new(pairs), photo))
}

/// `POST /issues`: reports the problem, or shows the form again with what is wrong.
#[tracing::instrument(name = "web_intake", skip_all, fields(user_id = tracing::field::Empty, issue_id = tracing::field::Empty))]
async fn submit(State(state): State<AppState>, request: Request) -> Result<Response, PageError> {
    let (mut parts, body) = request.into_parts();
    let viewer = Viewer::from_request_parts(&mut parts, &state).await?;
    tracing::Span::current().record("user_id", viewer.user.id.get());
    if !csrf::same_origin(&parts.headers) {
        return Err(PageError::Csrf);
    }
    let (fields, photo) = read_body(Request::from_parts(parts, body), &state).await?;
    if !csrf::matches(&viewer.csrf, fields.get(csrf::FIELD)) {
        tracing::warn!("a report without a valid CSRF token was refused");
        return Err(PageError::Csrf);
    }
    viewer.require(REPORTERS)?;

    let mut errors = Vec::new();
    let label = |key: &str| viewer.t(key).to_owned();
    let key = fields
        .get("_key")
        .and_then(|k| gridloop_core::ClientKey::parse(k).ok());
    let choices = enterprise_choices(&state, &viewer).await?;
    let enterprise = fields
        .get("enterprise")
        .filter(|v| choices.iter().any(|c| c.value == *v))
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|v| EnterpriseId::new(v).ok());
    if enterprise.is_none() {
        errors.push(format!("{}: {}", label("enterprise"), label("choose")));
    }
    let category = fields
        .get("category")
        .and_then(|code| Code::parse_field("category", code).ok());
    if category.is_none() {
        errors.push(format!("{}: {}", label("category"), label("choose")));
    }
    // The fields' own complaints, said through the web's one mapping of refusals.
    let mut bad = gridloop_app::error::Fields::default();
    let title = bad.take_as(
        "title",
        Title::parse(fields.get("title").unwrap_or_default()),
    );
    let mut description = fields.get("description").unwrap_or_default().to_owned();
    if let Some(url) = fields.get("photo_url") {
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && url.chars().count() <= MAX_URL_CHARS
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(viewer.t("photo"));
            description.push_str(": ");
            description.push_str(url);
        } else {
            errors.push(format!("{}: http(s)://…", label("photo_url")));
        }
    }
    let description = bad.take_as("description", Description::parse(&description));
    let priority = bad.take_as(
        "priority",
        Priority::from_str(fields.get("priority").unwrap_or("normal")),
    );
    if let Err(e) = bad.check() {
        errors.push(crate::messages::text(viewer.locale, &e));
    }
    let photo_type = match &photo {
        Some(p) => match attachments::sniff(&p.bytes) {
            Ok(t) if t.starts_with("image/") => Some(t),
            Ok(_) | Err(_) => {
                errors.push(format!("{}: JPEG, PNG, GIF, WebP, HEIC", label("photo")));
                None
            }
        },
        None => None,
    };
    let form_key = key
        .as_ref()
        .map(|k| k.as_str().to_owned())
        .map_or_else(new_key, Ok)?;
    let (true, Some(enterprise), Some(category), Some(title), Some(description), Some(priority)) = (
        errors.is_empty(),
        enterprise,
        category,
        title,
        description,
        priority,
    ) else {
        return render_form(
            &state,
            &viewer,
            &fields,
            form_key,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };

    let intake = Intake {
        enterprise,
        category: CategoryRef::Code(category),
        title,
        description,
        priority,
        source: Source::Web,
        client_key: key,
        open311: None,
    };
    let reported = match issues::intake(&state, &viewer.actor, intake).await {
        Ok(reported) => reported,
        Err(AppError::KeyReuse) => {
            // The same form sent again with other values: treat it as a new form.
            let message = viewer.t("changed_meanwhile").to_owned();
            return render_form(
                &state,
                &viewer,
                &fields,
                new_key()?,
                vec![message],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(
            e
            @ (AppError::Invalid(_) | AppError::NotPermitted { .. } | AppError::OutOfScope { .. }),
        ) => {
            let message = crate::messages::text(viewer.locale, &e);
            return render_form(
                &state,
                &viewer,
                &fields,
                form_key,
                vec![message],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let now = state.clock.now();
    let issue = &reported.issue;
    tracing::Span::current().record("issue_id", issue.id.get());
    if let (false, Some(photo), Some(content_type)) = (reported.replayed, photo, photo_type) {
        let filename = photo
            .filename
            .as_deref()
            .and_then(attachments::sanitise_filename)
            .unwrap_or_else(|| "photo".to_owned());
        let new = NewAttachment {
            issue: issue.id,
            sha256: String::new(),
            content_type: content_type.to_owned(),
            size: photo.bytes.len() as u64,
            filename,
            kind: Some(AttachmentKind::Before),
            note: None,
            uploaded_by: viewer.user.id,
        };
        // On a task of its own, as the API's uploads: a client hanging up cannot leave a file
        // without its row. The issue exists either way; a failed photo is logged.
        match tokio::spawn(attachments::persist(state.clone(), new, photo.bytes, now)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "the report's photo was not stored"),
            Err(e) => tracing::error!(error = %e, "the report's photo task failed"),
        }
    }
    Ok(see_other(&format!("/issues/{}", issue.id)))
}

/// `GET /my`: what the viewer reported, newest first.
async fn mine(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let filter = IssueFilter {
        reporter: Some(viewer.user.id),
        ..IssueFilter::default()
    };
    let page_of = issues::queue(&state, &viewer.actor, filter, LIST_LIMIT, None).await?;
    let names = Directory::load(&state).await?;
    let rows = issue_rows(&state, &names, &page_of.items);
    let ctx = context! {
        rows,
        heading => viewer.t("my_title"),
        export => crate::export::link_query(&[("reporter", viewer.user.login.as_str())]),
        new_link => viewer.actor.roles.iter().any(|r| REPORTERS.contains(r)),
        ..viewer.base(viewer.t("my_title"))
    };
    page("issues.html", ctx)
}

/// `GET /verify`: resolved issues the viewer may verify now.
async fn to_verify(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(VERIFIERS)?;
    let filter = IssueFilter {
        statuses: vec![Status::Resolved],
        ..IssueFilter::default()
    };
    let page_of = issues::queue(&state, &viewer.actor, filter, LIST_LIMIT, None).await?;
    let waiting: Vec<_> = page_of
        .items
        .into_iter()
        .filter(|i| available_actions(i, &viewer.actor).contains(&ActionKind::Verify))
        .collect();
    let names = Directory::load(&state).await?;
    let rows = issue_rows(&state, &names, &waiting);
    let ctx = context! {
        rows,
        heading => viewer.t("verify_title"),
        export => crate::export::link_query(&[("status", "resolved")]),
        ..viewer.base(viewer.t("verify_title"))
    };
    page("issues.html", ctx)
}
