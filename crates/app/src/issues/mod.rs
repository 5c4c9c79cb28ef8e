//! Issues: intake (reporting a problem), acting on an issue, and reading issues and their
//! history, each once for the JSON API, Open311, the web pages and the CLI.
//!
//! The front ends parse their own input into the domain values these functions take (a code,
//! a reason, a working-minute count); everything that needs the store or the calendar happens
//! here: codes resolved, the duplicate's visibility checked, a deadline counted in working
//! minutes, the role and scope checks, the store's errors turned into [`AppError`](crate::AppError).
//!
//! - [`intake`](mod@intake): a new problem, idempotent on its client key.
//! - [`act`](mod@act): one step of the lifecycle.
//! - [`read`]: the list, one issue, its history, in the actor's scope.

pub mod act;
pub mod intake;
pub mod read;

pub use act::{act, may_take, ActionInput, Until};
pub use intake::{intake, CategoryRef, Intake};
pub use read::{filter, history, list, page, queue, show, ListInput, Reader};
