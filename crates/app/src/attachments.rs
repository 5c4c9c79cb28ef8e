//! Attachments: photos of a problem and of its fix, and PDFs, attached to an issue — kept by
//! content hash, typed by their bytes, and named and served so they can do nothing in a
//! browser. The JSON API's upload and download and the web pages' report photo both come here.
//!
//! The type is read from the bytes themselves (JPEG, PNG, GIF, WebP, HEIC/HEIF, PDF), never
//! from the file name or the declared type. The bytes are kept in the database by their
//! SHA-256, so the same bytes uploaded twice are two rows and one copy, several instances on
//! one database need no shared disk, and a backup holds every attachment. The bytes and the
//! row are written in one transaction, on a task of its own ([`persist`]), so a client hanging
//! up midway cannot leave one without the other. Files that earlier versions kept under
//! `<data_dir>/attachments/` are moved in at start ([`move_files_in`]).
//!
//! Whoever may see the issue may attach to it and read its attachments; anyone else is told
//! the issue does not exist ([`visible_issue`]).
//!
//! Attachments are not issue events: the core's history (`Change`) has no attachment step, so
//! an upload changes neither the issue's version nor its event list.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use gridloop_core::{Actor, IssueId};
use gridloop_store::{Attachment, AttachmentKind, NewAttachment, MAX_FILENAME_CHARS};
use sha2::{Digest, Sha256};

use crate::error::{AppError, Thing};
use crate::state::AppState;

/// What an attachment may do once in a browser: nothing. `sandbox` gives a document opened
/// from it an opaque origin with no scripts, forms or plugins; `default-src 'none'` lets it load
/// nothing; `frame-ancestors 'none'` keeps it out of frames.
pub const ATTACHMENT_CSP: &str = "sandbox; default-src 'none'; frame-ancestors 'none'";

/// The issue, if the actor may see it; [`AppError::NotFound`] alike for a missing one and one
/// out of sight.
pub async fn visible_issue(
    state: &AppState,
    actor: &Actor,
    id: IssueId,
) -> Result<IssueId, AppError> {
    match state.store.issue(id).await? {
        Some(issue) if actor.can_see(&issue.scope()) => Ok(id),
        _ => Err(AppError::NotFound(Thing::Issue)),
    }
}

/// An attachment of an issue the actor may see, as it is served: its bytes and the headers
/// that keep it harmless in a browser (the same for the API's download and the web's photo).
#[derive(Debug)]
pub struct Served {
    pub attachment: Attachment,
    /// `"<sha256>"`: the download's entity tag.
    pub etag: String,
}

impl Served {
    pub fn new(attachment: Attachment) -> Self {
        Self {
            etag: format!("\"{}\"", attachment.sha256),
            attachment,
        }
    }

    /// The headers of every answer about the attachment, `304 Not Modified` included:
    /// `(lowercase name, value)`.
    pub fn common_headers(&self) -> [(&'static str, String); 5] {
        [
            ("etag", self.etag.clone()),
            ("cache-control", "private".to_owned()),
            ("x-content-type-options", "nosniff".to_owned()),
            ("content-security-policy", ATTACHMENT_CSP.to_owned()),
            ("cross-origin-resource-policy", "same-origin".to_owned()),
        ]
    }

    /// The headers of the bytes themselves: their type, and a disposition that shows images
    /// inline and downloads anything else, under a name that follows the type.
    pub fn content_headers(&self) -> [(&'static str, String); 2] {
        [
            ("content-type", self.attachment.content_type.clone()),
            (
                "content-disposition",
                content_disposition(&self.attachment.filename, &self.attachment.content_type),
            ),
        ]
    }

    /// Whether `If-None-Match` (its values, as sent) names this entity tag (or is `*`).
    pub fn not_modified<'a>(&self, if_none_match: impl IntoIterator<Item = &'a str>) -> bool {
        if_none_match
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == self.etag || t == "*")
    }

    /// The bytes, read from the database and checked against the recorded size.
    pub async fn read(&self, state: &AppState) -> Result<Vec<u8>, AppError> {
        let Some(bytes) = state.store.blob(&self.attachment.sha256).await? else {
            tracing::error!(sha256 = %self.attachment.sha256, "an attachment's bytes are missing");
            return Err(AppError::Internal);
        };
        if bytes.len() as u64 != self.attachment.size {
            tracing::error!(
                sha256 = %self.attachment.sha256,
                expected = self.attachment.size,
                found = bytes.len(),
                "an attachment's bytes have the wrong size"
            );
            return Err(AppError::Internal);
        }
        Ok(bytes)
    }
}

