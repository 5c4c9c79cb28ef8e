//! How issues and reference data are shown: aligned text for people, JSON for machines.
//!
//! Ids are resolved to the codes and logins people use (`power`, `post03`), and instants are shown
//! in the calendar's time zone for text and in RFC 3339 UTC for JSON.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use gridloop_core::{Event, Issue, UnitId, UserId};
use gridloop_store::Store;
use serde::Serialize;
use serde_json::{json, Value};

/// Codes and names of reference data, loaded once per command.
#[derive(Debug, Default)]
pub struct Names {
    grids: HashMap<i64, String>,
    units: HashMap<i64, String>,
    categories: HashMap<i64, String>,
    enterprises: HashMap<i64, String>,
    users: HashMap<i64, String>,
}

impl Names {
    pub async fn load(store: &Store) -> anyhow::Result<Self> {
        Ok(Self {
            grids: store
                .grids()
                .await?
                .into_iter()
                .map(|g| (g.id.get(), g.code.to_string()))
                .collect(),
            units: store
                .units()
                .await?
                .into_iter()
                .map(|u| (u.id.get(), u.code.to_string()))
                .collect(),
            categories: store
                .categories()
                .await?
                .into_iter()
                .map(|c| (c.id.get(), c.code.to_string()))
                .collect(),
            enterprises: store
                .enterprises(None)
                .await?
                .into_iter()
                .map(|e| (e.id.get(), e.name.to_string()))
                .collect(),
            users: store
                .users()
                .await?
                .into_iter()
                .map(|u| (u.id.get(), u.login.to_string()))
                .collect(),
        })
    }

    fn get(map: &HashMap<i64, String>, id: i64) -> String {
        map.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
    }

    pub fn unit(&self, id: Option<UnitId>) -> Option<String> {
        id.map(|id| Self::get(&self.units, id.get()))
    }

    pub fn user(&self, id: Option<UserId>) -> Option<String> {
        id.map(|id| Self::get(&self.users, id.get()))
    }
}

/// The JSON shape of an issue, as the CLI prints it and the API will serve it.
pub fn issue_json(issue: &Issue, names: &Names) -> Value {
    json!({
        "id": issue.id,
        "status": issue.status,
        "version": issue.version,
        "title": issue.title,
        "description": issue.description,
        "category": Names::get(&names.categories, issue.category.get()),
        "priority": issue.priority,
        "grid": Names::get(&names.grids, issue.grid.get()),
        "enterprise": issue.enterprise,
        "enterprise_name": Names::get(&names.enterprises, issue.enterprise.get()),
        "unit": names.unit(issue.unit),
        "reporter": names.user(issue.reporter),
        "source": issue.source,
        "response_due_at": issue.response_due_at,
        "resolve_due_at": issue.resolve_due_at,
        "responded_at": issue.responded_at,
        "resolved_at": issue.resolved_at,
        "closed_at": issue.closed_at,
        "escalation_level": issue.escalation_level,
        "rework_count": issue.rework_count,
        "return_count": issue.return_count,
        "resolution": issue.resolution,
        "satisfaction": issue.satisfaction,
        "verifier": names.user(issue.verifier),
        "duplicate_of": issue.duplicate_of,
        "pending_extension": issue.pending_extension.as_ref().map(|p| json!({
            "until": p.until, "reason": p.reason, "requested_by": names.user(p.requested_by), "requested_at": p.requested_at,
        })),
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
    })
}

pub fn event_json(event: &Event, names: &Names) -> Value {
    let mut payload = serde_json::to_value(&event.change).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut payload {
        map.remove("kind");
    }
    json!({
        "version": event.version,
        "at": event.at,
        "kind": event.change.kind(),
        "actor": names.user(event.actor),
        "from": event.from,
        "to": event.to,
        "payload": payload,
    })
}

pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn opt_local(t: Option<DateTime<Utc>>, tz: Tz) -> String {
    t.map(|t| local(t, tz)).unwrap_or_else(|| "-".to_owned())
}

