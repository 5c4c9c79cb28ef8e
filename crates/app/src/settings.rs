//! The typed settings: one struct per section of `config/default.toml` (documented there key
//! by key), deserialised with `deny_unknown_fields` so a misspelt key is an error rather than a
//! silent default.
//!
//! Only the types live here; how the layers (the built-in file, a user file, `GRIDLOOP_`
//! environment variables) are merged is the binary's business (`gridloop::config`).

use std::path::PathBuf;

use gridloop_core::calendar::WorkingHours;
use serde::Deserialize;

/// The built-in `config/default.toml`, the bottom layer of every configuration.
pub const DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub server: ServerSettings,
    pub calendar: CalendarSettings,
    pub log: LogSettings,
    pub scheduler: SchedulerSettings,
    pub notify: NotifySettings,
    pub web: WebSettings,
    pub report: ReportSettings,
    pub limits: LimitsSettings,
}

/// `[limits]`: how many entries the lists in one request may hold (see config/default.toml).
/// Each list a request carries costs work per entry (an issue and its notifications, a lookup
/// in a transaction), so each is bounded, and a longer one is refused whole with a 422.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSettings {
    /// Issues one visit's completion may raise.
    pub visit_max_issues: usize,
    /// Entries in any other list of a request body: a user's roles and memberships.
    pub list_max_items: usize,
    /// Working days a match (对接) may sit still before its introducer is reminded.
    #[serde(default = "default_match_follow_up_days")]
    pub match_follow_up_days: u32,
}

fn default_match_follow_up_days() -> u32 {
    5
}

/// The defaults of `config/default.toml`.
impl Default for LimitsSettings {
    fn default() -> Self {
        Self {
            visit_max_issues: 20,
            list_max_items: 100,
            match_follow_up_days: default_match_follow_up_days(),
        }
    }
}

/// `[report]`: the weekly report's schedule and dress (see config/default.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    pub cron: String,
    pub locale: gridloop_core::Locale,
    pub park_name: String,
    pub base_url: String,
    pub min_resolved: u64,
}

impl ReportSettings {
    /// The base URL, if one is set.
    pub fn base_url(&self) -> Option<String> {
        let trimmed = self.base_url.trim().trim_end_matches('/');
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerSettings {
    pub enabled: bool,
    pub poll_ms: u64,
    pub batch: u32,
    pub lease_secs: u32,
    pub backoff_base_secs: u32,
    pub backoff_cap_secs: u32,
    pub retention_days: u32,
    pub due_soon_percent: u8,
    pub visits_materialise_cron: String,
}

/// `[notify]`: the delivery worker and its wires (see config/default.toml, key by key).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    pub enabled: bool,
    pub poll_ms: u64,
    pub batch: u32,
    pub concurrency: u32,
    pub lease_secs: u32,
    pub max_attempts: u32,
    pub backoff_base_secs: u32,
    pub backoff_cap_secs: u32,
    pub email: EmailWire,
    pub sms: SmsWire,
    /// Local `HH:MM` in the calendar's time zone; equal values disable quiet hours.
    pub quiet_start: String,
    pub quiet_end: String,
    pub sms_per_hour: u32,
    pub templates_dir: PathBuf,
    /// Replaces the built-in 【园区服务】 before every Chinese SMS; empty keeps it.
    pub signature: String,
    /// The secret every delivery report must carry as `secret=` (gridloop puts it in the
    /// `dlr-url` it gives Kannel); empty: one generated per deployment and kept in the database
    /// (see `delivery::dlr`). At least 16 URL-safe characters when set.
    pub dlr_secret: gridloop_notifier::channel::Secret,
    #[serde(default)]
    pub file: NotifyFileSettings,
    #[serde(default)]
    pub smtp: Option<gridloop_notifier::channel::SmtpConfig>,
    #[serde(default)]
    pub kannel: Option<gridloop_notifier::channel::KannelConfig>,
    #[serde(default)]
    pub webhook: Option<gridloop_notifier::channel::WebhookConfig>,
}

/// Which wire email goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailWire {
    File,
    Smtp,
}