/// The attachments of an issue the actor may see, oldest first.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    issue: IssueId,
) -> Result<Vec<Attachment>, AppError> {
    let issue = visible_issue(state, actor, issue).await?;
    Ok(state.store.attachments(issue).await?)
}

/// The attachment `attachment_id` of issue `issue`, if the actor may see the issue.
pub async fn served(
    state: &AppState,
    actor: &Actor,
    issue: IssueId,
    attachment_id: i64,
) -> Result<Served, AppError> {
    let issue = visible_issue(state, actor, issue).await?;
    let attachment = state
        .store
        .attachment(issue, attachment_id)
        .await?
        .ok_or(AppError::NotFound(Thing::Attachment))?;
    Ok(Served::new(attachment))
}

// ---------------------------------------------------------------------------------------------
// Types by content

/// The media type of the bytes when it is one gridloop accepts; otherwise a description of
/// what they seem to be, for the error.
pub fn sniff(bytes: &[u8]) -> Result<&'static str, String> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Ok("image/jpeg");
    }
    if at(0, &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok("image/png");
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Ok("image/gif");
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Ok("image/webp");
    }
    if at(4, b"ftyp") {
        return match bytes.get(8..12) {
            Some(b"heic" | b"heix") => Ok("image/heic"),
            Some(b"mif1") => Ok("image/heif"),
            Some(brand) => Err(format!(
                "an ISO media file of brand '{}' (video or an unsupported image format)",
                String::from_utf8_lossy(brand).escape_debug()
            )),
            None => Err("application/octet-stream".to_owned()),
        };
    }
    if at(0, b"%PDF-") {
        return Ok("application/pdf");
    }
    Err(describe(bytes).to_owned())
}

/// A name for content gridloop refuses.
fn describe(bytes: &[u8]) -> &'static str {
    let at = |magic: &[u8]| bytes.starts_with(magic);
    if bytes.is_empty() {
        return "empty";
    }
    if at(b"PK\x03\x04") {
        return "application/zip";
    }
    if at(&[0x1F, 0x8B]) {
        return "application/gzip";
    }
    if at(b"II*\0") || at(b"MM\0*") {
        return "image/tiff";
    }
    if at(b"\x7FELF") {
        return "an executable";
    }
    let head = &bytes[..bytes.len().min(512)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        // A character cut at the end of the sample is still text.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    match text {
        Some(t) if !t.contains('\0') => {
            let lower = t
                .trim_start_matches('\u{FEFF}')
                .trim_start()
                .to_ascii_lowercase();
            if lower.starts_with("<svg") || (lower.starts_with("<?xml") && lower.contains("<svg")) {
                "image/svg+xml"
            } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
                "text/html"
            } else {
                "text/plain"
            }
        }
        _ => "application/octet-stream",
    }
}

/// The `Content-Disposition` of a download: `inline` only for images (shown by the browser as an
/// image, never as a document), `attachment` for anything else; the name, its extension that of
/// the type, only as RFC 5987's `filename*` (RFC 6266 §4.3). Every byte outside `attr-char` is
/// percent-encoded there, so no quote, semicolon, CR or LF of a name can end the value early;
/// the plain `filename=` fallback is left out, as every browser in use reads `filename*`.
pub fn content_disposition(filename: &str, content_type: &str) -> String {
    let kind = if content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    let name = named_as(filename, content_type);
    format!("{kind}; filename*=UTF-8''{}", rfc5987(&name))
}

/// The name with the extension of `content_type`: kept when it is already one of that type's
/// (in any case, `.JPEG` for a JPEG), else replaced (`page.html` for a PNG becomes `page.png`),
/// else added (`photo` becomes `photo.jpg`).
pub fn named_as(filename: &str, content_type: &str) -> String {
    let wanted = extension(content_type);
    let (stem, ext) = match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext)),
        _ => (filename, None),
    };
    match ext {
        Some(ext)
            if extensions(content_type)
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext)) =>
        {
            filename.to_owned()
        }
        _ => format!("{stem}.{wanted}"),
    }
}

