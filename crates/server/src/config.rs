//! Layered configuration: the embedded `config/default.toml`, then a user file, then
//! `GRIDLOOP_`-prefixed environment variables.
//!
//! Layers are merged as TOML tables before the result is parsed into typed settings, so a user
//! file need only hold the keys it changes, and a typo in a key is an error rather than a silent
//! default (`deny_unknown_fields`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use gridloop_core::calendar::WorkingHours;
use serde::Deserialize;
use toml::{Table, Value};

const DEFAULTS: &str = include_str!("../../../config/default.toml");
const ENV_PREFIX: &str = "GRIDLOOP_";

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
}

/// The defaults of `config/default.toml`.
impl Default for LimitsSettings {
    fn default() -> Self {
        Self {
            visit_max_issues: 20,
            list_max_items: 100,
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
    /// (see `notify::dlr`). At least 16 URL-safe characters when set.
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
    pub trusted_proxies: crate::http::client_addr::TrustedProxies,
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
        Settings::load(None, std::iter::empty())
            .map(|settings| settings.web)
            .expect("the built-in config/default.toml is valid (see its tests)")
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
    /// Loads the layers. `env` is passed in so tests can give their own environment.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut table: Table = DEFAULTS
            .parse()
            .context("the built-in config/default.toml")?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the config file {}", path.display()))?;
            let user: Table = text
                .parse()
                .with_context(|| format!("parsing the config file {}", path.display()))?;
            merge(&mut table, user);
        }
        for (key, value) in env {
            let Some(path) = key.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            // Single-underscore variables (GRIDLOOP_DATABASE_URL, GRIDLOOP_CONFIG) are the
            // command line's own; nested keys always use the double underscore.
            if !path.contains("__") {
                continue;
            }
            let keys: Vec<String> = path.split("__").map(str::to_lowercase).collect();
            set_path(&mut table, &keys, &value)
                .with_context(|| format!("the environment variable {key}"))?;
        }
        Value::Table(table)
            .try_into()
            .context("the configuration is not valid")
    }
}

/// Deep-merges `over` into `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Sets a nested key from an environment string, keeping the type of the default it replaces
/// (a number stays a number, a list is written as TOML: `["09:00-12:00"]`).
fn set_path(table: &mut Table, keys: &[String], raw: &str) -> anyhow::Result<()> {
    let (last, parents) = keys.split_last().context("empty key")?;
    let mut current = table;
    for key in parents {
        current = match current
            .entry(key.clone())
            .or_insert_with(|| Value::Table(Table::new()))
        {
            Value::Table(t) => t,
            _ => bail!("{key} is not a section"),
        };
    }
    let as_toml = || {
        format!("v = {raw}")
            .parse::<Table>()
            .ok()
            .and_then(|t| t.get("v").cloned())
    };
    let value = match current.get(last) {
        Some(Value::String(_)) => Value::String(raw.to_owned()),
        // A key without a default (e.g. Saturday's hours) takes TOML if it parses as TOML.
        None => as_toml().unwrap_or_else(|| Value::String(raw.to_owned())),
        Some(_) => as_toml().with_context(|| format!("'{raw}' is not a TOML value"))?,
    };
    current.insert(last.clone(), value);
    Ok(())
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
        let s = Settings::load(None, []).unwrap();
        assert_eq!(s.calendar.time_zone, chrono_tz::Asia::Shanghai);
        assert_eq!(s.database.url, "sqlite://data/gridloop.db");
        assert_eq!(s.calendar.hours, WorkingHours::default());
        assert_eq!(
            s.web.trusted_proxies,
            crate::http::client_addr::TrustedProxies::default(),
            "no proxy is trusted unless configured"
        );
    }

    #[test]
    fn trusted_proxies_come_from_a_list_and_a_bad_entry_is_an_error() {
        let env = [(
            "GRIDLOOP_WEB__TRUSTED_PROXIES".to_owned(),
            r#"["127.0.0.1", "10.0.0.0/8", "fd00::/8"]"#.to_owned(),
        )];
        let s = Settings::load(None, env).unwrap();
        assert!(s.web.trusted_proxies.trusts("10.20.30.40".parse().unwrap()));
        assert!(!s.web.trusted_proxies.trusts("192.0.2.1".parse().unwrap()));
        let env = [(
            "GRIDLOOP_WEB__TRUSTED_PROXIES".to_owned(),
            r#"["10.0.0.0/40"]"#.to_owned(),
        )];
        let err = Settings::load(None, env).unwrap_err();
        assert!(format!("{err:#}").contains("10.0.0.0/40"), "{err:#}");
    }

    #[test]
    fn the_limits_default_as_the_file_says_and_can_be_changed() {
        let s = Settings::load(None, []).unwrap();
        assert_eq!(
            s.limits.visit_max_issues,
            LimitsSettings::default().visit_max_issues
        );
        assert_eq!(
            s.limits.list_max_items,
            LimitsSettings::default().list_max_items
        );
        let env = [(
            "GRIDLOOP_LIMITS__VISIT_MAX_ISSUES".to_owned(),
            "5".to_owned(),
        )];
        assert_eq!(
            Settings::load(None, env).unwrap().limits.visit_max_issues,
            5
        );
    }

    #[test]
    fn environment_variables_override_nested_keys() {
        let env = [
            (
                "GRIDLOOP_DATABASE__URL".to_owned(),
                "sqlite://x.db".to_owned(),
            ),
            (
                "GRIDLOOP_CALENDAR__TIME_ZONE".to_owned(),
                "Europe/Berlin".to_owned(),
            ),
            (
                "GRIDLOOP_CALENDAR__HOURS__SATURDAY".to_owned(),
                r#"["09:00-12:00"]"#.to_owned(),
            ),
            (
                "GRIDLOOP_DATABASE_URL".to_owned(),
                "ignored-here".to_owned(),
            ),
        ];
        let s = Settings::load(None, env).unwrap();
        assert_eq!(s.database.url, "sqlite://x.db");
        assert_eq!(s.calendar.time_zone, chrono_tz::Europe::Berlin);
        assert_eq!(s.calendar.hours.minutes_on(chrono::Weekday::Sat), 180);
    }

    #[test]
    fn a_misspelt_key_is_an_error_not_a_silent_default() {
        let dir = std::env::temp_dir().join(format!("gl-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "[database]\nulr = \"sqlite://y.db\"\n").unwrap();
        let err = Settings::load(Some(&file), []).unwrap_err();
        assert!(format!("{err:#}").contains("ulr"), "{err:#}");
        std::fs::remove_dir_all(dir).unwrap();
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
