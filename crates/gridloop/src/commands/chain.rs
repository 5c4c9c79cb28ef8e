//! `gridloop chain stage|position …` and `gridloop need|offer post|list|withdraw|suggest`:
//! the chain's matchmaking, through the same use cases as the API's.

use gridloop_app::chain::listings::{self, ListInput, PostInput};
use gridloop_app::chain::positions::{self, PositionInput, PositionView};
use gridloop_app::chain::stages::{self, StageInput};
use gridloop_app::chain::suggest::suggest;
use gridloop_core::chain::{Side, Stage, Tags};
use gridloop_core::{EnterpriseId, ListingId, Locale};
use gridloop_store::Listing;

use crate::app::App;
use crate::cli::{ChainCommand, ListingCommand, PositionCommand, StageCommand};
use crate::commands::chain_match;
use crate::commands::issue::reader;
use crate::exit::UsageError;
use crate::render::{print_json, say, table};

pub async fn run(app: &App, cmd: ChainCommand) -> anyhow::Result<()> {
    let state = app.state()?;
    match cmd {
        ChainCommand::Stage(StageCommand::List { chain }) => {
            let (_, stages) = stages::list(&state, &chain).await?;
            show_stages(app, &stages)
        }
        ChainCommand::Stage(StageCommand::Set {
            chain,
            stages: raw,
            as_login,
        }) => {
            let actor = app.actor(&as_login).await?;
            let input = raw
                .iter()
                .map(|s| {
                    let (code, name) = s.split_once('=').ok_or_else(|| {
                        UsageError(format!("a stage is CODE=NAME, e.g. smelting=电解铝: {s}"))
                    })?;
                    Ok(StageInput {
                        code: code.to_owned(),
                        name: name.to_owned(),
                    })
                })
                .collect::<Result<Vec<_>, UsageError>>()?;
            let stages = stages::set(&state, &actor, &chain, &input).await?;
            show_stages(app, &stages)
        }
        ChainCommand::Position(PositionCommand::Show {
            enterprise,
            as_login,
        }) => {
            let enterprise: EnterpriseId = enterprise.parse()?;
            let reader = reader(app, as_login.as_deref()).await?;
            let view = positions::get(&state, reader.as_ref(), enterprise).await?;
            show_position(app, &view)
        }
        ChainCommand::Position(PositionCommand::Set {
            enterprise,
            as_login,
            stage,
            products,
            materials,
            capabilities,
        }) => {
            let enterprise: EnterpriseId = enterprise.parse()?;
            let actor = app.actor(&as_login).await?;
            let input = PositionInput {
                stage,
                products,
                materials,
                capabilities,
            };
            let view = positions::set(&state, &actor, enterprise, &input).await?;
            show_position(app, &view)
        }
        ChainCommand::Event(cmd) => crate::commands::chain_event::run(app, cmd).await,
        ChainCommand::Match(cmd) => chain_match::run(app, &state, cmd).await,
        ChainCommand::Map {
            grid,
            stage,
            as_login,
        } => chain_match::map(app, &state, grid, stage, as_login).await,
    }
}

