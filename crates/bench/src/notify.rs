//! `gridloop-bench notify`: the outbox, on scratch databases.
//!
//! Two measurements per backend:
//!
//! - **Delivery**: N pending rows written with [`Tx::notify`](gridloop_store::Tx::notify) (one
//!   addressed user, one issue, N dedupe keys), then drained by one delivery worker built as
//!   `gridloop serve` builds it ([`Delivery::from_settings`]), one wire at a time: the file
//!   channel into a temp folder, and SMTP (pooled, plain) to a local sink such as MailDev.
//!   Timed from the first round to the first empty one; every row must end `sent`.
//! - **Routing cost**: full loops (report … verify) per second on the same park twice: once
//!   with its extra dispatchers, unit members and post members holding an email address and a
//!   phone number (every action writes outbox rows in its transaction), once with the same
//!   users holding neither (routing runs, writes nothing).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use gridloop_core::{Calendar, Email, Login, Name, Phone, Role, Workflow};
use gridloop_notifier::channel::{SmtpConfig, SmtpSecurity};
use gridloop_store::{NewNotification, NewUser, NotificationState, Recipients, Store};
use serde::Serialize;

use crate::cli::{Backend, BenchNotifyArgs, BenchWire};
use crate::kit::{new_issue, small_park, SmallPark};
use crate::out::{print_json, say, table};
use crate::scratch::Scratch;
use crate::store::{one_loop, per_second};
use gridloop_app::clock::{Clock, SystemClock};
use gridloop_app::delivery::Delivery;
use gridloop_app::settings::{EmailWire, Settings};

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn wire_name(wire: BenchWire) -> &'static str {
    match wire {
        BenchWire::File => "file",
        BenchWire::Smtp => "smtp",
    }
}

#[derive(Debug, Serialize)]
struct DeliveryRow {
    backend: &'static str,
    wire: &'static str,
    notifications: usize,
    batch: u32,
    write_per_s: f64,
    delivered_per_s: f64,
}

#[derive(Debug, Serialize)]
struct RoutingRow {
    backend: &'static str,
    writers: usize,
    cycles: usize,
    loops_per_s_without: f64,
    loops_per_s_with: f64,
    /// Outbox rows the routed loops wrote, per loop.
    rows_per_loop: f64,
    /// `with / without`: the target is never below 0.5.
    ratio: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    delivery: Vec<DeliveryRow>,
    routing: Vec<RoutingRow>,
}