/// Every extension that names a type, the usual one first.
fn extensions(content_type: &str) -> &'static [&'static str] {
    match content_type {
        "image/jpeg" => &["jpg", "jpeg", "jpe"],
        "image/png" => &["png"],
        "image/gif" => &["gif"],
        "image/webp" => &["webp"],
        "image/heic" => &["heic"],
        "image/heif" => &["heif", "heic"],
        "application/pdf" => &["pdf"],
        _ => &["bin"],
    }
}

/// The usual extension of an accepted type, for a file sent without a name.
pub fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/heic" => "heic",
        "image/heif" => "heif",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

// ---------------------------------------------------------------------------------------------
// File names

/// Characters that change how text displays without being visible: bidirectional overrides
/// (which can make `gpj.exe` read as `exe.jpg`), zero-width characters, the BOM.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The client's file name, made safe to keep and show: the last path component only, without
/// control or invisible characters, leading dots or surrounding blanks, cut to 255 characters
/// keeping a short extension. `None` when nothing is left.
pub fn sanitise_filename(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|&c| !c.is_control() && !is_invisible(c))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim_start();
    if cleaned.is_empty() {
        return None;
    }
    if cleaned.chars().count() <= MAX_FILENAME_CHARS {
        return Some(cleaned.to_owned());
    }
    let keep_extension = cleaned
        .rsplit_once('.')
        .filter(|(stem, ext)| !stem.is_empty() && !ext.is_empty() && ext.chars().count() <= 16);
    Some(match keep_extension {
        Some((stem, ext)) => {
            let room = MAX_FILENAME_CHARS - 1 - ext.chars().count();
            let stem: String = stem.chars().take(room).collect();
            format!("{}.{ext}", stem.trim_end())
        }
        None => cleaned.chars().take(MAX_FILENAME_CHARS).collect(),
    })
}

/// RFC 5987 `value-chars`: UTF-8, with everything but `attr-char` percent-encoded.
fn rfc5987(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Bytes by content hash

/// Moves the files that earlier versions kept under `<data_dir>/attachments/ab/cdef…` into the
/// database, then removes them (and the emptied folders); idempotent, so every start runs it.
/// A file whose bytes do not hash to its name is left where it is, with a warning: it is not
/// what any row recorded. Returns how many files were moved.
pub async fn move_files_in(
    store: &gridloop_store::Store,
    data_dir: &Path,
) -> Result<u64, AppError> {
    let root = data_dir.join("attachments");
    let files = blocking({
        let root = root.clone();
        move || stored_files(&root)
    })
    .await?;
    let mut moved = 0;
    for (sha256, path) in files {
        let bytes = blocking({
            let path = path.clone();
            move || fs::read(path)
        })
        .await?;
        let hashed = bytes.clone();
        if blocking(move || Ok(sha256_hex(&[&hashed]))).await? != sha256 {
            tracing::warn!(path = %path.display(), "an attachment file does not hash to its name; left in place");
            continue;
        }
        store.put_blob(&sha256, bytes).await?;
        blocking(move || fs::remove_file(&path)).await?;
        moved += 1;
    }
    if moved > 0 {
        let _ = blocking(move || remove_empty_dirs(&root)).await;
        tracing::info!(moved, "moved attachment files into the database");
    }
    Ok(moved)
}

/// The files under `root` named like a hash (`ab/cdef…`), with their hashes.
fn stored_files(root: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let mut found = Vec::new();
    let fans = match fs::read_dir(root) {
        Ok(fans) => fans,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e),
    };
    for fan in fans {
        let fan = fan?;
        let fan_name = fan.file_name().to_string_lossy().into_owned();
        if !(fan_name.len() == 2 && hex(&fan_name) && fan.file_type()?.is_dir()) {
            continue;
        }
        for file in fs::read_dir(fan.path())? {
            let file = file?;
            let rest = file.file_name().to_string_lossy().into_owned();
            if rest.len() == 62 && hex(&rest) && file.file_type()?.is_file() {
                found.push((format!("{fan_name}{rest}"), file.path()));
            }
        }
    }
    Ok(found)
}

/// Removes the emptied fan-out folders and `root` itself if nothing else is left in them.
fn remove_empty_dirs(root: &Path) -> io::Result<()> {
    for fan in fs::read_dir(root)? {
        let _ = fs::remove_dir(fan?.path());
    }
    let _ = fs::remove_dir(root);
    Ok(())
}

