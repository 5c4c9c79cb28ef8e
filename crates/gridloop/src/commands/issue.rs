//! `gridloop issue …`: report, act, show, history, list.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use gridloop_core::{
    ActionFields, ActionKind, Description, EnterpriseId, IssueId, Note, Priority, Reason,
    Satisfaction, Source, Status, Title, TransitionError,
};
use gridloop_store::{ActionRequest, IssueFilter, NewIssue, StoreError};
use serde_json::json;

use crate::app::App;
use crate::cli::{ActArgs, IssueCommand, ListArgs, ReportArgs};
use crate::exit::UsageError;
use crate::render::say;
use crate::render::{self, Names};

pub async fn run(app: &App, cmd: IssueCommand) -> anyhow::Result<()> {
    match cmd {
        IssueCommand::Report(args) => report(app, args).await,
        IssueCommand::Act(args) => act(app, args).await,
        IssueCommand::Show { id, as_login } => show(app, &id, as_login.as_deref()).await,
        IssueCommand::History { id, as_login } => history(app, &id, as_login.as_deref()).await,
        IssueCommand::List(args) => list(app, args).await,
    }
}

async fn report(app: &App, args: ReportArgs) -> anyhow::Result<()> {
    // Parse everything before touching the store, so bad input writes nothing.
    let title = Title::parse(&args.title)?;
    let description = Description::parse(&args.description)?;
    let priority: Priority = args.priority.parse()?;
    let enterprise: EnterpriseId = args.enterprise.parse()?;
    let key = match args.key.as_deref().map(gridloop_core::ClientKey::parse) {
        Some(Err(e)) => return Err(UsageError(format!("--key {}", e.rule())).into()),
        Some(Ok(key)) => Some(key),
        None => None,
    };
    let actor = app.actor(&args.as_login).await?;
    let category = app.category_id(&args.category).await?;
    let new = NewIssue {
        enterprise,
        category,
        title,
        description,
        priority,
        source: Source::Cli,
        client_key: key,
    };
    let reported = app
        .store
        .report(&app.workflow, &actor, new, app.now)
        .await?;
    let names = Names::load(&app.store).await?;
    if app.json {
        let mut value = render::issue_json(&reported.issue, &names);
        value["replayed"] = json!(reported.replayed);
        render::print_json(&value)
    } else {
        let verb = if reported.replayed {
            "already reported as"
        } else {
            "reported"
        };
        say!(
            "{verb} #{} (version {})",
            reported.issue.id,
            reported.issue.version
        );
        Ok(())
    }
}

async fn act(app: &App, args: ActArgs) -> anyhow::Result<()> {
    let id: IssueId = args.id.parse()?;
    let kind: ActionKind = args.action.parse()?;
    let tz = app.workflow.calendar().tz();
    let mut fields = ActionFields {
        reason: args.reason.as_deref().map(Reason::parse).transpose()?,
        note: args.note.as_deref().map(Note::parse).transpose()?,
        public_note: args.public_note.as_deref().map(Note::parse).transpose()?,
        satisfaction: args
            .satisfaction
            .as_deref()
            .map(str::parse::<Satisfaction>)
            .transpose()?,
        duplicate_of: args
            .duplicate_of
            .as_deref()
            .map(str::parse::<IssueId>)
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|u| parse_until(u, tz, app))
            .transpose()?,
        priority: args
            .priority
            .as_deref()
            .map(str::parse::<Priority>)
            .transpose()?,
        ..ActionFields::default()
    };
    let actor = app.actor(&args.as_login).await?;
    if let Some(code) = &args.unit {
        fields.unit = Some(app.unit_id(code).await?);
    }
    if let Some(code) = &args.category {
        fields.category = Some(app.category_id(code).await?);
    }
    let request = ActionRequest {
        kind,
        fields,
        expected_version: args.version,
    };
    let decision = app
        .store
        .act(&app.workflow, id, &actor, request, app.now)
        .await
        .map_err(|e| match e {
            // Outside the actor's scope reads exactly like a missing issue.
            StoreError::Transition(TransitionError::OutOfScope) => StoreError::NotFound {
                what: "issue",
                key: id.to_string(),
            },
            other => other,
        })?;
    let names = Names::load(&app.store).await?;
    if app.json {
        render::print_json(&render::issue_json(&decision.issue, &names))
    } else {
        let issue = &decision.issue;
        let from = decision.event.from.map(|s| s.as_str()).unwrap_or("-");
        say!(
            "#{} {} → {} (version {})",
            issue.id,
            from,
            issue.status,
            issue.version
        );
        if decision.event.from != Some(issue.status) || kind == ActionKind::Assign {
            if let (Some(respond), Some(resolve)) = (issue.response_due_at, issue.resolve_due_at) {
                if issue.status == Status::Assigned {
                    say!(
                        "respond by {}, resolve by {} ({})",
                        render::local(respond, tz),
                        render::local(resolve, tz),
                        tz
                    );
                }
            }
        }
        Ok(())
    }
}