/// Which wire SMS goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsWire {
    File,
    Kannel,
    Webhook,
}

/// `[notify.file]`: the file channel's folder defaults to `<server.data_dir>/outbox`, which a
/// static default file cannot say, hence a settings type of its own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyFileSettings {
    #[serde(default)]
    pub dir: Option<PathBuf>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
}

/// Hand-written so a password in a PostgreSQL URL never reaches a log line.
impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub listen: std::net::SocketAddr,
    pub data_dir: PathBuf,
    pub attachment_max_bytes: usize,
    /// How long a connection may take to deliver a request's head.
    pub header_read_timeout_secs: u32,
    /// How long reading a request (body included) and answering it may take.
    pub request_timeout_secs: u32,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout_secs: u32,
    /// Connections served at once; more wait in the kernel's listen queue.
    pub max_connections: u32,
    /// How long requests in progress get to finish after SIGTERM.
    pub shutdown_grace_secs: u32,
}

/// `[web]`: the web pages' sign-in sessions, the sign-in throttle, the bound on password
/// hashing and the proxies trusted for client addresses (see config/default.toml, key by key).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// Marks the session cookie `Secure`: set it when a TLS proxy is in front, since
    /// `gridloop serve` itself speaks plain HTTP.
    pub secure_cookies: bool,
    /// A session unused this long ends.
    pub session_idle_minutes: u32,
    /// A session ends this long after sign-in, however busy.
    pub session_max_days: u32,
    /// Peers (addresses or CIDR ranges) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// Failed sign-ins for one login from one address before tries must wait.
    pub sign_in_free_failures: u32,
    /// Failed sign-ins from one address, whatever the login, before tries must wait.
    pub sign_in_free_failures_per_address: u32,
    /// The first wait, in seconds; it doubles with each further failure.
    pub sign_in_first_delay_secs: u32,
    /// The longest wait, in seconds.
    pub sign_in_max_delay_secs: u32,
    /// Failures are forgotten this long after the last try let through.
    pub sign_in_forget_minutes: u32,
    /// Password hashes computed at once; 0: one per CPU core.
    pub hash_concurrency: u32,
    /// Password checks that may wait for a turn; more are refused at once (503).
    pub hash_queue: u32,
    /// How long a password check waits for a turn before it is refused (503), in ms.
    pub hash_wait_ms: u32,
}

/// The `[web]` section of the built-in config/default.toml, for servers started in-process
/// (tests) that read no file.
impl Default for WebSettings {
    fn default() -> Self {
        Settings::defaults().web
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    pub time_zone: chrono_tz::Tz,
    pub dir: PathBuf,
    pub region: String,
    pub hours: WorkingHours,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub filter: String,
}

impl Settings {
    /// The settings of the built-in `config/default.toml` alone: what a server started
    /// in-process (tests, benchmarks) runs with. The binary layers a user file and the
    /// environment over the same text (`gridloop::config`).
    pub fn defaults() -> Self {
        toml::from_str(DEFAULTS).expect("the built-in config/default.toml is valid (see its tests)")
    }
}

/// Hides the password of a URL like `postgres://user:secret@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_parse_and_use_shanghai_and_embedded_sqlite() {
        let s = Settings::defaults();
        assert_eq!(s.calendar.time_zone, chrono_tz::Asia::Shanghai);
        assert_eq!(s.database.url, "sqlite://data/gridloop.db");
        assert_eq!(s.calendar.hours, WorkingHours::default());
        assert_eq!(
            s.web.trusted_proxies,
            crate::client_addr::TrustedProxies::default(),
            "no proxy is trusted unless configured"
        );
        assert_eq!(
            s.limits.visit_max_issues,
            LimitsSettings::default().visit_max_issues
        );
        assert_eq!(
            s.limits.list_max_items,
            LimitsSettings::default().list_max_items
        );
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://gl:s3cret@127.0.0.1/gl"),
            "postgres://gl:***@127.0.0.1/gl"
        );
        assert_eq!(
            redact_url("sqlite://data/gridloop.db"),
            "sqlite://data/gridloop.db"
        );
    }
}
