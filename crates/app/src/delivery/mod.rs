//! The delivery worker: drains the notification outbox through the configured wires.
//!
//! One round rescues rows whose worker died, claims a batch under a lease (one statement), and
//! for each row builds the template's facts ([`notice`]), applies the SMS policies (quiet
//! hours, the hourly cap: both defer, neither drops), renders, sends through the channel
//! configured for the row's channel, and records what the wire answered with one short
//! statement. No transaction is open during a send, and every send has the channel's timeout.
//!
//! Outcomes: accepted → `sent`; transient or rate-limited → back to `pending` after a capped
//! exponential backoff with full jitter (never sooner than a `Retry-After`); permanent →
//! `failed`; the last allowed attempt failing → `dead`.
//!
//! # Layout
//!
//! - this file: [`Delivery`] (configuration, rounds, the loop, `notify test`).
//! - [`notice`]: from a row's ids and parameters to the template's facts.
//! - [`dlr`]: the deployment's delivery-report secret, put in Kannel's `dlr-url` and required
//!   by the report endpoint.
//! - `report`: a weekly report's email (with its chart inline) or SMS, from its stored copy.

pub mod dlr;
pub mod notice;
mod report;

/// What a delivery report says happened to a message (Kannel's `dlr-mask` codes, parsed).
pub use gridloop_notifier::channel::DlrStatus;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use futures_util::{stream, StreamExt};
use gridloop_core::{Channel as ChannelKind, NotificationKind as Kind};
use gridloop_core::{Email, Phone};
use gridloop_notifier::channel::{Channel, FileConfig};
use gridloop_notifier::policy::{not_before, CapDecision, HourlyCap, QuietHours};
use gridloop_notifier::template::{Locale, Notice, Recipient, Templates};
use gridloop_notifier::{Address, Message, Outcome, Thread};
use gridloop_scheduler::backoff::{full_jitter, unit_sample};
use gridloop_scheduler::Clock;
use gridloop_store::{Notification, Store, StoreError};
use serde::Serialize;

use crate::error::SetupError;
use crate::settings::{EmailWire, NotifySettings, Settings, SmsWire};

/// What the worker needs besides the wires, with the settings already checked.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub batch: u32,
    /// Sends in flight at once within a round.
    pub concurrency: usize,
    pub lease: Duration,
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub quiet: QuietHours,
    pub cap: HourlyCap,
    /// Recipients read times in the park's zone (the calendar's): users have no zone of their own.
    pub time_zone: Tz,
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RoundReport {
    pub rescued: u64,
    pub claimed: u64,
    pub sent: u64,
    pub retried: u64,
    pub deferred: u64,
    pub failed: u64,
    pub dead: u64,
}

impl RoundReport {
    /// Adds the outcomes of one send (not its claims or rescues, counted once per round).
    fn add(&mut self, other: &Self) {
        self.sent += other.sent;
        self.retried += other.retried;
        self.deferred += other.deferred;
        self.failed += other.failed;
        self.dead += other.dead;
    }
}

/// The delivery worker: store, clock, templates and one wire per channel.
#[derive(Debug)]
pub struct Delivery {
    store: Store,
    clock: Arc<dyn Clock>,
    owner: String,
    templates: Templates,
    email: Channel,
    sms: Channel,
    config: DeliveryConfig,
    /// What the SMS wire puts in the URLs it asks delivery reports on.
    dlr: dlr::DlrSecret,
}

fn parse_time(key: &str, raw: &str) -> Result<NaiveTime, SetupError> {
    NaiveTime::parse_from_str(raw, "%H:%M")
        .map_err(|e| SetupError::failed(format!("notify.{key} = {raw:?}: expected HH:MM"), e))
}

/// The file channel's settings: `<data_dir>/outbox` unless `[notify.file] dir` says otherwise.
fn file_config(settings: &NotifySettings, data_dir: &Path) -> FileConfig {
    let f = &settings.file;
    FileConfig {
        dir: f.dir.clone().unwrap_or_else(|| data_dir.join("outbox")),
        from: f
            .from
            .clone()
            .unwrap_or_else(|| "gridloop <gridloop@localhost>".to_owned()),
        domain: f.domain.clone().unwrap_or_else(|| "localhost".to_owned()),
    }
}