/// Reads an issue the way `--as` would see it: out of scope is the same as absent.
async fn load_visible(
    app: &App,
    id: &str,
    as_login: Option<&str>,
) -> anyhow::Result<gridloop_core::Issue> {
    let id: IssueId = id.parse()?;
    let issue = app.store.issue(id).await?;
    let visible = match (&issue, as_login) {
        (Some(issue), Some(login)) => app.actor(login).await?.can_see(&issue.scope()),
        (Some(_), None) => true,
        (None, _) => false,
    };
    match issue {
        Some(issue) if visible => Ok(issue),
        _ => Err(StoreError::NotFound {
            what: "issue",
            key: id.to_string(),
        }
        .into()),
    }
}

async fn show(app: &App, id: &str, as_login: Option<&str>) -> anyhow::Result<()> {
    let issue = load_visible(app, id, as_login).await?;
    let names = Names::load(&app.store).await?;
    if app.json {
        render::print_json(&render::issue_json(&issue, &names))
    } else {
        say!(
            "{}",
            render::issue_text(&issue, &names, app.workflow.calendar().tz(), app.now)
        );
        Ok(())
    }
}

async fn history(app: &App, id: &str, as_login: Option<&str>) -> anyhow::Result<()> {
    let issue = load_visible(app, id, as_login).await?;
    let events = app.store.events(issue.id).await?;
    let names = Names::load(&app.store).await?;
    if app.json {
        let items: Vec<_> = events
            .iter()
            .map(|e| render::event_json(e, &names))
            .collect();
        render::print_json(&items)
    } else {
        let tz = app.workflow.calendar().tz();
        for event in &events {
            say!("{}", render::event_text(event, &names, tz));
        }
        Ok(())
    }
}

async fn list(app: &App, args: ListArgs) -> anyhow::Result<()> {
    let statuses = args
        .status
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse::<Status>())
        .collect::<Result<Vec<_>, _>>()?;
    if !(1..=500).contains(&args.limit) {
        return Err(UsageError("--limit must be between 1 and 500".into()).into());
    }
    let mut filter = IssueFilter {
        statuses,
        enterprise: args.enterprise.as_deref().map(str::parse).transpose()?,
        overdue_at: args.overdue.then_some(app.now),
        title_contains: args.search.clone(),
        ..IssueFilter::default()
    };
    if let Some(code) = &args.grid {
        filter.grid = Some(app.grid_id(code).await?);
    }
    if let Some(code) = &args.unit {
        filter.unit = Some(app.unit_id(code).await?);
    }
    if let Some(code) = &args.category {
        filter.category = Some(app.category_id(code).await?);
    }
    if let Some(login) = &args.reporter {
        filter.reporter = Some(app.user(login).await?.id);
    }
    if let Some(login) = &args.as_login {
        filter.visible_to = Some(app.actor(login).await?);
    }
    let page = app
        .store
        .list_issues(&filter, args.limit, args.cursor.as_deref())
        .await?;
    let names = Names::load(&app.store).await?;
    if app.json {
        let items: Vec<_> = page
            .items
            .iter()
            .map(|i| render::issue_json(i, &names))
            .collect();
        return render::print_json(&json!({"items": items, "next_cursor": page.next_cursor}));
    }
    let tz = app.workflow.calendar().tz();
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|i| {
            vec![
                format!("#{}", i.id),
                i.status.to_string(),
                i.priority.to_string(),
                names.unit(i.unit).unwrap_or_else(|| "-".into()),
                i.resolve_due_at
                    .map(|t| {
                        let mark = if i.is_overdue(app.now) { " !" } else { "" };
                        format!("{}{mark}", render::local(t, tz))
                    })
                    .unwrap_or_else(|| "-".into()),
                i.title.to_string(),
            ]
        })
        .collect();
    say!(
        "{}",
        render::table(
            &["ID", "STATUS", "PRIORITY", "UNIT", "RESOLVE BY", "TITLE"],
            &rows
        )
    );
    match page.next_cursor {
        Some(c) => say!("more: --cursor {c}"),
        None => say!("({} shown)", page.items.len()),
    }
    Ok(())
}

/// `--until`: RFC 3339, or local `YYYY-MM-DD HH:MM`, or a date meaning the end of that day's
/// working hours.
fn parse_until(raw: &str, tz: Tz, app: &App) -> anyhow::Result<DateTime<Utc>> {
    let raw = raw.trim();
    let in_span = |t: DateTime<Utc>| {
        gridloop_core::dates::check_instant("--until", t).map_err(|e| UsageError(e.to_string()))
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(in_span(t.with_timezone(&Utc))?);
    }
    let local = if let Ok(t) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M") {
        t
    } else if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let end = app
            .workflow
            .calendar()
            .hours()
            .periods(chrono::Datelike::weekday(&d))
            .last()
            .map(|(_, end)| end)
            .unwrap_or(NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default());
        d.and_time(end)
    } else {
        return Err(UsageError(format!(
            "--until '{raw}' is not a time: use RFC 3339, 'YYYY-MM-DD HH:MM' or 'YYYY-MM-DD'"
        ))
        .into());
    };
    let at = tz
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| UsageError(format!("--until '{raw}' does not exist in {tz}")))?;
    Ok(in_span(at)?)
}