pub async fn run(args: &BenchNotifyArgs, json: bool) -> anyhow::Result<()> {
    let mut report = Report {
        delivery: Vec::new(),
        routing: Vec::new(),
    };
    for &backend in &args.backend {
        for &wire in &args.channel {
            let smtp = match (wire, args.smtp_port) {
                (BenchWire::Smtp, None) => {
                    eprintln!(
                        "{}: smtp skipped: give --smtp-port or set GRIDLOOP_TEST_SMTP_PORT \
                         (tests/services/maildev.sh start)",
                        backend_name(backend)
                    );
                    continue;
                }
                (BenchWire::Smtp, Some(port)) => Some((args.smtp_host.clone(), port)),
                (BenchWire::File, _) => None,
            };
            let scratch = Scratch::create(backend, &args.pg_url).await?;
            let result = drain(&scratch.url, args.notifications, args.batch, smtp).await;
            scratch.drop().await?;
            let (write, deliver) = result?;
            let row = DeliveryRow {
                backend: backend_name(backend),
                wire: wire_name(wire),
                notifications: args.notifications,
                batch: args.batch,
                write_per_s: per_second(args.notifications, write),
                delivered_per_s: per_second(args.notifications, deliver),
            };
            if !json {
                eprintln!(
                    "{} via {}: {:.0} rows written/s, {:.0} delivered/s",
                    row.backend, row.wire, row.write_per_s, row.delivered_per_s
                );
            }
            report.delivery.push(row);
        }
        for &writers in &args.writers {
            let writers = writers.max(1);
            let mut loops = [0.0; 2];
            let mut rows = 0;
            for (i, routed) in [false, true].into_iter().enumerate() {
                let scratch = Scratch::create(backend, &args.pg_url).await?;
                let result = cycles(&scratch.url, writers, args.cycles, routed).await;
                scratch.drop().await?;
                let (took, written) = result?;
                loops[i] = per_second(args.cycles, took);
                if routed {
                    rows = written;
                } else if written != 0 {
                    anyhow::bail!("the unrouted park wrote {written} outbox rows");
                }
            }
            #[allow(clippy::cast_precision_loss)]
            let row = RoutingRow {
                backend: backend_name(backend),
                writers,
                cycles: args.cycles,
                loops_per_s_without: loops[0],
                loops_per_s_with: loops[1],
                rows_per_loop: rows as f64 / args.cycles.max(1) as f64,
                ratio: loops[1] / loops[0].max(1e-9),
            };
            if !json {
                eprintln!(
                    "{} × {} writers: {:.0} loops/s without routing, {:.0} with ({:.1} rows/loop, ×{:.2})",
                    row.backend,
                    row.writers,
                    row.loops_per_s_without,
                    row.loops_per_s_with,
                    row.rows_per_loop,
                    row.ratio
                );
            }
            report.routing.push(row);
        }
    }
    if json {
        return print_json(&report);
    }
    let cells: Vec<Vec<String>> = report
        .delivery
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.wire.to_owned(),
                r.notifications.to_string(),
                r.batch.to_string(),
                format!("{:.0}", r.write_per_s),
                format!("{:.0}", r.delivered_per_s),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "BACKEND",
                "WIRE",
                "NOTIFICATIONS",
                "BATCH",
                "WRITTEN/S",
                "DELIVERED/S"
            ],
            &cells
        )
    );
    let cells: Vec<Vec<String>> = report
        .routing
        .iter()
        .map(|r| {
            vec![
                r.backend.to_owned(),
                r.writers.to_string(),
                format!("{:.0}", r.loops_per_s_without),
                format!("{:.0}", r.loops_per_s_with),
                format!("{:.1}", r.rows_per_loop),
                format!("{:.2}", r.ratio),
            ]
        })
        .collect();
    say!(
        "\n{}",
        table(
            &[
                "BACKEND",
                "WRITERS",
                "LOOPS/S NO ROUTING",
                "LOOPS/S ROUTED",
                "ROWS/LOOP",
                "RATIO"
            ],
            &cells
        )
    );
    Ok(())
}

/// The settings `gridloop serve` would run with, with the email wire pointed at `outbox`
/// (file) or at the SMTP sink, quiet hours off and `batch` per claim.
fn settings(outbox: PathBuf, batch: u32, smtp: Option<(String, u16)>) -> anyhow::Result<Settings> {
    let mut settings = Settings::defaults();
    let n = &mut settings.notify;
    n.batch = batch.max(1);
    n.quiet_start = "00:00".into();
    n.quiet_end = "00:00".into();
    n.file.dir = Some(outbox);
    if let Some((host, port)) = smtp {
        n.email = EmailWire::Smtp;
        n.smtp = Some(SmtpConfig {
            host,
            port: Some(port),
            security: SmtpSecurity::Plain,
            username: None,
            password: None,
            from: "园区服务 <bench@gridloop.localhost>".into(),
            timeout_secs: 10,
            domain: None,
        });
    }
    Ok(settings)
}

