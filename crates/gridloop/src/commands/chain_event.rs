//! `gridloop chain event plan|suggest|invite|send|attend|hold|cancel|list|show`: matchmaking
//! events (对接会, meetings in code), through the same use cases as the API and the web pages.

use clap::Subcommand;
use gridloop_app::chain::meetings::{self, MeetingView, PlanInput};
use gridloop_core::chain::MeetingId;
use gridloop_core::Locale;
use gridloop_store::Meeting;

use crate::app::App;
use crate::commands::issue::reader;
use crate::exit::UsageError;
use crate::render::{print_json, say, table};

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Plans one (dispatchers, admins; commissioners for a grid of theirs): a later day, at
    /// most two years ahead.
    Plan {
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The start, HH:MM in the park's time zone.
        #[arg(long)]
        time: String,
        #[arg(long)]
        place: String,
        #[arg(long)]
        theme: String,
        /// The most enterprises it may invite (1–500).
        #[arg(long)]
        capacity: String,
        /// Target stage codes, comma-separated (repeatable).
        #[arg(long, value_delimiter = ',')]
        stages: Vec<String>,
        /// Target tags, comma-separated (repeatable).
        #[arg(long)]
        tags: Vec<String>,
        /// The grid's id (a commissioner of several grids names one).
        #[arg(long)]
        grid: Option<String>,
    },
    /// The enterprises suggested by its theme, stages and tags, best first, with reasons.
    Suggest {
        id: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        /// How many (1–200; default 50).
        #[arg(long)]
        limit: Option<usize>,
        /// The language of the reasons: zh-CN (default) or en.
        #[arg(long, default_value = "zh-CN")]
        locale: String,
    },
    /// Invites enterprises by id (up to 100 at once, within its capacity).
    Invite {
        id: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        #[arg(required = true, value_name = "ENTERPRISE")]
        enterprises: Vec<String>,
    },
    /// Sends the invitations not sent yet (email/SMS) and plans the day-before reminder.
    Send {
        id: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
    },
    /// Records an invited enterprise's attendance (from the event's day on).
    Attend {
        id: String,
        enterprise: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        /// It did not come.
        #[arg(long)]
        absent: bool,
    },
    /// Marks it held (on or after its day).
    Hold {
        id: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
    },
    /// Cancels it and tells the enterprises already invited.
    Cancel {
        id: String,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Lists them, the latest planned first.
    List {
        /// Read as this user; without it, as the operator.
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
        /// planned, held or cancelled.
        #[arg(long)]
        status: Option<String>,
        /// How many (1–100; default 50).
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Shows one with its invitations.
    Show {
        id: String,
        /// Read as this user; without it, as the operator.
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
}

fn meeting_id(raw: &str) -> Result<MeetingId, UsageError> {
    raw.trim()
        .parse()
        .map_err(|_| UsageError(format!("an event id is a positive number: {raw}")))
}

pub async fn run(app: &App, cmd: EventCommand) -> anyhow::Result<()> {
    let state = app.state()?;
    match cmd {
        EventCommand::Plan {
            as_login,
            date,
            time,
            place,
            theme,
            capacity,
            stages,
            tags,
            grid,
        } => {
            let actor = app.actor(&as_login).await?;
            let input = PlanInput {
                date,
                time,
                place,
                theme,
                capacity,
                stages,
                tags,
                grid,
            };
            let meeting = meetings::plan(&state, &actor, &input).await?;
            show_list(app, &[meeting], None)
        }
        EventCommand::Suggest {
            id,
            as_login,
            limit,
            locale,
        } => {
            let id = meeting_id(&id)?;
            let locale: Locale = locale.parse()?;
            let actor = app.actor(&as_login).await?;
            let found = meetings::suggest(&state, &actor, id, limit, locale).await?;
            if app.json {
                return print_json(&found);
            }
            let rows: Vec<_> = found
                .iter()
                .map(|s| {
                    vec![
                        s.score.to_string(),
                        s.enterprise.to_string(),
                        s.name.clone(),
                        s.explanation.clone(),
                    ]
                })
                .collect();
            say!("{}", table(&["SCORE", "ENTERPRISE", "NAME", "WHY"], &rows));
            Ok(())
        }
        EventCommand::Invite {
            id,
            as_login,
            enterprises,
        } => {
            let id = meeting_id(&id)?;
            let actor = app.actor(&as_login).await?;
            let view = meetings::invite(&state, &actor, id, &enterprises).await?;
            show(app, &view)
        }
        EventCommand::Send { id, as_login } => {
            let id = meeting_id(&id)?;
            let actor = app.actor(&as_login).await?;
            let sent = meetings::send(&state, &actor, id).await?;
            if app.json {
                return print_json(&sent);
            }
            say!(
                "invitations sent to {} enterprises ({} notifications queued)",
                sent.enterprises.len(),
                sent.notifications
            );
            Ok(())
        }
        EventCommand::Attend {
            id,
            enterprise,
            as_login,
            absent,
        } => {
            let id = meeting_id(&id)?;
            let actor = app.actor(&as_login).await?;
            let view = meetings::attend(&state, &actor, id, &enterprise, !absent).await?;
            show(app, &view)
        }
        EventCommand::Hold { id, as_login } => {
            let id = meeting_id(&id)?;
            let actor = app.actor(&as_login).await?;
            let meeting = meetings::hold(&state, &actor, id).await?;
            show_list(app, &[meeting], None)
        }
        EventCommand::Cancel {
            id,
            as_login,
            reason,
        } => {
            let id = meeting_id(&id)?;
            let actor = app.actor(&as_login).await?;
            let meeting = meetings::cancel(&state, &actor, id, reason.as_deref()).await?;
            show_list(app, &[meeting], None)
        }
        EventCommand::List {
            as_login,
            status,
            limit,
            cursor,
        } => {
            let reader = reader(app, as_login.as_deref()).await?;
            let page = meetings::list(
                &state,
                reader.as_ref(),
                status.as_deref(),
                limit,
                cursor.as_deref(),
            )
            .await?;
            if app.json {
                return print_json(&page);
            }
            show_list(app, &page.items, page.next_cursor.as_deref())
        }
        EventCommand::Show { id, as_login } => {
            let id = meeting_id(&id)?;
            let reader = reader(app, as_login.as_deref()).await?;
            let view = meetings::get(&state, reader.as_ref(), id).await?;
            show(app, &view)
        }
    }
}

fn show_list(app: &App, items: &[Meeting], next: Option<&str>) -> anyhow::Result<()> {
    if app.json {
        return print_json(&items);
    }
    let tz = app.state()?.calendar.time_zone;
    let rows: Vec<_> = items
        .iter()
        .map(|m| {
            vec![
                m.id.to_string(),
                m.starts_at
                    .at()
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                m.status.to_string(),
                format!("{}/{}/{}", m.attended, m.invited, m.capacity.get()),
                m.place.to_string(),
                m.theme.to_string(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "ID",
                "STARTS",
                "STATUS",
                "CAME/INVITED/CAP",
                "PLACE",
                "THEME"
            ],
            &rows
        )
    );
    if let Some(cursor) = next {
        say!("more: --cursor {cursor}");
    }
    Ok(())
}

fn show(app: &App, view: &MeetingView) -> anyhow::Result<()> {
    if app.json {
        return print_json(view);
    }
    show_list(app, std::slice::from_ref(&view.meeting), None)?;
    let tz = app.state()?.calendar.time_zone;
    let rows: Vec<_> = view
        .invitations
        .iter()
        .map(|i| {
            vec![
                i.enterprise.to_string(),
                i.enterprise_name.to_string(),
                i.notified_at.map_or_else(
                    || "-".to_owned(),
                    |t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                ),
                match i.attended {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "-",
                }
                .to_owned(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(&["ENTERPRISE", "NAME", "NOTIFIED", "ATTENDED"], &rows)
    );
    Ok(())
}
