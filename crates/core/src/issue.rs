//! The issue projection: the current state of a problem, folded from its events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::event::{Change, Event, Source};
use crate::ids::{CategoryId, EnterpriseId, GridId, IssueId, UnitId, UserId};
use crate::priority::{Priority, Satisfaction};
use crate::role::Scope;
use crate::sla::Sla;
use crate::status::Status;
use crate::text::{Description, Note, Reason, Title};

/// An extension the unit asked for and a supervisor has not yet answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub until: DateTime<Utc>,
    pub reason: Reason,
    pub requested_by: Option<UserId>,
    pub requested_at: DateTime<Utc>,
}

/// One problem going through the loop, as of its latest event.
///
/// Fields are public for reading; the only way the workflow changes an issue is by appending an
/// event and folding it in with [`Issue::evolve`], so the row in the store always equals the
/// replay of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub id: IssueId,
    pub version: u32,
    pub status: Status,
    pub title: Title,
    pub description: Description,
    pub category: CategoryId,
    pub priority: Priority,
    pub grid: GridId,
    pub enterprise: EnterpriseId,
    pub reporter: Option<UserId>,
    pub source: Source,
    pub unit: Option<UnitId>,
    pub sla: Option<Sla>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub response_due_at: Option<DateTime<Utc>>,
    pub resolve_due_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub held_since: Option<DateTime<Utc>>,
    /// Working minutes spent on hold since the current assignment; they do not count against the SLA.
    pub held_minutes: u32,
    pub escalation_level: u8,
    pub rework_count: u32,
    pub return_count: u32,
    /// The unit's internal resolution note: never shown outside the loop.
    pub resolution: Option<Note>,
    /// What the unit told the requester when it resolved: the only resolution text Open311
    /// shows. `None` when it said nothing for the requester.
    #[serde(default)]
    pub public_resolution: Option<Note>,
    pub satisfaction: Option<Satisfaction>,
    pub verifier: Option<UserId>,
    pub duplicate_of: Option<IssueId>,
    pub pending_extension: Option<ExtensionRequest>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A history that does not fold into an issue: it does not start with a report, skips a
/// version, or moves from a state the issue was not in. Seeing one means the store is corrupt.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReplayError {
    #[error("an issue's history must start with a `reported` event")]
    NotAReport,
    #[error("event version {found} follows version {current}")]
    VersionGap { current: u32, found: u32 },
    #[error("event {version} moves from {from:?} but the issue was {actual}")]
    WrongFrom {
        version: u32,
        from: Option<Status>,
        actual: Status,
    },
}

impl Issue {
    /// The issue as its first event, a report, created it.
    pub fn open(id: IssueId, event: &Event) -> Result<Self, ReplayError> {
        let Change::Reported {
            title,
            description,
            category,
            priority,
            grid,
            enterprise,
            source,
        } = &event.change
        else {
            return Err(ReplayError::NotAReport);
        };
        if event.version != 1 {
            return Err(ReplayError::VersionGap {
                current: 0,
                found: event.version,
            });
        }
        Ok(Self {
            id,
            version: 1,
            status: Status::Reported,
            title: title.clone(),
            description: description.clone(),
            category: *category,
            priority: *priority,
            grid: *grid,
            enterprise: *enterprise,
            reporter: event.actor,
            source: *source,
            unit: None,
            sla: None,
            assigned_at: None,
            response_due_at: None,
            resolve_due_at: None,
            responded_at: None,
            resolved_at: None,
            closed_at: None,
            held_since: None,
            held_minutes: 0,
            escalation_level: 0,
            rework_count: 0,
            return_count: 0,
            resolution: None,
            public_resolution: None,
            satisfaction: None,
            verifier: None,
            duplicate_of: None,
            pending_extension: None,
            created_at: event.at,
            updated_at: event.at,
        })
    }

    /// Folds a whole history into the issue it describes.
    pub fn replay(id: IssueId, events: &[Event]) -> Result<Self, ReplayError> {
        let (first, rest) = events.split_first().ok_or(ReplayError::NotAReport)?;
        let mut issue = Self::open(id, first)?;
        for event in rest {
            issue.evolve(event)?;
        }
        Ok(issue)
    }