/// Builds the wire for each channel from the settings. A wire chosen without its section is a
/// configuration error at start-up, not at the first send.
pub fn channels(settings: &Settings) -> Result<(Channel, Channel), SetupError> {
    let n = &settings.notify;
    let file = || {
        Channel::file(file_config(n, &settings.server.data_dir))
            .map_err(|e| SetupError::failed("the file channel", e))
    };
    let wire = |name: &str, e| SetupError::failed(format!("the {name} channel"), e);
    let missing = |wire: &str, section: &str| {
        SetupError::Setting(format!("notify.{wire} needs a [notify.{section}] section"))
    };
    let email = match n.email {
        EmailWire::File => file()?,
        EmailWire::Smtp => Channel::smtp(
            n.smtp
                .clone()
                .ok_or_else(|| missing("email = \"smtp\"", "smtp"))?,
        )
        .map_err(|e| wire("smtp", e))?,
    };
    let sms = match n.sms {
        SmsWire::File => file()?,
        SmsWire::Kannel => Channel::kannel(
            n.kannel
                .clone()
                .ok_or_else(|| missing("sms = \"kannel\"", "kannel"))?,
        )
        .map_err(|e| wire("kannel", e))?,
        SmsWire::Webhook => Channel::webhook(
            n.webhook
                .clone()
                .ok_or_else(|| missing("sms = \"webhook\"", "webhook"))?,
        )
        .map_err(|e| wire("webhook", e))?,
    };
    Ok((email, sms))
}

/// The built-in templates, overridden from `templates_dir` when that folder exists.
pub fn templates(settings: &NotifySettings) -> Result<Templates, SetupError> {
    let templates = if settings.templates_dir.is_dir() {
        Templates::from_dir(&settings.templates_dir).map_err(|e| {
            SetupError::failed(
                format!(
                    "loading the notification templates from {}",
                    settings.templates_dir.display()
                ),
                e,
            )
        })?
    } else {
        Templates::builtin()
    };
    Ok(if settings.signature.is_empty() {
        templates
    } else {
        templates.with_signature(Locale::ZhCn, settings.signature.clone())
    })
}

pub fn config(settings: &Settings) -> Result<DeliveryConfig, SetupError> {
    let n = &settings.notify;
    Ok(DeliveryConfig {
        batch: n.batch.max(1),
        concurrency: usize::try_from(n.concurrency.max(1)).unwrap_or(1),
        lease: Duration::seconds(i64::from(n.lease_secs.max(1))),
        max_attempts: n.max_attempts.max(1),
        backoff_base: Duration::seconds(i64::from(n.backoff_base_secs)),
        backoff_cap: Duration::seconds(i64::from(n.backoff_cap_secs)),
        quiet: QuietHours {
            start: parse_time("quiet_start", &n.quiet_start)?,
            end: parse_time("quiet_end", &n.quiet_end)?,
        },
        cap: HourlyCap {
            per_hour: n.sms_per_hour,
        },
        time_zone: settings.calendar.time_zone,
    })
}

/// The delay before the next attempt after `attempts` failed ones: the scheduler's capped
/// exponential backoff with full jitter (so the messages that failed together when a gateway
/// went down do not all come back at the same instant), and never shorter than what the server
/// asked for.
pub fn backoff(
    attempts: u32,
    base: Duration,
    cap: Duration,
    retry_after: Option<std::time::Duration>,
    unit: f64,
) -> Duration {
    let jittered = full_jitter(attempts, base, cap, unit);
    let asked = retry_after
        .and_then(|d| Duration::from_std(d).ok())
        .unwrap_or_else(Duration::zero);
    jittered.max(asked)
}

/// Where a row goes, parsed from its stored text. `Err` is a permanent failure.
fn address(channel: ChannelKind, raw: &str) -> Result<Address, String> {
    match channel {
        ChannelKind::Email => Email::parse(raw)
            .map(Address::Email)
            .map_err(|e| format!("bad email address: {e}")),
        ChannelKind::Sms => Phone::parse(raw)
            .map(Address::Phone)
            .map_err(|e| format!("bad phone number: {e}")),
    }
}

/// A row's address as operators may see it: `z***@example.com`, `+86138****8000`.
pub fn masked_address(channel: &str, raw: &str) -> String {
    match channel_kind(channel).map(|c| address(c, raw)) {
        Some(Ok(Address::Email(e))) => e.masked(),
        Some(Ok(Address::Phone(p))) => p.masked(),
        _ => "***".to_owned(),
    }
}

fn channel_kind(raw: &str) -> Option<ChannelKind> {
    ChannelKind::ALL.into_iter().find(|c| c.as_str() == raw)
}

/// What to do with one claimed row, decided before anything is sent.
enum Step {
    Send(Message),
    Defer(DateTime<Utc>),
    Fail(String),
}

impl Delivery {
    /// A worker with the wires, templates and policies of `settings`.
    pub fn from_settings(
        store: Store,
        clock: Arc<dyn Clock>,
        settings: &Settings,
    ) -> Result<Self, SetupError> {
        let (email, sms) = channels(settings)?;
        Ok(Self {
            store,
            clock,
            owner: gridloop_scheduler::Scheduler::process_owner(),
            templates: templates(&settings.notify)?,
            email,
            sms,
            config: config(settings)?,
            dlr: dlr::DlrSecret::from_setting(&settings.notify.dlr_secret)
                .map_err(SetupError::Setting)?,
        })
    }

