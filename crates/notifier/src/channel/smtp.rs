//! Email over SMTP with lettre: one pooled transport per process, plain, STARTTLS or implicit TLS.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;

use super::{default_timeout_secs, email, error_chain, scrub, Secret};
use crate::{Message, NotifierError, Outcome};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// No TLS at all: only for a relay on the same host or a test sink.
    Plain,
    /// Plain connect, then `STARTTLS`, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpSecurity {
    fn default_port(self) -> u16 {
        match self {
            Self::Plain => 25,
            Self::Starttls => 587,
            Self::Tls => 465,
        }
    }
}

/// `[notify.smtp]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Defaults by `security`: 25, 587 or 465.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    /// `From:` with an optional display name, e.g. `园区服务 <noreply@park.example>`.
    pub from: String,
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// The right-hand side of every `Message-ID`; defaults to the `from` address's domain.
    #[serde(default)]
    pub domain: Option<String>,
}

/// Sends mail through one relay, reusing pooled connections between sends.
pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
    timeout: Duration,
}

impl std::fmt::Debug for SmtpChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport's own Debug would print the credentials.
        f.debug_struct("SmtpChannel")
            .field("domain", &self.domain)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpChannel {
    /// Must run inside a Tokio runtime: the connection pool starts its idle-reaper task here.
    pub fn new(config: SmtpConfig) -> Result<Self, NotifierError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| NotifierError::Config(format!("notify.smtp.from: {e}")))?;
        let domain = config
            .domain
            .clone()
            .unwrap_or_else(|| from.email.domain().to_owned());
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let builder = match config.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(|e| NotifierError::Config(format!("notify.smtp TLS: {e}")))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| NotifierError::Config(format!("notify.smtp TLS: {e}")))?,
        };
        let mut builder = builder
            .port(config.port.unwrap_or(config.security.default_port()))
            .timeout(Some(timeout));
        match (config.username, config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user, password.expose().to_owned()));
            }
            (None, None) => {}
            _ => {
                return Err(NotifierError::Config(
                    "notify.smtp: username and password go together".to_owned(),
                ))
            }
        }
        Ok(Self {
            transport: builder.build(),
            from,
            domain,
            timeout,
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub async fn send(&self, msg: &Message) -> Outcome {
        let mail = match email::build(msg, &self.from, &self.domain) {
            Ok(mail) => mail,
            Err(error) => return Outcome::Permanent { error },
        };
        match self.transport.send(mail).await {
            Ok(response) => {
                let reply = response.message().collect::<Vec<_>>().join(" ");
                Outcome::Accepted {
                    provider_id: (!reply.is_empty()).then(|| scrub(&reply)),
                }
            }
            Err(e) => classify(&e),
        }
    }
}

/// 4xx is the server saying "not now"; 5xx is "never". Anything without an SMTP code (refused
/// connection, timeout, TLS failure) may well be fixed by the next try.
fn classify(error: &lettre::transport::smtp::Error) -> Outcome {
    let text = scrub(&error_chain(error));
    if error.is_permanent() {
        Outcome::Permanent { error: text }
    } else {
        Outcome::Transient {
            error: text,
            retry_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_config_reads_from_toml_and_hides_the_password() {
        let config: SmtpConfig = toml::from_str(
            r#"
            host = "smtp.park.example"
            security = "tls"
            username = "gridloop"
            password = "s3cret"
            from = "园区服务 <noreply@park.example>"
            "#,
        )
        .expect("parses");
        assert_eq!(config.security, SmtpSecurity::Tls);
        assert_eq!(config.timeout_secs, 10);
        assert!(!format!("{config:?}").contains("s3cret"));
        let channel = SmtpChannel::new(config).expect("builds");
        assert_eq!(channel.domain, "park.example");
        assert!(!format!("{channel:?}").contains("s3cret"));
    }

    #[test]
    fn a_bad_from_address_is_a_config_error() {
        let config: SmtpConfig =
            toml::from_str("host = \"h\"\nfrom = \"not an address\"").expect("parses");
        assert!(matches!(
            SmtpChannel::new(config),
            Err(NotifierError::Config(_))
        ));
    }
}
