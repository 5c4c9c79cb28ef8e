//! Layered configuration: the built-in `config/default.toml`, then a user file, then
//! `GRIDLOOP_`-prefixed environment variables, into the app's typed
//! [`Settings`].
//!
//! Layers are merged as TOML tables before the result is parsed into typed settings, so a user
//! file need only hold the keys it changes, and a typo in a key is an error rather than a silent
//! default (`deny_unknown_fields`).

use std::path::Path;

use anyhow::{bail, Context};
use gridloop_app::settings::{Settings, DEFAULTS};
use toml::{Table, Value};

const ENV_PREFIX: &str = "GRIDLOOP_";

/// Loads the layers. `env` is passed in so tests can give their own environment.
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<Settings> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use gridloop_app::settings::LimitsSettings;
    use gridloop_core::calendar::WorkingHours;

    #[test]
    fn the_defaults_parse_and_use_shanghai_and_embedded_sqlite() {
        let s = load(None, []).unwrap();
        assert_eq!(s.calendar.time_zone, chrono_tz::Asia::Shanghai);
        assert_eq!(s.database.url, "sqlite://data/gridloop.db");
        assert_eq!(s.calendar.hours, WorkingHours::default());
        assert_eq!(
            s.web.trusted_proxies,
            gridloop_app::client_addr::TrustedProxies::default(),
            "no proxy is trusted unless configured"
        );
    }

    #[test]
    fn trusted_proxies_come_from_a_list_and_a_bad_entry_is_an_error() {
        let env = [(
            "GRIDLOOP_WEB__TRUSTED_PROXIES".to_owned(),
            r#"["127.0.0.1", "10.0.0.0/8", "fd00::/8"]"#.to_owned(),
        )];
        let s = load(None, env).unwrap();
        assert!(s.web.trusted_proxies.trusts("10.20.30.40".parse().unwrap()));
        assert!(!s.web.trusted_proxies.trusts("192.0.2.1".parse().unwrap()));
        let env = [(
            "GRIDLOOP_WEB__TRUSTED_PROXIES".to_owned(),
            r#"["10.0.0.0/40"]"#.to_owned(),
        )];
        let err = load(None, env).unwrap_err();
        assert!(format!("{err:#}").contains("10.0.0.0/40"), "{err:#}");
    }

    #[test]
    fn the_limits_default_as_the_file_says_and_can_be_changed() {
        let s = load(None, []).unwrap();
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
        assert_eq!(load(None, env).unwrap().limits.visit_max_issues, 5);
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
        let s = load(None, env).unwrap();
        assert_eq!(s.database.url, "sqlite://x.db");
        assert_eq!(s.calendar.time_zone, chrono_tz::Europe::Berlin);
        assert_eq!(s.calendar.hours.minutes_on(chrono::Weekday::Sat), 180);
    }

    /// A file of the repository's `dist/`, the deployment samples.
    fn dist(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../dist")
            .join(name)
    }

    #[test]
    fn the_sample_production_config_parses_and_is_set_for_a_tls_proxy_in_front() {
        let s = load(Some(&dist("production.toml")), []).unwrap();
        assert!(
            s.database.url.starts_with("postgres://"),
            "several instances need PostgreSQL"
        );
        assert_eq!(
            s.server.listen,
            "127.0.0.1:8080".parse().unwrap(),
            "loopback only"
        );
        assert!(
            s.server.data_dir.starts_with("/var/lib/gridloop"),
            "inside the unit's StateDirectory, the only place it may write: {:?}",
            s.server.data_dir
        );
        assert!(s.web.secure_cookies, "nginx terminates TLS");
        for proxy in ["127.0.0.1", "::1"] {
            assert!(s.web.trusted_proxies.trusts(proxy.parse().unwrap()));
        }
        for client in ["127.0.0.2", "10.0.0.1", "192.0.2.1", "2001:db8::1"] {
            assert!(
                !s.web.trusted_proxies.trusts(client.parse().unwrap()),
                "only the local proxy is trusted, not {client}"
            );
        }
    }

    #[test]
    fn the_sample_production_configs_commented_notify_sections_parse_once_filled_in() {
        // Uncomments `# key = value` and `# [notify.…]` lines, as an operator would, and gives
        // the secrets as gridloop.env would.
        let text = std::fs::read_to_string(dist("production.toml")).unwrap();
        let filled: String = text
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with("[notify.")
                        || rest.split_once(" = ").is_some_and(|(key, _)| {
                            key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                        }) =>
                {
                    rest
                }
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(filled.contains("\n[notify.smtp]\n"), "{filled}");
        let dir = std::env::temp_dir().join(format!("gl-prod-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("production.toml");
        std::fs::write(&file, filled).unwrap();
        let env = [
            ("GRIDLOOP_NOTIFY__SMTP__PASSWORD", "smtp-secret"),
            ("GRIDLOOP_NOTIFY__KANNEL__PASSWORD", "kannel-secret"),
            ("GRIDLOOP_NOTIFY__WEBHOOK__SECRET", "webhook-secret"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let loaded = load(Some(&file), env);
        std::fs::remove_dir_all(dir).unwrap();
        let s = loaded.unwrap();
        assert!(s.notify.smtp.is_some() && s.notify.kannel.is_some());
        assert!(s.notify.webhook.is_some());
    }

    #[test]
    fn the_nginx_site_admits_the_largest_attachment_and_proxies_to_the_sample_listen_address() {
        let s = load(Some(&dist("production.toml")), []).unwrap();
        let site = std::fs::read_to_string(dist("nginx/gridloop.conf")).unwrap();
        let directive = |name: &str| -> Vec<String> {
            site.lines()
                .map(str::trim)
                .filter_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
                .map(|v| v.trim_end_matches(';').to_owned())
                .collect()
        };
        // The form around the file: the API's and the web's FORM_OVERHEAD.
        let form_overhead = 64 * 1024;
        let body = directive("client_max_body_size");
        let kib: usize = body[0].strip_suffix('k').unwrap().parse().unwrap();
        assert_eq!(body.len(), 1);
        assert_eq!(kib * 1024, s.server.attachment_max_bytes + form_overhead);
        let upstream = directive("server");
        assert!(
            upstream[0].starts_with(&format!("{} ", s.server.listen)),
            "nginx proxies to {:?}, gridloop listens on {}",
            upstream[0],
            s.server.listen
        );
    }

    #[test]
    fn a_misspelt_key_is_an_error_not_a_silent_default() {
        let dir = std::env::temp_dir().join(format!("gl-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "[database]\nulr = \"sqlite://y.db\"\n").unwrap();
        let err = load(Some(&file), []).unwrap_err();
        assert!(format!("{err:#}").contains("ulr"), "{err:#}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