pub async fn listing(app: &App, side: Side, cmd: ListingCommand) -> anyhow::Result<()> {
    let state = app.state()?;
    match cmd {
        ListingCommand::Post(args) => {
            let actor = app.actor(&args.as_login).await?;
            let input = PostInput {
                kind: args.kind,
                enterprise: args.enterprise,
                title: args.title,
                text: args.text,
                quantity: args.quantity,
                tags: args.tags,
                valid_until: args.valid_until,
                visit: args.visit,
            };
            let listing = listings::post(&state, &actor, side, &input).await?;
            show_listings(app, &[listing], None)
        }
        ListingCommand::List(args) => {
            let reader = reader(app, args.as_login.as_deref()).await?;
            let input = ListInput {
                side: Some(side.as_str().to_owned()),
                kind: args.kind,
                stage: args.stage,
                grid: args.grid,
                status: args.status,
                enterprise: args.enterprise,
                q: args.q,
                limit: args.limit,
                cursor: args.cursor,
            };
            let page = listings::list(&state, reader.as_ref(), &input).await?;
            if app.json {
                return print_json(&page);
            }
            show_listings(app, &page.items, page.next_cursor.as_deref())
        }
        ListingCommand::Withdraw { id, as_login } => {
            let id: ListingId = id.parse()?;
            let actor = app.actor(&as_login).await?;
            let listing = listings::withdraw(&state, &actor, id).await?;
            show_listings(app, &[listing], None)
        }
        ListingCommand::Suggest {
            id,
            as_login,
            limit,
            locale,
        } => {
            if side != Side::Need {
                return Err(UsageError(
                    "suggestions are for needs: gridloop need suggest ID".into(),
                )
                .into());
            }
            let id: ListingId = id.parse()?;
            let locale: Locale = locale.parse()?;
            let reader = reader(app, as_login.as_deref()).await?;
            let found = suggest(&state, reader.as_ref(), id, limit, locale).await?;
            if app.json {
                return print_json(&found);
            }
            say!("#{} {}", found.need.id, found.need.title);
            let rows: Vec<_> = found
                .suggestions
                .iter()
                .map(|s| {
                    let (what, id) = match s.suggestion.target {
                        gridloop_core::chain::Target::Offer(id) => ("offer", id.get()),
                        gridloop_core::chain::Target::Enterprise(id) => ("enterprise", id.get()),
                    };
                    vec![
                        s.suggestion.score.to_string(),
                        format!("{what} {id}"),
                        s.label.clone(),
                        s.explanation.clone(),
                    ]
                })
                .collect();
            say!("{}", table(&["SCORE", "WHAT", "NAME", "WHY"], &rows));
            Ok(())
        }
    }
}

fn show_stages(app: &App, stages: &[Stage]) -> anyhow::Result<()> {
    if app.json {
        return print_json(&stages);
    }
    let rows: Vec<_> = stages
        .iter()
        .map(|s| {
            vec![
                s.position.to_string(),
                s.code.to_string(),
                s.name.to_string(),
            ]
        })
        .collect();
    say!("{}", table(&["#", "CODE", "NAME"], &rows));
    Ok(())
}

fn words(tags: &Tags) -> String {
    let words: Vec<&str> = tags.as_slice().iter().map(|t| t.as_str()).collect();
    words.join(",")
}

fn show_position(app: &App, view: &PositionView) -> anyhow::Result<()> {
    if app.json {
        return print_json(view);
    }
    let stage = view
        .stage
        .as_ref()
        .map_or_else(|| "-".to_owned(), |s| format!("{} ({})", s.name, s.code));
    say!("enterprise {}", view.enterprise);
    say!("stage:        {stage}");
    say!("products:     {}", words(&view.position.products));
    say!("materials:    {}", words(&view.position.materials));
    say!("capabilities: {}", words(&view.position.capabilities));
    Ok(())
}

fn show_listings(app: &App, listings: &[Listing], next: Option<&str>) -> anyhow::Result<()> {
    if app.json {
        return print_json(&listings);
    }
    let rows: Vec<_> = listings
        .iter()
        .map(|l| {
            vec![
                l.id.to_string(),
                l.side.to_string(),
                l.kind.to_string(),
                l.status.to_string(),
                l.valid_until.to_string(),
                format!("{} ({})", l.enterprise_name, l.enterprise),
                l.title.to_string(),
                words(&l.tags),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "ID",
                "SIDE",
                "KIND",
                "STATUS",
                "UNTIL",
                "ENTERPRISE",
                "TITLE",
                "TAGS"
            ],
            &rows
        )
    );
    if let Some(cursor) = next {
        say!("more: --cursor {cursor}");
    }
    Ok(())
}
