//! `gridloop issue …`: report (intake), act, show, history, list, export: each parses its arguments,
//! calls the app's use case and prints the outcome.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use anyhow::Context as _;
use gridloop_app::export;
use gridloop_app::issues::{self, ActionInput, CategoryRef, Intake, ListInput, Until};
use gridloop_app::{AppError, Thing};
use gridloop_core::{
    ActionKind, Actor, Code, Description, EnterpriseId, Issue, IssueId, Login, Note, ParseError,
    Priority, Reason, Source, Status, Title,
};
use serde_json::json;

use crate::app::App;
use crate::cli::{ActArgs, ExportArgs, FilterArgs, IssueCommand, ListArgs, ReportArgs};
use crate::exit::UsageError;
use crate::progress::Progress;
use crate::render::say;
use crate::render::{self, Names};

pub async fn run(app: &App, cmd: IssueCommand) -> anyhow::Result<()> {
    match cmd {
        IssueCommand::Report(args) => intake(app, args).await,
        IssueCommand::Act(args) => act(app, args).await,
        IssueCommand::Show { id, as_login } => show(app, &id, as_login.as_deref()).await,
        IssueCommand::History { id, as_login } => history(app, &id, as_login.as_deref()).await,
        IssueCommand::List(args) => list(app, args).await,
        IssueCommand::Export(args) => export(app, args).await,
    }
}

/// A use case's refusal as the CLI says it: an issue that is missing or out of sight is named
/// with its id, as the scripts that read the message expect.
fn refusal(id: IssueId) -> impl FnOnce(AppError) -> anyhow::Error {
    move |e| match e {
        AppError::NotFound(Thing::Issue) => {
            anyhow::Error::new(e).context(format!("no issue '{id}'"))
        }
        other => other.into(),
    }
}

fn code(field: &'static str, raw: &str) -> Result<Code, ParseError> {
    Code::parse_field(field, raw)
}