    fn channel(&self, kind: ChannelKind) -> &Channel {
        match kind {
            ChannelKind::Email => &self.email,
            ChannelKind::Sms => &self.sms,
        }
    }

    /// One round: rescue expired leases, claim a batch, deliver each row.
    pub async fn round(&self) -> Result<RoundReport, StoreError> {
        let now = self.clock.now();
        if self.sms.needs_dlr_secret() {
            // Once per process: the first round that could send an SMS learns the secret.
            let secret = self.dlr.get(&self.store, now).await?;
            self.sms.set_dlr_secret(secret.clone());
        }
        let mut report = RoundReport {
            rescued: self.store.rescue_expired_notifications(now).await?,
            ..RoundReport::default()
        };
        let claimed = self
            .store
            .claim_notifications(&self.owner, self.config.batch, self.config.lease, now)
            .await?;
        report.claimed = claimed.len() as u64;
        // Several sends at once: each waits on its server, not on the others (an SMTP server
        // answers each message in a round trip or two, and lettre's pool holds connections).
        let results: Vec<(Result<(), StoreError>, RoundReport)> = stream::iter(claimed)
            .map(|n: Notification| {
                let this: &Self = self;
                async move {
                    let mut own = RoundReport::default();
                    let result = this.deliver(&n, &mut own).await;
                    (result, own)
                }
            })
            .buffer_unordered(self.config.concurrency.max(1))
            .collect()
            .await;
        for (result, own) in results {
            report.add(&own);
            result?;
        }
        Ok(report)
    }