/// Writes `n` pending email notifications (1,000 per transaction) for one addressed user about
/// one issue, then drains them with one worker. Returns both durations.
async fn drain(
    url: &str,
    n: usize,
    batch: u32,
    smtp: Option<(String, u16)>,
) -> anyhow::Result<(Duration, Duration)> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let park = small_park(&store).await?;
    let workflow = Workflow::new(Calendar::default_china());
    let issue = store
        .intake(
            &workflow,
            &park.reporter,
            new_issue(&park, "notify-bench".into())?,
            Utc::now(),
        )
        .await?
        .issue;
    let mut tx = store.transaction().await?;
    let user = tx
        .create_user(NewUser {
            email: Some(Email::parse("bench.reader@gridloop.localhost")?),
            ..cast("reader", Role::UnitMember, &park, None)?
        })
        .await?;
    tx.commit().await?;

    let now = Utc::now();
    let started = Instant::now();
    let mut left = n;
    while left > 0 {
        let chunk = left.min(1000);
        let mut tx = store.transaction().await?;
        for i in (n - left)..(n - left + chunk) {
            let notice = NewNotification {
                recipients: Recipients::User(user.id),
                kind: gridloop_core::NotificationKind::Assigned,
                issue: Some(issue.id),
                params: serde_json::json!({"event": "assigned", "version": 3, "level": 0}),
                dedupe: format!("bench:{i}"),
                urgent: false,
            };
            let written = tx.notify(&notice, now).await?;
            anyhow::ensure!(written == 1, "notice {i} wrote {written} rows, not 1");
        }
        tx.commit().await?;
        left -= chunk;
    }
    let write = started.elapsed();

    let outbox = std::env::temp_dir().join(format!(
        "gridloop-bench-outbox-{}-{}",
        std::process::id(),
        Utc::now().timestamp_micros()
    ));
    let settings = settings(outbox.clone(), batch, smtp)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let delivery = Delivery::from_settings(store.clone(), clock, &settings)?;
    let started = Instant::now();
    loop {
        let round = delivery.round().await?;
        if round.claimed == 0 {
            break;
        }
    }
    let deliver = started.elapsed();

    let counts = store.count_notifications().await?;
    let sent = counts
        .iter()
        .find(|(s, _)| *s == NotificationState::Sent)
        .map_or(0, |(_, c)| *c);
    let files = std::fs::read_dir(&outbox).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
            .count()
    });
    let _ = std::fs::remove_dir_all(&outbox);
    store.close().await;
    anyhow::ensure!(
        sent == n as u64,
        "{sent} of {n} notifications sent; the outbox holds {counts:?}"
    );
    if settings.notify.email == EmailWire::File {
        anyhow::ensure!(files == n, "{files} .eml files for {n} notifications");
    }
    Ok((write, deliver))
}

/// A bench user of `role` in the park's unit (members) or post (post members), with the
/// addresses given (`None`: neither).
fn cast(
    login: &str,
    role: Role,
    park: &SmallPark,
    post: Option<gridloop_core::PostId>,
) -> anyhow::Result<NewUser> {
    Ok(NewUser {
        login: Login::parse(login)?,
        name: Name::parse(login)?,
        phone: None,
        email: None,
        locale: "zh-CN".into(),
        roles: vec![role],
        posts: post.into_iter().collect(),
        units: if role == Role::UnitMember {
            vec![park.unit]
        } else {
            vec![]
        },
        grids: vec![],
        enterprises: vec![],
    })
}

/// The extra cast the routing comparison adds to the park: who hears about a loop.
const AUDIENCE: &[(&str, Role)] = &[
    ("dispatch2", Role::Dispatcher),
    ("dispatch3", Role::Dispatcher),
    ("power2", Role::UnitMember),
    ("power3", Role::UnitMember),
    ("power4", Role::UnitMember),
    ("post02", Role::PostMember),
    ("post03", Role::PostMember),
];

/// Full loops on a park whose audience has addresses (`routed`) or not. Returns the time taken
/// and the outbox rows written.
async fn cycles(
    url: &str,
    writers: usize,
    cycles: usize,
    routed: bool,
) -> anyhow::Result<(Duration, u64)> {
    let store = Store::connect(url).await?;
    store.migrate().await?;
    let park = Arc::new(small_park(&store).await?);
    let mut tx = store.transaction().await?;
    let post = tx
        .posts(None)
        .await?
        .first()
        .map(|p| p.id)
        .context("the bench park has a post")?;
    for (i, (login, role)) in AUDIENCE.iter().enumerate() {
        let mut user = cast(
            login,
            *role,
            &park,
            (*role == Role::PostMember).then_some(post),
        )?;
        if routed {
            user.email = Some(Email::parse(&format!("{login}@gridloop.localhost"))?);
            user.phone = Some(Phone::parse(&format!("+86138001380{i:02}"))?);
        }
        tx.create_user(user).await?;
    }
    tx.commit().await?;
    let workflow = Arc::new(Workflow::new(Calendar::default_china()));

    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (store, park, workflow) = (store.clone(), park.clone(), workflow.clone());
        let share = cycles / writers + usize::from(w < cycles % writers);
        tasks.push(tokio::spawn(async move {
            for i in 0..share {
                one_loop(&store, &workflow, &park, format!("n-{w}-{i}")).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let took = started.elapsed();
    let written = store
        .count_notifications()
        .await?
        .iter()
        .map(|(_, c)| *c)
        .sum();
    store.close().await;
    Ok((took, written))
}
