//! `gridloop chain match introduce|talk|agree|drop|list|show` and `gridloop chain map`: matches
//! (对接) and the chain map, through the same use cases as the API's and the web's.

use gridloop_app::chain::map::{self, MapInput};
use gridloop_app::chain::matches::{self, IntroduceInput, ListInput, StepInput};
use gridloop_app::AppState;
use gridloop_core::MatchId;
use gridloop_store::MatchRecord;

use crate::app::App;
use crate::cli::{MatchCommand, MatchStepArgs};
use crate::commands::issue::reader;
use crate::render::{print_json, say, table};

pub async fn run(app: &App, state: &AppState, cmd: MatchCommand) -> anyhow::Result<()> {
    match cmd {
        MatchCommand::Introduce {
            as_login,
            enterprise,
            with,
            need,
            offer,
            meeting,
            note,
        } => {
            let actor = app.actor(&as_login).await?;
            let input = IntroduceInput {
                enterprise,
                with,
                need,
                offer,
                meeting,
                note,
            };
            let record = matches::introduce(state, &actor, &input).await?;
            show_matches(app, &[record], None)
        }
        MatchCommand::Talk(step) => take(app, state, step, "talk", None, None, None).await,
        MatchCommand::Agree { step, value, note } => {
            take(app, state, step, "agree", Some(value), note, None).await
        }
        MatchCommand::Drop { step, reason } => {
            take(app, state, step, "drop", None, None, Some(reason)).await
        }
        MatchCommand::List {
            as_login,
            status,
            enterprise,
            meeting,
            limit,
            cursor,
        } => {
            let reader = reader(app, as_login.as_deref()).await?;
            let input = ListInput {
                status,
                enterprise,
                meeting,
                limit,
                cursor,
            };
            let page = matches::list(state, reader.as_ref(), &input).await?;
            if app.json {
                return print_json(&page);
            }
            show_matches(app, &page.items, page.next_cursor.as_deref())
        }
        MatchCommand::Show { id, as_login } => {
            let id: MatchId = id.parse()?;
            let reader = reader(app, as_login.as_deref()).await?;
            let shown = matches::show(state, reader.as_ref(), id).await?;
            if app.json {
                return print_json(&shown);
            }
            show_matches(app, std::slice::from_ref(&shown.record), None)?;
            let rows: Vec<_> = shown
                .steps
                .iter()
                .map(|s| {
                    vec![
                        s.version.to_string(),
                        s.at.to_rfc3339(),
                        s.actor.to_string(),
                        s.from.map_or_else(|| "-".to_owned(), |f| f.to_string()),
                        s.to.to_string(),
                    ]
                })
                .collect();
            say!("{}", table(&["V", "AT", "BY", "FROM", "TO"], &rows));
            Ok(())
        }
    }
}

/// One step (talk, agree, drop) on a match, printed as the match after it.
async fn take(
    app: &App,
    state: &AppState,
    step: MatchStepArgs,
    action: &str,
    contract_value: Option<String>,
    note: Option<String>,
    reason: Option<String>,
) -> anyhow::Result<()> {
    let id: MatchId = step.id.parse()?;
    let actor = app.actor(&step.as_login).await?;
    let input = StepInput {
        action: action.to_owned(),
        version: step.version,
        contract_value,
        note,
        reason,
    };
    let record = matches::step(state, &actor, id, &input).await?;
    show_matches(app, &[record], None)
}

/// `gridloop chain map`: the map's links as a table (`--json`: the whole map).
pub async fn map(
    app: &App,
    state: &AppState,
    grid: Option<String>,
    stage: Option<String>,
    as_login: Option<String>,
) -> anyhow::Result<()> {
    let reader = reader(app, as_login.as_deref()).await?;
    let found = map::map(state, reader.as_ref(), &MapInput { grid, stage }).await?;
    if app.json {
        return print_json(&found);
    }
    for s in &found.stages {
        let n = found.enterprises.iter().filter(|e| e.stage == s.id).count();
        say!("{}. {} ({}): {n}", s.position, s.name, s.code);
    }
    let rows: Vec<_> = found
        .links
        .iter()
        .map(|l| {
            vec![
                l.id.to_string(),
                format!("{} ({})", l.a_name, l.a),
                format!("{} ({})", l.b_name, l.b),
                l.contract_value
                    .map_or_else(|| "-".to_owned(), |v| v.to_string()),
            ]
        })
        .collect();
    say!("{}", table(&["MATCH", "A", "B", "YUAN"], &rows));
    Ok(())
}

fn show_matches(app: &App, matches: &[MatchRecord], next: Option<&str>) -> anyhow::Result<()> {
    if app.json {
        return print_json(&matches);
    }
    let rows: Vec<_> = matches
        .iter()
        .map(|m| {
            let s = &m.state;
            vec![
                m.id.to_string(),
                s.version.to_string(),
                s.status.to_string(),
                format!("{} ({})", m.a_name, s.pair.a().enterprise),
                format!("{} ({})", m.b_name, s.pair.b().enterprise),
                s.value.map_or_else(|| "-".to_owned(), |v| v.to_string()),
                s.moved_at.to_rfc3339(),
            ]
        })
        .collect();
    say!(
        "{}",
        table(&["ID", "V", "STATUS", "A", "B", "YUAN", "MOVED"], &rows)
    );
    if let Some(next) = next {
        say!("next: --cursor {next}");
    }
    Ok(())
}