/// The text form of one issue: a block of labelled lines.
pub fn issue_text(issue: &Issue, names: &Names, tz: Tz, now: DateTime<Utc>) -> String {
    let mut lines = vec![
        format!("#{} {}", issue.id, issue.title),
        format!(
            "  status       {} (version {})",
            issue.status, issue.version
        ),
        format!(
            "  enterprise   {} (#{}), grid {}",
            Names::get(&names.enterprises, issue.enterprise.get()),
            issue.enterprise,
            Names::get(&names.grids, issue.grid.get())
        ),
        format!(
            "  category     {}, priority {}",
            Names::get(&names.categories, issue.category.get()),
            issue.priority
        ),
        format!(
            "  reporter     {}",
            names.user(issue.reporter).unwrap_or_else(|| "-".into())
        ),
    ];
    if let Some(unit) = issue.unit {
        lines.push(format!(
            "  unit         {}",
            Names::get(&names.units, unit.get())
        ));
        lines.push(format!(
            "  respond by   {}{}",
            opt_local(issue.response_due_at, tz),
            if issue.responded_at.is_some() {
                " (responded)"
            } else {
                ""
            }
        ));
        lines.push(format!(
            "  resolve by   {}{}",
            opt_local(issue.resolve_due_at, tz),
            if issue.is_overdue(now) {
                "  OVERDUE"
            } else {
                ""
            }
        ));
    }
    if let Some(p) = &issue.pending_extension {
        lines.push(format!(
            "  extension    asked until {}: {}",
            local(p.until, tz),
            p.reason
        ));
    }
    if let Some(note) = &issue.resolution {
        lines.push(format!("  resolution   {note}"));
    }
    if let Some(s) = issue.satisfaction {
        lines.push(format!(
            "  verified     by {}, satisfaction {}/5",
            names.user(issue.verifier).unwrap_or_else(|| "-".into()),
            s.get()
        ));
    }
    if let Some(of) = issue.duplicate_of {
        lines.push(format!("  duplicate of #{of}"));
    }
    if issue.rework_count > 0 || issue.return_count > 0 {
        lines.push(format!(
            "  reworked {}×, returned {}×",
            issue.rework_count, issue.return_count
        ));
    }
    if !issue.description.as_str().is_empty() {
        lines.push(format!("  {}", issue.description));
    }
    lines.join("\n")
}

pub fn event_text(event: &Event, names: &Names, tz: Tz) -> String {
    let mut payload = serde_json::to_value(&event.change).unwrap_or(Value::Null);
    let detail = match &mut payload {
        Value::Object(map) => {
            map.remove("kind");
            map.iter()
                .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
                .map(|(k, v)| {
                    let id = v.as_i64().unwrap_or_default();
                    let shown = match (k.as_str(), v) {
                        ("unit" | "from_unit", _) => Names::get(&names.units, id),
                        ("category", _) => Names::get(&names.categories, id),
                        ("grid", _) => Names::get(&names.grids, id),
                        (_, Value::String(s)) => s.clone(),
                        (_, other) => other.to_string(),
                    };
                    format!("{k}={shown}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => String::new(),
    };
    format!(
        "v{:<3} {}  {:<20} {:<10} {} → {}  {}",
        event.version,
        local(event.at, tz),
        event.change.kind(),
        names.user(event.actor).unwrap_or_else(|| "system".into()),
        event.from.map(|s| s.as_str()).unwrap_or("-"),
        event.to,
        detail
    )
}

/// Prints rows as aligned columns (display width aware enough for CJK: counts chars twice
/// when they are wide).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let width = |s: &str| {
        s.chars()
            .map(|c| if c.len_utf8() >= 3 { 2 } else { 1 })
            .sum::<usize>()
    };
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(cell));
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = vec![line(headers.to_vec())];
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// `println!` that treats a closed stdout (`gridloop issue list | head`) as the end of the
/// conversation: exit quietly with success instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}
pub(crate) use say;

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    say!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
