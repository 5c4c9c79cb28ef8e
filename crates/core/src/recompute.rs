//! Open deadlines laid out again when the working calendar changes.
//!
//! A deadline is a number of working minutes counted on the calendar in force when it was set.
//! When a year's holidays are entered late (next year's notice arrives in November; until then
//! the year counts plain weeks, New Year's Day included) or corrected, a deadline computed on
//! the old calendar may fall on a day that is no longer worked. The rule here: the unit keeps
//! the working time it had left. From the instant of the change (for an issue on hold, from
//! when its clock stopped) the working minutes left until the old deadline, counted on the old
//! calendar, are counted again on the new one. A deadline that has passed stays as it was:
//! rewriting it would rewrite whether it was met.

use chrono::{DateTime, Utc};

use crate::calendar::Calendar;
use crate::effect::Effect;
use crate::event::{CalendarChange, Change, DeadlineMove, Event};
use crate::issue::Issue;
use crate::lifecycle::{Decision, Workflow};
use crate::status::Status;

impl Workflow {
    /// The event that moves `issue`'s open deadlines from where `old` put them to where this
    /// workflow's calendar puts them, and the re-armed deadline watch; `None` if none moves
    /// (the issue has no running or held clock, its deadlines have passed, or the change does
    /// not touch the working time before them).
    ///
    /// A deadline set at an instant outside working time (an extension until 20:00, say) that
    /// moves lands at the end of the working time it allowed.
    pub fn recompute_deadlines(
        &self,
        old: &Calendar,
        issue: &Issue,
        cause: CalendarChange,
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        let new = self.calendar();
        let anchor = match issue.status {
            Status::Assigned | Status::InProgress => now,
            // The clock stopped when the hold began; resuming adds the held time back.
            Status::OnHold => issue.held_since.unwrap_or(now).min(now),
            _ => return None,
        };
        let moved = |due: DateTime<Utc>| -> Option<DeadlineMove> {
            if due <= anchor {
                return None;
            }
            let left = old.working_minutes_between(anchor, due);
            let was = old.add_working_minutes(anchor, left);
            let to = new.add_working_minutes(anchor, left);
            (to != was).then_some(DeadlineMove { from: due, to })
        };
        let response = issue
            .response_due_at
            .filter(|_| issue.responded_at.is_none())
            .and_then(moved);
        let resolve = issue.resolve_due_at.and_then(moved);
        if response.is_none() && resolve.is_none() {
            return None;
        }
        let event = Event {
            version: issue.version + 1,
            at: now,
            actor: None,
            from: Some(issue.status),
            to: issue.status,
            change: Change::DeadlinesRecomputed {
                response_due_at: response,
                resolve_due_at: resolve,
                cause,
            },
        };
        let mut next = issue.clone();
        // Folding an event made from the issue itself cannot fail.
        next.evolve(&event).ok()?;
        // Only a running clock is watched; a held issue is watched again when it resumes.
        let effects = match (issue.status.sla_clock_runs(), next.resolve_due_at) {
            (true, Some(resolve_due_at)) => vec![Effect::WatchDeadlines {
                response_due_at: next.response_due_at.filter(|_| next.responded_at.is_none()),
                resolve_due_at,
            }],
            _ => Vec::new(),
        };
        Some(Decision {
            issue: next,
            event,
            effects,
        })
    }
}
