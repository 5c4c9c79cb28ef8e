//! `gridloop serve`: the HTTP server in the foreground until SIGINT/SIGTERM.

use std::sync::Arc;

use anyhow::Context;

use crate::app::App;
use crate::cli::ServeArgs;
use crate::render::say;
use crate::serve;
use gridloop_app::clock::{Clock, ManualClock, SystemClock};
use gridloop_app::AppState;

pub async fn run(app: &App, args: &ServeArgs) -> anyhow::Result<()> {
    let listener = bind(app, args).await?;
    let addr = listener.local_addr()?;
    say!("gridloop listening on http://{addr}");
    serve_on(app, listener).await
}

pub async fn bind(app: &App, args: &ServeArgs) -> anyhow::Result<tokio::net::TcpListener> {
    let addr = args.listen.unwrap_or(app.settings.server.listen);
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))
}

pub async fn serve_on(app: &App, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    // With `--now`, the server's clock stands at that instant: demonstrations of deadlines.
    let clock: Arc<dyn Clock> = if app.fixed_now {
        Arc::new(ManualClock::new(app.now))
    } else {
        Arc::new(SystemClock)
    };
    let state = AppState::from_settings(
        app.store.clone(),
        app.workflow.clone(),
        Arc::clone(&clock),
        &app.settings,
    )?;
    // Attachments' bytes live in the database; files an earlier version kept are moved in.
    gridloop_app::attachments::move_files_in(&app.store, &app.settings.server.data_dir).await?;
    let scheduler = if app.settings.scheduler.enabled {
        gridloop_app::jobs::ensure_schedules(&app.store, &app.settings, clock.now()).await?;
        // The scheduler decides on the workflow in force, which follows the stored calendar.
        let scheduler = Arc::new(gridloop_app::jobs::build(
            app.store.clone(),
            &state.workflow,
            Arc::clone(&clock),
            &app.settings,
        )?);
        let poll = std::time::Duration::from_millis(app.settings.scheduler.poll_ms.max(10));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(Arc::clone(&scheduler).run(poll, async move {
            let _ = stopped.await;
        }));
        Some((stop, task))
    } else {
        None
    };
    let delivery = if app.settings.notify.enabled {
        let delivery = Arc::new(gridloop_app::delivery::Delivery::from_settings(
            app.store.clone(),
            Arc::clone(&clock),
            &app.settings,
        )?);
        let poll = std::time::Duration::from_millis(app.settings.notify.poll_ms.max(10));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(delivery.run(poll, async move {
            let _ = stopped.await;
        }));
        Some((stop, task))
    } else {
        None
    };
    // A calendar change made on another instance (or with the CLI) is in force here within
    // seconds.
    let calendar_follow = tokio::spawn(gridloop_app::calendars::live::follow(state.clone()));
    let calendar_watch = tokio::spawn(gridloop_app::calendars::watch_next_year(state.clone()));
    tracing::info!(addr = %listener.local_addr()?, "serving");
    let limits = serve::Limits::from(&app.settings.server);
    serve::serve_with(listener, state, limits, serve::shutdown_signal())
        .await
        .context("serving HTTP")?;
    if let Some((stop, task)) = delivery {
        // The worker finishes the sends it started; leases cover anything cut short.
        let _ = stop.send(());
        let _ = task.await;
    }
    if let Some((stop, task)) = scheduler {
        // The scheduler finishes the batch it is running; leases cover anything cut short.
        let _ = stop.send(());
        let _ = task.await;
    }
    calendar_watch.abort();
    calendar_follow.abort();
    app.store.close().await;
    Ok(())
}
