//! What a notice says of its recipient and its issue, each in one statement.
//!
//! The delivery worker builds a notice for every outbox row it sends: the recipient's name
//! (and whether they are park staff, who read the internal note), the issue with the names of
//! its enterprise, grid and unit, and the reason its last event gave. Read through the general
//! lookups that was ten statements a message — a whole user with roles and four kinds of
//! membership, the issue, its enterprise, its grid, its unit, every event of its history — and
//! a report at 16 clients cost PostgreSQL more in its notice than in itself (issue 17). Here it
//! is two.

use std::sync::LazyLock;

use gridloop_core::{Change, Issue, IssueId, Role, UserId};
use sqlx::types::Json;

use crate::backend::{args, Tx};
use crate::error::StoreError;
use crate::rows::{IssueRow, ISSUE_COLUMNS};

/// Whom a notice addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    pub name: String,
    /// Holds no role but the enterprise's (an enterprise's own user, an Open311 client): reads
    /// only what a unit wrote for the requester, never the internal note.
    pub outsider: bool,
}

/// An issue with the names a notice shows, and its last event's change.
#[derive(Debug, Clone)]
pub struct NoticeIssue {
    pub issue: Issue,
    pub enterprise: String,
    pub grid: String,
    pub unit: Option<String>,
    /// The change of the issue's latest event (where a return's or rework's reason is).
    pub last_change: Option<Change>,
}

#[derive(sqlx::FromRow)]
struct AddresseeRow {
    name: String,
    outsider: bool,
}

#[derive(sqlx::FromRow)]
struct IssueFactsRow {
    #[sqlx(flatten)]
    issue: IssueRow,
    enterprise_name: Option<String>,
    grid_name: Option<String>,
    unit_name: Option<String>,
    last_change: Option<Json<Change>>,
}

static ADDRESSEE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT u.name, NOT EXISTS (SELECT 1 FROM user_roles r \
         WHERE r.user_id = u.id AND r.role <> '{}') AS outsider \
         FROM users u WHERE u.id = $1",
        Role::Enterprise.as_str()
    )
});

/// The issue's columns qualified by the alias `i` and named as [`IssueRow`] reads them.
static ISSUE_FACTS: LazyLock<String> = LazyLock::new(|| {
    let columns: Vec<String> = std::iter::once("id")
        .chain(ISSUE_COLUMNS.iter().copied())
        .map(|c| format!("i.{c} AS {c}"))
        .collect();
    format!(
        "SELECT {}, e.name AS enterprise_name, g.name AS grid_name, un.name AS unit_name, \
         (SELECT ev.payload FROM issue_events ev WHERE ev.issue_id = i.id \
          ORDER BY ev.version DESC LIMIT 1) AS last_change \
         FROM issues i \
         LEFT JOIN enterprises e ON e.id = i.enterprise_id \
         LEFT JOIN grids g ON g.id = i.grid_id \
         LEFT JOIN units un ON un.id = i.unit_id \
         WHERE i.id = $1",
        columns.join(", ")
    )
});

impl Tx {
    /// The user a notice goes to, `None` for an unknown id.
    pub async fn addressee(&mut self, id: UserId) -> Result<Option<Addressee>, StoreError> {
        let row: Option<AddresseeRow> = self.fetch_optional(&ADDRESSEE, args![id.get()]).await?;
        Ok(row.map(|r| Addressee {
            name: r.name,
            outsider: r.outsider,
        }))
    }

    /// Issue `id` with its names and last change, `None` for an unknown id.
    pub async fn notice_issue(&mut self, id: IssueId) -> Result<Option<NoticeIssue>, StoreError> {
        let row: Option<IssueFactsRow> = self.fetch_optional(&ISSUE_FACTS, args![id.get()]).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(NoticeIssue {
            issue: row.issue.into_domain()?,
            enterprise: row.enterprise_name.unwrap_or_default(),
            grid: row.grid_name.unwrap_or_default(),
            unit: row.unit_name,
            last_change: row.last_change.map(|Json(change)| change),
        }))
    }
}
