//! `gridloop notify list|retry|test|work`.

use std::sync::Arc;

use gridloop_core::Channel as ChannelKind;
use gridloop_core::{Email, Phone};
use gridloop_notifier::template::Locale;
use gridloop_notifier::{Address, Outcome};
use gridloop_scheduler::ManualClock;
use serde_json::json;

use crate::app::App;
use crate::cli::{NotifyChannel, NotifyCommand};
use crate::render::{print_json, say, table};
use gridloop_api::notifications::NotificationView;
use gridloop_app::delivery::Delivery;
use gridloop_app::notifications::{self, NotificationQuery};

pub async fn run(app: &App, cmd: NotifyCommand) -> anyhow::Result<()> {
    let tz = app.settings.calendar.time_zone;
    match cmd {
        NotifyCommand::List { state, limit } => {
            let query = NotificationQuery {
                state,
                limit: Some(limit),
            };
            let rows = notifications::list_as_operator(&app.store, &query).await?;
            let views: Vec<NotificationView> = rows.iter().map(NotificationView::from).collect();
            if app.json {
                return print_json(&views);
            }
            let rows: Vec<Vec<String>> = views
                .iter()
                .map(|n| {
                    vec![
                        n.id.to_string(),
                        n.kind.clone(),
                        n.channel.clone(),
                        n.address.clone(),
                        n.state.clone(),
                        n.attempts.to_string(),
                        crate::render::local(n.next_attempt_at, tz),
                        n.last_error
                            .as_deref()
                            .map(|e| e.chars().take(60).collect())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            say!(
                "{}",
                table(
                    &[
                        "ID",
                        "KIND",
                        "CHANNEL",
                        "TO",
                        "STATE",
                        "ATTEMPTS",
                        "NEXT ATTEMPT",
                        "LAST ERROR"
                    ],
                    &rows
                )
            );
            Ok(())
        }
        NotifyCommand::Retry { id } => {
            let n = notifications::retry_as_operator(&app.state()?, id).await?;
            if app.json {
                return print_json(&NotificationView::from(&n));
            }
            say!(
                "notification {id} ({}) will be sent again now",
                n.kind.stored_name()
            );
            Ok(())
        }
        NotifyCommand::Test {
            channel,
            to,
            locale,
        } => {
            let (kind, address) = match channel {
                NotifyChannel::Email => (ChannelKind::Email, Address::Email(Email::parse(&to)?)),
                NotifyChannel::Sms => (ChannelKind::Sms, Address::Phone(Phone::parse(&to)?)),
            };
            let delivery = delivery(app)?;
            // Outside the outbox, so no row id: the instant keeps file names and Message-IDs
            // of successive tests apart.
            let id = app.now.timestamp_millis();
            let outcome = delivery
                .send_test(kind, address, Locale::negotiate(&locale), id)
                .await?;
            let wire = delivery.wire(kind);
            let (verdict, detail) = match &outcome {
                Outcome::Accepted { provider_id } => ("accepted", provider_id.clone()),
                Outcome::Transient { error, .. } => ("transient", Some(error.clone())),
                Outcome::Permanent { error } => ("permanent", Some(error.clone())),
                Outcome::RateLimited { .. } => ("rate_limited", None),
            };
            if app.json {
                print_json(&json!({"wire": wire, "outcome": verdict, "detail": detail}))?;
            } else {
                say!(
                    "{wire}: {verdict}{}",
                    detail.map(|d| format!(" ({d})")).unwrap_or_default()
                );
            }
            if matches!(outcome, Outcome::Accepted { .. }) {
                Ok(())
            } else {
                anyhow::bail!("the test message was not accepted ({verdict})")
            }
        }
        NotifyCommand::Work => {
            let report = delivery(app)?.round().await?;
            if app.json {
                return print_json(&report);
            }
            say!(
                "claimed {}: sent {}, retried {}, held back {}, failed {}, dead {}; rescued {} lost lease(s)",
                report.claimed,
                report.sent,
                report.retried,
                report.deferred,
                report.failed,
                report.dead,
                report.rescued
            );
            Ok(())
        }
    }
}

/// A worker at the command's instant (`--now` or the wall clock).
fn delivery(app: &App) -> anyhow::Result<Delivery> {
    let clock = Arc::new(ManualClock::new(app.now));
    Ok(Delivery::from_settings(
        app.store.clone(),
        clock,
        &app.settings,
    )?)
}
