//! `gridloop unit|grid|enterprise|category|user list`: the reference data everyone reads; and
//! `gridloop enterprise|category add|edit`, through the same use cases as the API's.

use gridloop_core::{Code, EnterpriseId, Priority};
use gridloop_store::StoreError;
use serde_json::json;

use gridloop_app::reference::{
    categories as category, enterprises, grids as grid, unit_codes, units as unit, users as user,
};

use gridloop_app::notifications;
use gridloop_app::reference::categories::{
    CategoryPatchInput, NewCategoryInput, SlaInput, SlaMinutes,
};
use gridloop_app::reference::enterprises::{EnterprisePatchInput, NewEnterpriseInput};

use crate::cli::{CategoryCommand, EnterpriseCommand};
use crate::exit::UsageError;

use crate::app::App;
use crate::render::say;
use crate::render::{print_json, table};

pub async fn units(app: &App) -> anyhow::Result<()> {
    let units = unit::list(&app.store).await?;
    if app.json {
        return print_json(&units);
    }
    let rows: Vec<_> = units
        .iter()
        .map(|u| vec![u.id.to_string(), u.code.to_string(), u.name.to_string()])
        .collect();
    say!("{}", table(&["ID", "CODE", "NAME"], &rows));
    Ok(())
}

pub async fn grids(app: &App) -> anyhow::Result<()> {
    let grids = grid::list(&app.store).await?;
    if app.json {
        return print_json(&grids);
    }
    let rows: Vec<_> = grids
        .iter()
        .map(|g| vec![g.id.to_string(), g.code.to_string(), g.name.to_string()])
        .collect();
    say!("{}", table(&["ID", "CODE", "NAME"], &rows));
    Ok(())
}

/// `gridloop enterprise list|add|edit`.
pub async fn enterprise(app: &App, cmd: EnterpriseCommand) -> anyhow::Result<()> {
    match cmd {
        EnterpriseCommand::List { grid, credit_code } => {
            let list = enterprises::list(&app.store, grid.as_deref(), credit_code.as_deref());
            show_enterprises(app, &list.await?).await
        }
        EnterpriseCommand::Add {
            name,
            grid,
            address,
            credit_code,
        } => {
            let input = NewEnterpriseInput {
                name,
                grid,
                address,
                credit_code,
            };
            let created = enterprises::create_as_operator(&app.state()?, &input).await?;
            show_enterprises(app, &[created]).await
        }
        EnterpriseCommand::Edit {
            id,
            name,
            grid,
            address,
            credit_code,
        } => {
            if name.is_none() && grid.is_none() && address.is_none() && credit_code.is_none() {
                return Err(UsageError(
                    "nothing to change: give --name, --grid, --address or --credit-code".into(),
                )
                .into());
            }
            let id: EnterpriseId = id.parse()?;
            // An empty value clears an optional field.
            let clearable = |v: Option<String>| v.map(|v| Some(v).filter(|v| !v.trim().is_empty()));
            let input = EnterprisePatchInput {
                name,
                grid,
                address: clearable(address),
                credit_code: clearable(credit_code),
            };
            let changed = enterprises::update_as_operator(&app.state()?, id, &input).await?;
            show_enterprises(app, &[changed]).await
        }
    }
}

/// Enterprises as a table, or with `--json` as they are stored.
async fn show_enterprises(
    app: &App,
    enterprises: &[gridloop_store::Enterprise],
) -> anyhow::Result<()> {
    if app.json {
        return print_json(&enterprises);
    }
    let grids = gridloop_app::reference::grid_codes(&app.store).await?;
    let rows: Vec<_> = enterprises
        .iter()
        .map(|e| {
            let grid = grids.get(&e.grid).cloned().unwrap_or_default();
            let code = e.credit_code.as_ref().map(ToString::to_string);
            vec![
                e.id.to_string(),
                grid,
                code.unwrap_or_else(|| "-".into()),
                e.name.to_string(),
            ]
        })
        .collect();
    say!("{}", table(&["ID", "GRID", "CREDIT CODE", "NAME"], &rows));
    Ok(())
}

/// `gridloop category list|add|edit`.
pub async fn category(app: &App, cmd: CategoryCommand) -> anyhow::Result<()> {
    match cmd {
        CategoryCommand::List => categories(app).await,
        CategoryCommand::Add(args) => {
            if args.priority.is_some() {
                return Err(UsageError(
                    "a new category needs an SLA for every priority: leave out --priority, then \
                     set one with `gridloop category edit CODE --priority P …`"
                        .into(),
                )
                .into());
            }
            let minutes = SlaMinutes {
                response_minutes: args.response_minutes,
                resolve_minutes: args.resolve_minutes,
            };
            let input = NewCategoryInput {
                code: args.code,
                name: args.name,
                default_unit: Some(args.unit),
                sla: every_priority(minutes),
            };
            let created = category::create_as_operator(&app.state()?, &input).await?;
            show_categories(app, &[created]).await
        }
        CategoryCommand::Edit(args) => {
            let sla = match (args.response_minutes, args.resolve_minutes) {
                (Some(response_minutes), Some(resolve_minutes)) => {
                    let minutes = SlaMinutes {
                        response_minutes,
                        resolve_minutes,
                    };
                    Some(match args.priority.as_deref() {
                        None => every_priority(minutes),
                        Some(raw) => {
                            let mut sla = SlaInput::default();
                            *sla.slot(raw.parse::<Priority>()?) = Some(minutes);
                            sla
                        }
                    })
                }
                // clap asks for both minutes together, and for them with --priority.
                _ => None,
            };
            if args.name.is_none() && args.unit.is_none() && sla.is_none() {
                return Err(UsageError(
                    "nothing to change: give --name, --unit, or --response-minutes with \
                     --resolve-minutes"
                        .into(),
                )
                .into());
            }
            // The category edited is the command's subject: one that does not exist is not
            // found (exit 3), not a bad option value.
            let code = Code::parse_field("code", &args.code)?;
            let id = app
                .store
                .category_by_code(&code)
                .await?
                .map(|c| c.id)
                .ok_or_else(|| StoreError::NotFound {
                    what: "category",
                    key: code.to_string(),
                })?;
            let input = CategoryPatchInput {
                name: args.name,
                default_unit: args.unit.map(Some),
                sla,
            };
            let changed = category::update_as_operator(&app.state()?, id, &input).await?;
            show_categories(app, &[changed]).await
        }
    }
}

