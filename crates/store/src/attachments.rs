//! Attachments: the rows describing files attached to issues (photos, PDFs).
//!
//! The bytes are not here: the server keeps them on disk, named by their SHA-256, and the row
//! names the file by that hash. Two uploads of the same bytes are two rows and one file.
//! Attachments are not issue events — the core's history has no such step — so adding one
//! leaves the issue's version and event list alone.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use gridloop_core::{Format, IssueId, ParseError, Rule, UserId};
use serde::{Deserialize, Serialize};

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::rows::stored;
use crate::store::Store;

/// The longest file name kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 255;
/// The longest note kept with an attachment, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// What an attachment shows: the problem as found, or the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    /// The problem as found, typically a post member's photo.
    Before,
    /// The result, typically the handling unit's photo of the fix.
    After,
}

impl AttachmentKind {
    pub const ALL: [Self; 2] = [Self::Before, Self::After];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
        }
    }
}

impl fmt::Display for AttachmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AttachmentKind {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(
                    "kind",
                    Rule::OneOf {
                        allowed: &["before", "after"],
                    },
                )
            })
    }
}

/// An attachment to record. The caller has already stored the bytes under their hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub issue: IssueId,
    /// The SHA-256 of the bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// The media type detected from the bytes (never the one the client declared).
    pub content_type: String,
    pub size: u64,
    /// The client's file name, already stripped of folders and control characters.
    pub filename: String,
    pub kind: Option<AttachmentKind>,
    pub note: Option<String>,
    pub uploaded_by: UserId,
}

/// A recorded attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub issue: IssueId,
    pub sha256: String,
    pub content_type: String,
    pub size: u64,
    pub filename: String,
    pub kind: Option<AttachmentKind>,
    pub note: Option<String>,
    pub uploaded_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: i64,
    issue_id: i64,
    sha256: String,
    content_type: String,
    size: i64,
    filename: String,
    kind: Option<String>,
    note: Option<String>,
    uploaded_by: i64,
    created_at: DateTime<Utc>,
}

impl AttachmentRow {
    fn into_domain(self) -> Result<Attachment, StoreError> {
        const TABLE: &str = "attachments";
        Ok(Attachment {
            id: self.id,
            issue: stored(TABLE, IssueId::new(self.issue_id))?,
            sha256: self.sha256,
            content_type: self.content_type,
            size: stored(TABLE, u64::try_from(self.size))?,
            filename: self.filename,
            kind: self
                .kind
                .as_deref()
                .map(|k| stored(TABLE, k.parse()))
                .transpose()?,
            note: self.note,
            uploaded_by: stored(TABLE, UserId::new(self.uploaded_by))?,
            created_at: self.created_at,
        })
    }
}

const ATTACHMENT_COLUMNS: &str =
    "id, issue_id, sha256, content_type, size, filename, kind, note, uploaded_by, created_at";