async fn intake(app: &App, args: ReportArgs) -> anyhow::Result<()> {
    // Parse everything before touching the store, so bad input writes nothing.
    let title = Title::parse(&args.title)?;
    let description = Description::parse(&args.description)?;
    let priority: Priority = args.priority.parse()?;
    let enterprise: EnterpriseId = args.enterprise.parse()?;
    let category = code("category", &args.category)?;
    let key = match args.key.as_deref().map(gridloop_core::ClientKey::parse) {
        Some(Err(e)) => return Err(UsageError(format!("--key {}", e.rule())).into()),
        Some(Ok(key)) => Some(key),
        None => None,
    };
    let actor = app.actor(&args.as_login).await?;
    let intake = Intake {
        enterprise,
        category: CategoryRef::Code(category),
        title,
        description,
        priority,
        source: Source::Cli,
        client_key: key,
        open311: None,
    };
    let reported = issues::intake(&app.state()?, &actor, intake).await?;
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
    let input = ActionInput {
        expected_version: args.version,
        unit: args.unit.as_deref().map(|c| code("unit", c)).transpose()?,
        category: args
            .category
            .as_deref()
            .map(|c| code("category", c))
            .transpose()?,
        reason: args.reason.as_deref().map(Reason::parse).transpose()?,
        note: args.note.as_deref().map(Note::parse).transpose()?,
        public_note: args.public_note.as_deref().map(Note::parse).transpose()?,
        satisfaction: args.satisfaction.as_deref().map(str::parse).transpose()?,
        duplicate_of: args.duplicate_of.as_deref().map(str::parse).transpose()?,
        until: args
            .until
            .as_deref()
            .map(|u| parse_until(u, tz, app).map(Until::At))
            .transpose()?,
        priority: args.priority.as_deref().map(str::parse).transpose()?,
        ..ActionInput::new(kind)
    };
    let actor = app.actor(&args.as_login).await?;
    let decision = issues::act(&app.state()?, &actor, id, input)
        .await
        .map_err(refusal(id))?;
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

/// The reader `--as` names, if any: without it the console's operator sees every issue.
pub(crate) async fn reader(app: &App, as_login: Option<&str>) -> anyhow::Result<Option<Actor>> {
    match as_login {
        Some(login) => Ok(Some(app.actor(login).await?)),
        None => Ok(None),
    }
}

/// Reads an issue the way `--as` would see it: out of scope is the same as absent.
async fn load_visible(app: &App, id: &str, as_login: Option<&str>) -> anyhow::Result<Issue> {
    let id: IssueId = id.parse()?;
    let reader = reader(app, as_login).await?;
    issues::show(&app.state()?, reader.as_ref(), id)
        .await
        .map_err(refusal(id))
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
    let id: IssueId = id.parse()?;
    let reader = reader(app, as_login).await?;
    let (_, events) = issues::history(&app.state()?, reader.as_ref(), id)
        .await
        .map_err(refusal(id))?;
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

/// The list's filters as the app takes them, parsed before anything reaches the store.
fn list_input(args: &FilterArgs) -> anyhow::Result<ListInput> {
    let statuses = args
        .status
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse::<Status>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListInput {
        statuses,
        grid: args.grid.as_deref().map(|c| code("grid", c)).transpose()?,
        unit: args.unit.as_deref().map(|c| code("unit", c)).transpose()?,
        category: args
            .category
            .as_deref()
            .map(|c| code("category", c))
            .transpose()?,
        enterprise: args.enterprise.as_deref().map(str::parse).transpose()?,
        reporter: args.reporter.as_deref().map(Login::parse).transpose()?,
        overdue: args.overdue,
        q: args.search.clone(),
        ..ListInput::default()
    })
}

async fn list(app: &App, args: ListArgs) -> anyhow::Result<()> {
    if !(1..=500).contains(&args.limit) {
        return Err(UsageError("--limit must be between 1 and 500".into()).into());
    }
    let input = ListInput {
        limit: args.limit,
        cursor: args.cursor.clone(),
        ..list_input(&args.filter)?
    };
    let reader = reader(app, args.filter.as_login.as_deref()).await?;
    let page = issues::list(&app.state()?, reader.as_ref(), input).await?;
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

/// `issue export`: the ledger to `--output` (through a temporary file beside it, renamed once
/// complete, so a failed export leaves no half file) or to standard output.
async fn export(app: &App, args: ExportArgs) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;

    let format: export::Format = args.format.parse()?;
    let locale = args
        .locale
        .as_deref()
        .map(str::parse::<gridloop_core::Locale>)
        .transpose()?;
    let input = list_input(&args.filter)?;
    if args.output.is_none() && format == export::Format::Xlsx && std::io::stdout().is_terminal() {
        return Err(UsageError(
            "an xlsx file is not for a terminal: give --output FILE or redirect the output".into(),
        )
        .into());
    }
    let reader = reader(app, args.filter.as_login.as_deref()).await?;
    let state = app.state()?;
    let ledger = export::prepare(
        &state,
        reader.as_ref(),
        &input,
        export::Options { format, locale },
    )
    .await?;
    // The bar counts the rows the export counted when it checked the filter; none over a CSV
    // written to the terminal itself.
    let progress = if args.output.is_none() && std::io::stdout().is_terminal() {
        Progress::quiet()
    } else {
        Progress::new(app.json)
    };
    progress.stage("issues exported", Some(ledger.rows()));
    let shown = |rows| progress.set(rows);
    let rows = match &args.output {
        Some(path) => {
            let partial = partial_path(path);
            let file = tokio::fs::File::create(&partial)
                .await
                .with_context(|| format!("cannot create {}", partial.display()))?;
            let written = ledger
                .write_with(tokio::io::BufWriter::new(file), shown)
                .await;
            progress.finish();
            match written {
                Ok(rows) => {
                    tokio::fs::rename(&partial, path)
                        .await
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    rows
                }
                Err(e) => {
                    let _ = tokio::fs::remove_file(&partial).await;
                    return Err(e.into());
                }
            }
        }
        None => {
            let written = ledger
                .write_with(tokio::io::BufWriter::new(tokio::io::stdout()), shown)
                .await;
            progress.finish();
            written?
        }
    };
    if app.json {
        if let Some(path) = &args.output {
            render::print_json(&json!({"rows": rows, "format": format.as_str(), "file": path}))?;
        }
    } else {
        let place = args
            .output
            .as_ref()
            .map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
        eprintln!("exported {rows} issues to {place}");
    }
    Ok(())
}

/// `ledger.xlsx` → `ledger.xlsx.part`, in the same folder (so the rename is atomic).
fn partial_path(path: &std::path::Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
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