    /// Rounds until `shutdown` resolves, sleeping `poll` after a round that found nothing
    /// (a full batch goes straight on). Errors are logged and the loop goes on: a database
    /// that is briefly away must not stop deliveries for good.
    pub async fn run(
        self: Arc<Self>,
        poll: std::time::Duration,
        shutdown: impl Future<Output = ()> + Send,
    ) {
        tokio::pin!(shutdown);
        loop {
            let busy = match self.round().await {
                Ok(report) => {
                    if report != RoundReport::default() {
                        tracing::debug!(?report, "delivery round");
                    }
                    report.claimed >= u64::from(self.config.batch)
                }
                Err(e) => {
                    tracing::error!(error = %e, "delivery round failed");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Decides, sends and records one claimed row.
    async fn deliver(&self, n: &Notification, report: &mut RoundReport) -> Result<(), StoreError> {
        let owner = self.owner.as_str();
        // A row whose worker died on every try (rescued each time) ends here, unsent.
        if n.attempts > self.config.max_attempts {
            self.store
                .mark_dead(n.id, owner, "attempts used up (lost leases)")
                .await?;
            report.dead += 1;
            return Ok(());
        }
        let message = match self.prepare(n).await? {
            Step::Send(message) => message,
            Step::Defer(until) => {
                self.store.defer(n.id, owner, until).await?;
                tracing::debug!(id = n.id, %until, "notification held back");
                report.deferred += 1;
                return Ok(());
            }
            Step::Fail(error) => {
                tracing::warn!(id = n.id, kind = %n.kind, %error, "notification cannot be sent");
                self.store.mark_failed(n.id, owner, &error).await?;
                report.failed += 1;
                return Ok(());
            }
        };
        let channel = self.channel(n.channel);
        let outcome = channel.send(&message).await;
        // `to` is logged through its Debug, which masks the address.
        let to = &message.to;
        let now = self.clock.now();
        match outcome {
            Outcome::Accepted { provider_id } => {
                self.store
                    .mark_sent(n.id, owner, provider_id.as_deref(), now)
                    .await?;
                tracing::info!(id = n.id, wire = channel.name(), ?to, "notification sent");
                report.sent += 1;
            }
            Outcome::Permanent { error } => {
                self.store.mark_failed(n.id, owner, &error).await?;
                tracing::warn!(id = n.id, wire = channel.name(), ?to, %error, "notification refused");
                report.failed += 1;
            }
            Outcome::Transient { error, retry_after } => {
                self.again(n, &error, retry_after, now, report).await?;
            }
            Outcome::RateLimited { retry_after } => {
                self.again(n, "rate limited", retry_after, now, report)
                    .await?;
            }
        }
        Ok(())
    }

    async fn again(
        &self,
        n: &Notification,
        error: &str,
        retry_after: Option<std::time::Duration>,
        now: DateTime<Utc>,
        report: &mut RoundReport,
    ) -> Result<(), StoreError> {
        if n.attempts >= self.config.max_attempts {
            self.store.mark_dead(n.id, &self.owner, error).await?;
            tracing::warn!(id = n.id, attempts = n.attempts, %error, "notification dead");
            report.dead += 1;
            return Ok(());
        }
        let c = &self.config;
        let delay = backoff(
            n.attempts,
            c.backoff_base,
            c.backoff_cap,
            retry_after,
            unit_sample(),
        );
        self.store
            .mark_retry(n.id, &self.owner, error, now + delay)
            .await?;
        tracing::info!(id = n.id, attempts = n.attempts, %error, retry_in_ms = delay.num_milliseconds(), "notification will be retried");
        report.retried += 1;
        Ok(())
    }

    /// Everything before the send: policies, facts, rendering, the address.
    async fn prepare(&self, n: &Notification) -> Result<Step, StoreError> {
        let now = self.clock.now();
        let channel = n.channel;
        // A weekly report is rendered from its stored copy; every other kind from a template.
        let kind = (n.kind != Kind::WeeklyReport).then_some(n.kind);
        if channel == ChannelKind::Sms && !n.is_urgent() {
            if let Some(until) = not_before(now, self.config.time_zone, self.config.quiet, false) {
                return Ok(Step::Defer(until));
            }
            if let Some(recipient) = n.recipient_id {
                let recent = self
                    .store
                    .sent_in_last_hour(recipient, ChannelKind::Sms, now)
                    .await?;
                if self.config.cap.decide(recent.count, false) == CapDecision::Fold {
                    // Held until the oldest of the hour's messages is an hour old: a slot is
                    // free then. Held, not folded away: every message still goes out.
                    let until = recent.oldest.map_or(now, |t| t + Duration::hours(1));
                    return Ok(Step::Defer(until.max(now + Duration::seconds(1))));
                }
            }
        }
        let to = match address(channel, &n.address) {
            Ok(to) => to,
            Err(e) => return Ok(Step::Fail(e)),
        };
        let Some(kind) = kind else {
            return Ok(match report::content(&self.store, n, channel).await? {
                Ok((content, to_name)) => Step::Send(Message {
                    id: n.id,
                    to,
                    to_name,
                    content,
                    thread: None,
                }),
                Err(e) => Step::Fail(e),
            });
        };
        let facts = notice::build(&self.store, n, kind, self.config.time_zone, now).await?;
        let locale = Locale::negotiate(&n.locale);
        let rendered = match self.templates.render(kind, channel, locale, &facts) {
            Ok(r) => r,
            Err(e) => return Ok(Step::Fail(e.to_string())),
        };
        if rendered.sms.is_some_and(|fit| fit.truncated) {
            tracing::warn!(id = n.id, kind = %kind, "SMS cut to three segments: shorten the template");
        }
        Ok(Step::Send(Message {
            id: n.id,
            to,
            to_name: Some(facts.recipient.name.clone()).filter(|s| !s.is_empty()),
            content: rendered.content,
            thread: n.issue_id.map(|issue| Thread { issue }),
        }))
    }

    /// `gridloop notify test`: renders the `test` kind for `to` and sends it at once through
    /// the configured wire, outside the outbox. `id` names the message on the wire.
    pub async fn send_test(
        &self,
        channel: ChannelKind,
        to: Address,
        locale: Locale,
        id: i64,
    ) -> Result<Outcome, gridloop_notifier::NotifierError> {
        let facts = Notice {
            recipient: Recipient {
                name: String::new(),
                time_zone: self.config.time_zone,
            },
            at: Some(self.clock.now()),
            ..Notice::default()
        };
        let rendered = self.templates.render(Kind::Test, channel, locale, &facts)?;
        let message = Message {
            id,
            to,
            to_name: None,
            content: rendered.content,
            thread: None,
        };
        Ok(self.channel(channel).send(&message).await)
    }

    /// The wire's name for a channel (`file`, `smtp`, `kannel`, `webhook`).
    pub fn wire(&self, channel: ChannelKind) -> &'static str {
        self.channel(channel).name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_honours_retry_after() {
        let base = Duration::seconds(30);
        let cap = Duration::hours(1);
        let top = 0.999_999;
        assert_eq!(backoff(1, base, cap, None, top).num_seconds(), 29);
        assert_eq!(backoff(3, base, cap, None, top).num_seconds(), 119);
        assert_eq!(backoff(20, base, cap, None, top).num_seconds(), 3599);
        assert_eq!(backoff(3, base, cap, None, 0.0), Duration::zero());
        let asked = Some(std::time::Duration::from_secs(600));
        assert_eq!(backoff(1, base, cap, asked, 0.0).num_seconds(), 600);
    }
}
