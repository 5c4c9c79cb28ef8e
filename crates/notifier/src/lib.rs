//! Notification delivery for gridloop.
//!
//! The store's outbox decides *what* must be said to *whom*; this crate turns one outbox row into
//! words (templates) and puts them on a wire (channels), and classifies what the wire answered so
//! the delivery worker knows whether to retry.
//!
//! # Layout
//!
//! - [`channel`]: the wires (SMTP, Kannel, signed webhook, file), each one send and its outcome.
//! - [`message`]: one rendered message for one recipient, and what the wire answered.
//! - [`template`]: a notification kind rendered for a channel and a locale.
//! - [`policy`]: the rules that need no I/O: SMS length, quiet hours, caps, digests, channels.
//! - `error`: [`NotifierError`].

pub mod channel;
mod error;
pub mod message;
pub mod policy;
pub mod template;

pub use error::NotifierError;
pub use message::{Address, Content, Inline, Message, Outcome, Thread};