    /// Folds one more event in. Pure bookkeeping: every decision was made when the event was.
    pub fn evolve(&mut self, event: &Event) -> Result<(), ReplayError> {
        if event.version != self.version + 1 {
            return Err(ReplayError::VersionGap {
                current: self.version,
                found: event.version,
            });
        }
        if event.from != Some(self.status) {
            return Err(ReplayError::WrongFrom {
                version: event.version,
                from: event.from,
                actual: self.status,
            });
        }
        let at = event.at;
        match &event.change {
            Change::Reported { .. } => return Err(ReplayError::NotAReport),
            Change::Accepted { category, priority } => {
                self.category = *category;
                self.priority = *priority;
            }
            Change::Rejected { .. } => self.clear_assignment(),
            Change::Assigned {
                unit,
                sla,
                response_due_at,
                resolve_due_at,
            } => {
                self.unit = Some(*unit);
                self.sla = Some(*sla);
                self.start_clocks(at, *response_due_at, *resolve_due_at);
            }
            Change::Returned { .. } => {
                self.return_count += 1;
                self.clear_assignment();
            }
            Change::Started => {
                self.responded_at.get_or_insert(at);
            }
            Change::Held { .. } => self.held_since = Some(at),
            Change::Resumed {
                held_minutes,
                resolve_due_at,
            } => {
                self.held_since = None;
                self.held_minutes += held_minutes;
                self.resolve_due_at = Some(*resolve_due_at);
            }
            Change::ExtensionRequested { until, reason } => {
                self.pending_extension = Some(ExtensionRequest {
                    until: *until,
                    reason: reason.clone(),
                    requested_by: event.actor,
                    requested_at: at,
                });
            }
            Change::ExtensionGranted { resolve_due_at } => {
                self.pending_extension = None;
                self.resolve_due_at = Some(*resolve_due_at);
                self.escalation_level = 0;
            }
            Change::ExtensionDenied { .. } => self.pending_extension = None,
            Change::Resolved { note, public_note } => {
                self.resolved_at = Some(at);
                self.resolution = Some(note.clone());
                self.public_resolution = public_note.clone();
                self.pending_extension = None;
            }
            Change::Verified { satisfaction, .. } => {
                self.satisfaction = Some(*satisfaction);
                self.verifier = event.actor;
                self.closed_at = Some(at);
            }
            Change::Reworked {
                response_due_at,
                resolve_due_at,
                ..
            } => {
                self.rework_count += 1;
                self.start_clocks(at, *response_due_at, *resolve_due_at);
            }
            Change::Reopened { .. } => {
                self.clear_assignment();
                self.duplicate_of = None;
            }
            Change::MarkedDuplicate { of } => {
                self.duplicate_of = Some(*of);
                self.pending_extension = None;
                self.held_since = None;
            }
            Change::Reassigned {
                unit,
                response_due_at,
                resolve_due_at,
                ..
            } => {
                self.unit = Some(*unit);
                self.start_clocks(at, *response_due_at, *resolve_due_at);
            }
            Change::Commented { .. } => {}
            Change::Escalated { level, .. } => self.escalation_level = *level,
            Change::DeadlinesRecomputed {
                response_due_at,
                resolve_due_at,
                ..
            } => {
                if let Some(moved) = response_due_at {
                    self.response_due_at = Some(moved.to);
                }
                if let Some(moved) = resolve_due_at {
                    self.resolve_due_at = Some(moved.to);
                }
            }
        }
        self.status = event.to;
        self.version = event.version;
        self.updated_at = at;
        Ok(())
    }

    /// A fresh assignment period: new deadlines, nothing responded or resolved yet.
    fn start_clocks(
        &mut self,
        at: DateTime<Utc>,
        response_due_at: DateTime<Utc>,
        resolve_due_at: DateTime<Utc>,
    ) {
        self.assigned_at = Some(at);
        self.response_due_at = Some(response_due_at);
        self.resolve_due_at = Some(resolve_due_at);
        self.responded_at = None;
        self.resolved_at = None;
        self.resolution = None;
        self.public_resolution = None;
        self.held_since = None;
        self.held_minutes = 0;
        self.escalation_level = 0;
        self.pending_extension = None;
    }

    /// Back to the dispatcher's desk: no unit, no clocks, no outcome.
    fn clear_assignment(&mut self) {
        self.unit = None;
        self.sla = None;
        self.assigned_at = None;
        self.response_due_at = None;
        self.resolve_due_at = None;
        self.responded_at = None;
        self.resolved_at = None;
        self.resolution = None;
        self.public_resolution = None;
        self.closed_at = None;
        self.satisfaction = None;
        self.verifier = None;
        self.held_since = None;
        self.held_minutes = 0;
        self.escalation_level = 0;
        self.pending_extension = None;
    }

    pub fn scope(&self) -> Scope {
        Scope {
            grid: self.grid,
            enterprise: self.enterprise,
            unit: self.unit,
            reporter: self.reporter,
        }
    }

    /// Whether a deadline has passed while the unit's clock runs. On hold the clock is paused, so
    /// a held issue is not overdue; an issue not yet started is late once its response is due.
    ///
    /// A deadline is missed from the instant it falls due: an issue is overdue *at* its
    /// deadline, which is also when the first escalation timer fires.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.overdue_since(now).is_some()
    }

    /// The earliest deadline missed as of `now`, if the issue [is overdue](Self::is_overdue).
    pub fn overdue_since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.status.sla_clock_runs() {
            return None;
        }
        let response = self
            .response_due_at
            .filter(|&due| self.responded_at.is_none() && due <= now);
        let resolve = self.resolve_due_at.filter(|&due| due <= now);
        match (response, resolve) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