/// Every field's problem at once, as `Invalid`.
fn check(new: &NewAttachment) -> Result<(), StoreError> {
    let mut errors = Vec::new();
    let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    if new.sha256.len() != 64 || !new.sha256.chars().all(hex) {
        errors.push(ParseError::new("sha256", Rule::Format(Format::Sha256)));
    }
    let media = |c: char| c.is_ascii_graphic() || c == ' ';
    if new.content_type.is_empty()
        || new.content_type.len() > 100
        || !new.content_type.chars().all(media)
    {
        errors.push(ParseError::new(
            "content_type",
            Rule::Format(Format::ContentType),
        ));
    }
    let chars = new.filename.chars().count();
    if chars == 0 {
        errors.push(ParseError::new("filename", Rule::Blank));
    } else if chars > MAX_FILENAME_CHARS {
        errors.push(ParseError::new(
            "filename",
            Rule::TooLong {
                max: MAX_FILENAME_CHARS,
            },
        ));
    } else if new.filename.chars().any(char::is_control) {
        errors.push(ParseError::new("filename", Rule::ControlCharacter));
    }
    if new
        .note
        .as_deref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        errors.push(ParseError::new(
            "note",
            Rule::TooLong {
                max: MAX_NOTE_CHARS,
            },
        ));
    }
    if i64::try_from(new.size).is_err() {
        errors.push(ParseError::new("size", Rule::TooLarge));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

impl Tx {
    /// Records an attachment of an issue. `Invalid` for a malformed hash, type, name or note;
    /// `NotFound` for an unknown issue or uploader.
    pub async fn add_attachment(
        &mut self,
        new: NewAttachment,
        now: DateTime<Utc>,
    ) -> Result<Attachment, StoreError> {
        check(&new)?;
        self.must_exist("issues", "issue", new.issue.get()).await?;
        self.must_exist("users", "user", new.uploaded_by.get())
            .await?;
        let size =
            i64::try_from(new.size).map_err(|_| StoreError::invalid("size", Rule::TooLarge))?;
        let row: AttachmentRow = self
            .fetch_one(
                &format!(
                    "INSERT INTO attachments \
                     (issue_id, sha256, content_type, size, filename, kind, note, uploaded_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {ATTACHMENT_COLUMNS}"
                ),
                args![
                    new.issue.get(),
                    new.sha256,
                    new.content_type,
                    size,
                    new.filename,
                    new.kind.map(AttachmentKind::as_str),
                    new.note.as_deref(),
                    new.uploaded_by.get(),
                    now,
                ],
            )
            .await?;
        row.into_domain()
    }

    /// The attachments of an issue, oldest first; empty for an unknown issue.
    pub async fn attachments(&mut self, issue: IssueId) -> Result<Vec<Attachment>, StoreError> {
        let rows: Vec<AttachmentRow> = self
            .fetch_all(
                &format!(
                    "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE issue_id = $1 ORDER BY id"
                ),
                args![issue.get()],
            )
            .await?;
        rows.into_iter().map(AttachmentRow::into_domain).collect()
    }

    /// One attachment of an issue: `None` when there is no such id, or it belongs to another
    /// issue.
    pub async fn attachment(
        &mut self,
        issue: IssueId,
        id: i64,
    ) -> Result<Option<Attachment>, StoreError> {
        let row: Option<AttachmentRow> = self
            .fetch_optional(
                &format!(
                    "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE issue_id = $1 AND id = $2"
                ),
                args![issue.get(), id],
            )
            .await?;
        row.map(AttachmentRow::into_domain).transpose()
    }

    /// How many attachments, of any issue, name the file with this hash: whether the file is
    /// still needed.
    pub async fn attachments_with_sha256(&mut self, sha256: &str) -> Result<u64, StoreError> {
        let (count,): (i64,) = self
            .fetch_one(
                "SELECT COUNT(*) FROM attachments WHERE sha256 = $1",
                args![sha256],
            )
            .await?;
        stored("attachments", u64::try_from(count))
    }
}

/// Attachments' bytes, by their SHA-256 (see `migrations/*/0014_attachment_blobs.sql`).
impl Tx {
    /// Keeps `bytes` under `sha256`; `true` when this stored them, `false` when they were kept
    /// already (content addressing makes them the same bytes).
    pub async fn put_blob(&mut self, sha256: &str, bytes: Vec<u8>) -> Result<bool, StoreError> {
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let stored = self
            .execute(
                "INSERT INTO attachment_blobs (sha256, size, bytes) VALUES ($1, $2, $3) \
                 ON CONFLICT (sha256) DO NOTHING",
                args![sha256, size, bytes],
            )
            .await?;
        Ok(stored == 1)
    }

    /// The bytes kept under `sha256`, if any.
    pub async fn blob(&mut self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<(Vec<u8>,)> = self
            .fetch_optional(
                "SELECT bytes FROM attachment_blobs WHERE sha256 = $1",
                args![sha256],
            )
            .await?;
        Ok(row.map(|(bytes,)| bytes))
    }

    /// Forgets the bytes kept under `sha256` unless an attachment row needs them.
    pub async fn remove_blob(&mut self, sha256: &str) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM attachment_blobs WHERE sha256 = $1 \
             AND NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = $1)",
            args![sha256],
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// Records an attachment of an issue (its bytes already stored under their hash).
    pub async fn add_attachment(
        &self,
        new: NewAttachment,
        now: DateTime<Utc>,
    ) -> Result<Attachment, StoreError> {
        self.write(async move |tx| tx.add_attachment(new, now).await)
            .await
    }

    /// The attachments of an issue, oldest first.
    pub async fn attachments(&self, issue: IssueId) -> Result<Vec<Attachment>, StoreError> {
        self.read(async move |tx| tx.attachments(issue).await).await
    }

    /// One attachment of an issue, if it belongs to that issue.
    pub async fn attachment(
        &self,
        issue: IssueId,
        id: i64,
    ) -> Result<Option<Attachment>, StoreError> {
        self.read(async move |tx| tx.attachment(issue, id).await)
            .await
    }

    /// How many attachments name the file with this hash.
    pub async fn attachments_with_sha256(&self, sha256: &str) -> Result<u64, StoreError> {
        self.read(async move |tx| tx.attachments_with_sha256(sha256).await)
            .await
    }

    /// Keeps the bytes (unless kept already) and records the attachment, in one transaction.
    pub async fn add_attachment_with_bytes(
        &self,
        new: NewAttachment,
        bytes: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<Attachment, StoreError> {
        self.write(async move |tx| {
            tx.put_blob(&new.sha256, bytes).await?;
            tx.add_attachment(new, now).await
        })
        .await
    }

    /// See [`Tx::put_blob`].
    pub async fn put_blob(&self, sha256: &str, bytes: Vec<u8>) -> Result<bool, StoreError> {
        let sha256 = sha256.to_owned();
        self.write(async move |tx| tx.put_blob(&sha256, bytes).await)
            .await
    }

    /// See [`Tx::blob`].
    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sha256 = sha256.to_owned();
        self.read(async move |tx| tx.blob(&sha256).await).await
    }

    /// See [`Tx::remove_blob`].
    pub async fn remove_blob(&self, sha256: &str) -> Result<(), StoreError> {
        let sha256 = sha256.to_owned();
        self.write(async move |tx| tx.remove_blob(&sha256).await)
            .await
    }
}
