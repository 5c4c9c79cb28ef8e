//! What must happen outside the core after a transition, returned as data.
//!
//! The core decides; drivers act. The store writes these to the outbox and the scheduler's timer
//! table in the same transaction as the event, so nothing decided is lost.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{GridId, UnitId, UserId};
use crate::notification::NotificationKind;

/// Who should hear about a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", content = "id", rename_all = "snake_case")]
pub enum Audience {
    Dispatchers,
    Supervisors,
    /// The park's administrators: the last rung of the escalation ladder.
    Admins,
    /// Every member of the unit.
    Unit(UnitId),
    /// The unit's head only.
    UnitHead(UnitId),
    /// The person who reported the issue.
    Reporter(UserId),
    /// The post members of the grid, who verify on site.
    GridPosts(GridId),
}

/// An effect of a transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Tell someone what happened.
    Notify {
        audience: Audience,
        kind: NotificationKind,
    },
    /// (Re)arm the deadline watch: reminders before and escalation checks at these times.
    /// Replaces any watch armed before for the issue.
    WatchDeadlines {
        response_due_at: Option<DateTime<Utc>>,
        resolve_due_at: DateTime<Utc>,
    },
    /// The response clock stopped: the unit made its first response.
    ResponseClockStopped,
    /// Nobody's clock runs any more (closed, on hold, returned, duplicate): disarm the watch.
    StopWatching,
}