/// The SHA-256, in lowercase hex, of `parts` one after another.
pub(crate) fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part);
    }
    let mut hex = String::with_capacity(64);
    for b in digest.finalize() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// A file received for an issue, its type already read from its bytes ([`sniff`]).
#[derive(Debug, Clone)]
pub struct Upload {
    pub bytes: Bytes,
    /// What [`sniff`] found.
    pub content_type: &'static str,
    /// The name the client gave it, if any.
    pub filename: Option<String>,
    pub kind: Option<AttachmentKind>,
    pub note: Option<String>,
}

/// The name an upload is kept and served under: the client's, made harmless and named for
/// its type (cut again, keeping the extension, should that make it too long), or
/// `attachment.<ext>` when nothing of it is left.
pub fn stored_name(raw: Option<&str>, content_type: &str) -> String {
    raw.and_then(sanitise_filename)
        .and_then(|name| sanitise_filename(&named_as(&name, content_type)))
        .unwrap_or_else(|| format!("attachment.{}", extension(content_type)))
}

/// Attaches a file to an issue the actor may see (else [`AppError::NotFound`]), stored on a
/// task of its own: if the client hangs up meanwhile, the bytes still get their row (or, on
/// failure, are removed) instead of being left behind by a dropped future.
pub async fn attach(
    state: &AppState,
    actor: &Actor,
    issue: IssueId,
    upload: Upload,
) -> Result<Attachment, AppError> {
    let issue = visible_issue(state, actor, issue).await?;
    let new = NewAttachment {
        issue,
        sha256: String::new(),
        content_type: upload.content_type.to_owned(),
        size: upload.bytes.len() as u64,
        filename: stored_name(upload.filename.as_deref(), upload.content_type),
        kind: upload.kind,
        note: upload.note,
        uploaded_by: actor.user,
    };
    let now = state.clock.now();
    let attachment = tokio::spawn(persist(state.clone(), new, upload.bytes, now))
        .await
        .map_err(|e| AppError::internal("the attachment task failed", &e))??;
    tracing::info!(
        attachment = attachment.id,
        size = attachment.size,
        content_type = %attachment.content_type,
        "attachment stored"
    );
    Ok(attachment)
}

/// Keeps the bytes (unless the same bytes are kept already) and records the row, in one
/// transaction: either both are there or neither.
pub async fn persist(
    state: AppState,
    mut new: NewAttachment,
    bytes: Bytes,
    now: DateTime<Utc>,
) -> Result<Attachment, AppError> {
    let hashed = bytes.clone();
    new.sha256 = blocking(move || Ok(sha256_hex(&[&hashed]))).await?;
    Ok(state
        .store
        .add_attachment_with_bytes(new, bytes.to_vec(), now)
        .await?)
}

