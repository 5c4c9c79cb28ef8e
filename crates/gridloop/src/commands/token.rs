//! `gridloop token create|revoke|list`.
//!
//! A token opens one surface, its scope: `api` (bearer tokens for `/api/v1`, the default) or
//! `open311` (an Open311 `api_key`, for users with the enterprise role only).

use gridloop_store::TokenScope;
use serde_json::json;

use crate::app::App;
use crate::cli::TokenCommand;
use crate::render::{print_json, say, table};
use gridloop_app::tokens;

pub async fn run(app: &App, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { user, name, scope } => {
            let (token, secret) = create(app, &user, &name, scope).await?;
            if app.json {
                print_json(&json!({
                    "id": token.id,
                    "user": user,
                    "name": token.name,
                    "scope": token.scope,
                    "token": secret,
                }))
            } else {
                say!("{secret}");
                eprintln!(
                    "{} token {} for {user}: shown once, keep it safe",
                    token.scope, token.id
                );
                Ok(())
            }
        }
        TokenCommand::Revoke { id } => {
            tokens::revoke(&app.store, id, app.now).await?;
            if app.json {
                print_json(&json!({"revoked": id}))
            } else {
                say!("revoked token {id}");
                Ok(())
            }
        }
        TokenCommand::List { user } => {
            let user_id = match user {
                Some(login) => Some(app.user(&login).await?.id),
                None => None,
            };
            let held = tokens::list(&app.store, user_id).await?;
            if app.json {
                return print_json(&held);
            }
            let users = gridloop_app::reference::users::list(&app.store).await?;
            let rows: Vec<_> = held
                .iter()
                .map(|t| {
                    let login = users
                        .iter()
                        .find(|u| u.id == t.user)
                        .map(|u| u.login.to_string())
                        .unwrap_or_default();
                    vec![
                        t.id.to_string(),
                        login,
                        t.name.clone(),
                        t.scope.to_string(),
                        t.created_at.format("%Y-%m-%d %H:%M").to_string(),
                        if t.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        }
                        .to_owned(),
                    ]
                })
                .collect();
            say!(
                "{}",
                table(&["ID", "USER", "NAME", "SCOPE", "CREATED", "STATE"], &rows)
            );
            Ok(())
        }
    }
}

/// Creates a token of a scope for a user; returns the record and the secret (shown once).
pub async fn create(
    app: &App,
    login: &str,
    name: &str,
    scope: TokenScope,
) -> anyhow::Result<(gridloop_store::ApiToken, String)> {
    let user = app.user(login).await?;
    Ok(tokens::create(&app.store, user.id, name, scope, app.now).await?)
}