/// The same minutes for every priority.
fn every_priority(minutes: SlaMinutes) -> SlaInput {
    SlaInput {
        low: Some(minutes),
        normal: Some(minutes),
        high: Some(minutes),
        urgent: Some(minutes),
    }
}

pub async fn categories(app: &App) -> anyhow::Result<()> {
    let categories = category::list(&app.store).await?;
    show_categories(app, &categories).await
}

/// Categories as a table, or with `--json` as a list with every priority's SLA.
async fn show_categories(app: &App, categories: &[gridloop_store::Category]) -> anyhow::Result<()> {
    let units = unit_codes(&app.store).await?;
    let unit_code = |id: Option<gridloop_core::UnitId>| {
        id.and_then(|id| units.get(&id).cloned())
            .unwrap_or_else(|| "-".into())
    };
    if app.json {
        let items: Vec<_> = categories
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "code": c.code, "name": c.name,
                    "default_unit": unit_code(c.default_unit),
                    "sla": c.slas.iter().map(|(p, s)| (p.as_str().to_owned(), json!({
                        "response_minutes": s.response_minutes(), "resolve_minutes": s.resolve_minutes()
                    }))).collect::<serde_json::Map<_, _>>(),
                })
            })
            .collect();
        return print_json(&items);
    }
    let sla = |c: &gridloop_store::Category, p| {
        c.sla_for(p)
            .map(|s| format!("{}/{}", s.response_minutes(), s.resolve_minutes()))
            .unwrap_or_else(|| "-".into())
    };
    let rows: Vec<_> = categories
        .iter()
        .map(|c| {
            vec![
                c.code.to_string(),
                c.name.to_string(),
                unit_code(c.default_unit),
                sla(c, Priority::Normal),
                sla(c, Priority::Urgent),
            ]
        })
        .collect();
    say!(
        "{}",
        table(
            &[
                "CODE",
                "NAME",
                "UNIT",
                "NORMAL (respond/resolve min)",
                "URGENT"
            ],
            &rows
        )
    );
    Ok(())
}

pub async fn users(app: &App) -> anyhow::Result<()> {
    let users = user::list(&app.store).await?;
    if app.json {
        // Contact details are personal data: the list shows them masked, as logs do.
        let items: Vec<_> = users
            .iter()
            .map(|u| {
                json!({
                    "id": u.id, "login": u.login, "name": u.name, "locale": u.locale,
                    "roles": u.roles, "posts": u.posts, "units": u.units, "grids": u.grids,
                    "enterprises": u.enterprises, "active": u.active,
                    "phone": u.phone.as_ref().map(|p| p.masked()),
                    "email": u.email.as_ref().map(|e| e.masked()),
                })
            })
            .collect();
        return print_json(&items);
    }
    let rows: Vec<_> = users
        .iter()
        .map(|u| {
            vec![
                u.login.to_string(),
                u.name.to_string(),
                u.roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                u.phone.as_ref().map(|p| p.masked()).unwrap_or_default(),
            ]
        })
        .collect();
    say!("{}", table(&["LOGIN", "NAME", "ROLES", "PHONE"], &rows));
    Ok(())
}

/// `gridloop user prefs LOGIN [--kind K --channels C]`: shows a user's notification
/// preferences, or sets one.
pub async fn prefs(
    app: &App,
    login: &str,
    kind: Option<&str>,
    channels: Option<&str>,
) -> anyhow::Result<()> {
    let user = app.user(login).await?;
    if let (Some(kind), Some(channels)) = (kind, channels) {
        let kind: gridloop_core::NotificationKind = kind.parse()?;
        let chosen: Option<Vec<gridloop_core::Channel>> = match channels {
            "default" => None,
            "none" => Some(Vec::new()),
            list => Some(list.split(',').map(str::parse).collect::<Result<_, _>>()?),
        };
        notifications::set_pref(&app.store, user.id, kind, chosen.as_deref()).await?;
    }
    let prefs = notifications::prefs(&app.store, user.id).await?;
    if app.json {
        let map: serde_json::Map<String, serde_json::Value> = prefs
            .into_iter()
            .map(|(k, c)| (k.stored_name().to_owned(), serde_json::json!(c)))
            .collect();
        return print_json(&map);
    }
    if prefs.is_empty() {
        say!("{login}: the defaults (email for everything; SMS too for what asks to act soon)");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = prefs
        .into_iter()
        .map(|(k, c)| {
            vec![
                k.stored_name().to_owned(),
                if c.is_empty() {
                    "none".to_owned()
                } else {
                    c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
                },
            ]
        })
        .collect();
    say!("{}", table(&["KIND", "CHANNELS"], &rows));
    Ok(())
}