/// Runs blocking file work off the async threads; an I/O error is logged and is internal.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(AppError::internal("attachment storage failed", &e)),
        Err(e) => Err(AppError::internal("attachment storage task failed", &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_types_are_recognised_by_their_magic_bytes() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        assert_eq!(sniff(&png), Ok("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Ok("image/jpeg"));
        assert_eq!(sniff(b"GIF89a\x01\x00"), Ok("image/gif"));
        assert_eq!(sniff(b"GIF87a\x01\x00"), Ok("image/gif"));
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WEBPVP8 "), Ok("image/webp"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Ok("image/heic"));
        assert_eq!(sniff(b"\0\0\0\x18ftypheix\0\0\0\0"), Ok("image/heic"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmif1\0\0\0\0"), Ok("image/heif"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Ok("application/pdf"));
    }

    #[test]
    fn refused_content_is_named() {
        assert_eq!(sniff(b"hello, this is text").unwrap_err(), "text/plain");
        assert_eq!(sniff(b"").unwrap_err(), "empty");
        assert_eq!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap_err(),
            "image/svg+xml"
        );
        assert_eq!(sniff(b"<!DOCTYPE html><html>").unwrap_err(), "text/html");
        assert_eq!(sniff(b"PK\x03\x04rest").unwrap_err(), "application/zip");
        assert_eq!(
            sniff(&[0x00, 0x01, 0xFE, 0xFF]).unwrap_err(),
            "application/octet-stream"
        );
        assert!(sniff(b"\0\0\0\x18ftypisom\0\0")
            .unwrap_err()
            .contains("isom"));
        // Too short to be what it starts like.
        assert_eq!(
            sniff(&[0xFF, 0xD8]).unwrap_err(),
            "application/octet-stream"
        );
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WAVE").unwrap_err(),
            "application/octet-stream"
        );
    }

    #[test]
    fn file_names_lose_folders_controls_and_invisible_characters() {
        assert_eq!(sanitise_filename("photo.jpg").as_deref(), Some("photo.jpg"));
        assert_eq!(
            sanitise_filename("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            sanitise_filename("C:\\Users\\x\\现场照片.jpg").as_deref(),
            Some("现场照片.jpg")
        );
        assert_eq!(sanitise_filename("a\r\nb\0.png").as_deref(), Some("ab.png"));
        assert_eq!(
            sanitise_filename("evil\u{202E}gpj.exe").as_deref(),
            Some("evilgpj.exe")
        );
        assert_eq!(sanitise_filename(".hidden").as_deref(), Some("hidden"));
        assert_eq!(sanitise_filename("  ").as_deref(), None);
        assert_eq!(sanitise_filename("..").as_deref(), None);
        assert_eq!(sanitise_filename("dir/").as_deref(), None);
    }

    #[test]
    fn long_file_names_are_cut_to_255_characters_keeping_the_extension() {
        let long = format!("{}.jpeg", "照".repeat(400));
        let cut = sanitise_filename(&long).expect("a name");
        assert_eq!(cut.chars().count(), 255);
        assert!(cut.ends_with(".jpeg"));
        let no_ext = "x".repeat(300);
        assert_eq!(sanitise_filename(&no_ext).expect("a name").len(), 255);
    }

    #[test]
    fn a_served_name_takes_the_extension_of_the_sniffed_type() {
        assert_eq!(named_as("page.html", "image/png"), "page.png");
        assert_eq!(named_as("photo.JPEG", "image/jpeg"), "photo.JPEG");
        assert_eq!(named_as("photo", "image/jpeg"), "photo.jpg");
        assert_eq!(named_as("a.pdf.exe", "application/pdf"), "a.pdf.pdf");
        assert_eq!(named_as("report.pdf", "application/pdf"), "report.pdf");
        assert_eq!(named_as("hidden", "image/gif"), "hidden.gif");
    }

    #[test]
    fn only_images_are_inline_and_names_cannot_break_out_of_the_header() {
        assert_eq!(
            content_disposition("现场.png", "image/png"),
            "inline; filename*=UTF-8''%E7%8E%B0%E5%9C%BA.png"
        );
        assert_eq!(
            content_disposition("合同.pdf", "application/pdf"),
            "attachment; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"
        );
        let hostile = content_disposition("a\";\r\nSet-Cookie: x=1;.html", "application/pdf");
        assert!(
            hostile.starts_with("attachment; filename*=UTF-8''"),
            "{hostile}"
        );
        let value = hostile.split_once("''").map(|(_, v)| v).unwrap_or_default();
        assert!(!value.contains(['"', ';', '\r', '\n', ' ']), "{hostile}");
        assert!(hostile.ends_with(".pdf"), "{hostile}");
        assert!(!hostile.chars().any(|c| c.is_control()), "{hostile}");
    }

    #[test]
    fn rfc5987_encodes_everything_but_attribute_characters() {
        assert_eq!(rfc5987("photo-1.jpg"), "photo-1.jpg");
        assert_eq!(rfc5987("a b\"c;.pdf"), "a%20b%22c%3B.pdf");
        assert_eq!(rfc5987("照片.png"), "%E7%85%A7%E7%89%87.png");
    }

    #[test]
    fn only_files_named_like_a_hash_under_a_two_digit_folder_are_found() {
        let dir = std::env::temp_dir().join(format!("gridloop-blobs-{}", std::process::id()));
        let sha = sha256_hex(&[b"bytes"]);
        let (fan, rest) = sha.split_at(2);
        fs::create_dir_all(dir.join(fan)).expect("folder");
        fs::write(dir.join(fan).join(rest), b"bytes").expect("write");
        fs::write(dir.join(fan).join("notes.txt"), b"x").expect("write");
        fs::create_dir_all(dir.join("tmp")).expect("folder");
        fs::write(dir.join("tmp").join(rest), b"bytes").expect("write");
        let found = stored_files(&dir).expect("listed");
        assert_eq!(found, vec![(sha.clone(), dir.join(fan).join(rest))]);
        assert_eq!(stored_files(&dir.join("missing")).expect("none"), vec![]);
        let _ = fs::remove_dir_all(&dir);
    }
}
