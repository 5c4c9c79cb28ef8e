//! [`LiveWorkflow`]: the workflow in force, swapped whole when the stored working calendar
//! changes, so a holiday entered on one instance counts on every instance's deadlines, timers,
//! visits and reports within seconds, without a restart.

use std::sync::Arc;

use gridloop_core::{Calendar, Workflow};
use tokio::sync::watch;

/// Cheap to clone; every clone sees a [`replace`](Self::replace) made through any other.
#[derive(Debug, Clone)]
pub struct LiveWorkflow {
    sender: Arc<watch::Sender<Workflow>>,
}

impl LiveWorkflow {
    pub fn new(workflow: Workflow) -> Self {
        Self {
            sender: Arc::new(watch::Sender::new(workflow)),
        }
    }

    /// The workflow in force now. A snapshot: a decision taken with it stays on one calendar
    /// even if the calendar changes meanwhile.
    pub fn current(&self) -> Workflow {
        self.sender.borrow().clone()
    }

    /// The calendar in force now (a snapshot, as [`current`](Self::current)).
    pub fn calendar(&self) -> Arc<Calendar> {
        self.sender.borrow().shared_calendar()
    }

    /// Puts `workflow` in force for every clone.
    pub fn replace(&self, workflow: Workflow) {
        self.sender.send_replace(workflow);
    }
}
