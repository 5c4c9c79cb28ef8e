//! One rendered message on its way to one recipient, and what the wire answered.

use std::time::Duration;

use gridloop_core::{Email, Phone};

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Email(Email),
    Phone(Phone),
}

/// Ties a message to an issue so that mail clients thread an issue's messages together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thread {
    pub issue: i64,
}

/// What the message says, already rendered from a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Email {
        subject: String,
        text: String,
        html: Option<String>,
        /// Images the HTML shows by `cid:` reference (a report's chart), sent as inline parts of
        /// a `multipart/related` body, which mail clients display where `data:` URIs are blocked.
        inline: Vec<Inline>,
    },
    Sms {
        text: String,
    },
}

/// An image carried inside an email and shown by its HTML as `cid:{content_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inline {
    /// Without the angle brackets: `trend` for `<img src="cid:trend">`.
    pub content_id: String,
    /// `image/png`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One notification ready to send: the outbox row's id, rendered content and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The outbox row's id: stable across retries, so it names the message on every wire
    /// (`Message-ID`, Kannel's `dlr-url`, the webhook's idempotency key, the file name).
    pub id: i64,
    pub to: Address,
    /// The recipient's display name, if known.
    pub to_name: Option<String>,
    pub content: Content,
    pub thread: Option<Thread>,
}

/// What a channel's wire answered; the delivery worker decides the row's next state from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server took responsibility for the message.
    Accepted { provider_id: Option<String> },
    /// Worth trying again later (network error, 4xx SMTP, 5xx HTTP, timeout).
    Transient {
        error: String,
        retry_after: Option<Duration>,
    },
    /// Retrying will not help (bad address, refused credentials, 5xx SMTP reply to RCPT).
    Permanent { error: String },
    /// The provider asked us to slow down.
    RateLimited { retry_after: Option<Duration> },
}
