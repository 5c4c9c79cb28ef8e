//! Notification delivery for gridloop.
//!
//! The store's outbox decides *what* must be said to *whom*; this crate turns one outbox row into
//! words (templates) and puts them on a wire (channels), and classifies what the wire answered so
//! the delivery worker knows whether to retry.

pub mod channel;
mod error;
pub mod message;
pub mod policy;
pub mod template;

pub use error::NotifierError;
pub use message::{Address, Content, Inline, Message, Outcome, Thread};
