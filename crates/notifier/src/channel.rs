//! The wires a message can go out on. Each channel turns a [`crate::Message`] into one send and
//! classifies the answer as an [`crate::Outcome`]; none of them retries on its own, because the
//! delivery worker owns the retry schedule and the dead letters.
//!
//! A channel is built once from its configuration and reused: the SMTP channel keeps a pool of
//! connections and the HTTP channels keep-alive connections, which only pays off when the same
//! value serves every send.

mod email;
mod file;
mod http;
mod kannel;
mod smtp;
mod webhook;

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::{Message, NotifierError, Outcome};

pub use file::{FileChannel, FileConfig};
pub use kannel::{DlrStatus, KannelChannel, KannelConfig};
pub use smtp::{SmtpChannel, SmtpConfig, SmtpSecurity};
pub use webhook::{signature, WebhookChannel, WebhookConfig};

/// How long one send may take when the configuration does not say: long enough for a slow relay,
/// short enough that a hung TLS handshake does not hold a worker for minutes.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;

pub(crate) fn default_timeout_secs() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

/// A password or signing secret from the configuration. It deserializes from a plain string but
/// never shows in `Debug`, so dumping a config into a log cannot leak it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The real value, for the one place that puts it on a wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

/// One configured wire. An enum rather than a trait object: the set is closed, and an enum keeps
/// `send` an ordinary `async fn` without boxing every future.
#[derive(Debug)]
pub enum Channel {
    Smtp(SmtpChannel),
    Kannel(KannelChannel),
    Webhook(WebhookChannel),
    File(FileChannel),
}

impl Channel {
    pub fn smtp(config: SmtpConfig) -> Result<Self, NotifierError> {
        SmtpChannel::new(config).map(Self::Smtp)
    }

    pub fn kannel(config: KannelConfig) -> Result<Self, NotifierError> {
        KannelChannel::new(config).map(Self::Kannel)
    }

    pub fn webhook(config: WebhookConfig) -> Result<Self, NotifierError> {
        WebhookChannel::new(config).map(Self::Webhook)
    }

    pub fn file(config: FileConfig) -> Result<Self, NotifierError> {
        FileChannel::new(config).map(Self::File)
    }

    /// A short name for logs and the outbox's `channel` column.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Smtp(_) => "smtp",
            Self::Kannel(_) => "kannel",
            Self::Webhook(_) => "webhook",
            Self::File(_) => "file",
        }
    }

    /// Whether this wire asks for delivery reports and still needs the deployment's secret to
    /// put in their URL (only Kannel's does).
    pub fn needs_dlr_secret(&self) -> bool {
        matches!(self, Self::Kannel(c) if c.needs_dlr_secret())
    }

    /// Gives the wire the deployment's delivery-report secret (ignored by wires without reports).
    pub fn set_dlr_secret(&self, secret: Secret) {
        if let Self::Kannel(c) = self {
            c.set_dlr_secret(secret);
        }
    }

    /// The configured bound on one send.
    pub fn timeout(&self) -> Duration {
        match self {
            Self::Smtp(c) => c.timeout(),
            Self::Kannel(c) => c.timeout(),
            Self::Webhook(c) => c.timeout(),
            Self::File(_) => Duration::from_secs(DEFAULT_TIMEOUT_SECS),
        }
    }

    /// Sends one message and says what the wire answered. A send that outlives the channel's
    /// timeout is abandoned and reported as transient: the server may or may not have taken it,
    /// and every wire here deduplicates on the message id, so trying again is the safe side.
    pub async fn send(&self, msg: &Message) -> Outcome {
        let limit = self.timeout();
        let send = async {
            match self {
                Self::Smtp(c) => c.send(msg).await,
                Self::Kannel(c) => c.send(msg).await,
                Self::Webhook(c) => c.send(msg).await,
                Self::File(c) => c.send(msg).await,
            }
        };
        match tokio::time::timeout(limit, send).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Transient {
                error: format!("{} send timed out after {} s", self.name(), limit.as_secs()),
                retry_after: None,
            },
        }
    }
}

/// Masks anything that looks like an email address or a long run of digits in a server's error
/// text, because those texts end up in the outbox and in logs, and SMTP servers like to quote the
/// recipient back (`550 <someone@example.com>: mailbox unavailable`).
pub(crate) fn scrub(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let digits = word.chars().filter(char::is_ascii_digit).count();
            if word.contains('@') || digits >= 7 {
                "***"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Most transport errors say only their outer layer ("client error (Connect)"); the causes
/// ("Connection refused") are what an operator needs.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(\"***\")");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn scrub_masks_addresses_and_phone_numbers_but_keeps_codes() {
        assert_eq!(
            scrub("550 <a.b@example.com>: no such user"),
            "550 *** no such user"
        );
        assert_eq!(scrub("bad number +8613800138000"), "bad number ***");
        assert_eq!(scrub("421 try again"), "421 try again");
    }
}
